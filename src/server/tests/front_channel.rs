//! Correct-by-default rules of the authorization endpoint, login and consent.
//! Each test begins with the catalogue requirement it pins.

use super::client::{
    APP2_CB, AuthRequest, Browser, Decision, Form, Reply, SPA_CB, TestServer, start,
};
use crate::server::{ALICE_PASSWORD, Config};

async fn server() -> TestServer {
    start(Config::default()).await
}

/// The first answer of the authorization endpoint is an error page.
async fn assert_error_page(server: &TestServer, request: &AuthRequest) {
    let browser = server.browser();
    let reply = browser.authorize(request).await;
    assert_eq!(
        reply.status,
        400,
        "expected an error page: {:?}",
        reply.location()
    );
    assert!(reply.location().is_none());
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(
        reply
            .header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

/// The answer is an error redirect with this error, exact state and iss —
/// after the login, as this browser has no session (authz.error-before-auth).
async fn assert_error_redirect(server: &TestServer, request: &AuthRequest, error: &str) {
    let browser = server.browser();
    let reply = browser.authorize(request).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.location().unwrap();
    // prompt=none forbids any UI (OIDC Core §3.1.2.1): redirected at once.
    if request.get("prompt") == Some("none") {
        assert!(location.starts_with("https://"), "{location}");
    } else {
        assert!(location.contains("/login?tx="), "{location}");
    }
    let outcome = browser.follow(reply, request, Decision::Approve).await;
    let params = outcome.params();
    assert_eq!(params["error"], error, "{params:?}");
    assert!(!params.contains_key("code"));
    assert_eq!(
        params.get("state").map(String::as_str),
        request.get("state")
    );
    assert_eq!(params["iss"], server.issuer());
    let description = &params["error_description"];
    assert!(
        description
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\')
    );
}

#[tokio::test]
async fn redirect_uri_problems_are_error_pages_never_redirects() {
    // redirect.exact-match, redirect.missing-when-multiple, request.duplicate-params,
    // redirect.error-no-redirect (unknown or missing client).
    let server = server().await;
    let app = AuthRequest::app();
    for request in [
        app.clone()
            .set("redirect_uri", "https://attacker.example/cb"),
        app.clone().set("redirect_uri", APP2_CB),
        app.clone()
            .set("redirect_uri", "https://client.example/cb#frag"),
        app.clone().omit("redirect_uri"),
        app.clone()
            .add("redirect_uri", "https://attacker.example/cb"),
        app.clone().omit("client_id"),
        app.clone().set("client_id", "nobody"),
        app.clone().add("client_id", "app2"),
        AuthRequest::new("app2", APP2_CB, "openid").omit("redirect_uri"),
        app.clone()
            .set("redirect_uri", "https://attacker.example/cb")
            .set("response_type", "foo"),
    ] {
        assert_error_page(&server, &request).await;
    }
    // A single registered URI is the default for a plain OAuth request.
    let default_uri = AuthRequest::new("app2", APP2_CB, "api.read").omit("redirect_uri");
    let outcome = server.browser().flow(&default_uri, Decision::Approve).await;
    assert!(outcome.location().unwrap().starts_with(APP2_CB));
}

#[tokio::test]
async fn other_errors_are_redirected_with_state_and_iss() {
    // response-type.invalid, scope.invalid, pkce.*, request.duplicate-params,
    // request.param-hygiene, oidc.prompt-none, state.echo-on-error.
    let server = server().await;
    let app = AuthRequest::app();
    let spa = AuthRequest::new("spa", SPA_CB, "openid");
    let cases = [
        (app.clone().omit("response_type"), "invalid_request"),
        (
            app.clone().set("response_type", "token"),
            "unsupported_response_type",
        ),
        (
            app.clone().set("response_type", "code id_token"),
            "unsupported_response_type",
        ),
        (app.clone().add("scope", "openid"), "invalid_request"),
        (app.clone().add("code_challenge", "x"), "invalid_request"),
        (app.clone().set("scope", "openid admin"), "invalid_scope"),
        (
            app.clone().set("scope", "openid no-such-scope"),
            "invalid_scope",
        ),
        (app.clone().set("scope", "a\"b"), "invalid_scope"),
        (app.clone().omit("scope"), "invalid_scope"),
        (app.clone().set("scope", ""), "invalid_scope"),
        (
            app.clone().set("code_challenge_method", "plain"),
            "invalid_request",
        ),
        (app.clone().omit("code_challenge_method"), "invalid_request"),
        (
            app.clone().set("code_challenge_method", "S512"),
            "invalid_request",
        ),
        (
            app.clone().set("code_challenge_method", "s256"),
            "invalid_request",
        ),
        (
            app.clone().set("code_challenge", &"a".repeat(42)),
            "invalid_request",
        ),
        (
            app.clone().set("code_challenge", &"a".repeat(129)),
            "invalid_request",
        ),
        (
            app.clone()
                .set("code_challenge", &format!("{}+", "a".repeat(42))),
            "invalid_request",
        ),
        (
            spa.clone()
                .omit("code_challenge")
                .omit("code_challenge_method"),
            "invalid_request",
        ),
        (
            spa.clone()
                .set("code_challenge", "")
                .omit("code_challenge_method"),
            "invalid_request",
        ),
        (app.clone().set("prompt", "none"), "login_required"),
    ];
    for (request, error) in cases {
        assert_error_redirect(&server, &request, error).await;
    }
}

#[tokio::test]
async fn a_repeated_state_is_refused_and_not_echoed() {
    // request.duplicate-params
    let server = server().await;
    let request = AuthRequest::app().add("state", "second");
    let outcome = server.browser().flow(&request, Decision::Approve).await;
    assert_eq!(outcome.params()["error"], "invalid_request");
    assert!(!outcome.params().contains_key("state"));
}

#[tokio::test]
async fn state_is_echoed_exactly_and_never_invented() {
    // state.exact-echo, request.param-hygiene (c), state.reflection-safe
    let server = server().await;
    for state in [
        "s".repeat(512),
        "a b+c/d?e=f&g#h".into(),
        "é".into(),
        "%2F".into(),
        r#"{"json": [1, 2]}"#.into(),
        "\"><script>alert(1)</script>".into(),
        "x\r\nSet-Cookie: x=1".into(),
    ] {
        let request = AuthRequest::app().set("state", &state);
        let outcome = server.browser().flow(&request, Decision::Approve).await;
        assert_eq!(outcome.params()["state"], state);
        let location = outcome.location().unwrap();
        assert!(
            !location.contains(['<', '"', ' ', '\r', '\n']),
            "{location}"
        );
    }
    for request in [
        AuthRequest::app().omit("state"),
        AuthRequest::app().set("state", ""),
    ] {
        let outcome = server.browser().flow(&request, Decision::Approve).await;
        assert!(!outcome.params().contains_key("state"));
        assert!(outcome.has_code());
    }
}

#[tokio::test]
async fn a_registered_query_is_kept_on_success() {
    // redirect.added-query (positive check)
    let mut config = Config::default();
    config.clients[0]
        .redirect_uris
        .push("https://client.example/cb?tenant=1".into());
    let server = start(config).await;
    let request = AuthRequest::app().set("redirect_uri", "https://client.example/cb?tenant=1");
    let outcome = server.browser().flow(&request, Decision::Approve).await;
    assert!(
        outcome
            .location()
            .unwrap()
            .starts_with("https://client.example/cb?tenant=1&code=")
    );
    assert_eq!(outcome.params()["tenant"], "1");
    let changed = AuthRequest::app().set("redirect_uri", "https://client.example/cb?tenant=2");
    assert_error_page(&server, &changed).await;
}

#[tokio::test]
async fn login_requires_the_right_password_and_the_browsers_csrf_value() {
    // authz.user-authentication-required, csrf.consent-form, headers.no-307
    let server = server().await;
    let browser = server.browser();
    let first = browser.authorize(&AuthRequest::app()).await;
    assert_eq!(first.status, 303);
    let login_page = browser.get(first.location().unwrap()).await;
    assert_eq!(login_page.status, 200);
    assert_eq!(login_page.header("x-frame-options"), Some("DENY"));
    let cookie = login_page.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let mut form = Form::scrape(&login_page.body).unwrap();
    for field in ["tx", "csrf", "username", "password"] {
        assert!(form.field(field).is_some(), "missing {field}");
    }
    form.set("username", "alice");

    form.set("password", "wrong");
    let wrong = browser.submit(&form, None).await;
    assert_eq!(wrong.status, 401);
    assert!(
        Form::scrape(&wrong.body)
            .unwrap()
            .field("password")
            .is_some()
    );

    form.set("password", ALICE_PASSWORD);
    let stranger = server.browser();
    assert_eq!(
        stranger.submit(&form, None).await.status,
        400,
        "csrf bound to the browser"
    );
    let mut forged = form.clone();
    forged.set("csrf", "forged");
    assert_eq!(browser.submit(&forged, None).await.status, 400);

    let ok = browser.submit(&form, None).await;
    assert_eq!(ok.status, 303);
    let session = ok.header("set-cookie").unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(ok.location().unwrap().contains("/consent?tx="));
}

#[tokio::test]
async fn consent_is_bound_to_session_csrf_and_used_once() {
    // csrf.consent-form, authz.access-denied, authz.user-authentication-required
    let server = server().await;
    let browser = server.browser();
    let request = AuthRequest::app();
    let form = browser.consent_form(&request).await;
    assert_eq!(form.buttons.len(), 2);

    // Never logged in: an orphan consent POST.
    let orphan = server.browser();
    assert_eq!(orphan.submit(&form, Some("approve")).await.status, 400);
    let mut forged = form.clone();
    forged.set("csrf", "forged");
    assert_eq!(browser.submit(&forged, Some("approve")).await.status, 400);
    let mut missing = form.clone();
    missing.fields.retain(|(name, _)| name != "csrf");
    assert_eq!(browser.submit(&missing, Some("approve")).await.status, 400);

    let denied = browser.submit(&form, Some("deny")).await;
    assert_eq!(denied.status, 303);
    let outcome = browser.follow(denied, &request, Decision::Deny).await;
    assert_eq!(outcome.params()["error"], "access_denied");
    assert_eq!(
        outcome.params().get("state").map(String::as_str),
        request.get("state")
    );
    assert_eq!(outcome.params()["iss"], server.issuer());
    // The captured approve form of the answered transaction yields nothing.
    assert_eq!(browser.submit(&form, Some("approve")).await.status, 400);
}

#[tokio::test]
async fn a_session_skips_login_but_never_consent() {
    // authz.public-client-reconsent, oidc.prompt-none, oidc.max-age-prompt-login
    let server = server().await;
    let browser = server.browser();
    assert!(
        browser
            .flow(&AuthRequest::app(), Decision::Approve)
            .await
            .has_code()
    );

    let again = browser.authorize(&AuthRequest::app()).await;
    assert!(again.location().unwrap().contains("/consent?tx="));
    let spa = AuthRequest::new("spa", SPA_CB, "openid");
    assert!(
        browser
            .authorize(&spa)
            .await
            .location()
            .unwrap()
            .contains("/consent?tx=")
    );

    let silent = AuthRequest::app().set("prompt", "none");
    let outcome = browser.flow(&silent, Decision::Approve).await;
    assert_eq!(outcome.params()["error"], "consent_required");

    for forced in [
        AuthRequest::app().set("prompt", "login"),
        AuthRequest::app().set("max_age", "0"),
    ] {
        if forced.get("max_age").is_some() {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
        let reply = browser.authorize(&forced).await;
        assert!(
            reply.location().unwrap().contains("/login?tx="),
            "{forced:?}"
        );
    }
}

#[tokio::test]
async fn post_to_the_authorization_endpoint_works_too() {
    // OIDC Core §3.1.2.1
    let server = server().await;
    let browser = server.browser();
    let request = AuthRequest::app();
    let url = server.url("/authorize");
    let reply: Reply = browser.post(&url, &request.params).await;
    assert_eq!(reply.status, 303);
    assert!(
        browser
            .follow(reply, &request, Decision::Approve)
            .await
            .has_code()
    );
}

#[tokio::test]
async fn an_unknown_transaction_is_an_error_page() {
    let server = server().await;
    let browser: Browser = server.browser();
    for path in [
        "/login?tx=nope",
        "/consent?tx=nope",
        "/login",
        "/consent?tx=a&tx=b",
    ] {
        let reply = browser.get(&server.url(path)).await;
        assert_eq!(reply.status, 400, "{path}");
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
    }
}
