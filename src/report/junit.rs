//! `junit.xml` for CI systems (quick-junit): one `<testsuite>` per suite, one
//! `<testcase>` per trial.
//!
//! Like hurl and nextest, a `<failure>` is the server breaking a MUST and an
//! `<error>` is the run breaking (the harness could not reach the point of
//! the test); a skip carries its reason; a warning (a broken SHOULD) is a
//! passed testcase with the finding in `<system-out>`, so it shows without
//! failing the build. Renders from the [`RunReport`] only.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::text::{reason, target_label};
use super::{ReportError, RunReport};
use crate::run::{Outcome, TrialReport};

/// The JUnit XML document.
pub fn render(report: &RunReport) -> Result<String, ReportError> {
    let mut junit = Report::new(format!("oauthcheck: {}", target_label(&report.target)));
    junit.set_time(Duration::from_millis(report.duration_ms));
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(started);
    }
    // Suites in the order they first appear, so the file follows the run.
    let mut suites: Vec<TestSuite> = Vec::new();
    for trial in &report.trials {
        let index = match suites.iter().position(|s| s.name.as_str() == trial.suite) {
            Some(index) => index,
            None => {
                let mut suite = TestSuite::new(trial.suite.as_str());
                suite.add_property(Property::new("target", report.target.name.as_str()));
                if let Some(issuer) = &report.target.issuer {
                    suite.add_property(Property::new("issuer", issuer.as_str()));
                }
                if !report.target.flaws.is_empty() {
                    suite.add_property(Property::new("flaws", report.target.flaws.join(",")));
                }
                if let Some(standard) = &report.target.standard {
                    suite.add_property(Property::new("standard", standard.as_str()));
                }
                if report.target.insecure {
                    suite.add_property(Property::new("insecure", "true"));
                }
                suites.push(suite);
                suites.len() - 1
            }
        };
        suites[index].add_test_case(test_case(trial));
    }
    for suite in &mut suites {
        let time = suite.test_cases.iter().filter_map(|c| c.time).sum();
        suite.set_time(time);
    }
    junit.add_test_suites(suites);
    junit.to_string().map_err(|e| ReportError::Render {
        format: "JUnit",
        reason: e.to_string(),
    })
}

fn test_case(trial: &TrialReport) -> TestCase {
    let status = match trial.outcome {
        Outcome::Pass | Outcome::Warn => TestCaseStatus::success(),
        Outcome::Fail => non_success(NonSuccessKind::Failure, trial),
        Outcome::Error => non_success(NonSuccessKind::Error, trial),
        Outcome::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(trial.message.as_deref().unwrap_or("skipped"));
            status
        }
    };
    let mut case = TestCase::new(trial.name.as_str(), status);
    case.set_classname(trial.suite.as_str());
    case.set_time(Duration::from_millis(trial.duration_ms));
    if trial.outcome == Outcome::Warn {
        case.set_system_out(format!("warning: {}", details(trial)));
    }
    case
}

fn non_success(kind: NonSuccessKind, trial: &TrialReport) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(reason(trial));
    status.set_type(match kind {
        NonSuccessKind::Failure => format!("{} broken", trial.level),
        NonSuccessKind::Error => "harness error".to_string(),
    });
    status.set_description(details(trial));
    status
}

/// The full message, then what was tested and where it is written.
fn details(trial: &TrialReport) -> String {
    let mut text = trial.message.clone().unwrap_or_default();
    text.push_str("\n\n");
    text.push_str(&format!("trial: {} — {}\n", trial.name, trial.title));
    text.push_str(&format!("requirement: {}\n", trial.requirements.join(", ")));
    text.push_str(&format!(
        "level: {}, severity: {}\n",
        trial.level.word(),
        trial.severity.word()
    ));
    if !trial.refs.is_empty() {
        text.push_str(&format!("refs: {}\n", trial.refs.join(", ")));
    }
    if let Some(location) = &trial.location {
        text.push_str(&format!("at: {location}\n"));
    }
    text
}
