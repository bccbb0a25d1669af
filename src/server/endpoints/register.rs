//! Dynamic client registration (RFC 7591 §3): `POST /register` with a JSON
//! client metadata document. Open registration (no initial access token),
//! as RFC 7591 §3 allows. A registered client can then authorize and redeem
//! like a configured one (see `registry`).
//!
//! Redirect URIs are checked as RFC 7591 §2 and the BCP ask: absolute, no
//! fragment (RFC 6749 §3.1.2), no wildcard, `https` or — for native apps —
//! `http` on a loopback IP literal (RFC 8252 §7.3, §8.3) or a private-use
//! scheme with a dot (RFC 8252 §7.1, §8.4 for the dot-less ones). A refused
//! URI gets 400 `invalid_redirect_uri` (RFC 7591 §3.2.2). The
//! `redirect.http-registration` flaw lets plain-http URIs on any host in.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::oauth::Secret;
use crate::server::config::{AuthMethod, ClientConfig, GrantType};
use crate::server::flaw::Flaw;
use crate::server::oauth_error::no_store;
use crate::server::params::read_body;
use crate::server::random;
use crate::server::state::{AppState, Shared};

/// At most this many redirect URIs per registration.
const MAX_URIS: usize = 10;

/// An RFC 7591 §3.2.2 error.
struct RegistrationError {
    code: &'static str,
    description: String,
}

impl RegistrationError {
    fn uri(description: impl Into<String>) -> RegistrationError {
        RegistrationError {
            code: "invalid_redirect_uri",
            description: description.into(),
        }
    }

    fn metadata(description: impl Into<String>) -> RegistrationError {
        RegistrationError {
            code: "invalid_client_metadata",
            description: description.into(),
        }
    }
}

/// `POST /register`.
pub async fn post(State(state): State<Shared>, body: Body) -> Response {
    match handle(&state, body).await {
        Ok(document) => {
            let mut response = (StatusCode::CREATED, axum::Json(document)).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => {
            let body = json!({
                "error": error.code,
                "error_description": crate::server::oauth_error::sanitize(&error.description),
            });
            let mut response = (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
            no_store(response.headers_mut());
            response
        }
    }
}

async fn handle(state: &AppState, body: Body) -> Result<Value, RegistrationError> {
    let bytes = read_body(body)
        .await
        .map_err(|_| RegistrationError::metadata("the body is too large"))?;
    let metadata: Value = serde_json::from_slice(&bytes)
        .map_err(|_| RegistrationError::metadata("the body is not a JSON object"))?;
    let uris: Vec<String> = match metadata.get("redirect_uris") {
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_URIS => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| RegistrationError::uri("redirect_uris must be strings"))?,
        _ => {
            return Err(RegistrationError::uri(format!(
                "redirect_uris must list 1 to {MAX_URIS} URIs"
            )));
        }
    };
    for uri in &uris {
        check_redirect_uri(uri, state.has(Flaw::RedirectHttpRegistration))
            .map_err(|why| RegistrationError::uri(format!("{uri}: {why}")))?;
    }
    let auth_method = match metadata
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
    {
        None | Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
        Some("client_secret_post") => AuthMethod::ClientSecretPost,
        Some("none") => AuthMethod::None,
        Some(other) => {
            return Err(RegistrationError::metadata(format!(
                "token_endpoint_auth_method `{other}` is not supported"
            )));
        }
    };
    let secret = (auth_method != AuthMethod::None).then(random::token);
    let scopes = state
        .config
        .clients
        .first()
        .map_or_else(|| state.config.scopes.clone(), |c| c.scopes.clone());
    let client = ClientConfig {
        id: format!("dyn-{}", &random::token()[..22]),
        secret: secret.clone().map(Secret::new),
        auth_method,
        redirect_uris: uris.clone(),
        scopes,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        id_token_signed_response_alg: None,
        // Registration takes no `jwks`: a registered client authenticates
        // with a secret or as a public client.
        public_key: None,
    };
    let client_id = client.id.clone();
    if !state.registry.add(client) {
        return Err(RegistrationError::metadata(
            "this server accepts no more registrations",
        ));
    }
    let mut document = json!({
        "client_id": client_id,
        "client_id_issued_at": random::unix_now(),
        "redirect_uris": uris,
        "token_endpoint_auth_method": auth_method.as_str(),
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(secret) = secret {
        document["client_secret"] = json!(secret);
        document["client_secret_expires_at"] = json!(0);
    }
    Ok(document)
}

/// Why a redirect URI cannot be registered, if it cannot. `http_anywhere`
/// is the `redirect.http-registration` flaw.
fn check_redirect_uri(uri: &str, http_anywhere: bool) -> Result<(), &'static str> {
    let url = url::Url::parse(uri).map_err(|_| "not an absolute URI")?;
    if url.fragment().is_some() || uri.contains('#') {
        return Err("a redirect URI must not have a fragment (RFC 6749 §3.1.2)");
    }
    if uri.contains('*') {
        return Err("wildcards are not allowed: redirect URIs are compared exactly");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = matches!(
                url.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
            if loopback || http_anywhere {
                Ok(())
            } else {
                Err("plain http is allowed only on a loopback IP literal (RFC 8252 §7.3)")
            }
        }
        "javascript" | "data" | "file" | "vbscript" => Err("this scheme is never a redirect URI"),
        scheme if scheme.contains('.') => Ok(()),
        _ => Err("a private-use scheme must be a reverse domain name (RFC 8252 §7.1)"),
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uris_are_checked_at_registration() {
        for ok in [
            "https://client.example/cb",
            "http://127.0.0.1:8765/cb",
            "http://[::1]/cb",
            "com.example.app:/cb",
        ] {
            assert_eq!(check_redirect_uri(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://client.example/cb",
            "http://localhost/cb",
            "https://*.client.example/cb",
            "https://client.example/cb#x",
            "myapp:/cb",
            "javascript:alert(1)",
            "/relative",
        ] {
            assert!(check_redirect_uri(bad, false).is_err(), "{bad}");
        }
        assert_eq!(check_redirect_uri("http://client.example/cb", true), Ok(()));
    }
}
