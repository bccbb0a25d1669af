//! Correct-by-default rules of the token, revocation, introspection and
//! Bearer-protected endpoints, and of the metadata. Each test begins with the
//! catalogue requirement it pins.

use serde_json::json;

use super::client::{
    APP, APP_CB, APP2, Auth, AuthRequest, Decision, Granted, SPA, SPA_CB, TestServer, http, send,
    start,
};
use crate::server::{APP_SECRET, APP2_SECRET, Config};

async fn server() -> TestServer {
    start(Config::default()).await
}

async fn granted(server: &TestServer) -> Granted {
    server
        .browser()
        .flow(&AuthRequest::app(), Decision::Approve)
        .await
        .granted()
}

/// A token-endpoint error with the RFC 6749 §5.2 shape.
fn assert_token_error(reply: &super::client::Reply, status: u16, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.error(), error, "{}", reply.body);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    let description = reply.json()["error_description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        description
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\')
    );
}

#[tokio::test]
async fn token_endpoint_refuses_bad_requests_with_rfc_errors() {
    // token.post-body-only, error.grant-type, grant.password-disabled,
    // grant.client-credentials, request.duplicate-params, error.format
    let server = server().await;
    let get = server.get("/token?grant_type=client_credentials").await;
    assert_eq!(get.status, 405);
    let in_query = server
        .post_form(
            "/token?grant_type=client_credentials&client_secret=x",
            &APP,
            &[],
        )
        .await;
    assert_token_error(&in_query, 400, "invalid_request");
    /// Client, form parameters, expected status and error.
    type Case<'a> = (&'a Auth<'a>, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: [Case; 7] = [
        (&APP, vec![], 400, "invalid_request"),
        (
            &APP,
            vec![("grant_type", "urn:example:unknown")],
            400,
            "unsupported_grant_type",
        ),
        (
            &APP,
            vec![
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "x"),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            &SPA,
            vec![("grant_type", "client_credentials")],
            400,
            "unauthorized_client",
        ),
        (
            &APP,
            vec![
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            400,
            "invalid_request",
        ),
        (
            &APP,
            vec![("grant_type", "authorization_code")],
            400,
            "invalid_request",
        ),
        (
            &APP,
            vec![
                ("grant_type", "authorization_code"),
                ("code", "random-garbage"),
            ],
            400,
            "invalid_grant",
        ),
    ];
    for (auth, params, status, error) in cases {
        let reply = server.token(auth, &params).await;
        assert_token_error(&reply, status, error);
    }
}

#[tokio::test]
async fn client_authentication_uses_one_registered_method() {
    // client-auth.bad-secret, client-auth.missing-secret, client-auth.method-mismatch,
    // client-auth.multiple-methods, client-auth.other-client-secret
    let server = server().await;
    let cc = [("grant_type", "client_credentials")];
    for auth in [
        Auth::Basic("app", "wrong"),
        Auth::Basic("app", &APP_SECRET[1..]),
        Auth::Basic("app", ""),
        Auth::Basic("nobody", "x"),
        Auth::Basic("app", APP2_SECRET),
        Auth::Post("app", APP_SECRET),
        Auth::Basic("app2", APP2_SECRET),
        Auth::IdOnly("app"),
        Auth::Post("app", ""),
        Auth::Nothing,
    ] {
        let reply = server.token(&auth, &cc).await;
        assert_token_error(&reply, 401, "invalid_client");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Basic realm=\"oauthcheck\""),
            "{auth:?}"
        );
    }
    let both = server
        .token(
            &APP,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "app2"),
                ("client_secret", APP2_SECRET),
            ],
        )
        .await;
    assert_token_error(&both, 400, "invalid_request");
    let mixed = server
        .token(
            &Auth::Basic("app2", APP2_SECRET),
            &[("grant_type", "client_credentials"), ("client_id", "app")],
        )
        .await;
    assert_eq!(mixed.status, 401);
    // The registered methods work.
    assert_eq!(server.token(&APP, &cc).await.status, 200);
    assert_eq!(server.token(&APP2, &cc).await.status, 200);
}

