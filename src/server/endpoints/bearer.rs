//! Endpoints protected by a Bearer access token (RFC 6750): the OIDC UserInfo
//! endpoint, the resource `/api/me`, `/api/write`, which needs `api.write`,
//! and `/api/other`, a second resource that takes only tokens issued for it
//! (RFC 8707 `resource`; RFC 9700 §2.3 audience restriction).
//!
//! The token is taken from the `Authorization` header only; a token in the
//! query or body is ignored, and one sent in two places is refused (OAuth 2.1
//! §5.1). Failures carry a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).
//! The `bearer.*`, `token.type-confusion` and `oidc.userinfo` flaws are
//! applied here and nowhere else.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::server::flaw::Flaw;
use crate::server::issue::access_handle;
use crate::server::oauth_error::{REALM, no_store, sanitize};
use crate::server::params::{Params, is_form, read_body};
use crate::server::quirk::Quirk;
use crate::server::scope;
use crate::server::state::{AppState, Shared};
use crate::server::store::{AccessRecord, Liveness, Store};

const INVALID: &str = "the access token is invalid, expired or revoked";

/// The protected endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resource {
    UserInfo,
    Me,
    Write,
    /// The second resource (`paths.second_resource`).
    Other,
}

/// `GET|POST /userinfo` (OIDC Core §5.3).
pub async fn userinfo(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    serve(&state, Resource::UserInfo, &headers, query, body).await
}

/// `GET|POST /api/me`: who the token is for.
pub async fn me(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    serve(&state, Resource::Me, &headers, query, body).await
}

/// `GET|POST /api/write`: like `/api/me`, but needs the `api.write` scope.
pub async fn write(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    serve(&state, Resource::Write, &headers, query, body).await
}

/// `GET|POST /api/other`: like `/api/me`, for tokens issued for it only.
pub async fn other(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    serve(&state, Resource::Other, &headers, query, body).await
}

