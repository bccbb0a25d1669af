//! The token endpoint (RFC 6749 §3.2, §5): reads a form POST, authenticates
//! the client, checks the grant type and hands over to the grant handlers.
//!
//! Every answer, success or error, is JSON with `Cache-Control: no-store`
//! (unless a flaw removes it). The client-credentials grant is small enough
//! to live here; the code and refresh grants have their own files. The
//! `token.post-body-only`, `error.grant-type`, `grant.password-disabled` and
//! `grant.client-credentials` flaws are applied here.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use crate::server::client_auth::{self, Endpoint};
use crate::server::config::{ClientConfig, GrantType};
use crate::server::flaw::Flaw;
use crate::server::issue;
use crate::server::oauth_error::{ErrorCode, OAuthError, token_error};
use crate::server::params::{Params, read_body};
use crate::server::quirk::Quirk;
use crate::server::scope;
use crate::server::session::same_secret;
use crate::server::state::{AppState, Shared};

use super::{token_code, token_refresh};

/// Parameters of the token endpoint that must appear at most once.
const SINGLE_PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "client_id",
    "client_secret",
    "resource",
];

/// `POST /token`.
pub async fn post(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    state.hasher.hash(crate::server::hashing::Work::Token).await;
    match handle(&state, &uri, &headers, body).await {
        Ok(response) => response,
        Err(error) => token_error(&state, &error),
    }
}

async fn handle(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, OAuthError> {
    // RFC 6749 §3.2: parameters travel in the body, never in the URL, where
    // they would end up in logs.
    let query = uri.query().filter(|query| !query.is_empty());
    if query.is_some() && !state.has(Flaw::TokenPostBodyOnly) {
        return Err(OAuthError::invalid_request(
            "parameters must be sent in the request body, not the URL",
        ));
    }
    let bytes = read_body(body).await?;
    let params = match query {
        None => Params::from_form(headers, &bytes)?,
        // The `token.post-body-only` flaw reads the query, then the body.
        Some(query) => {
            let mut raw = query.as_bytes().to_vec();
            if !bytes.is_empty() {
                Params::from_form(headers, &bytes)?;
                raw.push(b'&');
                raw.extend_from_slice(&bytes);
            }
            Params::parse(&raw)?
        }
    };
    params.check_not_repeated(SINGLE_PARAMS)?;
    // RFC 6749 §5.2: a missing parameter is `invalid_request`; the
    // `unsupported-grant-for-missing` quirk answers `unsupported_grant_type`,
    // still a refusal. The `error.grant-type` flaw takes a missing grant_type
    // for the client-credentials grant instead of refusing it.
    let grant_type = match params.get("grant_type")? {
        Some(grant_type) => grant_type,
        None if state.has(Flaw::ErrorGrantType) => GrantType::ClientCredentials.as_str(),
        None if state.quirk(Quirk::UnsupportedGrantForMissing) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "this grant type is not supported",
            ));
        }
        None => return Err(OAuthError::invalid_request("grant_type is required")),
    };
    let client = client_auth::authenticate(state, headers, &params, Endpoint::Token)?;
    if grant_type == "password" && state.has(Flaw::GrantPasswordDisabled) {
        return password(state, client, &params);
    }
    let Some(grant) = GrantType::from_param(grant_type) else {
        return Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "this grant type is not supported",
        ));
    };
    // The `grant.client-credentials` flaw lets public clients use it too.
    let public_client_credentials = grant == GrantType::ClientCredentials
        && !client.is_confidential()
        && state.has(Flaw::GrantClientCredentials);
    if !client.allows_grant(grant) && !public_client_credentials {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use this grant type",
        ));
    }
    match grant {
        GrantType::AuthorizationCode => {
            // The `code.concurrent-redemption` flaw checks, then waits, then acts.
            let stale = state.has(Flaw::CodeConcurrentRedemption)
                && token_code::unused_after_window(state, &params).await;
            token_code::redeem(state, client, &params, stale)
        }
        GrantType::RefreshToken => token_refresh::refresh(state, client, &params),
        GrantType::ClientCredentials => client_credentials(state, client, &params),
    }
}

/// RFC 6749 §4.3, offered only under the `grant.password-disabled` flaw:
/// tokens for the user whose name and password the client sends.
fn password(
    state: &AppState,
    client: &ClientConfig,
    params: &Params,
) -> Result<Response, OAuthError> {
    let user = params
        .get("username")?
        .and_then(|name| state.config.user_by_name(name))
        .filter(|user| {
            params
                .get("password")
                .ok()
                .flatten()
                .is_some_and(|given| same_secret(user.password.expose(), given))
        })
        .ok_or_else(|| OAuthError::invalid_grant("wrong username or password"))?;
    // A user's grant: the user scopes (`openid`, `profile`, …) are allowed,
    // as at the authorization endpoint, so the flaw really issues the
    // tokens a client asking for the user's usual scope would get.
    let scope = match params.get("scope")? {
        Some(raw) => scope::requested(&state.config, client, Some(raw)),
        None => scope::for_client(&state.config, client, None),
    }
    .map_err(|error| OAuthError::new(ErrorCode::InvalidScope, error))?;
    let mut store = state.store();
    let (plan, minted) = issue::access_only(
        state,
        &mut store,
        &client.id,
        Some(user.sub.clone()),
        None,
        scope,
    );
    drop(store);
    issue::respond(state, &plan, minted)
}

/// RFC 6749 §4.4: tokens for the client itself, without a refresh token.
fn client_credentials(
    state: &AppState,
    client: &ClientConfig,
    params: &Params,
) -> Result<Response, OAuthError> {
    let scope = scope::for_client(&state.config, client, params.get("scope")?)
        .map_err(|error| OAuthError::new(ErrorCode::InvalidScope, error))?;
    let mut store = state.store();
    let (plan, minted) = issue::access_only(state, &mut store, &client.id, None, None, scope);
    drop(store);
    issue::respond(state, &plan, minted)
}

/// The RFC 8707 `resource` of a token request: one of this server's
/// protected resources, else `invalid_target` (RFC 8707 §2). `None` when
/// the request names none.
pub fn resource(state: &AppState, params: &Params) -> Result<Option<String>, OAuthError> {
    let Some(wanted) = params.get("resource")? else {
        return Ok(None);
    };
    let paths = &state.config.paths;
    [
        &paths.resource,
        &paths.scoped_resource,
        &paths.second_resource,
    ]
    .into_iter()
    .map(|path| state.url(path))
    .find(|url| url == wanted)
    .map(Some)
    .ok_or_else(|| {
        OAuthError::new(
            ErrorCode::InvalidTarget,
            "the resource is not one this server issues tokens for",
        )
    })
}
