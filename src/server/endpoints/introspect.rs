//! Token introspection (RFC 7662).
//!
//! Callers must authenticate as a confidential client (§2.1) — any
//! registered one, since resource servers introspect tokens issued to others.
//! A live token is described (§2.2); anything else, whatever the reason, is
//! exactly `{"active":false}` so the answer leaks nothing. The
//! `introspect.*` flaws are applied here.

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::server::client_auth::{self, Endpoint};
use crate::server::flaw::Flaw;
use crate::server::issue::access_handle;
use crate::server::oauth_error::{ErrorCode, OAuthError, json_error, no_store};
use crate::server::params::{Params, read_body};
use crate::server::quirk::Quirk;
use crate::server::scope;
use crate::server::state::{AppState, Shared};
use crate::server::store::{Liveness, RefreshStatus};

/// `POST /introspect`.
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    match handle(&state, &headers, body).await {
        Ok(answer) => {
            let mut response = axum::Json(answer).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => json_error(&state, &error),
    }
}

async fn handle(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Value, OAuthError> {
    let bytes = read_body(body).await?;
    let params = Params::from_form(headers, &bytes)?;
    params.check_not_repeated(&["token", "token_type_hint", "client_id", "client_secret"])?;
    let anonymous_allowed =
        state.has(Flaw::IntrospectAuthRequired) && !client_auth::has_credentials(headers, &params);
    let caller = if anonymous_allowed {
        None
    } else {
        Some(
            client_auth::authenticate(state, headers, &params, Endpoint::Introspection)?
                .id
                .as_str(),
        )
    };
    let Some(token) = params.get("token")? else {
        return Err(OAuthError::invalid_request("token is required"));
    };
    if let Some(mut description) = describe(state, token, caller) {
        // RFC 7662 §2.2: `active` is "REQUIRED. Boolean indicator"; the
        // `introspect.active-response` flaw sends it as a string.
        if state.has(Flaw::IntrospectActiveResponse) && description["token_type"] == "refresh_token"
        {
            description["active"] = json!("true");
        }
        return Ok(description);
    }
    if state.has(Flaw::IntrospectInactiveMinimal) && !known(state, token) {
        return Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "the token is unknown",
        ));
    }
    Ok(json!({ "active": false }))
}

/// Whether the store holds this token at all (live or not).
fn known(state: &AppState, token: &str) -> bool {
    let handle = access_handle(state, token);
    let store = state.store();
    handle.is_some_and(|handle| store.access.contains_key(&handle))
        || store.refresh.contains_key(token)
}

/// Whether the caller may see a token issued to `owner`: always, unless the
/// `introspection-audience` quirk limits each client to its own tokens
/// (RFC 7662 §2.2 lets the server answer `active:false` for a token the
/// caller is not allowed to know about; §4 asks it to limit what it tells).
fn may_see(state: &AppState, caller: Option<&str>, owner: &str) -> bool {
    !state.quirk(Quirk::IntrospectionAudience) || caller == Some(owner)
}

/// The description of a live access or refresh token the caller may see.
fn describe(state: &AppState, token: &str, caller: Option<&str>) -> Option<Value> {
    let handle = access_handle(state, token);
    let store = state.store();
    let now = Instant::now();
    if let Some(record) = handle.and_then(|handle| store.access.get(&handle))
        && store.liveness(record, now) == Liveness::Active
    {
        if !may_see(state, caller, &record.client_id) {
            return None;
        }
        return Some(json!({
            "active": true,
            "scope": scope::join(&record.scope),
            "client_id": record.client_id,
            "sub": record.sub.clone().unwrap_or_else(|| record.client_id.clone()),
            "exp": record.exp,
            "iat": record.iat,
            "iss": state.issuer,
            "token_type": "Bearer",
        }));
    }
    // The `refresh-introspection-unsupported` quirk describes access tokens
    // only (RFC 7662 §2.2: "active:false" for a token it will not describe).
    if state.quirk(Quirk::RefreshIntrospectionUnsupported) {
        return None;
    }
    let record = store.refresh.get(token)?;
    let live = may_see(state, caller, &record.client_id)
        && record.status == RefreshStatus::Current
        && now < record.expires
        && !store.grant_revoked(record.grant);
    let sub = store
        .grants
        .get(&record.grant)
        .and_then(|grant| grant.sub.clone());
    live.then(|| {
        json!({
            "active": true,
            "scope": scope::join(&record.scope),
            "client_id": record.client_id,
            "sub": sub.unwrap_or_else(|| record.client_id.clone()),
            "exp": record.exp,
            "iat": record.iat,
            "iss": state.issuer,
            "token_type": "refresh_token",
        })
    })
}
