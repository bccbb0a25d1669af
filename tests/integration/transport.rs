//! How the harness reaches a target: the reference server's TLS mode, a
//! private CA (`limits.ca_file`, `--cacert`), `--insecure` (refused unless
//! given, marked in every report), the proxy (`--proxy`, `limits.proxy`:
//! everything through it, HTTPS by CONNECT), and `raw_query` bytes on the
//! wire exactly as written.
//!
//! The proxy and the capturing server are small in-test programs on
//! loopback ports: the test needs no tool outside the repository.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use assert_cmd::cargo::CommandCargoExt;
use oauthcheck::server::{self, ServerHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn oauthcheck() -> Command {
    let mut cmd = Command::cargo_bin("oauthcheck").expect("the binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY");
    cmd
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("oauthcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A reference server on its own runtime (the CLI runs block the test thread).
struct Running {
    runtime: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
}

impl Running {
    fn start(tls: bool) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = server::Config::default();
        config.tls.enabled = tls;
        let handle = runtime
            .block_on(server::spawn(config))
            .expect("the server starts");
        Running {
            runtime,
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &ServerHandle {
        self.handle.as_ref().expect("running")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// A profile for the default reference server at `issuer`, with `limits`.
fn profile(dir: &Path, issuer: &str, limits: &str) -> std::path::PathBuf {
    let path = dir.join("target.yaml");
    let text = format!(
        "name: tls-target\n\
         issuer: {issuer}\n\
         clients:\n  main:\n    id: app\n    secret: app-secret-TEST-ONLY-not-a-real-secret\n    redirect_uri: https://client.example/cb\n    auth_method: client_secret_basic\n\
         user: {{ username: alice, password: alice-password-TEST-ONLY }}\n\
         scopes: {{ default: \"openid profile api.read\" }}\n\
         limits: {{ timeout: 5s{limits} }}\n"
    );
    std::fs::write(&path, text).expect("profile written");
    path
}

fn report_json(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn a_tls_target_is_trusted_through_its_ca_file_and_refused_without_it() {
    let server = Running::start(true);
    let issuer = &server.handle().issuer;
    assert!(issuer.starts_with("https://"), "{issuer}");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.handle().ca_pem.as_ref().expect("a CA")).expect("CA written");

    // limits.ca_file, relative to the profile.
    let target = profile(dir.path(), issuer, ", ca_file: ca.pem");
    let reports = dir.path().join("with-ca");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .arg("run")
            .arg("--target")
            .arg(&target)
            .arg("--report-dir")
            .arg(&reports)
            .args(["--exact", "tls.https-only"]),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("pass   tls.https-only"), "{stdout}");
    assert!(report_json(&reports)["target"].get("insecure").is_none());

    // Without it: the certificate is not trusted, and nothing is judged.
    let target = profile(dir.path(), issuer, "");
    let reports = dir.path().join("without");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .arg("run")
            .arg("--target")
            .arg(&target)
            .arg("--report-dir")
            .arg(&reports)
            .args(["--exact", "tls.https-only"]),
    );
    assert_ne!(code, 0, "{stdout}");
    let all = format!("{stdout}{stderr}").to_lowercase();
    assert!(all.contains("certificate"), "{all}");
    assert!(!stdout.contains("pass   tls.https-only"), "{stdout}");

    // --cacert does what limits.ca_file does.
    let reports = dir.path().join("cacert");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .arg("run")
            .arg("--target")
            .arg(&target)
            .arg("--cacert")
            .arg(&ca)
            .arg("--report-dir")
            .arg(&reports)
            .args(["--exact", "tls.config"]),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

#[test]
fn insecure_is_off_unless_given_and_then_marked_in_every_report() {
    let server = Running::start(true);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = profile(dir.path(), &server.handle().issuer, "");
    // A profile cannot switch verification off.
    let sneaky = dir.path().join("sneaky.yaml");
    let text = std::fs::read_to_string(&target)
        .unwrap()
        .replace("timeout: 5s", "timeout: 5s, insecure: true");
    std::fs::write(&sneaky, text).unwrap();
    let (code, _, stderr) = output(oauthcheck().args(["validate"]).arg(&sneaky));
    assert_ne!(code, 0);
    assert!(stderr.contains("--insecure"), "{stderr}");

    let reports = dir.path().join("insecure");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .arg("run")
            .arg("--target")
            .arg(&target)
            .arg("--insecure")
            .arg("--report-dir")
            .arg(&reports)
            .args(["--exact", "tls.https-only"]),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("INSECURE"), "console: {stdout}");
    assert_eq!(report_json(&reports)["target"]["insecure"], true);
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml");
    assert!(
        junit.contains(r#"<property name="insecure" value="true"/>"#),
        "{junit}"
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("report.sarif")).expect("report.sarif"),
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["properties"]["insecure"], true);
    let html = std::fs::read_to_string(reports.join("report.html")).expect("report.html");
    assert!(html.contains("INSECURE"));
    let markdown = std::fs::read_to_string(reports.join("summary.md")).expect("summary.md");
    assert!(markdown.contains("INSECURE"), "{markdown}");
}

/// What the proxy saw: request lines of plain requests, `CONNECT` targets.
type Seen = Arc<Mutex<Vec<String>>>;

/// A small forward proxy: `CONNECT host:port` tunnels, absolute-form plain
/// requests are forwarded in origin form. One connection, one request.
async fn proxy() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(client, log.clone()));
        }
    });
    (port, seen)
}