#[tokio::test]
async fn codes_are_bound_and_single_use() {
    // code.bound-to-client, code.bound-to-redirect-uri, code.single-use,
    // code.reuse-revokes-tokens, code.invalid-replay-no-revoke, token.type-confusion
    let server = server().await;
    let code = granted(&server).await;
    let omitted = server
        .token(
            &APP,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code.code),
                ("code_verifier", code.verifier.as_deref().unwrap()),
            ],
        )
        .await;
    assert_token_error(&omitted, 400, "invalid_grant");
    let mut other_uri = Granted {
        redirect_uri: format!("{APP_CB}/x"),
        ..code.clone()
    };
    assert_token_error(&server.redeem(&APP, &other_uri).await, 400, "invalid_grant");
    assert_token_error(&server.redeem(&APP2, &code).await, 400, "invalid_grant");
    other_uri.redirect_uri = APP_CB.into();
    let first = server.redeem(&APP, &other_uri).await.json();
    let access = first["access_token"].as_str().unwrap();
    let refresh = first["refresh_token"].as_str().unwrap();

    // Invalid replays (wrong verifier, wrong client, wrong secret) revoke nothing.
    let wrong_verifier = Granted {
        verifier: Some("w".repeat(43)),
        ..code.clone()
    };
    assert_token_error(
        &server.redeem(&APP, &wrong_verifier).await,
        400,
        "invalid_grant",
    );
    assert_token_error(&server.redeem(&APP2, &code).await, 400, "invalid_grant");
    assert_eq!(
        server
            .redeem(&Auth::Basic("app", "wrong"), &code)
            .await
            .status,
        401
    );
    assert!(server.active(access).await);

    // Type confusion: an access token is not a refresh token, a refresh token not a code.
    assert_token_error(
        &server.refresh(&APP, access, None).await,
        400,
        "invalid_grant",
    );
    let as_code = Granted {
        code: refresh.to_string(),
        ..code.clone()
    };
    assert_token_error(&server.redeem(&APP, &as_code).await, 400, "invalid_grant");
    assert_eq!(server.bearer("/api/me", refresh).await.status, 401);

    // A valid replay is refused and revokes everything the code issued.
    assert_token_error(&server.redeem(&APP, &code).await, 400, "invalid_grant");
    assert!(!server.active(access).await);
    assert_token_error(
        &server.refresh(&APP, refresh, None).await,
        400,
        "invalid_grant",
    );
}

#[tokio::test]
async fn pkce_is_enforced_at_the_token_endpoint() {
    // pkce.missing-verifier, pkce.wrong-verifier, pkce.plain-downgrade, pkce.syntax, pkce.downgrade
    let server = server().await;
    let request = AuthRequest::new("spa", SPA_CB, "openid");
    for verifier in [
        None,
        Some("x".repeat(43)),
        Some("short".into()),
        Some(format!("{} x", "a".repeat(43))),
    ] {
        let mut code = server
            .browser()
            .flow(&request, Decision::Approve)
            .await
            .granted();
        code.verifier = verifier;
        let reply = server.redeem(&SPA, &code).await;
        assert_token_error(&reply, 400, "invalid_grant");
    }
    // A method at the token endpoint is ignored: the challenge itself is no verifier.
    let code = server
        .browser()
        .flow(&request, Decision::Approve)
        .await
        .granted();
    let challenge = request.get("code_challenge").unwrap();
    let reply = server
        .token(
            &SPA,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code.code),
                ("redirect_uri", SPA_CB),
                ("code_verifier", challenge),
                ("code_challenge_method", "plain"),
            ],
        )
        .await;
    assert_token_error(&reply, 400, "invalid_grant");
    // A verifier for a code without a challenge.
    let plain = AuthRequest::app()
        .omit("code_challenge")
        .omit("code_challenge_method");
    let code = server
        .browser()
        .flow(&plain, Decision::Approve)
        .await
        .granted();
    let reply = server
        .token(
            &APP,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code.code),
                ("redirect_uri", APP_CB),
                ("code_verifier", &"v".repeat(43)),
            ],
        )
        .await;
    assert_token_error(&reply, 400, "invalid_request");
}

