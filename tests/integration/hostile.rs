//! Hostile targets: a server that hangs, floods, loops or talks nonsense must
//! end the affected trial as `error` with a clear reason — never a pass,
//! never a panic, never a hang.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use oauthcheck::agent::LoginConfig;
use oauthcheck::run::{self, Outcome, RunOptions, TrialReport};
use oauthcheck::suite::AuthMethod;
use oauthcheck::target::{
    Client, Endpoints, EndpointsOrigin, Limits, Profile, Scopes, Secret, Timing,
};

const SUITE: &str = r#"
suite: hostile
scenarios:
  - id: hostile.token
    title: The token endpoint misbehaves
    requirements: [code.single-use]
    steps:
      - token: { code: abc }
        expect: { status: 200, json: { access_token: present } }
        check: { json: { token_type: present } }
  - id: hostile.authorize
    title: The authorization endpoint misbehaves
    requirements: [redirect.exact-match]
    steps:
      - authorize: {}
        check: { redirect: { params: { code: present } } }
"#;

async fn hang() -> Response {
    tokio::time::sleep(Duration::from_secs(120)).await;
    StatusCode::OK.into_response()
}

async fn huge() -> Response {
    let chunk = vec![b'a'; 64 * 1024];
    let stream =
        futures_util::stream::iter((0..800).map(move |_| Ok::<_, std::io::Error>(chunk.clone()))); // 50 MiB
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .expect("a valid response")
}

async fn redirect_loop() -> Response {
    (StatusCode::FOUND, [(header::LOCATION, "/loop")]).into_response()
}

async fn binary() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        vec![0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96],
    )
        .into_response()
}

async fn bad_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"access_token": "#,
    )
        .into_response()
}

/// A token endpoint that answers 200 with a page, not a token response.
async fn junk_200() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body>Welcome!</body></html>",
    )
        .into_response()
}

/// A JSON document that is not a JWK set.
async fn not_a_jwk_set() -> Response {
    axum::Json(serde_json::json!({"issuer": "http://127.0.0.1", "keys": "none"})).into_response()
}

