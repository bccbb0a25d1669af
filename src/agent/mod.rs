//! The HTTP user agent: one per trial, its own cookie jar, no automatic
//! redirects, a timeout on every request, capped bodies, and a transcript of
//! every exchange (redacted as it is recorded).
//!
//! It knows HTTP and HTML forms, not OAuth rules: it never decides whether a
//! response is right. `browse` walks a front-channel flow (redirects, login,
//! consent) and stops at the first navigation that leaves the AS; it never
//! sends a request to a URL outside the AS.
//!
//! This file holds the public types and re-exports only. The work lives in
//! `http` (sending, caps, cookies, recording), `browse` (the front-channel
//! walk), `forms` (what an HTML page offers), `consent` (approve, deny and
//! the boxes approval needs), `command` (the external login command), `har`
//! (the command's evidence), `cookies` (the session jar) and `pace`
//! (adaptive concurrency, rate and priority per target).

mod browse;
mod burst;
mod command;
mod consent;
mod cookies;
mod forms;
mod har;
mod http;
mod pace;
mod probe;
mod raw;
mod tamper;
#[cfg(test)]
mod testutil;
mod transport;

pub use pace::{Pace, PaceStats, Permit, Signal, Turn};
pub use raw::LegacyAnswer;
pub use tamper::{FieldRef, Tamper, TamperTarget, is_anti_forgery};
pub use transport::{ProxyRoute, ProxyUrl, Transport, TransportError, TrustedCa};

/// Reads an HTML page the way the agent reads login and consent pages and
/// returns how many forms and links it found: the form scraper's entry point
/// for the fuzz targets (`crate::fuzz`), which must never panic or hang.
#[doc(hidden)]
pub fn scrape(html: &str) -> (usize, usize) {
    let page = forms::Page::parse(html, forms::Hints::default());
    (page.forms.len(), page.links.len())
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use cookies::SessionJar;
use http::Shared;

/// Limits and politeness for one target.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Per-request timeout (connect + headers + body).
    pub timeout: Duration,
    /// Bodies beyond this many bytes are cut (and marked truncated).
    pub max_body: usize,
    /// Longest redirect/navigation chain `browse` follows.
    pub max_hops: usize,
    /// Shared per-target pacing (adaptive concurrency, rate, priority);
    /// `None` = unlimited.
    pub pace: Option<Arc<Pace>>,
    /// Trusted CAs, `--insecure` and the proxy for every connection.
    pub transport: Transport,
    /// When the test user last logged in, by any trial against this target.
    pub logins: Arc<LoginClock>,
}

/// The time of the test user's latest login by any trial against one
/// target. Trials log the same user in concurrently; an OP may count the
/// user's latest login in any browser for `max_age` (OIDC Core §3.1.2.1:
/// "the last time the End-User was actively authenticated by the OP"), so
/// `browse` reports how long before its walk the last one was.
#[derive(Debug, Default)]
pub struct LoginClock(std::sync::Mutex<Option<Instant>>);

impl LoginClock {
    /// Notes a login at `at` (the latest one wins).
    pub fn record(&self, at: Instant) {
        let mut latest = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if latest.is_none_or(|seen| at > seen) {
            *latest = Some(at);
        }
    }

    /// The latest login noted, if any.
    pub fn latest(&self) -> Option<Instant> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
            max_hops: 20,
            pace: None,
            transport: Transport::default(),
            logins: Arc::default(),
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// application/x-www-form-urlencoded, fields in order (duplicates kept).
    Form(Vec<(String, String)>),
    /// Raw text with its content type.
    Raw { content_type: String, text: String },
}

/// One HTTP request as the harness wants it sent, byte for byte.
///
/// The agent adds only `User-Agent` (unless given), the body's
/// `Content-Type` (unless given) and, on the front channel, the session
/// cookies (unless a `Cookie` header is given); reqwest adds `Host`,
/// `Content-Length` and `Accept-Encoding: gzip`.
#[derive(Debug, Clone)]
pub struct Request {
    /// Any token (`GET`, `POST`, `PUT`, …).
    pub method: String,
    /// Absolute http(s) URL, sent as written: only characters the URL
    /// standard must escape (space, `"`, `<`, `>`, … and `'` in a query) are
    /// percent-encoded by parsing; existing escapes are never touched.
    pub url: String,
    /// In order; repeated names are sent repeatedly.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Sends the browser cookie jar (front channel) or not (back channel).
    pub with_cookies: bool,
}

