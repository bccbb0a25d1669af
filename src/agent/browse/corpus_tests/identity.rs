//! Identity servers' pages: Dex, Ory Hydra's reference login & consent
//! app, Duende IdentityServer's quickstart UI and ZITADEL's v1 login.

use super::*;
use std::sync::{Arc, Mutex};

use axum::http::Uri;

use crate::agent::testutil::{CLIENT, agent, alice, serve};
use crate::agent::{Consent, Navigation, PageKind, StopRule};

// --- Dex: `login` field; approve and deny in two forms without `action` ---

const DEX_LOGIN_ACTION: &str = "/dex/auth/local/login?back=&state=dexreq123";
const DEX_APPROVAL_URL: &str = "/dex/approval?req=dexreq123";

static DEX: Site = Site {
    start: "/dex/auth/local/login?back=&state=dexreq123",
    pages: &[
        ("/dex/auth/local/login", DEX_PASSWORD),
        ("/dex/approval", DEX_APPROVAL),
    ],
    posts: &[
        (
            DEX_LOGIN_ACTION,
            Answer::LoginTo {
                next: DEX_APPROVAL_URL,
                again: DEX_PASSWORD,
            },
        ),
        (
            DEX_APPROVAL_URL,
            Answer::Decide {
                approve: ("approval", "approve"),
                deny: ("approval", "rejected"),
                page: DEX_APPROVAL,
            },
        ),
    ],
};

fn dex_login_post() -> Post {
    post(
        DEX_LOGIN_ACTION,
        &[("login", "alice"), ("password", "alice-password")],
    )
}

#[tokio::test]
async fn dex_approve_posts_the_grant_form_to_the_page_url() {
    let (result, posts) = walk(&DEX, Consent::Approve, "scope=openid%20email").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(
        posts,
        [
            dex_login_post(),
            post(
                DEX_APPROVAL_URL,
                &[("req", "dexreq123"), ("approval", "approve")]
            ),
        ]
    );
}

#[tokio::test]
async fn dex_deny_posts_the_cancel_form() {
    let (result, posts) = walk(&DEX, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts,
        [
            dex_login_post(),
            post(
                DEX_APPROVAL_URL,
                &[("req", "dexreq123"), ("approval", "rejected")]
            ),
        ]
    );
}

// --- Ory Hydra's example app: `email` field; `grant_scope` boxes; two `submit` buttons ---

static HYDRA: Site = Site {
    start: "/login?login_challenge=login-challenge-1",
    pages: &[("/login", HYDRA_LOGIN), ("/consent", HYDRA_CONSENT)],
    posts: &[
        (
            "/login",
            Answer::LoginTo {
                next: "/consent?consent_challenge=consent-challenge-1",
                again: HYDRA_LOGIN,
            },
        ),
        (
            "/consent",
            Answer::Decide {
                approve: ("submit", "Allow access"),
                deny: ("submit", "Deny access"),
                page: HYDRA_CONSENT,
            },
        ),
    ],
};

fn hydra_login_post() -> Post {
    // "Log in", not "Deny access"; "Remember me" stays unticked.
    post(
        "/login",
        &[
            ("_csrf", "csrf-hydra-login"),
            ("challenge", "login-challenge-1"),
            ("email", "alice"),
            ("password", "alice-password"),
            ("submit", "Log in"),
        ],
    )
}

#[tokio::test]
async fn hydra_approve_ticks_the_requested_scopes_and_not_remember() {
    let (result, posts) = walk(&HYDRA, Consent::Approve, "scope=openid%20offline").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(
        posts,
        [
            hydra_login_post(),
            post(
                "/consent",
                &[
                    ("challenge", "consent-challenge-1"),
                    ("_csrf", "csrf-hydra-consent"),
                    ("grant_scope", "openid"),
                    ("grant_scope", "offline"),
                    ("submit", "Allow access"),
                ]
            ),
        ]
    );
}

#[tokio::test]
async fn hydra_deny_presses_deny_access_with_nothing_ticked() {
    let (result, posts) = walk(&HYDRA, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts[1],
        post(
            "/consent",
            &[
                ("challenge", "consent-challenge-1"),
                ("_csrf", "csrf-hydra-consent"),
                ("submit", "Deny access"),
            ]
        )
    );
}

