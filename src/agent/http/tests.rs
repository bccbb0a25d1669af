//! `send` against servers that behave and servers that do not: exact
//! requests, caps, timeouts, broken responses, cookies, redaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use tokio::io::AsyncWriteExt;

use crate::agent::testutil::{agent, agent_with, config, reply, serve, serve_raw};
use crate::agent::{AgentError, Body, Request};
use crate::redact::MASK;

/// A server that answers with its request head as the body.
async fn echo_head() -> String {
    serve_raw(|socket, head| async move {
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
            head.len()
        );
        reply(socket, response.as_bytes()).await;
    })
    .await
}

#[tokio::test]
async fn the_url_goes_on_the_wire_as_given() {
    let base = echo_head().await;
    let path = "/authorize?redirect_uri=http%3A%2F%2Fc%2Fcb%2F&scope=openid+email&x=%2f%2F&a=1&a=2&empty&=v&bad=%zz";
    let response = agent()
        .send(Request::get(format!("{base}{path}"), false))
        .await
        .expect("echo");
    let head = response.text();
    assert!(
        head.starts_with(&format!("GET {path} HTTP/1.1\r\n")),
        "{head}"
    );
}

#[tokio::test]
async fn headers_and_form_fields_keep_their_order_and_duplicates() {
    let app = Router::new().route(
        "/token",
        post(|headers: HeaderMap, body: String| async move {
            let xs: Vec<&str> = headers
                .get_all("x-dup")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let ct = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            format!("{}|{ct}|{body}", xs.join(","))
        }),
    );
    let base = serve(app).await;
    let fields = [
        ("scope", "a b"),
        ("resource", "r1"),
        ("resource", "r2"),
        ("x", "é&="),
    ]
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .to_vec();
    let request = Request::post_form(format!("{base}/token"), fields, false)
        .header("X-Dup", "1")
        .header("x-dup", "2");
    let response = agent().send(request).await.expect("token endpoint");
    assert_eq!(
        response.text(),
        "1,2|application/x-www-form-urlencoded|scope=a+b&resource=r1&resource=r2&x=%C3%A9%26%3D"
    );
}

#[tokio::test]
async fn raw_bodies_keep_their_content_type() {
    let app = Router::new().route(
        "/par",
        post(|headers: HeaderMap, body: String| async move {
            let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
            format!("{}|{body}", ct.unwrap_or(""))
        }),
    );
    let base = serve(app).await;
    let mut request = Request::get(format!("{base}/par"), false);
    request.method = "POST".to_string();
    request.body = Some(Body::Raw {
        content_type: "application/json".to_string(),
        text: "{\"a\":1}".to_string(),
    });
    let response = agent().send(request).await.expect("par");
    assert_eq!(response.text(), "application/json|{\"a\":1}");
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let app = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late"
        }),
    );
    let base = serve(app).await;
    let agent = agent_with(config(300));
    let started = Instant::now();
    let err = agent
        .send(Request::get(format!("{base}/slow"), false))
        .await
        .expect_err("must time out");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, AgentError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out after 300ms"), "{err}");
    let transcript = agent.transcript();
    assert_eq!(transcript[0].status, None);
    assert!(
        transcript[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timed out"))
    );
}

