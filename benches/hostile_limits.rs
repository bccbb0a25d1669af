//! Benchmark: the bounds a hostile target meets, measured.
//!
//! Memory: 64 trials, `--jobs 32` (the runner's ceiling), against a server whose authorization
//! and token endpoints answer every request with a gzip bomb (64 MiB of
//! JSON/HTML in ~64 KiB on the wire), at several body caps; reports the
//! process's peak RSS after each (it only grows, so caps go up).
//! Time: one trial against a server that answers each request just inside
//! the timeout (the slowest a trial can be without erroring), and one
//! against a server that trickles a byte every 50 ms forever (the timeout
//! covers the body, not just the headers).
//!
//! Run with `cargo bench --bench hostile_limits` (`--profile dev` reuses the
//! debug build; the buffers, and so the memory figures, are the same). A
//! measurement, not a test: it asserts nothing.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use oauthcheck::agent::LoginConfig;
use oauthcheck::run::{self, RunOptions};
use oauthcheck::suite::AuthMethod;
use oauthcheck::target::{
    Client, Endpoints, EndpointsOrigin, Limits, Profile, Scopes, Secret, Timing,
};

/// How long the slow server waits before each answer.
const SLOW: Duration = Duration::from_millis(900);
/// The profile's timeout for the time measurements.
const TIMEOUT: Duration = Duration::from_secs(1);

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let base = runtime.block_on(serve());
    println!("peak RSS before any trial: {}", peak_rss());
    for cap in [256 * 1024, 1 << 20, 4 << 20] {
        let suite = suite(
            64,
            "- authorize: {}\n      - token: { code: abc }\n        check: { status: 200 }",
        );
        let profile = profile(&base, "/bomb", "/bomb", cap, Duration::from_secs(10));
        let clock = Instant::now();
        let (reports, peak) = runtime.block_on(execute(profile, suite, 32));
        println!(
            "gzip bombs, max_body {} KiB, {} trials, up to {peak} in flight (--jobs 32): {:.2}s, peak RSS {}",
            cap / 1024,
            reports.len(),
            clock.elapsed().as_secs_f64(),
            peak_rss()
        );
    }
    let steps = "- token: { code: a }\n      - token: { code: b }\n      - token: { code: c }\n        check: { status: 200 }";
    let slow_profile = profile(&base, "/slow", "/slow", 1 << 20, TIMEOUT);
    let clock = Instant::now();
    let (reports, _) = runtime.block_on(execute(slow_profile, suite(1, steps), 1));
    println!(
        "3 requests each answered after {SLOW:?} (timeout {TIMEOUT:?}): the trial took {:.2}s ({})",
        clock.elapsed().as_secs_f64(),
        reports[0].outcome.word()
    );
    let trickle_profile = profile(&base, "/trickle", "/trickle", 1 << 20, TIMEOUT);
    let clock = Instant::now();
    let (reports, _) = runtime.block_on(execute(trickle_profile, suite(1, steps), 1));
    println!(
        "a body trickling a byte every 50 ms (timeout {TIMEOUT:?}): the trial took {:.2}s ({})",
        clock.elapsed().as_secs_f64(),
        reports[0].outcome.word()
    );
}

/// Runs the suite; the reports and the highest concurrency the runner
/// reached (it adapts below `jobs`).
async fn execute(
    profile: Profile,
    suite: oauthcheck::suite::Suite,
    jobs: usize,
) -> (Vec<run::TrialReport>, usize) {
    let specs = run::plan(&[suite], &profile);
    let launched = run::launch(
        &tokio::runtime::Handle::current(),
        Arc::new(profile),
        specs,
        &RunOptions::with_jobs(jobs),
    );
    let mut reports = Vec::new();
    for trial in launched.trials {
        reports.push(trial.report.await.expect("every trial reports"));
    }
    let peak = launched.execution.snapshot().pace.peak_concurrency;
    (reports, peak)
}

/// `count` scenarios with the same `steps`.
fn suite(count: usize, steps: &str) -> oauthcheck::suite::Suite {
    let mut text = String::from("suite: hostile-limits\nscenarios:\n");
    for i in 0..count {
        text.push_str(&format!(
            "  - id: limits.t{i}\n    title: hostile\n    requirements: [code.single-use]\n    steps:\n      {steps}\n"
        ));
    }
    oauthcheck::suite::load_str(Path::new("hostile-limits.yaml"), &text)
        .unwrap_or_else(|d| panic!("the bench suite does not load: {}", d[0]))
}

fn profile(base: &str, authorization: &str, token: &str, cap: usize, timeout: Duration) -> Profile {
    Profile {
        name: "hostile".into(),
        issuer: None,
        endpoints: Endpoints {
            authorization: format!("{base}{authorization}"),
            token: format!("{base}{token}"),
            ..Endpoints::default()
        },
        main: Client {
            id: "app".into(),
            secret: Some(Secret::new("bench-secret-value")),
            redirect_uri: "https://client.example/cb".into(),
            other_redirect_uris: Vec::new(),
            auth_method: AuthMethod::ClientSecretBasic,
            key: None,
        },
        other: None,
        public: None,
        username: "alice".into(),
        password: Secret::new("bench-password-value"),
        login: LoginConfig::default(),
        capabilities: Default::default(),
        timing: Timing::default(),
        limits: Limits {
            rate: None,
            timeout,
            max_body: cap,
            jobs: None,
            ..Limits::default()
        },
        scopes: Scopes::default(),
        reuse_session: false,
        endpoints_origin: EndpointsOrigin::Warn,
        standard: oauthcheck::standard::StandardSet::default_for(|_| false),
        warnings: Vec::new(),
    }
}

async fn serve() -> String {
    let bomb = Arc::new(gzip_bomb());
    let app = Router::new()
        .route(
            "/bomb",
            get({
                let bomb = bomb.clone();
                move || async move { bomb_response(&bomb, "text/html") }
            })
            .post(move || async move { bomb_response(&bomb, "application/json") }),
        )
        .route("/slow", get(slow).post(slow))
        .route("/trickle", get(trickle).post(trickle));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// 64 MiB of spaces inside a JSON string, gzip-compressed.
fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(br#"{"pad":""#).expect("gzip");
    let mebibyte = vec![b' '; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&mebibyte).expect("gzip");
    }
    encoder.write_all(br#""}"#).expect("gzip");
    encoder.finish().expect("gzip")
}

fn bomb_response(bomb: &[u8], content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_ENCODING, "gzip"),
        ],
        bomb.to_vec(),
    )
        .into_response()
}

async fn slow() -> Response {
    tokio::time::sleep(SLOW).await;
    ([(header::CONTENT_TYPE, "application/json")], "{}").into_response()
}

async fn trickle() -> Response {
    let stream = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Some((Ok::<_, std::io::Error>(vec![b' ']), ()))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .expect("a response")
}

/// VmHWM from /proc/self/status (Linux): the process's peak resident set.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
