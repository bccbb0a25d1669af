//! The axum router: which handler answers which path and method.
//!
//! Wrong methods get an answer in the endpoint's own language — a JSON
//! `invalid_request` with 405 on the back channel (RFC 6749 §3.2: the token
//! endpoint is POST only), an HTML page with 405 on the front channel.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::json;

use crate::server::endpoints::{
    authorize, bearer, consent, discovery, introspect, login, register, revoke, token,
};
use crate::server::front::{PageKind, page};
use crate::server::html;
use crate::server::oauth_error::no_store;
use crate::server::state::Shared;

/// Builds the application for one server.
pub fn router(state: Shared) -> Router {
    let paths = &state.config.paths;
    let oauth_metadata = format!(
        "/.well-known/oauth-authorization-server{}",
        state.issuer_path
    );
    let oidc_metadata = format!("{}/.well-known/openid-configuration", state.issuer_path);
    Router::new()
        .route(&oauth_metadata, back(get(discovery::metadata)))
        .route(&oidc_metadata, back(get(discovery::metadata)))
        .route(&paths.jwks, back(get(discovery::jwks)))
        .route(
            &paths.authorize,
            front(&state, get(authorize::get).post(authorize::post)),
        )
        .route(
            &paths.login,
            front(&state, get(login::get).post(login::post)),
        )
        .route(
            &paths.consent,
            front(&state, get(consent::get).post(consent::post)),
        )
        .route(&paths.token, back(post(token::post)))
        .route(&paths.revoke, back(post(revoke::post)))
        .route(&paths.introspect, back(post(introspect::post)))
        .route(&paths.register, back(post(register::post)))
        .route(
            &paths.userinfo,
            back(get(bearer::userinfo).post(bearer::userinfo)),
        )
        .route(&paths.resource, back(get(bearer::me).post(bearer::me)))
        .route(
            &paths.scoped_resource,
            back(get(bearer::write).post(bearer::write)),
        )
        .route(
            &paths.second_resource,
            back(get(bearer::other).post(bearer::other)),
        )
        .fallback(not_found)
        .with_state(state)
}

fn back(route: MethodRouter<Shared>) -> MethodRouter<Shared> {
    route.fallback(|| async {
        let mut response = (
            StatusCode::METHOD_NOT_ALLOWED,
            axum::Json(json!({
                "error": "invalid_request",
                "error_description": "this HTTP method is not allowed here",
            })),
        )
            .into_response();
        no_store(response.headers_mut());
        response
    })
}

fn front(state: &Shared, route: MethodRouter<Shared>) -> MethodRouter<Shared> {
    let state = state.clone();
    route.fallback(move || {
        let state = state.clone();
        async move {
            page(
                &state,
                PageKind::Error,
                StatusCode::METHOD_NOT_ALLOWED,
                html::error_page("this HTTP method is not allowed here"),
            )
        }
    })
}

async fn not_found() -> Response {
    let mut response = (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "error": "not_found" })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
