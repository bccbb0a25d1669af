//! One module per HTTP endpoint. Handlers parse, decide, record in the store
//! and answer; shared rules live in the modules beside `endpoints`
//! (`client_auth`, `pkce`, `redirect_match`, `scope`, `issue`, `front`).

pub mod authorize;
pub mod bearer;
pub mod consent;
pub mod discovery;
pub mod introspect;
pub mod login;
pub mod register;
pub mod revoke;
pub mod token;
mod token_code;
mod token_refresh;