#[tokio::test]
async fn refresh_tokens_rotate_are_bound_and_never_widen() {
    // refresh.rotation, refresh.old-rejected, refresh.reuse-revokes-family,
    // refresh.bound-to-client, refresh.scope-no-escalation, refresh.scope-preserved
    let server = server().await;
    let request = AuthRequest::app().set("scope", "openid api.read");
    let tokens = server.tokens(&request, &APP).await;
    let rt1 = tokens["refresh_token"].as_str().unwrap();
    assert_token_error(
        &server.refresh(&APP2, rt1, None).await,
        400,
        "invalid_grant",
    );
    assert_eq!(
        server.refresh(&Auth::IdOnly("app"), rt1, None).await.status,
        401
    );
    for wider in ["openid api.read api.write", "admin", "api.write"] {
        assert_token_error(
            &server.refresh(&APP, rt1, Some(wider)).await,
            400,
            "invalid_scope",
        );
    }
    let second = server.refresh(&APP, rt1, Some("api.read")).await.json();
    assert_eq!(second["scope"], "api.read");
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    // The narrowed refresh kept the original grant.
    let third = server
        .refresh(&APP, rt2, Some("openid api.read"))
        .await
        .json();
    assert_eq!(third["scope"], "openid api.read");
    let rt3 = third["refresh_token"].as_str().unwrap();
    let at3 = third["access_token"].as_str().unwrap();
    // Replaying a rotated-out token revokes the whole family.
    assert_token_error(&server.refresh(&APP, rt1, None).await, 400, "invalid_grant");
    assert!(!server.active(at3).await);
    assert_token_error(&server.refresh(&APP, rt3, None).await, 400, "invalid_grant");
}

