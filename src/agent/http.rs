//! Sending one request exactly as asked and recording it: the reqwest client
//! (no redirects, rustls, timeouts), the session cookie jar for front-channel
//! requests only, the body cap, error mapping, and the redacted transcript.
//!
//! It must not follow redirects, normalise the URL beyond what parsing
//! requires, buffer a body past `max_body`, or put an unredacted value into
//! the transcript or an error.

use std::error::Error as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;
use url::Url;

use super::cookies::SessionJar;
use super::{
    Agent, AgentConfig, AgentError, Body, Exchange, Request, Response, Signal, TrialContext,
};
use crate::redact::{Redactor, is_sensitive_name};

/// How much of a response body the transcript keeps.
const EXCERPT: usize = 4 * 1024;
/// How much of a body is redacted before the excerpt is cut (so a secret
/// that straddles the cut is still masked whole).
const REDACT_WINDOW: usize = 16 * 1024;
/// Learned values shorter than this are not masked everywhere: they would
/// mask ordinary words.
const MIN_LEARNED: usize = 8;
/// Sent when the caller gives no `User-Agent`.
const USER_AGENT: &str = concat!("oauthcheck/", env!("CARGO_PKG_VERSION"));

/// What an answer tells the pacer.
pub(super) fn signal_for(result: &Result<Response, AgentError>, elapsed: Duration) -> Signal {
    if overloaded(result) {
        Signal::Overloaded
    } else if result.is_ok() {
        Signal::Answered(elapsed)
    } else {
        Signal::Other
    }
}

/// Whether a result says the server is overloaded: a timeout, a refused
/// connection, a 429 or a 5xx.
fn overloaded(result: &Result<Response, AgentError>) -> bool {
    match result {
        Ok(response) => response.status == 429 || response.status >= 500,
        Err(AgentError::Timeout { .. } | AgentError::Connect { .. }) => true,
        Err(_) => false,
    }
}

/// The longest a 429's `Retry-After` is waited out before the one retry:
/// longer than a typical per-minute login window's remainder is not worth a
/// trial's time (the retry's own 429 then ends the trial as an error).
pub(super) const RATE_LIMIT_WAIT_CAP: Duration = Duration::from_secs(30);

/// How long to wait before retrying a 429: its `Retry-After` (RFC 9110
/// §10.2.3: delta-seconds or an HTTP-date), at most [`RATE_LIMIT_WAIT_CAP`];
/// 5 s when it has none or an unreadable one.
pub(super) fn rate_limit_wait(response: &Response, now: std::time::SystemTime) -> Duration {
    let asked = response.header("retry-after").and_then(|value| {
        let value = value.trim();
        match value.parse::<u64>() {
            Ok(seconds) => Some(Duration::from_secs(seconds)),
            Err(_) => httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
        }
    });
    asked
        .unwrap_or(Duration::from_secs(5))
        .min(RATE_LIMIT_WAIT_CAP)
}

/// What latencies are compared by: the method and the path (no query).
pub(super) fn pace_key(request: &Request) -> String {
    let path = crate::oauth::uri::without_query(&request.url);
    format!("{} {path}", request.method.to_ascii_uppercase())
}

/// A body to send: its content type and text.
type TypedBody = (String, String);

/// What every agent derived from one `Agent::new` has in common.
pub(super) struct Shared {
    pub(super) client: reqwest::Client,
    pub(super) config: AgentConfig,
    pub(super) redactor: Arc<Redactor>,
    pub(super) transcript: Arc<Mutex<Vec<Exchange>>>,
    /// The trial this agent works for (queue place, hooks).
    pub(super) trial: TrialContext,
    /// The cookies of the shared session the trial started from (empty when
    /// it started without one): a change to one of them is reported.
    pub(super) origin: Vec<(String, String)>,
    /// The scenario step now running (its `file:line:column`), stamped on
    /// each exchange recorded.
    pub(super) step: Mutex<Option<String>>,
}

