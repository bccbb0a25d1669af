//! The requirement catalogue: every testable requirement the suites may cite,
//! embedded from `catalogue/requirements.yaml` and parsed once.
//!
//! Scenarios name requirement ids in `requirements:`; the suite loader checks
//! them here and takes a scenario's default level, severity and citations from
//! its first requirement. Reports turn citations into links with [`rfc_link`].
//! Data only: nothing here reads files at run time or touches the network.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::standard::{Standard, StandardLevels};
pub use crate::suite::model::{Level, Severity};

/// The embedded catalogue source (YAML), for `oauthcheck` listings and tests.
pub const SOURCE: &str = include_str!("../catalogue/requirements.yaml");

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Stable id, `area.short-name`, e.g. `code.single-use`.
    pub id: String,
    pub title: String,
    /// The headline RFC 2119 level (MUST NOT counts as MUST, SHOULD NOT and
    /// RECOMMENDED as SHOULD).
    pub level: Level,
    /// The headline severity for a security reviewer.
    pub severity: Severity,
    /// Citations, e.g. `RFC 6749 §4.1.2`, `OAuth 2.1 §4.1.3`, `OIDC Core §2`.
    pub refs: Vec<String>,
    /// Capability names the main test needs (a scenario may need more).
    pub needs: Vec<String>,
    /// A ⚑ (profile-dependent) entry: its level under each standard
    /// (`levels: { rfc6749: MAY, rfc9700: MUST, oauth2.1: MUST, oidc: MAY }`).
    /// A scenario citing it first, with no `level:`/`levels:` of its own,
    /// takes its level from here for the run's standard (docs/standards.md).
    #[serde(default)]
    pub levels: Option<StandardLevels>,
    /// Trials (`scenario[variant]`) of scenarios citing this entry that no
    /// single flaw of the reference server breaks, each with the reason
    /// (the self-test reports any other unbroken trial).
    #[serde(default)]
    pub unbroken: BTreeMap<String, String>,
    /// The standard the self-test proves this entry's flaw under, for an
    /// entry no trial can fail under the default standard (MAY there: RFC
    /// 9700 leaves `pkce.required-confidential` to the server). Its
    /// `levels:` must make it MUST or SHOULD under that standard.
    #[serde(default)]
    pub proof_standard: Option<Standard>,
}

/// The catalogue file is malformed (a build defect of the embedded one;
/// [`parse`] reports it for tests and tools).
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue: {0}")]
    Yaml(#[from] serde_saphyr::Error),
    #[error("catalogue entry `{id}`: {message}")]
    Entry { id: String, message: String },
}

/// Parses and checks catalogue text: the YAML schema (unknown standards and
/// levels are refused there), then what it cannot say: a `levels:` table
/// names at least one standard, a `proof_standard:` is one its `levels:`
/// make MUST or SHOULD, and an `unbroken:` entry names a trial and gives a
/// reason.
pub fn parse(source: &str) -> Result<Vec<Requirement>, CatalogueError> {
    let all: Vec<Requirement> = serde_saphyr::from_str(source)?;
    for r in &all {
        let bad = |message: String| CatalogueError::Entry {
            id: r.id.clone(),
            message,
        };
        if let Some(levels) = &r.levels {
            if levels.0.is_empty() {
                return Err(bad(
                    "`levels` is empty: name a level per standard, or leave `levels` out".into(),
                ));
            }
            let strictest = levels.0.values().min().copied();
            if strictest != Some(r.level) {
                return Err(bad(format!(
                    "the headline `level` ({}) is not the strictest of `levels` ({})",
                    r.level,
                    strictest.map(|l| l.word()).unwrap_or("none")
                )));
            }
        }
        if let Some(standard) = r.proof_standard {
            let level = r.levels.as_ref().and_then(|l| l.get(standard));
            if !matches!(level, Some(Level::Must | Level::Should)) {
                return Err(bad(format!(
                    "`proof_standard: {}` needs `levels` to make the entry MUST or SHOULD under it, or no trial can fail there",
                    standard.name()
                )));
            }
        }
        for (trial, reason) in &r.unbroken {
            if trial.trim().is_empty() || reason.trim().is_empty() {
                return Err(bad(
                    "an `unbroken` entry needs a trial name and a reason".into()
                ));
            }
        }
    }
    Ok(all)
}

static REQUIREMENTS: LazyLock<Vec<Requirement>> = LazyLock::new(|| {
    // The file is part of the crate and tested below, so a parse failure is a
    // build defect, not a user error.
    parse(SOURCE).expect("the embedded catalogue/requirements.yaml parses")
});

/// Every requirement, in catalogue order.
pub fn requirements() -> &'static [Requirement] {
    &REQUIREMENTS
}

/// The requirement with this id.
pub fn find(id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.id == id)
}

/// Every requirement id, for "did you mean" and listings.
pub fn ids() -> impl Iterator<Item = &'static str> {
    REQUIREMENTS.iter().map(|r| r.id.as_str())
}

