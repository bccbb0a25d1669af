//! The small test client every server test uses: a browser (cookie jar, no
//! automatic redirects, HTML form scraping) and back-channel helpers, all
//! over loopback HTTP to a server spawned on `127.0.0.1:0`.
//!
//! It deliberately does not use the harness: these tests prove the server,
//! independently of the code that will test other servers.

use std::collections::HashMap;

use reqwest::header::{HeaderMap, LOCATION};
use serde_json::Value;

use crate::server::pkce::s256;
use crate::server::random;
use crate::server::{ALICE_PASSWORD, APP_SECRET, APP2_SECRET, Config, ServerHandle, spawn};

pub const APP_CB: &str = "https://client.example/cb";
pub const APP_CB_ALT: &str = "https://client.example/cb-alt";
pub const APP2_CB: &str = "https://other.example/cb2";
pub const SPA_CB: &str = "https://spa.example/cb";

/// A captured HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION.as_str())
    }

    /// The `error` member of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A running server and a client for its back channel.
pub struct TestServer {
    pub handle: ServerHandle,
    http: reqwest::Client,
}

/// Starts a server with this configuration on a free loopback port.
pub async fn start(config: Config) -> TestServer {
    let handle = spawn(config).await.expect("server starts");
    TestServer {
        handle,
        http: new_client(false),
    }
}

/// A loopback-only client: no proxy, no automatic redirects, no cookies.
pub fn http() -> reqwest::Client {
    new_client(false)
}

fn new_client(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(cookies)
        .no_proxy()
        .build()
        .expect("client builds")
}

/// Sends a request and captures the response; panics if the connection fails.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    capture(request.send().await.expect("the server answers")).await
}

async fn capture(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}

/// How a back-channel request authenticates its client.
#[derive(Clone, Debug)]
pub enum Auth<'a> {
    Basic(&'a str, &'a str),
    Post(&'a str, &'a str),
    IdOnly(&'a str),
    Nothing,
}

