//! Steps that must see the consent page, against a reference server that
//! remembers consent (the `remembered-consent` quirk): the page is forced by
//! `prompt=consent` on an OIDC profile or by the profile's
//! `login.force_consent` otherwise, and without either the trials skip with
//! the reason — never a fail, whatever order the trials run in.

use std::sync::Arc;

use oauthcheck::harness;
use oauthcheck::run::{self, Outcome, RunOptions, TrialReport};
use oauthcheck::server::Quirk;
use oauthcheck::suite::Capability;
use oauthcheck::target::Profile;

use crate::support::{describe, shipped_suites};

/// The scenarios that need a consent page.
const NEED_CONSENT: &[&str] = &[
    "authz.access-denied",
    "iss.on-denial",
    "headers.anti-framing",
    "headers.anti-framing-csp",
];

/// Runs the consent-needing scenarios once, one at a time, on a fresh
/// server with `quirks`, after `edit` changes the built-in profile.
async fn run_consent_trials(quirks: &[Quirk], edit: impl FnOnce(&mut Profile)) -> Vec<TrialReport> {
    let mut suites = shipped_suites();
    for suite in &mut suites {
        suite
            .scenarios
            .retain(|s| NEED_CONSENT.contains(&s.id.as_str()));
    }
    let (mut profile, server) = harness::embedded_target(&[], quirks)
        .await
        .expect("the reference server starts");
    edit(&mut profile);
    let specs = run::plan(&suites, &profile);
    let reports = run::execute(Arc::new(profile), specs, &RunOptions::with_jobs(1)).await;
    server.shutdown().await;
    assert_eq!(
        reports.len(),
        NEED_CONSENT.len(),
        "{}",
        describe(&reports.iter().collect::<Vec<_>>())
    );
    reports
}

fn all(reports: &[TrialReport], outcome: Outcome) -> bool {
    reports.iter().all(|r| r.outcome == outcome)
}

#[tokio::test]
async fn prompt_consent_brings_the_page_back_on_oidc_targets() {
    let reports = run_consent_trials(&[Quirk::RememberedConsent], |_| {}).await;
    let shown: Vec<&TrialReport> = reports.iter().collect();
    assert!(all(&reports, Outcome::Pass), "{}", describe(&shown));
}

#[tokio::test]
async fn force_consent_parameters_bring_the_page_back_elsewhere() {
    let reports = run_consent_trials(&[Quirk::RememberedConsent], |profile| {
        profile.capabilities.remove(&Capability::Oidc);
        profile.login.force_consent = vec![("prompt".to_string(), "consent".to_string())];
    })
    .await;
    let shown: Vec<&TrialReport> = reports.iter().collect();
    assert!(all(&reports, Outcome::Pass), "{}", describe(&shown));
}

#[tokio::test]
async fn without_a_way_to_force_the_page_the_trials_skip_with_the_reason() {
    let reports = run_consent_trials(&[Quirk::RememberedConsent], |profile| {
        profile.capabilities.remove(&Capability::Oidc);
    })
    .await;
    let shown: Vec<&TrialReport> = reports.iter().collect();
    assert!(all(&reports, Outcome::Skip), "{}", describe(&shown));
    for report in &reports {
        let message = report.message.as_deref().unwrap_or("");
        assert!(
            message.contains("remembers consent, which is allowed")
                && message.contains("login.force_consent"),
            "{}: {message}",
            report.name
        );
    }
}

#[tokio::test]
async fn a_deny_button_that_needs_javascript_skips_the_denials() {
    let reports = run_consent_trials(&[Quirk::JsDeny, Quirk::ConsentCheckbox], |_| {}).await;
    let shown: Vec<&TrialReport> = reports.iter().collect();
    for report in &reports {
        let denial = report.name.contains("denied") || report.name.contains("denial");
        let expected = if denial { Outcome::Skip } else { Outcome::Pass };
        assert_eq!(report.outcome, expected, "{}", describe(&shown));
        if denial {
            let message = report.message.as_deref().unwrap_or("");
            assert!(message.starts_with("denial needs JavaScript"), "{message}");
        }
    }
}
