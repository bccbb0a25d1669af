//! Field paths into a step's result (`save:` and `fields:`), resolved when
//! the suite loads against the kind of result the step produces.
//!
//! Each step kind produces one [`ResultKind`]; each result kind has a closed
//! list of [`Root`] fields, each with a [`Shape`] saying what may follow it.
//! A path is resolved once, at load time: a root of the result is kept, any
//! other first segment is looked up under the kind's default root (`json`,
//! `params` or `claims`), and a path that cannot exist on the result
//! (`status.code`, `pages.0.knd`, `claims.nonce` on an HTTP step, any path
//! on `wait`) is a load error rather than a value that is silently absent.
//! The shapes are documented for authors in `docs/step-results.md`; the
//! runner's typed result (`checks::StepResult`) reads every root.

use crate::suite::raw::StepKey;

crate::suite::vocab::vocabulary! {
    /// The first segment of a field path: a named field of a step result.
    pub enum Root {
        /// HTTP status (HTTP steps; the last AS page of an `authorize` that stayed).
        Status = "status",
        /// Response headers by lowercase name (repeated ones joined by `, `).
        Headers = "headers",
        /// The body parsed as JSON (absent when it is not JSON).
        Json = "json",
        /// The body as text.
        Body = "body",
        /// Whether the body was cut at `limits.max_body`.
        Truncated = "truncated",
        /// `authorize`: whether the AS sent the user agent to the client.
        Redirected = "redirected",
        /// `authorize`: the client URL the AS navigated to.
        Location = "location",
        /// `authorize`: how it navigated (`location`, `meta_refresh`, `auto_submit_form`, …).
        Via = "via",
        /// `authorize`: parameters of the client redirect (query, fragment or form).
        Params = "params",
        /// `authorize`: what the harness sent.
        Sent = "sent",
        /// `authorize`: the AS pages seen, in order.
        Pages = "pages",
        /// `authorize`: a password was submitted and not rejected.
        LoggedIn = "logged_in",
        /// `authorize`: a consent page was shown.
        ConsentShown = "consent_shown",
        /// `authorize`: seconds from the test user's latest login by any
        /// trial against the target to the start of this step (absent
        /// before any login).
        UserLoginAge = "user_login_age",
        /// `authorize`: the status of every redirect answering a form POST,
        /// in order (a JSON array of numbers).
        PostRedirects = "post_redirects",
        /// `authorize`: the status of every redirect answering a login
        /// form's POST (username or password), in order (a JSON array).
        CredentialRedirects = "credential_redirects",
        /// `authorize`: the URL of the AS page the flow stopped on.
        FinalUrl = "final_url",
        /// `authorize`: the title of that page.
        Title = "title",
        /// `authorize` with `password: wrong`: the AS refused the login.
        LoginFailed = "login_failed",
        /// `authorize` with `password: wrong`: how the refusal was recognised.
        Reason = "reason",
        /// `tamper`: the names of the form fields changed, comma-separated.
        Tampered = "tampered",
        /// `id_token`: the JOSE header.
        Header = "header",
        /// `id_token`: the claims.
        Claims = "claims",
        /// `id_token`: `valid`, or why the signature is not.
        Signature = "signature",
        /// `id_token`: `valid`, or why the time claims are not.
        Times = "times",
        /// `id_token` with `access_token:` / `code:`: the verdicts on
        /// `at_hash` / `c_hash` (`valid`, `absent`, or why not).
        Hashes = "hashes",
        /// `tls_probe: plain_http`: an HTTP response came back.
        Answered = "answered",
        /// `tls_probe`: why nothing was answered or agreed.
        Refused = "refused",
        /// `tls_probe: legacy_tls`: the server agreed to TLS 1.0/1.1.
        Accepted = "accepted",
        /// `tls_probe: legacy_tls`: the version it agreed to.
        Version = "version",
    }
}

/// What may follow a [`Root`] in a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A single value: nothing may follow.
    Value,
    /// Named string values: at most one more segment (the name).
    Map,
    /// A JSON document: any path of member names and array indexes.
    Json,
    /// The AS pages seen: `pages.<index|kind>.<kind|url|status|headers.<name>>`.
    Pages,
}