/// A link to the cited text: `RFC 6749 §4.1.2` →
/// `https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2`; `OAuth 2.1 §x` →
/// the datatracker draft; `OIDC Core §x` / `OIDC Discovery §x` → the OpenID
/// spec (with its anchor where known). `None` for sources it does not know.
pub fn rfc_link(reference: &str) -> Option<String> {
    let reference = reference.trim();
    let (source, section) = match reference.split_once('§') {
        Some((source, section)) => (source.trim(), Some(section.trim())),
        None => (reference, None),
    };
    let well_formed = |section: &str| {
        section
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    };
    if section.is_some_and(|s| !well_formed(s)) {
        return None;
    }
    if let Some(number) = source.strip_prefix("RFC ") {
        let number = number.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let base = format!("https://www.rfc-editor.org/rfc/rfc{number}");
        return Some(match section {
            Some(section) => format!("{base}#section-{section}"),
            None => base,
        });
    }
    if let Some(number) = source.strip_prefix("BCP ") {
        let number = number.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return Some(format!("https://www.rfc-editor.org/info/bcp{number}"));
    }
    match source {
        "OAuth 2.1" => {
            let base = "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1";
            Some(match section {
                Some(section) => format!("{base}#section-{section}"),
                None => base.to_string(),
            })
        }
        "OIDC Core" => Some(with_anchor(
            "https://openid.net/specs/openid-connect-core-1_0.html",
            section.and_then(oidc_core_anchor),
        )),
        "OIDC Discovery" => Some(with_anchor(
            "https://openid.net/specs/openid-connect-discovery-1_0.html",
            section.and_then(oidc_discovery_anchor),
        )),
        "OIDC Registration" => Some(with_anchor(
            "https://openid.net/specs/openid-connect-registration-1_0.html",
            // §2 is the client metadata (where `jwks` may hold no private keys).
            section.filter(|s| *s == "2").map(|_| "ClientMetadata"),
        )),
        _ => None,
    }
}

fn with_anchor(base: &str, anchor: Option<&str>) -> String {
    match anchor {
        Some(anchor) => format!("{base}#{anchor}"),
        None => base.to_string(),
    }
}

/// The OpenID specs use named anchors, not section numbers; these are the
/// sections the catalogue cites.
fn oidc_core_anchor(section: &str) -> Option<&'static str> {
    Some(match section {
        "2" => "IDToken",
        "3.1.2.1" => "AuthRequest",
        "3.1.2.2" => "AuthRequestValidation",
        "3.1.2.3" => "Authenticates",
        "3.1.2.6" => "AuthError",
        "3.1.3.2" => "TokenRequestValidation",
        "3.1.3.3" => "TokenResponse",
        "3.1.3.6" => "CodeIDToken",
        "3.1.3.7" => "IDTokenValidation",
        "3.1.3.8" => "CodeFlowTokenValidation",
        "3.3.2.11" => "HybridIDToken",
        "5.3.1" => "UserInfoRequest",
        "5.3.2" => "UserInfoResponse",
        "5.3.3" => "UserInfoError",
        "9" => "ClientAuthentication",
        "10.1" => "Signing",
        "12.2" => "RefreshTokenResponse",
        "16.19" => "SymmetricKeyEntropy",
        _ => return None,
    })
}

fn oidc_discovery_anchor(section: &str) -> Option<&'static str> {
    Some(match section {
        "3" => "ProviderMetadata",
        "4" => "ProviderConfig",
        "4.3" => "ProviderConfigurationValidation",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_parses_with_the_ids_the_suites_need() {
        let all = requirements();
        assert!(all.len() >= 100, "{} requirements", all.len());
        for id in [
            "redirect.exact-match",
            "redirect.extra-path",
            "code.single-use",
            "code.bound-to-client",
            "pkce.downgrade",
            "pkce.missing-verifier",
            "refresh.reuse-revokes-family",
            "client-auth.bad-secret",
            "revoke.refresh-token",
            "introspect.inactive-minimal",
            "idtoken.alg-not-none",
            "iss.in-all-responses",
            "meta.document",
        ] {
            assert!(find(id).is_some(), "missing requirement `{id}`");
        }
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for r in requirements() {
            assert!(seen.insert(r.id.as_str()), "duplicate id `{}`", r.id);
            let (area, name) = r.id.split_once('.').expect("id is `area.name`");
            for part in [area, name] {
                assert!(
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                    "bad id `{}`",
                    r.id
                );
            }
            for need in &r.needs {
                assert!(
                    crate::suite::model::Capability::from_name(need).is_some(),
                    "`{}` needs unknown capability `{need}`",
                    r.id
                );
            }
        }
    }

    #[test]
    fn headline_values_are_taken_from_the_entry() {
        let r = find("code.single-use").unwrap();
        assert_eq!(r.level, Level::Must);
        assert_eq!(r.severity, Severity::Critical);
        assert_eq!(r.refs[0], "RFC 6749 §4.1.2");
        // SHOULD NOT counts as SHOULD.
        assert_eq!(
            find("headers.referrer-leakage").unwrap().level,
            Level::Should
        );
        // MUST NOT counts as MUST.
        assert_eq!(find("headers.no-307").unwrap().level, Level::Must);
        assert_eq!(
            find("refresh.reuse-revokes-family").unwrap().needs,
            ["refresh_token"]
        );
    }

    #[test]
    fn every_citation_has_a_link() {
        for r in requirements() {
            for reference in &r.refs {
                assert!(rfc_link(reference).is_some(), "no link for `{reference}`");
            }
        }
    }

    #[test]
    fn links() {
        assert_eq!(
            rfc_link("RFC 6749 §4.1.2").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2")
        );
        assert_eq!(
            rfc_link("RFC 7009").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc7009")
        );
        assert_eq!(
            rfc_link("OAuth 2.1 §4.1.3").as_deref(),
            Some("https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-4.1.3")
        );
        assert_eq!(
            rfc_link("OIDC Core §2").as_deref(),
            Some("https://openid.net/specs/openid-connect-core-1_0.html#IDToken")
        );
        assert_eq!(
            rfc_link("OIDC Core §7").as_deref(),
            Some("https://openid.net/specs/openid-connect-core-1_0.html")
        );
        assert_eq!(
            rfc_link("OIDC Discovery §3").as_deref(),
            Some("https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata")
        );
        assert_eq!(rfc_link("RFC 6749 §x"), None);
        assert_eq!(rfc_link("Some blog"), None);
    }
}
