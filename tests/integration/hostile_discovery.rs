//! Hostile issuers: discovery (`run --target` with `issuer:`, `init`) reads
//! through the agent's capped reader, names both well-known URLs when it
//! fails, turns a failure into `error` trials with reports (exit 3), and
//! says when metadata sends credentials to another origin.

use std::io::Write as _;
use std::process::Command;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use oauthcheck::target::{DiscoveryError, EndpointsOrigin, Limits, fetch_metadata};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn limits(timeout_ms: u64) -> Limits {
    Limits {
        rate: None,
        timeout: Duration::from_millis(timeout_ms),
        max_body: 256 * 1024,
        ..Limits::default()
    }
}

const OIDC: &str = "/.well-known/openid-configuration";
const OAUTH: &str = "/.well-known/oauth-authorization-server";

/// 64 MiB of JSON (a string of spaces) in about 64 KiB of gzip.
fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(br#"{"issuer":"x","pad":""#)
        .expect("gzip");
    let mebibyte = vec![b' '; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&mebibyte).expect("gzip");
    }
    encoder.write_all(br#""}"#).expect("gzip");
    encoder.finish().expect("gzip")
}

fn bomb_response(bomb: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_ENCODING, "gzip"),
        ],
        bomb,
    )
        .into_response()
}

fn endless() -> Response {
    let chunk = vec![b' '; 64 * 1024];
    let stream = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .expect("a response")
}

async fn hang() -> Response {
    tokio::time::sleep(Duration::from_secs(120)).await;
    "{}".into_response()
}

fn no_document(result: Result<oauthcheck::target::Metadata, DiscoveryError>) -> String {
    match result {
        Err(e @ DiscoveryError::NoDocument { .. }) => e.to_string(),
        other => panic!("expected no document, got {other:?}"),
    }
}

#[tokio::test]
async fn a_gzip_bomb_is_inflated_only_up_to_the_cap() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 1 << 20, "the bomb is small on the wire");
    let (a, b) = (bomb.clone(), bomb);
    let base = serve(
        Router::new()
            .route(OIDC, get(move || async move { bomb_response(a) }))
            .route(OAUTH, get(move || async move { bomb_response(b) })),
    )
    .await;
    let message = no_document(fetch_metadata(&base, &limits(10_000)).await);
    assert!(message.contains("262144-byte cap"), "{message}");
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let base = serve(
        Router::new()
            .route(OIDC, get(|| async { endless() }))
            .route(OAUTH, get(|| async { endless() })),
    )
    .await;
    let message = no_document(fetch_metadata(&base, &limits(10_000)).await);
    assert_eq!(message.matches("cap").count(), 2, "{message}");
}

#[tokio::test]
async fn a_hanging_issuer_times_out_and_both_urls_are_named() {
    let base = serve(Router::new().route(OIDC, get(hang)).route(OAUTH, get(hang))).await;
    let message = no_document(fetch_metadata(&base, &limits(300)).await);
    assert!(message.contains("timed out"), "{message}");
    assert!(message.contains(&format!("{base}{OIDC}")), "{message}");
    assert!(message.contains(&format!("{base}{OAUTH}")), "{message}");
}

#[tokio::test]
async fn junk_and_missing_documents_say_why() {
    let base = serve(Router::new().route(
        OIDC,
        get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>hi</html>") }),
    ))
    .await;
    let message = no_document(fetch_metadata(&base, &limits(2_000)).await);
    assert!(message.contains("not JSON"), "{message}");
    assert!(message.contains("HTTP 404"), "{message}");
}

