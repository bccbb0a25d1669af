//! Redaction: secrets never leave the process in a transcript, report or log.
//!
//! Two mechanisms: known values (client secrets, passwords, and every code or
//! token the harness learns) are replaced wherever they appear, and sensitive
//! names (Authorization/Cookie headers, `code`, `*_token`, `client_secret`,
//! `password`, `code_verifier` in forms, queries and JSON) are masked by field.

// INTERFACE — owned by the agent work; may grow.

use std::sync::RwLock;

/// Knows what must not be shown, and masks it.
#[derive(Debug, Default)]
pub struct Redactor {
    secrets: RwLock<Vec<String>>,
}

/// What replaces a secret.
pub const MASK: &str = "[redacted]";

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }
    /// Adds a value to mask everywhere (ignored when shorter than 4 characters).
    pub fn add(&self, secret: &str) {
        if secret.len() >= 4 {
            self.secrets.write().unwrap().push(secret.to_string());
        }
    }
    /// Masks known values in free text.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in self.secrets.read().unwrap().iter() {
            out = out.replace(s.as_str(), MASK);
        }
        out
    }
}
