//! Consistency checks on a parsed [`Config`]: unique ids, usable redirect
//! URIs, known scopes, distinct paths. All problems are collected and reported
//! together rather than one at a time.
//!
//! It checks only what would make the server misbehave silently; it does not
//! judge whether a configuration is secure (a flawed one is allowed on purpose).

use std::collections::HashSet;

use super::model::{Config, IdTokenAlg, Paths};
use crate::oauth::uri::UriParts;
use crate::server::error::ServerError;

/// Paths the server mounts itself, which configured paths must not shadow.
const RESERVED_PATHS: &[&str] = &[
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
];

impl Config {
    /// Checks that the configuration is usable; every problem is listed.
    pub fn validate(&self) -> Result<(), ServerError> {
        let mut problems = Vec::new();
        self.check_clients(&mut problems);
        self.check_users(&mut problems);
        check_paths(&self.paths, &mut problems);
        if let Some(issuer) = &self.issuer {
            check_issuer(issuer, &mut problems);
        }
        for (name, ttl) in [
            ("code", self.ttl.code),
            ("access", self.ttl.access),
            ("refresh", self.ttl.refresh),
        ] {
            if ttl.is_zero() {
                problems.push(format!("ttl `{name}` must be longer than zero"));
            }
        }
        if self.id_token_alg == IdTokenAlg::HS256 {
            problems.push(
                "id_token_alg `HS256` needs a client secret: register it per client with `id_token_signed_response_alg`".to_string(),
            );
        }
        for scope in &self.scopes {
            if !is_scope_token(scope) {
                problems.push(format!("scope `{scope}` is not a valid scope token"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ServerError::InvalidConfig(problems.join("; ")))
        }
    }

    fn check_clients(&self, problems: &mut Vec<String>) {
        let mut ids = HashSet::new();
        for client in &self.clients {
            if client.id.is_empty() || !client.id.chars().all(|c| (' '..='~').contains(&c)) {
                problems.push(format!(
                    "client id `{}` must be non-empty printable ASCII",
                    client.id
                ));
            }
            if !ids.insert(client.id.as_str()) {
                problems.push(format!("client `{}` is listed twice", client.id));
            }
            for uri in &client.redirect_uris {
                if let Err(why) = check_redirect_uri(uri) {
                    problems.push(format!(
                        "client `{}`: redirect URI `{uri}` {why}",
                        client.id
                    ));
                }
            }
            for scope in &client.scopes {
                if !self.scopes.contains(scope) {
                    problems.push(format!(
                        "client `{}`: scope `{scope}` is not in the server's `scopes`",
                        client.id
                    ));
                }
            }
        }
    }

    fn check_users(&self, problems: &mut Vec<String>) {
        let mut names = HashSet::new();
        let mut subs = HashSet::new();
        for user in &self.users {
            if !names.insert(user.username.as_str()) {
                problems.push(format!("user `{}` is listed twice", user.username));
            }
            if !subs.insert(user.sub.as_str()) {
                problems.push(format!("sub `{}` is used by two users", user.sub));
            }
            // OIDC Core §2: at most 255 ASCII characters.
            if user.sub.is_empty() || user.sub.len() > 255 || !user.sub.is_ascii() {
                problems.push(format!(
                    "user `{}`: sub must be 1 to 255 ASCII characters",
                    user.username
                ));
            }
        }
    }
}

/// A registered redirect URI must be absolute, fragment-free (RFC 6749
/// §3.1.2) and safe to place in a `Location` header.
fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    if !uri.chars().all(|c| ('!'..='~').contains(&c)) {
        return Err("must be printable ASCII without spaces");
    }
    if uri.contains('#') {
        return Err("must not contain a fragment");
    }
    // Parsed only to check it is absolute; the string itself is what is
    // compared and redirected to, never the normalised form.
    url::Url::parse(uri).map_err(|_| "is not an absolute URI")?;
    Ok(())
}

fn check_issuer(issuer: &str, problems: &mut Vec<String>) {
    match url::Url::parse(issuer) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            // RFC 8414 §2: no query or fragment in an issuer identifier.
            if url.query().is_some() || url.fragment().is_some() || issuer.contains(['?', '#']) {
                problems.push(format!(
                    "issuer `{issuer}` must not have a query or fragment"
                ));
            }
            // The metadata is mounted under the issuer's path.
            let path = UriParts::split(issuer).path;
            if !path.is_empty() && !is_plain_path(path) {
                problems.push(format!(
                    "issuer `{issuer}`: its path may use only letters, digits and `-._~/`"
                ));
            }
        }
        _ => problems.push(format!("issuer `{issuer}` must be an http(s) URL")),
    }
}

fn check_paths(paths: &Paths, problems: &mut Vec<String>) {
    let all = [
        ("authorize", &paths.authorize),
        ("token", &paths.token),
        ("revoke", &paths.revoke),
        ("introspect", &paths.introspect),
        ("userinfo", &paths.userinfo),
        ("jwks", &paths.jwks),
        ("resource", &paths.resource),
        ("scoped_resource", &paths.scoped_resource),
        ("second_resource", &paths.second_resource),
        ("login", &paths.login),
        ("consent", &paths.consent),
    ];
    let mut seen = HashSet::new();
    for (name, path) in all {
        if !is_plain_path(path) {
            problems.push(format!(
                "path `{name}` = `{path}` must start with `/` and use only letters, digits and `-._~/`"
            ));
        }
        if !seen.insert(path.as_str()) || RESERVED_PATHS.contains(&path.as_str()) {
            problems.push(format!("path `{name}` = `{path}` is used twice"));
        }
    }
}

/// A literal absolute path. Routing syntax (`{capture}`, `*rest`, `:old`)
/// and anything needing escapes is refused, so building the router can never
/// fail on a configured path.
fn is_plain_path(path: &str) -> bool {
    path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'))
}

/// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
pub(crate) fn is_scope_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn problems_are_collected() {
        let mut config = Config::default();
        config.clients.push(config.clients[0].clone());
        config.clients[0]
            .redirect_uris
            .push("https://x.example/cb#frag".into());
        config.paths.token = "token".into();
        config.paths.jwks = "/keys/{kid}".into();
        config.paths.userinfo = "/:user".into();
        config.issuer = Some("http://127.0.0.1:1/{tenant}".into());
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("path `jwks`"), "{message}");
        assert!(message.contains("path `userinfo`"), "{message}");
        assert!(message.contains("its path may use only"), "{message}");
        assert!(message.contains("listed twice"), "{message}");
        assert!(message.contains("fragment"), "{message}");
        assert!(message.contains("path `token`"), "{message}");
    }
}
