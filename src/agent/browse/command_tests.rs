//! The external login command's output protocol and evidence: result lines
//! for denial, wrong password and error pages, and the HAR file it may
//! write, read into the transcript and redacted.

use crate::agent::testutil::{agent, alice};
use crate::agent::{AgentError, BrowseResult, Consent, LoginConfig, Navigation, StopRule};
use crate::redact::MASK;

/// Writes a shell script to a fresh temp dir; returns the dir (kept alive
/// by the caller) and the script's path.
fn script(body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("login.sh");
    std::fs::write(&path, body).expect("write script");
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

async fn run(
    body: &str,
    consent: Consent,
) -> (crate::agent::Agent, Result<BrowseResult, AgentError>) {
    let (_dir, path) = script(body);
    let login = LoginConfig {
        command: Some(vec!["sh".to_string(), path]),
        ..alice()
    };
    let agent = agent();
    let result = agent
        .browse(
            "http://127.0.0.1:1/authorize?client_id=app",
            &login,
            consent,
            &StopRule::default(),
        )
        .await;
    (agent, result)
}

#[tokio::test]
async fn a_wrong_password_is_a_login_failure_whatever_the_exit_status() {
    let (_, result) = run(
        "echo 'OAUTHCHECK-RESULT: wrong-password Invalid login for alice-password'\nexit 1\n",
        Consent::Approve,
    )
    .await;
    let err = result.expect_err("a refused login");
    let AgentError::LoginFailed { url, reason } = &err else {
        panic!("expected a login failure, got {err:?}");
    };
    assert_eq!(url, "http://127.0.0.1:1/authorize?client_id=app");
    assert_eq!(
        reason,
        &format!("the login command reported a wrong password: Invalid login for {MASK}")
    );
}

#[tokio::test]
async fn error_and_denial_pages_are_pages_the_walk_stayed_on() {
    let (_, result) = run(
        "echo 'OAUTHCHECK-RESULT: error 400 redirect_uri is not registered'\n",
        Consent::Approve,
    )
    .await;
    let result = result.expect("an error page is a result");
    let Navigation::Stayed { status, url, title } = &result.navigation else {
        panic!("expected to stay: {:?}", result.navigation);
    };
    assert_eq!(
        (*status, url.as_str(), title.as_deref()),
        (
            400,
            "http://127.0.0.1:1/authorize?client_id=app",
            Some("redirect_uri is not registered")
        )
    );
    assert!(!result.logged_in && !result.consent_shown);

    let (_, result) = run(
        r#"echo 'OAUTHCHECK-RESULT: {"outcome":"denied","status":403,"url":"http://127.0.0.1:1/denied","message":"You said no"}'"#,
        Consent::Deny,
    )
    .await;
    let result = result.expect("a denial page is a result");
    assert!(
        matches!(&result.navigation, Navigation::Stayed { status: 403, url, title: Some(t) } if url == "http://127.0.0.1:1/denied" && t == "You said no"),
        "{:?}",
        result.navigation
    );
    assert!(result.consent_shown && result.logged_in);

    // A command that says no consent page was shown lets the runner skip.
    let (_, result) = run(
        r#"echo 'OAUTHCHECK-RESULT: {"outcome":"redirect","url":"http://127.0.0.1:9/cb?code=remembered-0123","consent_shown":false}'"#,
        Consent::Deny,
    )
    .await;
    let result = result.expect("a redirect");
    assert!(!result.consent_shown);
    assert_eq!(result.navigation.param("code"), Some("remembered-0123"));

    let (_, result) = run("echo 'OAUTHCHECK-RESULT: perhaps'\n", Consent::Approve).await;
    let err = result.expect_err("unknown outcome");
    assert!(
        err.to_string().contains("unknown outcome `perhaps`"),
        "{err}"
    );
}

/// A HAR 1.2 file as a browser exports it: the login POST with the
/// password and a session cookie, and the redirect carrying the code.
const HAR_SCRIPT: &str = r#"cat > "$OAUTHCHECK_HAR" <<'HAR'
{"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
  {"startedDateTime": "2026-01-01T00:00:00Z", "time": 12.5,
   "request": {"method": "GET", "url": "http://127.0.0.1:1/authorize?client_id=app", "httpVersion": "HTTP/1.1",
               "headers": [{"name": ":authority", "value": "127.0.0.1:1"}, {"name": "Accept", "value": "text/html"}],
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
   "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Content-Type", "value": "text/html"}, {"name": "Set-Cookie", "value": "sid=secret-cookie-value; HttpOnly"}],
                "content": {"size": 60, "mimeType": "text/html", "text": "PGZvcm0+PGlucHV0IG5hbWU9InBhc3N3b3JkIj48L2Zvcm0+", "encoding": "base64"},
                "redirectURL": "", "headersSize": -1, "bodySize": 60}, "cache": {}, "timings": {}},
  {"startedDateTime": "2026-01-01T00:00:01Z", "time": 30,
   "request": {"method": "POST", "url": "http://127.0.0.1:1/login", "httpVersion": "HTTP/1.1",
               "headers": [{"name": "Cookie", "value": "sid=secret-cookie-value"}],
               "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "username=alice&password=alice-password"},
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 38},
   "response": {"status": 302, "statusText": "Found", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Location", "value": "http://127.0.0.1:9/cb?code=har-code-0123456789&state=s"}],
                "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": 0}, "cache": {}, "timings": {}},
  {"startedDateTime": "2026-01-01T00:00:02Z", "time": -1,
   "request": {"method": "GET", "url": "http://127.0.0.1:1/blocked", "headers": []},
   "response": {"status": 0, "headers": [], "content": {}}}
]}}
HAR
echo "http://127.0.0.1:9/cb?code=har-code-0123456789&state=s"
"#;

