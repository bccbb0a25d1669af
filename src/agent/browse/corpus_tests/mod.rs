//! `browse` against the login and consent pages of well-known authorization
//! servers it was never run against: structural fixtures in
//! `fixtures/pages/` (written from each server's templates; the source is
//! named at the top of each file) served by a scripted in-test AS that
//! records every form body. Each test walks the real agent path and checks
//! that the right form is filled, the right control pressed, and that the
//! body is exactly what a browser would send (hidden CSRF fields, the
//! pressed button's own `name=value`, boxes ticked or not).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use crate::agent::testutil::{CLIENT, agent, alice, serve, stop_at};
use crate::agent::{AgentError, BrowseResult, Consent, LoginConfig, PageKind};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../../fixtures/pages/", $name, ".html"))
    };
}

pub(super) const KEYCLOAK_LOGIN: &str = fixture!("keycloak-login");
pub(super) const KEYCLOAK_USERNAME: &str = fixture!("keycloak-login-username");
pub(super) const KEYCLOAK_PASSWORD: &str = fixture!("keycloak-login-password");
pub(super) const KEYCLOAK_GRANT: &str = fixture!("keycloak-oauth-grant");
pub(super) const KEYCLOAK_V2_LOGIN: &str = fixture!("keycloak-v2-login");
pub(super) const KEYCLOAK_V2_GRANT: &str = fixture!("keycloak-v2-oauth-grant");
pub(super) const DEX_PASSWORD: &str = fixture!("dex-password");
pub(super) const DEX_APPROVAL: &str = fixture!("dex-approval");
pub(super) const HYDRA_LOGIN: &str = fixture!("hydra-login");
pub(super) const HYDRA_CONSENT: &str = fixture!("hydra-consent");
pub(super) const SPRING_LOGIN: &str = fixture!("spring-security-login");
pub(super) const SPRING_CONSENT: &str = fixture!("spring-authorization-server-consent");
pub(super) const GITEA_SIGNIN: &str = fixture!("gitea-signin");
pub(super) const GITEA_GRANT: &str = fixture!("gitea-grant");
pub(super) const GITLAB_SIGNIN: &str = fixture!("gitlab-signin");
pub(super) const DOORKEEPER_AUTHORIZE: &str = fixture!("doorkeeper-authorize");
pub(super) const DUENDE_LOGIN: &str = fixture!("duende-login");
pub(super) const DUENDE_CONSENT: &str = fixture!("duende-consent");
pub(super) const ZITADEL_LOGINNAME: &str = fixture!("zitadel-loginname");
pub(super) const ZITADEL_PASSWORD: &str = fixture!("zitadel-password");

/// What the scripted AS answers to a POST.
#[derive(Clone, Copy)]
pub(super) enum Answer {
    /// A credentials form: when the body carries the test user's name or
    /// password, redirect to this AS path; otherwise show `again`.
    LoginTo {
        next: &'static str,
        again: &'static str,
    },
    /// A credentials form answered with the next page itself (200).
    LoginShows {
        next: &'static str,
        again: &'static str,
    },
    /// A credentials form whose success ends the flow at the client.
    LoginToClient { again: &'static str },
    /// A consent form: the body has the `approve` pair → a code; the
    /// `deny` pair → `access_denied`; neither → the page again.
    Decide {
        approve: (&'static str, &'static str),
        deny: (&'static str, &'static str),
        page: &'static str,
    },
}

/// One scripted authorization server.
pub(super) struct Site {
    /// Where `/authorize` sends the browser (path and query).
    pub(super) start: &'static str,
    /// GET path (no query) → page.
    pub(super) pages: &'static [(&'static str, &'static str)],
    /// POST target → answer; a key with `?` must match path and query
    /// exactly, one without matches the path alone.
    pub(super) posts: &'static [(&'static str, Answer)],
}

/// A recorded POST: its path and query, and its body's pairs in order.
pub(super) type Post = (String, Vec<(String, String)>);

pub(super) const CODE: &str = "corpus-code-1234";

pub(super) fn redirect(location: &str) -> Response {
    (StatusCode::FOUND, [("location", location.to_string())]).into_response()
}

pub(super) fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

impl Site {
    fn answer(&self, method: &Method, uri: &Uri, body: &[u8]) -> Response {
        let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
        if method == Method::GET {
            if uri.path() == "/authorize" {
                return redirect(self.start);
            }
            return match self.pages.iter().find(|(path, _)| *path == uri.path()) {
                Some((_, page)) => Html(*page).into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            };
        }
        let Some((_, answer)) = self.posts.iter().find(|(key, _)| {
            if key.contains('?') {
                *key == target
            } else {
                *key == uri.path()
            }
        }) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let body = pairs(body);
        let has = |n: &str, v: &str| body.iter().any(|(a, b)| a == n && b == v);
        let credentials = body
            .iter()
            .any(|(_, v)| v == "alice" || v == "alice-password");
        match *answer {
            Answer::LoginTo { next, .. } if credentials => redirect(next),
            Answer::LoginShows { next, .. } if credentials => Html(next).into_response(),
            Answer::LoginToClient { .. } if credentials => {
                redirect(&format!("{CLIENT}?code={CODE}&state=s1"))
            }
            Answer::LoginTo { again, .. }
            | Answer::LoginShows { again, .. }
            | Answer::LoginToClient { again } => Html(again).into_response(),
            Answer::Decide { deny, .. } if has(deny.0, deny.1) => {
                redirect(&format!("{CLIENT}?error=access_denied&state=s1"))
            }
            Answer::Decide { approve, .. } if has(approve.0, approve.1) => {
                redirect(&format!("{CLIENT}?code={CODE}&state=s1"))
            }
            Answer::Decide { page, .. } => Html(page).into_response(),
        }
    }
}

/// Serves `site`, walks it from `/authorize?{query}` with `login` and
/// `consent`, and returns the outcome with every POST the site received.
pub(super) async fn walk_with(
    site: &'static Site,
    login: &LoginConfig,
    consent: Consent,
    query: &str,
) -> (Result<BrowseResult, AgentError>, Vec<Post>) {
    let posts: Arc<Mutex<Vec<Post>>> = Arc::default();
    let base = serve(site_router(site, posts.clone())).await;
    let url = format!("{base}/authorize?client_id=app&response_type=code&{query}");
    let result = agent().browse(&url, login, consent, &stop_at(&base)).await;
    let posts = posts.lock().expect("lock").clone();
    (result, posts)
}

/// `site` as a router that records every POST into `posts`.
pub(super) fn site_router(site: &'static Site, posts: Arc<Mutex<Vec<Post>>>) -> Router {
    Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let recorded = posts.clone();
        async move {
            if method == Method::POST {
                let target = uri
                    .path_and_query()
                    .map_or(uri.path().to_string(), |pq| pq.to_string());
                recorded.lock().expect("lock").push((target, pairs(&body)));
            }
            site.answer(&method, &uri, &body)
        }
    })
}

pub(super) async fn walk(
    site: &'static Site,
    consent: Consent,
    query: &str,
) -> (Result<BrowseResult, AgentError>, Vec<Post>) {
    walk_with(site, &alice(), consent, query).await
}

/// `(target, pairs)` from string literals.
pub(super) fn post(target: &str, body: &[(&str, &str)]) -> Post {
    (
        target.to_string(),
        body.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    )
}

pub(super) fn kinds(result: &BrowseResult) -> Vec<PageKind> {
    result.pages.iter().map(|p| p.kind).collect()
}

mod apps;
mod identity;
mod keycloak;
mod variants;
