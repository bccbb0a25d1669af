//! The evidence of an external login command: the HAR 1.2 file it may write
//! (to the path in `OAUTHCHECK_HAR`), read into the trial's transcript so
//! its front-channel requests are in the report like the agent's own.
//!
//! Only the fields the transcript shows are read (method, URL, headers,
//! request body, status, response headers and body text); everything else
//! in the file is ignored. Each exchange is redacted exactly as the agent's
//! own: the user's password and every learned code or token are masked, and
//! codes in `Location` headers are learned first. Hostile files cost
//! little: at most [`MAX_HAR_BYTES`] are read and [`MAX_ENTRIES`] entries
//! kept, and bodies are cut to an excerpt.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use serde::Deserialize;

use super::http::url_params;
use super::{Agent, Exchange};

/// Largest HAR file read.
pub(super) const MAX_HAR_BYTES: u64 = 16 << 20;
/// Most entries taken from one file.
pub(super) const MAX_ENTRIES: usize = 500;
/// Body text kept per exchange (as the agent's own transcript).
const EXCERPT: usize = 4 * 1024;
/// Body text redacted before the excerpt is cut.
const REDACT_WINDOW: usize = 16 * 1024;

/// Why a HAR file could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum HarError {
    #[error("cannot read the HAR file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the HAR file is larger than {MAX_HAR_BYTES} bytes")]
    TooLarge,
    #[error("the HAR file is not HAR 1.2 JSON: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Deserialize)]
struct Har {
    log: Log,
}

#[derive(Deserialize)]
struct Log {
    #[serde(default)]
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    /// When the request started (ISO 8601); kept when it parses as RFC 3339.
    #[serde(default, rename = "startedDateTime")]
    started: Option<String>,
    /// Total time of the exchange in milliseconds (-1 or absent: unknown).
    #[serde(default)]
    time: f64,
    request: HarRequest,
    response: HarResponse,
}

#[derive(Deserialize)]
struct HarRequest {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<NameValue>,
    #[serde(default, rename = "postData")]
    post_data: Option<PostData>,
}

#[derive(Deserialize)]
struct PostData {
    #[serde(default, rename = "mimeType")]
    mime_type: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct HarResponse {
    /// 0 when no response came (blocked, failed).
    #[serde(default)]
    status: i64,
    #[serde(default, rename = "httpVersion")]
    http_version: Option<String>,
    #[serde(default)]
    headers: Vec<NameValue>,
    #[serde(default)]
    content: Content,
}

#[derive(Deserialize, Default)]
struct Content {
    /// Length of the whole body in bytes (-1 or absent: unknown).
    #[serde(default)]
    size: i64,
    #[serde(default, rename = "mimeType")]
    mime_type: String,
    #[serde(default)]
    text: Option<String>,
    /// `base64` when `text` is encoded.
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct NameValue {
    name: String,
    value: String,
}

/// Reads the HAR file at `path` (absent: nothing) into redacted exchanges.
pub(super) fn read(agent: &Agent, path: &Path) -> Result<Vec<Exchange>, HarError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut bytes = Vec::new();
    file.take(MAX_HAR_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_HAR_BYTES {
        return Err(HarError::TooLarge);
    }
    let har: Har = serde_json::from_slice(&bytes)?;
    let entries: Vec<Entry> = har.log.entries.into_iter().take(MAX_ENTRIES).collect();
    // Learn every code and token the AS handed out before anything is shown.
    for entry in &entries {
        agent.learn_params(&url_params(&entry.request.url));
        for header in &entry.response.headers {
            if header.name.eq_ignore_ascii_case("location") {
                agent.learn_params(&url_params(&header.value));
            }
        }
    }
    Ok(entries.iter().map(|e| exchange(agent, e)).collect())
}

/// One entry as a transcript exchange, redacted.
fn exchange(agent: &Agent, entry: &Entry) -> Exchange {
    let redactor = &agent.shared.redactor;
    let headers = |list: &[NameValue]| {
        let pairs: Vec<(String, String)> = list
            .iter()
            .filter(|h| !h.name.starts_with(':'))
            .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
            .collect();
        redactor.headers(&pairs)
    };
    let request_body = entry.request.post_data.as_ref().and_then(|data| {
        let text = data.text.as_deref()?;
        Some(excerpt(agent, &data.mime_type, text).0)
    });
    let content = &entry.response.content;
    let body = content
        .text
        .as_deref()
        .map(|text| match content.encoding.as_deref() {
            Some(e) if e.eq_ignore_ascii_case("base64") => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => text.to_string(),
        });
    let (response_body, cut) = match &body {
        Some(text) => {
            let (excerpt, cut) = excerpt(agent, &content.mime_type, text);
            (Some(excerpt), cut)
        }
        None => (None, false),
    };
    let shown_len = body.as_ref().map_or(0, String::len);
    let status = u16::try_from(entry.response.status)
        .ok()
        .filter(|s| (100..1000).contains(s));
    Exchange {
        method: entry.request.method.clone(),
        url: redactor.url(&entry.request.url),
        request_headers: headers(&entry.request.headers),
        request_body,
        status,
        response_headers: headers(&entry.response.headers),
        response_body,
        truncated: cut || usize::try_from(content.size).is_ok_and(|size| size > shown_len),
        elapsed_ms: if entry.time.is_finite() && entry.time > 0.0 {
            entry.time as u64
        } else {
            0
        },
        error: status
            .is_none()
            .then(|| "no response (recorded by the login command)".to_string()),
        retry: false,
        started_at: entry
            .started
            .as_deref()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            }),
        step: None,
        http_version: entry
            .response
            .http_version
            .clone()
            .filter(|v| v.len() <= 16 && v.to_ascii_uppercase().starts_with("HTTP/")),
        request_line: None,
    }
}

/// The start of a body, redacted, cut to [`EXCERPT`] bytes; and whether it
/// was cut.
fn excerpt(agent: &Agent, content_type: &str, text: &str) -> (String, bool) {
    let mut window = text.len().min(REDACT_WINDOW);
    while !text.is_char_boundary(window) {
        window -= 1;
    }
    let masked = agent.shared.redactor.body(content_type, &text[..window]);
    let mut end = masked.len().min(EXCERPT);
    while !masked.is_char_boundary(end) {
        end -= 1;
    }
    (
        masked[..end].to_string(),
        end < masked.len() || window < text.len(),
    )
}