/// An error response echoing the request's `Authorization` header, raw, as
/// JSON with `/` escaped (as PHP writes it), and percent-encoded in a URL.
async fn echo_basic(headers: axum::http::HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let credential = auth.split_once(' ').map_or("", |(_, c)| c);
    let percent: String = form_urlencoded::byte_serialize(credential.as_bytes()).collect();
    let body = format!(
        r#"{{"error":"invalid_client","error_description":"unknown client: {auth}","php":"{}","error_uri":"http://as.example/help?auth={percent}"}}"#,
        credential.replace('/', "\\/")
    );
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

pub async fn start_hostile() -> String {
    let app = Router::new()
        .route("/hang", get(hang).post(hang))
        .route("/huge", get(huge).post(huge))
        .route("/loop", get(redirect_loop).post(redirect_loop))
        .route("/binary", get(binary).post(binary))
        .route("/badjson", post(bad_json))
        .route("/junk200", get(junk_200).post(junk_200))
        .route("/not-a-jwk-set", get(not_a_jwk_set))
        .route("/echo-basic", post(echo_basic));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn profile(base: &str, authorization: &str, token: &str) -> Profile {
    Profile {
        name: "hostile".into(),
        issuer: Some(base.to_string()),
        endpoints: Endpoints {
            authorization: format!("{base}{authorization}"),
            token: format!("{base}{token}"),
            ..Endpoints::default()
        },
        main: Client {
            id: "app".into(),
            secret: Some(Secret::new("hostile-secret-value")),
            redirect_uri: "https://client.example/cb".into(),
            other_redirect_uris: Vec::new(),
            auth_method: AuthMethod::ClientSecretBasic,
            key: None,
        },
        other: None,
        public: None,
        username: "alice".into(),
        password: Secret::new("hostile-password-value"),
        login: LoginConfig::default(),
        capabilities: BTreeSet::new(),
        timing: Timing::default(),
        limits: Limits {
            rate: None,
            timeout: Duration::from_millis(500),
            max_body: 256 * 1024,
            jobs: None,
            ..Limits::default()
        },
        scopes: Scopes {
            default: "openid".into(),
            ..Scopes::default()
        },
        reuse_session: false,
        endpoints_origin: EndpointsOrigin::Warn,
        standard: oauthcheck::standard::StandardSet::default_for(|_| false),
        warnings: Vec::new(),
    }
}

async fn run_case(authorization: &str, token: &str) -> Vec<TrialReport> {
    let base = start_hostile().await;
    let suite = oauthcheck::suite::load_str(Path::new("hostile.yaml"), SUITE)
        .expect("the hostile suite loads");
    let profile = profile(&base, authorization, token);
    let specs = run::plan(&[suite], &profile);
    let options = RunOptions::with_jobs(4);
    let run = run::execute(Arc::new(profile), specs, &options);
    // A guard against a hang, not a performance assertion.
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("hostile trials end")
}

fn assert_error(reports: &[TrialReport], name: &str, reason: &str) {
    let report = reports
        .iter()
        .find(|r| r.name == name)
        .expect("the trial ran");
    assert_eq!(
        report.outcome,
        Outcome::Error,
        "{name}: {:?}",
        report.message
    );
    let message = report.message.as_deref().unwrap_or("");
    assert!(
        message.contains(reason),
        "{name}: expected the reason to mention `{reason}`, got: {message}"
    );
}

#[tokio::test]
async fn a_hanging_target_times_out_as_error() {
    let reports = run_case("/hang", "/hang").await;
    assert_error(&reports, "hostile.token", "timed out");
    assert_error(&reports, "hostile.authorize", "timed out");
}

#[tokio::test]
async fn a_huge_body_is_capped_and_the_trial_errors() {
    let reports = run_case("/huge", "/huge").await;
    assert_error(&reports, "hostile.token", "positive control failed");
    // The reason says the body was cut, not only that it did not parse.
    assert_error(&reports, "hostile.token", "262144-byte cap");
    let exchanges = &reports
        .iter()
        .find(|r| r.name == "hostile.token")
        .expect("ran")
        .exchanges;
    assert!(
        exchanges.iter().any(|e| e.truncated),
        "the huge body was not marked truncated"
    );
}

#[tokio::test]
async fn a_redirect_loop_is_bounded() {
    let reports = run_case("/loop", "/loop").await;
    assert_error(&reports, "hostile.authorize", "redirects");
}

#[tokio::test]
async fn non_utf8_and_invalid_json_are_errors_not_panics() {
    let reports = run_case("/binary", "/badjson").await;
    assert_error(&reports, "hostile.token", "positive control failed");
    let authorize = reports
        .iter()
        .find(|r| r.name == "hostile.authorize")
        .expect("ran");
    assert_ne!(authorize.outcome, Outcome::Pass);
}

#[tokio::test]
async fn an_unreachable_target_is_an_error() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let suite = oauthcheck::suite::load_str(Path::new("hostile.yaml"), SUITE).expect("loads");
    let profile = profile(&base, "/authorize", "/token");
    let specs = run::plan(&[suite], &profile);
    let reports = run::execute(Arc::new(profile), specs, &RunOptions::with_jobs(2)).await;
    assert_error(&reports, "hostile.token", "connect");
}

/// The shipped suites against the correct reference server with `adjust`
/// applied to its profile, the trials whose names start with `prefix`.
async fn reference_with(prefix: &str, adjust: impl FnOnce(&mut Profile)) -> Vec<TrialReport> {
    let suites = crate::support::shipped_suites();
    let (mut profile, server) = oauthcheck::harness::embedded_target(&[], &[])
        .await
        .expect("the reference server starts");
    adjust(&mut profile);
    let specs: Vec<_> = run::plan(&suites, &profile)
        .into_iter()
        .filter(|s| s.name.starts_with(prefix))
        .collect();
    assert!(!specs.is_empty(), "no trial starts with `{prefix}`");
    let options = RunOptions::with_jobs(16);
    let run = run::execute(Arc::new(profile), specs, &options);
    let reports = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the trials end");
    server.shutdown().await;
    reports
}

#[tokio::test]
async fn an_unusable_jwk_set_is_an_error_never_an_idtoken_signature_fail() {
    let hostile = start_hostile().await;
    let cases = [
        ("/jwks-mistyped", "answered HTTP 404", true),
        ("/junk200", "not JSON", false),
        ("/huge", "cap", false),
        ("/not-a-jwk-set", "not a JWK set", false),
        ("/hang", "timed out", false),
    ];
    for (path, reason, on_reference) in cases {
        let reports = reference_with("idtoken.signature", |profile| {
            let base = if on_reference {
                profile.issuer.clone().expect("an issuer")
            } else {
                hostile.clone()
            };
            profile.endpoints.jwks = Some(format!("{base}{path}"));
            profile.limits.timeout = Duration::from_secs(2);
        })
        .await;
        assert_error(&reports, "idtoken.signature", reason);
    }
    // Without any JWK set the signature cannot be judged either.
    let reports =
        reference_with("idtoken.signature", |profile| profile.endpoints.jwks = None).await;
    assert_error(&reports, "idtoken.signature", "no `jwks` endpoint");
}

#[tokio::test]
async fn a_token_endpoint_answering_200_junk_fails_no_check() {
    let hostile = start_hostile().await;
    let reports = reference_with("", |profile| {
        profile.endpoints.token = format!("{hostile}/junk200");
    })
    .await;
    let failed: Vec<&TrialReport> = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Warn))
        .collect();
    assert!(
        failed.is_empty(),
        "no token was ever issued, yet:\n{}",
        crate::support::describe(&failed)
    );
    // The refusal checks are errors that say why.
    assert_error(&reports, "error.grant-type", "without an `access_token`");
    assert_error(
        &reports,
        "token.post-body-only",
        "without an `access_token`",
    );
}

