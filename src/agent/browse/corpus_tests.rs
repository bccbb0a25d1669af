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
        include_str!(concat!("../../../fixtures/pages/", $name, ".html"))
    };
}

const KEYCLOAK_LOGIN: &str = fixture!("keycloak-login");
const KEYCLOAK_USERNAME: &str = fixture!("keycloak-login-username");
const KEYCLOAK_PASSWORD: &str = fixture!("keycloak-login-password");
const KEYCLOAK_GRANT: &str = fixture!("keycloak-oauth-grant");
const DEX_PASSWORD: &str = fixture!("dex-password");
const DEX_APPROVAL: &str = fixture!("dex-approval");
const HYDRA_LOGIN: &str = fixture!("hydra-login");
const HYDRA_CONSENT: &str = fixture!("hydra-consent");
const SPRING_LOGIN: &str = fixture!("spring-security-login");
const SPRING_CONSENT: &str = fixture!("spring-authorization-server-consent");
const GITEA_SIGNIN: &str = fixture!("gitea-signin");
const GITEA_GRANT: &str = fixture!("gitea-grant");
const GITLAB_SIGNIN: &str = fixture!("gitlab-signin");
const DOORKEEPER_AUTHORIZE: &str = fixture!("doorkeeper-authorize");
const DUENDE_LOGIN: &str = fixture!("duende-login");
const DUENDE_CONSENT: &str = fixture!("duende-consent");
const ZITADEL_LOGINNAME: &str = fixture!("zitadel-loginname");
const ZITADEL_PASSWORD: &str = fixture!("zitadel-password");

/// What the scripted AS answers to a POST.
#[derive(Clone, Copy)]
enum Answer {
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
struct Site {
    /// Where `/authorize` sends the browser (path and query).
    start: &'static str,
    /// GET path (no query) → page.
    pages: &'static [(&'static str, &'static str)],
    /// POST target → answer; a key with `?` must match path and query
    /// exactly, one without matches the path alone.
    posts: &'static [(&'static str, Answer)],
}

/// A recorded POST: its path and query, and its body's pairs in order.
type Post = (String, Vec<(String, String)>);

const CODE: &str = "corpus-code-1234";

fn redirect(location: &str) -> Response {
    (StatusCode::FOUND, [("location", location.to_string())]).into_response()
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
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
            Answer::Decide { approve, deny, .. } if has(deny.0, deny.1) => {
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
async fn walk_with(
    site: &'static Site,
    login: &LoginConfig,
    consent: Consent,
    query: &str,
) -> (Result<BrowseResult, AgentError>, Vec<Post>) {
    let posts: Arc<Mutex<Vec<Post>>> = Arc::default();
    let recorded = posts.clone();
    let app = Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let recorded = recorded.clone();
        async move {
            if method == Method::POST {
                let target = uri
                    .path_and_query()
                    .map_or(uri.path().to_string(), |pq| pq.to_string());
                recorded.lock().expect("lock").push((target, pairs(&body)));
            }
            site.answer(&method, &uri, &body)
        }
    });
    let base = serve(app).await;
    let url = format!("{base}/authorize?client_id=app&response_type=code&{query}");
    let result = agent().browse(&url, login, consent, &stop_at(&base)).await;
    let posts = posts.lock().expect("lock").clone();
    (result, posts)
}

async fn walk(
    site: &'static Site,
    consent: Consent,
    query: &str,
) -> (Result<BrowseResult, AgentError>, Vec<Post>) {
    walk_with(site, &alice(), consent, query).await
}

/// `(target, pairs)` from string literals.
fn post(target: &str, body: &[(&str, &str)]) -> Post {
    (
        target.to_string(),
        body.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    )
}

fn kinds(result: &BrowseResult) -> Vec<PageKind> {
    result.pages.iter().map(|p| p.kind).collect()
}

// --- Keycloak: username + password on one page; consent with `accept` / `cancel` ---

const KEYCLOAK_AUTHENTICATE: &str = "/realms/demo/login-actions/authenticate?session_code=sc1&execution=ex-1&client_id=app&tab_id=tab1";
const KEYCLOAK_CONSENT: &str = "/realms/demo/login-actions/consent?client_id=app&tab_id=tab1";

