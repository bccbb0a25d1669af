//! Authorization server metadata (RFC 8414 §2, OIDC Discovery §3) and the
//! JWK set (RFC 7517).
//!
//! The metadata must tell the truth about what the other endpoints do: it is
//! derived from the same configuration, and the one flaw that changes
//! accepted input (`pkce.s256-required`) is reflected here too. The `meta.*`
//! and `proxy.header-spoofing` flaws are applied here. Forwarding headers
//! are never trusted: the issuer and its URLs come from the configuration.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::oauth::{AuthMethod, GrantType};
use crate::server::config::IdTokenAlg;
use crate::server::flaw::Flaw;
use crate::server::state::{AppState, Shared};

/// `GET /.well-known/oauth-authorization-server` and
/// `GET /.well-known/openid-configuration`.
pub async fn metadata(State(state): State<Shared>, headers: HeaderMap) -> Response {
    axum::Json(document(&state, &headers)).into_response()
}

/// `GET /jwks`: public keys only — unless the `meta.jwks-public-only` flaw
/// adds the RSA key's private members.
pub async fn jwks(State(state): State<Shared>) -> Response {
    if !state.has(Flaw::MetaJwksPublicOnly) {
        return axum::Json(&state.keys.jwks).into_response();
    }
    let mut set = serde_json::to_value(&state.keys.jwks).unwrap_or(Value::Null);
    let private: serde_json::Map<String, Value> =
        serde_json::from_str(crate::server::keys::RSA_PRIVATE_MEMBERS).unwrap_or_default();
    if let Some(rsa) = set
        .get_mut("keys")
        .and_then(Value::as_array_mut)
        .and_then(|keys| keys.iter_mut().find(|key| key["kty"] == "RSA"))
        .and_then(Value::as_object_mut)
    {
        rsa.extend(private);
    }
    axum::Json(set).into_response()
}

fn document(state: &AppState, headers: &HeaderMap) -> Value {
    let paths = &state.config.paths;
    // The `proxy.header-spoofing` flaw trusts a client-sent X-Forwarded-Host
    // for the issuer and every endpoint URL; the server itself never does.
    let forwarded = headers
        .get("x-forwarded-host")
        .and_then(|value| value.to_str().ok())
        .filter(|_| state.has(Flaw::ProxyHeaderSpoofing));
    let spoof = |url: String| match forwarded {
        Some(host) => url.replacen(&state.origin, &format!("http://{host}"), 1),
        None => url,
    };
    let url = |path: &str| spoof(state.url(path));
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
        spoof(state.issuer.clone())
    };
    // The `meta.advertised-matches-behaviour` flaw advertises a revocation
    // endpoint where nothing is served.
    let revocation = if state.has(Flaw::MetaAdvertisedMatchesBehaviour) {
        url(&format!("{}-endpoint", paths.revoke))
    } else {
        url(&paths.revoke)
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
        "authorization_endpoint": url(&paths.authorize),
        "token_endpoint": url(&paths.token),
        "revocation_endpoint": revocation,
        "introspection_endpoint": url(&paths.introspect),
        "userinfo_endpoint": url(&paths.userinfo),
        "jwks_uri": url(&paths.jwks),
        "registration_endpoint": url(&paths.register),
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