// --- Duende IdentityServer quickstart UI (ASP.NET Core tag helpers) ---

const DUENDE_LOGIN_ACTION: &str =
    "/Account/Login?ReturnUrl=%2Fconnect%2Fauthorize%2Fcallback%3Fclient_id%3Dapp";
const DUENDE_CONSENT_ACTION: &str =
    "/consent?returnUrl=%2Fconnect%2Fauthorize%2Fcallback%3Fclient_id%3Dapp";

static DUENDE: Site = Site {
    start: DUENDE_LOGIN_ACTION,
    pages: &[
        ("/Account/Login", DUENDE_LOGIN),
        ("/consent", DUENDE_CONSENT),
    ],
    posts: &[
        (
            DUENDE_LOGIN_ACTION,
            Answer::LoginTo {
                next: DUENDE_CONSENT_ACTION,
                again: DUENDE_LOGIN,
            },
        ),
        (
            DUENDE_CONSENT_ACTION,
            Answer::Decide {
                approve: ("Input.button", "yes"),
                deny: ("Input.button", "no"),
                page: DUENDE_CONSENT,
            },
        ),
    ],
};

fn duende_login_post() -> Post {
    post(
        DUENDE_LOGIN_ACTION,
        &[
            (
                "Input.ReturnUrl",
                "/connect/authorize/callback?client_id=app&response_type=code&scope=openid%20profile%20api1",
            ),
            ("Input.Username", "alice"),
            ("Input.Password", "alice-password"),
            ("Input.Button", "login"),
            ("__RequestVerificationToken", "csrf-duende-login"),
            ("Input.RememberLogin", "false"),
        ],
    )
}

#[tokio::test]
async fn duende_approve_keeps_the_scopes_and_unticks_remember_my_decision() {
    let (result, posts) = walk(&DUENDE, Consent::Approve, "scope=openid%20profile%20api1").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(
        posts,
        [
            duende_login_post(),
            post(
                DUENDE_CONSENT_ACTION,
                &[
                    (
                        "Input.ReturnUrl",
                        "/connect/authorize/callback?client_id=app"
                    ),
                    ("Input.ScopesConsented", "openid"),
                    ("Input.ScopesConsented", "profile"),
                    ("Input.ScopesConsented", "api1"),
                    ("Input.Description", ""),
                    ("Input.button", "yes"),
                    ("__RequestVerificationToken", "csrf-duende-consent"),
                    ("Input.RememberConsent", "false"),
                ]
            ),
        ]
    );
}

#[tokio::test]
async fn duende_deny_presses_no() {
    let (result, posts) = walk(&DUENDE, Consent::Deny, "scope=openid%20profile").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts[1],
        post(
            DUENDE_CONSENT_ACTION,
            &[
                (
                    "Input.ReturnUrl",
                    "/connect/authorize/callback?client_id=app"
                ),
                ("Input.ScopesConsented", "openid"),
                ("Input.Description", ""),
                ("Input.button", "no"),
                ("__RequestVerificationToken", "csrf-duende-consent"),
                ("Input.RememberConsent", "false"),
            ]
        )
    );
}

// --- ZITADEL (v1 login): identifier-first, a "register" submit beside "next", no consent ---

static ZITADEL: Site = Site {
    start: "/ui/login/login?authRequestID=ar-1",
    pages: &[("/ui/login/login", ZITADEL_LOGINNAME)],
    posts: &[
        (
            "/ui/login/loginname",
            Answer::LoginShows {
                next: ZITADEL_PASSWORD,
                again: ZITADEL_LOGINNAME,
            },
        ),
        (
            "/ui/login/password",
            Answer::LoginToClient {
                again: ZITADEL_PASSWORD,
            },
        ),
    ],
};