/// The default clients' own authentication.
pub const APP: Auth = Auth::Basic("app", APP_SECRET);
pub const APP2: Auth = Auth::Post("app2", APP2_SECRET);
pub const SPA: Auth = Auth::IdOnly("spa");

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        self.handle.url(path)
    }

    pub fn issuer(&self) -> &str {
        &self.handle.issuer
    }

    /// A fresh browser with its own cookie jar.
    pub fn browser(&self) -> Browser {
        Browser {
            http: new_client(true),
            authorize: self.url(&self.handle.config().paths.authorize),
            origin: self.handle.issuer.clone(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        capture(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    /// POSTs a form to a back-channel endpoint with client authentication.
    pub async fn post_form(&self, path: &str, auth: &Auth<'_>, params: &[(&str, &str)]) -> Reply {
        let mut form: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut request = self.http.post(self.url(path));
        match auth {
            Auth::Basic(id, secret) => {
                request = request.basic_auth(encode(id), Some(encode(secret)));
            }
            Auth::Post(id, secret) => {
                form.push(("client_id".into(), id.to_string()));
                form.push(("client_secret".into(), secret.to_string()));
            }
            Auth::IdOnly(id) => form.push(("client_id".into(), id.to_string())),
            Auth::Nothing => {}
        }
        capture(request.form(&form).send().await.expect("POST")).await
    }

    /// POSTs raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .basic_auth("app", Some(APP_SECRET))
            .body(body);
        capture(request.send().await.expect("POST")).await
    }

    pub async fn token(&self, auth: &Auth<'_>, params: &[(&str, &str)]) -> Reply {
        self.post_form(&self.handle.config().paths.token.clone(), auth, params)
            .await
    }

    /// Redeems a code obtained by [`Browser::flow`].
    pub async fn redeem(&self, auth: &Auth<'_>, grant: &Granted) -> Reply {
        let mut params = vec![
            ("grant_type", "authorization_code"),
            ("code", grant.code.as_str()),
            ("redirect_uri", grant.redirect_uri.as_str()),
        ];
        if let Some(verifier) = &grant.verifier {
            params.push(("code_verifier", verifier));
        }
        self.token(auth, &params).await
    }

    pub async fn refresh(
        &self,
        auth: &Auth<'_>,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Reply {
        let mut params = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        if let Some(scope) = scope {
            params.push(("scope", scope));
        }
        self.token(auth, &params).await
    }

    pub async fn revoke(&self, auth: &Auth<'_>, token: &str) -> Reply {
        let path = self.handle.config().paths.revoke.clone();
        self.post_form(&path, auth, &[("token", token)]).await
    }

    pub async fn introspect(&self, auth: &Auth<'_>, token: &str) -> Reply {
        let path = self.handle.config().paths.introspect.clone();
        self.post_form(&path, auth, &[("token", token)]).await
    }

    /// Whether introspection (as `app`) calls the token active.
    pub async fn active(&self, token: &str) -> bool {
        let reply = self.introspect(&APP, token).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["active"] == Value::Bool(true)
    }

    /// GETs a protected path with `Authorization: Bearer`.
    pub async fn bearer(&self, path: &str, token: &str) -> Reply {
        let request = self.http.get(self.url(path)).bearer_auth(token);
        capture(request.send().await.expect("GET")).await
    }

    /// Runs the front channel with `request` in a fresh browser and redeems
    /// the code; panics unless both succeed.
    pub async fn tokens(&self, request: &AuthRequest, auth: &Auth<'_>) -> Value {
        let granted = self
            .browser()
            .flow(request, Decision::Approve)
            .await
            .granted();
        let reply = self.redeem(auth, &granted).await;
        assert_eq!(reply.status, 200, "token: {}", reply.body);
        reply.json()
    }
}

/// Form-encodes a Basic credential component (RFC 6749 §2.3.1).
fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// An authorization request to send.
#[derive(Clone, Debug)]
pub struct AuthRequest {
    /// Parameters in order; `None` values are omitted.
    pub params: Vec<(String, String)>,
    /// The PKCE verifier whose S256 challenge was added, if any.
    pub verifier: Option<String>,
}

impl AuthRequest {
    /// `response_type=code` for `client_id` at `redirect_uri`, with a random
    /// state, a nonce and an S256 challenge.
    pub fn new(client_id: &str, redirect_uri: &str, scope: &str) -> AuthRequest {
        let verifier = format!("v-{}", random::token());
        AuthRequest {
            params: vec![
                ("response_type".into(), "code".into()),
                ("client_id".into(), client_id.into()),
                ("redirect_uri".into(), redirect_uri.into()),
                ("scope".into(), scope.into()),
                ("state".into(), random::token()),
                ("nonce".into(), random::token()),
                ("code_challenge".into(), s256(&verifier)),
                ("code_challenge_method".into(), "S256".into()),
            ],
            verifier: Some(verifier),
        }
    }

    /// `app` at its first redirect URI with `openid profile email api.read`.
    pub fn app() -> AuthRequest {
        AuthRequest::new("app", APP_CB, "openid profile email api.read")
    }

    /// Sets (replacing) a parameter.
    pub fn set(mut self, name: &str, value: &str) -> AuthRequest {
        self.params.retain(|(n, _)| n != name);
        self.params.push((name.into(), value.into()));
        self
    }

    /// Adds a parameter (possibly a duplicate).
    pub fn add(mut self, name: &str, value: &str) -> AuthRequest {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Removes a parameter; removing the challenge forgets the verifier.
    pub fn omit(mut self, name: &str) -> AuthRequest {
        self.params.retain(|(n, _)| n != name);
        if name == "code_challenge" {
            self.verifier = None;
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The button pressed on the consent page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
}

/// How a front-channel run ended.
#[derive(Debug)]
pub enum Outcome {
    /// A redirect that left the server (to the client).
    Client {
        /// The status of the redirect to the client.
        status: u16,
        location: String,
        params: HashMap<String, String>,
        request: AuthRequest,
    },
    /// The run stopped at a page of the server.
    Page(Reply),
}

/// What a successful run yields for the token request.
#[derive(Clone, Debug)]
pub struct Granted {
    pub code: String,
    pub redirect_uri: String,
    pub verifier: Option<String>,
}

impl Outcome {
    /// The client redirect's parameters; panics on a page.
    pub fn params(&self) -> &HashMap<String, String> {
        match self {
            Outcome::Client { params, .. } => params,
            Outcome::Page(reply) => panic!("no client redirect: {} {}", reply.status, reply.body),
        }
    }

    pub fn is_page(&self) -> bool {
        matches!(self, Outcome::Page(_))
    }

    /// Whether a client redirect carries a code.
    pub fn has_code(&self) -> bool {
        matches!(self, Outcome::Client { params, .. } if params.contains_key("code"))
    }

    pub fn location(&self) -> Option<&str> {
        match self {
            Outcome::Client { location, .. } => Some(location),
            Outcome::Page(_) => None,
        }
    }

    /// The code and what its redemption needs; panics without a code.
    pub fn granted(self) -> Granted {
        match self {
            Outcome::Client {
                params, request, ..
            } => Granted {
                code: params
                    .get("code")
                    .unwrap_or_else(|| panic!("no code in {params:?}"))
                    .clone(),
                redirect_uri: request.get("redirect_uri").unwrap_or_default().to_string(),
                verifier: request.verifier.clone(),
            },
            Outcome::Page(reply) => panic!("no client redirect: {} {}", reply.status, reply.body),
        }
    }
}

/// A user agent with its own cookie jar that scrapes and submits forms.
pub struct Browser {
    http: reqwest::Client,
    authorize: String,
    origin: String,
}

/// A scraped HTML form.
#[derive(Clone, Debug)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
    /// `(name, value)` of each submit button.
    pub buttons: Vec<(String, String)>,
}

impl Form {
    /// The first form of a page.
    pub fn scrape(html: &str) -> Option<Form> {
        let document = scraper::Html::parse_document(html);
        let form_selector = scraper::Selector::parse("form").ok()?;
        let input = scraper::Selector::parse("input").ok()?;
        let button = scraper::Selector::parse("button").ok()?;
        let form = document.select(&form_selector).next()?;
        let fields = form
            .select(&input)
            .filter_map(|e| {
                Some((
                    e.attr("name")?.to_string(),
                    e.attr("value").unwrap_or("").to_string(),
                ))
            })
            .collect();
        let buttons = form
            .select(&button)
            .filter_map(|e| {
                Some((
                    e.attr("name")?.to_string(),
                    e.attr("value").unwrap_or("").to_string(),
                ))
            })
            .collect();
        Some(Form {
            action: form.attr("action").unwrap_or_default().to_string(),
            fields,
            buttons,
        })
    }

    pub fn set(&mut self, name: &str, value: &str) {
        for (n, v) in &mut self.fields {
            if n == name {
                *v = value.to_string();
            }
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Browser {
    pub async fn get(&self, url: &str) -> Reply {
        capture(self.http.get(url).send().await.expect("GET")).await
    }

    /// Submits a form, pressing the button with this value (if any).
    pub async fn submit(&self, form: &Form, button: Option<&str>) -> Reply {
        let mut fields = form.fields.clone();
        if let Some(value) = button {
            let (name, value) = form
                .buttons
                .iter()
                .find(|(_, v)| v == value)
                .unwrap_or_else(|| panic!("no button {value} in {form:?}"))
                .clone();
            fields.push((name, value));
        }
        self.post(&form.action, &fields).await
    }

    pub async fn post(&self, url: &str, fields: &[(String, String)]) -> Reply {
        capture(self.http.post(url).form(fields).send().await.expect("POST")).await
    }

    /// GETs the authorization endpoint with these parameters.
    pub async fn authorize(&self, request: &AuthRequest) -> Reply {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(request.params.iter())
            .finish();
        self.get(&format!("{}?{query}", self.authorize)).await
    }

    /// Follows the server's own redirects from `reply`, logging in as alice
    /// and pressing `decision` on consent, until a redirect leaves the server
    /// or a page has no way on.
    pub async fn follow(
        &self,
        mut reply: Reply,
        request: &AuthRequest,
        decision: Decision,
    ) -> Outcome {
        for _ in 0..10 {
            if let Some(location) = reply.location().map(str::to_string) {
                // A 307 after the login POST (the `headers.no-307` flaw,
                // probed in `flaws`) is followed by GET here.
                if !location.starts_with(&self.origin) {
                    return client_outcome(reply.status, location, request);
                }
                reply = self.get(&location).await;
                continue;
            }
            let Some(mut form) = (reply.status < 400 || reply.status == 401)
                .then(|| Form::scrape(&reply.body))
                .flatten()
            else {
                return Outcome::Page(reply);
            };
            if form.field("password").is_some() {
                if reply.status == 401 {
                    return Outcome::Page(reply);
                }
                form.set("username", "alice");
                form.set("password", ALICE_PASSWORD);
                reply = self.submit(&form, None).await;
            } else if form.field("username").is_some() {
                // The username page of the `identifier-first` quirk.
                form.set("username", "alice");
                reply = self.submit(&form, None).await;
            } else {
                let button = match decision {
                    Decision::Approve => "approve",
                    Decision::Deny => "deny",
                };
                reply = self.submit(&form, Some(button)).await;
            }
        }
        panic!("too many steps in the front channel")
    }

    /// A whole front-channel run.
    pub async fn flow(&self, request: &AuthRequest, decision: Decision) -> Outcome {
        let reply = self.authorize(request).await;
        self.follow(reply, request, decision).await
    }

    /// Runs authorize and stops at the consent page, returning its form.
    pub async fn consent_form(&self, request: &AuthRequest) -> Form {
        let mut reply = self.authorize(request).await;
        for _ in 0..10 {
            if let Some(location) = reply.location().map(str::to_string) {
                reply = self.get(&location).await;
                continue;
            }
            let mut form =
                Form::scrape(&reply.body).unwrap_or_else(|| panic!("no form: {}", reply.body));
            if form.field("password").is_none() {
                return form;
            }
            form.set("username", "alice");
            form.set("password", ALICE_PASSWORD);
            reply = self.submit(&form, None).await;
        }
        panic!("consent page not reached")
    }
}

fn client_outcome(status: u16, location: String, request: &AuthRequest) -> Outcome {
    let pairs: Vec<(String, String)> = crate::oauth::uri::RawUri::split(&location)
        .query
        .map(|query| {
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    Outcome::Client {
        status,
        params: pairs.into_iter().collect(),
        location,
        request: request.clone(),
    }
}

/// The second confidential client's credentials for a code of `app2`.
pub fn app2_request() -> AuthRequest {
    AuthRequest::new("app2", APP2_CB, "openid api.read")
}
