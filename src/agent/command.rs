//! The escape hatch for login pages that need JavaScript: an external command
//! gets the authorize URL as its last argument (and the user, password and
//! consent answer in `OAUTHCHECK_USERNAME`, `OAUTHCHECK_PASSWORD`,
//! `OAUTHCHECK_CONSENT`), drives a real browser or anything else, and prints
//! how the walk ended as the last non-empty line of its stdout.
//!
//! # Output protocol
//!
//! The last non-empty stdout line is one of:
//!
//! - a URL: the AS sent the browser to the client (the redirect URL, with
//!   its query or fragment);
//! - `OAUTHCHECK-RESULT: <outcome> [<status>] [<message>]`, where outcome is
//!   `redirect <url>`, `denied` (the AS showed a page after the denial
//!   instead of redirecting), `wrong-password` (the AS refused the login) or
//!   `error` (the AS showed an error page); `status` is the page's HTTP
//!   status when known;
//! - `OAUTHCHECK-RESULT: {json}` with the same `outcome`, and optionally
//!   `url`, `status`, `message`, `consent_shown` and `logged_in`.
//!
//! Unless it says otherwise, a command that ends on a redirect or a denial
//! is taken to have logged in, and to have been shown a consent page when
//! asked to deny (report `"consent_shown": false` when the AS asked nothing:
//! the runner then skips the denial instead of judging a code). A result
//! line counts whatever the exit status; a plain URL only with exit 0.
//!
//! # Evidence
//!
//! `OAUTHCHECK_HAR` names a file in a fresh private directory; a command
//! that writes a HAR 1.2 file there (as browsers and Playwright export
//! them) gets its requests into the trial's transcript, redacted like the
//! agent's own (see `har`). The directory is removed afterwards.
//!
//! The command runs with a time limit (4 × the request timeout), is killed
//! when the limit passes, and its output is never passed on unredacted.

use std::process::Stdio;

use serde::Deserialize;

use super::http::url_params;
use super::{Agent, AgentError, BrowseResult, Consent, LoginConfig, Navigation, NavigationKind};

/// The prefix of a result line.
pub(super) const RESULT_PREFIX: &str = "OAUTHCHECK-RESULT:";
/// The HAR file's name inside its private directory.
const HAR_NAME: &str = "front-channel.har";

/// How the command says the walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Redirect,
    Denied,
    WrongPassword,
    Error,
}

/// A parsed result line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    outcome: Outcome,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    consent_shown: Option<bool>,
    #[serde(default)]
    logged_in: Option<bool>,
}

/// Why the command's last line is not a result.
#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error("bad result JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown outcome `{0}` (expected redirect, denied, wrong-password or error)")]
    Outcome(String),
}

/// Reads the last line: a result line, a bare URL, or neither (`Err`).
fn parse_line(line: &str) -> Result<Report, LineError> {
    let Some(rest) = line.strip_prefix(RESULT_PREFIX) else {
        return Ok(Report {
            outcome: Outcome::Redirect,
            url: Some(line.to_string()),
            status: None,
            message: None,
            consent_shown: None,
            logged_in: None,
        });
    };
    let rest = rest.trim();
    if rest.starts_with('{') {
        return Ok(serde_json::from_str(rest)?);
    }
    let (word, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let outcome = match word {
        "redirect" => Outcome::Redirect,
        "denied" => Outcome::Denied,
        "wrong-password" => Outcome::WrongPassword,
        "error" => Outcome::Error,
        other => return Err(LineError::Outcome(other.to_string())),
    };
    let rest = rest.trim();
    if outcome == Outcome::Redirect {
        return Ok(Report {
            outcome,
            url: Some(rest.to_string()).filter(|u| !u.is_empty()),
            status: None,
            message: None,
            consent_shown: None,
            logged_in: None,
        });
    }
    let (status, message) = match rest.split_once(' ').unwrap_or((rest, "")) {
        (code, message) if code.len() == 3 && code.parse::<u16>().is_ok() => {
            (code.parse().ok(), message.trim())
        }
        _ => (None, rest),
    };
    Ok(Report {
        outcome,
        url: None,
        status,
        message: Some(message.to_string()).filter(|m| !m.is_empty()),
        consent_shown: None,
        logged_in: None,
    })
}

/// Runs the login command for `url` and reads how it ended.
pub(super) async fn run(
    agent: &Agent,
    command: &[String],
    url: &str,
    login: &LoginConfig,
    consent: Consent,
) -> Result<BrowseResult, AgentError> {
    let redactor = &agent.shared.redactor;
    let failed = |reason: String| AgentError::Command {
        reason: redactor.message(&reason),
    };
    let Some((program, args)) = command.split_first() else {
        return Err(failed("the login command is empty".to_string()));
    };
    let har_dir = tempfile::Builder::new()
        .prefix("oauthcheck-har-")
        .tempdir()
        .map_err(|e| failed(format!("cannot create a directory for the HAR file: {e}")))?;
    let har_path = har_dir.path().join(HAR_NAME);
    let limit = agent.shared.config.timeout.saturating_mul(4);
    let child = tokio::process::Command::new(program)
        .args(args)
        .arg(url)
        .env("OAUTHCHECK_USERNAME", &login.username)
        .env("OAUTHCHECK_PASSWORD", login.password.expose())
        .env(
            "OAUTHCHECK_CONSENT",
            match consent {
                Consent::Approve => "approve",
                Consent::Deny => "deny",
            },
        )
        .env("OAUTHCHECK_HAR", &har_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(format!("could not start `{program}`: {e}")))?;
    // On timeout the future is dropped, and with it the child: killed.
    let output = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Err(_) => {
            return Err(failed(format!(
                "`{program}` did not finish within {limit:?}"
            )));
        }
        Ok(Err(e)) => return Err(failed(format!("waiting for `{program}` failed: {e}"))),
        Ok(Ok(output)) => output,
    };
    let last_line = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .map(str::to_string)
    };
    let line = last_line(&output.stdout);
    let is_result = line
        .as_deref()
        .is_some_and(|l| l.starts_with(RESULT_PREFIX));
    if !output.status.success() && !is_result {
        let stderr =
            last_line(&output.stderr).unwrap_or_else(|| "no message on stderr".to_string());
        return Err(failed(format!(
            "`{program}` exited with {}: {stderr}",
            output.status
        )));
    }
    let Some(line) = line else {
        return Err(failed(format!("`{program}` printed no URL on stdout")));
    };
    let report = parse_line(&line).map_err(|reason| failed(format!("`{program}`: {reason}")))?;
    if let Some(redirect) = &report.url {
        agent.learn_params(&url_params(redirect));
    }
    let exchanges = super::har::read(agent, &har_path)
        .map_err(|e| failed(format!("`{program}` wrote {HAR_NAME}, but {e}")))?;
    agent.record(exchanges);
    drop(har_dir);
    result(report, url, consent, &program.to_string(), agent)
}

