//! Variables of one trial and template interpolation.
//!
//! Names come from `vary:` and `save:`; dotted names are built-ins read from
//! the target profile (`client.main.redirect_uri.host`, `endpoint.token`, …).
//! Interpolation never reaches the network.

use std::collections::HashMap;

use crate::suite::{ClientRole, Template, TemplatePart};
use crate::target::Profile;

/// Why a template could not be filled.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VarError {
    #[error("variable `{0}` is not set")]
    Unset(String),
    #[error("environment variable `{0}` is not set")]
    Env(String),
    #[error("the target profile has no value for `{0}`")]
    NoValue(String),
}

/// The variables of one trial.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    values: HashMap<String, String>,
}

impl Vars {
    pub fn set(&mut self, name: &str, value: String) {
        self.values.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Fills a template from these variables, the environment and the profile.
    pub fn fill(&self, template: &Template, profile: &Profile) -> Result<String, VarError> {
        let mut out = String::new();
        for part in &template.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Var(name) => out.push_str(&self.lookup(name, profile)?),
            }
        }
        Ok(out)
    }

    fn lookup(&self, name: &str, profile: &Profile) -> Result<String, VarError> {
        if let Some(value) = self.values.get(name) {
            return Ok(value.clone());
        }
        if let Some(var) = name.strip_prefix("env:") {
            return std::env::var(var).map_err(|_| VarError::Env(var.to_string()));
        }
        if name == "random" {
            return Ok(crate::run::random_token(32));
        }
        if !name.contains('.') && name != "issuer" {
            return Err(VarError::Unset(name.to_string()));
        }
        builtin(name, profile).ok_or_else(|| VarError::NoValue(name.to_string()))
    }
}

/// A built-in value from the profile.
fn builtin(name: &str, profile: &Profile) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["issuer"] => profile.issuer.clone(),
        ["user", "username"] => Some(profile.username.clone()),
        ["scope", "default"] => Some(profile.scopes.default.clone()),
        ["scope", "extra"] => profile.scopes.extra.clone(),
        ["scope", "forbidden"] => profile.scopes.forbidden.clone(),
        ["endpoint", which] => {
            let e = &profile.endpoints;
            match *which {
                "authorization" => Some(e.authorization.clone()),
                "token" => Some(e.token.clone()),
                "revocation" => e.revocation.clone(),
                "introspection" => e.introspection.clone(),
                "userinfo" => e.userinfo.clone(),
                "jwks" => e.jwks.clone(),
                "resource" => e.resource.clone(),
                _ => None,
            }
        }
        ["client", role, rest @ ..] => {
            let role = match *role {
                "main" => ClientRole::Main,
                "other" => ClientRole::Other,
                "public" => ClientRole::Public,
                _ => return None,
            };
            let client = profile.client(role)?;
            match rest {
                ["id"] => Some(client.id.clone()),
                ["redirect_uri"] => Some(client.redirect_uri.clone()),
                ["redirect_uri", part] => uri_part(&client.redirect_uri, part),
                ["other_redirect_uri"] => client.other_redirect_uris.first().cloned(),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A piece of a URI as written (never normalised: redirect tests mutate it).
fn uri_part(uri: &str, part: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let after = &rest[authority_end..];
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let path = &after[..path_end];
    let query = after[path_end..]
        .strip_prefix('?')
        .map(|q| q.split('#').next().unwrap_or(""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') && h.ends_with(']') => {
            (h.to_string(), Some(p.to_string()))
        }
        _ => (authority.to_string(), None),
    };
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => "",
    };
    Some(match part {
        "scheme" => scheme.to_string(),
        "other_scheme" => if scheme == "https" { "http" } else { "https" }.to_string(),
        "authority" => authority.to_string(),
        "host" => host,
        "port" => port.unwrap_or_else(|| default_port.to_string()),
        "path" => path.to_string(),
        "query" => query.unwrap_or("").to_string(),
        "origin" => format!("{scheme}://{authority}"),
        "upper_scheme" => scheme.to_ascii_uppercase(),
        "upper_authority" => authority.to_ascii_uppercase(),
        "upper_path" => path.to_ascii_uppercase(),
        // The same port spelt the other way: a written default port dropped,
        // an implicit one written out, any other port dropped.
        "other_port_form" => match &port {
            Some(_) => host,
            None => format!("{host}:{default_port}"),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::uri_part;

    #[test]
    fn uri_parts_are_taken_as_written() {
        let uri = "https://client.example/cb?x=1";
        assert_eq!(uri_part(uri, "host").unwrap(), "client.example");
        assert_eq!(uri_part(uri, "port").unwrap(), "443");
        assert_eq!(uri_part(uri, "path").unwrap(), "/cb");
        assert_eq!(uri_part(uri, "query").unwrap(), "x=1");
        assert_eq!(uri_part(uri, "origin").unwrap(), "https://client.example");
        assert_eq!(uri_part(uri, "other_scheme").unwrap(), "http");
        assert_eq!(uri_part(uri, "upper_path").unwrap(), "/CB");
        assert_eq!(uri_part(uri, "upper_authority").unwrap(), "CLIENT.EXAMPLE");
        let loopback = "http://127.0.0.1:9999/callback";
        assert_eq!(uri_part(loopback, "host").unwrap(), "127.0.0.1");
        assert_eq!(uri_part(loopback, "port").unwrap(), "9999");
        assert_eq!(uri_part(loopback, "authority").unwrap(), "127.0.0.1:9999");
        assert_eq!(uri_part(loopback, "other_port_form").unwrap(), "127.0.0.1");
        assert_eq!(
            uri_part(uri, "other_port_form").unwrap(),
            "client.example:443"
        );
    }

    #[test]
    fn every_uri_part_the_loader_accepts_is_resolved() {
        for part in crate::suite::URI_PARTS {
            assert!(
                uri_part("https://h.example:8443/p?q=1", part).is_some(),
                "`{part}` is not resolved"
            );
        }
    }
}