#[tokio::test]
async fn the_commands_har_file_becomes_redacted_evidence() {
    let (agent, result) = run(HAR_SCRIPT, Consent::Approve).await;
    let result = result.expect("the command succeeds");
    assert_eq!(result.navigation.param("code"), Some("har-code-0123456789"));
    let transcript = agent.transcript();
    let lines: Vec<(String, String, Option<u16>)> = transcript
        .iter()
        .map(|e| (e.method.clone(), e.url.clone(), e.status))
        .collect();
    assert_eq!(
        lines,
        [
            (
                "GET".to_string(),
                "http://127.0.0.1:1/authorize?client_id=app".to_string(),
                Some(200)
            ),
            (
                "POST".to_string(),
                "http://127.0.0.1:1/login".to_string(),
                Some(302)
            ),
            (
                "GET".to_string(),
                "http://127.0.0.1:1/blocked".to_string(),
                None
            ),
        ]
    );
    assert_eq!(
        transcript[0].request_headers,
        [("accept".to_string(), "text/html".to_string())]
    );
    assert_eq!(
        transcript[0].response_body.as_deref(),
        Some(r#"<form><input name="password"></form>"#)
    );
    assert!(transcript[0].truncated, "60 bytes announced, fewer given");
    assert_eq!(transcript[1].elapsed_ms, 30);
    assert_eq!(
        transcript[1].request_body.as_deref(),
        Some(format!("username=alice&password={MASK}").as_str())
    );
    assert!(transcript[2].error.is_some());
    let all = serde_json::to_string(&transcript).expect("json");
    for secret in [
        "alice-password",
        "secret-cookie-value",
        "har-code-0123456789",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    assert_eq!(
        transcript[1].started_at.as_deref(),
        Some("2026-01-01T00:00:01.000Z")
    );
    assert_eq!(transcript[1].http_version.as_deref(), Some("HTTP/1.1"));

    // The command's entries come out in report.har, under the trial's page.
    let har = crate::report::har::render(&report_of(transcript)).expect("HAR");
    let value: serde_json::Value = serde_json::from_str(&har).expect("JSON");
    let entries = value["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["pageref"] == "login.command"));
    assert_eq!(entries[1]["startedDateTime"], "2026-01-01T00:00:01.000Z");
    assert_eq!(
        entries[1]["request"]["postData"]["text"],
        format!("username=alice&password={MASK}")
    );
    for secret in [
        "alice-password",
        "secret-cookie-value",
        "har-code-0123456789",
    ] {
        assert!(!har.contains(secret), "{secret} leaked into report.har");
    }
}

/// A one-trial run whose evidence is `exchanges`.
fn report_of(exchanges: Vec<crate::agent::Exchange>) -> crate::report::RunReport {
    crate::report::RunReport {
        format_version: crate::report::FORMAT_VERSION,
        tool_version: "test".into(),
        target: crate::report::TargetInfo {
            standard: None,
            name: "as".into(),
            issuer: None,
            flaws: Vec::new(),
            quirks: Vec::new(),
            warnings: Vec::new(),
            insecure: false,
        },
        started_at: "2026-01-01T00:00:00Z".into(),
        duration_ms: 0,
        trials: vec![crate::run::TrialReport {
            name: "login.command".into(),
            scenario: "login.command".into(),
            variant: None,
            title: "login through the command".into(),
            suite: "test".into(),
            requirements: Vec::new(),
            level: crate::suite::Level::Must,
            severity: crate::suite::Severity::High,
            refs: Vec::new(),
            outcome: crate::run::Outcome::Pass,
            message: None,
            location: None,
            duration_ms: 0,
            exchanges,
        }],
        execution: None,
    }
}

#[tokio::test]
async fn a_broken_har_file_is_a_command_error() {
    let (_, result) = run(
        "echo '{\"log\": {\"entries\": [' > \"$OAUTHCHECK_HAR\"\necho http://127.0.0.1:9/cb?code=x1234567\n",
        Consent::Approve,
    )
    .await;
    let err = result.expect_err("a truncated HAR");
    assert!(matches!(err, AgentError::Command { .. }), "{err:?}");
    assert!(err.to_string().contains("not HAR 1.2 JSON"), "{err}");
}
