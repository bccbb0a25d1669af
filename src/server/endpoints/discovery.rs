//! Authorization server metadata (RFC 8414 §2, OIDC Discovery §3) and the
//! JWK set (RFC 7517).
//!
//! The metadata must tell the truth about what the other endpoints do: it is
//! derived from the same configuration, and the one flaw that changes
//! accepted input (`pkce.s256-required`) is reflected here too. The `meta.*`
//! flaws are applied here.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::oauth::{AuthMethod, GrantType};
use crate::server::config::IdTokenAlg;
use crate::server::flaw::Flaw;
use crate::server::state::{AppState, Shared};

/// `GET /.well-known/oauth-authorization-server` and
/// `GET /.well-known/openid-configuration`.
pub async fn metadata(State(state): State<Shared>) -> Response {
    axum::Json(document(&state)).into_response()
}

/// `GET /jwks`: public keys only.
pub async fn jwks(State(state): State<Shared>) -> Response {
    axum::Json(&state.keys.jwks).into_response()
}

fn document(state: &AppState) -> Value {
    let paths = &state.config.paths;
    let mut pkce_methods = vec!["S256"];
    if state.has(Flaw::PkceS256Required) {
        pkce_methods.push("plain");
    }
    let client_auth = AuthMethod::NAMES;
    let confidential_auth =
        [AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost].map(AuthMethod::as_str);
    let issuer = if state.has(Flaw::MetaIssuerConsistency) {
        format!("{}/", state.issuer)
    } else {
        state.issuer.clone()
    };
    let mut id_token_algs = vec!["RS256", "ES256"];
    if state
        .config
        .clients
        .iter()
        .any(|client| state.config.id_token_alg_for(client) == IdTokenAlg::HS256)
    {
        id_token_algs.push("HS256");
    }
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": state.url(&paths.authorize),
        "token_endpoint": state.url(&paths.token),
        "revocation_endpoint": state.url(&paths.revoke),
        "introspection_endpoint": state.url(&paths.introspect),
        "userinfo_endpoint": state.url(&paths.userinfo),
        "jwks_uri": state.url(&paths.jwks),
        "registration_endpoint": state.url(&paths.register),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GrantType::NAMES,
        "token_endpoint_auth_methods_supported": client_auth,
        "revocation_endpoint_auth_methods_supported": client_auth,
        "introspection_endpoint_auth_methods_supported": confidential_auth,
        // OIDC Discovery §3, for client_secret_jwt and private_key_jwt.
        "token_endpoint_auth_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "ES256"],
        "code_challenge_methods_supported": pkce_methods,
        "scopes_supported": state.config.scopes,
        "claims_supported": [
            "iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce",
            "at_hash", "c_hash", "name", "email",
        ],
        "id_token_signing_alg_values_supported": id_token_algs,
        "subject_types_supported": ["public"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    });
    // The `meta.document` and `meta.pkce-advertised` flaws drop a member.
    if let Some(members) = document.as_object_mut() {
        if state.has(Flaw::MetaDocument) {
            members.remove("response_types_supported");
        }
        if state.has(Flaw::MetaPkceAdvertised) {
            members.remove("code_challenge_methods_supported");
        }
    }
    document
}
