//! The agent under a pacer: which requests are sent again after an
//! overload answer (idempotent ones, once, marked in the evidence; any
//! request after a 429, once its `Retry-After` has passed) and which never
//! are, and how a change to a shared session's cookie is reported.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::agent::testutil::{agent_with, config, serve};
use crate::agent::{Pace, Request, TrialContext, TrialHooks, Turn};
use crate::redact::Redactor;

/// A route that answers 503 to its first `failures` requests, then 200.
fn flaky(failures: usize) -> (Router, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let handler = move || {
        let counter = counter.clone();
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) < failures {
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            } else {
                "ok".into_response()
            }
        }
    };
    let app = Router::new().route("/", get(handler.clone()).post(handler));
    (app, hits)
}

fn paced() -> crate::agent::AgentConfig {
    let mut config = config(5_000);
    config.pace = Some(Arc::new(Pace::new(8, None)));
    config
}

#[tokio::test]
async fn an_idempotent_request_is_sent_once_more_after_a_503_and_both_are_recorded() {
    let (app, hits) = flaky(1);
    let base = serve(app).await;
    let agent = agent_with(paced());
    let response = agent
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect("an answer");
    assert_eq!(response.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    let transcript = agent.transcript();
    let marks: Vec<(Option<u16>, bool)> = transcript.iter().map(|e| (e.status, e.retry)).collect();
    assert_eq!(marks, [(Some(503), false), (Some(200), true)]);
    let pace = agent.config().pace.clone().expect("a pacer");
    assert_eq!(pace.stats().retries, 1);
    assert_eq!(pace.stats().backoffs, 1);
}

#[tokio::test]
async fn a_retry_is_sent_only_once() {
    let (app, hits) = flaky(5);
    let base = serve(app).await;
    let agent = agent_with(paced());
    let response = agent
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect("an answer");
    assert_eq!(response.status, 503, "the retry's answer is the result");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_post_is_never_sent_again() {
    let (app, hits) = flaky(1);
    let base = serve(app).await;
    let agent = agent_with(paced());
    let response = agent
        .send(Request::post_form(
            format!("{base}/"),
            vec![("grant_type".into(), "authorization_code".into())],
            false,
        ))
        .await
        .expect("an answer");
    assert_eq!(response.status, 503);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(agent.transcript().iter().all(|e| !e.retry));
}

/// A route that answers its first request 429 (with `retry_after`, if
/// any), then 200.
fn rate_limited(retry_after: Option<&'static str>) -> (Router, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let handler = move || {
        let counter = counter.clone();
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) > 0 {
                return "ok".into_response();
            }
            match retry_after {
                Some(value) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, value)],
                )
                    .into_response(),
                None => StatusCode::TOO_MANY_REQUESTS.into_response(),
            }
        }
    };
    (
        Router::new().route("/", get(handler.clone()).post(handler)),
        hits,
    )
}

/// A login form's POST (front channel) answered 429 is sent again once
/// `Retry-After` has passed.
#[tokio::test]
async fn a_rate_limited_form_submission_is_sent_again_after_its_retry_after() {
    let (app, hits) = rate_limited(Some("1"));
    let base = serve(app).await;
    let agent = agent_with(paced());
    let started = std::time::Instant::now();
    let response = agent
        .send(Request::post_form(
            format!("{base}/"),
            vec![("username".into(), "alice".into())],
            true,
        ))
        .await
        .expect("an answer");
    assert_eq!(response.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not waited out"
    );
    let marks: Vec<(Option<u16>, bool)> = agent
        .transcript()
        .iter()
        .map(|e| (e.status, e.retry))
        .collect();
    assert_eq!(marks, [(Some(429), false), (Some(200), true)]);
}