/// The browse result (or login failure) a report stands for.
fn result(
    report: Report,
    start: &str,
    consent: Consent,
    program: &str,
    agent: &Agent,
) -> Result<BrowseResult, AgentError> {
    let redactor = &agent.shared.redactor;
    let message = report.message.clone();
    let stayed = |default_status: u16| Navigation::Stayed {
        status: report.status.unwrap_or(default_status),
        url: report.url.clone().unwrap_or_else(|| start.to_string()),
        title: message.clone(),
    };
    let (navigation, logged_in, consent_shown) = match report.outcome {
        Outcome::Redirect => {
            let Some(url) = report.url.clone() else {
                return Err(AgentError::Command {
                    reason: format!("`{program}` reported a redirect without a URL"),
                });
            };
            let params = url_params(&url);
            let navigation = Navigation::ToClient {
                url,
                via: NavigationKind::Command,
                params,
            };
            (navigation, true, consent == Consent::Deny)
        }
        Outcome::Denied => (stayed(200), true, true),
        Outcome::Error => (stayed(200), false, false),
        Outcome::WrongPassword => {
            return Err(AgentError::LoginFailed {
                url: redactor.url(report.url.as_deref().unwrap_or(start)),
                reason: redactor.message(&format!(
                    "the login command reported a wrong password{}",
                    message.map(|m| format!(": {m}")).unwrap_or_default()
                )),
            });
        }
    };
    Ok(BrowseResult {
        navigation,
        pages: Vec::new(),
        logged_in: report.logged_in.unwrap_or(logged_in),
        consent_shown: report.consent_shown.unwrap_or(consent_shown),
        // The command's own HTTP is not seen.
        post_redirects: Vec::new(),
        tampered: None,
        credential_redirects: Vec::new(),
        user_login_age: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines() {
        let plain = parse_line("http://c/cb?code=1").expect("url");
        assert_eq!(
            (plain.outcome, plain.url.as_deref()),
            (Outcome::Redirect, Some("http://c/cb?code=1"))
        );
        let line = "OAUTHCHECK-RESULT: redirect http://c/cb?error=access_denied";
        let redirect = parse_line(line).expect("redirect");
        assert_eq!(
            redirect.url.as_deref(),
            Some("http://c/cb?error=access_denied")
        );
        let error = parse_line("OAUTHCHECK-RESULT: error 400 invalid redirect_uri").expect("error");
        assert_eq!(
            (error.outcome, error.status, error.message.as_deref()),
            (Outcome::Error, Some(400), Some("invalid redirect_uri"))
        );
        let wrong = parse_line("OAUTHCHECK-RESULT: wrong-password Invalid login").expect("wrong");
        assert_eq!(
            (wrong.outcome, wrong.status, wrong.message.as_deref()),
            (Outcome::WrongPassword, None, Some("Invalid login"))
        );
        let json = parse_line(
            r#"OAUTHCHECK-RESULT: {"outcome":"denied","status":403,"message":"You said no","consent_shown":true}"#,
        )
        .expect("json");
        assert_eq!(
            (json.outcome, json.status, json.consent_shown),
            (Outcome::Denied, Some(403), Some(true))
        );
        assert!(parse_line("OAUTHCHECK-RESULT: maybe").is_err());
        assert!(parse_line(r#"OAUTHCHECK-RESULT: {"outcome":"denied","extra":1}"#).is_err());
    }
}
