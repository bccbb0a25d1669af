//! `report.html`: one self-contained page to hand over — the target, the
//! counts with a bar per outcome, and a filterable table with a row per trial
//! that expands to its evidence (the redacted HTTP exchanges).
//!
//! Rendered by askama from `templates/report.html`, which escapes every value:
//! the evidence is whatever the server sent, so nothing from the report is
//! ever marked safe. The one unescaped value is our own filter script, a
//! constant, allowed by hash in the page's Content-Security-Policy (which
//! also forbids every fetch). Builds plain view data from the [`RunReport`];
//! it must not decide outcomes or touch the network.

use askama::Template;
use base64::Engine;

use super::text::{
    OUTCOMES, duration, one_line, outcome_rank, requirement_link, requirement_title, target_label,
};
use super::{ReportError, RunReport, Totals};
use crate::agent::Exchange;
use crate::catalogue;
use crate::run::{Outcome, TrialReport};

/// The page's only script: filters the trial table. Ours, constant.
pub const FILTER_SCRIPT: &str = include_str!("../../templates/report.js");

/// The HTML page.
pub fn render(report: &RunReport) -> Result<String, ReportError> {
    page(report).render().map_err(|e| ReportError::Render {
        format: "HTML",
        reason: e.to_string(),
    })
}

/// `script-src` source for an inline script: `'sha256-…'`.
pub fn script_hash(script: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    title: String,
    target: &'a str,
    issuer: &'a str,
    flaws: String,
    /// The standards judged by (`rfc9700,oidc`); empty in older reports.
    standard: &'a str,
    warnings: &'a [String],
    tool_version: &'a str,
    started_at: &'a str,
    duration: String,
    total: usize,
    bars: Vec<Bar>,
    trials: Vec<TrialView<'a>>,
    script: &'static str,
    script_hash: String,
}

struct Bar {
    outcome: &'static str,
    count: usize,
    /// Width in percent of all trials, for the bar.
    percent: String,
}

struct TrialView<'a> {
    name: &'a str,
    scenario: &'a str,
    variant: &'a str,
    title: &'a str,
    suite: &'a str,
    outcome: &'static str,
    level: &'static str,
    severity: &'static str,
    requirements: Vec<Link>,
    refs: Vec<Link>,
    /// The one-line reason shown before the details are opened.
    reason: String,
    message: &'a str,
    location: &'a str,
    duration: String,
    exchanges: Vec<ExchangeView<'a>>,
    /// The sequence diagram of a failing or warned trial.
    flow: Option<super::flow::Flow>,
    /// Lowercase text the filter box searches.
    search: String,
}

struct Link {
    text: String,
    /// Shown on hover: the requirement's catalogue title.
    title: String,
    /// From the catalogue's fixed set of sites only; empty when none.
    href: String,
}

struct ExchangeView<'a> {
    number: usize,
    /// The anchor the diagram's arrows link to.
    anchor: String,
    method: &'a str,
    url: &'a str,
    status: String,
    elapsed: String,
    request_headers: String,
    request_body: &'a str,
    response_headers: String,
    response_body: &'a str,
    truncated: bool,
    error: &'a str,
}

fn page(report: &RunReport) -> Page<'_> {
    let totals = Totals::of(&report.trials);
    let total = report.trials.len();
    let bars = OUTCOMES
        .iter()
        .map(|&outcome| {
            let count = match outcome {
                Outcome::Pass => totals.passed,
                Outcome::Fail => totals.failed,
                Outcome::Warn => totals.warned,
                Outcome::Skip => totals.skipped,
                Outcome::Error => totals.errored,
            };
            let percent = if total == 0 {
                0.0
            } else {
                count as f64 * 100.0 / total as f64
            };
            Bar {
                outcome: outcome.word(),
                count,
                percent: format!("{percent:.2}"),
            }
        })
        .collect();
    // Findings first; the run's order (suite by suite) within an outcome.
    let mut trials: Vec<&TrialReport> = report.trials.iter().collect();
    trials.sort_by_key(|t| outcome_rank(t.outcome));
    Page {
        title: format!("oauthcheck: {}", target_label(&report.target)),
        target: &report.target.name,
        issuer: report.target.issuer.as_deref().unwrap_or(""),
        flaws: report.target.flaws.join(", "),
        standard: report.target.standard.as_deref().unwrap_or(""),
        warnings: &report.target.warnings,
        tool_version: &report.tool_version,
        started_at: &report.started_at,
        duration: duration(report.duration_ms),
        total,
        bars,
        trials: trials
            .into_iter()
            .enumerate()
            .map(|(n, trial)| trial_view(trial, n + 1))
            .collect(),
        script: FILTER_SCRIPT,
        script_hash: script_hash(FILTER_SCRIPT),
    }
}

/// The view of `trial`, the `index`th row of the table (from 1).
fn trial_view(trial: &TrialReport, index: usize) -> TrialView<'_> {
    let requirements = trial
        .requirements
        .iter()
        .map(|id| Link {
            text: id.clone(),
            title: requirement_title(id).unwrap_or("").to_string(),
            href: requirement_link(id, &trial.refs).unwrap_or_default(),
        })
        .collect();
    let refs = trial
        .refs
        .iter()
        .map(|r| Link {
            text: r.clone(),
            title: String::new(),
            href: catalogue::rfc_link(r).unwrap_or_default(),
        })
        .collect();
    let search = [
        trial.name.as_str(),
        &trial.title,
        &trial.suite,
        trial.outcome.word(),
        &trial.requirements.join(" "),
        trial.message.as_deref().unwrap_or(""),
    ]
    .join(" ")
    .to_lowercase();
    TrialView {
        name: &trial.name,
        scenario: &trial.scenario,
        variant: trial.variant.as_deref().unwrap_or(""),
        title: &trial.title,
        suite: &trial.suite,
        outcome: trial.outcome.word(),
        level: trial.level.word(),
        severity: trial.severity.word(),
        requirements,
        refs,
        reason: one_line(trial),
        message: trial.message.as_deref().unwrap_or(""),
        location: trial.location.as_deref().unwrap_or(""),
        duration: duration(trial.duration_ms),
        exchanges: trial
            .exchanges
            .iter()
            .enumerate()
            .map(|(n, exchange)| exchange_view(index, n, exchange))
            .collect(),
        flow: super::flow::of(trial, index),
        search,
    }
}

fn exchange_view(trial: usize, index: usize, exchange: &Exchange) -> ExchangeView<'_> {
    let headers = |headers: &[(String, String)]| {
        headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    ExchangeView {
        number: index + 1,
        anchor: super::flow::evidence_id(trial, index + 1),
        method: &exchange.method,
        url: &exchange.url,
        status: exchange
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "no response".to_string()),
        elapsed: format!("{} ms", exchange.elapsed_ms),
        request_headers: headers(&exchange.request_headers),
        request_body: exchange.request_body.as_deref().unwrap_or(""),
        response_headers: headers(&exchange.response_headers),
        response_body: exchange.response_body.as_deref().unwrap_or(""),
        truncated: exchange.truncated,
        error: exchange.error.as_deref().unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_hash_is_a_csp_source() {
        let hash = script_hash("alert(1)");
        assert!(
            hash.starts_with("'sha256-") && hash.ends_with('\''),
            "{hash}"
        );
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hash,
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }
}