impl Agent {
    /// A new agent: its own HTTP client, an empty cookie jar and transcript.
    pub fn new(config: AgentConfig, redactor: Arc<Redactor>) -> Result<Agent, AgentError> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .gzip(true);
        let client = config
            .transport
            .apply(builder)
            .map_err(|e| AgentError::Http {
                url: String::new(),
                reason: e.to_string(),
            })?
            .build()
            .map_err(|e| AgentError::Http {
                url: String::new(),
                reason: format!("could not build the HTTP client: {}", error_chain(&e)),
            })?;
        Ok(Agent {
            shared: Arc::new(Shared {
                client,
                config,
                redactor,
                transcript: Arc::default(),
                trial: TrialContext::default(),
                origin: Vec::new(),
                step: Mutex::default(),
            }),
            jar: Arc::new(SessionJar::new()),
            watch: false,
        })
    }

    /// A new agent with an empty cookie jar sharing config, redactor and transcript.
    pub fn fresh_session(&self) -> Result<Agent, AgentError> {
        Ok(Agent {
            shared: self.shared.clone(),
            jar: Arc::new(SessionJar::new()),
            watch: false,
        })
    }

    /// A new agent starting from a copy of this one's cookie jar (e.g. an
    /// authenticated session), sharing config, redactor and transcript.
    /// Later cookies of either do not reach the other.
    pub fn fork_session(&self) -> Agent {
        Agent {
            shared: self.shared.clone(),
            jar: Arc::new(self.jar.snapshot()),
            watch: self.watch,
        }
    }

    /// An agent for another trial against the same target: same HTTP client
    /// (connection pool) and config, its own redactor, an empty cookie jar and
    /// an empty transcript. With `keep_cookies`, it starts from a copy of this
    /// agent's cookies (log in once, reuse the session).
    pub fn new_trial(&self, redactor: Arc<Redactor>, keep_cookies: bool) -> Agent {
        self.for_trial(redactor, keep_cookies, TrialContext::default())
    }

    /// [`Agent::new_trial`] for a trial with its own queue place and hooks.
    /// With `keep_cookies`, a later change to one of the copied cookies is
    /// reported through the hooks (the server rotated the shared session).
    pub fn for_trial(
        &self,
        redactor: Arc<Redactor>,
        keep_cookies: bool,
        trial: TrialContext,
    ) -> Agent {
        let jar = if keep_cookies {
            self.jar.snapshot()
        } else {
            SessionJar::new()
        };
        let origin = if keep_cookies {
            jar.pairs()
        } else {
            Vec::new()
        };
        Agent {
            shared: Arc::new(Shared {
                client: self.shared.client.clone(),
                config: self.shared.config.clone(),
                redactor,
                transcript: Arc::default(),
                trial,
                origin,
                step: Mutex::default(),
            }),
            jar: Arc::new(jar),
            watch: keep_cookies,
        }
    }

    /// Sleeps out a `wait:` step: through the runner when it gave hooks (a
    /// sleeping trial holds no place), else on the timer.
    pub async fn sleep(&self, duration: Duration) {
        match &self.shared.trial.hooks {
            Some(hooks) => hooks.sleep(duration).await,
            None => tokio::time::sleep(duration).await,
        }
    }

    /// Waits until no trial against this target has logged the test user
    /// in for `quiet` (slept through [`Agent::sleep`], so the trial holds
    /// no place meanwhile), giving up after `limit`. Whether it got the
    /// quiet is for the step's `user_login_age` to tell.
    pub async fn await_quiet_logins(&self, quiet: Duration, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        while let Some(latest) = self.shared.config.logins.latest() {
            let age = latest.elapsed();
            let now = std::time::Instant::now();
            if age >= quiet || now >= deadline {
                return;
            }
            let rest = (quiet - age).min(deadline - now);
            self.sleep(rest.max(Duration::from_millis(50))).await;
        }
    }

    /// Marks the exchanges recorded from now on as sent by the scenario
    /// step at `location` (`file:line:column`).
    pub fn begin_step(&self, location: &str) {
        *self
            .shared
            .step
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(location.to_string());
    }

    /// Adds exchanges to the transcript, stamped with the current step.
    pub(super) fn record(&self, exchanges: impl IntoIterator<Item = Exchange>) {
        let step = self
            .shared
            .step
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        self.lock_transcript()
            .extend(exchanges.into_iter().map(|exchange| Exchange {
                step: exchange.step.or_else(|| step.clone()),
                ..exchange
            }));
    }

    /// Tells the runner that the trial finished a step of this kind.
    pub fn step_done(&self, kind: &str) {
        if let Some(hooks) = &self.shared.trial.hooks {
            hooks.step_done(kind);
        }
    }

    /// Whether a cookie of the session this agent started from has changed.
    fn origin_changed(&self) -> bool {
        if !self.watch || self.shared.origin.is_empty() {
            return false;
        }
        let now = self.jar.pairs();
        self.shared
            .origin
            .iter()
            .any(|(name, value)| !now.iter().any(|(n, v)| n == name && v == value))
    }

    /// The limits this agent works with.
    pub fn config(&self) -> &AgentConfig {
        &self.shared.config
    }

    /// The redactor the transcript goes through.
    pub fn redactor(&self) -> &Arc<Redactor> {
        &self.shared.redactor
    }

    /// Every exchange so far, redacted.
    pub fn transcript(&self) -> Vec<Exchange> {
        self.lock_transcript().clone()
    }

    /// How many exchanges have been recorded so far (a mark for
    /// [`Agent::transcript_since`]).
    pub fn transcript_len(&self) -> usize {
        self.lock_transcript().len()
    }

    /// The exchanges recorded after the mark `start`.
    pub fn transcript_since(&self, start: usize) -> Vec<Exchange> {
        let transcript = self.lock_transcript();
        transcript.get(start..).unwrap_or_default().to_vec()
    }

    pub(super) fn lock_transcript(&self) -> std::sync::MutexGuard<'_, Vec<Exchange>> {
        self.shared
            .transcript
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Masks a value learned from the server from now on (codes, tokens).
    pub(super) fn learn(&self, value: &str) {
        if value.len() >= MIN_LEARNED {
            self.shared.redactor.add(value);
        }
    }

    /// Learns the values of sensitive parameters.
    pub(super) fn learn_params(&self, params: &[(String, String)]) {
        for (name, value) in params {
            if is_sensitive_name(name) {
                self.learn(value);
            }
        }
    }

    /// Sends one request; no redirect is followed. Recorded in the transcript.
    ///
    /// An idempotent request (RFC 9110 §9.2.2: GET, HEAD, OPTIONS) that
    /// times out or gets a 429 or 5xx is sent once more after the pacer has
    /// backed off; both exchanges are recorded, the second marked `retry`.
    /// A browser's form submission (front channel: a login or consent POST)
    /// is repeated only after a 429, which a rate limiter sends instead of
    /// processing the request (RFC 6585 §4), and only after the wait its
    /// `Retry-After` asks for ([`rate_limit_wait`]). Back-channel POSTs are
    /// never repeated: a timed-out code redemption or refresh may have been
    /// processed, and a throttled guess is what `client-auth.bruteforce`
    /// looks for.
    pub async fn send(&self, request: Request) -> Result<Response, AgentError> {
        let first = self.send_once(&request, false).await;
        let idempotent = ["GET", "HEAD", "OPTIONS"]
            .iter()
            .any(|m| request.method.eq_ignore_ascii_case(m));
        let pace = self.shared.config.pace.as_ref();
        // A 429's wait: what its `Retry-After` asks, before any retry.
        let rate_limit = match &first {
            Ok(response) if response.status == 429 => {
                Some(rate_limit_wait(response, std::time::SystemTime::now()))
            }
            _ => None,
        };
        let form_submission = request.with_cookies;
        if (idempotent || (rate_limit.is_some() && form_submission))
            && let Some(pace) = pace
            && overloaded(&first)
        {
            if let Some(wait) = rate_limit {
                tokio::time::sleep(wait).await;
            }
            pace.count_retry();
            if let Some(hooks) = &self.shared.trial.hooks {
                hooks.retried(&self.shared.redactor.url(&request.url));
            }
            return self.send_once(&request, true).await;
        }
        first
    }

    async fn send_once(&self, request: &Request, retry: bool) -> Result<Response, AgentError> {
        let permit = match &self.shared.config.pace {
            Some(pace) => Some(
                pace.acquire(self.shared.trial.turn, &pace_key(request))
                    .await,
            ),
            None => None,
        };
        let (result, elapsed) = self.send_recorded(request, retry).await;
        if let Some(permit) = permit {
            permit.finish(signal_for(&result, elapsed));
        }
        result
    }

    /// Sends `request` without pacing and records it: the result and how
    /// long it took.
    pub(super) async fn send_recorded(
        &self,
        request: &Request,
        retry: bool,
    ) -> (Result<Response, AgentError>, Duration) {
        let started = Instant::now();
        let redactor = &self.shared.redactor;
        let mut record = Exchange {
            retry,
            ..Exchange::begun(request.method.clone(), redactor.url(&request.url))
        };
        let result = self.exchange(request, &mut record, started).await;
        let elapsed = started.elapsed();
        record.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        if let Err(e) = &result {
            record.error = Some(redactor.message(&e.to_string()));
        }
        self.record([record]);
        (result, elapsed)
    }

    /// Sends `request` and reads the response, filling `record` as it goes
    /// (so a failure half-way still leaves what was seen).
    async fn exchange(
        &self,
        request: &Request,
        record: &mut Exchange,
        started: Instant,
    ) -> Result<Response, AgentError> {
        let redactor = &self.shared.redactor;
        let config = &self.shared.config;
        let shown_url = || redactor.url(&request.url);

        let url = parse_http_url(&request.url).map_err(|e| AgentError::BadUrl {
            url: shown_url(),
            reason: e.to_string(),
        })?;
        // Parsing may escape characters the server would otherwise see raw;
        // the transcript shows what went on the wire.
        if url.as_str() != request.url {
            record.url = redactor.url(url.as_str());
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            AgentError::Http {
                url: shown_url(),
                reason: format!("invalid method `{}`", request.method),
            }
        })?;

        let (headers, body) = self.outgoing(request, &url);
        record.request_headers = redactor.headers(&headers);
        if let Some((content_type, text)) = &body {
            record.request_body = Some(redactor.body(content_type, text));
        }
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            let name_ok = HeaderName::from_bytes(name.as_bytes());
            let value_ok = HeaderValue::from_str(value);
            let (Ok(name), Ok(value)) = (name_ok, value_ok) else {
                return Err(AgentError::Http {
                    url: shown_url(),
                    reason: format!("invalid request header `{name}`"),
                });
            };
            map.append(name, value);
        }
        let mut builder = self.shared.client.request(method, url.clone()).headers(map);
        if let Some((_, text)) = body {
            builder = builder.body(text);
        }

        let deadline = started + config.timeout;
        let timed_out = || AgentError::Timeout {
            url: shown_url(),
            after: config.timeout,
        };
        let mut response = match tokio::time::timeout_at(deadline, builder.send()).await {
            Err(_) => return Err(timed_out()),
            Ok(Err(e)) => return Err(self.map_error(&e, &request.url, config.timeout)),
            Ok(Ok(response)) => response,
        };

        let status = response.status().as_u16();
        let response_headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), value)
            })
            .collect();
        let location = response_headers
            .iter()
            .find(|(n, _)| n == "location")
            .map(|(_, v)| v.as_str());
        if let Some(location) = location {
            self.learn_params(&url_params(location));
        }
        // Cookie values are masked everywhere too (a debug page may echo a
        // session id), except those the AS itself puts in URLs (e.g. an
        // interaction id): masking those would only blur the evidence.
        for (_, value) in response_headers.iter().filter(|(n, _)| n == "set-cookie") {
            let pair = value.split(';').next().unwrap_or("");
            if let Some((_, cookie)) = pair.split_once('=') {
                let cookie = cookie.trim();
                let in_url =
                    request.url.contains(cookie) || location.is_some_and(|l| l.contains(cookie));
                if !cookie.is_empty() && !in_url {
                    self.learn(cookie);
                }
            }
        }
        if request.with_cookies {
            let set_cookies = response
                .headers()
                .get_all(reqwest::header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok());
            self.jar.store(set_cookies, &url);
            if self.origin_changed()
                && let Some(hooks) = &self.shared.trial.hooks
            {
                hooks.session_changed();
            }
        }
        record.status = Some(status);
        record.http_version = Some(format!("{:?}", response.version()));
        record.response_headers = redactor.headers(&response_headers);

        let max = config.max_body;
        let capacity = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(max)
            .min(1 << 20);
        let mut body = Vec::with_capacity(capacity);
        let mut truncated = false;
        let content_type = response_headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let read = loop {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => break Err(timed_out()),
                Ok(Ok(None)) => break Ok(()),
                Ok(Ok(Some(chunk))) => {
                    let room = max - body.len();
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break Ok(());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Err(e)) => {
                    break Err(match self.map_error(&e, &request.url, config.timeout) {
                        AgentError::Http { url, reason } => AgentError::Http {
                            url,
                            reason: format!(
                                "reading the response body failed after {} bytes: {reason}",
                                body.len()
                            ),
                        },
                        other => other,
                    });
                }
            }
        };
        // Dropping the response now closes a connection whose body was not
        // read to the end.
        drop(response);
        if read.is_ok() && content_type.to_ascii_lowercase().contains("json") {
            self.learn_json(&body);
        }
        record.truncated = truncated;
        record.response_body = Some(excerpt(redactor, &content_type, &body));
        read?;
        Ok(Response {
            status,
            headers: response_headers,
            body,
            truncated,
            url: request.url.clone(),
        })
    }

    /// The headers and body that go on the wire: the caller's headers in
    /// order, plus `User-Agent`, `Content-Type` for a body and the session
    /// cookies (front channel only) unless the caller set them.
    pub(super) fn outgoing(
        &self,
        request: &Request,
        url: &Url,
    ) -> (Vec<(String, String)>, Option<TypedBody>) {
        let has = |name: &str| {
            request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let mut headers = request.headers.clone();
        if !has("user-agent") {
            headers.push(("user-agent".to_string(), USER_AGENT.to_string()));
        }
        let body = match &request.body {
            None => None,
            Some(Body::Form(fields)) => {
                let text = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                Some(("application/x-www-form-urlencoded".to_string(), text))
            }
            Some(Body::Raw { content_type, text }) => Some((content_type.clone(), text.clone())),
        };
        if let Some((content_type, _)) = &body
            && !has("content-type")
        {
            headers.push(("content-type".to_string(), content_type.clone()));
        }
        if request.with_cookies
            && !has("cookie")
            && let Some(cookies) = self.jar.header_for(url)
        {
            headers.push(("cookie".to_string(), cookies));
        }
        (headers, body)
    }

    /// Learns the values of sensitive members of a JSON response.
    pub(super) fn learn_json(&self, body: &[u8]) {
        fn walk(agent: &Agent, value: &serde_json::Value) {
            match value {
                serde_json::Value::Object(map) => {
                    for (name, v) in map {
                        match v {
                            serde_json::Value::String(s) if is_sensitive_name(name) => {
                                agent.learn(s);
                            }
                            _ => walk(agent, v),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(agent, v)),
                _ => {}
            }
        }
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            walk(self, &value);
        }
    }

    /// A reqwest error as an [`AgentError`], its reason redacted.
    fn map_error(&self, e: &reqwest::Error, url: &str, after: Duration) -> AgentError {
        let redactor = &self.shared.redactor;
        let url = redactor.url(url);
        let reason = redactor.message(&error_chain(e));
        if e.is_timeout() {
            AgentError::Timeout { url, after }
        } else if e.is_connect() {
            AgentError::Connect { url, reason }
        } else {
            AgentError::Http { url, reason }
        }
    }

    /// The session cookies that would be sent to `url` (names only).
    #[cfg(test)]
    pub(super) fn cookie_names(&self, url: &str) -> Vec<String> {
        let mut names = Url::parse(url)
            .map(|u| self.jar.names_for(&u))
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Why a URL cannot be requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum UrlError {
    #[error(transparent)]
    Parse(#[from] url::ParseError),
    #[error("scheme `{0}` is not `http` or `https`")]
    Scheme(String),
}

/// Parses an absolute http(s) URL, or says why it cannot be requested.
pub(super) fn parse_http_url(raw: &str) -> Result<Url, UrlError> {
    let url = Url::parse(raw)?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(UrlError::Scheme(other.to_string())),
    }
}

/// The parameters of a URL's query and, when it has `name=value` pairs, its
/// fragment: percent-decoded, in order. Works on the raw string (custom
/// schemes, relative references).
pub(super) fn url_params(url: &str) -> Vec<(String, String)> {
    let raw = crate::oauth::uri::RawUri::split(url);
    let fragment = raw.fragment;
    let mut params: Vec<(String, String)> = raw.query.map(decode_pairs).unwrap_or_default();
    if let Some(fragment) = fragment.filter(|f| f.contains('=')) {
        params.extend(decode_pairs(fragment));
    }
    params
}

fn decode_pairs(s: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(s.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// The start of a body as redacted text, at most [`EXCERPT`] bytes.
pub(super) fn excerpt(redactor: &Redactor, content_type: &str, body: &[u8]) -> String {
    let window = String::from_utf8_lossy(&body[..body.len().min(REDACT_WINDOW)]);
    let masked = redactor.body(content_type, &window);
    let mut end = masked.len().min(EXCERPT);
    while !masked.is_char_boundary(end) {
        end -= 1;
    }
    masked[..end].to_string()
}

/// An error and its causes as one line, without reqwest's "error sending
/// request for url (…)" wrapper (the URL is reported separately).
pub(super) fn error_chain(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        let mut text = e.to_string();
        if let Some(u) = e.url() {
            text = text.replace(&format!(" for url ({u})"), "");
        }
        parts.push(text);
    }
    parts.join(": ")
}

#[cfg(test)]
mod pace_tests;
#[cfg(test)]
mod tests;