#[test]
fn an_echoed_basic_credential_reaches_no_report_and_no_console() {
    use base64::Engine as _;
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let base = runtime.block_on(start_hostile());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let secret = "echo secret/with+special=chars";
    let suite = dir.path().join("echo.yaml");
    std::fs::write(
        &suite,
        r#"suite: echo
scenarios:
  - id: echo.basic
    title: A token endpoint that echoes the credential
    requirements: [client-auth.bad-secret]
    steps:
      - token: { code: abc }
        check: { status: 200 }
"#,
    )
    .expect("the suite is written");
    let profile = dir.path().join("echo-target.yaml");
    std::fs::write(
        &profile,
        format!(
            r#"name: echo
endpoints: {{ authorization: "{base}/hang", token: "{base}/echo-basic" }}
clients:
  main: {{ id: "app id", secret: "{secret}", redirect_uri: "https://client.example/cb" }}
user: {{ username: alice, password: "echo-password-value" }}
"#
        ),
    )
    .expect("the profile is written");
    let reports = dir.path().join("reports");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oauthcheck"))
        .args(["run", "--color", "never", "--target"])
        .arg(&profile)
        .arg("--suites")
        .arg(&suite)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .expect("oauthcheck runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "the check fails: {console}");
    let standard = base64::engine::general_purpose::STANDARD;
    let sent = standard.encode("app+id:echo+secret%2Fwith%2Bspecial%3Dchars");
    let mut forms = vec![sent.clone(), sent.replace('/', "\\/")];
    forms.push(form_urlencoded::byte_serialize(sent.as_bytes()).collect());
    forms.push(sent.trim_end_matches('=').to_string());
    let mut texts = vec![("console".to_string(), console)];
    for file in [
        "report.json",
        "report.html",
        "junit.xml",
        "report.sarif",
        "summary.md",
    ] {
        let text = std::fs::read_to_string(reports.join(file)).expect("the report is written");
        texts.push((file.to_string(), text));
    }
    assert!(
        texts[1].1.contains("unknown client"),
        "the echo is in the evidence"
    );
    for (name, text) in &texts {
        for form in &forms {
            assert!(
                !text.contains(form.as_str()),
                "{name} leaks the Basic credential as `{form}`"
            );
        }
        assert!(!text.contains(secret), "{name} leaks the secret");
    }
}

#[test]
fn a_closed_stdout_or_stderr_never_panics_the_command_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "suite: bad\nscenarios:\n  - id: x\n    stepz: []\n").expect("written");
    let oauthcheck = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_oauthcheck"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
        cmd
    };
    let closed = || {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        writer
    };
    let cases: [(&str, std::process::Command, i32); 4] = [
        (
            "validate, problems on a closed stderr",
            {
                let mut cmd = oauthcheck();
                cmd.arg("validate").arg(&bad).stderr(closed());
                cmd
            },
            2,
        ),
        (
            "validate, ok on a closed stdout",
            {
                let mut cmd = oauthcheck();
                cmd.args(["validate", "suites/"]).stdout(closed());
                cmd
            },
            0,
        ),
        (
            "a usage error on a closed stderr",
            {
                let mut cmd = oauthcheck();
                cmd.args(["run", "--flaw", "no-such-flaw"]).stderr(closed());
                cmd
            },
            2,
        ),
        (
            "list-flaws on a closed stdout",
            {
                let mut cmd = oauthcheck();
                cmd.args(["serve", "--list-flaws"]).stdout(closed());
                cmd
            },
            0,
        ),
    ];
    for (what, mut cmd, expected) in cases {
        let status = cmd.status().expect("oauthcheck runs");
        assert_eq!(status.code(), Some(expected), "{what}");
    }
}

