//! Unguessable identifiers and the wall clock.
//!
//! Codes, tokens, transaction ids, session ids and anti-CSRF values are all
//! 256 random bits from the system CSPRNG, base64url without padding — well
//! above the 128 bits RFC 6749 §10.10 asks for, with no counter, timestamp or
//! shared prefix in them.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A fresh random value: 32 bytes as 43 base64url characters.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    // The system RNG failing is unrecoverable for an authorization server;
    // aws-lc aborts itself in that case, so the error path is unreachable.
    aws_lc_rs::rand::fill(&mut bytes).expect("system random number generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A code for the `entropy.artifacts` flaw: a fixed prefix and 8 random
/// hex digits (32 bits), as long as a proper token so that nothing but its
/// entropy differs.
pub fn weak_code() -> String {
    let mut bytes = [0u8; 4];
    aws_lc_rs::rand::fill(&mut bytes).expect("system random number generator failed");
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("weak-code-00000000000000000000000000{digits}")
}

/// Seconds since the Unix epoch (for `iat`, `exp`, `auth_time`).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_distinct_and_long() {
        let a = super::token();
        let b = super::token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
