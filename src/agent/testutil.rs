//! Test helpers: in-process servers on `127.0.0.1:0` (an axum router, or a
//! raw TCP handler for responses no HTTP library would produce) and agents
//! with short limits. Test code only; nothing here is reachable from the
//! library.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Agent, AgentConfig, LoginConfig, StopRule};
use crate::redact::Redactor;

/// Where a client URI points in tests: a loopback port nothing listens on,
/// so a request sent there would fail loudly.
pub(crate) const CLIENT: &str = "http://127.0.0.1:9/cb";

/// Serves `app` on a free loopback port; returns its base URL (no trailing `/`).
pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a test port");
    let addr = listener.local_addr().expect("test listener address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Serves each connection with `handler` (given the socket after the request
/// head was read, and the head as text); returns the base URL.
pub(crate) async fn serve_raw<F, Fut>(handler: F) -> String
where
    F: Fn(TcpStream, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a test port");
    let addr = listener.local_addr().expect("test listener address");
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let head = read_head(&mut socket).await;
                handler(socket, head).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Reads up to the end of the request head (`\r\n\r\n`).
async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Writes `bytes` and closes the connection.
pub(crate) async fn reply(mut socket: TcpStream, bytes: &[u8]) {
    let _ = socket.write_all(bytes).await;
    let _ = socket.shutdown().await;
}

/// Limits for tests: short enough that a hang fails fast.
pub(crate) fn config(timeout_ms: u64) -> AgentConfig {
    AgentConfig {
        timeout: Duration::from_millis(timeout_ms),
        max_body: 64 * 1024,
        max_hops: 12,
        pace: None,
        transport: crate::agent::Transport::default(),
        logins: std::sync::Arc::default(),
    }
}

/// An agent with a 5 s timeout and its own redactor.
pub(crate) fn agent() -> Agent {
    agent_with(config(5_000))
}

pub(crate) fn agent_with(config: AgentConfig) -> Agent {
    Agent::new(config, Arc::new(Redactor::new())).expect("test agent")
}

/// The test user.
pub(crate) fn alice() -> LoginConfig {
    LoginConfig {
        username: "alice".to_string(),
        password: "alice-password".into(),
        ..LoginConfig::default()
    }
}

/// The AS is `base`; the client is [`CLIENT`].
pub(crate) fn stop_at(base: &str) -> StopRule {
    StopRule {
        as_origins: vec![base.to_string()],
        client_uris: vec![CLIENT.to_string()],
    }
}
