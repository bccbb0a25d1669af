//! `browse` against small in-test authorization servers: a plain
//! login-then-consent flow, an oidc-provider look-alike (uids changing
//! between steps, path-scoped cookies, absolute form actions, "Continue"-only
//! consent, deny via an abort link), a two-step login, and servers that end
//! the walk in every other way (error pages, meta refresh, form_post, odd
//! `Location`s, loops), plus the external login command.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::agent::testutil::{CLIENT, agent, agent_with, alice, config, serve, stop_at};
use crate::agent::{
    AgentError, BrowseResult, Consent, LoginConfig, Navigation, NavigationKind, PageKind, StopRule,
};
use crate::redact::MASK;

type Form = axum::Form<HashMap<String, String>>;

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

fn host(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok());
    host.unwrap_or("127.0.0.1").to_string()
}

/// A redirect with the given status and extra headers.
fn redirect(status: u16, location: &str, cookies: &[&str]) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SEE_OTHER);
    let mut response = (status, [("location", location.to_string())]).into_response();
    for c in cookies {
        if let Ok(value) = c.parse() {
            response.headers_mut().append("set-cookie", value);
        }
    }
    response
}

fn page(status: u16, title: &str, body: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let html = format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"
    );
    (status, [("x-frame-options", "DENY")], Html(html)).into_response()
}

fn field<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

fn params(result: &BrowseResult) -> Vec<(&str, &str)> {
    match &result.navigation {
        Navigation::ToClient { params, .. } => params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect(),
        Navigation::Stayed { .. } => Vec::new(),
    }
}

fn via(result: &BrowseResult) -> Option<NavigationKind> {
    match &result.navigation {
        Navigation::ToClient { via, .. } => Some(*via),
        Navigation::Stayed { .. } => None,
    }
}

fn kinds(result: &BrowseResult) -> Vec<PageKind> {
    result.pages.iter().map(|p| p.kind).collect()
}

// --- a plain AS: relative 303s, a session cookie, CSRF, Allow/Deny buttons ---

/// With a slow session-timeout refresh to the client, which must not win
/// over the form.
const LOGIN_FORM: &str = r#"<meta http-equiv="refresh" content="300;url=http://127.0.0.1:9/cb?error=login_timeout">
  <form method="post" action="">
  <input type="hidden" name="csrf" value="tok&amp;1">
  <input type="text" name="username"><input type="password" name="password">
  <input type="submit" value="Log in"></form>"#;

fn plain_as() -> Router {
    Router::new()
        .route(
            "/authorize",
            get(|| async { redirect(303, "login?from=authorize", &["sid=s1; Path=/; HttpOnly"]) }),
        )
        .route(
            "/login",
            get(|headers: HeaderMap| async move {
                match cookie(&headers, "sid").as_deref() {
                    Some("s1") => page(200, "Log in", LOGIN_FORM),
                    _ => page(400, "No session", "<p>no session</p>"),
                }
            })
            .post(|Query(q): Query<HashMap<String, String>>, form: Form| async move {
                let ok = field(&form, "csrf") == "tok&1"
                    && field(&form, "username") == "alice"
                    && field(&form, "password") == "alice-password"
                    && q.get("from").map(String::as_str) == Some("authorize");
                if ok {
                    redirect(303, "consent", &[])
                } else {
                    page(200, "Log in", &format!("<p>Invalid login</p>{LOGIN_FORM}"))
                }
            }),
        )
        .route(
            "/consent",
            get(|| async {
                page(
                    200,
                    "Authorize app",
                    r#"<form method="post" action="/consent"><input type="hidden" name="tx" value="t1">
                       <button name="decision" value="deny">Deny</button>
                       <button name="decision" value="allow">Allow</button></form>"#,
                )
            })
            .post(|form: Form| async move {
                match (field(&form, "tx"), field(&form, "decision")) {
                    ("t1", "allow") => redirect(
                        303,
                        &format!("{CLIENT}?code=SplxlOBeZQQYbYS6WxSbIA&state=af0i%20x"),
                        &[],
                    ),
                    ("t1", "deny") => redirect(303, &format!("{CLIENT}?error=access_denied&state=af0i%20x"), &[]),
                    _ => page(400, "Bad consent", ""),
                }
            }),
        )
}