impl Request {
    /// A GET without body or extra headers.
    pub fn get(url: impl Into<String>, with_cookies: bool) -> Request {
        Request {
            method: "GET".to_string(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            with_cookies,
        }
    }

    /// A POST of an `application/x-www-form-urlencoded` body, fields in order.
    pub fn post_form(
        url: impl Into<String>,
        fields: Vec<(String, String)>,
        with_cookies: bool,
    ) -> Request {
        Request {
            method: "POST".to_string(),
            url: url.into(),
            headers: Vec::new(),
            body: Some(Body::Form(fields)),
            with_cookies,
        }
    }

    /// Adds a header (kept in order; repeated names are sent repeatedly).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A response; the body is capped at `max_body`.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lowercase, in order, repeated headers kept; values that
    /// are not UTF-8 are read lossily.
    pub headers: Vec<(String, String)>,
    /// At most `max_body` bytes (decompressed when the server used gzip).
    pub body: Vec<u8>,
    /// The server had more than `max_body` bytes to send.
    pub truncated: bool,
    /// The URL that was requested.
    pub url: String,
}

impl Response {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One recorded exchange, already redacted.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    /// `None` when no response came (timeout, connection refused).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// The first few KiB of the body, as text.
    pub response_body: Option<String>,
    pub truncated: bool,
    pub elapsed_ms: u64,
    /// What went wrong: no response came (timeout, connection refused, bad
    /// URL), or its body broke off.
    pub error: Option<String>,
    /// This exchange repeats the one before it, which timed out or got a
    /// 5xx while the target was overloaded (only idempotent requests are
    /// repeated: RFC 9110 §9.2.2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
    /// When the request was sent: RFC 3339 UTC with milliseconds; absent
    /// in reports from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// `file:line:column` of the scenario step that sent it (the trial's
    /// `location` names the step that decided the outcome); absent when the
    /// exchange belongs to no step (the shared login) or in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The response's HTTP version (`HTTP/1.1`, `HTTP/2.0`); absent when no
    /// response came, or in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_version: Option<String>,
    /// The request line exactly as written on the wire, for requests sent
    /// by the raw writer (`raw_query:`, handshake probes); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_line: Option<String>,
}

impl Exchange {
    /// A request about to be sent to `url` (already redacted): stamped
    /// with the time now, nothing answered yet.
    pub fn begun(method: impl Into<String>, url: String) -> Exchange {
        Exchange {
            method: method.into(),
            url,
            request_headers: Vec::new(),
            request_body: None,
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            truncated: false,
            elapsed_ms: 0,
            error: None,
            retry: false,
            started_at: Some(now_rfc3339()),
            step: None,
            http_version: None,
            request_line: None,
        }
    }
}

/// The current time as an exchange's `started_at`.
pub(crate) fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// What the runner wants to hear from a trial's agent, and how a trial
/// sleeps (so that a sleeping trial can give its place to another).
pub trait TrialHooks: Send + Sync {
    /// Sleeps out a `wait:` step.
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;
    /// A request is being sent again after a timeout or 5xx.
    fn retried(&self, url: &str);
    /// A cookie of the session the trial started from changed or went away:
    /// the server rotates or invalidates shared sessions.
    fn session_changed(&self);
    /// The trial finished a step of this kind.
    fn step_done(&self, _kind: &str) {}
}

/// Who a trial's agent works for: its place in the queue and its hooks.
#[derive(Clone)]
pub struct TrialContext {
    pub turn: Turn,
    pub hooks: Option<Arc<dyn TrialHooks>>,
}

impl std::fmt::Debug for TrialContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrialContext")
            .field("turn", &self.turn)
            .finish_non_exhaustive()
    }
}

impl Default for TrialContext {
    fn default() -> Self {
        TrialContext {
            turn: Turn::DEFAULT,
            hooks: None,
        }
    }
}

/// Why a request or a browse could not complete. Becomes a trial `error`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AgentError {
    #[error("request to `{url}` timed out after {after:?}")]
    Timeout { url: String, after: Duration },
    #[error("could not connect to `{url}`: {reason}")]
    Connect { url: String, reason: String },
    #[error("invalid URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("HTTP error talking to `{url}`: {reason}")]
    Http { url: String, reason: String },
    #[error("more than {max} redirects/navigations, last at `{url}`")]
    TooManyHops { max: usize, url: String },
    #[error("login failed at `{url}`: {reason}")]
    LoginFailed { url: String, reason: String },
    #[error("consent failed at `{url}`: {reason}")]
    ConsentFailed { url: String, reason: String },
    /// The consent page's only deny control needs a script (a
    /// `type=button` with a handler, a `javascript:` link): the agent cannot
    /// deny there, and never approves instead. A skip, not a verdict.
    #[error(
        "denial needs JavaScript: the deny control `{control}` on `{url}` works only with a script, which the agent does not run"
    )]
    DenialNeedsJavaScript { url: String, control: String },
    #[error("external login command failed: {reason}")]
    Command { reason: String },
    /// A `tamper` step's form lacks what the change names (e.g. no
    /// anti-forgery field): nothing to test on this target.
    #[error("the form at `{url}` cannot be tampered with as asked: {reason}")]
    TamperNotApplicable { url: String, reason: String },
}

