//! A string that must never be printed: client secrets and user passwords.
//!
//! `Debug` and `Display` show `[redacted]`; the value is reachable only
//! through [`Secret::expose`], so a leak has to be written on purpose.
//! This file does not compare secrets; `client_auth` does that in constant time.

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
}
