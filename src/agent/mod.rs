//! The HTTP user agent: one per trial, its own cookie jar, no automatic
//! redirects, a timeout on every request, capped bodies, and a transcript of
//! every exchange (redacted as it is recorded).
//!
//! It knows HTTP and HTML forms, not OAuth rules: it never decides whether a
//! response is right. `browse` walks a front-channel flow (redirects, login,
//! consent) and stops at the first navigation that leaves the AS.

// INTERFACE — owned by the agent work; signatures may grow, not shrink.

use std::sync::Arc;
use std::time::Duration;

use crate::redact::Redactor;

/// Limits and politeness for one target.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Per-request timeout (connect + headers + body).
    pub timeout: Duration,
    /// Bodies beyond this many bytes are cut (and marked truncated).
    pub max_body: usize,
    /// Longest redirect/navigation chain `browse` follows.
    pub max_hops: usize,
    /// Shared per-target request pacing; `None` = unlimited.
    pub rate: Option<Arc<RateLimiter>>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
            max_hops: 20,
            rate: None,
        }
    }
}

/// Paces requests to one target: at most `per_second` request starts per second.
#[derive(Debug)]
pub struct RateLimiter {
    _todo: (),
}

impl RateLimiter {
    pub fn new(per_second: f64) -> RateLimiter {
        let _ = per_second;
        todo!()
    }
    /// Waits until the next request may start.
    pub async fn acquire(&self) {
        todo!()
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
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Sends the browser cookie jar (front channel) or not (back channel).
    pub with_cookies: bool,
}

/// A response; the body is capped at `max_body`.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lowercase, in order, repeated headers kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
    /// The URL that was requested.
    pub url: String,
}

impl Response {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
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
    /// What went wrong, when no response came.
    pub error: Option<String>,
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
    #[error("external login command failed: {reason}")]
    Command { reason: String },
}

/// How to recognise and fill the AS's login and consent pages.
#[derive(Debug, Clone, Default)]
pub struct LoginConfig {
    pub username: String,
    /// Plain text here; the redactor already knows it.
    pub password: String,
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
    /// the final redirect URL on stdout. Replaces login/consent scraping.
    pub command: Option<Vec<String>>,
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
        /// Query (or fragment, or form_post fields) parameters, percent-decoded, in order.
        params: Vec<(String, String)>,
    },
    /// The flow stopped on an AS page (error page, or a page with nothing to do).
    Stayed { status: u16, url: String, title: Option<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NavigationKind {
    Location,
    MetaRefresh,
    AutoSubmitForm,
    Command,
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
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// The result of `browse`.
#[derive(Debug, Clone)]
pub struct BrowseResult {
    pub navigation: Navigation,
    pub pages: Vec<PageSeen>,
    pub logged_in: bool,
    pub consent_shown: bool,
}

/// The user agent of one trial.
pub struct Agent {
    _todo: (),
}

impl Agent {
    pub fn new(config: AgentConfig, redactor: Arc<Redactor>) -> Result<Agent, AgentError> {
        let _ = (config, redactor);
        todo!()
    }

    /// A new agent with an empty cookie jar sharing config, redactor and transcript.
    pub fn fresh_session(&self) -> Result<Agent, AgentError> {
        todo!()
    }

    /// Sends one request; no redirect is followed. Recorded in the transcript.
    pub async fn send(&self, request: Request) -> Result<Response, AgentError> {
        let _ = request;
        todo!()
    }

    /// Walks a front-channel flow from `url`: follows the AS's redirects,
    /// logs in, answers consent, stops at the first navigation to the client.
    pub async fn browse(
        &self,
        url: &str,
        login: &LoginConfig,
        consent: Consent,
        stop: &StopRule,
    ) -> Result<BrowseResult, AgentError> {
        let _ = (url, login, consent, stop);
        todo!()
    }

    /// Every exchange so far, redacted.
    pub fn transcript(&self) -> Vec<Exchange> {
        todo!()
    }
}