#[tokio::test]
async fn a_body_that_stalls_times_out_and_keeps_what_came() {
    let base = serve_raw(|mut socket, _| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst bytes")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let agent = agent_with(config(300));
    let err = agent
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect_err("must time out");
    assert!(matches!(err, AgentError::Timeout { .. }), "{err:?}");
    let exchange = &agent.transcript()[0];
    assert_eq!(exchange.status, Some(200));
    assert_eq!(exchange.response_body.as_deref(), Some("first bytes"));
}

#[tokio::test]
async fn huge_bodies_are_cut_at_max_body_without_reading_them_all() {
    const TOTAL: usize = 50 * 1024 * 1024;
    for with_length in [true, false] {
        let written = Arc::new(AtomicUsize::new(0));
        let counter = written.clone();
        let base = serve_raw(move |mut socket, _| {
            let counter = counter.clone();
            async move {
                let head = if with_length {
                    format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {TOTAL}\r\n\r\n")
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n".to_string()
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                while counter.load(Ordering::Relaxed) < TOTAL {
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    counter.fetch_add(chunk.len(), Ordering::Relaxed);
                }
            }
        })
        .await;
        let agent = agent();
        let response = agent
            .send(Request::get(format!("{base}/big"), false))
            .await
            .expect("capped response");
        assert_eq!(response.body.len(), 64 * 1024);
        assert!(response.truncated);
        let exchange = &agent.transcript()[0];
        assert!(exchange.truncated);
        assert_eq!(exchange.response_body.as_ref().map(String::len), Some(4096));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            written.load(Ordering::Relaxed) < TOTAL,
            "the server could send the whole body (content-length: {with_length})"
        );
    }
}

#[tokio::test]
async fn a_body_of_exactly_max_body_is_not_truncated() {
    let app = Router::new().route("/", get(|| async { "y".repeat(64 * 1024) }));
    let base = serve(app).await;
    let response = agent()
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect("response");
    assert_eq!(response.body.len(), 64 * 1024);
    assert!(!response.truncated);
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_an_http_error() {
    let base = serve_raw(|socket, _| async move {
        reply(
            socket,
            b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nonly this",
        )
        .await;
    })
    .await;
    let agent = agent();
    let err = agent
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect_err("incomplete body");
    let AgentError::Http { reason, .. } = &err else {
        panic!("expected an HTTP error, got {err:?}");
    };
    assert!(
        reason.starts_with("reading the response body failed after 9 bytes"),
        "{reason}"
    );
    assert_eq!(
        agent.transcript()[0].response_body.as_deref(),
        Some("only this")
    );
}

#[tokio::test]
async fn garbage_responses_are_http_errors() {
    for garbage in [
        &b"HTTP/1.1 200 OK\r\nthis is not a header\r\n\r\nbody"[..],
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"\x00\x01\x02 not http at all\r\n\r\n",
        b"",
    ] {
        let base = serve_raw(move |socket, _| async move { reply(socket, garbage).await }).await;
        let err = agent()
            .send(Request::get(format!("{base}/"), false))
            .await
            .expect_err("garbage is not a response");
        assert!(matches!(err, AgentError::Http { .. }), "{err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[tokio::test]
async fn non_utf8_bodies_and_header_values_are_read_lossily() {
    let base = serve_raw(|socket, _| async move {
        reply(
            socket,
            b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nx-odd: caf\xe9\r\ncontent-length: 6\r\n\r\n<\xff\xfe\x80>\xc3",
        )
        .await;
    })
    .await;
    let agent = agent();
    let response = agent
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect("odd bytes are still a response");
    assert_eq!(response.body, b"<\xff\xfe\x80>\xc3");
    assert_eq!(response.text(), "<\u{fffd}\u{fffd}\u{fffd}>\u{fffd}");
    assert_eq!(response.header("X-Odd"), Some("caf\u{fffd}"));
    assert!(agent.transcript()[0].response_body.is_some());
}

#[tokio::test]
async fn connection_refused_and_bad_urls_are_typed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let agent = agent();
    let err = agent
        .send(Request::get(format!("http://127.0.0.1:{port}/"), false))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, AgentError::Connect { .. }), "{err:?}");

    for url in [
        "not a url",
        "javascript:alert(1)",
        "com.example.app:/cb?code=x",
        "http://[::1",
    ] {
        let err = agent
            .send(Request::get(url, false))
            .await
            .expect_err("cannot be requested");
        assert!(matches!(err, AgentError::BadUrl { .. }), "{url}: {err:?}");
    }
    let mut request = Request::get(format!("http://127.0.0.1:{port}/"), false);
    request.method = "GE T".to_string();
    let err = agent.send(request).await.expect_err("bad method");
    assert!(err.to_string().contains("invalid method `GE T`"), "{err}");
    let request = Request::get(format!("http://127.0.0.1:{port}/"), false).header("bad\nname", "v");
    let err = agent.send(request).await.expect_err("bad header");
    assert!(err.to_string().contains("invalid request header"), "{err}");
    assert_eq!(agent.transcript().len(), 7, "failures are recorded too");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = Router::new().route(
        "/r",
        get(|| async { axum::response::Redirect::to("/elsewhere") }),
    );
    let base = serve(app).await;
    let response = agent()
        .send(Request::get(format!("{base}/r"), true))
        .await
        .expect("redirect response");
    assert_eq!(response.status, 303);
    assert_eq!(response.header("location"), Some("/elsewhere"));
}

#[tokio::test]
async fn cookies_go_to_the_front_channel_only() {
    let app = Router::new()
        .route(
            "/set",
            get(|| async {
                (
                    [("set-cookie", "sid=session-abc123; Path=/; HttpOnly")],
                    "set",
                )
            }),
        )
        .route(
            "/echo",
            get(|headers: HeaderMap| async move {
                headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_string()
            }),
        );
    let base = serve(app).await;
    let agent = agent();
    // A back-channel response does not fill the jar …
    agent
        .send(Request::get(format!("{base}/set"), false))
        .await
        .expect("set");
    let front = agent
        .send(Request::get(format!("{base}/echo"), true))
        .await
        .expect("echo");
    assert_eq!(front.text(), "none");
    // … a front-channel one does, and only front-channel requests send it.
    agent
        .send(Request::get(format!("{base}/set"), true))
        .await
        .expect("set");
    let front = agent
        .send(Request::get(format!("{base}/echo"), true))
        .await
        .expect("echo");
    let back = agent
        .send(Request::get(format!("{base}/echo"), false))
        .await
        .expect("echo");
    assert_eq!(front.text(), "sid=session-abc123");
    assert_eq!(back.text(), "none");
    // An explicit Cookie header is sent exactly as given.
    let own = agent
        .send(Request::get(format!("{base}/echo"), true).header("Cookie", "mine=1"))
        .await
        .expect("echo");
    assert_eq!(own.text(), "mine=1");

    let fresh = agent.fresh_session().expect("fresh session");
    let forked = agent.fork_session();
    let fresh_cookies = fresh
        .send(Request::get(format!("{base}/echo"), true))
        .await
        .expect("echo");
    let forked_cookies = forked
        .send(Request::get(format!("{base}/echo"), true))
        .await
        .expect("echo");
    assert_eq!(fresh_cookies.text(), "none");
    assert_eq!(forked_cookies.text(), "sid=session-abc123");
    // Sessions share the transcript; a new trial has its own.
    assert_eq!(agent.transcript_len(), 8);
    let trial = agent.new_trial(Arc::new(crate::redact::Redactor::new()), true);
    let trial_cookies = trial
        .send(Request::get(format!("{base}/echo"), true))
        .await
        .expect("echo");
    assert_eq!(trial_cookies.text(), "sid=session-abc123");
    assert_eq!(trial.transcript_len(), 1);
    assert_eq!(agent.transcript_since(7).len(), 1);
    assert!(agent.transcript_since(100).is_empty());
    // The cookie value never reaches the transcript.
    let transcript = serde_json::to_string(&agent.transcript()).expect("json");
    assert!(!transcript.contains("session-abc123"), "{transcript}");
}

#[tokio::test]
async fn cookie_values_the_as_puts_in_urls_stay_visible() {
    let app = Router::new().route(
        "/auth",
        get(|| async {
            (
                axum::http::StatusCode::SEE_OTHER,
                [
                    ("location", "/interaction/uid-0123456789"),
                    (
                        "set-cookie",
                        "_interaction=uid-0123456789; path=/interaction/uid-0123456789",
                    ),
                ],
            )
        }),
    );
    let base = serve(app).await;
    let agent = agent();
    agent
        .send(Request::get(format!("{base}/auth"), true))
        .await
        .expect("redirect");
    assert_eq!(
        agent.redactor().text("/interaction/uid-0123456789"),
        "/interaction/uid-0123456789"
    );
    let exchange = &agent.transcript()[0];
    assert!(exchange.response_headers.contains(&(
        "set-cookie".to_string(),
        format!("_interaction={MASK}; path=/interaction/uid-0123456789")
    )));
}

#[tokio::test]
async fn the_transcript_is_redacted_and_learns_tokens() {
    let app = Router::new()
        .route(
            "/token",
            post(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"access_token":"AT-0123456789","token_type":"Bearer","refresh_token":"RT-0123456789"}"#,
                )
            }),
        )
        .route(
            "/echo",
            get(|| async { "your token was AT-0123456789, keep it" }),
        );
    let base = serve(app).await;
    let agent = agent();
    agent.redactor().add("client-secret-xyz");
    let request = Request::post_form(
        format!("{base}/token"),
        vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), "the-code".to_string()),
            ("client_secret".to_string(), "client-secret-xyz".to_string()),
        ],
        false,
    )
    .header("Authorization", "Basic YXBwOmNsaWVudC1zZWNyZXQteHl6");
    let response = agent.send(request).await.expect("token");
    assert!(
        response.text().contains("AT-0123456789"),
        "the response itself is not masked"
    );
    agent
        .send(Request::get(
            format!("{base}/echo?note=client-secret-xyz"),
            false,
        ))
        .await
        .expect("echo");
    let transcript = agent.transcript();
    let all = serde_json::to_string(&transcript).expect("json");
    for secret in [
        "AT-0123456789",
        "RT-0123456789",
        "client-secret-xyz",
        "the-code",
        "YXBwOmNsaWVudC1zZWNyZXQteHl6",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    assert!(
        transcript[0]
            .request_headers
            .contains(&("Authorization".to_string(), format!("Basic {MASK}")))
    );
    assert_eq!(
        transcript[0].request_body.as_deref(),
        Some(format!("grant_type=authorization_code&code={MASK}&client_secret={MASK}").as_str())
    );
    assert_eq!(transcript[1].url, format!("{base}/echo?note={MASK}"));
    assert_eq!(
        transcript[1].response_body.as_deref(),
        Some(format!("your token was {MASK}, keep it").as_str())
    );
}

#[tokio::test]
async fn the_pacer_paces_sends() {
    let app = Router::new().route("/", get(|| async { "ok" }));
    let base = serve(app).await;
    let mut config = config(5_000);
    config.pace = Some(Arc::new(crate::agent::Pace::new(4, Some(20.0))));
    let agent = agent_with(config);
    let started = Instant::now();
    for _ in 0..4 {
        agent
            .send(Request::get(format!("{base}/"), false))
            .await
            .expect("ok");
    }
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn agent_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let agent = agent();
    let stop = crate::agent::StopRule::default();
    let login = crate::agent::LoginConfig::default();
    assert_send(&agent.send(Request::get("http://127.0.0.1:9/", false)));
    assert_send(&agent.browse(
        "http://127.0.0.1:9/",
        &login,
        crate::agent::Consent::Approve,
        &stop,
    ));
}
