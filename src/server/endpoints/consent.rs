//! The consent page (`GET`) and decision (`POST`): the only place a code is
//! issued (RFC 6749 §4.1.2) or `access_denied` returned (§4.1.2.1).
//!
//! The decision needs the session cookie, the session's anti-CSRF value and a
//! transaction bound to that session; the transaction is consumed by the first
//! decision, so a replayed form yields nothing (RFC 6749 §10.12). What is
//! approved comes from the stored transaction, never from form fields (under
//! `consent-checkbox`, the ticked scopes narrow it, never widen it).
//!
//! Quirks: `remembered-consent` skips the page for a scope the user already
//! approved for the client unless the request said `prompt=consent`;
//! `consent-checkbox` needs a ticked confirmation; `js-deny` only changes
//! the page (see `html`).

use std::sync::MutexGuard;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::oauth::uri::encode_component;
use crate::oauth::uri::with_params;
use crate::server::flaw::Flaw;
use crate::server::front::{
    PageKind, code_redirect, error_page, error_redirect, page, see_other, tx_param,
};
use crate::server::html::{self, ConsentForm};
use crate::server::issue;
use crate::server::oauth_error::{ErrorCode, OAuthError};
use crate::server::params::{Params, read_body};
use crate::server::quirk::Quirk;
use crate::server::random;
use crate::server::session::{self, same_secret};
use crate::server::state::{AppState, Shared};
use crate::server::store::{CodeRecord, Session, Store, Transaction};

const UNKNOWN_TX: &str = "this authorization request is unknown, expired or already answered";

/// `GET /consent?tx=…`: what the client asks for, with Allow and Deny —
/// or, under `remembered-consent`, a code at once when this user already
/// approved this scope for this client and the request did not say
/// `prompt=consent`.
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
    let mut store = state.store();
    let Some(transaction) = store.transactions.get(tx).cloned() else {
        return error_page(&state, UNKNOWN_TX);
    };
    let current = session::current(&store, &headers);
    let Some((_, session)) =
        current.filter(|(id, _)| transaction.session.as_deref() == Some(id.as_str()))
    else {
        drop(store);
        // Not logged in for this transaction yet: the login page binds it.
        let login = with_params(&state.url(&state.config.paths.login), &[("tx", tx)]);
        return see_other(&state, &login);
    };
    // An error that waited for the login goes to the client now.
    if let Some(error) = &transaction.pending_error {
        store.transactions.remove(tx);
        drop(store);
        return error_redirect(
            &state,
            &transaction.redirect_uri,
            transaction.state.as_deref(),
            error,
        );
    }
    let remembered = remembers_consent(&state, &transaction.client_id)
        && !transaction.prompt_consent
        && store.consent_remembered(&session.sub, &transaction.client_id, &transaction.scope);
    if remembered {
        store.transactions.remove(tx);
        let scope = transaction.scope.clone();
        return issue_code(&state, store, &transaction, &session, scope);
    }
    drop(store);
    consent_form(&state, StatusCode::OK, tx, &transaction, &session, None)
}

/// Whether approvals for this client are remembered: for confidential
/// clients under the `remembered-consent` quirk; never for public clients
/// (RFC 6749 §10.2: repeated requests of a client that cannot authenticate
/// SHOULD NOT be processed automatically) — except under the
/// `authz.public-client-reconsent` flaw.
fn remembers_consent(state: &AppState, client_id: &str) -> bool {
    match state.client(client_id) {
        Some(client) if client.is_confidential() => state.quirk(Quirk::RememberedConsent),
        Some(_) => state.has(Flaw::AuthzPublicClientReconsent),
        None => false,
    }
}

/// The consent page for `transaction`, with an optional error line.
fn consent_form(
    state: &AppState,
    status: StatusCode,
    tx: &str,
    transaction: &Transaction,
    session: &Session,
    error: Option<&str>,
) -> Response {
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
        checkboxes: state.quirk(Quirk::ConsentCheckbox),
        js_deny: state.quirk(Quirk::JsDeny),
        error,
    });
    page(state, PageKind::Interactive, status, html)
}

