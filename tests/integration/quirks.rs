//! The quirk self-test: proof that the checks judge what the specifications
//! judge and no more, the mirror of the flaw self-test.
//!
//! A quirk is a legal variation of the reference server (`Quirk`): with any
//! one of them on, and with every compatible one on together, every shipped
//! trial must still pass or skip — never fail, warn or error. A skip that
//! the quirk causes must say why (the legal behaviour that leaves nothing to
//! judge). One test per quirk, so a run shows which quirks hold; all runs
//! are started together on first use and shared.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use oauthcheck::run::{Outcome, TrialReport};
use oauthcheck::server::Quirk;

use crate::support::{ReferenceRun, describe, run_pooled, shipped_suites};

/// The reports of one run: with no quirk (the baseline), each quirk alone,
/// and the compatible set together.
struct Runs {
    baseline: Vec<TrialReport>,
    by_quirks: BTreeMap<Vec<Quirk>, Vec<TrialReport>>,
}

static RUNS: OnceLock<Runs> = OnceLock::new();

/// Every run, started concurrently the first time any test asks.
fn runs() -> &'static Runs {
    RUNS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        runtime.block_on(async {
            let mut sets: Vec<Vec<Quirk>> = vec![Vec::new()];
            sets.extend(Quirk::ALL.iter().map(|q| vec![*q]));
            sets.push(Quirk::compatible_set());
            // All at once, each with its own server, bounded by the pool the
            // flaw self-test shares (support.rs): the runs overlap their waits.
            let runs = sets
                .into_iter()
                .map(|set| {
                    let run = ReferenceRun {
                        quirks: set.clone(),
                        ..ReferenceRun::default()
                    };
                    (set, run)
                })
                .collect();
            let mut by_quirks: BTreeMap<Vec<Quirk>, Vec<TrialReport>> =
                run_pooled(&shipped_suites(), runs)
                    .await
                    .into_iter()
                    .collect();
            let baseline = by_quirks.remove(&Vec::new()).unwrap_or_default();
            Runs {
                baseline,
                by_quirks,
            }
        })
    })
}

/// Asserts that the run with `quirks` has no fail, warn or error, and that
/// every skip it adds over the baseline gives a reason.
fn holds_with(quirks: &[Quirk]) {
    let runs = runs();
    let reports = runs
        .by_quirks
        .get(quirks)
        .unwrap_or_else(|| panic!("no run with {quirks:?}"));
    let skipped_anyway: Vec<&str> = runs
        .baseline
        .iter()
        .filter(|r| r.outcome == Outcome::Skip)
        .map(|r| r.name.as_str())
        .collect();
    let broken: Vec<&TrialReport> = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Warn | Outcome::Error))
        .collect();
    let unexplained_skips: Vec<&TrialReport> = reports
        .iter()
        .filter(|r| r.outcome == Outcome::Skip && !skipped_anyway.contains(&r.name.as_str()))
        .filter(|r| r.message.as_deref().is_none_or(|m| m.trim().is_empty()))
        .collect();
    let ids: Vec<&str> = quirks.iter().map(|q| q.id()).collect();
    let new_skips: Vec<&TrialReport> = reports
        .iter()
        .filter(|r| r.outcome == Outcome::Skip && !skipped_anyway.contains(&r.name.as_str()))
        .collect();
    eprintln!(
        "with {ids:?}: {} trials, {} skipped that pass without the quirk:\n{}",
        reports.len(),
        new_skips.len(),
        describe(&new_skips)
    );
    assert!(
        broken.is_empty() && unexplained_skips.is_empty(),
        "with quirk(s) {ids:?}, {} trial(s) did not pass or skip:\n{}\n\nskips without a reason:\n{}",
        broken.len(),
        describe(&broken),
        describe(&unexplained_skips)
    );
    assert!(reports.len() > 50, "only {} trials ran", reports.len());
}

/// One `#[test]` per quirk, and a check that none is forgotten.
macro_rules! quirk_tests {
    ($($name:ident => $quirk:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                holds_with(&[Quirk::$quirk]);
            }
        )*

        #[test]
        fn every_quirk_has_its_test() {
            let tested = [$(Quirk::$quirk),*];
            let missing: Vec<&str> = Quirk::ALL
                .iter()
                .filter(|q| !tested.contains(q))
                .map(|q| q.id())
                .collect();
            assert!(missing.is_empty(), "quirks without a test here: {missing:?}");
        }
    };
}

quirk_tests! {
    no_error_description => NoErrorDescription,
    refresh_introspection_unsupported => RefreshIntrospectionUnsupported,
    introspection_audience => IntrospectionAudience,
    refresh_scope_ignored => RefreshScopeIgnored,
    pkce_required => PkceRequired,
    remembered_consent => RememberedConsent,
    consent_checkbox => ConsentCheckbox,
    js_deny => JsDeny,
    error_page_200 => ErrorPage200,
    empty_state_echo => EmptyStateEcho,
    unsupported_grant_for_missing => UnsupportedGrantForMissing,
    loopback_any_port => LoopbackAnyPort,
    no_rotation_confidential => NoRotationConfidential,
    id_token_hs256 => IdTokenHs256,
    session_rotation => SessionRotation,
    opaque_access_tokens => OpaqueAccessTokens,
    bearer_query_token => BearerQueryToken,
    revoke_foreign_refused => RevokeForeignRefused,
    nonce_requires_openid => NonceRequiresOpenid,
    client_redirect_302 => ClientRedirect302,
    user_auth_time => UserAuthTime,
    identifier_first => IdentifierFirst,
}

#[test]
fn every_compatible_quirk_together() {
    holds_with(&Quirk::compatible_set());
}
