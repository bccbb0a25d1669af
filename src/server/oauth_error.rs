//! OAuth error codes and the JSON responses of the back-channel endpoints
//! (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 7662 §2.3).
//!
//! Every description passes through [`sanitize`], so nothing outside RFC 6749
//! §5.2's character set reaches a client, whatever a handler put in it. The
//! one deliberate exception is the `error.format` flaw, applied in
//! [`token_error`]. Front-channel errors (redirects, HTML pages) live in
//! `front`; this file only builds JSON.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::flaw::Flaw;
use crate::server::quirk::Quirk;
use crate::server::state::AppState;

/// Realm announced in `WWW-Authenticate` challenges.
pub const REALM: &str = "oauthcheck";
/// The challenge for failed client authentication (RFC 6749 §5.2).
const BASIC_CHALLENGE: &str = "Basic realm=\"oauthcheck\"";

pub use crate::oauth::ErrorCode;

/// An OAuth error with a human-readable description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
    /// Seconds for `Retry-After` on a `429 Too Many Requests` (throttled
    /// client authentication, RFC 6749 §2.3.1); `None` for any other error.
    pub retry_after: Option<u64>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl ToString) -> OAuthError {
        OAuthError {
            code,
            description: sanitize(&description.to_string()),
            retry_after: None,
        }
    }

    pub fn invalid_request(description: impl ToString) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(description: impl ToString) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidClient, description)
    }

    pub fn invalid_grant(description: impl ToString) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidGrant, description)
    }
}

impl From<crate::server::params::ParamError> for OAuthError {
    fn from(error: crate::server::params::ParamError) -> OAuthError {
        OAuthError::invalid_request(error)
    }
}

/// Keeps only `%x20-21 / %x23-5B / %x5D-7E` (RFC 6749 §5.2), so `"`, `\`,
/// control and non-ASCII characters become `?`.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '?',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The JSON body `{"error", "error_description"}`, or only `error` under
/// the `no-error-description` quirk (`error_description` is OPTIONAL:
/// RFC 6749 §5.2).
fn body(state: &AppState, error: &OAuthError) -> serde_json::Value {
    if state.quirk(Quirk::NoErrorDescription) {
        json!({ "error": error.code.as_str() })
    } else {
        json!({ "error": error.code.as_str(), "error_description": error.description })
    }
}

/// A JSON error for any back-channel endpoint: 400, or 401 with a Basic
/// challenge for `invalid_client` (RFC 6749 §5.2).
pub fn json_error(state: &AppState, error: &OAuthError) -> Response {
    let mut response = (status_of(error), axum::Json(body(state, error))).into_response();
    if error.code == ErrorCode::InvalidClient {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, basic_challenge());
    }
    no_store(response.headers_mut());
    response
}

/// A token-endpoint error, with the `token.no-store-header` and
/// `error.format` flaws applied.
pub fn token_error(state: &AppState, error: &OAuthError) -> Response {
    let mut response = if state.has(Flaw::ErrorFormat) {
        let flawed = json!({
            "error": error.code.as_str(),
            "error_description": format!("{} (see \"details\")", error.description),
        });
        let mut response = (status_of(error), flawed.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    } else {
        (status_of(error), axum::Json(body(state, error))).into_response()
    };
    if error.code == ErrorCode::InvalidClient {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, basic_challenge());
    }
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if !state.has(Flaw::TokenNoStoreHeader) {
        no_store(response.headers_mut());
    }
    response
}

fn status_of(error: &OAuthError) -> StatusCode {
    if error.retry_after.is_some() {
        return StatusCode::TOO_MANY_REQUESTS;
    }
    match error.code {
        ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn basic_challenge() -> HeaderValue {
    HeaderValue::from_static(BASIC_CHALLENGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_stay_in_the_rfc_6749_set() {
        assert_eq!(sanitize("a \"b\" \\ é\n"), "a ?b? ? ??");
        let error = OAuthError::invalid_request("bad \"x\"");
        assert!(!error.description.contains('"'));
    }
}