/// A back-channel POST answered 429 is the answer: a throttled guess is
/// what the brute-force probe looks for.
#[tokio::test]
async fn a_rate_limited_back_channel_post_is_not_sent_again() {
    let (app, hits) = rate_limited(Some("0"));
    let base = serve(app).await;
    let agent = agent_with(paced());
    let response = agent
        .send(Request::post_form(
            format!("{base}/"),
            vec![("grant_type".into(), "authorization_code".into())],
            false,
        ))
        .await
        .expect("an answer");
    assert_eq!(response.status, 429);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn the_retry_after_wait_reads_seconds_and_dates_and_is_capped() {
    use crate::agent::http::{RATE_LIMIT_WAIT_CAP, rate_limit_wait};
    let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let with = |value: Option<&str>| crate::agent::Response {
        status: 429,
        headers: value
            .map(|v| vec![("retry-after".to_string(), v.to_string())])
            .unwrap_or_default(),
        body: Vec::new(),
        truncated: false,
        url: "http://127.0.0.1/".into(),
    };
    assert_eq!(
        rate_limit_wait(&with(Some("3")), now),
        Duration::from_secs(3)
    );
    let in_ten = httpdate::fmt_http_date(now + Duration::from_secs(10));
    assert_eq!(
        rate_limit_wait(&with(Some(&in_ten)), now),
        Duration::from_secs(10)
    );
    let past = httpdate::fmt_http_date(now - Duration::from_secs(10));
    assert_eq!(rate_limit_wait(&with(Some(&past)), now), Duration::ZERO);
    assert_eq!(
        rate_limit_wait(&with(Some("86400")), now),
        RATE_LIMIT_WAIT_CAP
    );
    assert_eq!(
        rate_limit_wait(&with(Some("soon")), now),
        Duration::from_secs(5)
    );
    assert_eq!(rate_limit_wait(&with(None), now), Duration::from_secs(5));
}

#[tokio::test]
async fn without_a_pacer_nothing_is_retried() {
    let (app, hits) = flaky(1);
    let base = serve(app).await;
    let agent = agent_with(config(5_000));
    let response = agent
        .send(Request::get(format!("{base}/"), false))
        .await
        .expect("an answer");
    assert_eq!(response.status, 503);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[derive(Default)]
struct Seen {
    changed: AtomicUsize,
    retried: AtomicUsize,
}

impl TrialHooks for Seen {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
    fn retried(&self, _url: &str) {
        self.retried.fetch_add(1, Ordering::SeqCst);
    }
    fn session_changed(&self) {
        self.changed.fetch_add(1, Ordering::SeqCst);
    }
}

fn cookie_app() -> Router {
    let set = |value: &'static str| {
        move || async move { ([(header::SET_COOKIE, format!("sid={value}; Path=/"))], "ok") }
    };
    Router::new()
        .route("/login", get(set("first")))
        .route("/rotate", get(set("second")))
        .route("/keep", get(set("first")))
        .route(
            "/other",
            get(|| async { ([(header::SET_COOKIE, "theme=dark; Path=/")], "ok") }),
        )
}

#[tokio::test]
async fn a_changed_session_cookie_of_a_copied_session_is_reported() {
    let base = serve(cookie_app()).await;
    let shared = agent_with(config(5_000));
    shared
        .send(Request::get(format!("{base}/login"), true))
        .await
        .expect("logged in");
    let seen = Arc::new(Seen::default());
    let context = TrialContext {
        turn: Turn::DEFAULT,
        hooks: Some(seen.clone()),
    };
    let copy = shared.for_trial(Arc::new(Redactor::new()), true, context.clone());
    for path in ["/keep", "/other"] {
        copy.send(Request::get(format!("{base}{path}"), true))
            .await
            .expect("ok");
    }
    assert_eq!(
        seen.changed.load(Ordering::SeqCst),
        0,
        "same value, new cookie: no change"
    );
    copy.send(Request::get(format!("{base}/rotate"), true))
        .await
        .expect("ok");
    assert_eq!(seen.changed.load(Ordering::SeqCst), 1);

    // A trial that started with its own (empty) session reports nothing.
    let fresh = shared.for_trial(Arc::new(Redactor::new()), false, context);
    fresh
        .send(Request::get(format!("{base}/rotate"), true))
        .await
        .expect("ok");
    assert_eq!(seen.changed.load(Ordering::SeqCst), 1);
}
