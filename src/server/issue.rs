//! Issuing tokens, in two steps so signatures never run under the store lock:
//! [`record`] writes the access (and refresh) token into the store while the
//! caller holds the lock, then [`respond`] signs what needs signing and
//! builds the token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
//!
//! Which grant, client, user and scope the tokens carry is decided by the
//! grant handlers; this file only mints and formats. The `token.no-store-header`
//! flaw is applied to successful responses here, like `token.response-format`
//! and `token.expires-in`.

use std::time::{Duration, Instant};

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::server::config::AccessTokenFormat;
use crate::server::flaw::Flaw;
use crate::server::jwt::{self, AccessClaims, IdTokenInput};
use crate::server::oauth_error::{ErrorCode, OAuthError, no_store};
use crate::server::random;
use crate::server::scope;
use crate::server::state::AppState;
use crate::server::store::{AccessRecord, Grant, GrantId, RefreshRecord, RefreshStatus, Store};

/// What to issue.
pub struct Plan {
    pub grant: GrantId,
    /// The client the tokens are issued to.
    pub client_id: String,
    /// The user, or `None` for client credentials.
    pub sub: Option<String>,
    /// Scope of the access token.
    pub scope: Vec<String>,
    /// Scope of a refresh token to issue, if any.
    pub refresh_scope: Option<Vec<String>>,
    /// ID token details, when `openid` is in scope.
    pub id_token: Option<IdTokenPlan>,
    /// The resource the access token is for (RFC 8707 `resource`); `None`
    /// means the default resource.
    pub resource: Option<String>,
}

/// What an ID token needs beyond the plan.
pub struct IdTokenPlan {
    pub nonce: Option<String>,
    pub auth_time: Option<u64>,
    pub code: Option<String>,
}

/// Tokens recorded in the store but not yet signed or sent.
pub struct Minted {
    /// Opaque token, or the `jti` of a JWT access token.
    handle: String,
    refresh_token: Option<String>,
    iat: u64,
    exp: u64,
    expires_in: u64,
}

impl Minted {
    /// The opaque access token (or a JWT's `jti`).
    pub fn handle(&self) -> &str {
        &self.handle
    }
}

/// An access token alone, in a grant of its own: no code, refresh token or
/// ID token (client credentials, and the password-grant and implicit
/// flaws). `sub` and `auth_time` are the user's, if there is one.
pub fn access_only(
    state: &AppState,
    store: &mut Store,
    client_id: &str,
    sub: Option<String>,
    auth_time: Option<u64>,
    scope: Vec<String>,
) -> (Plan, Minted) {
    let grant = store.new_grant(Grant {
        sub: sub.clone(),
        auth_time,
        revoked: false,
    });
    let plan = Plan {
        grant,
        client_id: client_id.to_string(),
        sub,
        scope,
        refresh_scope: None,
        id_token: None,
        resource: None,
    };
    let minted = record(state, store, &plan);
    (plan, minted)
}

/// Records the tokens of `plan` (call with the store locked).
pub fn record(state: &AppState, store: &mut Store, plan: &Plan) -> Minted {
    let iat = random::unix_now();
    let now = Instant::now();
    let access_ttl = state.config.ttl.access;
    let expires_in = whole_seconds(access_ttl);
    let handle = random::token();
    store.access.insert(
        handle.clone(),
        AccessRecord {
            grant: plan.grant,
            client_id: plan.client_id.clone(),
            sub: plan.sub.clone(),
            scope: plan.scope.clone(),
            iat,
            exp: iat + expires_in,
            expires: now + access_ttl,
            revoked: false,
            resource: plan.resource.clone(),
        },
    );
    let refresh_token = plan.refresh_scope.as_ref().map(|refresh_scope| {
        let token = random::token();
        let ttl = state.config.ttl.refresh;
        store.refresh.insert(
            token.clone(),
            RefreshRecord {
                grant: plan.grant,
                client_id: plan.client_id.clone(),
                scope: refresh_scope.clone(),
                iat,
                exp: iat + whole_seconds(ttl),
                expires: now + ttl,
                status: RefreshStatus::Current,
            },
        );
        token
    });
    Minted {
        handle,
        refresh_token,
        iat,
        exp: iat + expires_in,
        expires_in,
    }
}

