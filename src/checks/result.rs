//! What a step produced, typed: one HTTP exchange, the outcome of an
//! authorization request in the user agent, a verified ID token, or nothing
//! (`wait`). Checks and `save:` read it through typed accessors and through
//! [`StepResult::field`], which follows a [`FieldPath`] resolved when the
//! suite loaded; every root is handled in one exhaustive match, so a new
//! field does not compile until it can be read. The shapes are documented
//! for authors in `docs/step-results.md`.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::agent::{BrowseResult, Navigation, PageSeen, Response};
use crate::jose::VerifiedJwt;
use crate::suite::{FieldPath, Root};

/// The result of one step.
#[derive(Debug, Clone)]
pub enum StepResult {
    /// Every back-channel step, `discover` and `request`.
    Http(HttpExchange),
    /// `authorize`.
    Authorization(Authorization),
    /// `id_token`.
    IdToken(VerifiedJwt),
    /// `wait`.
    Nothing,
    /// `race` and `entropy`: what the probe measured.
    Probe(ProbeResult),
    /// `tls_probe`: what a transport probe saw.
    TlsProbe(TlsProbeResult),
}

/// What a probe step measured: counts and statistics as a JSON document
/// (read under `json`), and one sentence for messages. No artifact value
/// is in it, except `race`'s `winner` (the first success's token response,
/// whose tokens the redactor knows).
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub summary: String,
    pub json: Value,
}

/// What a transport probe saw (`tls_probe`).
#[derive(Debug, Clone, Default)]
pub struct TlsProbeResult {
    /// `plain_http`: whether an HTTP response came back.
    pub answered: Option<bool>,
    /// `legacy_tls`: whether the server agreed to TLS 1.0/1.1.
    pub accepted: Option<bool>,
    /// `legacy_tls`: the version agreed to.
    pub version: Option<String>,
    /// Why nothing was answered or agreed.
    pub refused: Option<String>,
    /// `plain_http`: the response, when one came.
    pub http: Option<HttpExchange>,
}

impl TlsProbeResult {
    fn field(&self, root: Root, rest: &[String]) -> Option<Cow<'_, str>> {
        let flag = |b: Option<bool>| b.map(|b| Cow::Owned(b.to_string()));
        match root {
            Root::Answered => flag(self.answered),
            Root::Accepted => flag(self.accepted),
            Root::Version => self.version.as_deref().map(Cow::Borrowed),
            Root::Refused => self.refused.as_deref().map(Cow::Borrowed),
            _ => self.http.as_ref().and_then(|h| h.field(root, rest)),
        }
    }
}

/// One HTTP response as checks see it.
#[derive(Debug, Clone, Default)]
pub struct HttpExchange {
    pub status: u16,
    /// Lowercase names in first-seen order; a repeated header's values are
    /// joined with `, `.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `Null` when it is not JSON.
    pub json: Value,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// The body was cut at `limits.max_body`.
    pub truncated: bool,
}

/// An authorization request and how the walk through the AS ended.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The request parameters the harness sent, in order, then the PKCE
    /// `code_verifier` it kept (a later duplicate name wins).
    pub sent: Vec<(String, String)>,
    pub outcome: AuthorizationOutcome,
}

/// How an authorization request ended.
#[derive(Debug, Clone)]
pub enum AuthorizationOutcome {
    /// The walk ended at the client or on an AS page.
    Browsed(BrowseResult),
    /// `password: wrong`: the AS refused the login (the result to judge).
    LoginFailed { final_url: String, reason: String },
}

impl HttpExchange {
    /// The exchange as checks see `response`.
    pub fn from_response(response: &Response) -> HttpExchange {
        HttpExchange {
            status: response.status,
            headers: joined_headers(&response.headers),
            json: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            body: response.text(),
            truncated: response.truncated,
        }
    }

    /// A header by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        map_get(&self.headers, name)
    }
}

