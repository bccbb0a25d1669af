//! Starting, stopping and configuring the server.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::client::{http, start};
use crate::server::{
    AccessTokenFormat, AuthMethod, Config, Flaw, GrantType, ServerError, serve_until, spawn,
};

#[tokio::test]
async fn serve_until_prints_the_issuer_first_and_stops_on_request() {
    let (stop, stopped) = oneshot::channel::<()>();
    let mut out = Vec::new();
    let served = tokio::spawn(async move {
        serve_until(Config::default(), &mut out, async {
            let _ = stopped.await;
        })
        .await
        .map(|()| out)
    });
    // The first line appears before the server is asked to stop; poll the
    // server it names instead of the buffer (which the task owns).
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    let out = served.await.unwrap().unwrap();
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("http://127.0.0.1:"), "{text}");
    assert_eq!(text.lines().count(), 1, "only the issuer goes to stdout");
}

#[tokio::test]
async fn the_printed_issuer_serves_metadata() {
    let (stop, stopped) = oneshot::channel::<()>();
    let (line_tx, line_rx) = oneshot::channel::<String>();
    struct FirstLine(Option<oneshot::Sender<String>>, Vec<u8>);
    impl std::io::Write for FirstLine {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.1.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            if let Some(sender) = self.0.take() {
                let _ = sender.send(String::from_utf8_lossy(&self.1).trim().to_string());
            }
            Ok(())
        }
    }
    let served = tokio::spawn(async move {
        let mut out = FirstLine(Some(line_tx), Vec::new());
        serve_until(Config::default(), &mut out, async {
            let _ = stopped.await;
        })
        .await
    });
    let issuer = line_rx.await.unwrap();
    let metadata: serde_json::Value = http()
        .get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], issuer.as_str());
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
}

