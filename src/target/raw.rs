//! The target profile file format (YAML) and its conversion to [`Profile`].
//!
//! Unknown keys are errors (a typo must not silently disable a client), and
//! `${env:NAME}` in any string reads the environment so secrets stay out of
//! the file. Only parsing and checking here: discovery is in `discovery`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{
    Client, Endpoints, EndpointsOrigin, Limits, Profile, ProfileError, Scopes, Secret, Timing,
};
use crate::agent::LoginConfig;
use crate::diag::{Diagnostic, did_you_mean};
use crate::suite::{AuthMethod, Capability, TimingName};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    issuer: Option<String>,
    #[serde(default)]
    endpoints: RawEndpoints,
    clients: RawClients,
    user: RawUser,
    /// `login:` with every key commented out is null: same as absent.
    #[serde(default)]
    login: Option<RawLogin>,
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    timing: BTreeMap<String, String>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    scopes: RawScopes,
    /// `warn` (default) or `strict`: may discovery route credentials to
    /// another origin than the issuer's?
    #[serde(default)]
    endpoints_origin: RawEndpointsOrigin,
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
    authorization: Option<String>,
    token: Option<String>,
    revocation: Option<String>,
    introspection: Option<String>,
    userinfo: Option<String>,
    jwks: Option<String>,
    resource: Option<String>,
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
    id: String,
    secret: Option<String>,
    redirect_uri: String,
    #[serde(default)]
    other_redirect_uris: Vec<String>,
    /// `client_secret_basic`, `client_secret_post` or `none`.
    auth_method: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    username: String,
    password: String,
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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    /// Requests per second.
    rate: Option<f64>,
    timeout: Option<String>,
    max_body: Option<usize>,
    /// Ceiling on trials and requests in flight (below `--jobs`).
    jobs: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScopes {
    default: Option<String>,
    extra: Option<String>,
    forbidden: Option<String>,
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
    std::fs::read_to_string(path).map_err(|e| {
        ProfileError::Invalid(at(
            path,
            0,
            0,
            format!("cannot read the profile: {e}"),
            None,
        ))
    })
}

/// Whether unset environment variables are an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Required,
    Optional,
}

/// Parses a profile from text (`path` is only for messages).
pub fn parse_profile(path: &Path, text: &str, env_mode: Env) -> Result<Profile, ProfileError> {
    let raw: RawProfile = serde_saphyr::from_str(text)
        .map_err(|e| ProfileError::Invalid(crate::suite::yaml_diagnostic(path, text, &e)))?;
    // Semantic errors point at the first place the offending value appears.
    let bad = |message: String, hint: Option<String>| {
        let (line, column) = locate(text, &message);
        ProfileError::Invalid(
            Diagnostic::new(path, line, column, message)
                .with_hint_opt(hint)
                .with_source(text),
        )
    };
    let env = |value: &str| match expand_env(value) {
        Err(_) if env_mode == Env::Optional => Ok(value.to_string()),
        other => other.map_err(|m| bad(m, None)),
    };

    let mut capabilities = std::collections::BTreeSet::new();
    for name in &raw.capabilities {
        match Capability::from_name(name) {
            Some(c) => {
                capabilities.insert(c);
            }
            None => {
                let hint = did_you_mean(name, Capability::ALL.iter().map(|c| c.name()))
                    .map(|s| format!("did you mean `{s}`?"));
                return Err(bad(format!("unknown capability `{name}`"), hint));
            }
        }
    }
    let mut timing = Timing::default();
    for (name, value) in &raw.timing {
        let duration =
            parse_duration(value).map_err(|m| bad(format!("timing `{name}`: {m}"), None))?;
        match TimingName::from_name(name) {
            Some(name) => timing.set(name, duration),
            None => {
                let hint = did_you_mean(name, TimingName::NAMES.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"));
                return Err(bad(format!("unknown timing `{name}`"), hint));
            }
        }
    }
    let client = |raw: &RawClient| -> Result<Client, ProfileError> {
        let secret = raw.secret.as_deref().map(env).transpose()?.map(Secret::new);
        let auth_method = match raw.auth_method.as_deref() {
            None if secret.is_none() => AuthMethod::None,
            None | Some("client_secret_basic") => AuthMethod::Basic,
            Some("client_secret_post") => AuthMethod::Post,
            Some("none") => AuthMethod::None,
            Some(other) => {
                return Err(bad(
                    format!("client `{}`: unknown auth_method `{other}`", raw.id),
                    Some("use `client_secret_basic`, `client_secret_post` or `none`".into()),
                ));
            }
        };
        Ok(Client {
            id: env(&raw.id)?,
            secret,
            redirect_uri: env(&raw.redirect_uri)?,
            other_redirect_uris: raw
                .other_redirect_uris
                .iter()
                .map(|u| env(u))
                .collect::<Result<_, _>>()?,
            auth_method,
        })
    };
    let opt = |value: &Option<String>| value.as_deref().map(env).transpose();
    let timeout = match &raw.limits.timeout {
        Some(t) => parse_duration(t).map_err(|m| bad(format!("limits.timeout: {m}"), None))?,
        None => Limits::default().timeout,
    };
    Ok(Profile {
        name: raw.name.clone(),
        issuer: opt(&raw.issuer)?,
        endpoints: Endpoints {
            authorization: opt(&raw.endpoints.authorization)?.unwrap_or_default(),
            token: opt(&raw.endpoints.token)?.unwrap_or_default(),
            revocation: opt(&raw.endpoints.revocation)?,
            introspection: opt(&raw.endpoints.introspection)?,
            userinfo: opt(&raw.endpoints.userinfo)?,
            jwks: opt(&raw.endpoints.jwks)?,
            resource: opt(&raw.endpoints.resource)?,
        },
        main: client(&raw.clients.main)?,
        other: raw.clients.other.as_ref().map(client).transpose()?,
        public: raw.clients.public.as_ref().map(client).transpose()?,
        username: env(&raw.user.username)?,
        password: Secret::new(env(&raw.user.password)?),
        reuse_session: raw
            .login
            .as_ref()
            .and_then(|l| l.reuse_session)
            .unwrap_or(true),
        login: {
            let login = raw.login.unwrap_or_default();
            LoginConfig {
                username: String::new(),
                password: String::new(),
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
            }
        },
        capabilities,
        timing,
        limits: Limits {
            rate: raw.limits.rate,
            timeout,
            max_body: raw.limits.max_body.unwrap_or(Limits::default().max_body),
            jobs: raw.limits.jobs.filter(|j| *j > 0),
        },
        scopes: Scopes {
            default: opt(&raw.scopes.default)?.unwrap_or_else(|| "openid".into()),
            extra: opt(&raw.scopes.extra)?,
            forbidden: opt(&raw.scopes.forbidden)?,
        },
        endpoints_origin: match raw.endpoints_origin {
            RawEndpointsOrigin::Warn => EndpointsOrigin::Warn,
            RawEndpointsOrigin::Strict => EndpointsOrigin::Strict,
        },
        warnings: Vec::new(),
    })
}

fn at(
    path: &Path,
    line: usize,
    column: usize,
    message: String,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic {
        file: path.to_path_buf(),
        line,
        column,
        message,
        snippet: None,
        hint,
    }
}

/// Line and column (1-based) of the first backticked value of `message` in
/// `text`; (0, 0) when it cannot be found.
fn locate(text: &str, message: &str) -> (usize, usize) {
    let Some(value) = message.split('`').nth(1).filter(|v| !v.is_empty()) else {
        return (0, 0);
    };
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            line.find(value)
                .map(|at| (i + 1, line[..at].chars().count() + 1))
        })
        .unwrap_or((0, 0))
}