static KEYCLOAK: Site = Site {
    start: "/realms/demo/login",
    pages: &[("/realms/demo/login", KEYCLOAK_LOGIN)],
    posts: &[
        (
            KEYCLOAK_AUTHENTICATE,
            Answer::LoginShows {
                next: KEYCLOAK_GRANT,
                again: KEYCLOAK_LOGIN,
            },
        ),
        (
            KEYCLOAK_CONSENT,
            Answer::Decide {
                approve: ("accept", "Yes"),
                deny: ("cancel", "No"),
                page: KEYCLOAK_GRANT,
            },
        ),
    ],
};

fn keycloak_login_post() -> Post {
    // `credentialId` is an empty hidden field; "remember me" stays unticked.
    post(
        KEYCLOAK_AUTHENTICATE,
        &[
            ("username", "alice"),
            ("password", "alice-password"),
            ("credentialId", ""),
            ("login", "Sign In"),
        ],
    )
}

#[tokio::test]
async fn keycloak_login_and_consent_approve() {
    let (result, posts) = walk(&KEYCLOAK, Consent::Approve, "scope=openid%20profile").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(kinds(&result), [PageKind::Login, PageKind::Consent]);
    assert_eq!(
        posts,
        [
            keycloak_login_post(),
            post(
                KEYCLOAK_CONSENT,
                &[("code", "consent-code-kc1"), ("accept", "Yes")]
            ),
        ]
    );
}

#[tokio::test]
async fn keycloak_consent_deny_presses_cancel() {
    let (result, posts) = walk(&KEYCLOAK, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts,
        [
            keycloak_login_post(),
            post(
                KEYCLOAK_CONSENT,
                &[("code", "consent-code-kc1"), ("cancel", "No")]
            ),
        ]
    );
}

// --- Keycloak identifier-first: a username page, then a password page ---

const KC_USERNAME_ACTION: &str = "/realms/demo/login-actions/authenticate?session_code=sc2&execution=ex-username&client_id=app&tab_id=tab2";
const KC_PASSWORD_ACTION: &str = "/realms/demo/login-actions/authenticate?session_code=sc3&execution=ex-password&client_id=app&tab_id=tab2";

static KEYCLOAK_IDENTIFIER_FIRST: Site = Site {
    start: "/realms/demo/login",
    pages: &[("/realms/demo/login", KEYCLOAK_USERNAME)],
    posts: &[
        (
            KC_USERNAME_ACTION,
            Answer::LoginShows {
                next: KEYCLOAK_PASSWORD,
                again: KEYCLOAK_USERNAME,
            },
        ),
        (
            KC_PASSWORD_ACTION,
            Answer::LoginShows {
                next: KEYCLOAK_GRANT,
                again: KEYCLOAK_PASSWORD,
            },
        ),
        (
            KEYCLOAK_CONSENT,
            Answer::Decide {
                approve: ("accept", "Yes"),
                deny: ("cancel", "No"),
                page: KEYCLOAK_GRANT,
            },
        ),
    ],
};

