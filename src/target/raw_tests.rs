//! The profile file format's tests: loading, `${env:}` expansion, durations,
//! and errors that point at the offending value.

use std::path::Path;
use std::time::Duration;

use super::raw::*;
use super::*;
use crate::diag::Diagnostic;
use crate::suite::{AuthMethod, Capability};

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
    assert_eq!(p.main.auth_method, AuthMethod::ClientSecretBasic);
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
fn login_origins_join_the_as_origins_and_bad_ones_are_named() {
    let text = format!(
        "{GOOD}login: {{ origins: [\"http://127.0.0.1:3000/login\", \"HTTPS://Login.Example\"] }}\n"
    );
    let p = parse_profile(Path::new("demo.yaml"), &text, Env::Required).unwrap();
    assert_eq!(
        p.login.origins,
        ["http://127.0.0.1:3000", "https://login.example"]
    );
    assert_eq!(
        p.as_origins(),
        [
            "http://127.0.0.1:3000",
            "http://127.0.0.1:9401",
            "https://login.example"
        ]
    );
    let p = parse_profile(Path::new("demo.yaml"), GOOD, Env::Required).unwrap();
    assert_eq!(p.as_origins(), ["http://127.0.0.1:9401"]);
    let d = error(
        &format!("{GOOD}login: {{ origins: [\"ftp://files.example\"] }}\n"),
        Env::Required,
    );
    assert!(d.message.contains("`login.origins`"), "{d}");
    assert_eq!((d.line, d.column), (11, 20), "{d}");
}

#[test]
fn an_unknown_key_is_an_error_with_a_hint() {
    let text = GOOD.replace("capabilities:", "capabilites:");
    let Err(ProfileError::Invalid(d)) = parse_profile(Path::new("demo.yaml"), &text, Env::Required)
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
    let Err(ProfileError::Invalid(d)) = parse_profile(Path::new("demo.yaml"), &text, Env::Required)
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
    assert!(err.to_string().contains("OAUTHCHECK_SURELY_UNSET"), "{err}");
}

/// The error a profile text gives under `env_mode`.
fn error(text: &str, env_mode: Env) -> Diagnostic {
    match parse_profile(Path::new("demo.yaml"), text, env_mode) {
        Err(ProfileError::Invalid(d)) => d,
        other => panic!("expected an invalid profile, got {other:?}"),
    }
}

#[test]
fn semantic_errors_point_at_the_value_not_its_first_mention() {
    // The same word earlier in the file must not attract the caret.
    let text = GOOD.replace("name: demo", "name: tls_client_auth").replace(
        "secret: \"s3cret-value\",",
        "secret: \"s3cret-value\", auth_method: tls_client_auth,",
    );
    let d = error(&text, Env::Required);
    assert_eq!(
        d.message,
        "client `app`: unknown auth_method `tls_client_auth`"
    );
    assert_eq!((d.line, d.column), (5, 57), "{d}");
}

#[test]
fn an_unclosed_env_placeholder_is_an_error_even_offline() {
    let text = GOOD.replace("\"s3cret-value\"", "\"${env:APP_SECRET\"");
    let d = error(&text, Env::Optional);
    assert_eq!(d.message, "unclosed `${env:` in `${env:APP_SECRET`");
    assert_eq!(d.line, 5, "{d}");
    // An unset (but well-formed) one is fine offline.
    let text = GOOD.replace("\"s3cret-value\"", "\"${env:OAUTHCHECK_SURELY_UNSET}\"");
    assert!(parse_profile(Path::new("demo.yaml"), &text, Env::Optional).is_ok());
}

#[test]
fn limits_out_of_range_are_errors_at_their_place() {
    for (limits, message) in [
        (
            "timeout: 0s",
            "`limits.timeout` must be more than 0s and at most 1h, found `0s`",
        ),
        (
            "timeout: 18446744073709551615s",
            "`limits.timeout` must be more than 0s and at most 1h, found `18446744073709551615s`",
        ),
        (
            "max_body: 0",
            "`limits.max_body` must be between 1 and 1073741824 bytes, found `0`",
        ),
        (
            "rate: 0",
            "`limits.rate` must be a positive number of requests per second, found `0`",
        ),
    ] {
        let text = GOOD.replace(
            "limits: { rate: 20, timeout: 5s }",
            &format!("limits: {{ {limits} }}"),
        );
        let d = error(&text, Env::Required);
        assert_eq!(d.message, message);
        // The value's column, after `limits: { key: `.
        let key = limits.split(':').next().unwrap();
        assert_eq!((d.line, d.column), (10, 13 + key.len()), "{d}");
    }
}

#[test]
fn a_timing_value_past_a_year_is_an_error() {
    let text = GOOD.replace("code_ttl: 60s", "code_ttl: 18446744073709551615s");
    let d = error(&text, Env::Required);
    assert_eq!(d.message, "timing `code_ttl` is longer than 1year");
    assert_eq!((d.line, d.column), (9, 21), "{d}");
    // A ten-day access token (Authlib's default) is a real value.
    let text = GOOD.replace("code_ttl: 60s", "code_ttl: 60s, access_ttl: 864000s");
    assert!(parse_profile(Path::new("demo.yaml"), &text, Env::Required).is_ok());
}

#[test]
fn iss_parameter_needs_an_issuer() {
    let text = GOOD
        .replace("issuer: http://127.0.0.1:9401\n", "")
        .replace("[pkce,", "[iss_parameter, pkce,");
    let d = error(&text, Env::Required);
    assert_eq!(
        d.message,
        "capability `iss_parameter` needs the profile's `issuer`"
    );
    assert_eq!((d.line, d.column), (7, 16), "{d}");
    let with_issuer = GOOD.replace("[pkce,", "[iss_parameter, pkce,");
    assert!(parse_profile(Path::new("demo.yaml"), &with_issuer, Env::Required).is_ok());
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    std::fs::write(&path, b"name: demo\nuser: { username: Andr\xe9 }\n").unwrap();
    let Err(ProfileError::Invalid(d)) = check_profile(&path) else {
        panic!("expected an error")
    };
    assert_eq!(d.message, "the profile is not valid UTF-8");
    assert_eq!((d.line, d.column), (2, 23), "{d}");
    assert!(d.to_string().contains(" 2 | user: { username: Andr"), "{d}");
}