#[tokio::test]
async fn login_then_consent_with_relative_303s() {
    let base = serve(plain_as()).await;
    let agent = agent();
    let result = agent
        .browse(
            &format!("{base}/authorize?client_id=app"),
            &alice(),
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect("the flow reaches the client");
    assert_eq!(via(&result), Some(NavigationKind::Location));
    assert_eq!(
        params(&result),
        [("code", "SplxlOBeZQQYbYS6WxSbIA"), ("state", "af0i x")]
    );
    assert_eq!(result.navigation.param("state"), Some("af0i x"));
    assert!(result.logged_in);
    assert!(result.consent_shown);
    assert_eq!(kinds(&result), [PageKind::Login, PageKind::Consent]);
    assert!(
        result.pages[0]
            .headers
            .contains(&("x-frame-options".to_string(), "DENY".to_string()))
    );

    let transcript = agent.transcript();
    let requests: Vec<String> = transcript
        .iter()
        .map(|e| format!("{} {}", e.method, e.url.trim_start_matches(&base)))
        .collect();
    assert_eq!(
        requests,
        [
            "GET /authorize?client_id=app",
            "GET /login?from=authorize",
            "POST /login?from=authorize",
            "GET /consent",
            "POST /consent",
        ]
    );
    assert_eq!(
        transcript[2].request_body.as_deref(),
        Some(format!("csrf=tok%261&username=alice&password={MASK}").as_str())
    );
    let all = serde_json::to_string(&transcript).expect("json");
    assert!(
        !all.contains("alice-password") && !all.contains("SplxlOBeZQQYbYS6WxSbIA"),
        "{all}"
    );
}

#[tokio::test]
async fn deny_presses_the_deny_button() {
    let base = serve(plain_as()).await;
    let result = agent()
        .browse(
            &format!("{base}/authorize"),
            &alice(),
            Consent::Deny,
            &stop_at(&base),
        )
        .await
        .expect("the flow reaches the client");
    assert_eq!(
        params(&result),
        [("error", "access_denied"), ("state", "af0i x")]
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_login_failure() {
    let base = serve(plain_as()).await;
    let login = LoginConfig {
        password: "wrong-password".into(),
        ..alice()
    };
    let err = agent()
        .browse(
            &format!("{base}/authorize"),
            &login,
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect_err("the login form comes back");
    let AgentError::LoginFailed { url, reason } = &err else {
        panic!("expected a login failure, got {err:?}");
    };
    assert_eq!(url, &format!("{base}/login?from=authorize"));
    assert_eq!(
        reason,
        "the login form was shown again after submitting the password"
    );
}

/// (That configured selectors win over the guesses is shown in
/// `consent_tests::configured_selectors_override_the_guesses`.)
#[tokio::test]
async fn an_invalid_selector_is_a_consent_failure() {
    let base = serve(plain_as()).await;
    let bad = LoginConfig {
        deny: Some("button[".to_string()),
        ..alice()
    };
    let err = agent()
        .browse(
            &format!("{base}/authorize"),
            &bad,
            Consent::Deny,
            &stop_at(&base),
        )
        .await
        .expect_err("bad selector");
    assert!(matches!(err, AgentError::ConsentFailed { .. }), "{err:?}");
    assert!(
        err.to_string().contains("invalid CSS selector `button[`"),
        "{err}"
    );
}

// --- an oidc-provider look-alike (see its devInteractions pages) ---

const STATE: &str = "st-42";

fn oidc_like_as() -> Router {
    Router::new()
        .route(
            "/auth",
            get(|headers: HeaderMap| async move {
                if cookie(&headers, "_session").as_deref() == Some("sess1") {
                    return redirect(303, "/interaction/uid2", &interaction_cookies("uid2"));
                }
                redirect(303, "/interaction/uid1", &interaction_cookies("uid1"))
            }),
        )
        .route(
            "/interaction/{uid}",
            get(|Path(uid): Path<String>, headers: HeaderMap| async move {
                let bound = cookie(&headers, "_interaction") == Some(format!("i-{uid}"));
                let leaked = cookie(&headers, "_interaction_resume").is_some();
                if !bound || leaked {
                    return page(400, "oops! something went wrong", "<p>interaction session not found</p>");
                }
                let host = host(&headers);
                let abort = format!(r#"<a href="http://{host}/interaction/{uid}/abort">[ Cancel ]</a>"#);
                let form = match uid.as_str() {
                    "uid1" => format!(
                        r#"<form autocomplete="off" action="http://{host}/interaction/uid1" method="post">
                           <input type="hidden" name="prompt" value="login"/>
                           <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
                           <input required type="password" name="password" placeholder="and password" >
                           <button type="submit" class="login login-submit">Sign-in</button></form>"#
                    ),
                    _ => format!(
                        r#"<ul><li>scopes:</li><ul><li>email</li></ul></ul>
                           <form autocomplete="off" action="http://{host}/interaction/{uid}" method="post">
                           <input type="hidden" name="prompt" value="consent"/>
                           <button autofocus type="submit" class="login login-submit">Continue</button></form>"#
                    ),
                };
                page(200, "Sign-in", &format!("{form}{abort}"))
            })
            .post(|Path(uid): Path<String>, headers: HeaderMap, form: Form| async move {
                let host = host(&headers);
                match (uid.as_str(), field(&form, "prompt")) {
                    ("uid1", "login") => {
                        if field(&form, "login") == "alice" && field(&form, "password") == "alice-password" {
                            redirect(303, &format!("http://{host}/auth/uid1"), &[])
                        } else {
                            page(401, "Error", "<p>Invalid username or password</p>")
                        }
                    }
                    (_, "consent") => redirect(303, &format!("/auth/{uid}"), &[]),
                    _ => page(400, "Error", "<p>unexpected prompt</p>"),
                }
            }),
        )
        .route(
            "/auth/{uid}",
            get(|Path(uid): Path<String>, headers: HeaderMap| async move {
                if cookie(&headers, "_interaction_resume") != Some(format!("r-{uid}")) {
                    return page(400, "Error", "<p>resume session not found</p>");
                }
                let host = host(&headers);
                if uid == "uid1" {
                    let mut cookies = interaction_cookies("uid2");
                    cookies.push("_session=sess1; path=/; httponly");
                    return redirect(303, "/interaction/uid2", &cookies);
                }
                redirect(
                    303,
                    &format!("{CLIENT}?code=oidc-code-0123456789&state={STATE}&iss=http%3A%2F%2F{host}"),
                    &[],
                )
            }),
        )
        .route(
            "/interaction/{uid}/abort",
            get(|headers: HeaderMap| async move {
                let host = host(&headers);
                redirect(
                    303,
                    &format!(
                        "{CLIENT}?error=access_denied&error_description=End-User%20aborted%20interaction&state={STATE}&iss=http%3A%2F%2F{host}"
                    ),
                    &[],
                )
            }),
        )
}

fn interaction_cookies(uid: &str) -> Vec<&'static str> {
    match uid {
        "uid1" => vec![
            "_interaction=i-uid1; path=/interaction/uid1; httponly",
            "_interaction_resume=r-uid1; path=/auth/uid1; httponly",
        ],
        _ => vec![
            "_interaction=i-uid2; path=/interaction/uid2; httponly",
            "_interaction_resume=r-uid2; path=/auth/uid2; httponly",
        ],
    }
}

fn authorize_url(base: &str) -> String {
    format!(
        "{base}/auth?response_type=code&client_id=harness-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid%20email&state={STATE}&prompt=consent"
    )
}

#[tokio::test]
async fn oidc_provider_like_flow_approve() {
    let base = serve(oidc_like_as()).await;
    let agent = agent();
    let result = agent
        .browse(
            &authorize_url(&base),
            &alice(),
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect("the flow reaches the client");
    let Navigation::ToClient { url, via, params } = &result.navigation else {
        panic!(
            "expected a navigation to the client: {:?}",
            result.navigation
        );
    };
    assert_eq!(*via, NavigationKind::Location);
    assert!(url.starts_with(CLIENT));
    let iss = base.clone();
    assert_eq!(
        params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [
            ("code", "oidc-code-0123456789"),
            ("state", STATE),
            ("iss", iss.as_str())
        ]
    );
    assert_eq!(kinds(&result), [PageKind::Login, PageKind::Consent]);
    assert!(result.logged_in && result.consent_shown);
    // Path-scoped cookies went only where they belong.
    assert_eq!(
        agent.cookie_names(&format!("{base}/interaction/uid2")),
        ["_interaction", "_session"]
    );
    assert_eq!(agent.cookie_names(&format!("{base}/other")), ["_session"]);

    // The session is reused: no login the second time, in a forked session too.
    let again = agent
        .fork_session()
        .browse(
            &authorize_url(&base),
            &alice(),
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect("second authorization");
    assert!(!again.logged_in);
    assert_eq!(kinds(&again), [PageKind::Consent]);
    assert_eq!(again.navigation.param("code"), Some("oidc-code-0123456789"));
}

#[tokio::test]
async fn oidc_provider_like_flow_deny_follows_the_abort_link() {
    let base = serve(oidc_like_as()).await;
    let result = agent()
        .browse(
            &authorize_url(&base),
            &alice(),
            Consent::Deny,
            &stop_at(&base),
        )
        .await
        .expect("the flow reaches the client");
    assert_eq!(via(&result), Some(NavigationKind::Location));
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    assert_eq!(
        result.navigation.param("error_description"),
        Some("End-User aborted interaction")
    );
    assert!(result.consent_shown);
}

#[tokio::test]
async fn oidc_provider_like_wrong_password_is_a_login_failure() {
    let base = serve(oidc_like_as()).await;
    let login = LoginConfig {
        password: "nope-nope".into(),
        ..alice()
    };
    let err = agent()
        .browse(
            &authorize_url(&base),
            &login,
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect_err("401 after the password");
    let AgentError::LoginFailed { url, reason } = &err else {
        panic!("expected a login failure, got {err:?}");
    };
    assert_eq!(url, &format!("{base}/interaction/uid1"));
    assert_eq!(
        reason,
        "the server answered `401` to the password submission: Error — Invalid username or password"
    );
}

// --- a two-step login: username first, then password ---

fn two_step_as() -> Router {
    Router::new()
        .route("/start", get(|| async { redirect(302, "/id", &[]) }))
        .route(
            "/id",
            get(|| async {
                page(
                    200,
                    "Sign in",
                    r#"<form method="post" action="/id"><input type="hidden" name="flow" value="f1">
                       <input type="email" name="identifier"><button>Next</button></form>"#,
                )
            })
            .post(|form: Form| async move {
                if field(&form, "identifier") == "alice" && field(&form, "flow") == "f1" {
                    redirect(303, "/pw?flow=f1", &[])
                } else {
                    page(400, "Unknown user", "")
                }
            }),
        )
        .route(
            "/pw",
            get(|| async {
                page(
                    200,
                    "Password",
                    r#"<form method="post"><input type="hidden" name="flow" value="f1">
                       <input type="hidden" name="identifier" value="alice">
                       <input type="password" name="secret"><button>Sign in</button></form>"#,
                )
            })
            .post(|form: Form| async move {
                let ok = field(&form, "secret") == "alice-password"
                    && field(&form, "identifier") == "alice"
                    && form.len() == 3;
                if ok {
                    redirect(
                        303,
                        &format!("{CLIENT}?code=two-step-code-1234&state=s"),
                        &[],
                    )
                } else {
                    redirect(303, "/id", &[])
                }
            }),
        )
}

#[tokio::test]
async fn two_step_login() {
    let base = serve(two_step_as()).await;
    let result = agent()
        .browse(
            &format!("{base}/start"),
            &alice(),
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect("the flow reaches the client");
    assert_eq!(result.navigation.param("code"), Some("two-step-code-1234"));
    assert_eq!(kinds(&result), [PageKind::Login, PageKind::Login]);
    assert!(result.logged_in);
    assert!(!result.consent_shown);

    let login = LoginConfig {
        password: "wrong-password".into(),
        ..alice()
    };
    let err = agent()
        .browse(
            &format!("{base}/start"),
            &login,
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect_err("back to the username step");
    assert!(
        err.to_string()
            .contains("the login form was shown again after submitting the password"),
        "{err}"
    );
}

// --- every other way a walk ends ---

const FORM_POST: &str = r#"<form method="post" action="http://127.0.0.1:9/cb">
  <input type="hidden" name="code" value="fp-code-0123456789"><input type="hidden" name="state" value="s 1">
  <noscript><button>Continue</button></noscript></form>"#;

fn misc_as() -> Router {
    Router::new()
        .route("/error", get(|| async { page(400, "Invalid request", "<h1>invalid_request</h1><p>bad redirect_uri</p>") }))
        .route("/plain", get(|| async { (StatusCode::OK, "just text") }))
        .route("/nothing", get(|| async { page(200, "Welcome", "<p>Hello <a href='/x'>there</a></p>") }))
        .route("/loop", get(|| async { redirect(302, "/loop", &[]) }))
        .route("/js", get(|| async { redirect(302, "javascript:alert(document.cookie)", &[]) }))
        .route("/custom", get(|| async { redirect(303, "com.example.app:/oauth2redirect?code=custom-code-1234&state=s", &[]) }))
        .route(
            "/fragment",
            get(|| async { redirect(302, &format!("{CLIENT}#access_token=at-0123456789&token_type=Bearer&state=s"), &[]) }),
        )
        .route(
            "/both",
            get(|| async { redirect(302, &format!("{CLIENT}?x=1#code=frag-code-123456&state=s"), &[]) }),
        )
        .route(
            "/encoded",
            get(|| async { redirect(302, "http://attacker.example/cb?code=a%2Bb+c&state=s%26t&empty=", &[]) }),
        )
        .route("/to-own-cb", get(|| async { redirect(302, "/cb?code=own-code-123456", &[]) }))
        .route("/cb", get(|| async { page(500, "must not be requested", "") }))
        .route(
            "/meta",
            get(|| async {
                page(
                    200,
                    "Redirecting",
                    &format!(r#"<meta http-equiv="refresh" content="0;url={CLIENT}?code=meta-code-1234&amp;state=s">"#),
                )
            }),
        )
        .route(
            "/interstitial",
            get(|| async { page(200, "Wait", r#"<meta http-equiv="refresh" content="1; url=/meta">"#) }),
        )
        .route(
            "/form-post",
            get(|| async {
                page(200, "Submit This Form", &format!(r#"{FORM_POST}<script>document.forms[0].submit()</script>"#))
            }),
        )
        .route(
            "/repost",
            get(|| async {
                page(
                    200,
                    "Continue",
                    r#"<body onload="document.forms[0].submit()"><form method="post" action="/post307">
                       <input type="hidden" name="a" value="1"><input type="hidden" name="a" value="2"></form>"#,
                )
            }),
        )
        .route("/post307", axum::routing::post(|| async { redirect(307, "/landing", &[]) }))
        .route(
            "/landing",
            axum::routing::post(|body: String| async move { ([("content-type", "text/plain")], body) }),
        )
        .route(
            "/consent-no-deny",
            get(|| async { page(200, "Consent", r#"<form method="post"><button name="ok" value="1">Allow</button></form>"#) }),
        )
        .route(
            "/consent-deny-link",
            get(|| async {
                page(
                    200,
                    "Consent",
                    &format!(
                        r#"<form method="post"><button>Authorize</button></form>
                           <a href="{CLIENT}?error=access_denied&amp;state=s">No, thanks</a>"#
                    ),
                )
            }),
        )
}

async fn walk(path: &str, consent: Consent) -> (String, Result<BrowseResult, AgentError>) {
    let base = serve(misc_as()).await;
    let mut stop = stop_at(&base);
    stop.client_uris.push(format!("{base}/cb"));
    let result = agent()
        .browse(&format!("{base}{path}"), &alice(), consent, &stop)
        .await;
    (base, result)
}

#[tokio::test]
async fn an_error_page_stays() {
    let (base, result) = walk("/error", Consent::Approve).await;
    let result = result.expect("an error page is a result");
    let Navigation::Stayed { status, url, title } = &result.navigation else {
        panic!("expected to stay: {:?}", result.navigation);
    };
    assert_eq!(
        (*status, url.as_str(), title.as_deref()),
        (
            400,
            format!("{base}/error").as_str(),
            Some("Invalid request")
        )
    );
    assert_eq!(kinds(&result), [PageKind::Other]);

    for path in ["/plain", "/nothing"] {
        let (_, result) = walk(path, Consent::Approve).await;
        let result = result.expect("a page is a result");
        assert!(
            matches!(result.navigation, Navigation::Stayed { status: 200, .. }),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_redirect_loop_is_too_many_hops() {
    let (_, result) = walk("/loop", Consent::Approve).await;
    let err = result.expect_err("loops end");
    assert!(
        matches!(err, AgentError::TooManyHops { max: 12, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn locations_outside_the_as_are_reported_not_requested() {
    /// Path on the AS, the `Location` it sends, the parameters expected.
    type Case = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );
    let cases: [Case; 6] = [
        ("/js", "javascript:alert(document.cookie)", &[]),
        (
            "/custom",
            "com.example.app:/oauth2redirect?code=custom-code-1234&state=s",
            &[("code", "custom-code-1234"), ("state", "s")],
        ),
        (
            "/fragment",
            "http://127.0.0.1:9/cb#access_token=at-0123456789&token_type=Bearer&state=s",
            &[
                ("access_token", "at-0123456789"),
                ("token_type", "Bearer"),
                ("state", "s"),
            ],
        ),
        (
            "/both",
            "http://127.0.0.1:9/cb?x=1#code=frag-code-123456&state=s",
            &[("x", "1"), ("code", "frag-code-123456"), ("state", "s")],
        ),
        (
            "/encoded",
            "http://attacker.example/cb?code=a%2Bb+c&state=s%26t&empty=",
            &[("code", "a+b c"), ("state", "s&t"), ("empty", "")],
        ),
        (
            "/to-own-cb",
            "/cb?code=own-code-123456",
            &[("code", "own-code-123456")],
        ),
    ];
    for (path, location, expected) in cases {
        let (base, result) = walk(path, Consent::Approve).await;
        let result = result.expect("a navigation to the client");
        let Navigation::ToClient { url, via, params } = &result.navigation else {
            panic!(
                "{path}: expected a navigation to the client: {:?}",
                result.navigation
            );
        };
        let location = if location.starts_with('/') {
            format!("{base}{location}")
        } else {
            location.to_string()
        };
        assert_eq!(url, &location, "{path}");
        assert_eq!(*via, NavigationKind::Location);
        let got: Vec<(&str, &str)> = params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, expected, "{path}");
    }
}

#[tokio::test]
async fn meta_refresh_to_the_client() {
    for path in ["/meta", "/interstitial"] {
        let (_, result) = walk(path, Consent::Approve).await;
        let result = result.expect("a navigation to the client");
        assert_eq!(via(&result), Some(NavigationKind::MetaRefresh), "{path}");
        assert_eq!(
            params(&result),
            [("code", "meta-code-1234"), ("state", "s")]
        );
    }
}

#[tokio::test]
async fn auto_submitting_form_post() {
    let (_, result) = walk("/form-post", Consent::Approve).await;
    let result = result.expect("a navigation to the client");
    let Navigation::ToClient { url, via, params } = &result.navigation else {
        panic!(
            "expected a navigation to the client: {:?}",
            result.navigation
        );
    };
    assert_eq!(
        (url.as_str(), *via),
        ("http://127.0.0.1:9/cb", NavigationKind::AutoSubmitForm)
    );
    assert_eq!(
        params,
        &[
            ("code".to_string(), "fp-code-0123456789".to_string()),
            ("state".to_string(), "s 1".to_string())
        ]
    );
}

#[tokio::test]
async fn a_307_after_a_post_posts_again() {
    let base = serve(misc_as()).await;
    let agent = agent();
    let result = agent
        .browse(
            &format!("{base}/repost"),
            &alice(),
            Consent::Approve,
            &stop_at(&base),
        )
        .await
        .expect("ends on the landing page");
    assert!(matches!(
        result.navigation,
        Navigation::Stayed { status: 200, .. }
    ));
    let transcript = agent.transcript();
    let last = transcript.last().expect("exchanges");
    assert_eq!(last.method, "POST");
    assert!(last.url.ends_with("/landing"));
    assert_eq!(last.request_body.as_deref(), Some("a=1&a=2"));
    assert_eq!(last.response_body.as_deref(), Some("a=1&a=2"));
}

#[tokio::test]
async fn consent_without_a_way_to_deny_fails() {
    let (_, result) = walk("/consent-no-deny", Consent::Deny).await;
    let err = result.expect_err("no deny control");
    assert!(matches!(err, AgentError::ConsentFailed { .. }), "{err:?}");

    let (_, result) = walk("/consent-deny-link", Consent::Deny).await;
    let result = result.expect("the deny link leads to the client");
    assert_eq!(via(&result), Some(NavigationKind::Link));
    assert_eq!(
        params(&result),
        [("error", "access_denied"), ("state", "s")]
    );
}

#[tokio::test]
async fn without_as_origins_the_start_origin_is_the_as() {
    let base = serve(plain_as()).await;
    let stop = StopRule {
        as_origins: Vec::new(),
        client_uris: Vec::new(),
    };
    let result = agent()
        .browse(
            &format!("{base}/authorize"),
            &alice(),
            Consent::Approve,
            &stop,
        )
        .await
        .expect("the flow reaches the client");
    assert_eq!(
        result.navigation.param("code"),
        Some("SplxlOBeZQQYbYS6WxSbIA")
    );
}

// --- the external login command ---

/// Writes a shell script to a fresh temp dir; returns its path.
fn script(name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("oauthcheck-agent-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("login.sh");
    std::fs::write(&path, body).expect("write script");
    path.to_string_lossy().into_owned()
}

fn command(args: &[&str]) -> LoginConfig {
    LoginConfig {
        command: Some(args.iter().map(|a| a.to_string()).collect()),
        ..alice()
    }
}

#[tokio::test]
async fn the_login_command_prints_the_redirect() {
    let path = script(
        "ok",
        "[ \"$1\" = --flag ] || exit 3\n\
         [ \"$2\" = 'http://127.0.0.1:1/authorize?a=1&b=2' ] || exit 4\n\
         [ \"$OAUTHCHECK_PASSWORD\" = alice-password ] || exit 5\n\
         echo 'launching browser'\n\
         echo \"http://127.0.0.1:9/cb?code=cmd-code-123456&state=$OAUTHCHECK_CONSENT\"\n\
         echo '   '\n",
    );
    let agent = agent();
    let result = agent
        .browse(
            "http://127.0.0.1:1/authorize?a=1&b=2",
            &command(&["sh", &path, "--flag"]),
            Consent::Deny,
            &StopRule::default(),
        )
        .await
        .expect("the command succeeds");
    assert_eq!(via(&result), Some(NavigationKind::Command));
    assert_eq!(
        params(&result),
        [("code", "cmd-code-123456"), ("state", "deny")]
    );
    assert!(agent.transcript().is_empty());
    assert_eq!(agent.redactor().text("cmd-code-123456"), MASK);
}

#[tokio::test]
async fn login_command_failures_are_command_errors() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["sh", "-c", "echo 'no such user alice-password' >&2; exit 2"],
            "exited with exit status: 2: no such user [redacted]",
        ),
        (&["sh", "-c", "true"], "printed no URL on stdout"),
        (&["sh", "-c", "sleep 5"], "did not finish within 400ms"),
        (
            &["/nonexistent/login-helper"],
            "could not start `/nonexistent/login-helper`",
        ),
    ];
    let agent = agent_with(config(100));
    for (args, expected) in cases {
        let err = agent
            .browse(
                "http://127.0.0.1:1/authorize",
                &command(args),
                Consent::Approve,
                &StopRule::default(),
            )
            .await
            .expect_err("the command fails");
        let AgentError::Command { reason } = &err else {
            panic!("expected a command error, got {err:?}");
        };
        assert!(reason.contains(expected), "{reason}");
    }
    let err = agent
        .browse(
            "http://127.0.0.1:1/authorize",
            &command(&[]),
            Consent::Approve,
            &StopRule::default(),
        )
        .await
        .expect_err("empty command");
    assert!(
        err.to_string().contains("the login command is empty"),
        "{err}"
    );
}
