//! Scope parameters: parsing (RFC 6749 §3.3), checking them against the
//! server's and the client's scopes, and narrowing on refresh (RFC 6749 §6).
//!
//! A scope set is an ordered, de-duplicated list of scope tokens, so what the
//! token response reports is exactly what the token carries.

use crate::server::config::is_scope_token;
use crate::server::config::{ClientConfig, Config};
use crate::server::flaw::Flaw;

/// Why a requested scope was refused (each maps to `invalid_scope`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("scope is required")]
    Missing,
    #[error("scope contains characters outside the scope-token syntax")]
    Malformed,
    #[error("scope `{0}` is unknown")]
    Unknown(String),
    #[error("scope `{0}` is not allowed for this client")]
    NotAllowed(String),
    #[error("scope `{0}` was not granted originally")]
    Widened(String),
}

/// Splits a scope parameter into distinct tokens, in order.
fn split(raw: &str) -> Result<Vec<String>, ScopeError> {
    let mut scopes: Vec<String> = Vec::new();
    for token in raw.split(' ').filter(|token| !token.is_empty()) {
        if !is_scope_token(token) {
            return Err(ScopeError::Malformed);
        }
        if !scopes.iter().any(|seen| seen == token) {
            scopes.push(token.to_string());
        }
    }
    Ok(scopes)
}

/// The scopes of an authorization request. There is no default scope: an
/// omitted scope is refused, which RFC 6749 §3.3 allows.
pub fn requested(
    config: &Config,
    client: &ClientConfig,
    raw: Option<&str>,
) -> Result<Vec<String>, ScopeError> {
    // The `scope.invalid` flaw grants whatever is asked for.
    if config.has(Flaw::ScopeInvalid) {
        let mut scopes: Vec<String> = Vec::new();
        for token in raw.unwrap_or_default().split(' ').filter(|t| !t.is_empty()) {
            if !scopes.iter().any(|seen| seen == token) {
                scopes.push(token.to_string());
            }
        }
        return if scopes.is_empty() {
            Err(ScopeError::Missing)
        } else {
            Ok(scopes)
        };
    }
    let scopes = split(raw.unwrap_or_default())?;
    if scopes.is_empty() {
        return Err(ScopeError::Missing);
    }
    check_allowed(config, client, &scopes)?;
    Ok(scopes)
}

/// The scopes of a refresh: the original grant when omitted, otherwise a
/// subset of it (RFC 6749 §6) — any allowed scope with the
/// `refresh.scope-no-escalation` flaw.
pub fn refreshed(
    config: &Config,
    client: &ClientConfig,
    granted: &[String],
    raw: Option<&str>,
) -> Result<Vec<String>, ScopeError> {
    let Some(raw) = raw else {
        return Ok(granted.to_vec());
    };
    let scopes = split(raw)?;
    if scopes.is_empty() {
        return Ok(granted.to_vec());
    }
    check_allowed(config, client, &scopes)?;
    if !config.has(Flaw::RefreshScopeNoEscalation)
        && let Some(extra) = scopes.iter().find(|scope| !granted.contains(scope))
    {
        return Err(ScopeError::Widened(extra.clone()));
    }
    Ok(scopes)
}

/// The scopes of a client-credentials request: the client's allowed scopes
/// minus the user-centric ones when omitted.
pub fn for_client(
    config: &Config,
    client: &ClientConfig,
    raw: Option<&str>,
) -> Result<Vec<String>, ScopeError> {
    let scopes = split(raw.unwrap_or_default())?;
    if scopes.is_empty() {
        return Ok(client
            .scopes
            .iter()
            .filter(|scope| !is_user_scope(scope))
            .cloned()
            .collect());
    }
    check_allowed(config, client, &scopes)?;
    if let Some(user_scope) = scopes.iter().find(|scope| is_user_scope(scope)) {
        return Err(ScopeError::NotAllowed(user_scope.clone()));
    }
    Ok(scopes)
}

/// Scopes that only make sense with a user behind the token.
fn is_user_scope(scope: &str) -> bool {
    matches!(scope, "openid" | "profile" | "email" | "offline_access")
}

fn check_allowed(
    config: &Config,
    client: &ClientConfig,
    scopes: &[String],
) -> Result<(), ScopeError> {
    for scope in scopes {
        if !config.scopes.contains(scope) {
            return Err(ScopeError::Unknown(scope.clone()));
        }
        if !client.allows_scope(scope) {
            return Err(ScopeError::NotAllowed(scope.clone()));
        }
    }
    Ok(())
}

/// The space-separated form of a scope set.
pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

/// Whether a scope set holds a value.
pub fn has(scopes: &[String], value: &str) -> bool {
    scopes.iter().any(|scope| scope == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_scopes() {
        let config = Config::default();
        let app = config.client("app").unwrap();
        assert_eq!(
            requested(&config, app, Some("openid  profile openid")).unwrap(),
            ["openid", "profile"]
        );
        assert_eq!(requested(&config, app, None), Err(ScopeError::Missing));
        assert_eq!(
            requested(&config, app, Some("openid admin")),
            Err(ScopeError::NotAllowed("admin".into()))
        );
        assert_eq!(
            requested(&config, app, Some("openid nope")),
            Err(ScopeError::Unknown("nope".into()))
        );
        assert_eq!(
            requested(&config, app, Some("a\"b")),
            Err(ScopeError::Malformed)
        );
    }

    #[test]
    fn refresh_narrows_but_never_widens() {
        let config = Config::default();
        let app = config.client("app").unwrap();
        let granted = vec!["openid".to_string(), "api.read".to_string()];
        assert_eq!(refreshed(&config, app, &granted, None).unwrap(), granted);
        assert_eq!(
            refreshed(&config, app, &granted, Some("api.read")).unwrap(),
            ["api.read"]
        );
        assert_eq!(
            refreshed(&config, app, &granted, Some("api.read api.write")),
            Err(ScopeError::Widened("api.write".into()))
        );
        let flawed = Config::default().with_flaw(Flaw::RefreshScopeNoEscalation);
        assert!(refreshed(&flawed, app, &granted, Some("api.read api.write")).is_ok());
        assert!(refreshed(&flawed, app, &granted, Some("admin")).is_err());
    }
}
