//! Finding the login session and the pre-login browser record of a request
//! from its cookies.
//!
//! Sessions are created by the login endpoint; this file only looks them up
//! (expired ones count as absent) and names the browser for the login form.

use std::time::Instant;

use axum::http::HeaderMap;

use crate::server::cookies;
use crate::server::random;
use crate::server::store::{BROWSER_TTL, Browser, SESSION_TTL, Session, Store};

/// The request's live login session, with its id.
pub fn current(store: &Store, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = cookies::get(headers, cookies::SESSION_COOKIE)?;
    let session = store.sessions.get(id)?;
    (session.created.elapsed() < SESSION_TTL).then(|| (id.to_string(), session.clone()))
}

/// The request's browser record, created when missing. Returns its id, its
/// anti-CSRF value, and whether a cookie must be set.
pub fn browser(store: &mut Store, headers: &HeaderMap) -> (String, String, bool) {
    if let Some(id) = cookies::get(headers, cookies::BROWSER_COOKIE)
        && let Some(browser) = store.browsers.get(id)
        && browser.created.elapsed() < BROWSER_TTL
    {
        return (id.to_string(), browser.csrf.clone(), false);
    }
    let id = random::token();
    let csrf = random::token();
    store.browsers.insert(
        id.clone(),
        Browser {
            csrf: csrf.clone(),
            created: Instant::now(),
        },
    );
    (id, csrf, true)
}

pub use crate::oauth::same_secret;
