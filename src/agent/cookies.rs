//! The browser cookie jar of one session: stores `Set-Cookie` from
//! front-channel responses and yields the `Cookie` header for a URL (domain,
//! path, expiry rules from `cookie_store`). A jar can be copied, so a trial
//! can start from an authenticated session. It must never be consulted for
//! back-channel requests.

use std::sync::{PoisonError, RwLock};

use cookie_store::{CookieStore, RawCookie};
use url::Url;

/// A cookie jar that can be snapshotted.
#[derive(Debug, Default)]
pub(crate) struct SessionJar {
    store: RwLock<CookieStore>,
}

impl SessionJar {
    /// An empty jar.
    pub(crate) fn new() -> SessionJar {
        SessionJar::default()
    }

    /// A copy of the jar as it is now; later changes to either are separate.
    pub(crate) fn snapshot(&self) -> SessionJar {
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        SessionJar {
            store: RwLock::new(store.clone()),
        }
    }

    /// Stores the cookies of `Set-Cookie` values received from `url`;
    /// unparsable ones are ignored, as a browser would.
    pub(crate) fn store<'a>(&self, set_cookies: impl Iterator<Item = &'a str>, url: &Url) {
        let cookies: Vec<RawCookie<'static>> = set_cookies
            .filter_map(|v| RawCookie::parse(v.to_string()).ok())
            .collect();
        if cookies.is_empty() {
            return;
        }
        self.store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .store_response_cookies(cookies.into_iter(), url);
    }

    /// The `Cookie` header value to send to `url`, if any cookie matches.
    pub(crate) fn header_for(&self, url: &Url) -> Option<String> {
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        let pairs: Vec<String> = store
            .get_request_values(url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Every unexpired cookie as `(name, value)`, for noticing when a
    /// server replaces or drops the cookies of a session.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        store
            .iter_unexpired()
            .map(|c| (c.name().to_string(), c.value().to_string()))
            .collect()
    }

    /// Names of the cookies that would be sent to `url` (for tests and
    /// diagnostics; values stay inside).
    #[cfg_attr(not(test), expect(dead_code, reason = "used by tests"))]
    pub(crate) fn names_for(&self, url: &Url) -> Vec<String> {
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        store
            .get_request_values(url)
            .map(|(name, _)| name.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn path_scoped_cookies_are_sent_only_below_their_path() {
        let jar = SessionJar::new();
        jar.store(
            [
                "_interaction=abc; Path=/interaction/u1; HttpOnly",
                "_session=s; Path=/",
            ]
            .into_iter(),
            &url("http://127.0.0.1:9401/auth"),
        );
        let mut names = jar.names_for(&url("http://127.0.0.1:9401/interaction/u1"));
        names.sort();
        assert_eq!(names, ["_interaction", "_session"]);
        assert_eq!(
            jar.names_for(&url("http://127.0.0.1:9401/interaction/u2")),
            ["_session"]
        );
        // Cookies are scoped by host, not port (RFC 6265 §8.5).
        assert_eq!(
            jar.names_for(&url("http://127.0.0.1:9999/cb")),
            ["_session"]
        );
        assert_eq!(jar.header_for(&url("http://localhost:9401/")), None);
    }

    #[test]
    fn snapshots_are_independent() {
        let jar = SessionJar::new();
        let at = url("http://127.0.0.1:1/");
        jar.store(["a=1"].into_iter(), &at);
        let copy = jar.snapshot();
        jar.store(["b=2"].into_iter(), &at);
        copy.store(["c=3"].into_iter(), &at);
        let sorted = |jar: &SessionJar| {
            let mut names = jar.names_for(&at);
            names.sort();
            names
        };
        assert_eq!(sorted(&jar), ["a", "b"]);
        assert_eq!(sorted(&copy), ["a", "c"]);
    }

    #[test]
    fn garbage_set_cookie_values_are_ignored() {
        let jar = SessionJar::new();
        let at = url("http://127.0.0.1:1/");
        jar.store(["", "=", ";;;", "\u{1}"].into_iter(), &at);
        assert_eq!(jar.header_for(&at), None);
    }
}