/// `POST /consent`: approve issues a code, deny returns `access_denied`.
/// Under `consent-checkbox`, approval needs `confirm=yes` and grants the
/// ticked `scope` boxes; otherwise the page comes back and nothing is issued.
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let params = match read_body(body).await {
        Ok(bytes) => Params::from_form(&headers, &bytes),
        Err(error) => Err(error),
    };
    let params = match params {
        Ok(params) => params,
        Err(error) => return error_page(&state, error),
    };
    // Under the `headers.no-307` flaw the login POST arrives here again:
    // without a decision it is sent on to the page.
    if state.has(Flaw::HeadersNo307)
        && params.get("decision") == Ok(None)
        && let Ok(Some(tx)) = params.get("tx")
    {
        let page = with_params(&state.url(&state.config.paths.consent), &[("tx", tx)]);
        return see_other(&state, &page);
    }
    // The `csrf.consent-form` flaw neither requires nor compares `csrf`.
    let csrf_ignored = state.has(Flaw::CsrfConsentForm);
    let fields = ["tx", "csrf", "decision"].map(|name| params.get(name));
    let (tx, csrf, decision) = match fields {
        [Ok(Some(tx)), Ok(Some(csrf)), Ok(Some(decision))] => (tx, Some(csrf), decision),
        [Ok(Some(tx)), Ok(None), Ok(Some(decision))] if csrf_ignored => (tx, None, decision),
        _ => {
            return error_page(
                &state,
                "the consent form is incomplete or has repeated fields",
            );
        }
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
    if !csrf_ignored && !csrf.is_some_and(|csrf| same_secret(&session.csrf, csrf)) {
        return error_page(
            &state,
            "the consent form has expired or was not submitted from this browser",
        );
    }
    let Some(pending) = store
        .transactions
        .get(tx)
        .filter(|t| t.session.as_deref() == Some(session_id.as_str()))
        .filter(|t| t.pending_error.is_none())
        .cloned()
    else {
        return error_page(&state, UNKNOWN_TX);
    };
    let mut scope = pending.scope.clone();
    if decision == "approve" && state.quirk(Quirk::ConsentCheckbox) {
        let ticked = params.all("scope");
        scope.retain(|value| ticked.contains(&value.as_str()));
        let problem = if params.get("confirm") != Ok(Some("yes")) {
            Some("Tick the box to confirm that you allow access.")
        } else if scope.is_empty() {
            Some("Choose at least one permission to allow.")
        } else {
            None
        };
        if let Some(problem) = problem {
            // The transaction stays: the user may try again.
            drop(store);
            return consent_form(
                &state,
                StatusCode::OK,
                tx,
                &pending,
                &session,
                Some(problem),
            );
        }
    }
    let Some(transaction) = store.transactions.remove(tx) else {
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
    if remembers_consent(&state, &transaction.client_id) {
        store.remember_consent(&session.sub, &transaction.client_id, &scope);
    }
    issue_code(&state, store, &transaction, &session, scope)
}

/// Issues a code for an approved transaction and redirects it to the client.
fn issue_code(
    state: &AppState,
    mut store: MutexGuard<'_, Store>,
    transaction: &Transaction,
    session: &Session,
    scope: Vec<String>,
) -> Response {
    if !transaction.redirect_validated {
        // Only reachable under `redirect.error-no-redirect`: errors may go to
        // the unvalidated URI, a code never does.
        return error_page(state, "redirect_uri is not registered for this client");
    }
    if transaction.implicit {
        return implicit_redirect(state, store, transaction, session, scope);
    }
    // The `entropy.artifacts` flaw issues codes with 32 guessable bits.
    let code = if state.has(Flaw::EntropyArtifacts) {
        random::weak_code()
    } else {
        random::token()
    };
    let auth_time = store.auth_time(session, state.quirk(Quirk::UserAuthTime));
    store.codes.insert(
        code.clone(),
        CodeRecord {
            client_id: transaction.client_id.clone(),
            redirect_uri: transaction.redirect_uri.clone(),
            redirect_uri_sent: transaction.redirect_uri_sent,
            scope,
            sub: session.sub.clone(),
            auth_time,
            nonce: transaction.nonce.clone(),
            challenge: transaction.challenge.clone(),
            issued: Instant::now(),
            grant: None,
        },
    );
    // `session-rotation`: the session moves to a new id; the old one is gone.
    let renewed = match &transaction.session {
        Some(old) if state.quirk(Quirk::SessionRotation) => {
            store.sessions.remove(old).map(|record| {
                let id = random::token();
                store.sessions.insert(id.clone(), record);
                id
            })
        }
        _ => None,
    };
    drop(store);
    let mut response = code_redirect(
        state,
        &transaction.redirect_uri,
        transaction.state.as_deref(),
        &code,
    );
    if let Some(id) = renewed {
        let secure = crate::server::endpoints::login::secure(state);
        response.headers_mut().append(
            axum::http::header::SET_COOKIE,
            crate::server::cookies::set(crate::server::cookies::SESSION_COOKIE, &id, secure),
        );
    }
    response
}

/// The implicit grant's answer: an access token in the redirect's fragment
/// (RFC 6749 §4.2.2). Only under the `authz.implicit-disabled` flaw: the
/// server otherwise refuses `response_type=token`.
fn implicit_redirect(
    state: &AppState,
    mut store: MutexGuard<'_, Store>,
    transaction: &Transaction,
    session: &Session,
    scope: Vec<String>,
) -> Response {
    let (_, minted) = issue::access_only(
        state,
        &mut store,
        &transaction.client_id,
        Some(session.sub.clone()),
        Some(session.auth_time),
        scope,
    );
    drop(store);
    let mut fragment = format!(
        "access_token={}&token_type=Bearer",
        encode_component(minted.handle())
    );
    if let Some(value) = &transaction.state {
        fragment.push_str("&state=");
        fragment.push_str(&encode_component(value));
    }
    see_other(state, &format!("{}#{fragment}", transaction.redirect_uri))
}