/// A megabyte of NUL bytes served as HTML: costly to parse.
async fn nul_page() -> Response {
    ([(header::CONTENT_TYPE, "text/html")], vec![0u8; 1 << 20]).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn parsing_a_huge_page_does_not_stall_the_other_trials() {
    use oauthcheck::agent::{Agent, AgentConfig, Consent, StopRule};
    use std::sync::atomic::{AtomicBool, Ordering};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let app = Router::new().route("/nul", get(nul_page));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = AgentConfig {
        max_body: 2 << 20,
        ..AgentConfig::default()
    };
    let agent =
        Agent::new(config, Arc::new(oauthcheck::redact::Redactor::new())).expect("an agent");
    let stop = StopRule {
        as_origins: vec![oauthcheck::target::origin_of(&base).expect("an origin")],
        client_uris: vec!["https://client.example/cb".into()],
    };
    // Another trial's timer, on the runtime's only worker: how late does it fire?
    let done = Arc::new(AtomicBool::new(false));
    let ticker = tokio::spawn({
        let done = done.clone();
        async move {
            let mut latest = Duration::ZERO;
            while !done.load(Ordering::Relaxed) {
                let asked = std::time::Instant::now();
                tokio::time::sleep(Duration::from_millis(2)).await;
                latest = latest.max(asked.elapsed().saturating_sub(Duration::from_millis(2)));
            }
            latest
        }
    });
    // The trial runs as a task on the worker, as the runner's trials do
    // (the test's own future runs on another thread).
    let trial = tokio::spawn(async move {
        let started = std::time::Instant::now();
        for _ in 0..3 {
            agent
                .browse(
                    &format!("{base}/nul"),
                    &LoginConfig::default(),
                    Consent::Approve,
                    &stop,
                )
                .await
                .expect("the page is browsed");
        }
        started.elapsed() / 3
    });
    let parsing = trial.await.expect("the trial ends");
    done.store(true, Ordering::Relaxed);
    let late = ticker.await.expect("the ticker ends");
    // Parsing inline on the worker delays the timer by a whole parse; off
    // the workers, by a small part of one.
    assert!(
        late < parsing / 2,
        "a timer fired {late:?} late while a page took {parsing:?} to fetch and parse"
    );
}
