//! How a step's actual result reads in a trial's message: one redacted
//! line (a redirect, an HTTP status and the start of the body, what a probe
//! saw), so a verdict always shows what the server did.

use super::{Trial, harness_side};
use crate::checks::StepResult;

impl Trial<'_> {
    /// The actual response, for messages (already redacted).
    pub(super) fn describe(&self, result: &StepResult) -> String {
        let text = match result {
            // Probe steps (race, entropy) say what they saw in one sentence.
            StepResult::Probe(probe) => format!("actual: {}", probe.summary),
            StepResult::Authorization(a) => match a.location() {
                Some(location) => format!("actual: redirect to `{location}`"),
                None => format!(
                    "actual: no redirect; the AS showed status {} at `{}`",
                    result.status().unwrap_or(0),
                    a.final_url().unwrap_or("")
                ),
            },
            StepResult::Http(exchange) => {
                let body = exchange.body.as_str();
                let content_type = exchange.header("content-type").unwrap_or("");
                // Redact before cutting (a cut secret no longer matches its known
                // value), but only a window: a capped body may be megabytes.
                let mut window = body.len().min(16 * 1024);
                while !body.is_char_boundary(window) {
                    window -= 1;
                }
                let body: String = self
                    .redactor
                    .body(content_type, &body[..window])
                    .chars()
                    .take(300)
                    .collect();
                let status = exchange.status;
                // A body cut at the cap says so: what is missing was never read.
                match harness_side::truncation_note(result, self.profile.limits.max_body) {
                    Some(note) => format!("actual: HTTP {status} {body}\n({note})"),
                    None => format!("actual: HTTP {status} {body}"),
                }
            }
            StepResult::TlsProbe(probe) => match (&probe.http, probe.accepted, &probe.version) {
                (Some(http), _, _) => {
                    return self.describe(&StepResult::Http(http.clone()));
                }
                (None, Some(true), Some(version)) => {
                    format!("actual: the server agreed to {version}")
                }
                _ => match &probe.refused {
                    Some(reason) => format!("actual: refused ({reason})"),
                    None => return String::new(),
                },
            },
            StepResult::IdToken(_) | StepResult::Nothing => return String::new(),
        };
        self.redactor.text(&text)
    }
}
