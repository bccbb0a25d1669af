//! A string that must never be printed: client secrets and user passwords.
//!
//! `Debug` and `Display` show `[redacted]`; the value is reachable only
//! through [`Secret::expose`], so a leak has to be written on purpose.
//! Secrets are compared only in constant time ([`same_secret`]).

use std::fmt;

use serde::Deserialize;

/// A secret value (client secret, password) that prints as `[redacted]`.
/// It has no `PartialEq`: `==` on a secret would be a timing side channel,
/// so a comparison must go through the constant-time one on purpose.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself: only for checking credentials or filling a form.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this secret, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        same_secret(&self.0, presented)
    }
}

/// Compares two secret strings (secrets, passwords, CSRF tokens, PKCE
/// challenges) in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("hunter2-value");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(secret.expose(), "hunter2-value");
    }

    #[test]
    fn matches_only_itself() {
        let secret = Secret::new("s3cret");
        assert!(secret.matches("s3cret"));
        assert!(!secret.matches("s3cre"));
        assert!(!secret.matches("s3creT"));
        assert!(!Secret::new("").matches("x"));
    }
}
