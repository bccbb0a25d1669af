//! Front-channel responses: HTML pages with their protective headers, and
//! redirects back to the client (success and error) carrying `state` and
//! `iss` (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2).
//!
//! Redirects are 303 See Other — never 307, which would replay a credential
//! POST to the client (RFC 9700 §4.12). The flaws that change what a redirect
//! carries (`state.exact-echo`, `state.echo-on-error`, `iss.in-all-responses`,
//! `iss.value-consistent`) and the page headers
//! (`headers.anti-framing`) are applied here and nowhere else.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::oauth::uri::with_params;
use crate::server::flaw::Flaw;
use crate::server::html;
use crate::server::oauth_error::OAuthError;
use crate::server::params::Params;
use crate::server::quirk::Quirk;
use crate::server::state::AppState;

/// Whether a page gets the anti-framing headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// Error pages: always protected.
    Error,
    /// Login and consent pages: protected unless `headers.anti-framing`.
    Interactive,
}

/// An HTML page with `no-store`, `no-referrer` and (normally) anti-framing
/// headers (RFC 9700 §4.16).
pub fn page(state: &AppState, kind: PageKind, status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if kind == PageKind::Error || !state.has(Flaw::HeadersAntiFraming) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // The `js-deny` quirk's deny button runs an inline handler.
        let policy = if state.quirk(Quirk::JsDeny) && kind == PageKind::Interactive {
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'"
        } else {
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    response
}

/// The `tx` query parameter of a login or consent page, or the error page
/// to show instead (missing, duplicated or unparsable).
#[expect(
    clippy::result_large_err,
    reason = "the page is returned to axum at once; boxing it buys nothing"
)]
pub fn tx_param(state: &AppState, query: Option<String>) -> Result<String, Response> {
    let params = Params::parse(query.unwrap_or_default().as_bytes())
        .map_err(|error| error_page(state, error))?;
    match params.get("tx") {
        Ok(Some(tx)) => Ok(tx.to_string()),
        Ok(None) => Err(error_page(state, "tx is missing")),
        Err(error) => Err(error_page(state, error)),
    }
}

/// The error page shown instead of redirecting: 400, or 200 under the
/// `error-page-200` quirk (RFC 6749 §4.1.2.1 says only that the AS "SHOULD
/// inform the resource owner of the error and MUST NOT automatically
/// redirect"; no status is prescribed).
pub fn error_page(state: &AppState, message: impl std::fmt::Display) -> Response {
    let status = if state.quirk(Quirk::ErrorPage200) {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page(
        state,
        PageKind::Error,
        status,
        html::error_page(&message.to_string()),
    )
}

/// A 303 to `location`, or an error page if it cannot be a header value
/// (control characters in an unvalidated URI must not split the response).
pub fn see_other(state: &AppState, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut headers = HeaderMap::new();
            headers.insert(header::LOCATION, value);
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            (StatusCode::SEE_OTHER, headers).into_response()
        }
        Err(_) => error_page(state, "the redirect URI cannot be used in a redirect"),
    }
}

/// Redirects an authorization code to the client.
pub fn code_redirect(
    state: &AppState,
    redirect_uri: &str,
    client_state: Option<&str>,
    code: &str,
) -> Response {
    let mut params = vec![("code", code.to_string())];
    push_state(state, &mut params, client_state);
    params.push(("iss", iss_value(state)));
    redirect_with(state, redirect_uri, &params)
}

/// The RFC 9207 `iss` value: the issuer identifier, byte for byte — unless
/// the `iss.value-consistent` flaw appends a slash.
fn iss_value(state: &AppState) -> String {
    if state.has(Flaw::IssValueConsistent) {
        format!("{}/", state.issuer)
    } else {
        state.issuer.clone()
    }
}

/// Redirects an authorization error to the client (RFC 6749 §4.1.2.1).
pub fn error_redirect(
    state: &AppState,
    redirect_uri: &str,
    client_state: Option<&str>,
    error: &OAuthError,
) -> Response {
    let mut params = vec![("error", error.code.as_str().to_string())];
    // RFC 6749 §4.1.2.1: error_description is OPTIONAL.
    if !state.quirk(Quirk::NoErrorDescription) {
        params.push(("error_description", error.description.clone()));
    }
    if !state.has(Flaw::StateEchoOnError) {
        push_state(state, &mut params, client_state);
    }
    if !state.has(Flaw::IssInAllResponses) {
        params.push(("iss", iss_value(state)));
    }
    redirect_with(state, redirect_uri, &params)
}

/// `state` exactly as received, only when received — unless the
/// `state.exact-echo` flaw truncates it or invents an empty one, or the
/// `empty-state-echo` quirk adds an empty one (which carries nothing an
/// attacker could use: RFC 6749 §4.1.2 only requires the exact value when
/// one was sent).
fn push_state(state: &AppState, params: &mut Vec<(&str, String)>, client_state: Option<&str>) {
    if client_state.is_none() && state.quirk(Quirk::EmptyStateEcho) {
        params.push(("state", String::new()));
    } else if let Some(value) = client_state
        && let Some(mangled) = mangled_state(state, value)
    {
        params.push(("state", mangled));
    } else if state.has(Flaw::StateExactEcho) {
        let truncated: String = client_state
            .unwrap_or("undefined")
            .chars()
            .take(64)
            .collect();
        params.push(("state", truncated));
    } else if let Some(value) = client_state {
        params.push(("state", value.to_string()));
    }
}

/// The variant flaws of `state.exact-echo`: `state` form-decoded once more
/// (`+` → space, `%XX` resolved; left alone when that fails), or
/// HTML-escaped. `None` when neither is on or the value does not change.
fn mangled_state(state: &AppState, value: &str) -> Option<String> {
    let mut out = value.to_string();
    if state.has(Flaw::StateExactEchoDecoded)
        && let Ok(decoded) = crate::server::params::decode_component(&out)
    {
        out = decoded;
    }
    if state.has(Flaw::StateExactEchoHtmlEscaped) {
        out = out.replace('"', "&quot;");
    }
    (out != value).then_some(out)
}

fn redirect_with(state: &AppState, redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let response = see_other(state, &with_params(redirect_uri, &borrowed));
    // The `client-redirect-302` quirk: 302 Found, as many servers answer
    // the consent POST (RFC 9700 §4.12.1 asks for 303 only where the
    // request carries user credentials; RFC 6749 §1.7 allows any method).
    if state.quirk(Quirk::ClientRedirect302) && response.status() == StatusCode::SEE_OTHER {
        let (mut parts, body) = response.into_parts();
        parts.status = StatusCode::FOUND;
        return Response::from_parts(parts, body);
    }
    response
}