#[tokio::test]
async fn keycloak_identifier_first_login_sends_the_username_then_the_password() {
    let (result, posts) = walk(&KEYCLOAK_IDENTIFIER_FIRST, Consent::Approve, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert!(result.logged_in);
    assert_eq!(
        kinds(&result),
        [PageKind::Login, PageKind::Login, PageKind::Consent]
    );
    assert_eq!(
        posts,
        [
            post(
                KC_USERNAME_ACTION,
                &[("username", "alice"), ("login", "Sign In")]
            ),
            post(
                KC_PASSWORD_ACTION,
                &[("password", "alice-password"), ("login", "Sign In")]
            ),
            post(
                KEYCLOAK_CONSENT,
                &[("code", "consent-code-kc1"), ("accept", "Yes")]
            ),
        ]
    );
}

#[tokio::test]
async fn keycloak_identifier_first_wrong_password_is_a_login_failure() {
    let mut login = alice();
    login.password = "not-the-password".into();
    // The scripted AS shows the password page again for any body without
    // the right password (the username alone does not pass it).
    let (result, posts) = walk_with(
        &KEYCLOAK_IDENTIFIER_FIRST_STRICT,
        &login,
        Consent::Approve,
        "scope=openid",
    )
    .await;
    match result {
        Err(AgentError::LoginFailed { reason, .. }) => {
            assert!(reason.contains("shown again"), "{reason}");
        }
        other => panic!("expected a login failure, got {other:?}"),
    }
    assert_eq!(posts.len(), 2, "username then password, nothing more");
}

/// Like [`KEYCLOAK_IDENTIFIER_FIRST`], but the password page accepts only
/// the test user's password.
static KEYCLOAK_IDENTIFIER_FIRST_STRICT: Site = Site {
    start: "/realms/demo/login",
    pages: &[("/realms/demo/login", KEYCLOAK_USERNAME)],
    posts: &[
        (
            KC_USERNAME_ACTION,
            Answer::LoginShows {
                next: KEYCLOAK_PASSWORD,
                again: KEYCLOAK_USERNAME,
            },
        ),
        (
            KC_PASSWORD_ACTION,
            Answer::Decide {
                approve: ("password", "alice-password"),
                deny: ("password", "-"),
                page: KEYCLOAK_PASSWORD,
            },
        ),
    ],
};

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

// --- Spring Security login + Spring Authorization Server consent ---

static SPRING: Site = Site {
    start: "/login",
    pages: &[
        ("/login", SPRING_LOGIN),
        ("/oauth2/consent", SPRING_CONSENT),
    ],
    posts: &[
        (
            "/login",
            Answer::LoginTo {
                next: "/oauth2/consent",
                again: SPRING_LOGIN,
            },
        ),
        (
            "/oauth2/authorize",
            Answer::Decide {
                approve: ("scope", "message.read"),
                deny: ("scope", "-"),
                page: SPRING_CONSENT,
            },
        ),
    ],
};

#[tokio::test]
async fn spring_approve_ticks_the_requested_scope_boxes() {
    let (result, posts) = walk(
        &SPRING,
        Consent::Approve,
        "scope=openid%20profile%20message.read",
    )
    .await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(
        posts,
        [
            post(
                "/login",
                &[
                    ("username", "alice"),
                    ("password", "alice-password"),
                    ("_csrf", "csrf-spring-login"),
                ]
            ),
            // Not `message.write` (not requested), not the disabled `email`.
            post(
                "/oauth2/authorize",
                &[
                    ("client_id", "app"),
                    ("state", "consent-state-spring"),
                    ("scope", "profile"),
                    ("scope", "message.read"),
                ]
            ),
        ]
    );
}

#[tokio::test]
async fn spring_deny_needs_javascript_and_never_approves() {
    let (result, posts) = walk(&SPRING, Consent::Deny, "scope=openid%20profile").await;
    match result {
        Err(AgentError::DenialNeedsJavaScript { control, .. }) => {
            assert!(control.contains("Cancel"), "{control}");
        }
        other => panic!("expected denial needs JavaScript, got {other:?}"),
    }
    assert_eq!(posts.len(), 1, "only the login was submitted: {posts:?}");
}

// --- Gitea: untyped `user_name` input, unnamed untyped button; `granted=true|false` ---

static GITEA: Site = Site {
    start: "/user/login",
    pages: &[
        ("/user/login", GITEA_SIGNIN),
        ("/login/oauth/authorize", GITEA_GRANT),
    ],
    posts: &[
        (
            "/user/login",
            Answer::LoginTo {
                next: "/login/oauth/authorize?client_id=app",
                again: GITEA_SIGNIN,
            },
        ),
        (
            "/login/oauth/grant",
            Answer::Decide {
                approve: ("granted", "true"),
                deny: ("granted", "false"),
                page: GITEA_GRANT,
            },
        ),
    ],
};

const GITEA_HIDDEN: &[(&str, &str)] = &[
    ("_csrf", "csrf-gitea-2"),
    ("client_id", "app"),
    ("state", "st-gitea"),
    ("scope", "openid profile"),
    ("nonce", ""),
    ("redirect_uri", "http://127.0.0.1:9/cb"),
];

fn gitea_login_post() -> Post {
    post(
        "/user/login",
        &[
            ("_csrf", "csrf-gitea-1"),
            ("user_name", "alice"),
            ("password", "alice-password"),
        ],
    )
}

#[tokio::test]
async fn gitea_approve_presses_authorize_application() {
    let (result, posts) = walk(&GITEA, Consent::Approve, "scope=openid%20profile").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    let mut consent = GITEA_HIDDEN.to_vec();
    consent.push(("granted", "true"));
    assert_eq!(
        posts,
        [gitea_login_post(), post("/login/oauth/grant", &consent)]
    );
}

#[tokio::test]
async fn gitea_deny_presses_cancel() {
    let (result, posts) = walk(&GITEA, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    let mut consent = GITEA_HIDDEN.to_vec();
    consent.push(("granted", "false"));
    assert_eq!(
        posts,
        [gitea_login_post(), post("/login/oauth/grant", &consent)]
    );
}

// --- GitLab sign-in (Devise) + Doorkeeper's authorize page (deny is its own `_method=delete` form) ---

static GITLAB: Site = Site {
    start: "/users/sign_in",
    pages: &[
        ("/users/sign_in", GITLAB_SIGNIN),
        ("/oauth/authorize", DOORKEEPER_AUTHORIZE),
    ],
    posts: &[
        (
            "/users/sign_in",
            Answer::LoginTo {
                next: "/oauth/authorize?client_id=app",
                again: GITLAB_SIGNIN,
            },
        ),
        (
            "/oauth/authorize",
            Answer::Decide {
                approve: ("commit", "Authorize"),
                deny: ("_method", "delete"),
                page: DOORKEEPER_AUTHORIZE,
            },
        ),
    ],
};

const DOORKEEPER_HIDDEN: &[(&str, &str)] = &[
    ("client_id", "app"),
    ("redirect_uri", "http://127.0.0.1:9/cb"),
    ("state", "st-dk"),
    ("response_type", "code"),
    ("response_mode", ""),
    ("scope", "read write"),
    ("code_challenge", "ch-dk"),
    ("code_challenge_method", "S256"),
];

fn gitlab_login_post() -> Post {
    // The hidden `user[remember_me]=0` goes; the unticked box's `1` does not.
    post(
        "/users/sign_in",
        &[
            ("authenticity_token", "csrf-gl-login"),
            ("user[login]", "alice"),
            ("user[password]", "alice-password"),
            ("user[remember_me]", "0"),
        ],
    )
}

#[tokio::test]
async fn gitlab_doorkeeper_approve_submits_the_authorize_form() {
    let (result, posts) = walk(&GITLAB, Consent::Approve, "scope=read%20write").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    let mut consent = vec![("authenticity_token", "csrf-dk-approve")];
    consent.extend_from_slice(DOORKEEPER_HIDDEN);
    consent.push(("commit", "Authorize"));
    assert_eq!(
        posts,
        [gitlab_login_post(), post("/oauth/authorize", &consent)]
    );
}

#[tokio::test]
async fn gitlab_doorkeeper_deny_submits_the_delete_form() {
    let (result, posts) = walk(&GITLAB, Consent::Deny, "scope=read").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    let mut consent = vec![
        ("_method", "delete"),
        ("authenticity_token", "csrf-dk-deny"),
    ];
    consent.extend_from_slice(DOORKEEPER_HIDDEN);
    consent.push(("commit", "Deny"));
    assert_eq!(
        posts,
        [gitlab_login_post(), post("/oauth/authorize", &consent)]
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

// --- variants the same templates produce: pre-ticked boxes, other languages ---

/// `page` with each `(from, to)` replaced once (each must apply), leaked:
/// test sites are `'static`.
fn variant(page: &'static str, edits: &[(&str, &str)]) -> &'static str {
    let mut page = page.to_string();
    for (from, to) in edits {
        assert!(page.contains(from), "the fixture has `{from}`");
        page = page.replacen(from, to, 1);
    }
    Box::leak(page.into_boxed_str())
}

fn leak_site(
    start: &'static str,
    pages: Vec<(&'static str, &'static str)>,
    posts: Vec<(&'static str, Answer)>,
) -> &'static Site {
    Box::leak(Box::new(Site {
        start,
        pages: pages.leak(),
        posts: posts.leak(),
    }))
}

#[tokio::test]
async fn a_remember_me_box_shown_ticked_is_unticked_at_login() {
    // Keycloak renders "Remember me" ticked when the login it shows again
    // had it ticked.
    let login = variant(
        KEYCLOAK_LOGIN,
        &[(
            r#"name="rememberMe" type="checkbox""#,
            r#"name="rememberMe" type="checkbox" checked"#,
        )],
    );
    let site = leak_site(
        "/realms/demo/login",
        vec![("/realms/demo/login", login)],
        vec![
            (
                KEYCLOAK_AUTHENTICATE,
                Answer::LoginShows {
                    next: KEYCLOAK_GRANT,
                    again: login,
                },
            ),
            (
                KEYCLOAK_CONSENT,
                Answer::Decide {
                    approve: ("accept", "Yes"),
                    deny: ("cancel", "No"),
                    page: KEYCLOAK_GRANT,
                },
            ),
        ],
    );
    let (result, posts) = walk(site, Consent::Approve, "scope=openid").await;
    result.expect("the walk reaches the client");
    assert_eq!(posts[0], keycloak_login_post());
}

/// Gitea's grant page in Japanese: only the buttons' shared name and
/// `true` / `false` values say which is which.
fn gitea_in_japanese() -> &'static Site {
    let grant = variant(
        GITEA_GRANT,
        &[
            (">Authorize Application<", ">アプリケーションを許可<"),
            (">Cancel<", ">キャンセル<"),
        ],
    );
    leak_site(
        "/user/login",
        vec![
            ("/user/login", GITEA_SIGNIN),
            ("/login/oauth/authorize", grant),
        ],
        vec![
            (
                "/user/login",
                Answer::LoginTo {
                    next: "/login/oauth/authorize?client_id=app",
                    again: GITEA_SIGNIN,
                },
            ),
            (
                "/login/oauth/grant",
                Answer::Decide {
                    approve: ("granted", "true"),
                    deny: ("granted", "false"),
                    page: grant,
                },
            ),
        ],
    )
}

#[tokio::test]
async fn a_deny_button_valued_false_denies_on_a_localised_page() {
    let site = gitea_in_japanese();
    let (result, posts) = walk(site, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts[1].1.last(),
        Some(&("granted".to_string(), "false".to_string()))
    );
    let (result, posts) = walk(site, Consent::Approve, "scope=openid").await;
    assert_eq!(
        result.expect("approved").navigation.param("code"),
        Some(CODE)
    );
    assert_eq!(
        posts[1].1.last(),
        Some(&("granted".to_string(), "true".to_string()))
    );
}

/// Doorkeeper's page with doorkeeper-i18n's German buttons, the deny form
/// first (so that a guess of "the first single-button form" would approve).
fn doorkeeper_in_german() -> &'static Site {
    let authorize = variant(
        DOORKEEPER_AUTHORIZE,
        &[
            (
                r#"value="Authorize" class="btn btn-success btn-lg btn-block" data-disable-with="Authorize""#,
                r#"value="Autorisieren" class="btn btn-success btn-lg btn-block" data-disable-with="Autorisieren""#,
            ),
            (
                r#"value="Deny" class="btn btn-danger btn-lg btn-block" data-disable-with="Deny""#,
                r#"value="Verweigern" class="btn btn-danger btn-lg btn-block" data-disable-with="Verweigern""#,
            ),
        ],
    );
    let (head, rest) = authorize.split_once("<form").expect("a form");
    let (approve, deny) = rest.split_once("<form").expect("two forms");
    let (deny, tail) = deny.split_once("</form>").expect("the deny form ends");
    let swapped = format!("{head}<form{deny}</form>\n      <form{approve}{tail}");
    let authorize: &'static str = Box::leak(swapped.into_boxed_str());
    leak_site(
        "/users/sign_in",
        vec![
            ("/users/sign_in", GITLAB_SIGNIN),
            ("/oauth/authorize", authorize),
        ],
        vec![
            (
                "/users/sign_in",
                Answer::LoginTo {
                    next: "/oauth/authorize?client_id=app",
                    again: GITLAB_SIGNIN,
                },
            ),
            (
                "/oauth/authorize",
                Answer::Decide {
                    approve: ("commit", "Autorisieren"),
                    deny: ("_method", "delete"),
                    page: authorize,
                },
            ),
        ],
    )
}

#[tokio::test]
async fn localised_approve_and_deny_buttons_are_told_apart() {
    let site = doorkeeper_in_german();
    let (result, posts) = walk(site, Consent::Deny, "scope=read").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts[1].1.last(),
        Some(&("commit".to_string(), "Verweigern".to_string()))
    );
    let (result, posts) = walk(site, Consent::Approve, "scope=read").await;
    assert_eq!(
        result.expect("approved").navigation.param("code"),
        Some(CODE)
    );
    assert_eq!(
        posts[1].1.last(),
        Some(&("commit".to_string(), "Autorisieren".to_string()))
    );
}