/// How to recognise and fill the AS's login and consent pages.
#[derive(Debug, Clone, Default)]
pub struct LoginConfig {
    pub username: String,
    /// The user's password; the redactor learns it before the first request.
    pub password: crate::oauth::Secret,
    /// CSS selector of the login form; default: the form with a password field.
    pub form: Option<String>,
    /// Field names; default: guessed (`username`/`login`/`email`/…, the password input).
    pub username_field: Option<String>,
    pub password_field: Option<String>,
    /// CSS selector of the consent approve control; default: guessed by name/value/text.
    pub approve: Option<String>,
    /// CSS selector of the deny control (button, input or link).
    pub deny: Option<String>,
    /// External command given the authorize URL as its last argument; prints
    /// the final redirect URL, or an `OAUTHCHECK-RESULT:` line (denied,
    /// wrong password, error page), on stdout. Replaces login/consent
    /// scraping. It also gets `OAUTHCHECK_USERNAME`, `OAUTHCHECK_PASSWORD`,
    /// `OAUTHCHECK_CONSENT` (`approve`/`deny`) and `OAUTHCHECK_HAR` (where it
    /// may write a HAR file of its requests) in its environment.
    pub command: Option<Vec<String>>,
    /// Authorization parameters that make the AS show its consent page even
    /// when it remembers consent (`login.force_consent`). Empty: the runner
    /// sends `prompt=consent` to OIDC targets. Added only to steps that must
    /// see the page (denial, page-header checks); the agent never reads it.
    pub force_consent: Vec<(String, String)>,
    /// Other origins (`scheme://host:port`) the login and consent pages are
    /// served from (`login.origins`), such as Ory Hydra's separate login &
    /// consent app: part of the AS for the walk, never a third party.
    pub origins: Vec<String>,
}

/// What to do on a consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    Approve,
    Deny,
}

/// Where the AS ends and the client begins.
#[derive(Debug, Clone, Default)]
pub struct StopRule {
    /// Origins (`scheme://host:port`) of the AS; navigation elsewhere stops.
    pub as_origins: Vec<String>,
    /// URLs that are the client even on an AS origin (registered and requested
    /// redirect URIs); a navigation starting with one stops.
    pub client_uris: Vec<String>,
}

/// How the front channel ended.
#[derive(Debug, Clone)]
pub enum Navigation {
    /// The AS sent the user agent to the client.
    ToClient {
        /// The URL as the AS gave it (resolved against the page if relative).
        url: String,
        via: NavigationKind,
        /// Query parameters then, when the fragment holds `name=value` pairs,
        /// fragment parameters (or the fields of a form), percent-decoded, in order.
        params: Vec<(String, String)>,
    },
    /// The flow stopped on an AS page (error page, or a page with nothing to do).
    Stayed {
        status: u16,
        url: String,
        title: Option<String>,
    },
}

/// How the user agent was sent to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NavigationKind {
    /// A 3xx `Location` header.
    Location,
    /// `<meta http-equiv="refresh">`.
    MetaRefresh,
    /// An auto-submitting form (form_post response mode), or any form whose
    /// action is a client URI.
    AutoSubmitForm,
    /// The external login command's output.
    Command,
    /// A link the agent followed (e.g. a deny link) that points outside the AS.
    Link,
    /// A login/consent form the agent submitted whose action is outside the AS.
    Form,
}

impl Navigation {
    /// First value of a parameter of a `ToClient` navigation (exact name).
    pub fn param(&self, name: &str) -> Option<&str> {
        match self {
            Navigation::ToClient { params, .. } => params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str()),
            Navigation::Stayed { .. } => None,
        }
    }
}

/// What kind of AS page the agent recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    Login,
    Consent,
    Other,
}

/// An AS page shown during `browse` (for header checks such as anti-framing).
#[derive(Debug, Clone)]
pub struct PageSeen {
    pub kind: PageKind,
    /// Redacted like the transcript.
    pub url: String,
    pub status: u16,
    /// Lowercase names, in order; redacted like the transcript (cookie
    /// values masked, names and attributes kept).
    pub headers: Vec<(String, String)>,
    /// Origins other than the AS's and the client's that the page loads
    /// resources from or links to (RFC 9700 §4.2.4), in order.
    pub third_party: Vec<String>,
}

/// The result of `browse`.
#[derive(Debug, Clone)]
pub struct BrowseResult {
    pub navigation: Navigation,
    /// Every HTML page, in order (none when the login command was used).
    pub pages: Vec<PageSeen>,
    /// A password was submitted during this walk and not rejected.
    pub logged_in: bool,
    /// A consent page was shown during this walk.
    pub consent_shown: bool,
    /// The status of every redirect answering a form POST (login, consent),
    /// in order (RFC 9700 §4.12: never 307).
    pub post_redirects: Vec<u16>,
    /// The names of the fields a tamper changed (never their values), when
    /// the walk submitted a tampered form.
    pub tampered: Option<Vec<String>>,
    /// The status of every redirect answering a login form's POST (the
    /// requests that carry user credentials, RFC 9700 §4.12.1), in order.
    pub credential_redirects: Vec<u16>,
    /// How long before this walk began the test user last logged in, by
    /// another walk against the target (zero when that login ended during
    /// this walk; `None`: no login yet).
    pub user_login_age: Option<Duration>,
}

/// The user agent of one trial.
///
/// Cheap to derive from: [`Agent::fresh_session`], [`Agent::fork_session`] and
/// [`Agent::new_trial`] share its HTTP client (and so its connection pool).
pub struct Agent {
    shared: Arc<Shared>,
    jar: Arc<SessionJar>,
    /// This jar started as a copy of the shared session: watch its cookies.
    watch: bool,
}