/// Parses `10s`, `1m 30s`, `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("invalid duration `{text}`: {e}"))
}

/// Replaces every `${env:NAME}` with the variable's value.
pub fn expand_env(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{env:` in `{text}`"))?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| {
            format!("environment variable `{name}` is not set (referenced as `${{env:{name}}}`)")
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name: demo
issuer: http://127.0.0.1:9401
clients:
  main: { id: app, secret: "s3cret-value", redirect_uri: "http://127.0.0.1:9999/cb" }
  public: { id: spa, redirect_uri: "http://127.0.0.1:9999/spa" }
user: { username: alice, password: "pw-value" }
capabilities: [pkce, refresh_token]
timing: { code_ttl: 60s }
limits: { rate: 20, timeout: 5s }
"#;

    #[test]
    fn a_good_profile_loads() {
        let p = parse_profile(Path::new("demo.yaml"), GOOD, Env::Required).unwrap();
        assert_eq!(p.main.auth_method, AuthMethod::Basic);
        assert_eq!(p.public.as_ref().unwrap().auth_method, AuthMethod::None);
        assert_eq!(p.timing.code_ttl, Some(Duration::from_secs(60)));
        assert!(p.capabilities.contains(&Capability::Pkce));
        assert_eq!(format!("{:?}", p.password), "[redacted]");
    }

    #[test]
    fn force_consent_parameters_load_sorted_by_name() {
        let text = format!(
            "{GOOD}login: {{ force_consent: {{ prompt: consent, approval_prompt: force }} }}\n"
        );
        let p = parse_profile(Path::new("demo.yaml"), &text, Env::Required).unwrap();
        assert_eq!(
            p.login.force_consent,
            [
                ("approval_prompt".to_string(), "force".to_string()),
                ("prompt".to_string(), "consent".to_string())
            ]
        );
        let p = parse_profile(Path::new("demo.yaml"), GOOD, Env::Required).unwrap();
        assert!(p.login.force_consent.is_empty());
    }

    #[test]
    fn an_unknown_key_is_an_error_with_a_hint() {
        let text = GOOD.replace("capabilities:", "capabilites:");
        let Err(ProfileError::Invalid(d)) =
            parse_profile(Path::new("demo.yaml"), &text, Env::Required)
        else {
            panic!("expected an error")
        };
        assert!(d.message.contains("capabilites"), "{d}");
        assert_eq!(d.hint.as_deref(), Some("did you mean `capabilities`?"));
        assert!(d.line > 0, "{d}");
    }

    #[test]
    fn an_unknown_capability_is_named() {
        let text = GOOD.replace("[pkce,", "[pcke,");
        let Err(ProfileError::Invalid(d)) =
            parse_profile(Path::new("demo.yaml"), &text, Env::Required)
        else {
            panic!("expected an error")
        };
        assert_eq!(d.message, "unknown capability `pcke`");
        assert_eq!((d.line, d.column), (8, 16), "{d}");
        assert_eq!(d.hint.as_deref(), Some("did you mean `pkce`?"));
    }

    #[test]
    fn env_placeholders_are_expanded_and_missing_ones_named() {
        assert_eq!(
            expand_env("a${env:PATH}b").unwrap(),
            format!("a{}b", std::env::var("PATH").unwrap())
        );
        let err = expand_env("${env:OAUTHCHECK_SURELY_UNSET}").unwrap_err();
        assert!(err.contains("OAUTHCHECK_SURELY_UNSET"), "{err}");
    }
}
