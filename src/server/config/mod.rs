//! Configuration of the reference server: the typed model, its defaults (the
//! profile the harness mirrors), YAML loading and consistency checks.
//!
//! Nothing here touches the network or the clock; `spawn` turns a checked
//! [`Config`] into a running server.

mod defaults;
mod model;
mod validate;

pub use defaults::{ALICE_PASSWORD, APP_SECRET, APP2_SECRET};
pub use model::{
    AccessTokenFormat, AuthMethod, ClientConfig, Config, GrantType, IdTokenAlg, Paths, Ttl,
    UserConfig,
};
pub(crate) use validate::is_scope_token;
