//! The two browser cookies: a pre-session cookie that ties the login form's
//! anti-CSRF value to one browser, and the login session cookie.
//!
//! Both are `HttpOnly; SameSite=Lax; Path=/`. They are not `Secure` because
//! the server usually runs on plain loopback HTTP in tests; on an https
//! issuer they get `Secure` too. Values are random ids; nothing is stored in
//! them.

use axum::http::{HeaderMap, HeaderValue, header};

/// Cookie naming the browser before login (login-form CSRF binding).
pub const BROWSER_COOKIE: &str = "oauthcheck_browser";
/// Cookie naming the login session.
pub const SESSION_COOKIE: &str = "oauthcheck_session";

/// The value of a cookie from every `Cookie` header of a request.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for one of our cookies.
pub fn set(name: &str, value: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    // Values are base64url ids we generated, so this never fails; fall back
    // to an expired cookie rather than panic if that ever changes.
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("oauthcheck_session=xyz"),
        );
        assert_eq!(get(&headers, "b"), Some("2"));
        assert_eq!(get(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(get(&headers, "c"), None);
    }
}
