//! RFC vocabulary shared by the harness and the reference server: types
//! and functions that carry OAuth meaning (secrets, PKCE, raw URIs, client
//! authentication methods, grant types, error codes). No I/O, no policy.
//! The server imports nothing else from the harness.

mod names;
pub mod pkce;
mod secret;
pub mod uri;
pub(crate) mod vocab;

pub use names::{AuthMethod, ErrorCode, GrantType};
pub use secret::{Secret, same_secret};
