//! The escape hatch for login pages that need JavaScript: an external command
//! gets the authorize URL as its last argument (and the user, password and
//! consent answer in `OAUTHCHECK_USERNAME`, `OAUTHCHECK_PASSWORD`,
//! `OAUTHCHECK_CONSENT`), drives a real browser or anything else, and prints
//! the final redirect URL as the last non-empty line of its stdout.
//!
//! It runs with a time limit (4 × the request timeout), is killed when the
//! limit passes, and never passes its output on unredacted.

use std::process::Stdio;

use super::http::url_params;
use super::{Agent, AgentError, BrowseResult, Consent, LoginConfig, Navigation, NavigationKind};

/// Runs the login command for `url` and reads the redirect it printed.
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
    let limit = agent.shared.config.timeout.saturating_mul(4);
    let child = tokio::process::Command::new(program)
        .args(args)
        .arg(url)
        .env("OAUTHCHECK_USERNAME", &login.username)
        .env("OAUTHCHECK_PASSWORD", &login.password)
        .env(
            "OAUTHCHECK_CONSENT",
            match consent {
                Consent::Approve => "approve",
                Consent::Deny => "deny",
            },
        )
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
    if !output.status.success() {
        let stderr =
            last_line(&output.stderr).unwrap_or_else(|| "no message on stderr".to_string());
        return Err(failed(format!(
            "`{program}` exited with {}: {stderr}",
            output.status
        )));
    }
    let Some(redirect) = last_line(&output.stdout) else {
        return Err(failed(format!("`{program}` printed no URL on stdout")));
    };
    let params = url_params(&redirect);
    agent.learn_params(&params);
    Ok(BrowseResult {
        navigation: Navigation::ToClient {
            url: redirect,
            via: NavigationKind::Command,
            params,
        },
        pages: Vec::new(),
        logged_in: false,
        consent_shown: false,
    })
}
