//! The consent quirks, driven by hand: `remembered-consent` (no page for a
//! scope already approved, unless `prompt=consent`; `prompt=none` then
//! succeeds), `consent-checkbox` (approval needs the confirmation box and
//! grants only ticked scopes) and `js-deny` (the deny control is a scripted
//! `type=button`; the decision it posts still denies).

use super::client::{APP, AuthRequest, Browser, Decision, Reply, TestServer, start};
use crate::server::{Config, Quirk};

async fn server(quirk: Quirk) -> TestServer {
    let mut config = Config::default();
    config.quirks.insert(quirk);
    start(config).await
}

/// Follows the server's own redirects from `reply`; stops at a page or at a
/// redirect that leaves the server (returned as its `Location`).
async fn walk(server: &TestServer, browser: &Browser, mut reply: Reply) -> Result<String, Reply> {
    for _ in 0..10 {
        match reply.location().map(str::to_string) {
            Some(location) if location.starts_with(server.issuer()) => {
                reply = browser.get(&location).await;
            }
            Some(location) => return Ok(location),
            None => return Err(reply),
        }
    }
    panic!("too many redirects")
}

#[tokio::test]
async fn remembered_consent_skips_the_page_unless_prompt_consent() {
    let server = server(Quirk::RememberedConsent).await;
    let browser = server.browser();
    let app = AuthRequest::app();
    assert!(browser.flow(&app, Decision::Approve).await.has_code());

    // The same scope again: a code without a consent page.
    let reply = browser.authorize(&AuthRequest::app()).await;
    let location = walk(&server, &browser, reply).await.expect("no page");
    assert!(location.contains("code="), "{location}");

    // prompt=consent asks again; so does a wider scope.
    for request in [
        AuthRequest::app().set("prompt", "consent"),
        AuthRequest::app().set("scope", "openid api.write"),
    ] {
        let reply = browser.authorize(&request).await;
        let page = walk(&server, &browser, reply).await.expect_err("a page");
        assert!(page.body.contains("Allow access?"), "{}", page.body);
    }

    // prompt=none succeeds for a remembered scope, and only with a session.
    let silent = AuthRequest::app().set("prompt", "none");
    let reply = browser.authorize(&silent).await;
    let location = walk(&server, &browser, reply).await.expect("no page");
    assert!(location.contains("code="), "{location}");
    let reply = server.browser().authorize(&silent).await;
    let location = walk(&server, &server.browser(), reply)
        .await
        .expect("an error redirect");
    assert!(location.contains("error=login_required"), "{location}");

    // Another client is asked afresh, and can be denied.
    let other = server.browser();
    let request = AuthRequest::new("app2", super::client::APP2_CB, "openid api.read");
    let outcome = other.flow(&request, Decision::Deny).await;
    assert_eq!(outcome.params()["error"], "access_denied");
}

/// A client registered at run time is a client like the configured ones:
/// its approvals are remembered too (the consent endpoint looks clients up
/// in the registry as well as in the configuration).
#[tokio::test]
async fn remembered_consent_covers_registered_clients() {
    let server = server(Quirk::RememberedConsent).await;
    let metadata = serde_json::json!({ "redirect_uris": ["https://dyn.example/cb"] });
    let reply = server
        .post_raw(
            "/register",
            "application/json",
            metadata.to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.json()["client_id"]
        .as_str()
        .expect("client_id")
        .to_string();
    let request = || AuthRequest::new(&id, "https://dyn.example/cb", "openid");
    let browser = server.browser();
    assert!(browser.flow(&request(), Decision::Approve).await.has_code());
    let reply = browser.authorize(&request()).await;
    let location = walk(&server, &browser, reply).await.expect("no page");
    assert!(location.contains("code="), "{location}");
}

#[tokio::test]
async fn consent_checkbox_needs_the_confirmation_and_grants_ticked_scopes() {
    let server = server(Quirk::ConsentCheckbox).await;
    let browser = server.browser();
    let request = AuthRequest::app();
    let form = browser.consent_form(&request).await;
    let boxes: Vec<(&str, &str)> = form
        .fields
        .iter()
        .filter(|(n, _)| n == "scope" || n == "confirm")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        boxes,
        [
            ("scope", "openid"),
            ("scope", "profile"),
            ("scope", "email"),
            ("scope", "api.read"),
            ("confirm", "yes")
        ]
    );
    let hidden: Vec<(String, String)> = ["tx", "csrf"]
        .iter()
        .map(|n| (n.to_string(), form.field(n).expect(n).to_string()))
        .collect();
    let with = |extra: &[(&str, &str)]| {
        let mut fields = hidden.clone();
        fields.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        fields
    };

    // Unticked confirmation: the page again, no code, the request still open.
    let reply = browser
        .post(
            &form.action,
            &with(&[("scope", "openid"), ("decision", "approve")]),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.location().is_none());
    assert!(reply.body.contains("Tick the box"), "{}", reply.body);

    // Ticked, with two of the four scopes: a code for exactly those.
    let reply = browser
        .post(
            &form.action,
            &with(&[
                ("scope", "openid"),
                ("scope", "api.read"),
                ("confirm", "yes"),
                ("decision", "approve"),
            ]),
        )
        .await;
    let location = walk(&server, &browser, reply).await.expect("a redirect");
    let code = url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(n, _)| n == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let granted = super::client::Granted {
        code,
        redirect_uri: request.get("redirect_uri").unwrap_or_default().to_string(),
        verifier: request.verifier.clone(),
    };
    let tokens = server.redeem(&APP, &granted).await.json();
    assert_eq!(tokens["scope"], "openid api.read", "{tokens}");

    // Denial needs no box.
    let outcome = server
        .browser()
        .flow(&AuthRequest::app(), Decision::Deny)
        .await;
    assert_eq!(outcome.params()["error"], "access_denied");
}

#[tokio::test]
async fn js_deny_offers_only_a_scripted_deny_button() {
    let server = server(Quirk::JsDeny).await;
    let browser = server.browser();
    let form = browser.consent_form(&AuthRequest::app()).await;
    // The only submit button approves; the deny button has no value to send.
    assert_eq!(
        form.buttons,
        [("decision".to_string(), "approve".to_string())]
    );
    let page = {
        let reply = browser.authorize(&AuthRequest::app()).await;
        walk(&server, &browser, reply).await.expect_err("a page")
    };
    assert!(
        page.body
            .contains(r#"<button type="button" id="deny" onclick="#)
    );
    let csp = page.header("content-security-policy").expect("csp");
    assert!(csp.contains("script-src 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    // What the script posts still denies.
    let mut fields = form.fields.clone();
    fields.push(("decision".to_string(), "deny".to_string()));
    let reply = browser.post(&form.action, &fields).await;
    let location = walk(&server, &browser, reply).await.expect("a redirect");
    assert!(location.contains("error=access_denied"), "{location}");
}
