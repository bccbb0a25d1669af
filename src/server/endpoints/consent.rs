//! The consent page (`GET`) and decision (`POST`): the only place a code is
//! issued (RFC 6749 §4.1.2) or `access_denied` returned (§4.1.2.1).
//!
//! The decision needs the session cookie, the session's anti-CSRF value and a
//! transaction bound to that session; the transaction is consumed by the first
//! decision, so a replayed form yields nothing (RFC 6749 §10.12). What is
//! approved comes from the stored transaction, never from form fields.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::server::flaw::Flaw;
use crate::server::front::{
    PageKind, code_redirect, error_page, error_redirect, page, see_other, tx_param,
};
use crate::server::html::{self, ConsentForm};
use crate::server::oauth_error::{ErrorCode, OAuthError};
use crate::server::params::{Params, read_body};
use crate::server::random;
use crate::server::session::{self, same_secret};
use crate::server::state::Shared;
use crate::server::store::CodeRecord;
use crate::server::uri::with_params;

const UNKNOWN_TX: &str = "this authorization request is unknown, expired or already answered";

/// `GET /consent?tx=…`: what the client asks for, with Allow and Deny.
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let tx = match tx_param(&state, query) {
        Ok(tx) => tx,
        Err(page) => return page,
    };
    let tx = tx.as_str();
    let store = state.store();
    let Some(transaction) = store.transactions.get(tx).cloned() else {
        return error_page(&state, UNKNOWN_TX);
    };
    let current = session::current(&store, &headers);
    drop(store);
    let Some((_, session)) =
        current.filter(|(id, _)| transaction.session.as_deref() == Some(id.as_str()))
    else {
        // Not logged in for this transaction yet: the login page binds it.
        let login = with_params(&state.url(&state.config.paths.login), &[("tx", tx)]);
        return see_other(&state, &login);
    };
    let user = state
        .config
        .user_by_sub(&session.sub)
        .map(|user| user.name.clone().unwrap_or_else(|| user.username.clone()))
        .unwrap_or_else(|| session.sub.clone());
    let action = state.url(&state.config.paths.consent);
    let html = html::consent_page(&ConsentForm {
        action: &action,
        tx,
        csrf: &session.csrf,
        client_id: &transaction.client_id,
        user: &user,
        scopes: &transaction.scope,
    });
    page(&state, PageKind::Interactive, StatusCode::OK, html)
}

/// `POST /consent`: approve issues a code, deny returns `access_denied`.
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let params = match read_body(body).await {
        Ok(bytes) => Params::from_form(&headers, &bytes),
        Err(error) => Err(error),
    };
    let params = match params {
        Ok(params) => params,
        Err(error) => return error_page(&state, error),
    };
    let fields = ["tx", "csrf", "decision"].map(|name| params.get(name));
    let [Ok(Some(tx)), Ok(Some(csrf)), Ok(Some(decision))] = fields else {
        return error_page(
            &state,
            "the consent form is incomplete or has repeated fields",
        );
    };
    let approve = match decision {
        "approve" => true,
        // The `authz.access-denied` flaw treats deny as approve.
        "deny" => state.has(Flaw::AuthzAccessDenied),
        _ => return error_page(&state, "unknown decision"),
    };
    let mut store = state.store();
    let Some((session_id, session)) = session::current(&store, &headers) else {
        return error_page(&state, "you are not signed in");
    };
    if !same_secret(&session.csrf, csrf) {
        return error_page(
            &state,
            "the consent form has expired or was not submitted from this browser",
        );
    }
    let owned = store
        .transactions
        .get(tx)
        .is_some_and(|t| t.session.as_deref() == Some(session_id.as_str()));
    let Some(transaction) = owned.then(|| store.transactions.remove(tx)).flatten() else {
        return error_page(&state, UNKNOWN_TX);
    };
    if !approve {
        drop(store);
        let error = OAuthError::new(ErrorCode::AccessDenied, "the user denied the request");
        return error_redirect(
            &state,
            &transaction.redirect_uri,
            transaction.state.as_deref(),
            &error,
        );
    }
    if !transaction.redirect_validated {
        // Only reachable under `redirect.error-no-redirect`: errors may go to
        // the unvalidated URI, a code never does.
        return error_page(&state, "redirect_uri is not registered for this client");
    }
    let code = random::token();
    store.codes.insert(
        code.clone(),
        CodeRecord {
            client_id: transaction.client_id.clone(),
            redirect_uri: transaction.redirect_uri.clone(),
            redirect_uri_sent: transaction.redirect_uri_sent,
            scope: transaction.scope.clone(),
            sub: session.sub.clone(),
            auth_time: session.auth_time,
            nonce: transaction.nonce.clone(),
            challenge: transaction.challenge.clone(),
            issued: Instant::now(),
            grant: None,
        },
    );
    drop(store);
    code_redirect(
        &state,
        &transaction.redirect_uri,
        transaction.state.as_deref(),
        &code,
    )
}