/// Signs what needs signing and builds the JSON token response (call without
/// the lock).
pub fn respond(state: &AppState, plan: &Plan, minted: Minted) -> Result<Response, OAuthError> {
    let access_token = match state.config.access_token_format {
        AccessTokenFormat::Opaque => minted.handle.clone(),
        AccessTokenFormat::Jwt => {
            let claims = AccessClaims {
                iss: state.issuer.clone(),
                sub: plan.sub.clone().unwrap_or_else(|| plan.client_id.clone()),
                aud: plan
                    .resource
                    .clone()
                    .unwrap_or_else(|| state.url(&state.config.paths.resource)),
                // The `jwt-at.claims` flaw drops the REQUIRED `client_id`.
                client_id: (!state.has(Flaw::JwtAtClaims)).then(|| plan.client_id.clone()),
                scope: scope::join(&plan.scope),
                exp: minted.exp,
                iat: minted.iat,
                jti: minted.handle.clone(),
                name: None,
                email: None,
            }
            .with_user(
                plan.sub
                    .as_deref()
                    .and_then(|sub| state.config.user_by_sub(sub)),
            );
            jwt::access_token(state, &claims).map_err(signing_failed)?
        }
    };
    let mut body = Map::new();
    body.insert("access_token".into(), json!(access_token));
    // The `token.response-format` and `token.expires-in` flaws drop a member.
    if !state.has(Flaw::TokenResponseFormat) {
        body.insert("token_type".into(), json!("Bearer"));
    }
    if !state.has(Flaw::TokenExpiresIn) {
        body.insert("expires_in".into(), json!(minted.expires_in));
    }
    // The `scope.granted-reported` flaw reports the grant's (refresh-token)
    // scope, even when this access token got a narrower one.
    let reported = match &plan.refresh_scope {
        Some(grant_scope) if state.has(Flaw::ScopeGrantedReported) => grant_scope,
        _ => &plan.scope,
    };
    body.insert("scope".into(), json!(scope::join(reported)));
    if let Some(refresh_token) = &minted.refresh_token {
        body.insert("refresh_token".into(), json!(refresh_token));
    }
    if let (Some(id), Some(sub)) = (&plan.id_token, &plan.sub) {
        let id_token = jwt::id_token(
            state,
            &IdTokenInput {
                sub,
                client_id: &plan.client_id,
                nonce: id.nonce.as_deref(),
                auth_time: id.auth_time,
                scope: &plan.scope,
                access_token: &access_token,
                code: id.code.as_deref(),
                iat: minted.iat,
                exp: minted.exp,
            },
        )
        .map_err(signing_failed)?;
        body.insert("id_token".into(), json!(id_token));
    }
    let mut response = axum::Json(Value::Object(body)).into_response();
    if !state.has(Flaw::TokenNoStoreHeader) {
        no_store(response.headers_mut());
    }
    Ok(response)
}

/// Lifetimes in whole seconds, rounded up so a sub-second test TTL still
/// reports a positive `expires_in`.
fn whole_seconds(ttl: Duration) -> u64 {
    ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)
}

/// Signing with the embedded keys cannot fail in practice; if it ever does,
/// say so as an OAuth error rather than panic.
fn signing_failed(error: jsonwebtoken::errors::Error) -> OAuthError {
    OAuthError::new(
        ErrorCode::ServerError,
        format!("the server could not sign the token: {error}"),
    )
}

/// The store key of a presented access token: the token itself when opaque,
/// the `jti` of a JWT whose signature verifies. `None` means "not ours".
pub fn access_handle(state: &AppState, token: &str) -> Option<String> {
    match state.config.access_token_format {
        AccessTokenFormat::Opaque => Some(token.to_string()),
        AccessTokenFormat::Jwt => jwt::access_token_jti(state, token),
    }
}