impl StepResult {
    /// The HTTP status: of the exchange, or of the AS page an
    /// authorization request stopped on.
    pub fn status(&self) -> Option<u16> {
        match self {
            StepResult::Http(http) => Some(http.status),
            StepResult::Authorization(a) => match &a.outcome {
                AuthorizationOutcome::Browsed(BrowseResult {
                    navigation: Navigation::Stayed { status, .. },
                    ..
                }) => Some(*status),
                _ => None,
            },
            StepResult::TlsProbe(probe) => probe.http.as_ref().map(|h| h.status),
            StepResult::IdToken(_) | StepResult::Nothing | StepResult::Probe(_) => None,
        }
    }

    /// The authorization request's result, if this is one.
    pub fn authorization(&self) -> Option<&Authorization> {
        match self {
            StepResult::Authorization(a) => Some(a),
            _ => None,
        }
    }

    /// The HTTP exchange, if this is one.
    pub fn http(&self) -> Option<&HttpExchange> {
        match self {
            StepResult::Http(http) => Some(http),
            StepResult::TlsProbe(probe) => probe.http.as_ref(),
            _ => None,
        }
    }

    /// Whether the AS sent the user agent to the client (authorize only).
    pub fn redirected(&self) -> Option<bool> {
        self.authorization().map(|a| a.location().is_some())
    }

    /// A parameter of the client redirect (the first of its name).
    pub fn redirect_param(&self, name: &str) -> Option<&str> {
        self.authorization().and_then(|a| a.param(name))
    }

    /// A header of the HTTP exchange, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.http().and_then(|h| h.header(name))
    }

    /// A member of the JSON body (of an ID token: of its claims), by path;
    /// JSON `null` is absent.
    pub fn json<S: AsRef<str>>(&self, path: &[S]) -> Option<&Value> {
        match self {
            StepResult::Http(http) => lookup(&http.json, path),
            StepResult::IdToken(jwt) => lookup(&jwt.claims, path),
            StepResult::Probe(probe) => lookup(&probe.json, path),
            StepResult::TlsProbe(probe) => probe.http.as_ref().and_then(|h| lookup(&h.json, path)),
            StepResult::Authorization(_) | StepResult::Nothing => None,
        }
    }

    /// The value at `path` as matchers compare it (strings unquoted, other
    /// JSON as JSON text), or `None` when it is absent from this result.
    pub fn field(&self, path: &FieldPath) -> Option<Cow<'_, str>> {
        let rest = path.rest.as_slice();
        match self {
            StepResult::Http(http) => http.field(path.root, rest),
            StepResult::Authorization(a) => a.field(path.root, rest),
            StepResult::IdToken(jwt) => jwt_field(jwt, path.root, rest),
            StepResult::Probe(probe) => match path.root {
                Root::Json => lookup(&probe.json, rest).map(as_text),
                _ => None,
            },
            StepResult::TlsProbe(probe) => probe.field(path.root, rest),
            StepResult::Nothing => None,
        }
    }
}

/// The fields of an `id_token` result (`json` is another name for `claims`).
fn jwt_field<'a>(jwt: &'a VerifiedJwt, root: Root, rest: &[String]) -> Option<Cow<'a, str>> {
    match root {
        Root::Header => lookup(&jwt.header, rest).map(as_text),
        Root::Claims | Root::Json => lookup(&jwt.claims, rest).map(as_text),
        Root::Signature => Some(Cow::Borrowed(&jwt.signature)),
        Root::Times => Some(Cow::Borrowed(&jwt.times)),
        Root::Hashes => match rest {
            [] => serialized(&jwt.hashes),
            [claim] => jwt.hashes.get(claim).map(|v| Cow::Borrowed(v.as_str())),
            _ => None,
        },
        Root::PostRedirects
        | Root::CredentialRedirects
        | Root::Status
        | Root::Headers
        | Root::Body
        | Root::Truncated
        | Root::Redirected
        | Root::Location
        | Root::Via
        | Root::Params
        | Root::Sent
        | Root::Pages
        | Root::LoggedIn
        | Root::UserLoginAge
        | Root::ConsentShown
        | Root::FinalUrl
        | Root::Title
        | Root::LoginFailed
        | Root::Reason
        | Root::Tampered
        | Root::Answered
        | Root::Refused
        | Root::Accepted
        | Root::Version => None,
    }
}

