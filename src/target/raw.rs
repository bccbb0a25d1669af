//! The target profile file format (YAML) and its conversion to [`Profile`].
//!
//! Unknown keys are errors (a typo must not silently disable a client), and
//! `${env:NAME}` in any string reads the environment so secrets stay out of
//! the file. Every value a semantic check looks at keeps its source place
//! (`Spanned`), so an error points at it the way suite errors do. Only
//! parsing and checking here: discovery is in `discovery`.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::{
    Client, Endpoints, EndpointsOrigin, Limits, Profile, ProfileError, Scopes, Secret, Timing,
};
use crate::agent::LoginConfig;
use crate::diag::{Diagnostic, did_you_mean};
use crate::standard::{Standard, StandardError, StandardSet};
use crate::suite::{AuthMethod, Capability, MAX_TIMING, OneOrMany, Pairs, TimingName};

type S<T> = Spanned<T>;

/// The longest `limits.timeout` a profile may set: a request that needs
/// longer is not one a conformance test should wait for.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// The largest `limits.max_body`: 1 GiB.
pub const MAX_BODY: usize = 1 << 30;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    issuer: Option<S<String>>,
    #[serde(default)]
    endpoints: RawEndpoints,
    clients: RawClients,
    user: RawUser,
    /// `login:` with every key commented out is null: same as absent.
    #[serde(default)]
    login: Option<RawLogin>,
    #[serde(default)]
    capabilities: Vec<S<String>>,
    #[serde(default)]
    timing: Option<Pairs<S<String>>>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    scopes: RawScopes,
    /// `warn` (default) or `strict`: may discovery route credentials to
    /// another origin than the issuer's?
    #[serde(default)]
    endpoints_origin: RawEndpointsOrigin,
    /// `rfc9700,oidc` or `[rfc9700, oidc]`: the standards to judge by
    /// (default: RFC 9700, plus `oidc` when `capabilities` has it).
    standard: Option<S<OneOrMany>>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawEndpointsOrigin {
    #[default]
    Warn,
    Strict,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoints {
    authorization: Option<S<String>>,
    token: Option<S<String>>,
    revocation: Option<S<String>>,
    registration: Option<S<String>>,
    introspection: Option<S<String>>,
    userinfo: Option<S<String>>,
    jwks: Option<S<String>>,
    resource: Option<S<String>>,
    scoped_resource: Option<S<String>>,
    second_resource: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClients {
    main: RawClient,
    other: Option<RawClient>,
    public: Option<RawClient>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    id: S<String>,
    secret: Option<S<String>>,
    redirect_uri: S<String>,
    #[serde(default)]
    other_redirect_uris: Vec<S<String>>,
    /// `client_secret_basic`, `client_secret_post`, `client_secret_jwt`,
    /// `private_key_jwt` or `none`.
    auth_method: Option<S<String>>,
    /// `private_key_jwt`: the PEM private key, inline or as a path (relative
    /// to the profile); `${env:NAME}` allowed.
    key: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    username: S<String>,
    password: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogin {
    form: Option<String>,
    username_field: Option<String>,
    password_field: Option<String>,
    approve: Option<String>,
    deny: Option<String>,
    command: Option<Vec<String>>,
    /// Parameters that make the AS show its consent page even when it
    /// remembers consent (e.g. `{ approval_prompt: force }`).
    force_consent: Option<std::collections::BTreeMap<String, String>>,
    /// Start trials from a copy of one logged-in session (default true; the
    /// runner falls back to fresh logins when the server rotates it).
    reuse_session: Option<bool>,
    /// Other origins the login and consent pages are served from.
    origins: Option<Vec<S<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    /// Requests per second.
    rate: Option<S<f64>>,
    timeout: Option<S<String>>,
    max_body: Option<S<u64>>,
    /// Ceiling on trials and requests in flight (below `--jobs`).
    jobs: Option<usize>,
    /// PEM file of CA certificates trusted on top of the system's
    /// (relative to the profile's directory).
    ca_file: Option<S<String>>,
    /// HTTP(S) proxy every request to the target goes through.
    proxy: Option<S<String>>,
    /// Refused: only `--insecure` switches verification off.
    insecure: Option<S<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScopes {
    default: Option<S<String>>,
    extra: Option<S<String>>,
    forbidden: Option<S<String>>,
}

/// Reads and checks a profile file; endpoints may still need discovery
/// ([`Profile::resolve`]). Every `${env:NAME}` must be set.
pub fn load_profile(path: &Path) -> Result<Profile, ProfileError> {
    parse_profile(path, &read(path)?, Env::Required)
}

/// Checks a profile file offline (`oauthcheck validate`): unset
/// `${env:NAME}` variables are fine here, since CI sets them only for runs.
pub fn check_profile(path: &Path) -> Result<(), ProfileError> {
    parse_profile(path, &read(path)?, Env::Optional).map(|_| ())
}

fn read(path: &Path) -> Result<String, ProfileError> {
    crate::diag::read_text(path, "profile").map_err(ProfileError::Invalid)
}

/// Whether unset environment variables are an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Required,
    Optional,
}

/// The file being checked: turns a problem at a place into an error.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    env_mode: Env,
}

impl Checker<'_> {
    fn bad(&self, at: &Location, message: String, hint: Option<String>) -> ProfileError {
        ProfileError::Invalid(
            Diagnostic::new(self.path, at.line() as usize, at.column() as usize, message)
                .with_hint_opt(hint)
                .with_source(self.text),
        )
    }

    /// A string with its `${env:NAME}` placeholders filled.
    fn env(&self, value: &S<String>) -> Result<String, ProfileError> {
        match expand_env(&value.value) {
            Err(EnvError::Unset { .. }) if self.env_mode == Env::Optional => {
                Ok(value.value.clone())
            }
            Err(e) => Err(self.bad(&value.referenced, e.to_string(), None)),
            Ok(v) => Ok(v),
        }
    }

    /// A `login.origins` entry: an http(s) URL, kept as its origin.
    fn origin(&self, value: &S<String>) -> Result<String, ProfileError> {
        let written = self.env(value)?;
        match url::Url::parse(written.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Ok(url.origin().ascii_serialization())
            }
            _ => Err(self.bad(
                &value.referenced,
                format!("`login.origins`: `{written}` is not an http(s) origin"),
                Some("e.g. `http://127.0.0.1:3000` (where the login pages are served)".into()),
            )),
        }
    }

    fn opt(&self, value: &Option<S<String>>) -> Result<Option<String>, ProfileError> {
        value.as_ref().map(|v| self.env(v)).transpose()
    }

    fn duration(&self, value: &S<String>, what: &str) -> Result<Duration, ProfileError> {
        parse_duration(&value.value)
            .map_err(|e| self.bad(&value.referenced, format!("{what}: {e}"), None))
    }

    fn client(&self, raw: &RawClient) -> Result<Client, ProfileError> {
        let secret = self.opt(&raw.secret)?.map(Secret::new);
        let auth_method = match raw.auth_method.as_ref() {
            None if secret.is_none() => AuthMethod::None,
            None => AuthMethod::ClientSecretBasic,
            Some(m) => match AuthMethod::from_name(&m.value) {
                Some(method) => method,
                None => {
                    return Err(self.bad(
                        &m.referenced,
                        format!(
                            "client `{}`: unknown auth_method `{}`",
                            raw.id.value, m.value
                        ),
                        Some(format!(
                            "use {}",
                            crate::diag::one_of(AuthMethod::NAMES.iter().copied())
                        )),
                    ));
                }
            },
        };
        // Where a missing key or secret is reported: the method that needs it.
        let method_at = raw
            .auth_method
            .as_ref()
            .map_or(&raw.id.referenced, |m| &m.referenced);
        let key = match &raw.key {
            Some(key) => Some(Secret::new(self.key(key)?)),
            None if auth_method == AuthMethod::PrivateKeyJwt => {
                return Err(self.bad(
                    method_at,
                    format!(
                        "client `{}` uses `private_key_jwt` but has no `key`",
                        raw.id.value
                    ),
                    Some("add `key:` with the PEM private key, inline or as a path".into()),
                ));
            }
            None => None,
        };
        if auth_method == AuthMethod::ClientSecretJwt && secret.is_none() {
            return Err(self.bad(
                method_at,
                format!(
                    "client `{}` uses `client_secret_jwt` but has no `secret`",
                    raw.id.value
                ),
                None,
            ));
        }
        Ok(Client {
            id: self.env(&raw.id)?,
            secret,
            redirect_uri: self.env(&raw.redirect_uri)?,
            other_redirect_uris: raw
                .other_redirect_uris
                .iter()
                .map(|u| self.env(u))
                .collect::<Result<_, _>>()?,
            auth_method,
            key,
        })
    }

    /// A client key: inline PEM, or a file (relative to the profile) holding
    /// one. Offline (`Env::Optional`) an unreadable file is not an error.
    fn key(&self, value: &S<String>) -> Result<String, ProfileError> {
        let text = self.env(value)?;
        if text.trim_start().starts_with("-----BEGIN") {
            return Ok(text);
        }
        let path = self
            .path
            .parent()
            .map_or_else(|| Path::new(&text).to_path_buf(), |dir| dir.join(&text));
        match std::fs::read_to_string(&path) {
            Ok(pem) if pem.trim_start().starts_with("-----BEGIN") => Ok(pem),
            Ok(_) => Err(self.bad(
                &value.referenced,
                format!("`{}` holds no PEM key", path.display()),
                Some("the key is a PEM private key (`-----BEGIN PRIVATE KEY-----`)".into()),
            )),
            Err(_) if self.env_mode == Env::Optional => Ok(text),
            Err(e) => Err(self.bad(
                &value.referenced,
                format!("cannot read the key file `{}`: {e}", path.display()),
                None,
            )),
        }
    }

    fn capabilities(
        &self,
        raw: &[S<String>],
        issuer: Option<&S<String>>,
    ) -> Result<std::collections::BTreeSet<Capability>, ProfileError> {
        let mut capabilities = std::collections::BTreeSet::new();
        for name in raw {
            let Some(c) = Capability::from_name(&name.value) else {
                let hint = did_you_mean(&name.value, Capability::NAMES.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"));
                return Err(self.bad(
                    &name.referenced,
                    format!("unknown capability `{}`", name.value),
                    hint,
                ));
            };
            if c == Capability::IssParameter && issuer.is_none() {
                return Err(self.bad(
                    &name.referenced,
                    "capability `iss_parameter` needs the profile's `issuer`".to_string(),
                    Some("RFC 9207 compares `iss` with the issuer: declare `issuer:`".into()),
                ));
            }
            capabilities.insert(c);
        }
        Ok(capabilities)
    }

    /// `standard:` as a set: a comma-separated string or a list of names,
    /// each checked; an unknown name is an error at its place.
    fn standard(
        &self,
        raw: Option<&S<OneOrMany>>,
        capabilities: &std::collections::BTreeSet<Capability>,
    ) -> Result<StandardSet, ProfileError> {
        let Some(raw) = raw else {
            return Ok(StandardSet::default_for(|c| capabilities.contains(&c)));
        };
        let hint = || {
            Some(format!(
                "write one or more of {}, as `rfc9700,oidc` or a list",
                Standard::NAMES.join(", ")
            ))
        };
        let names: Vec<(&str, &Location)> = match &raw.value {
            OneOrMany::One(text) => text.split(',').map(|n| (n, &raw.referenced)).collect(),
            OneOrMany::Many(list) => list
                .iter()
                .map(|n| (n.value.as_str(), &n.referenced))
                .collect(),
            OneOrMany::Invalid(what) => {
                return Err(self.bad(
                    &raw.referenced,
                    format!("`standard` must be a name or a list of names, found {what}"),
                    hint(),
                ));
            }
        };
        let mut standards = Vec::new();
        for (name, at) in names.into_iter().filter(|(n, _)| !n.trim().is_empty()) {
            match Standard::parse(name) {
                Ok(s) => standards.push(s),
                Err(e @ StandardError::Unknown { .. }) => {
                    return Err(self.bad(at, format!("`standard`: {e}"), hint()));
                }
                Err(e) => return Err(self.bad(at, e.to_string(), hint())),
            }
        }
        StandardSet::new(standards)
            .map_err(|e| self.bad(&raw.referenced, format!("`standard`: {e}"), hint()))
    }

    fn timing(&self, raw: Option<&Pairs<S<String>>>) -> Result<Timing, ProfileError> {
        let mut timing = Timing::default();
        for (name, value) in raw.map(|p| p.0.as_slice()).unwrap_or_default() {
            let Some(which) = TimingName::from_name(&name.value) else {
                let hint = did_you_mean(&name.value, TimingName::NAMES.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"));
                return Err(self.bad(
                    &name.referenced,
                    format!("unknown timing `{}`", name.value),
                    hint,
                ));
            };
            let duration = self.duration(value, &format!("timing `{}`", name.value))?;
            if duration > MAX_TIMING {
                return Err(self.bad(
                    &value.referenced,
                    format!(
                        "timing `{}` is longer than {}",
                        name.value,
                        humantime::format_duration(MAX_TIMING)
                    ),
                    Some("a `wait:` sleeps this long; declare a shorter lifetime".into()),
                ));
            }
            timing.set(which, duration);
        }
        Ok(timing)
    }

    fn limits(&self, raw: &RawLimits) -> Result<Limits, ProfileError> {
        let defaults = Limits::default();
        let timeout = match &raw.timeout {
            None => defaults.timeout,
            Some(t) => {
                let d = self.duration(t, "limits.timeout")?;
                if d.is_zero() || d > MAX_TIMEOUT {
                    return Err(self.bad(
                        &t.referenced,
                        format!(
                            "`limits.timeout` must be more than 0s and at most {}, found `{}`",
                            humantime::format_duration(MAX_TIMEOUT),
                            t.value
                        ),
                        Some("the default is 10s".into()),
                    ));
                }
                d
            }
        };
        let max_body = match &raw.max_body {
            None => defaults.max_body,
            Some(m) => match usize::try_from(m.value) {
                Ok(n) if (1..=MAX_BODY).contains(&n) => n,
                _ => {
                    return Err(self.bad(
                        &m.referenced,
                        format!(
                            "`limits.max_body` must be between 1 and {MAX_BODY} bytes, found `{}`",
                            m.value
                        ),
                        Some("the default is 1048576 (1 MiB)".into()),
                    ));
                }
            },
        };
        let rate = match &raw.rate {
            None => None,
            Some(r) if r.value.is_finite() && r.value > 0.0 => Some(r.value),
            Some(r) => {
                return Err(self.bad(
                    &r.referenced,
                    format!(
                        "`limits.rate` must be a positive number of requests per second, found `{}`",
                        r.value
                    ),
                    Some("leave `rate` out for no limit".into()),
                ));
            }
        };
        if let Some(flag) = &raw.insecure {
            return Err(self.bad(
                &flag.referenced,
                "`limits.insecure` is not a profile setting: TLS certificate verification is switched off only on the command line".into(),
                Some("run with `--insecure` (the reports are then marked INSECURE), or trust the server's CA with `limits.ca_file`".into()),
            ));
        }
        let mut transport = crate::agent::Transport::default();
        if let Some(file) = &raw.ca_file {
            let written = self.env(file)?;
            let path = self.path.parent().unwrap_or(Path::new(".")).join(&written);
            let ca = crate::agent::TrustedCa::from_file(&path).map_err(|e| {
                self.bad(
                    &file.referenced,
                    format!("`limits.ca_file`: {e}"),
                    Some("a PEM file of CA certificates, relative to this profile".into()),
                )
            })?;
            transport.ca.push(ca);
        }
        if let Some(proxy) = &raw.proxy {
            let written = self.env(proxy)?;
            let url = crate::agent::ProxyUrl::parse(&written).map_err(|e| {
                self.bad(
                    &proxy.referenced,
                    format!("`limits.proxy`: {e}"),
                    Some("e.g. `http://127.0.0.1:8080` (Burp, ZAP, mitmproxy)".into()),
                )
            })?;
            transport.proxy = crate::agent::ProxyRoute::Via(url);
        }
        Ok(Limits {
            rate,
            timeout,
            max_body,
            jobs: raw.jobs.filter(|j| *j > 0),
            transport,
        })
    }
}

/// Parses a profile from text (`path` is only for messages).
pub fn parse_profile(path: &Path, text: &str, env_mode: Env) -> Result<Profile, ProfileError> {
    let raw: RawProfile = serde_saphyr::from_str(text)
        .map_err(|e| ProfileError::Invalid(crate::suite::yaml_diagnostic(path, text, &e)))?;
    let c = Checker {
        path,
        text,
        env_mode,
    };
    let login = raw.login.unwrap_or_default();
    let capabilities = c.capabilities(&raw.capabilities, raw.issuer.as_ref())?;
    let standard = c.standard(raw.standard.as_ref(), &capabilities)?;
    Ok(Profile {
        name: raw.name.clone(),
        issuer: c.opt(&raw.issuer)?,
        endpoints: Endpoints {
            authorization: c.opt(&raw.endpoints.authorization)?.unwrap_or_default(),
            token: c.opt(&raw.endpoints.token)?.unwrap_or_default(),
            revocation: c.opt(&raw.endpoints.revocation)?,
            registration: c.opt(&raw.endpoints.registration)?,
            introspection: c.opt(&raw.endpoints.introspection)?,
            userinfo: c.opt(&raw.endpoints.userinfo)?,
            jwks: c.opt(&raw.endpoints.jwks)?,
            resource: c.opt(&raw.endpoints.resource)?,
            scoped_resource: c.opt(&raw.endpoints.scoped_resource)?,
            second_resource: c.opt(&raw.endpoints.second_resource)?,
        },
        main: c.client(&raw.clients.main)?,
        other: raw
            .clients
            .other
            .as_ref()
            .map(|r| c.client(r))
            .transpose()?,
        public: raw
            .clients
            .public
            .as_ref()
            .map(|r| c.client(r))
            .transpose()?,
        username: c.env(&raw.user.username)?,
        password: Secret::new(c.env(&raw.user.password)?),
        reuse_session: login.reuse_session.unwrap_or(true),
        login: LoginConfig {
            username: String::new(),
            password: Secret::default(),
            form: login.form,
            username_field: login.username_field,
            password_field: login.password_field,
            approve: login.approve,
            deny: login.deny,
            command: login.command,
            force_consent: login
                .force_consent
                .unwrap_or_default()
                .into_iter()
                .collect(),
            origins: login
                .origins
                .iter()
                .flatten()
                .map(|o| c.origin(o))
                .collect::<Result<_, _>>()?,
        },
        capabilities,
        standard,
        timing: c.timing(raw.timing.as_ref())?,
        limits: c.limits(&raw.limits)?,
        scopes: Scopes {
            default: c
                .opt(&raw.scopes.default)?
                .unwrap_or_else(|| "openid".into()),
            extra: c.opt(&raw.scopes.extra)?,
            forbidden: c.opt(&raw.scopes.forbidden)?,
        },
        endpoints_origin: match raw.endpoints_origin {
            RawEndpointsOrigin::Warn => EndpointsOrigin::Warn,
            RawEndpointsOrigin::Strict => EndpointsOrigin::Strict,
        },
        warnings: Vec::new(),
    })
}

/// A duration that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{text}`: {reason}")]
pub struct DurationError {
    pub text: String,
    pub reason: String,
}

/// Parses `10s`, `1m 30s`, `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    humantime::parse_duration(text.trim()).map_err(|e| DurationError {
        text: text.to_string(),
        reason: e.to_string(),
    })
}

/// Why `${env:…}` could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("unclosed `${{env:` in `{text}`")]
    Unclosed { text: String },
    #[error("environment variable `{name}` is not set (referenced as `${{env:{name}}}`)")]
    Unset { name: String },
}

/// Replaces every `${env:NAME}` with the variable's value.
pub fn expand_env(text: &str) -> Result<String, EnvError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let end = after.find('}').ok_or_else(|| EnvError::Unclosed {
            text: text.to_string(),
        })?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| EnvError::Unset {
            name: name.to_string(),
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
