//! Dynamic client registration: a registered client is a real client (it
//! authorizes and redeems), refused redirect URIs get `invalid_redirect_uri`,
//! and the `redirect.http-registration` flaw lets plain http in.

use super::client::{Auth, AuthRequest, Decision, start};
use crate::server::{Config, Flaw};

const REGISTER: &str = "/register";

fn metadata(uri: &str) -> Vec<u8> {
    serde_json::json!({ "redirect_uris": [uri], "client_name": "test" })
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn a_registered_client_authorizes_and_redeems_its_code() {
    let server = start(Config::default()).await;
    let reply = server
        .post_raw(
            REGISTER,
            "application/json",
            metadata("https://dyn.example/cb"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let registered = reply.json();
    let id = registered["client_id"]
        .as_str()
        .expect("client_id")
        .to_string();
    let secret = registered["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let request = AuthRequest::new(&id, "https://dyn.example/cb", "openid");
    let outcome = server.browser().flow(&request, Decision::Approve).await;
    assert!(outcome.has_code(), "{:?}", outcome.location());
    let tokens = server
        .redeem(&Auth::Basic(&id, &secret), &outcome.granted())
        .await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
}

#[tokio::test]
async fn plain_http_on_a_public_host_is_refused_unless_flawed() {
    let server = start(Config::default()).await;
    let reply = server
        .post_raw(
            REGISTER,
            "application/json",
            metadata("http://dyn.example/cb"),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error(), "invalid_redirect_uri");
    let loopback = server
        .post_raw(
            REGISTER,
            "application/json",
            metadata("http://127.0.0.1:9000/cb"),
        )
        .await;
    assert_eq!(loopback.status, 201, "{}", loopback.body);

    let mut config = Config::default();
    config.flaws.insert(Flaw::RedirectHttpRegistration);
    let flawed = start(config).await;
    let reply = flawed
        .post_raw(
            REGISTER,
            "application/json",
            metadata("http://dyn.example/cb"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}