#[tokio::test]
async fn revocation_follows_rfc_7009() {
    // revoke.refresh-token, revoke.cascade, revoke.access-token,
    // revoke.invalid-token-200, revoke.client-binding, revoke.hint-fallback
    let server = server().await;
    let tokens = server.tokens(&AuthRequest::app(), &APP).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(server.revoke(&APP, "no-such-token").await.status, 200);
    let missing = server.post_form("/revoke", &APP, &[]).await;
    assert_eq!(
        (missing.status, missing.error().as_str()),
        (400, "invalid_request")
    );
    assert_eq!(server.revoke(&Auth::Nothing, access).await.status, 401);
    assert_eq!(
        server
            .revoke(&Auth::Basic("app", "wrong"), access)
            .await
            .status,
        401
    );
    // Another client: 200, but nothing happens.
    assert_eq!(server.revoke(&APP2, access).await.status, 200);
    assert_eq!(server.revoke(&APP2, refresh).await.status, 200);
    assert!(server.active(access).await && server.active(refresh).await);
    // A wrong hint does not stop revocation.
    let hinted = server
        .post_form(
            "/revoke",
            &APP,
            &[("token", access), ("token_type_hint", "refresh_token")],
        )
        .await;
    assert_eq!(hinted.status, 200);
    assert!(!server.active(access).await);
    let me = server.bearer("/api/me", access).await;
    assert_eq!(me.status, 401);
    assert!(
        me.header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    assert!(server.active(refresh).await);

    let more = server.tokens(&AuthRequest::app(), &APP).await;
    let refresh2 = more["refresh_token"].as_str().unwrap();
    assert_eq!(server.revoke(&APP, refresh2).await.status, 200);
    assert_token_error(
        &server.refresh(&APP, refresh2, None).await,
        400,
        "invalid_grant",
    );
    assert!(!server.active(more["access_token"].as_str().unwrap()).await);
    assert_eq!(
        server.revoke(&APP, refresh2).await.status,
        200,
        "already revoked"
    );
    // Public clients revoke their own tokens with client_id only.
    let spa = server
        .tokens(&AuthRequest::new("spa", SPA_CB, "openid"), &SPA)
        .await;
    assert_eq!(
        server
            .revoke(&SPA, spa["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );
    assert!(!server.active(spa["access_token"].as_str().unwrap()).await);
}

#[tokio::test]
async fn introspection_needs_client_authentication_and_says_little_when_inactive() {
    // introspect.auth-required, introspect.active-response, introspect.inactive-minimal
    let server = server().await;
    let tokens = server.tokens(&AuthRequest::app(), &APP).await;
    let access = tokens["access_token"].as_str().unwrap();
    for auth in [
        Auth::Nothing,
        Auth::Basic("app", "wrong"),
        Auth::IdOnly("spa"),
    ] {
        let reply = server.introspect(&auth, access).await;
        assert_eq!(reply.status, 401, "{auth:?}");
        assert_eq!(reply.error(), "invalid_client");
        assert!(!reply.body.contains("alice"));
    }
    let bearer = send(
        http()
            .post(server.url("/introspect"))
            .bearer_auth(access)
            .form(&[("token", access)]),
    )
    .await;
    assert_eq!(bearer.status, 401);

    let active = server.introspect(&APP2, access).await.json();
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], "app");
    assert_eq!(active["iss"], server.issuer());
    assert_eq!(active["token_type"], "Bearer");
    assert!(active["exp"].as_u64() > active["iat"].as_u64());
    let refresh = server
        .introspect(&APP, tokens["refresh_token"].as_str().unwrap())
        .await
        .json();
    assert_eq!(refresh["active"], true);

    server.revoke(&APP, access).await;
    for dead in [access, "no-such-token"] {
        let reply = server.introspect(&APP, dead).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json(), json!({ "active": false }));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn bearer_endpoints_challenge_properly() {
    // bearer.challenge, bearer.token-transport, bearer.insufficient-scope, oidc.userinfo
    let server = server().await;
    let tokens = server
        .tokens(&AuthRequest::app().set("scope", "openid api.read"), &APP)
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let http = http();
    for path in ["/api/me", "/userinfo"] {
        let none = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(none.status(), 401);
        assert_eq!(
            none.headers()["www-authenticate"],
            "Bearer realm=\"oauthcheck\""
        );
        let garbage = server.bearer(path, "garbage").await;
        assert_eq!(garbage.status, 401);
        assert!(
            garbage
                .header("www-authenticate")
                .unwrap()
                .contains("error=\"invalid_token\"")
        );
        for header in ["Bearer", "Bearer a b", "Bearer ,,"] {
            let reply = http
                .get(server.url(path))
                .header("authorization", header)
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 400, "{header}");
        }
        let query_only = http
            .get(format!("{}?access_token={access}", server.url(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(query_only.status(), 401);
        let both = http
            .get(format!("{}?access_token={access}", server.url(path)))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(both.status(), 400);
        let lower = http
            .get(server.url(path))
            .header("authorization", format!("bearer {access}"))
            .send()
            .await
            .unwrap();
        assert_eq!(lower.status(), 200);
    }
    let post = http
        .post(server.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let write = server.bearer("/api/write", access).await;
    assert_eq!(write.status, 403);
    assert!(
        write
            .header("www-authenticate")
            .unwrap()
            .contains("insufficient_scope")
    );
    let no_openid = server
        .tokens(&AuthRequest::app().set("scope", "api.write"), &APP)
        .await;
    let no_openid = no_openid["access_token"].as_str().unwrap();
    assert_eq!(server.bearer("/api/write", no_openid).await.status, 200);
    assert_eq!(server.bearer("/userinfo", no_openid).await.status, 403);
}

#[tokio::test]
async fn metadata_tells_the_truth() {
    // meta.document, meta.issuer-consistency, meta.pkce-advertised, meta.jwks-public-only
    let server = server().await;
    let oauth = server.get("/.well-known/oauth-authorization-server").await;
    let oidc = server.get("/.well-known/openid-configuration").await;
    assert_eq!(oauth.status, 200);
    assert!(
        oauth
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(oauth.json(), oidc.json());
    let meta = oauth.json();
    assert_eq!(meta["issuer"], server.issuer());
    assert_eq!(meta["token_endpoint"], server.url("/token"));
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["response_types_supported"], json!(["code"]));
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
    let jwks = server.get("/jwks").await.json();
    for key in jwks["keys"].as_array().unwrap() {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(key.get(private).is_none());
        }
    }
}

#[tokio::test]
async fn configured_paths_and_issuer_are_used_everywhere() {
    let mut config = Config::default();
    config.paths.token = "/oauth2/token".into();
    config.paths.authorize = "/oauth2/auth".into();
    let server = start(config).await;
    let meta = server.get("/.well-known/openid-configuration").await.json();
    assert_eq!(meta["token_endpoint"], server.url("/oauth2/token"));
    assert_eq!(meta["authorization_endpoint"], server.url("/oauth2/auth"));
    let request = AuthRequest::app();
    let url = format!(
        "{}?{}",
        server.url("/oauth2/auth"),
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(request.params.iter())
            .finish()
    );
    let browser = server.browser();
    let reply = browser.get(&url).await;
    let outcome = browser.follow(reply, &request, Decision::Approve).await;
    let code = outcome.granted();
    let reply = server
        .post_form(
            "/oauth2/token",
            &APP,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code.code),
                ("redirect_uri", APP_CB),
                ("code_verifier", code.verifier.as_deref().unwrap()),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}