/// Why a request was refused.
enum Refusal {
    /// No token at all: a challenge without an error code (RFC 6750 §3.1).
    Missing,
    Malformed(&'static str),
    InvalidToken(&'static str),
    InsufficientScope(&'static str),
}

async fn serve(
    state: &AppState,
    resource: Resource,
    headers: &HeaderMap,
    query: Option<String>,
    body: Body,
) -> Response {
    let query_token = query
        .and_then(|query| Params::parse(query.as_bytes()).ok())
        .and_then(|params| {
            params
                .get("access_token")
                .ok()
                .flatten()
                .map(str::to_string)
        });
    let in_query = query_token.is_some();
    let in_body = match read_body(body).await {
        Ok(bytes) => {
            is_form(headers)
                && Params::parse(&bytes).is_ok_and(|params| params.contains("access_token"))
        }
        Err(_) => {
            return refuse(state, Refusal::Malformed("the request body is too large"));
        }
    };
    // The `bearer-query-token` quirk takes a query token when no
    // Authorization header came (RFC 6750 §2.3: MAY).
    let token = match (
        bearer_token(state, headers, in_query || in_body),
        &query_token,
    ) {
        (Err(Refusal::Missing), Some(token))
            if state.quirk(Quirk::BearerQueryToken) && !in_body =>
        {
            Ok(token.as_str())
        }
        (result, _) => result,
    };
    let result = token
        .and_then(|token| check(state, token))
        .and_then(|record| audience(state, resource, record))
        .and_then(|record| answer(state, resource, &record));
    match result {
        Ok(body) => {
            let mut response = axum::Json(body).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(refusal) => refuse(state, refusal),
    }
}

/// The token from `Authorization: Bearer …` (RFC 6750 §2.1), the scheme
/// compared case-insensitively (RFC 9110 §11.1) — except under the
/// `bearer.token-transport` flaw, which knows only `Bearer`.
fn bearer_token<'h>(
    state: &AppState,
    headers: &'h HeaderMap,
    elsewhere: bool,
) -> Result<&'h str, Refusal> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Refusal::Missing);
    };
    if values.next().is_some() {
        return Err(Refusal::Malformed("more than one Authorization header"));
    }
    let value = value
        .to_str()
        .map_err(|_| Refusal::Malformed("the Authorization header is not ASCII"))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let known = if state.has(Flaw::BearerTokenTransport) {
        scheme == "Bearer"
    } else {
        scheme.eq_ignore_ascii_case("bearer")
    };
    if !known {
        return Err(Refusal::Missing);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') || !is_b64token(token) {
        return Err(Refusal::Malformed("the Bearer credentials are malformed"));
    }
    if elsewhere {
        return Err(Refusal::Malformed(
            "the access token must be sent in one place only",
        ));
    }
    Ok(token)
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// The token's record if it may be used now.
fn check(state: &AppState, token: &str) -> Result<AccessRecord, Refusal> {
    let store = state.store();
    let record = access_handle(state, token).and_then(|handle| store.access.get(&handle).cloned());
    let Some(record) = record else {
        return refresh_as_access(state, &store, token).ok_or(Refusal::InvalidToken(INVALID));
    };
    match store.liveness(&record, Instant::now()) {
        Liveness::Active => Ok(record),
        Liveness::Revoked if state.has(Flaw::BearerRevoked401) => Ok(record),
        Liveness::Expired if state.has(Flaw::BearerExpired401) => Ok(record),
        Liveness::Revoked | Liveness::Expired => Err(Refusal::InvalidToken(INVALID)),
    }
}

/// Under the `token.type-confusion` flaw, a live refresh token passes for an
/// access token of its grant.
fn refresh_as_access(state: &AppState, store: &Store, token: &str) -> Option<AccessRecord> {
    if !state.has(Flaw::TokenTypeConfusion) {
        return None;
    }
    let refresh = store.refresh.get(token)?;
    if store.grant_revoked(refresh.grant) || refresh.expires <= Instant::now() {
        return None;
    }
    Some(AccessRecord {
        grant: refresh.grant,
        client_id: refresh.client_id.clone(),
        sub: store.grants.get(&refresh.grant).and_then(|g| g.sub.clone()),
        scope: refresh.scope.clone(),
        iat: refresh.iat,
        exp: refresh.exp,
        expires: refresh.expires,
        revoked: false,
        resource: None,
    })
}

/// The token was issued for this resource (RFC 9700 §2.3): the second
/// resource takes only tokens issued for it (RFC 8707), the others only
/// tokens not issued for it. The `bearer.audience` flaw lets the second
/// resource take any token.
fn audience(
    state: &AppState,
    resource: Resource,
    record: AccessRecord,
) -> Result<AccessRecord, Refusal> {
    let second = state.url(&state.config.paths.second_resource);
    let for_second = record.resource.as_deref() == Some(second.as_str());
    let fits = match resource {
        Resource::Other => for_second || state.has(Flaw::BearerAudience),
        _ => !for_second,
    };
    if fits {
        Ok(record)
    } else {
        Err(Refusal::InvalidToken(
            "the access token was not issued for this resource",
        ))
    }
}

/// The JSON each resource returns for a usable token.
fn answer(state: &AppState, resource: Resource, record: &AccessRecord) -> Result<Value, Refusal> {
    let sub = record
        .sub
        .clone()
        .unwrap_or_else(|| record.client_id.clone());
    match resource {
        Resource::UserInfo => {
            // OIDC Core §5.3: UserInfo needs an OpenID token for a user.
            let user = record
                .sub
                .as_deref()
                .and_then(|sub| state.config.user_by_sub(sub))
                .filter(|_| scope::has(&record.scope, "openid") || state.has(Flaw::OidcUserinfo))
                .ok_or(Refusal::InsufficientScope("openid"))?;
            let mut claims = Map::new();
            claims.insert("sub".into(), json!(user.sub));
            if scope::has(&record.scope, "profile") {
                claims.insert("name".into(), json!(user.name));
            }
            if scope::has(&record.scope, "email") {
                claims.insert("email".into(), json!(user.email));
            }
            Ok(Value::Object(claims))
        }
        Resource::Write
            if !scope::has(&record.scope, "api.write")
                && !state.has(Flaw::BearerInsufficientScope) =>
        {
            Err(Refusal::InsufficientScope("api.write"))
        }
        Resource::Me | Resource::Write | Resource::Other => Ok(json!({
            "sub": sub,
            "scope": scope::join(&record.scope),
            "client_id": record.client_id,
        })),
    }
}

fn refuse(state: &AppState, refusal: Refusal) -> Response {
    // The `bearer.challenge` flaw sends no challenge when no token came.
    let challenge_sent = !(matches!(refusal, Refusal::Missing) && state.has(Flaw::BearerChallenge));
    let (status, challenge, error) = match refusal {
        Refusal::Missing => (
            StatusCode::UNAUTHORIZED,
            format!("Bearer realm=\"{REALM}\""),
            None,
        ),
        Refusal::Malformed(why) => (
            StatusCode::BAD_REQUEST,
            format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_request\", error_description=\"{}\"",
                sanitize(why)
            ),
            Some(("invalid_request", why)),
        ),
        Refusal::InvalidToken(why) => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{}\"",
                sanitize(why)
            ),
            Some(("invalid_token", why)),
        ),
        Refusal::InsufficientScope(needed) => (
            StatusCode::FORBIDDEN,
            format!("Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{needed}\""),
            Some((
                "insufficient_scope",
                "the access token lacks a required scope",
            )),
        ),
    };
    let mut response = match error {
        Some((code, why)) => (
            status,
            axum::Json(json!({ "error": code, "error_description": why })),
        )
            .into_response(),
        None => status.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&challenge)
        && challenge_sent
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    no_store(response.headers_mut());
    response
}
