//! The reference OAuth 2.0 / OpenID Connect authorization server.
//!
//! An axum server with in-memory state that is correct by default and has a
//! [`Flaw`] switch per protection it implements, so the harness can show
//! that each of its scenarios is able to fail. It implements the
//! authorization-code flow with PKCE, login and consent pages, the token
//! endpoint (code, refresh with rotation, client credentials), revocation
//! (RFC 7009), introspection (RFC 7662), UserInfo, a protected resource,
//! discovery metadata (RFC 8414, OIDC Discovery) and a JWK set.
//!
//! It must never import the harness (`run`, `suite`, `agent`, …): it cannot
//! know what the tests expect. Every secret in its default configuration and
//! every key under `fixtures/keys/` is TEST-ONLY.
//!
//! ```no_run
//! # async fn demo() -> Result<(), oauthcheck::server::ServerError> {
//! use oauthcheck::server::{Config, Flaw, spawn};
//! let server = spawn(Config::default().with_flaw(Flaw::CodeSingleUse)).await?;
//! println!("issuer: {}", server.issuer);
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod client_assertion;
mod client_auth;
mod config;
mod cookies;
mod endpoints;
mod error;
mod flaw;
mod front;
mod hashing;
mod html;
mod issue;
mod jwt;
mod keys;
mod lifecycle;
mod oauth_error;
mod params;
mod pkce;
mod quirk;
mod random;
mod redirect_match;
mod registry;
mod router;
mod scope;

mod session;
mod state;
mod store;
mod switch;
mod throttle;
mod tls;

#[cfg(test)]
mod tests;

pub use crate::oauth::Secret;
pub use config::{
    ALICE_PASSWORD, APP_SECRET, APP2_SECRET, AccessTokenFormat, AuthMethod, ClientConfig, Config,
    GrantType, IdTokenAlg, Paths, Ttl, UserConfig,
};
pub use error::ServerError;
pub use flaw::Flaw;
pub use hashing::Hashing;
pub use lifecycle::{ServerHandle, serve_until, serve_until_interrupted, spawn};
pub use quirk::Quirk;
pub use switch::Switch;
pub use tls::TlsConfig;
