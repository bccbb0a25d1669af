//! `report.har`: every exchange of every trial as an HTTP Archive (HAR 1.2,
//! <http://www.softwareishard.com/blog/har-12-spec/>), so a reviewer can
//! open the evidence in the tools they already use (Chromium DevTools'
//! Network panel, Burp, ZAP, mitmproxy).
//!
//! One HAR page per trial that sent anything (its `id` is the trial name),
//! each entry pointing at its trial's page with `pageref`; the exchanges of
//! an external login command's own HAR file are in the trial's transcript
//! already, so they come out here too. Rendered from the [`RunReport`] like
//! every other format: the exchanges were redacted when they were recorded,
//! and nothing is added here that the record does not hold, so secrets are
//! masked exactly as in `report.json`. Every member the HAR 1.2 spec marks
//! required is written, with `-1` or an empty value where the record does
//! not know it (header sizes; the timings the agent does not split, whose
//! whole time is `wait`). oauthcheck's own facts ride in `_`-prefixed
//! members, which the spec reserves for custom fields.

use serde::Serialize;

use super::{ReportError, RunReport};
use crate::agent::Exchange;
use crate::run::TrialReport;

/// The run as HAR 1.2 JSON.
pub fn render(report: &RunReport) -> Result<String, ReportError> {
    serde_json::to_string_pretty(&Har { log: log(report) }).map_err(|e| ReportError::Render {
        format: "HAR",
        reason: e.to_string(),
    })
}

#[derive(Serialize)]
struct Har {
    log: Log,
}

#[derive(Serialize)]
struct Log {
    version: &'static str,
    creator: Creator,
    pages: Vec<Page>,
    entries: Vec<Entry>,
    comment: String,
}

