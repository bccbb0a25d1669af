//! oauthcheck: a black-box conformance and security test harness for OAuth 2.0
//! and OpenID Connect authorization servers.
//!
//! Data flows one way: suite files → [`suite`] model → [`run`] builds trials →
//! exec drives the [`agent`] against the target → outcomes → [`report`].
//! The reference server ([`server`]) stands apart: it never imports the harness.

pub mod agent;
pub mod baseline;
pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod diag;
#[doc(hidden)]
pub mod fuzz;
pub mod harness;
pub mod jose;
pub mod oauth;
pub mod redact;
pub mod report;
pub mod run;
pub mod server;
pub mod standard;
pub mod suite;
pub mod target;