async fn relay(mut client: TcpStream, seen: Seen) {
    let Some((head, rest)) = read_head(&mut client).await else {
        return;
    };
    let line = head.lines().next().unwrap_or_default().to_string();
    seen.lock().unwrap().push(line.clone());
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "CONNECT" {
        let Ok(mut upstream) = TcpStream::connect(target).await else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
            return;
        };
        let _ = client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await;
        let _ = upstream.write_all(&rest).await;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        return;
    }
    let Ok(url) = url::Url::parse(target) else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        return;
    };
    let authority = format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(80)
    );
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    let origin = &target[target.find(url.path()).unwrap_or(0)..];
    let rewritten = head.replacen(target, origin, 1);
    let _ = upstream.write_all(rewritten.as_bytes()).await;
    let _ = upstream.write_all(&rest).await;
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// Reads up to the end of a request head; returns it and any bytes after it.
async fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end + 4]).into_owned();
            return Some((head, buf[end + 4..].to_vec()));
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
}

#[test]
fn every_request_to_the_target_goes_through_the_proxy() {
    let server = Running::start(true);
    let (proxy_port, seen) = server.runtime.block_on(proxy());
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.handle().ca_pem.as_ref().unwrap()).unwrap();
    let target = profile(dir.path(), &server.handle().issuer, ", ca_file: ca.pem");
    let suite = dir.path().join("raw.yaml");
    std::fs::write(
        &suite,
        "suite: raw\nscenarios:\n  - id: raw.over-tls\n    title: a raw query over TLS through the proxy\n    requirements: [meta.document]\n    steps:\n      - request: { method: GET, url: \"${issuer}/.well-known/openid-configuration\", raw_query: \"q=a b\" }\n        check: { status: [200, 400] }\n",
    )
    .unwrap();
    let reports = dir.path().join("proxied");
    let proxy_url = format!("http://127.0.0.1:{proxy_port}");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .arg("run")
            .arg("--target")
            .arg(&target)
            .args(["--proxy", &proxy_url])
            .arg("--suites")
            .arg(&suite)
            .arg("--suites")
            .arg(crate::support::suites_dir().join("tls.yaml"))
            .arg("--report-dir")
            .arg(&reports),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let authority = server.handle().addr.to_string();
    let seen = seen.lock().unwrap().clone();
    // Discovery, the trials' HTTPS requests, the raw writer and the
    // handshake probe each opened a tunnel; the clear-text probe went as a
    // plain proxied request.
    let tunnels = seen
        .iter()
        .filter(|l| **l == format!("CONNECT {authority} HTTP/1.1"))
        .count();
    assert!(tunnels >= 3, "{seen:?}");
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("POST http://{authority}/token "))),
        "{seen:?}"
    );
    assert!(seen.iter().all(|l| l.contains(&authority)), "{seen:?}");

    // The embedded reference server is never proxied.
    let (code, _, stderr) =
        output(oauthcheck().args(["run", "--proxy", &proxy_url, "--exact", "meta.document"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("never proxied"), "{stderr}");
}

/// `init` reaches a TLS server through a private CA and a proxy, and writes
/// both into the starter profile (the CA as an absolute path, since the
/// profile resolves it against its own directory), which then validates.
#[test]
fn init_reaches_the_server_through_the_ca_and_proxy_and_keeps_them() {
    let server = Running::start(true);
    let (proxy_port, seen) = server.runtime.block_on(proxy());
    let issuer = &server.handle().issuer;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ca.pem"),
        server.handle().ca_pem.as_ref().unwrap(),
    )
    .unwrap();
    let proxy_url = format!("http://127.0.0.1:{proxy_port}");
    let init = |extra: &[&str], out: &str| {
        output(
            oauthcheck()
                .current_dir(dir.path())
                .args(["init", "--issuer", issuer, "--output", out])
                .args(extra),
        )
    };

    // Without the CA the certificate is not trusted: nothing is written.
    let (code, _, stderr) = init(&[], "untrusted.yaml");
    assert_eq!(code, 3, "{stderr}");
    assert!(!dir.path().join("untrusted.yaml").exists());

    let (code, _, stderr) = init(
        &["--cacert", "ca.pem", "--proxy", &proxy_url],
        "starter.yaml",
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("starter.yaml")).expect("written");
    let ca = std::path::absolute(dir.path().join("ca.pem")).unwrap();
    assert!(
        text.contains(&format!("ca_file: \"{}\"", ca.display())),
        "{text}"
    );
    assert!(text.contains(&format!("proxy: \"{proxy_url}\"")), "{text}");
    let authority = server.handle().addr.to_string();
    assert!(
        (seen.lock().unwrap().iter()).any(|l| *l == format!("CONNECT {authority} HTTP/1.1")),
        "discovery did not go through the proxy"
    );
    let (code, stdout, stderr) = output(
        oauthcheck()
            .current_dir(dir.path())
            .args(["validate", "starter.yaml"]),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");

    // `--insecure` works for discovery, and the starter says the run needs it too.
    let (code, _, stderr) = init(&["--insecure"], "insecure.yaml");
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("insecure.yaml")).expect("written");
    assert!(text.contains("run with `--insecure` again"), "{text}");
}

