//! Frameworks and applications with an authorization server inside:
//! Spring Security + Spring Authorization Server, Gitea, GitLab's sign-in
//! with Doorkeeper's authorization page.

use super::*;
use crate::agent::{AgentError, Consent};

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