#[derive(Serialize)]
struct Creator {
    name: &'static str,
    version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    started_date_time: String,
    id: String,
    title: String,
    page_timings: PageTimings,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageTimings {
    on_content_load: i64,
    on_load: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    pageref: String,
    started_date_time: String,
    time: f64,
    request: Request,
    response: Response,
    cache: Cache,
    timings: Timings,
    #[serde(skip_serializing_if = "String::is_empty")]
    comment: String,
    /// `file:line:column` of the scenario step that sent it.
    #[serde(rename = "_step", skip_serializing_if = "Option::is_none")]
    step: Option<String>,
    /// Why no response came, or why its body broke off.
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    method: String,
    url: String,
    http_version: String,
    cookies: Vec<Cookie>,
    headers: Vec<NameValue>,
    query_string: Vec<NameValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostData>,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status: u16,
    status_text: String,
    http_version: String,
    cookies: Vec<Cookie>,
    headers: Vec<NameValue>,
    content: Content,
    #[serde(rename = "redirectURL")]
    redirect_url: String,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
struct Cookie {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct NameValue {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    mime_type: String,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    size: i64,
    mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    comment: String,
}

/// The spec's `cache` object: nothing is known about caches.
#[derive(Serialize)]
struct Cache {}

#[derive(Serialize)]
struct Timings {
    blocked: i64,
    dns: i64,
    connect: i64,
    send: f64,
    wait: f64,
    receive: f64,
    ssl: i64,
}

fn log(report: &RunReport) -> Log {
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for trial in &report.trials {
        if trial.exchanges.is_empty() {
            continue;
        }
        let started = trial
            .exchanges
            .iter()
            .filter_map(|x| x.started_at.clone())
            .min()
            .unwrap_or_else(|| report.started_at.clone());
        pages.push(Page {
            started_date_time: started,
            id: trial.name.clone(),
            title: page_title(trial),
            page_timings: PageTimings {
                on_content_load: -1,
                on_load: -1,
            },
            comment: format!("suite {}; {} requests", trial.suite, trial.exchanges.len()),
        });
        entries.extend(
            trial
                .exchanges
                .iter()
                .map(|exchange| entry(&trial.name, &report.started_at, exchange)),
        );
    }
    Log {
        version: "1.2",
        creator: Creator {
            name: "oauthcheck",
            version: report.tool_version.clone(),
        },
        pages,
        entries,
        comment: format!(
            "oauthcheck run against {} started {}; secrets are masked as [redacted]",
            report.target.name, report.started_at
        ),
    }
}

/// `name — title: outcome (message)`, one line.
fn page_title(trial: &TrialReport) -> String {
    let mut title = format!("{}: {}", trial.name, trial.outcome.word());
    if let Some(message) = trial.message.as_deref().and_then(|m| m.lines().next()) {
        title.push_str(" — ");
        title.push_str(message);
    }
    title
}

fn entry(page: &str, run_started: &str, exchange: &Exchange) -> Entry {
    let elapsed = exchange.elapsed_ms as f64;
    let header = |headers: &[(String, String)], name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let http_version = exchange
        .http_version
        .clone()
        .unwrap_or_else(|| "HTTP/1.1".to_string());
    let request_type = header(&exchange.request_headers, "content-type").unwrap_or_default();
    let post_data = exchange.request_body.as_ref().map(|text| PostData {
        mime_type: request_type.clone(),
        text: text.clone(),
    });
    let response_type = header(&exchange.response_headers, "content-type");
    let body_len = exchange.response_body.as_ref().map_or(0, String::len);
    // The whole body's length: the header's when the excerpt was cut.
    let size = header(&exchange.response_headers, "content-length")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|_| exchange.truncated)
        .unwrap_or(body_len as i64);
    let mut notes = Vec::new();
    if exchange.retry {
        notes.push("a retry of the request before (timeout, 429 or 5xx)");
    }
    if exchange.started_at.is_none() {
        notes.push("start time unknown: the run's start is shown");
    }
    Entry {
        pageref: page.to_string(),
        started_date_time: exchange
            .started_at
            .clone()
            .unwrap_or_else(|| run_started.to_string()),
        time: elapsed,
        request: Request {
            method: exchange.method.clone(),
            url: uri(&exchange.url),
            http_version: http_version.clone(),
            cookies: request_cookies(&exchange.request_headers),
            headers: name_values(&exchange.request_headers),
            query_string: query(&exchange.url),
            post_data,
            headers_size: -1,
            // The recorded body is redacted, so its length is not the size sent.
            body_size: -1,
        },
        response: Response {
            status: exchange.status.unwrap_or(0),
            status_text: exchange
                .status
                .and_then(|s| reqwest::StatusCode::from_u16(s).ok())
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
                .to_string(),
            http_version: if exchange.status.is_some() {
                http_version
            } else {
                String::new()
            },
            cookies: response_cookies(&exchange.response_headers),
            headers: name_values(&exchange.response_headers),
            content: Content {
                size,
                mime_type: response_type.unwrap_or_else(|| "x-unknown".to_string()),
                text: exchange.response_body.clone(),
                comment: if exchange.truncated {
                    "only the start of the body was recorded".to_string()
                } else {
                    String::new()
                },
            },
            redirect_url: header(&exchange.response_headers, "location").unwrap_or_default(),
            headers_size: -1,
            body_size: if exchange.status.is_some() { size } else { -1 },
        },
        cache: Cache {},
        timings: Timings {
            blocked: -1,
            dns: -1,
            connect: -1,
            send: 0.0,
            wait: elapsed,
            receive: 0.0,
            ssl: -1,
        },
        comment: notes.join("; "),
        step: exchange.step.clone(),
        error: exchange.error.clone(),
    }
}

/// `url` as a valid URI (RFC 3986 §2): after the authority, every byte
/// outside the URI character set is percent-encoded. The recorded URL may
/// hold such characters raw: the masks (`[redacted]`) and, from raw query
/// steps, exactly what was sent; strict HAR readers reject them.
fn uri(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    let (authority, rest) = url.split_at(path_start);
    let mut out = String::with_capacity(url.len() + 16);
    out.push_str(authority);
    for byte in rest.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?#%".contains(&byte);
        if allowed {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn name_values(headers: &[(String, String)]) -> Vec<NameValue> {
    headers
        .iter()
        .map(|(name, value)| NameValue {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The URL's query as decoded pairs (empty when it has none or does not parse).
fn query(url: &str) -> Vec<NameValue> {
    url::Url::parse(url)
        .map(|url| {
            url.query_pairs()
                .map(|(name, value)| NameValue {
                    name: name.into_owned(),
                    value: value.into_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The pairs of every `Cookie` request header.
fn request_cookies(headers: &[(String, String)]) -> Vec<Cookie> {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, value)| value.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some(Cookie {
                name: name.to_string(),
                value: value.to_string(),
            })
        })
        .collect()
}

/// The name and value of every `Set-Cookie` response header (attributes
/// stay in the header itself).
fn response_cookies(headers: &[(String, String)]) -> Vec<Cookie> {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| {
            let first = value.split(';').next()?;
            let (name, value) = first.trim().split_once('=')?;
            Some(Cookie {
                name: name.to_string(),
                value: value.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TargetInfo;
    use crate::run::Outcome;

    fn exchange() -> Exchange {
        Exchange {
            method: "POST".into(),
            url: "http://127.0.0.1:9/token?x=a%20b".into(),
            request_headers: vec![
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("cookie".into(), "sid=[redacted]; theme=dark".into()),
            ],
            request_body: Some("grant_type=authorization_code&code=[redacted]".into()),
            status: Some(302),
            response_headers: vec![
                ("location".into(), "http://client/cb?code=[redacted]".into()),
                (
                    "set-cookie".into(),
                    "sid=[redacted]; HttpOnly; Path=/".into(),
                ),
                ("content-length".into(), "9000".into()),
            ],
            response_body: Some("moved".into()),
            truncated: true,
            elapsed_ms: 12,
            error: None,
            retry: true,
            started_at: Some("2026-01-02T03:04:05.678Z".into()),
            step: Some("suites/code.yaml:10:9".into()),
            http_version: Some("HTTP/1.1".into()),
            request_line: None,
        }
    }

    #[test]
    fn an_exchange_fills_every_required_member() {
        let entry = serde_json::to_value(entry("t", "2026-01-01T00:00:00Z", &exchange())).unwrap();
        assert_eq!(entry["pageref"], "t");
        assert_eq!(entry["startedDateTime"], "2026-01-02T03:04:05.678Z");
        assert_eq!(entry["time"], 12.0);
        assert_eq!(entry["timings"]["wait"], 12.0);
        assert_eq!(entry["request"]["queryString"][0]["value"], "a b");
        assert_eq!(entry["request"]["cookies"][1]["name"], "theme");
        assert_eq!(
            entry["request"]["postData"]["mimeType"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(entry["response"]["statusText"], "Found");
        assert_eq!(
            entry["response"]["redirectURL"],
            "http://client/cb?code=[redacted]"
        );
        assert_eq!(entry["response"]["cookies"][0]["value"], "[redacted]");
        assert_eq!(
            entry["response"]["content"]["size"], 9000,
            "cut: the header's size"
        );
        assert_eq!(entry["response"]["content"]["mimeType"], "x-unknown");
        assert!(entry["comment"].as_str().unwrap().contains("retry"));
        assert_eq!(entry["_step"], "suites/code.yaml:10:9");
    }

    #[test]
    fn urls_are_made_valid_uris() {
        assert_eq!(
            uri("http://[::1]:8080/token?code=[redacted]&x=a b\"<é>"),
            "http://[::1]:8080/token?code=%5Bredacted%5D&x=a%20b%22%3C%C3%A9%3E"
        );
        assert_eq!(uri("http://h/p?a=%5B1%5D#f"), "http://h/p?a=%5B1%5D#f");
        assert_eq!(uri("http://h"), "http://h");
    }

    #[test]
    fn no_response_is_status_0_with_the_error() {
        let mut x = exchange();
        x.status = None;
        x.started_at = None;
        x.error = Some("timed out".into());
        let entry = serde_json::to_value(entry("t", "2026-01-01T00:00:00Z", &x)).unwrap();
        assert_eq!(entry["response"]["status"], 0);
        assert_eq!(entry["response"]["bodySize"], -1);
        assert_eq!(entry["_error"], "timed out");
        assert_eq!(entry["startedDateTime"], "2026-01-01T00:00:00Z");
    }

    #[test]
    fn a_page_per_trial_that_sent_anything() {
        let spec_report = |name: &str, exchanges: Vec<Exchange>| TrialReport {
            name: name.into(),
            scenario: name.into(),
            variant: None,
            title: "t".into(),
            suite: "s".into(),
            requirements: vec![],
            level: crate::suite::Level::Must,
            severity: crate::suite::Severity::High,
            refs: vec![],
            outcome: Outcome::Fail,
            message: Some("expected 400\nmore".into()),
            location: None,
            duration_ms: 1,
            exchanges,
        };
        let report = RunReport {
            format_version: 1,
            tool_version: "0.0.0".into(),
            target: TargetInfo {
                standard: None,
                name: "x".into(),
                issuer: None,
                flaws: vec![],
                quirks: vec![],
                warnings: Vec::new(),
                insecure: false,
            },
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_ms: 1,
            trials: vec![
                spec_report("a", vec![exchange(), exchange()]),
                spec_report("b", vec![]),
            ],
            execution: None,
        };
        let har: serde_json::Value = serde_json::from_str(&render(&report).unwrap()).unwrap();
        assert_eq!(har["log"]["version"], "1.2");
        assert_eq!(har["log"]["pages"].as_array().unwrap().len(), 1);
        assert_eq!(har["log"]["pages"][0]["title"], "a: fail — expected 400");
        assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 2);
    }
}
