//! The server side of the quirks this file covers: each one, switched on,
//! changes exactly the behaviour its description names (and the default
//! server does not show it). The harness side — that no check fails on a
//! quirk — is the quirk self-test in `tests/integration/quirks.rs`.

use super::client::{APP, APP2, AuthRequest, Decision, Form, Outcome, start};
use crate::server::{APP_SECRET, Config, Quirk};

fn with(quirk: Quirk) -> Config {
    let mut config = Config::default();
    config.quirks.insert(quirk);
    config
}

/// Whether a server with `config` shows `quirk`'s behaviour.
async fn shows(quirk: Quirk, config: Config) -> bool {
    let s = &start(config).await;
    match quirk {
        Quirk::NoErrorDescription => {
            let reply = s.token(&APP, &[("grant_type", "authorization_code")]).await;
            assert_eq!(reply.status, 400);
            let redirect = s
                .browser()
                .flow(&AuthRequest::app().set("scope", "nope"), Decision::Approve)
                .await;
            reply.json().get("error_description").is_none()
                && !redirect.params().contains_key("error_description")
        }
        Quirk::RefreshIntrospectionUnsupported => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            assert!(s.active(tokens["access_token"].as_str().unwrap()).await);
            !s.active(tokens["refresh_token"].as_str().unwrap()).await
        }
        Quirk::IntrospectionAudience => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let access = tokens["access_token"].as_str().unwrap();
            assert!(s.active(access).await);
            s.introspect(&APP2, access).await.json()["active"] == false
        }
        Quirk::RefreshScopeIgnored => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            let reply = s.refresh(&APP, refresh, Some("openid api.write")).await;
            reply.status == 200 && reply.json()["scope"] == tokens["scope"]
        }
        Quirk::PkceRequired => {
            let request = AuthRequest::app()
                .omit("code_challenge")
                .omit("code_challenge_method");
            let outcome = s.browser().flow(&request, Decision::Approve).await;
            outcome.params().get("error").map(String::as_str) == Some("invalid_request")
        }
        Quirk::ErrorPage200 => {
            let request = AuthRequest::app().set("redirect_uri", "https://attacker.example/cb");
            match s.browser().flow(&request, Decision::Approve).await {
                Outcome::Page(reply) => reply.status == 200,
                Outcome::Client { .. } => panic!("an untrusted redirect URI was used"),
            }
        }
        Quirk::EmptyStateEcho => {
            let request = AuthRequest::app().omit("state");
            let outcome = s.browser().flow(&request, Decision::Approve).await;
            outcome.params().get("state").map(String::as_str) == Some("")
        }
        Quirk::UnsupportedGrantForMissing => {
            let reply = s.token(&APP, &[("scope", "api.read")]).await;
            assert_eq!(reply.status, 400);
            reply.error() == "unsupported_grant_type"
        }
        Quirk::LoopbackAnyPort => {
            let mut config = s.handle.config().clone();
            config.clients[0].redirect_uris = vec!["http://localhost:8765/cb".into()];
            let s = start(config).await;
            let request = AuthRequest::app().set("redirect_uri", "http://localhost:9999/cb");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Quirk::NoRotationConfidential => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            let first = s.refresh(&APP, refresh, None).await;
            assert_eq!(first.status, 200);
            first.json().get("refresh_token").is_none()
                && s.refresh(&APP, refresh, None).await.status == 200
        }
        Quirk::BearerQueryToken => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let access = tokens["access_token"].as_str().unwrap();
            let query = format!("/api/me?access_token={access}");
            s.get(&query).await.status == 200
        }
        Quirk::RevokeForeignRefused => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            let reply = s.revoke(&APP2, refresh).await;
            assert_eq!(s.refresh(&APP, refresh, None).await.status, 200);
            reply.status == 400 && reply.error() == "unauthorized_client"
        }
        Quirk::IdTokenHs256 => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let id_token = tokens["id_token"].as_str().unwrap();
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
            validation.set_audience(&["app"]);
            let key = jsonwebtoken::DecodingKey::from_secret(APP_SECRET.as_bytes());
            jsonwebtoken::decode::<serde_json::Value>(id_token, &key, &validation).is_ok()
        }
        Quirk::NonceRequiresOpenid => {
            let request = AuthRequest::app()
                .set("scope", "api.read")
                .set("nonce", "n-0S6_WzA2Mj");
            let outcome = s.browser().flow(&request, Decision::Approve).await;
            outcome.params().get("error").map(String::as_str) == Some("invalid_request")
        }
        Quirk::ClientRedirect302 => {
            match s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
            {
                Outcome::Client { status, params, .. } => {
                    status == 302 && params.contains_key("code")
                }
                Outcome::Page(reply) => panic!("no code: {} {}", reply.status, reply.body),
            }
        }
        Quirk::UserAuthTime => {
            // Browser A logs in; two seconds later browser B logs the same
            // user in. A's `max_age=1` request then needs no new login
            // under the quirk (the user authenticated a moment ago, in B),
            // while the default server asks A to log in again.
            let a = s.browser();
            assert!(
                a.flow(&AuthRequest::app(), Decision::Approve)
                    .await
                    .has_code()
            );
            tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
            let b = s.browser();
            assert!(
                b.flow(&AuthRequest::app(), Decision::Approve)
                    .await
                    .has_code()
            );
            let reply = a.authorize(&AuthRequest::app().set("max_age", "1")).await;
            reply.location().is_some_and(|l| l.contains("/consent?tx="))
        }
        Quirk::IdentifierFirst => {
            let browser = s.browser();
            let reply = browser.authorize(&AuthRequest::app()).await;
            let login = browser
                .get(reply.location().expect("to the login page"))
                .await;
            let form = Form::scrape(&login.body).expect("a login form");
            let username_only = form.field("password").is_none();
            assert!(form.field("username").is_some(), "{}", login.body);
            // Either way a login ends with a code; under the quirk a wrong
            // password shows the password page again.
            let outcome = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await;
            assert!(outcome.has_code());
            if username_only {
                let mut form = form;
                form.set("username", "alice");
                let password_page = browser.submit(&form, None).await;
                assert_eq!(password_page.status, 200);
                let mut form = Form::scrape(&password_page.body).expect("the password form");
                assert_eq!(form.field("username"), Some("alice"));
                form.set("password", "wrong");
                let again = browser.submit(&form, None).await;
                assert_eq!(again.status, 401);
                let form = Form::scrape(&again.body).expect("the password form again");
                assert!(
                    form.field("password").is_some() && form.field("username") == Some("alice")
                );
            }
            username_only
        }
        // The consent-page quirks are tested with the pages, the session
        // rotation with the runner's shared session (tests/integration/schedule.rs);
        // opaque access tokens are the server's default, the quirk switches
        // off the embedded run's JWT access tokens (src/harness.rs).
        Quirk::RememberedConsent
        | Quirk::ConsentCheckbox
        | Quirk::JsDeny
        | Quirk::SessionRotation
        | Quirk::OpaqueAccessTokens => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_quirk_shows_only_when_switched_on() {
    let covered: Vec<Quirk> = Quirk::ALL
        .iter()
        .copied()
        .filter(|q| {
            !matches!(
                q,
                Quirk::RememberedConsent
                    | Quirk::ConsentCheckbox
                    | Quirk::JsDeny
                    | Quirk::SessionRotation
                    | Quirk::OpaqueAccessTokens
            )
        })
        .collect();
    let mut failures = Vec::new();
    for quirk in covered {
        if shows(quirk, Config::default()).await {
            failures.push(format!("{quirk}: the default server already shows it"));
        }
        if !shows(quirk, with(quirk)).await {
            failures.push(format!("{quirk}: switching it on changed nothing"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hs256_needs_a_secret() {
    let text = "clients:\n  - { id: spa, redirect_uris: [\"https://spa.example/cb\"], id_token_signed_response_alg: HS256 }\n";
    let error = Config::from_yaml_str(text).unwrap_err().to_string();
    assert!(error.contains("no secret"), "{error}");
    let text = "id_token_alg: HS256\n";
    let error = Config::from_yaml_str(text).unwrap_err().to_string();
    assert!(error.contains("per client"), "{error}");
}
