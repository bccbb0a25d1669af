//! The self-test: proof that no check is vacuous.
//!
//! Against the correct reference server every shipped trial passes; with one
//! flaw switched on, exactly the scenarios citing that requirement stop
//! passing (fail, or warn for SHOULD checks, or information for MAY checks)
//! and every other scenario still passes. A scenario citing no flaw, or a
//! flaw no scenario cites, fails here. A variant flaw (`requirement/variant`) breaks some trials of its
//! requirement's scenarios and nothing else. A trial that no single flaw
//! breaks needs a reason in the catalogue (`unbroken:`). A requirement that
//! is only MAY under the default standard is proven under the standard its
//! catalogue entry names (`proof_standard:`), and its flaw, legal under the
//! default standard, must break nothing there.

use std::collections::{BTreeMap, BTreeSet};

use oauthcheck::catalogue;
use oauthcheck::cli::exit;
use oauthcheck::report::Totals;
use oauthcheck::run::{Outcome, TrialReport};
use oauthcheck::server::Flaw;

use oauthcheck::standard::StandardSet;

use crate::support::{ReferenceRun, describe, run_against_reference, run_pooled, shipped_suites};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_correct_reference_server_passes_every_trial() {
    let suites = shipped_suites();
    let reports = run_against_reference(&suites, &[], 32).await;
    // A skip is allowed only where a trial has nothing to test on this
    // target (a redirect "mutation" that equals the registered URI).
    let not_passed: Vec<_> = reports
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .filter(|r| {
            !(r.outcome == Outcome::Skip
                && r.message
                    .as_deref()
                    .is_some_and(|m| m.contains("nothing to refuse")))
        })
        .collect();
    assert!(
        not_passed.is_empty(),
        "against the correct server:\n{}",
        describe(&not_passed)
    );
    assert!(reports.len() > 50, "only {} trials ran", reports.len());
}

#[test]
fn every_scenario_cites_a_flaw_and_every_flaw_is_cited() {
    let flaw_ids: BTreeSet<&str> = Flaw::ALL.iter().map(|f| f.requirement()).collect();
    let mut cited = BTreeSet::new();
    for suite in shipped_suites() {
        for scenario in &suite.scenarios {
            let flaws: Vec<&String> = scenario
                .requirements
                .iter()
                .filter(|r| flaw_ids.contains(r.as_str()))
                .collect();
            assert!(
                !flaws.is_empty(),
                "scenario `{}` ({}) cites no requirement the reference server can break, so nothing proves it can fail",
                scenario.id,
                scenario.location
            );
            cited.extend(flaws.into_iter().cloned());
        }
    }
    let uncited: Vec<&&str> = flaw_ids.iter().filter(|f| !cited.contains(**f)).collect();
    assert!(
        uncited.is_empty(),
        "flaws no shipped scenario cites: {uncited:?}"
    );
}

