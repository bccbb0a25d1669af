//! Keycloak's pages: username and password on one page, the identifier-first
//! pair (username page, then password page), and the OAuth grant page.

use super::*;
use crate::agent::{AgentError, Consent, PageKind};

// --- Keycloak: username + password on one page; consent with `accept` / `cancel` ---

pub(super) const KEYCLOAK_AUTHENTICATE: &str = "/realms/demo/login-actions/authenticate?session_code=sc1&execution=ex-1&client_id=app&tab_id=tab1";
pub(super) const KEYCLOAK_CONSENT: &str =
    "/realms/demo/login-actions/consent?client_id=app&tab_id=tab1";

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

pub(super) fn keycloak_login_post() -> Post {
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

// --- Keycloak's keycloak.v2 theme: `<button name=accept|cancel>` without values ---

const KEYCLOAK_V2_AUTHENTICATE: &str = "/realms/demo/login-actions/authenticate?session_code=v2s&execution=ex-v2&client_id=app&tab_id=v2t";
const KEYCLOAK_V2_CONSENT: &str = "/realms/demo/login-actions/consent?client_id=app&tab_id=v2t";

static KEYCLOAK_V2: Site = Site {
    start: "/realms/demo/login",
    pages: &[("/realms/demo/login", KEYCLOAK_V2_LOGIN)],
    posts: &[
        (
            KEYCLOAK_V2_AUTHENTICATE,
            Answer::LoginShows {
                next: KEYCLOAK_V2_GRANT,
                again: KEYCLOAK_V2_LOGIN,
            },
        ),
        (
            KEYCLOAK_V2_CONSENT,
            Answer::Decide {
                approve: ("accept", ""),
                deny: ("cancel", ""),
                page: KEYCLOAK_V2_GRANT,
            },
        ),
    ],
};

fn keycloak_v2_login_post() -> Post {
    post(
        KEYCLOAK_V2_AUTHENTICATE,
        &[
            ("username", "alice"),
            ("password", "alice-password"),
            ("credentialId", ""),
            ("login", ""),
        ],
    )
}

#[tokio::test]
async fn keycloak_v2_approve_and_deny_send_the_pressed_buttons_empty_value() {
    let (result, posts) = walk(&KEYCLOAK_V2, Consent::Approve, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("code"), Some(CODE));
    assert_eq!(
        posts,
        [
            keycloak_v2_login_post(),
            post(
                KEYCLOAK_V2_CONSENT,
                &[("code", "consent-code-kc2"), ("accept", "")]
            ),
        ]
    );
    let (result, posts) = walk(&KEYCLOAK_V2, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts[1],
        post(
            KEYCLOAK_V2_CONSENT,
            &[("code", "consent-code-kc2"), ("cancel", "")]
        )
    );
}