#[tokio::test]
async fn both_documents_are_read_and_merged_for_a_path_issuer() {
    let base = serve(
        Router::new()
            .route(
                &format!("/tenant{OIDC}"),
                get(|| async {
                    axum::Json(serde_json::json!({"authorization_endpoint": "/from-oidc"}))
                }),
            )
            .route(
                &format!("{OAUTH}/tenant"),
                get(|| async {
                    axum::Json(serde_json::json!({
                        "authorization_endpoint": "/from-8414",
                        "token_endpoint": "/token-from-8414",
                    }))
                }),
            ),
    )
    .await;
    let metadata = fetch_metadata(&format!("{base}/tenant"), &limits(2_000))
        .await
        .expect("both documents merge");
    assert_eq!(metadata["authorization_endpoint"], "/from-oidc");
    assert_eq!(metadata["token_endpoint"], "/token-from-8414");
}

/// An issuer whose metadata puts the token endpoint on another origin.
async fn off_origin_issuer() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let metadata = serde_json::json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/hang"),
        "token_endpoint": "http://127.0.0.2:9/token",
    });
    let app = Router::new()
        .route(OIDC, get(move || async move { axum::Json(metadata) }))
        .route("/hang", get(hang));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn profile_text(issuer: &str, extra: &str) -> String {
    format!(
        r#"name: hostile-issuer
issuer: {issuer}
clients:
  main: {{ id: app, secret: "discovery-secret-value", redirect_uri: "https://client.example/cb" }}
user: {{ username: alice, password: "discovery-password" }}
limits: {{ timeout: 300ms }}
{extra}"#
    )
}

#[tokio::test]
async fn credentials_routed_off_origin_warn_and_strict_refuses() {
    let base = off_origin_issuer().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, profile_text(&base, "")).expect("written");
    let profile = oauthcheck::target::load_profile(&path).expect("loads");
    assert_eq!(profile.endpoints_origin, EndpointsOrigin::Warn);
    let resolved = profile.resolve().await.expect("resolves with a warning");
    assert!(
        resolved.warnings.iter().any(|w| w.contains("127.0.0.2:9")),
        "{:?}",
        resolved.warnings
    );
    std::fs::write(&path, profile_text(&base, "endpoints_origin: strict\n")).expect("written");
    let strict = oauthcheck::target::load_profile(&path).expect("loads");
    let error = strict.resolve().await.expect_err("strict refuses");
    assert!(error.to_string().contains("token_endpoint"), "{error}");
}

/// Runs `oauthcheck run --target` on a profile for `issuer`; returns the
/// exit code, stderr and report.json.
fn run_cli(issuer: &str, filter: &str) -> (Option<i32>, String, serde_json::Value) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("target.yaml");
    std::fs::write(&path, profile_text(issuer, "")).expect("written");
    let reports = dir.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_oauthcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--color", "never", filter, "--target"])
        .arg(&path)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .expect("oauthcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = std::fs::read_to_string(reports.join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}); stderr: {stderr}"));
    let report = serde_json::from_str(&report).expect("report.json is JSON");
    (out.status.code(), stderr, report)
}

#[test]
fn a_discovery_failure_writes_reports_with_every_trial_an_error_and_exits_3() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let base = runtime.block_on(serve(
        Router::new().route(OIDC, get(hang)).route(OAUTH, get(hang)),
    ));
    let (code, stderr, report) = run_cli(&base, "");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(stderr.contains(&format!("{base}{OAUTH}")), "{stderr}");
    let trials = report["trials"].as_array().expect("trials");
    assert!(trials.len() > 10);
    for trial in trials {
        assert_eq!(trial["outcome"], "error", "{trial}");
        let message = trial["message"].as_str().unwrap_or("");
        assert!(message.contains("timed out"), "{message}");
    }
}

#[test]
fn an_off_origin_token_endpoint_is_a_warning_on_the_console_and_in_the_report() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let base = runtime.block_on(off_origin_issuer());
    let (code, stderr, report) = run_cli(&base, "code.single-use");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("127.0.0.2:9"),
        "{stderr}"
    );
    let warnings = report["target"]["warnings"].to_string();
    assert!(warnings.contains("127.0.0.2:9"), "{warnings}");
}
