//! The authorization-code grant (RFC 6749 §4.1.3; RFC 7636 §4.6).
//!
//! Checks run in an order that keeps an *invalid* replay harmless: client
//! binding, redirect URI and PKCE first, and only a fully valid replay of a
//! used code revokes what the code issued (OAuth 2.1 §7.5.2; RFC 6749 §4.1.2).
//! All of it happens under one lock, so a code is redeemed once even when
//! requests race. The `code.*` flaws are applied here.

use axum::response::Response;

use crate::server::config::{ClientConfig, GrantType};
use crate::server::flaw::Flaw;
use crate::server::issue::{self, IdTokenPlan, Plan};
use crate::server::oauth_error::OAuthError;
use crate::server::params::Params;
use crate::server::pkce::{self, VerifierError};
use crate::server::scope;
use crate::server::state::AppState;
use crate::server::store::{CodeRecord, Grant};

/// How long the `code.concurrent-redemption` flaw waits between checking
/// that a code is unused and redeeming it: long enough that requests
/// released together land inside it even on a loaded two-core CI machine,
/// where 150 ms let them arrive one after the other now and then.
const RACE_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

/// For the `code.concurrent-redemption` flaw: whether the code was unused
/// when looked at, answered after [`RACE_WINDOW`] (the check, then the wait
/// before the act).
pub async fn unused_after_window(state: &AppState, params: &Params) -> bool {
    let unused = match params.get("code") {
        Ok(Some(code)) => state
            .store()
            .codes
            .get(code)
            .is_some_and(|record| record.grant.is_none()),
        _ => false,
    };
    if unused {
        tokio::time::sleep(RACE_WINDOW).await;
    }
    unused
}

/// Redeems a code for tokens. `stale_unused`: the code was seen unused
/// before a wait (the `code.concurrent-redemption` flaw), and that stale
/// reading stands in for the check of single use.
pub fn redeem(
    state: &AppState,
    client: &ClientConfig,
    params: &Params,
    stale_unused: bool,
) -> Result<Response, OAuthError> {
    let Some(code) = params.get("code")? else {
        return Err(OAuthError::invalid_request("code is required"));
    };
    let redirect_uri = params.get("redirect_uri")?;
    let verifier = params.get("code_verifier")?;
    let resource = super::token::resource(state, params)?;
    let mut store = state.store();
    let Some(record) = store.codes.get(code).cloned() else {
        // The `error.invalid-grant-format` flaw names the wrong error.
        if state.has(Flaw::ErrorInvalidGrantFormat) {
            return Err(OAuthError::invalid_request("the code is unknown"));
        }
        return Err(OAuthError::invalid_grant(
            "the code is invalid, expired or used",
        ));
    };
    // The `code.invalid-replay-no-revoke` flaw revokes on any replay, before
    // the checks that make a replay invalid.
    if let Some(earlier) = record.grant
        && state.has(Flaw::CodeInvalidReplayNoRevoke)
    {
        store.revoke_grant(earlier);
    }
    check_binding(state, client, &record, redirect_uri)?;
    pkce::check_verifier(&state.config, record.challenge.as_ref(), verifier).map_err(|error| {
        match error {
            VerifierError::Unexpected => OAuthError::invalid_request(error),
            _ => OAuthError::invalid_grant(error),
        }
    })?;
    if let Some(earlier) = record.grant
        && !state.has(Flaw::CodeSingleUse)
        && !stale_unused
    {
        // RFC 6749 §4.1.2: a second use SHOULD revoke what the first issued.
        if !state.has(Flaw::CodeReuseRevokesTokens) {
            store.revoke_grant(earlier);
        }
        return Err(OAuthError::invalid_grant(
            "the code is invalid, expired or used",
        ));
    }
    if !state.has(Flaw::CodeExpiry) && record.issued.elapsed() >= state.config.ttl.code {
        return Err(OAuthError::invalid_grant(
            "the code is invalid, expired or used",
        ));
    }
    let grant = store.new_grant(Grant {
        sub: Some(record.sub.clone()),
        auth_time: Some(record.auth_time),
        revoked: false,
    });
    if let Some(stored) = store.codes.get_mut(code) {
        stored.grant = Some(grant);
    }
    // The `oidc.openid-scope` flaw sees `openid` only as the first value.
    let openid = if state.has(Flaw::OidcOpenidScope) {
        record.scope.first().is_some_and(|first| first == "openid")
    } else {
        scope::has(&record.scope, "openid")
    };
    let plan = Plan {
        grant,
        client_id: client.id.clone(),
        sub: Some(record.sub.clone()),
        scope: record.scope.clone(),
        refresh_scope: client
            .allows_grant(GrantType::RefreshToken)
            .then(|| record.scope.clone()),
        id_token: openid.then(|| IdTokenPlan {
            nonce: record.nonce.clone(),
            auth_time: Some(record.auth_time),
            code: Some(code.to_string()),
        }),
        resource,
    };
    let minted = issue::record(state, &mut store, &plan);
    drop(store);
    issue::respond(state, &plan, minted)
}

/// The code belongs to this client and, when the authorization request named
/// a redirect URI, the same URI is repeated (RFC 6749 §4.1.3).
fn check_binding(
    state: &AppState,
    client: &ClientConfig,
    record: &CodeRecord,
    redirect_uri: Option<&str>,
) -> Result<(), OAuthError> {
    if record.client_id != client.id && !state.has(Flaw::CodeBoundToClient) {
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if state.has(Flaw::CodeBoundToRedirectUri) {
        return Ok(());
    }
    match redirect_uri {
        None if record.redirect_uri_sent => Err(OAuthError::invalid_grant(
            "redirect_uri is required because it was sent in the authorization request",
        )),
        Some(uri) if uri != record.redirect_uri => Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        )),
        _ => Ok(()),
    }
}