#[tokio::test]
async fn startup_is_fast_and_shutdown_frees_the_port() {
    let started = Instant::now();
    for _ in 0..20 {
        let server = spawn(Config::default()).await.unwrap();
        server.shutdown().await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let server = spawn(Config::default()).await.unwrap();
    let addr = server.addr;
    server.shutdown().await;
    let config = Config {
        addr: Some(addr),
        ..Config::default()
    };
    let again = spawn(config).await.expect("the port is free again");
    drop(again);
}

#[tokio::test]
async fn a_configured_issuer_is_used_verbatim() {
    let server = start(Config {
        issuer: Some("http://127.0.0.1:1/tenant".into()),
        ..Config::default()
    })
    .await;
    let http = http();
    let base = format!("http://{}", server.handle.addr);
    let oauth = http
        .get(format!(
            "{base}/.well-known/oauth-authorization-server/tenant"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth.status(), 200);
    let oidc: serde_json::Value = http
        .get(format!("{base}/tenant/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oidc["issuer"], "http://127.0.0.1:1/tenant");
    assert_eq!(oidc["token_endpoint"], "http://127.0.0.1:1/token");
}

#[test]
fn default_config_matches_the_documented_profile() {
    let config = Config::default();
    let ids: Vec<&str> = config.clients.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["app", "app2", "spa"]);
    let app = config.client("app").unwrap();
    assert_eq!(
        app.secret.as_ref().unwrap().expose(),
        "app-secret-TEST-ONLY-not-a-real-secret"
    );
    assert_eq!(app.auth_method, AuthMethod::ClientSecretBasic);
    assert_eq!(
        app.redirect_uris,
        ["https://client.example/cb", "https://client.example/cb-alt"]
    );
    let app2 = config.client("app2").unwrap();
    assert_eq!(app2.auth_method, AuthMethod::ClientSecretPost);
    assert_eq!(app2.redirect_uris, ["https://other.example/cb2"]);
    let spa = config.client("spa").unwrap();
    assert!(spa.secret.is_none());
    assert_eq!(spa.auth_method, AuthMethod::None);
    assert!(!spa.allows_grant(GrantType::ClientCredentials));
    for client in &config.clients {
        assert_eq!(
            client.scopes,
            [
                "openid",
                "profile",
                "email",
                "offline_access",
                "api.read",
                "api.write"
            ]
        );
        assert!(!client.allows_scope("admin"));
    }
    assert!(config.scopes.iter().any(|s| s == "admin"));
    let alice = config.user_by_name("alice").unwrap();
    assert_eq!(alice.password.expose(), "alice-password-TEST-ONLY");
    assert_eq!(alice.sub, "alice-0001");
    assert_eq!(alice.name.as_deref(), Some("Alice Example"));
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert_eq!(config.ttl.code, Duration::from_secs(60));
    assert_eq!(config.paths.resource, "/api/me");
    assert!(
        !format!("{config:?}").contains("TEST-ONLY"),
        "secrets print as [redacted]"
    );
}

#[test]
fn yaml_config_fills_defaults_and_resolves_client_defaults() {
    let config = Config::from_yaml_str(
        r#"
addr: 127.0.0.1:0
issuer: http://localhost:9400
ttl: { code: 5s, access: 10m }
paths: { token: /oauth/token }
access_token_format: jwt
flaws: [code.single-use, idtoken.nonce]
clients:
  - id: web
    secret: web-secret-TEST-ONLY
    redirect_uris: [https://web.example/cb]
    scopes: [openid]
  - id: native
    redirect_uris: [http://127.0.0.1/cb]
    scopes: [openid]
"#,
    )
    .unwrap();
    assert_eq!(config.ttl.code, Duration::from_secs(5));
    assert_eq!(config.ttl.refresh, Duration::from_secs(86400));
    assert_eq!(config.paths.token, "/oauth/token");
    assert_eq!(config.paths.authorize, "/authorize");
    assert_eq!(config.access_token_format, AccessTokenFormat::Jwt);
    assert!(config.has(Flaw::CodeSingleUse) && config.has(Flaw::IdTokenNonce));
    let web = config.client("web").unwrap();
    assert_eq!(web.auth_method, AuthMethod::ClientSecretBasic);
    assert!(web.allows_grant(GrantType::ClientCredentials));
    let native = config.client("native").unwrap();
    assert_eq!(native.auth_method, AuthMethod::None);
    assert!(!native.allows_grant(GrantType::ClientCredentials));
    assert_eq!(config.users.len(), 1, "users default to alice");
    assert!(Config::from_yaml_str("").is_ok());
}

#[test]
fn yaml_errors_are_specific() {
    let cases = [
        ("nonsense: 1", "nonsense"),
        ("flaws: [code.single_use]", "did you mean `code.single-use`"),
        ("ttl: { code: soon }", "invalid duration"),
        (
            "clients: [{ id: x, auth_method: none, secret: s }]",
            "has a secret",
        ),
        (
            "clients: [{ id: x, auth_method: client_secret_post }]",
            "has no secret",
        ),
        (
            "clients: [{ id: x, scopes: [root] }]",
            "not in the server's `scopes`",
        ),
        ("issuer: ftp://x", "http(s)"),
    ];
    for (yaml, expected) in cases {
        let error = Config::from_yaml_str(yaml).unwrap_err();
        assert!(
            matches!(
                error,
                ServerError::ParseConfig { .. } | ServerError::InvalidConfig(_)
            ),
            "{yaml}"
        );
        let message = error.to_string();
        assert!(message.contains(expected), "{yaml}: {message}");
    }
    let missing = Config::from_yaml_file(std::path::Path::new("/no/such/server.yaml")).unwrap_err();
    assert!(matches!(missing, ServerError::ReadConfig { .. }));
}

#[test]
fn every_flaw_has_an_id_and_a_description() {
    assert!(Flaw::ALL.len() >= 36);
    for flaw in Flaw::ALL {
        assert_eq!(Flaw::from_id(flaw.id()), Some(*flaw));
        assert!(!flaw.description().is_empty());
    }
}