#[tokio::test]
async fn zitadel_identifier_first_login_presses_next_not_register() {
    let (result, posts) = walk(&ZITADEL, Consent::Approve, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert!(result.logged_in);
    assert!(!result.consent_shown);
    assert_eq!(
        posts,
        [
            post(
                "/ui/login/loginname",
                &[
                    ("gorilla.csrf.Token", "csrf-zitadel-1"),
                    ("authRequestID", "ar-1"),
                    ("loginName", "alice"),
                ]
            ),
            post(
                "/ui/login/password",
                &[
                    ("gorilla.csrf.Token", "csrf-zitadel-2"),
                    ("authRequestID", "ar-1"),
                    ("loginName", "alice"),
                    ("password", "alice-password"),
                ]
            ),
        ]
    );
}

// --- Hydra with its login & consent app on another origin (`login.origins`) ---

/// Hydra at one origin sends the browser to the login & consent app at
/// another and takes it back with a verifier after each step; the app's
/// answers point back at Hydra. Returns Hydra's base URL, the app's, and
/// the app's recorded POSTs.
async fn hydra_with_its_login_app() -> (String, String, Arc<Mutex<Vec<Post>>>) {
    let app_url: Arc<std::sync::OnceLock<String>> = Arc::default();
    let app_for_hydra = app_url.clone();
    let hydra = axum::Router::new().fallback(move |uri: Uri| {
        let app = app_for_hydra.get().cloned().unwrap_or_default();
        async move {
            let query = uri.query().unwrap_or("");
            if query.contains("consent_verifier=") {
                redirect(&format!("{CLIENT}?code={CODE}&state=s1"))
            } else if query.contains("login_verifier=") {
                redirect(&format!(
                    "{app}/consent?consent_challenge=consent-challenge-1"
                ))
            } else {
                redirect(&format!("{app}/login?login_challenge=login-challenge-1"))
            }
        }
    });
    let hydra_base = serve(hydra).await;
    let back: &'static str =
        Box::leak(format!("{hydra_base}/oauth2/auth?login_verifier=v1").into_boxed_str());
    let site: &'static Site = Box::leak(Box::new(Site {
        start: "/login",
        pages: HYDRA.pages,
        posts: vec![
            (
                "/login",
                Answer::LoginTo {
                    next: back,
                    again: HYDRA_LOGIN,
                },
            ),
            (
                "/consent",
                Answer::Decide {
                    approve: ("submit", "Allow access"),
                    deny: ("submit", "Deny access"),
                    page: HYDRA_CONSENT,
                },
            ),
        ]
        .leak(),
    }));
    let posts: Arc<Mutex<Vec<Post>>> = Arc::default();
    let app_base = serve(site_router(site, posts.clone())).await;
    app_url.set(app_base.clone()).expect("set once");
    (hydra_base, app_base, posts)
}

#[tokio::test]
async fn a_login_app_on_another_origin_is_walked_when_its_origin_is_declared() {
    let (hydra, app, posts) = hydra_with_its_login_app().await;
    let start = format!("{hydra}/oauth2/auth?client_id=app&scope=openid");
    // Without the app's origin, the walk stops at the first hop to it.
    let alone = StopRule {
        as_origins: vec![hydra.clone()],
        client_uris: vec![CLIENT.to_string()],
    };
    let result = agent()
        .browse(&start, &alice(), Consent::Approve, &alone)
        .await
        .expect("a navigation");
    assert!(
        matches!(&result.navigation, Navigation::ToClient { url, .. } if url.starts_with(&app)),
        "{:?}",
        result.navigation
    );
    assert!(posts.lock().expect("lock").is_empty());
    // With it (what `login.origins` adds to the profile's origins), the
    // whole flow runs.
    let both = StopRule {
        as_origins: vec![hydra.clone(), app.clone()],
        client_uris: vec![CLIENT.to_string()],
    };
    let result = agent()
        .browse(&start, &alice(), Consent::Approve, &both)
        .await
        .expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(
        kinds(&result),
        [PageKind::Login, PageKind::Consent],
        "both pages seen"
    );
    // The app's own stylesheet is not a third party; the client's policy
    // links on the consent page are.
    assert!(result.pages[0].third_party.is_empty());
    assert_eq!(result.pages[1].third_party, ["https://app.example"]);
    let targets: Vec<String> = posts
        .lock()
        .expect("lock")
        .iter()
        .map(|(t, _)| t.clone())
        .collect();
    assert_eq!(targets, ["/login", "/consent"]);
}