impl HttpExchange {
    fn field(&self, root: Root, rest: &[String]) -> Option<Cow<'_, str>> {
        match root {
            Root::Status => Some(Cow::Owned(self.status.to_string())),
            Root::Headers => map_field(&self.headers, rest, false),
            Root::Json => lookup(&self.json, rest).map(as_text),
            Root::Body => Some(Cow::Borrowed(&self.body)),
            Root::Truncated => Some(Cow::Owned(self.truncated.to_string())),
            Root::Redirected
            | Root::Location
            | Root::Via
            | Root::Params
            | Root::Sent
            | Root::Pages
            | Root::LoggedIn
            | Root::UserLoginAge
            | Root::ConsentShown
            | Root::FinalUrl
            | Root::Title
            | Root::LoginFailed
            | Root::Reason
            | Root::Tampered
            | Root::Header
            | Root::Claims
            | Root::Signature
            | Root::Times
            | Root::PostRedirects
            | Root::CredentialRedirects
            | Root::Hashes
            | Root::Answered
            | Root::Refused
            | Root::Accepted
            | Root::Version => None,
        }
    }
}

impl Authorization {
    /// The client URL the AS navigated to, if it did.
    pub fn location(&self) -> Option<&str> {
        match &self.outcome {
            AuthorizationOutcome::Browsed(BrowseResult {
                navigation: Navigation::ToClient { url, .. },
                ..
            }) => Some(url),
            _ => None,
        }
    }

    /// A parameter of the client redirect (the first of its name).
    pub fn param(&self, name: &str) -> Option<&str> {
        match &self.outcome {
            AuthorizationOutcome::Browsed(browse) => browse.navigation.param(name),
            AuthorizationOutcome::LoginFailed { .. } => None,
        }
    }

    /// The URL of the AS page the walk stopped on (not at the client).
    pub fn final_url(&self) -> Option<&str> {
        match &self.outcome {
            AuthorizationOutcome::Browsed(BrowseResult {
                navigation: Navigation::Stayed { url, .. },
                ..
            })
            | AuthorizationOutcome::LoginFailed { final_url: url, .. } => Some(url),
            _ => None,
        }
    }

    /// What the harness sent under `name` (the last of its name).
    pub fn sent(&self, name: &str) -> Option<&str> {
        self.sent
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn field(&self, root: Root, rest: &[String]) -> Option<Cow<'_, str>> {
        let browse = match &self.outcome {
            AuthorizationOutcome::Browsed(browse) => Some(browse),
            AuthorizationOutcome::LoginFailed { .. } => None,
        };
        let text = |s: &str| Some(Cow::Owned(s.to_string()));
        match root {
            Root::Redirected => text(&self.location().is_some().to_string()),
            Root::Location => self.location().map(Cow::Borrowed),
            Root::Via => match browse.map(|b| &b.navigation) {
                Some(Navigation::ToClient { via, .. }) => serialized(via),
                _ => None,
            },
            Root::Params => match browse.map(|b| &b.navigation) {
                Some(Navigation::ToClient { params, .. }) => map_field(params, rest, false),
                // No redirect: an empty set of parameters.
                _ => map_field(&[], rest, false),
            },
            Root::Status => self.status().map(|s| Cow::Owned(s.to_string())),
            Root::FinalUrl => self.final_url().map(Cow::Borrowed),
            Root::Title => match browse.map(|b| &b.navigation) {
                Some(Navigation::Stayed { title, .. }) => title.as_deref().map(Cow::Borrowed),
                _ => None,
            },
            Root::Sent => map_field(&self.sent, rest, true),
            Root::Pages => browse.and_then(|b| page_field(&b.pages, rest)),
            Root::LoggedIn => browse.and_then(|b| text(&b.logged_in.to_string())),
            Root::UserLoginAge => browse
                .and_then(|b| b.user_login_age)
                .map(|age| Cow::Owned(format!("{:.3}", age.as_secs_f64()))),
            Root::ConsentShown => browse.and_then(|b| text(&b.consent_shown.to_string())),
            Root::PostRedirects => browse.and_then(|b| serialized(&b.post_redirects)),
            Root::CredentialRedirects => browse.and_then(|b| serialized(&b.credential_redirects)),
            Root::LoginFailed => match &self.outcome {
                AuthorizationOutcome::LoginFailed { .. } => text("true"),
                AuthorizationOutcome::Browsed(_) => None,
            },
            Root::Reason => match &self.outcome {
                AuthorizationOutcome::LoginFailed { reason, .. } => Some(Cow::Borrowed(reason)),
                AuthorizationOutcome::Browsed(_) => None,
            },
            Root::Tampered => browse
                .and_then(|b| b.tampered.as_ref())
                .map(|names| Cow::Owned(names.join(","))),
            Root::Headers
            | Root::Json
            | Root::Body
            | Root::Truncated
            | Root::Header
            | Root::Claims
            | Root::Signature
            | Root::Times
            | Root::Hashes
            | Root::Answered
            | Root::Refused
            | Root::Accepted
            | Root::Version => None,
        }
    }

