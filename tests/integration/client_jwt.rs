//! `private_key_jwt` and `client_secret_jwt` client authentication (RFC 7523
//! §2.2, OIDC Core §9) end to end: a reference server whose main client is
//! registered for `private_key_jwt` (its public key) and whose second client
//! for `client_secret_jwt`, and a profile holding the main client's private
//! key. The back-channel suites pass through assertions the harness signs,
//! forged ones are refused, and neither the key nor an assertion reaches a
//! report.

use std::sync::Arc;

use oauthcheck::harness;
use oauthcheck::run::{self, Outcome, RunOptions};
use oauthcheck::server::AuthMethod;
use oauthcheck::target::Secret;

use crate::support::{describe, shipped_suites};

const KEY: &str = include_str!("../../fixtures/keys/client-ec-p256.pem");
const PUBLIC: &str = include_str!("../../fixtures/keys/client-ec-p256.pub.pem");

/// Scenarios whose token, refresh, revocation and introspection requests
/// authenticate the main and the second client.
const SCENARIOS: &[&str] = &[
    "code.single-use",
    "code.reuse-revokes-tokens",
    "client-auth.bad-secret",
    "client-auth.other-client-secret",
    "client-auth.method-mismatch",
    "code.bound-to-client",
    "refresh.bound-to-client",
    "revoke.refresh-token",
    "introspect.active-response",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_client_authentication_works_and_stays_secret() {
    let mut config = harness::embedded_config(&[], &[]);
    config.clients[0].auth_method = AuthMethod::PrivateKeyJwt;
    config.clients[0].secret = None;
    config.clients[0].public_key = Some(PUBLIC.to_string());
    config.clients[1].auth_method = AuthMethod::ClientSecretJwt;
    let (mut profile, server) = harness::embedded_target_with(config)
        .await
        .expect("the reference server starts");
    profile.main.key = Some(Secret::new(KEY));
    let mut suites = shipped_suites();
    for suite in &mut suites {
        suite
            .scenarios
            .retain(|s| SCENARIOS.contains(&s.id.as_str()));
    }
    let specs = run::plan(&suites, &profile);
    let reports = run::execute(Arc::new(profile), specs, &RunOptions::with_jobs(4)).await;
    server.shutdown().await;

    let ran: Vec<&str> = reports.iter().map(|r| r.scenario.as_str()).collect();
    for id in SCENARIOS {
        assert!(ran.contains(id), "`{id}` did not run: {ran:?}");
    }
    // The main client has no secret, so nothing can mismatch it: a skip.
    let wrong: Vec<_> = reports
        .iter()
        .filter(|r| match r.scenario.as_str() {
            "client-auth.method-mismatch" => r.outcome != Outcome::Skip,
            _ => r.outcome != Outcome::Pass,
        })
        .collect();
    assert!(wrong.is_empty(), "{}", describe(&wrong));

    let text = serde_json::to_string(&reports).expect("reports serialize");
    let key_line = KEY.lines().nth(1).expect("a PEM body line");
    assert!(!text.contains(key_line), "the private key leaked");
    assert!(
        text.contains("client_assertion_type"),
        "no assertion was sent"
    );
    // Assertions are JWTs: `eyJ` after `client_assertion=` would be one.
    assert!(
        !text.contains("client_assertion=eyJ"),
        "an assertion reached a report"
    );
}