impl Root {
    /// What may follow this root.
    pub fn shape(self) -> Shape {
        match self {
            Root::Headers | Root::Params | Root::Sent | Root::Hashes => Shape::Map,
            Root::Json | Root::Header | Root::Claims => Shape::Json,
            Root::Pages => Shape::Pages,
            Root::Status
            | Root::Body
            | Root::Truncated
            | Root::Redirected
            | Root::Location
            | Root::Via
            | Root::LoggedIn
            | Root::UserLoginAge
            | Root::ConsentShown
            | Root::PostRedirects
            | Root::CredentialRedirects
            | Root::FinalUrl
            | Root::Title
            | Root::LoginFailed
            | Root::Reason
            | Root::Tampered
            | Root::Signature
            | Root::Times
            | Root::Answered
            | Root::Refused
            | Root::Accepted
            | Root::Version => Shape::Value,
        }
    }
}

/// The fields of one AS page in `pages.<index>`.
pub const PAGE_FIELDS: &[&str] = &["kind", "url", "status", "headers", "third_party"];

/// Page kinds that select a page in place of an index: `pages.login` is the
/// last login page (the password page of a two-step login), `pages.consent`
/// the last consent page.
pub const PAGE_KINDS: &[&str] = &["login", "consent", "other"];

/// The kinds of result a step produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// One HTTP exchange (every back-channel step, `discover`, `request`).
    Http,
    /// The outcome of an authorization request in the user agent.
    Authorization,
    /// A decoded and verified ID token.
    IdToken,
    /// Nothing (`wait`).
    Nothing,
    /// What a probe (`race`, `entropy`) measured: a JSON document.
    Probe,
    /// A transport probe (`tls_probe`).
    TlsProbe,
}

impl ResultKind {
    /// Every kind.
    pub const ALL: &'static [ResultKind] = &[
        ResultKind::Http,
        ResultKind::Authorization,
        ResultKind::IdToken,
        ResultKind::Nothing,
        ResultKind::Probe,
        ResultKind::TlsProbe,
    ];

    /// The result a step of this kind produces. No wildcard: a new step
    /// kind does not compile until its result is named here.
    pub fn of(key: StepKey) -> ResultKind {
        match key {
            StepKey::Authorize | StepKey::Tamper => ResultKind::Authorization,
            StepKey::Race | StepKey::Entropy => ResultKind::Probe,
            StepKey::IdToken => ResultKind::IdToken,
            StepKey::Wait => ResultKind::Nothing,
            StepKey::TlsProbe => ResultKind::TlsProbe,
            StepKey::Token
            | StepKey::Refresh
            | StepKey::Revoke
            | StepKey::Introspect
            | StepKey::Userinfo
            | StepKey::Resource
            | StepKey::Discover
            | StepKey::Request => ResultKind::Http,
        }
    }

    /// A name for messages and the documentation.
    pub fn name(self) -> &'static str {
        match self {
            ResultKind::Http => "HTTP",
            ResultKind::Authorization => "authorize",
            ResultKind::IdToken => "id_token",
            ResultKind::Nothing => "wait",
            ResultKind::Probe => "race/entropy",
            ResultKind::TlsProbe => "tls_probe",
        }
    }

    /// The fields of this result.
    pub fn roots(self) -> &'static [Root] {
        match self {
            ResultKind::Http => &[
                Root::Status,
                Root::Headers,
                Root::Json,
                Root::Body,
                Root::Truncated,
            ],
            ResultKind::Authorization => &[
                Root::Redirected,
                Root::Location,
                Root::Via,
                Root::Params,
                Root::Status,
                Root::FinalUrl,
                Root::Title,
                Root::Sent,
                Root::Pages,
                Root::LoggedIn,
                Root::UserLoginAge,
                Root::ConsentShown,
                Root::PostRedirects,
                Root::CredentialRedirects,
                Root::LoginFailed,
                Root::Reason,
                Root::Tampered,
            ],
            // `json` is another name for `claims` here.
            ResultKind::IdToken => &[
                Root::Header,
                Root::Claims,
                Root::Json,
                Root::Signature,
                Root::Times,
                Root::Hashes,
            ],
            ResultKind::Nothing => &[],
            ResultKind::Probe => &[Root::Json],
            ResultKind::TlsProbe => &[
                Root::Answered,
                Root::Refused,
                Root::Status,
                Root::Headers,
                Root::Json,
                Root::Body,
                Root::Truncated,
                Root::Accepted,
                Root::Version,
            ],
        }
    }

    /// Where a path that does not start with one of [`roots`](Self::roots)
    /// is looked up.
    pub fn default_root(self) -> Option<Root> {
        match self {
            ResultKind::Http => Some(Root::Json),
            ResultKind::Authorization => Some(Root::Params),
            ResultKind::IdToken => Some(Root::Claims),
            ResultKind::Nothing => None,
            ResultKind::Probe => Some(Root::Json),
            ResultKind::TlsProbe => Some(Root::Json),
        }
    }
}