    fn status(&self) -> Option<u16> {
        match &self.outcome {
            AuthorizationOutcome::Browsed(BrowseResult {
                navigation: Navigation::Stayed { status, .. },
                ..
            }) => Some(*status),
            _ => None,
        }
    }
}

/// `pages`, `pages.<i>` or `pages.<i>.<kind|url|status|headers[.<name>]>`.
fn page_field<'a>(pages: &'a [PageSeen], rest: &[String]) -> Option<Cow<'a, str>> {
    let page_value = |p: &PageSeen| {
        let mut map = Map::new();
        map.insert(
            "kind".into(),
            serde_json::to_value(p.kind).unwrap_or(Value::Null),
        );
        map.insert("url".into(), Value::String(p.url.clone()));
        map.insert("status".into(), Value::from(p.status));
        map.insert("headers".into(), object(&joined_headers(&p.headers), false));
        map.insert("third_party".into(), Value::from(p.third_party.clone()));
        Value::Object(map)
    };
    let Some(index) = rest.first() else {
        let all: Vec<Value> = pages.iter().map(page_value).collect();
        return Some(Cow::Owned(Value::Array(all).to_string()));
    };
    // A number picks by position; a kind (`login`, `consent`, `other`)
    // picks the last page of that kind.
    let page = match index.parse::<usize>() {
        Ok(i) => pages.get(i)?,
        Err(_) => pages
            .iter()
            .rev()
            .find(|p| serialized(&p.kind).is_some_and(|k| k == index.as_str()))?,
    };
    match rest.get(1).map(String::as_str) {
        None => Some(Cow::Owned(page_value(page).to_string())),
        Some("kind") => serialized(&page.kind),
        Some("url") => Some(Cow::Borrowed(&page.url)),
        Some("status") => Some(Cow::Owned(page.status.to_string())),
        Some("third_party") => serialized(&page.third_party),
        Some("headers") => {
            let headers = joined_headers(&page.headers);
            map_field(&headers, &rest[2..], false).map(|v| Cow::Owned(v.into_owned()))
        }
        Some(_) => None,
    }
}

/// A named value of `pairs` (`rest` = `[name]`; the first of its name, or
/// the last with `last_wins`), or all of them as a JSON object (`rest` empty).
fn map_field<'a>(
    pairs: &'a [(String, String)],
    rest: &[String],
    last_wins: bool,
) -> Option<Cow<'a, str>> {
    match rest {
        [] => Some(Cow::Owned(object(pairs, last_wins).to_string())),
        [name] if last_wins => pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str())),
        [name] => map_get(pairs, name).map(Cow::Borrowed),
        _ => None,
    }
}

fn map_get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn object(pairs: &[(String, String)], last_wins: bool) -> Value {
    let mut map = Map::new();
    for (name, value) in pairs {
        if last_wins || !map.contains_key(name) {
            map.insert(name.clone(), Value::String(value.clone()));
        }
    }
    Value::Object(map)
}

fn serialized<T: serde::Serialize>(value: &T) -> Option<Cow<'static, str>> {
    serde_json::to_value(value)
        .ok()
        .map(|v| Cow::Owned(as_text(&v).into_owned()))
}

/// Headers with lowercase names, a repeated one's values joined with `, `.
pub fn joined_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut joined: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        match joined.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            None => joined.push((name, value.clone())),
        }
    }
    joined
}

