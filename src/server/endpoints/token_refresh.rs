//! The refresh-token grant (RFC 6749 §6) with rotation and replay detection
//! (RFC 9700 §4.14.2; OAuth 2.1 §4.3.1).
//!
//! Every use rotates (except under the `no-rotation-confidential` quirk):
//! the presented token is retired and a new one issued in the same grant. Presenting a retired token again is a replay and revokes
//! the whole grant (current refresh token and its access tokens). The
//! `refresh.*` flaws are applied here.

use axum::response::Response;

use crate::server::config::ClientConfig;
use crate::server::flaw::Flaw;
use crate::server::issue::{self, IdTokenPlan, Plan};
use crate::server::oauth_error::{ErrorCode, OAuthError};
use crate::server::params::Params;
use crate::server::quirk::Quirk;
use crate::server::scope::{self, ScopeError};
use crate::server::state::AppState;
use crate::server::store::RefreshStatus;

const INVALID: &str = "the refresh token is invalid, expired or revoked";

/// Exchanges a refresh token for new tokens.
pub fn refresh(
    state: &AppState,
    client: &ClientConfig,
    params: &Params,
) -> Result<Response, OAuthError> {
    let Some(token) = params.get("refresh_token")? else {
        return Err(OAuthError::invalid_request("refresh_token is required"));
    };
    let requested_scope = params.get("scope")?;
    let mut store = state.store();
    let Some(record) = store.refresh.get(token).cloned() else {
        // The `error.invalid-grant-format` flaw names the wrong error.
        if state.has(Flaw::ErrorInvalidGrantFormat) {
            return Err(OAuthError::invalid_request("the refresh token is unknown"));
        }
        return Err(OAuthError::invalid_grant(INVALID));
    };
    if record.client_id != client.id && !state.has(Flaw::RefreshBoundToClient) {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    // The `refresh.expiry` flaw ignores the refresh token's lifetime.
    let expired = record.expires <= std::time::Instant::now() && !state.has(Flaw::RefreshExpiry);
    if store.grant_revoked(record.grant) || expired {
        return Err(OAuthError::invalid_grant(INVALID));
    }
    if record.status == RefreshStatus::RotatedOut && !state.has(Flaw::RefreshOldRejected) {
        if !state.has(Flaw::RefreshReuseRevokesFamily) {
            store.revoke_grant(record.grant);
        }
        return Err(OAuthError::invalid_grant(INVALID));
    }
    let scope = match scope::refreshed(&state.config, client, &record.scope, requested_scope) {
        // The `refresh-scope-ignored` quirk answers a widening request with
        // the original grant instead of an error: RFC 6749 §6 forbids only
        // granting more, and §5.1 makes the response `scope` say what was
        // granted.
        Err(ScopeError::Widened(_)) if state.quirk(Quirk::RefreshScopeIgnored) => {
            record.scope.clone()
        }
        other => other.map_err(|error| OAuthError::new(ErrorCode::InvalidScope, error))?,
    };
    // RFC 6749 §6: the new refresh token keeps the grant's scope; only the
    // `refresh.scope-no-escalation` flaw lets a request widen it, and the
    // `refresh.scope-preserved` flaw narrows it to a narrower request.
    let mut refresh_scope = if state.has(Flaw::RefreshScopePreserved) {
        scope.clone()
    } else {
        record.scope.clone()
    };
    for extra in &scope {
        if !refresh_scope.contains(extra) {
            refresh_scope.push(extra.clone());
        }
    }
    // The `no-rotation-confidential` quirk keeps a confidential client's
    // refresh token and issues none (RFC 9700 §4.14.2 requires rotation or
    // sender-constraining for public clients only; RFC 6749 §6: the server
    // MAY issue a new refresh token).
    // The `refresh.rotation` flaw does the same to a public client, whose
    // token RFC 9700 §2.2.2 and §4.14.2 require rotated (or sender-constrained).
    let rotate = if client.is_confidential() {
        !state.quirk(Quirk::NoRotationConfidential)
    } else {
        !state.has(Flaw::RefreshRotation)
    };
    if rotate && let Some(retired) = store.refresh.get_mut(token) {
        retired.status = RefreshStatus::RotatedOut;
    }
    let grant = store.grants.get(&record.grant).cloned();
    let sub = grant.as_ref().and_then(|grant| grant.sub.clone());
    let plan = Plan {
        grant: record.grant,
        client_id: client.id.clone(),
        sub: sub.clone(),
        id_token: (sub.is_some() && scope::has(&scope, "openid")).then(|| IdTokenPlan {
            // OIDC Core §12.2: same identity, no nonce on a refreshed ID token.
            nonce: None,
            auth_time: grant.as_ref().and_then(|grant| grant.auth_time),
            code: None,
        }),
        scope,
        refresh_scope: rotate.then_some(refresh_scope),
        resource: None,
    };
    let minted = issue::record(state, &mut store, &plan);
    drop(store);
    issue::respond(state, &plan, minted)
}
