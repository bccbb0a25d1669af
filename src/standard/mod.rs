//! The standards a run judges by (`standard:` in a profile, `--standard` on
//! `run`), and how they set the level of a profile-dependent requirement.
//!
//! Some requirements are MUST under one document and SHOULD, MAY or absent
//! under another (a ⚑ entry of the catalogue): RFC 6749 lets a registered
//! redirect URI vary its query (§3.1.2.2), RFC 9700 does not (§2.1); OAuth
//! 2.1 requires PKCE of every client, RFC 9700 only of public ones. Such a
//! requirement, or a scenario checking one part of it, carries a
//! [`StandardLevels`] table (`levels: { rfc6749: SHOULD, rfc9700: MUST, … }`),
//! and the run takes its level from the [`StandardSet`] chosen.
//!
//! The rule for a combination: every chosen standard gives a level (its own
//! entry in the table, or, when the table leaves it out, the level the suite
//! ships, which is what the document's silence means for the harness), and
//! the strictest of them wins: a server claiming both documents must meet
//! both. The default is RFC 9700 (the security BCP) plus OpenID Connect when
//! the target declares the `oidc` capability. Data only: no I/O.

use std::collections::BTreeMap;
use std::fmt;

use crate::suite::model::{Capability, Level};

crate::suite::vocab::vocabulary! {
    /// One document a run can be judged by.
    pub enum Standard {
        /// OAuth 2.0 as RFC 6749 (with RFC 6750 and RFC 7636) published it.
        Rfc6749 = "rfc6749",
        /// The OAuth 2.0 Security Best Current Practice (RFC 9700, BCP 240).
        Rfc9700 = "rfc9700",
        /// The OAuth 2.1 draft (draft-ietf-oauth-v2-1), which folds the BCP in.
        OAuth21 = "oauth2.1",
        /// OpenID Connect Core 1.0.
        Oidc = "oidc",
    }
}

/// A non-empty set of standards, kept in catalogue order (`rfc6749`,
/// `rfc9700`, `oauth2.1`, `oidc`), so `rfc9700,oidc` and `oidc,rfc9700` are
/// the same set and print the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StandardSet(Vec<Standard>);

/// A `--standard` value or a profile's `standard:` entry that names no
/// known standard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandardError {
    #[error("unknown standard `{name}`{}", hint.as_ref().map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default())]
    Unknown { name: String, hint: Option<String> },
    #[error("no standard named: write one or more of {}", Standard::NAMES.join(", "))]
    Empty,
}

impl Standard {
    /// The standard named `name` (`rfc6749`, `rfc9700`, `oauth2.1`, `oidc`),
    /// or an error with a suggestion.
    pub fn parse(name: &str) -> Result<Standard, StandardError> {
        let name = name.trim();
        Standard::from_name(name).ok_or_else(|| StandardError::Unknown {
            name: name.to_string(),
            hint: crate::diag::did_you_mean(name, Standard::NAMES.iter().copied())
                .map(str::to_string),
        })
    }
}

impl StandardSet {
    /// The set of these standards (duplicates dropped), or `Empty`.
    pub fn new(standards: impl IntoIterator<Item = Standard>) -> Result<Self, StandardError> {
        let mut all: Vec<Standard> = standards.into_iter().collect();
        all.sort();
        all.dedup();
        if all.is_empty() {
            return Err(StandardError::Empty);
        }
        Ok(StandardSet(all))
    }

    /// Parses `rfc9700,oidc` (commas, optional spaces), the `--standard` syntax.
    pub fn parse(text: &str) -> Result<Self, StandardError> {
        let names = text.split(',').filter(|n| !n.trim().is_empty());
        StandardSet::new(names.map(Standard::parse).collect::<Result<Vec<_>, _>>()?)
    }

    /// The default for a target: RFC 9700, plus `oidc` when the target
    /// declares the `oidc` capability.
    pub fn default_for(has: impl Fn(Capability) -> bool) -> Self {
        let mut all = vec![Standard::Rfc9700];
        if has(Capability::Oidc) {
            all.push(Standard::Oidc);
        }
        StandardSet(all)
    }

    /// The standards, in catalogue order.
    pub fn standards(&self) -> &[Standard] {
        &self.0
    }
}

impl fmt::Display for StandardSet {
    /// `rfc9700,oidc`: the `--standard` syntax, so a report's value can be
    /// passed back to `--standard`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|s| s.name()).collect();
        f.write_str(&names.join(","))
    }
}

/// The level of one requirement (or one scenario) under each standard that
/// has its own: `{ rfc6749: SHOULD, rfc9700: MUST, oauth2.1: MUST }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct StandardLevels(pub BTreeMap<Standard, Level>);

impl StandardLevels {
    /// The level under `set`: the strictest of each chosen standard's level,
    /// a standard the table leaves out giving `shipped`.
    pub fn resolve(&self, shipped: Level, set: &StandardSet) -> Level {
        set.standards()
            .iter()
            .map(|s| self.0.get(s).copied().unwrap_or(shipped))
            // `Level` orders MUST < SHOULD < MAY: the strictest is the least.
            .min()
            .unwrap_or(shipped)
    }

    /// The level one standard gives, if the table names it.
    pub fn get(&self, standard: Standard) -> Option<Level> {
        self.0.get(&standard).copied()
    }
}

#[cfg(test)]
mod tests;