/// A dotted path into a step's result, resolved for the step's
/// [`ResultKind`]: e.g. `json.access_token`, `params.code`,
/// `headers.cache-control`, `status`, `claims.nonce`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The field of the result.
    pub root: Root,
    /// What follows it, checked against its [`Shape`].
    pub rest: Vec<String>,
    /// The path as written (messages quote it).
    pub source: String,
}

/// Why a path cannot be read on a step's result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldPathError {
    #[error("a `{kind}` step has no result to read")]
    NoResult { kind: &'static str },
    #[error("`{root}` is a field of another kind of step, not of this `{kind}` result")]
    OtherKind { root: Root, kind: &'static str },
    #[error("`{root}` is a single value: nothing can follow it")]
    NotAContainer { root: Root },
    #[error("`{root}.<name>` names one value: nothing can follow it")]
    TooDeep { root: Root },
    #[error(
        "`pages.{0}`: a page is chosen by its index (0, 1, …) or its kind (`login`, `consent`, `other`: the last of that kind)"
    )]
    PageIndex(String),
    #[error("a page has no field `{0}`")]
    PageField(String),
    #[error("`pages.<index>.{0}` is a single value: nothing can follow it")]
    PageValue(String),
    #[error("header names in paths are lowercase: `{0}`")]
    HeaderCase(String),
}

impl FieldPathError {
    /// A hint for the author, when one helps.
    pub fn hint(&self, kind: ResultKind) -> Option<String> {
        match self {
            FieldPathError::OtherKind { root, .. } => kind.default_root().map(|d| {
                format!(
                    "fields of this result: {}; write `{d}.{root}` for a member of that name",
                    crate::diag::one_of(kind.roots().iter().map(|r| r.name()))
                )
            }),
            FieldPathError::PageField(field) => {
                crate::diag::suggest(field, PAGE_FIELDS.iter().copied()).or_else(|| {
                    Some(format!(
                        "a page has {}",
                        crate::diag::one_of(PAGE_FIELDS.iter().copied())
                    ))
                })
            }
            FieldPathError::HeaderCase(name) => {
                Some(format!("write `{}`", name.to_ascii_lowercase()))
            }
            _ => None,
        }
    }
}

