//! Variants the same templates produce: a remember-me box shown ticked,
//! pages in other languages, the deny form placed first.

use super::keycloak::{KEYCLOAK_AUTHENTICATE, KEYCLOAK_CONSENT, keycloak_login_post};
use super::*;
use crate::agent::Consent;

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

/// Dex's approval page with its buttons translated: each button is its
/// form's only control and says nothing an English word list knows; the
/// hidden `approval` field (`approve` / `rejected`) says which is which.
fn dex_translated() -> &'static Site {
    let approval = variant(
        DEX_APPROVAL,
        &[
            (">Grant Access</span>", ">アクセスを許可</span>"),
            (">Cancel</span>", ">キャンセル</span>"),
        ],
    );
    dex_site(approval, "approve")
}

/// Dex's login and `approval` page, whose approve form sends
/// `approval=approve_value`.
fn dex_site(approval: &'static str, approve_value: &'static str) -> &'static Site {
    leak_site(
        "/dex/auth/local/login?back=&state=dexreq123",
        vec![
            ("/dex/auth/local/login", DEX_PASSWORD),
            ("/dex/approval", approval),
        ],
        vec![
            (
                "/dex/auth/local/login?back=&state=dexreq123",
                Answer::LoginTo {
                    next: "/dex/approval?req=dexreq123",
                    again: DEX_PASSWORD,
                },
            ),
            (
                "/dex/approval?req=dexreq123",
                Answer::Decide {
                    approve: ("approval", approve_value),
                    deny: ("approval", "rejected"),
                    page: approval,
                },
            ),
        ],
    )
}

#[tokio::test]
async fn a_hidden_decision_field_tells_single_button_forms_apart() {
    let site = dex_translated();
    let (result, posts) = walk(site, Consent::Deny, "scope=openid").await;
    let result = result.expect("the walk reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        posts[1],
        post(
            "/dex/approval?req=dexreq123",
            &[("req", "dexreq123"), ("approval", "rejected")]
        )
    );
    let (result, posts) = walk(site, Consent::Approve, "scope=openid").await;
    assert_eq!(
        result.expect("approved").navigation.param("code"),
        Some(CODE)
    );
    assert_eq!(
        posts[1].1.last(),
        Some(&("approval".to_string(), "approve".to_string()))
    );
}

/// Dex's approval page with a "sign out" form placed first and an approve
/// button that says nothing the word lists know (its hidden decision is a
/// number): approval must not fall back on the sign-out form.
fn dex_with_sign_out_first() -> &'static Site {
    let approval = variant(
        DEX_APPROVAL,
        &[
            (
                "<div class=\"theme-form-row\">",
                "<div class=\"theme-form-row\">\n      <form method=\"post\" action=\"/dex/logout\"><button type=\"submit\">ログアウト</button></form>",
            ),
            (">Grant Access</span>", ">続行</span>"),
            (
                "name=\"approval\" value=\"approve\"",
                "name=\"approval\" value=\"1\"",
            ),
        ],
    );
    dex_site(approval, "1")
}

#[tokio::test]
async fn approval_never_falls_back_on_a_sign_out_form() {
    let site = dex_with_sign_out_first();
    let (result, posts) = walk(site, Consent::Approve, "scope=openid").await;
    assert_eq!(
        result.expect("approved").navigation.param("code"),
        Some(CODE)
    );
    assert_eq!(
        posts[1],
        post(
            "/dex/approval?req=dexreq123",
            &[("req", "dexreq123"), ("approval", "1")]
        )
    );
}
