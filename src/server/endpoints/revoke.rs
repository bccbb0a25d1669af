//! Token revocation (RFC 7009).
//!
//! The client must authenticate (public clients identify with `client_id`,
//! §2.1) and can revoke only its own tokens; someone else's token or an
//! unknown one gets the same empty 200, so the answer reveals nothing (§2.2).
//! Revoking a refresh token revokes its whole grant, access tokens included
//! (§2.1). `token_type_hint` is only a hint: both kinds are searched. The
//! `revoke.*` flaws are applied here.
//!
//! Another client's token is answered with the same 200 as an unknown one
//! and left alone: RFC 7009 §2.1 has the request refused, and §2.2 lets an
//! invalid token get 200; either way nothing is revoked.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::client_auth::{self, Endpoint};
use crate::server::flaw::Flaw;
use crate::server::issue::access_handle;
use crate::server::oauth_error::{ErrorCode, OAuthError, json_error, no_store};
use crate::server::params::{Params, read_body};
use crate::server::quirk::Quirk;
use crate::server::state::{AppState, Shared};
use crate::server::store::{GrantId, Store};

/// `POST /revoke`.
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    match handle(&state, &headers, body).await {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => json_error(&state, &error),
    }
}

async fn handle(state: &AppState, headers: &HeaderMap, body: Body) -> Result<(), OAuthError> {
    let bytes = read_body(body).await?;
    let params = Params::from_form(headers, &bytes)?;
    params.check_not_repeated(&["token", "token_type_hint", "client_id", "client_secret"])?;
    let client = client_auth::authenticate(state, headers, &params, Endpoint::Revocation)?;
    let Some(token) = params.get("token")? else {
        return Err(OAuthError::invalid_request("token is required"));
    };
    let handle = access_handle(state, token);
    let mut store = state.store();
    let known_access = handle
        .as_ref()
        .is_some_and(|handle| store.access.contains_key(handle));
    if !known_access && !store.refresh.contains_key(token) && state.has(Flaw::RevokeInvalidToken200)
    {
        return Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "the token is unknown",
        ));
    }
    // RFC 7009 §2.1: only the client the token was issued to may revoke it
    // (the `revoke.client-binding` flaw lets any client), and a hint that
    // does not find the token does not stop the search (the
    // `revoke.hint-fallback` flaw stops there).
    let owner = |owner: &str| owner == client.id || state.has(Flaw::RevokeClientBinding);
    // The `revoke-foreign-refused` quirk tells the caller so (RFC 7009 §2.1).
    let foreign = handle
        .as_ref()
        .and_then(|handle| store.access.get(handle))
        .map(|record| record.client_id.as_str())
        .or_else(|| {
            store
                .refresh
                .get(token)
                .map(|record| record.client_id.as_str())
        })
        .is_some_and(|issued_to| !owner(issued_to));
    if foreign && state.quirk(Quirk::RevokeForeignRefused) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the token was not issued to this client",
        ));
    }
    let hint = params.get("token_type_hint")?;
    let search =
        |kind: &str| !state.has(Flaw::RevokeHintFallback) || hint.is_none_or(|hint| hint == kind);
    if let Some(handle) = handle
        && search("access_token")
        && let Some(record) = store.access.get_mut(&handle)
        && owner(&record.client_id)
        && !state.has(Flaw::RevokeAccessToken)
    {
        record.revoked = true;
    }
    let family = store
        .refresh
        .get(token)
        .filter(|record| owner(&record.client_id) && search("refresh_token"))
        .map(|record| record.grant);
    if let Some(grant) = family {
        revoke_family(state, &mut store, token, grant);
    }
    Ok(())
}

/// Revokes the grant of a refresh token: the token and its access tokens —
/// unless `revoke.refresh-token` spares the refresh token or
/// `revoke.cascade` spares the access tokens.
fn revoke_family(state: &AppState, store: &mut Store, token: &str, grant: GrantId) {
    if state.has(Flaw::RevokeRefreshToken) {
        for record in store.access.values_mut().filter(|r| r.grant == grant) {
            record.revoked = true;
        }
    } else if state.has(Flaw::RevokeCascade) {
        store.refresh.remove(token);
    } else {
        store.revoke_grant(grant);
    }
}