/// Follows a path of member names and array indexes into JSON; a missing
/// member or JSON `null` is `None`.
pub fn lookup<'a, S: AsRef<str>>(value: &'a Value, path: &[S]) -> Option<&'a Value> {
    let mut current = value;
    for segment in path {
        let segment = segment.as_ref();
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    (!current.is_null()).then_some(current)
}

/// The text of a JSON value as compared by matchers (strings unquoted).
pub fn as_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
impl StepResult {
    /// An HTTP exchange with this status and JSON body.
    pub(crate) fn http_for_tests(status: u16, json: Value) -> StepResult {
        StepResult::Http(HttpExchange {
            status,
            body: json.to_string(),
            json,
            ..HttpExchange::default()
        })
    }

    /// An authorization request redirected to the client with `params`.
    pub(crate) fn redirect_for_tests(params: &[(&str, &str)]) -> StepResult {
        StepResult::Authorization(Authorization {
            sent: Vec::new(),
            outcome: AuthorizationOutcome::Browsed(BrowseResult {
                navigation: Navigation::ToClient {
                    url: "https://client.example/cb".into(),
                    via: crate::agent::NavigationKind::Location,
                    params: params
                        .iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect(),
                },
                pages: Vec::new(),
                logged_in: false,
                consent_shown: false,
                post_redirects: Vec::new(),
                tampered: None,
                credential_redirects: Vec::new(),
                user_login_age: None,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{NavigationKind, PageKind};
    use crate::suite::{ResultKind, field::documented_paths};
    use serde_json::json;

    fn browsed(navigation: Navigation) -> StepResult {
        StepResult::Authorization(Authorization {
            sent: vec![("x".into(), "sent".into())],
            outcome: AuthorizationOutcome::Browsed(BrowseResult {
                navigation,
                pages: vec![PageSeen {
                    kind: PageKind::Login,
                    url: "https://as.example/login".into(),
                    status: 200,
                    headers: vec![("x".into(), "a".into()), ("X".into(), "b".into())],
                    third_party: vec!["https://cdn.example".into()],
                }],
                logged_in: true,
                consent_shown: false,
                post_redirects: vec![303],
                tampered: Some(vec!["x".into()]),
                credential_redirects: vec![303],
                user_login_age: Some(std::time::Duration::from_millis(2_317)),
            }),
        })
    }

    /// Results of each kind that together have every field.
    fn samples(kind: ResultKind) -> Vec<StepResult> {
        match kind {
            ResultKind::Http => vec![StepResult::Http(HttpExchange {
                status: 200,
                headers: vec![("x".into(), "1".into())],
                json: json!({"x": "j"}),
                body: r#"{"x":"j"}"#.into(),
                truncated: false,
            })],
            ResultKind::Authorization => vec![
                browsed(Navigation::ToClient {
                    url: "https://client.example/cb?x=1".into(),
                    via: NavigationKind::Location,
                    params: vec![("x".into(), "1".into())],
                }),
                browsed(Navigation::Stayed {
                    status: 400,
                    url: "https://as.example/error".into(),
                    title: Some("Error".into()),
                }),
                StepResult::Authorization(Authorization {
                    sent: Vec::new(),
                    outcome: AuthorizationOutcome::LoginFailed {
                        final_url: "https://as.example/login".into(),
                        reason: "the form came back".into(),
                    },
                }),
            ],
            ResultKind::IdToken => vec![StepResult::IdToken(VerifiedJwt {
                header: json!({"x": "RS256"}),
                claims: json!({"x": "n"}),
                signature: "valid".into(),
                times: "valid".into(),
                hashes: [("x".to_string(), "valid".to_string())].into(),
            })],
            ResultKind::Nothing => vec![StepResult::Nothing],
            ResultKind::Probe => vec![StepResult::Probe(ProbeResult {
                summary: "measured".into(),
                json: json!({"x": 1}),
            })],
            ResultKind::TlsProbe => vec![
                StepResult::TlsProbe(TlsProbeResult {
                    answered: Some(true),
                    http: Some(HttpExchange {
                        status: 401,
                        headers: vec![("x".into(), "1".into())],
                        json: json!({"x": "j"}),
                        body: r#"{"x":"j"}"#.into(),
                        truncated: false,
                    }),
                    ..TlsProbeResult::default()
                }),
                StepResult::TlsProbe(TlsProbeResult {
                    accepted: Some(true),
                    version: Some("TLS 1.1".into()),
                    refused: Some("an alert".into()),
                    ..TlsProbeResult::default()
                }),
            ],
        }
    }

    fn field(result: &StepResult, kind: ResultKind, path: &str) -> Option<String> {
        let path = FieldPath::resolve(kind, path).unwrap();
        result.field(&path).map(Cow::into_owned)
    }

    #[test]
    fn every_documented_path_reads_a_value_on_its_result() {
        for (kind, path) in documented_paths() {
            let found = samples(kind)
                .iter()
                .any(|r| field(r, kind, &path).is_some());
            assert!(
                found,
                "documented `{path}` reads nothing on {}",
                kind.name()
            );
        }
    }

    #[test]
    fn values_read_as_matchers_compare_them() {
        let [redirect, stayed, failed] = &samples(ResultKind::Authorization)[..] else {
            panic!()
        };
        let auth = ResultKind::Authorization;
        assert_eq!(field(redirect, auth, "redirected").as_deref(), Some("true"));
        assert_eq!(field(redirect, auth, "x").as_deref(), Some("1"));
        assert_eq!(field(redirect, auth, "via").as_deref(), Some("location"));
        assert_eq!(field(redirect, auth, "status"), None);
        assert_eq!(
            field(redirect, auth, "pages.0.kind").as_deref(),
            Some("login")
        );
        assert_eq!(
            field(redirect, auth, "pages.0.headers.x").as_deref(),
            Some("a, b")
        );
        assert_eq!(field(redirect, auth, "pages.1.kind"), None);
        assert_eq!(
            field(redirect, auth, "pages.login.kind").as_deref(),
            Some("login")
        );
        assert_eq!(field(redirect, auth, "pages.consent.kind"), None);
        assert_eq!(field(stayed, auth, "status").as_deref(), Some("400"));
        assert_eq!(field(stayed, auth, "params").as_deref(), Some("{}"));
        assert_eq!(field(stayed, auth, "location"), None);
        assert_eq!(field(failed, auth, "redirected").as_deref(), Some("false"));
        assert_eq!(field(failed, auth, "login_failed").as_deref(), Some("true"));
        assert_eq!(field(failed, auth, "logged_in"), None);
        assert_eq!(field(redirect, auth, "login_failed"), None);
        let http = &samples(ResultKind::Http)[0];
        assert_eq!(
            field(http, ResultKind::Http, "status").as_deref(),
            Some("200")
        );
        assert_eq!(field(http, ResultKind::Http, "x").as_deref(), Some("j"));
        assert_eq!(
            field(http, ResultKind::Http, "json").as_deref(),
            Some(r#"{"x":"j"}"#)
        );
    }

    #[test]
    fn json_null_and_missing_members_are_absent() {
        let http = StepResult::http_for_tests(200, json!({"a": null, "b": {"c": [1, 2]}}));
        assert_eq!(http.json(&["a"]), None);
        assert_eq!(http.json(&["b", "c", "1"]), Some(&json!(2)));
        assert_eq!(
            field(&http, ResultKind::Http, "b.c.0").as_deref(),
            Some("1")
        );
        assert_eq!(field(&http, ResultKind::Http, "b.x"), None);
    }

    #[test]
    fn sent_values_are_the_last_of_their_name_params_the_first() {
        let mut result = StepResult::redirect_for_tests(&[("code", "one"), ("code", "two")]);
        if let StepResult::Authorization(a) = &mut result {
            a.sent = vec![
                ("code_verifier".into(), "override".into()),
                ("code_verifier".into(), "kept".into()),
            ];
        }
        let auth = ResultKind::Authorization;
        assert_eq!(field(&result, auth, "code").as_deref(), Some("one"));
        assert_eq!(
            field(&result, auth, "sent.code_verifier").as_deref(),
            Some("kept")
        );
    }
}
