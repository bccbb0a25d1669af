//! The whole happy path through the real HTML forms, and the ID token checked
//! against the published JWK set.
//!
//! [`happy_path`] is also run with every flaw switched on (see `flaws`), so it
//! asserts only what no flaw may change.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

use super::client::{
    APP, APP2, AuthRequest, Decision, SPA, SPA_CB, TestServer, app2_request, start,
};
use crate::server::{AccessTokenFormat, Config, IdTokenAlg};

/// What the happy path produced, for further checks.
pub struct Artefacts {
    pub request: AuthRequest,
    pub code: String,
    pub tokens: Value,
    pub refreshed: Value,
}

/// authorize → login → consent → token → userinfo → resource → introspect →
/// refresh (rotation) → revoke → introspect; plus `app2` and the public `spa`.
pub async fn happy_path(server: &TestServer) -> Artefacts {
    let metadata = server.get("/.well-known/openid-configuration").await;
    assert_eq!(metadata.status, 200);
    assert!(metadata.json()["issuer"].is_string());

    let request = AuthRequest::app().set("scope", "openid profile email offline_access api.read");
    let outcome = server.browser().flow(&request, Decision::Approve).await;
    let params = outcome.params().clone();
    assert!(params.contains_key("iss"));
    assert_eq!(
        params.get("state").map(String::as_str),
        request.get("state")
    );
    let granted = outcome.granted();
    let code = granted.code.clone();

    let reply = server.redeem(&APP, &granted).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tokens = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["expires_in"].as_u64().is_some_and(|s| s > 0));
    assert_eq!(
        tokens["scope"],
        "openid profile email offline_access api.read"
    );
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    assert!(tokens["id_token"].is_string());

    let userinfo = server.bearer("/userinfo", &access).await;
    assert_eq!(userinfo.status, 200, "{}", userinfo.body);
    assert_eq!(userinfo.json()["sub"], "alice-0001");
    assert_eq!(userinfo.json()["name"], "Alice Example");
    assert_eq!(userinfo.json()["email"], "alice@example.com");
    let me = server.bearer("/api/me", &access).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["client_id"], "app");
    assert_eq!(me.json()["sub"], "alice-0001");

    let introspected = server.introspect(&APP, &access).await.json();
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["client_id"], "app");
    assert_eq!(introspected["sub"], "alice-0001");
    assert_eq!(introspected["scope"], tokens["scope"]);

    let reply = server.refresh(&APP, &refresh, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let refreshed = reply.json();
    let refresh2 = refreshed["refresh_token"].as_str().unwrap().to_string();
    let access2 = refreshed["access_token"].as_str().unwrap().to_string();
    assert_ne!(refresh2, refresh, "refresh tokens rotate");
    assert_eq!(refreshed["scope"], tokens["scope"]);
    assert!(server.active(&access2).await);

    let narrowed = server.refresh(&APP, &refresh2, Some("api.read")).await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    // What the token carries; what the response says is the
    // `scope.granted-reported` flaw's business.
    let narrowed_access = narrowed.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        server.introspect(&APP, &narrowed_access).await.json()["scope"],
        "api.read"
    );
    let refresh3 = narrowed.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();

    // What revocation does is pinned in `back_channel` (the `revoke.*` flaws
    // change it); here it only answers.
    let revoked = server.revoke(&APP, &refresh3).await;
    assert_eq!(revoked.status, 200);

    // The second confidential client (client_secret_post) and the public one.
    let tokens2 = server.tokens(&app2_request(), &APP2).await;
    assert!(
        server
            .active(tokens2["access_token"].as_str().unwrap())
            .await
    );
    let spa = AuthRequest::new("spa", SPA_CB, "openid api.read");
    let spa_tokens = server.tokens(&spa, &SPA).await;
    let spa_refresh = spa_tokens["refresh_token"].as_str().unwrap();
    let reply = server.refresh(&SPA, spa_refresh, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    Artefacts {
        request,
        code,
        tokens,
        refreshed,
    }
}

