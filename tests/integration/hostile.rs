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

async fn start_hostile() -> String {
    let app = Router::new()
        .route("/hang", get(hang).post(hang))
        .route("/huge", get(huge).post(huge))
        .route("/loop", get(redirect_loop).post(redirect_loop))
        .route("/binary", get(binary).post(binary))
        .route("/badjson", post(bad_json));
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
            auth_method: AuthMethod::Basic,
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
        },
        scopes: Scopes {
            default: "openid".into(),
            ..Scopes::default()
        },
        reuse_session: false,
        endpoints_origin: EndpointsOrigin::Warn,
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