/// The catalogue is whole: every requirement is cited by a shipped scenario
/// and has its own flaw, so the self-test proves each one able to fail.
#[test]
fn every_catalogue_requirement_is_cited_and_has_a_flaw() {
    let cited: BTreeSet<&str> = shipped_suites()
        .iter()
        .flat_map(|s| &s.scenarios)
        .flat_map(|s| &s.requirements)
        .map(|id| {
            catalogue::find(id)
                .expect("the loader checks ids")
                .id
                .as_str()
        })
        .collect();
    let flawed: BTreeSet<&str> = Flaw::ALL.iter().map(|f| f.requirement()).collect();
    let uncited: Vec<&str> = catalogue::ids().filter(|id| !cited.contains(id)).collect();
    let unflawed: Vec<&str> = catalogue::ids().filter(|id| !flawed.contains(id)).collect();
    assert!(
        uncited.is_empty(),
        "requirements no shipped scenario cites: {uncited:?}"
    );
    assert!(
        unflawed.is_empty(),
        "requirements no flaw breaks: {unflawed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_flaw_breaks_exactly_the_scenarios_citing_it() {
    let suites = shipped_suites();
    let scenarios_citing = |flaw: Flaw| -> BTreeSet<String> {
        suites
            .iter()
            .flat_map(|s| &s.scenarios)
            .filter(|s| s.requirements.iter().any(|r| r == flaw.requirement()))
            .map(|s| s.id.clone())
            .collect()
    };
    // Every flaw, each with its own server, and the correct server (`None`)
    // for the baseline below: many runs in flight at once so their waits
    // overlap (the pool in support.rs bounds them).
    let runs = std::iter::once(None)
        .chain(Flaw::ALL.iter().copied().map(Some))
        .map(|flaw| {
            let run = ReferenceRun {
                flaws: flaw.into_iter().collect(),
                standard: flaw.and_then(proof_standard),
                ..ReferenceRun::default()
            };
            (flaw, run)
        })
        .collect();
    let mut runs = run_pooled(&suites, runs).await;
    let (_, correct) = runs.remove(0);
    // A broken MAY check is a pass with information: a flaw breaking only
    // MAY checks shows as information the correct server does not give.
    let informed_anyway: BTreeSet<String> = correct
        .into_iter()
        .filter(|r| r.information())
        .map(|r| r.name)
        .collect();
    let broken_by_flaw = |r: &TrialReport| {
        matches!(r.outcome, Outcome::Fail | Outcome::Warn | Outcome::Error)
            || (r.information() && !informed_anyway.contains(&r.name))
    };
    let mut problems = Vec::new();
    let mut all_trials = BTreeSet::new();
    let mut ever_broken = BTreeSet::new();
    for (flaw, reports) in runs {
        let flaw = flaw.expect("only the first run is without a flaw");
        let expected = scenarios_citing(flaw);
        let mut broken: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for report in &reports {
            all_trials.insert(report.name.clone());
            if broken_by_flaw(report) && report.outcome != Outcome::Error {
                ever_broken.insert(report.name.clone());
            }
            if broken_by_flaw(report) {
                broken
                    .entry(report.scenario.clone())
                    .or_default()
                    .push(report);
            }
        }
        let errors: Vec<_> = reports
            .iter()
            .filter(|r| r.outcome == Outcome::Error)
            .collect();
        if !errors.is_empty() {
            problems.push(format!(
                "flaw `{}`: trials ended in error:\n{}",
                flaw.id(),
                describe(&errors)
            ));
        }
        // A variant flaw (`requirement/variant`) is there for some
        // trials of its requirement's scenarios: it must break at least
        // one, and nothing else; the requirement's own flaw breaks them all.
        let variant_flaw = flaw.id() != flaw.requirement();
        if variant_flaw && broken.is_empty() {
            problems.push(format!("variant flaw `{}` breaks no trial", flaw.id()));
        }
        for scenario in expected.iter().filter(|_| !variant_flaw) {
            if !broken.contains_key(scenario) {
                problems.push(format!(
                    "flaw `{}`: scenario `{scenario}` still passes",
                    flaw.id()
                ));
            }
        }
        for (scenario, trials) in &broken {
            if !expected.contains(scenario) {
                problems.push(format!(
                    "flaw `{}` also breaks scenario `{scenario}`, which does not cite it:\n{}",
                    flaw.id(),
                    describe(trials)
                ));
            }
        }
        let totals = Totals::of(&reports);
        let must_broken = reports.iter().any(|r| r.outcome == Outcome::Fail);
        let code = exit::for_totals(&totals);
        if must_broken && code != exit::FAILED {
            problems.push(format!(
                "flaw `{}`: a MUST failed but the exit code is {code}",
                flaw.id()
            ));
        }
    }
    // Every scenario is proven able to fail (above). Variants are proven
    // one by one only where a flaw breaks them; the rest are listed here
    // for the record (e.g. a foreign host is refused by every redirect flaw).
    let unproven: Vec<&String> = all_trials.difference(&ever_broken).collect();
    eprintln!(
        "{} of {} trials are broken by some flaw; not individually: {unproven:?}",
        ever_broken.len(),
        all_trials.len()
    );
    // Each of those is recorded, with the reason, in the `unbroken:` of a
    // catalogue entry its scenario cites; a recorded trial that a flaw now
    // breaks, or that no longer exists, is a stale record.
    let recorded = |trial: &str| -> Option<&'static str> {
        let scenario = trial.split('[').next().unwrap_or(trial);
        suites
            .iter()
            .flat_map(|s| &s.scenarios)
            .filter(|s| s.id == scenario)
            .flat_map(|s| &s.requirements)
            .filter_map(|id| catalogue::find(id))
            .find_map(|r| r.unbroken.get(trial).map(String::as_str))
    };
    for trial in &unproven {
        if recorded(trial).is_none() {
            problems.push(format!(
                "no single flaw breaks `{trial}`: add a flaw (src/server/flaw.rs) or record why in the `unbroken:` of a catalogue entry its scenario cites"
            ));
        }
    }
    for r in catalogue::requirements() {
        for trial in r.unbroken.keys() {
            if !all_trials.contains(trial) {
                problems.push(format!(
                    "`{}` records `{trial}` as unbroken, but no such trial ran",
                    r.id
                ));
            } else if ever_broken.contains(trial) {
                problems.push(format!(
                    "`{}` records `{trial}` as unbroken, but a flaw breaks it: drop the record",
                    r.id
                ));
            }
        }
    }
    assert!(
        unproven.len() < 5,
        "{} trials no single flaw breaks (the goal is fewer than 5)",
        unproven.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The standard a flaw is proven under: its requirement's `proof_standard`
/// alone (where the default standard leaves the behaviour to the server),
/// else the profile's default.
fn proof_standard(flaw: Flaw) -> Option<StandardSet> {
    let standard = catalogue::find(flaw.requirement())?.proof_standard?;
    Some(StandardSet::new([standard]).expect("one standard is a set"))
}

/// A flaw proven under another standard is a legal variation under the
/// default one (MAY there), so under the default standard it breaks nothing:
/// principle 8's side of `proof_standard`, as a quirk would show it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flaw_proven_under_another_standard_breaks_nothing_under_the_default() {
    let flaws: Vec<Flaw> = Flaw::ALL
        .iter()
        .copied()
        .filter(|&f| proof_standard(f).is_some())
        .collect();
    assert!(
        !flaws.is_empty(),
        "no catalogue entry has a `proof_standard`: drop this test with the field"
    );
    let runs = flaws
        .iter()
        .map(|&flaw| {
            let run = ReferenceRun {
                flaws: vec![flaw],
                ..ReferenceRun::default()
            };
            (flaw, run)
        })
        .collect();
    for (flaw, reports) in run_pooled(&shipped_suites(), runs).await {
        let broken: Vec<_> = reports
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Pass | Outcome::Skip))
            .collect();
        assert!(
            broken.is_empty(),
            "flaw `{}` is legal under the default standard, yet:\n{}",
            flaw.id(),
            describe(&broken)
        );
    }
}