/// Left half of SHA-256, base64url — computed here independently of the server.
fn half_sha256(value: &str) -> String {
    let hash = digest::digest(&digest::SHA256, value.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
}

/// Verifies an ID token with the key its `kid` names in `/jwks`.
pub async fn verify_id_token(server: &TestServer, id_token: &str) -> Result<Value, String> {
    let jwks: JwkSet =
        serde_json::from_str(&server.get("/jwks").await.body).map_err(|e| e.to_string())?;
    let header = jsonwebtoken::decode_header(id_token).map_err(|e| e.to_string())?;
    let kid = header.kid.ok_or("no kid")?;
    let jwk = jwks.find(&kid).ok_or("kid not published")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&["app"]);
    validation.set_issuer(&[server.issuer()]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| e.to_string())
}

async fn check_everything(config: Config) {
    let server = start(config).await;
    let artefacts = happy_path(&server).await;
    let id_token = artefacts.tokens["id_token"].as_str().unwrap();
    let claims = verify_id_token(&server, id_token)
        .await
        .expect("ID token verifies");
    let access = artefacts.tokens["access_token"].as_str().unwrap();
    assert_eq!(claims["sub"], "alice-0001");
    assert_eq!(claims["aud"], "app");
    assert_eq!(claims["nonce"].as_str(), artefacts.request.get("nonce"));
    assert_eq!(claims["at_hash"], half_sha256(access));
    assert_eq!(claims["c_hash"], half_sha256(&artefacts.code));
    assert!(claims["auth_time"].as_u64().is_some());
    assert!(claims["exp"].as_u64() > claims["iat"].as_u64());

    // OIDC Core §12.2: a refreshed ID token keeps the identity, drops nonce.
    let refreshed = artefacts.refreshed["id_token"].as_str().unwrap();
    let again = verify_id_token(&server, refreshed)
        .await
        .expect("refreshed ID token verifies");
    assert_eq!(again["sub"], claims["sub"]);
    assert_eq!(again["auth_time"], claims["auth_time"]);
    assert!(again.get("nonce").is_none());
    assert_eq!(
        again["at_hash"],
        half_sha256(artefacts.refreshed["access_token"].as_str().unwrap())
    );
}

#[tokio::test]
async fn happy_path_with_a_verified_id_token() {
    check_everything(Config::default()).await;
}

#[tokio::test]
async fn happy_path_with_jwt_access_tokens_and_es256_id_tokens() {
    check_everything(Config {
        access_token_format: AccessTokenFormat::Jwt,
        id_token_alg: IdTokenAlg::ES256,
        ..Config::default()
    })
    .await;
}

#[tokio::test]
async fn jwt_access_tokens_carry_their_claims_and_stay_revocable() {
    let server = start(Config {
        access_token_format: AccessTokenFormat::Jwt,
        ..Config::default()
    })
    .await;
    let tokens = server.tokens(&AuthRequest::app(), &APP).await;
    let access = tokens["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let claims: Value = jsonwebtoken::dangerous::insecure_decode(access)
        .unwrap()
        .claims;
    for claim in [
        "iss",
        "sub",
        "aud",
        "client_id",
        "scope",
        "exp",
        "iat",
        "jti",
        "name",
        "email",
    ] {
        assert!(claims.get(claim).is_some(), "missing {claim}: {claims}");
    }
    assert_eq!(server.bearer("/api/me", access).await.status, 200);
    // A tampered signature is not ours.
    let tampered = format!("{}x", &access[..access.len() - 1]);
    assert_eq!(server.bearer("/api/me", &tampered).await.status, 401);
    assert_eq!(server.revoke(&APP, access).await.status, 200);
    assert_eq!(server.bearer("/api/me", access).await.status, 401);
    assert!(!server.active(access).await);
}

#[tokio::test]
async fn client_credentials_issue_no_refresh_token() {
    let server = start(Config::default()).await;
    let reply = server
        .token(
            &APP,
            &[("grant_type", "client_credentials"), ("scope", "api.read")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tokens = reply.json();
    assert!(tokens.get("refresh_token").is_none());
    assert!(tokens.get("id_token").is_none());
    let me = server
        .bearer("/api/me", tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.json()["sub"], "app");
    // No user behind it: UserInfo refuses.
    let userinfo = server
        .bearer("/userinfo", tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(userinfo.status, 403);
}