impl FieldPath {
    /// Resolves `source` (non-empty dot-separated segments, already checked)
    /// for a result of `kind`.
    pub fn resolve(kind: ResultKind, source: &str) -> Result<FieldPath, FieldPathError> {
        let segments: Vec<String> = source.split('.').map(str::to_string).collect();
        let first = Root::from_name(&segments[0]);
        let (root, rest) = match first {
            Some(root) if kind.roots().contains(&root) => (root, segments[1..].to_vec()),
            Some(root) if kind != ResultKind::Nothing => {
                return Err(FieldPathError::OtherKind {
                    root,
                    kind: kind.name(),
                });
            }
            _ => match kind.default_root() {
                Some(root) => (root, segments),
                None => return Err(FieldPathError::NoResult { kind: kind.name() }),
            },
        };
        check_shape(root, &rest)?;
        Ok(FieldPath {
            root,
            rest,
            source: source.to_string(),
        })
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

fn check_shape(root: Root, rest: &[String]) -> Result<(), FieldPathError> {
    match root.shape() {
        Shape::Value if !rest.is_empty() => Err(FieldPathError::NotAContainer { root }),
        Shape::Map if rest.len() > 1 => Err(FieldPathError::TooDeep { root }),
        Shape::Map if root == Root::Headers => header_case(rest.first()),
        Shape::Pages => match rest {
            [] => Ok(()),
            [index, tail @ ..] => {
                if index.parse::<usize>().is_err() && !PAGE_KINDS.contains(&index.as_str()) {
                    return Err(FieldPathError::PageIndex(index.clone()));
                }
                match tail {
                    [] => Ok(()),
                    [field, ..] if !PAGE_FIELDS.contains(&field.as_str()) => {
                        Err(FieldPathError::PageField(field.clone()))
                    }
                    [_] => Ok(()),
                    [field, name] if field == "headers" => header_case(Some(name)),
                    [field, ..] if field == "headers" => Err(FieldPathError::TooDeep {
                        root: Root::Headers,
                    }),
                    [field, ..] => Err(FieldPathError::PageValue(field.clone())),
                }
            }
        },
        _ => Ok(()),
    }
}

fn header_case(name: Option<&String>) -> Result<(), FieldPathError> {
    match name {
        Some(name) if name.chars().any(|c| c.is_ascii_uppercase()) => {
            Err(FieldPathError::HeaderCase(name.clone()))
        }
        _ => Ok(()),
    }
}

/// The paths documented in `docs/step-results.md`, with a sample name
/// (`x`) or index (`0`) for each placeholder, by result kind.
#[cfg(test)]
pub(crate) fn documented_paths() -> Vec<(ResultKind, String)> {
    let doc = include_str!("../../docs/step-results.md");
    doc.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let kind = *ResultKind::ALL
                .iter()
                .find(|k| cells.get(1) == Some(&k.name()))?;
            let path = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            let path = path
                .replace("<name>", "x")
                .replace("<path>", "x")
                .replace("<index>", "0");
            Some((kind, path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documentation_lists_every_field_of_every_result() {
        let documented = documented_paths();
        assert!(documented.len() > 20, "{documented:?}");
        for (kind, path) in &documented {
            let resolved = FieldPath::resolve(*kind, path)
                .unwrap_or_else(|e| panic!("documented `{path}` on {}: {e}", kind.name()));
            assert_eq!(
                resolved.root.name(),
                path.split('.').next().unwrap(),
                "`{path}` is documented as a field of {}",
                kind.name()
            );
        }
        for kind in ResultKind::ALL {
            for root in kind.roots() {
                assert!(
                    documented
                        .iter()
                        .any(|(k, p)| k == kind && p.split('.').next() == Some(root.name())),
                    "`{root}` of {} is not documented in docs/step-results.md",
                    kind.name()
                );
            }
        }
    }

    fn resolve(kind: ResultKind, path: &str) -> Result<(Root, Vec<String>), FieldPathError> {
        FieldPath::resolve(kind, path).map(|p| (p.root, p.rest))
    }

    #[test]
    fn paths_default_to_the_kinds_root() {
        let code = resolve(ResultKind::Authorization, "code").unwrap();
        assert_eq!(code, (Root::Params, vec!["code".to_string()]));
        let token = resolve(ResultKind::Http, "access_token").unwrap();
        assert_eq!(token, (Root::Json, vec!["access_token".to_string()]));
        let nonce = resolve(ResultKind::IdToken, "nonce").unwrap();
        assert_eq!(nonce, (Root::Claims, vec!["nonce".to_string()]));
        assert_eq!(
            resolve(ResultKind::Http, "status").unwrap(),
            (Root::Status, vec![])
        );
    }

    #[test]
    fn impossible_paths_are_errors() {
        use FieldPathError as E;
        assert!(matches!(
            resolve(ResultKind::Nothing, "status"),
            Err(E::NoResult { .. })
        ));
        assert!(matches!(
            resolve(ResultKind::Http, "claims.nonce"),
            Err(E::OtherKind { .. })
        ));
        assert!(matches!(
            resolve(ResultKind::Http, "status.code"),
            Err(E::NotAContainer { .. })
        ));
        assert!(matches!(
            resolve(ResultKind::Authorization, "params.code.x"),
            Err(E::TooDeep { .. })
        ));
        assert!(matches!(
            resolve(ResultKind::Authorization, "pages.first.kind"),
            Err(E::PageIndex(_))
        ));
        assert!(matches!(
            resolve(ResultKind::Authorization, "pages.0.knd"),
            Err(E::PageField(_))
        ));
        assert!(matches!(
            resolve(ResultKind::Http, "headers.Cache-Control"),
            Err(E::HeaderCase(_))
        ));
        assert!(resolve(ResultKind::Authorization, "pages.1.headers.x-frame-options").is_ok());
        assert!(
            resolve(
                ResultKind::Authorization,
                "pages.login.headers.x-frame-options"
            )
            .is_ok()
        );
        assert!(resolve(ResultKind::Authorization, "pages.consent.kind").is_ok());
        assert!(resolve(ResultKind::Http, "json.keys.0.kid").is_ok());
        // An explicit root reaches a JSON member named like a root elsewhere.
        assert!(resolve(ResultKind::Http, "json.claims").is_ok());
    }
}