#[test]
fn raw_query_bytes_go_on_the_wire_exactly_as_written() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let lines: Seen = Arc::default();
    let log = lines.clone();
    let port = runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                if let Some((head, _)) = read_head(&mut socket).await {
                    log.lock().unwrap().push(head.lines().next().unwrap_or_default().to_string());
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
        });
        port
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let base = format!("http://127.0.0.1:{port}");
    let target = dir.path().join("capture.yaml");
    std::fs::write(
        &target,
        format!(
            "name: capture\nendpoints: {{ authorization: \"{base}/authorize\", token: \"{base}/token\" }}\n\
             clients:\n  main: {{ id: app, secret: s3cret-value-TEST-ONLY, redirect_uri: https://client.example/cb }}\n\
             user: {{ username: alice, password: alice-password-TEST-ONLY }}\n"
        ),
    )
    .unwrap();
    let suite = dir.path().join("raw.yaml");
    let raw = r#"x=a b"c<d>&y=%2541&z=${client.main.id}"#;
    std::fs::write(
        &suite,
        format!(
            "suite: raw\nscenarios:\n  - id: raw.bytes\n    title: raw bytes\n    requirements: [meta.document]\n    steps:\n      - request: {{ method: GET, url: \"{base}/probe?k=1\", raw_query: '{raw}' }}\n        check: {{ status: 200, fields: {{ body: ok }} }}\n"
        ),
    )
    .unwrap();
    let reports = dir.path().join("raw");
    let (code, stdout, stderr) = output(
        oauthcheck()
            .arg("run")
            .arg("--target")
            .arg(&target)
            .arg("--suites")
            .arg(&suite)
            .arg("--report-dir")
            .arg(&reports),
    );
    let expected = r#"GET /probe?k=1&x=a b"c<d>&y=%2541&z=app HTTP/1.1"#;
    let probes: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("/probe"))
        .cloned()
        .collect();
    assert_eq!(probes, vec![expected.to_string()], "{stdout}\n{stderr}");
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report = report_json(&reports);
    let exchange = &report["trials"][0]["exchanges"][0];
    assert_eq!(exchange["request_line"], expected, "{exchange}");

    // A line break in raw_query is refused where it stands.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "suite: bad\nscenarios:\n  - id: raw.bad\n    title: bad\n    requirements: [meta.document]\n    steps:\n      - request: { method: GET, url: \"http://h/\", raw_query: \"a=1\\r\\nX: y\" }\n",
    )
    .unwrap();
    let (code, _, stderr) = output(oauthcheck().arg("validate").arg(&bad));
    assert_ne!(code, 0);
    assert!(stderr.contains("bad.yaml:7:"), "{stderr}");
    assert!(stderr.contains("line break"), "{stderr}");
}
