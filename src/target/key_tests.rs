//! Profile `key:` of a `private_key_jwt` client: inline PEM, a file beside
//! the profile, `${env:NAME}`, and the errors (no key, an unreadable or
//! non-PEM file) at their place; the key is one of the profile's secrets.

use std::path::Path;

use super::{Env, ProfileError, parse_profile};
use crate::suite::AuthMethod;

fn profile(main: &str) -> String {
    format!(
        "name: demo\nissuer: http://127.0.0.1:9401\nclients:\n  main: {{ id: app, redirect_uri: \"http://127.0.0.1:9999/cb\", {main} }}\nuser: {{ username: alice, password: \"pw-value\" }}\n"
    )
}

fn error(text: &str) -> String {
    match parse_profile(Path::new("demo.yaml"), text, Env::Required) {
        Err(ProfileError::Invalid(d)) => format!("{}:{}: {}", d.line, d.column, d.message),
        other => panic!("expected an invalid profile, got {other:?}"),
    }
}

#[test]
fn a_key_file_beside_the_profile_is_read_and_kept_secret() {
    let dir = tempfile::tempdir().unwrap();
    let pem = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";
    std::fs::write(dir.path().join("client.pem"), pem).unwrap();
    let text = profile("auth_method: private_key_jwt, key: client.pem");
    let p = parse_profile(&dir.path().join("demo.yaml"), &text, Env::Required).unwrap();
    assert_eq!(p.main.auth_method, AuthMethod::PrivateKeyJwt);
    assert_eq!(p.main.key.as_ref().map(|k| k.expose()), Some(pem));
    assert!(p.secrets().iter().any(|s| s == pem));
    // Inline PEM (here through YAML's escapes) is taken as it is.
    let inline = profile(
        "auth_method: private_key_jwt, key: \"-----BEGIN PRIVATE KEY-----\\nMIGH\\n-----END PRIVATE KEY-----\\n\"",
    );
    let p = parse_profile(Path::new("demo.yaml"), &inline, Env::Required).unwrap();
    assert_eq!(p.main.key.as_ref().map(|k| k.expose()), Some(pem));
}

#[test]
fn jwt_methods_need_their_key_or_secret() {
    assert_eq!(
        error(&profile("auth_method: private_key_jwt")),
        "4:75: client `app` uses `private_key_jwt` but has no `key`"
    );
    assert_eq!(
        error(&profile("auth_method: client_secret_jwt")),
        "4:75: client `app` uses `client_secret_jwt` but has no `secret`"
    );
    let missing = error(&profile("auth_method: private_key_jwt, key: no-such.pem"));
    assert!(
        missing.starts_with("4:97: cannot read the key file"),
        "{missing}"
    );
}
