//! Variables of one trial and template interpolation.
//!
//! Names come from `vary:` and `save:`; dotted names are built-ins read from
//! the target profile (`client.main.redirect_uri.host`, `endpoint.token`, …).
//! Interpolation never reaches the network.

use std::collections::HashMap;

use crate::suite::builtin::{Builtin, ClientField, ScopeField, UriPart, UserField, is_builtin};
use crate::suite::{Template, TemplatePart};
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

impl VarError {
    /// The optional profile key (`scopes.extra`, `scopes.forbidden`) whose
    /// absence this error is: a trial that needs it has nothing to request
    /// on this target, a `skip` rather than an `error`.
    pub fn undeclared_scope(&self) -> Option<&'static str> {
        let VarError::NoValue(name) = self else {
            return None;
        };
        match Builtin::parse(name) {
            Ok(Builtin::Scope(ScopeField::Extra)) => Some("`scopes.extra`"),
            Ok(Builtin::Scope(ScopeField::Forbidden)) => Some("`scopes.forbidden`"),
            _ => None,
        }
    }
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
        if !is_builtin(name) {
            return Err(VarError::Unset(name.to_string()));
        }
        // The loader has parsed every built-in already; a name it did not
        // see (a runtime-built template) is "no value", never a panic.
        let parsed = Builtin::parse(name).map_err(|_| VarError::NoValue(name.to_string()))?;
        match parsed {
            Builtin::Env(var) => std::env::var(&var).map_err(|_| VarError::Env(var)),
            Builtin::Random => Ok(crate::run::random_token(32)),
            other => builtin(&other, profile).ok_or_else(|| VarError::NoValue(name.to_string())),
        }
    }
}

/// A built-in value from the profile; every name the loader accepts has an
/// arm here.
fn builtin(name: &Builtin, profile: &Profile) -> Option<String> {
    match name {
        Builtin::Issuer => profile.issuer.clone(),
        Builtin::Random | Builtin::Env(_) => None,
        Builtin::User(UserField::Username) => Some(profile.username.clone()),
        // A secret: the redactor knows it (`Profile::secrets`).
        Builtin::User(UserField::Password) => Some(profile.password.expose().to_string()),
        Builtin::Scope(field) => match field {
            ScopeField::Default => Some(profile.scopes.default.clone()),
            ScopeField::Extra => profile.scopes.extra.clone(),
            ScopeField::Forbidden => profile.scopes.forbidden.clone(),
        },
        Builtin::Endpoint(endpoint) => profile.endpoints.url(*endpoint),
        Builtin::Client(role, field) => {
            let client = profile.client(*role)?;
            match field {
                ClientField::Id => Some(client.id.clone()),
                ClientField::RedirectUri => Some(client.redirect_uri.clone()),
                ClientField::OtherRedirectUri => client.other_redirect_uris.first().cloned(),
                ClientField::Secret => client.secret.as_ref().map(|s| s.expose().to_string()),
            }
        }
        Builtin::RedirectPart(role, part) => uri_part(&profile.client(*role)?.redirect_uri, *part),
    }
}

/// A piece of a URI as written (never normalised: redirect tests mutate it).
fn uri_part(uri: &str, part: UriPart) -> Option<String> {
    let parts = crate::oauth::uri::UriParts::split(uri);
    let (scheme, authority, path, query) =
        (parts.scheme?, parts.authority?, parts.path, parts.query);
    let (host, port) = parts.host_port()?;
    let (host, port) = (host.to_string(), port.map(str::to_string));
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => "",
    };
    Some(match part {
        UriPart::Scheme => scheme.to_string(),
        UriPart::OtherScheme => if scheme == "https" { "http" } else { "https" }.to_string(),
        UriPart::Authority => authority.to_string(),
        UriPart::Host => host,
        UriPart::Port => port.unwrap_or_else(|| default_port.to_string()),
        UriPart::Path => path.to_string(),
        UriPart::Query => query.unwrap_or("").to_string(),
        UriPart::Origin => format!("{scheme}://{authority}"),
        UriPart::UpperScheme => scheme.to_ascii_uppercase(),
        UriPart::UpperAuthority => authority.to_ascii_uppercase(),
        UriPart::UpperPath => path.to_ascii_uppercase(),
        // The same port spelt the other way: a written default port dropped,
        // an implicit one written out, any other port dropped.
        UriPart::OtherPortForm => match &port {
            Some(_) => host,
            None => format!("{host}:{default_port}"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{VarError, uri_part};
    use crate::suite::builtin::UriPart;

    #[test]
    fn only_the_optional_scopes_make_a_missing_value_a_skip() {
        let missing = |name: &str| VarError::NoValue(name.to_string()).undeclared_scope();
        assert_eq!(missing("scope.forbidden"), Some("`scopes.forbidden`"));
        assert_eq!(missing("scope.extra"), Some("`scopes.extra`"));
        assert_eq!(missing("endpoint.revocation"), None);
        assert_eq!(
            VarError::Unset("scope.extra".into()).undeclared_scope(),
            None
        );
    }

    #[test]
    fn uri_parts_are_taken_as_written() {
        let uri = "https://client.example/cb?x=1";
        assert_eq!(uri_part(uri, UriPart::Host).unwrap(), "client.example");
        assert_eq!(uri_part(uri, UriPart::Port).unwrap(), "443");
        assert_eq!(uri_part(uri, UriPart::Path).unwrap(), "/cb");
        assert_eq!(uri_part(uri, UriPart::Query).unwrap(), "x=1");
        assert_eq!(
            uri_part(uri, UriPart::Origin).unwrap(),
            "https://client.example"
        );
        assert_eq!(uri_part(uri, UriPart::OtherScheme).unwrap(), "http");
        assert_eq!(uri_part(uri, UriPart::UpperPath).unwrap(), "/CB");
        assert_eq!(
            uri_part(uri, UriPart::UpperAuthority).unwrap(),
            "CLIENT.EXAMPLE"
        );
        let loopback = "http://127.0.0.1:9999/callback";
        assert_eq!(uri_part(loopback, UriPart::Host).unwrap(), "127.0.0.1");
        assert_eq!(uri_part(loopback, UriPart::Port).unwrap(), "9999");
        assert_eq!(
            uri_part(loopback, UriPart::Authority).unwrap(),
            "127.0.0.1:9999"
        );
        assert_eq!(
            uri_part(loopback, UriPart::OtherPortForm).unwrap(),
            "127.0.0.1"
        );
        assert_eq!(
            uri_part(uri, UriPart::OtherPortForm).unwrap(),
            "client.example:443"
        );
        let v6 = "http://[::1]/cb";
        assert_eq!(uri_part(v6, UriPart::Host).unwrap(), "[::1]");
        assert_eq!(uri_part(v6, UriPart::Port).unwrap(), "80");
        assert_eq!(uri_part("urn:example:cb", UriPart::Host), None);
    }

    #[test]
    fn every_uri_part_the_loader_accepts_is_resolved() {
        for part in UriPart::ALL {
            assert!(
                uri_part("https://h.example:8443/p?q=1", *part).is_some(),
                "`{part}` is not resolved"
            );
        }
    }
}
