//! Throughput of the reference authorization server: complete
//! authorization-code flows per second (authorize → login form → consent →
//! token), driven over loopback HTTP with reqwest, sequentially and with
//! several concurrent clients.
//!
//! Run with `cargo bench --bench server_flows`; `FLOWS=N` changes the number
//! of flows per measurement (default 400). It measures the server plus a
//! realistic client, not the server alone: every flow scrapes two HTML forms
//! and carries its own cookies, like the harness does.

use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauthcheck::server::{ALICE_PASSWORD, APP_SECRET, Config, ServerHandle, spawn};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

const REDIRECT_URI: &str = "https://client.example/cb";

fn main() {
    let flows: usize = std::env::var("FLOWS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(400);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(async {
        let server = spawn(Config::default()).await.expect("the server starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("a client builds");
        // Warm up connections, keys and allocations.
        for _ in 0..20 {
            flow(&server, &http).await;
        }
        for concurrency in [1, 8] {
            let elapsed = measure(&server, &http, flows, concurrency).await;
            println!(
                "{flows} flows, {concurrency} concurrent client(s): {:.2?} total, {:.0} flows/s, {:.2} ms/flow",
                elapsed,
                flows as f64 / elapsed.as_secs_f64(),
                elapsed.as_secs_f64() * 1000.0 / flows as f64 * concurrency as f64,
            );
        }
        server.shutdown().await;
    });
}

/// Runs `flows` flows split over `concurrency` tasks and returns the wall time.
async fn measure(
    server: &ServerHandle,
    http: &reqwest::Client,
    flows: usize,
    concurrency: usize,
) -> Duration {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let share = flows / concurrency + usize::from(worker < flows % concurrency);
        let authorize = server.url("/authorize");
        let token = server.url("/token");
        let http = http.clone();
        tasks.spawn(async move {
            for _ in 0..share {
                run_flow(&http, &authorize, &token).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a worker panicked");
    }
    started.elapsed()
}

async fn flow(server: &ServerHandle, http: &reqwest::Client) {
    run_flow(http, &server.url("/authorize"), &server.url("/token")).await;
}

/// One complete flow with its own cookies; panics if any step fails.
async fn run_flow(http: &reqwest::Client, authorize: &str, token: &str) {
    let mut cookies = Jar::default();
    let verifier = format!("bench-verifier-{:032}", rand_u64());
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", "app"),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid profile api.read"),
            ("state", "bench-state"),
            ("nonce", "bench-nonce"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let to_login = cookies.send(http.get(format!("{authorize}?{query}"))).await;
    let login_page = cookies.send(http.get(location(&to_login))).await;
    let (action, mut fields) = scrape_form(&login_page.text().await.expect("login page"));
    fields.push(("username".into(), "alice".into()));
    fields.push(("password".into(), ALICE_PASSWORD.into()));
    let to_consent = cookies.send(http.post(action).form(&fields)).await;
    let consent_page = cookies.send(http.get(location(&to_consent))).await;
    let (action, mut fields) = scrape_form(&consent_page.text().await.expect("consent page"));
    fields.push(("decision".into(), "approve".into()));
    let to_client = cookies.send(http.post(action).form(&fields)).await;
    let back = url::Url::parse(&location(&to_client)).expect("a client URL");
    let code = back
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned())
        .expect("a code");
    let tokens = http
        .post(token)
        .basic_auth("app", Some(APP_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(tokens.status(), 200);
    let body: serde_json::Value = tokens.json().await.expect("token JSON");
    assert!(body["id_token"].is_string());
}

/// A minimal per-flow cookie jar (name=value pairs from `Set-Cookie`).
#[derive(Default)]
struct Jar(Vec<String>);

impl Jar {
    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let request = if self.0.is_empty() {
            request
        } else {
            request.header(COOKIE, self.0.join("; "))
        };
        let response = request.send().await.expect("request");
        for value in response.headers().get_all(SET_COOKIE) {
            if let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) {
                self.0.push(pair.to_string());
            }
        }
        assert!(response.status().as_u16() < 400, "{}", response.status());
        response
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .expect("a redirect")
        .to_string()
}

/// The action and hidden fields of the page's form.
fn scrape_form(html: &str) -> (String, Vec<(String, String)>) {
    let document = scraper::Html::parse_document(html);
    let form = scraper::Selector::parse("form").expect("selector");
    let hidden = scraper::Selector::parse("input[type=hidden]").expect("selector");
    let form = document.select(&form).next().expect("a form");
    let fields = form
        .select(&hidden)
        .filter_map(|input| {
            Some((
                input.attr("name")?.to_string(),
                input.attr("value").unwrap_or_default().to_string(),
            ))
        })
        .collect();
    (form.attr("action").expect("an action").to_string(), fields)
}

fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    aws_lc_rs::rand::fill(&mut bytes).expect("random bytes");
    u64::from_le_bytes(bytes)
}
