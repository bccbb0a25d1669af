//! RFC vocabulary shared by the harness and the reference server: types
//! that carry OAuth meaning. No I/O, no policy.

mod secret;

pub use secret::Secret;
