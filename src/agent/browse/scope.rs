//! Where the AS ends: its origins and the client URIs on them, normalised
//! once per walk. A navigation that leaves the AS is reported, never made.

use url::Url;

use crate::agent::StopRule;

/// Where the AS ends, normalised once.
pub(super) struct Scope {
    origins: Vec<String>,
    client_uris: Vec<String>,
}

impl Scope {
    /// With no AS origin given, the origin of the start URL is the AS.
    pub(super) fn new(stop: &StopRule, start: &str) -> Scope {
        let normalise = |raw: &str| match Url::parse(raw.trim()) {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => raw.trim().trim_end_matches('/').to_string(),
        };
        let mut origins: Vec<String> = stop.as_origins.iter().map(|o| normalise(o)).collect();
        if origins.is_empty() {
            origins.push(normalise(start));
        }
        Scope {
            origins,
            client_uris: stop
                .client_uris
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
        }
    }

    pub(super) fn is_client_uri(&self, url: &str) -> bool {
        self.client_uris.iter().any(|c| url.starts_with(c.as_str()))
    }

    /// The origin of `url` when it is an http(s) URL on neither the AS nor
    /// a client URI: a third party (RFC 9700 §4.2.4).
    pub(super) fn third_party_origin(&self, url: &str) -> Option<String> {
        let parsed = Url::parse(url).ok()?;
        let origin = parsed.origin().ascii_serialization();
        (matches!(parsed.scheme(), "http" | "https")
            && !self.is_client_uri(url)
            && !self.origins.contains(&origin))
        .then_some(origin)
    }

    /// Whether navigating to `url` leaves the AS (and so must not be requested).
    pub(super) fn leaves_as(&self, url: &str) -> bool {
        if self.is_client_uri(url) {
            return true;
        }
        match Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                !self.origins.contains(&u.origin().ascii_serialization())
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_parties_are_neither_the_as_nor_a_client() {
        let stop = StopRule {
            as_origins: vec!["https://as.example".into()],
            client_uris: vec!["https://client.example/cb".into()],
        };
        let scope = Scope::new(&stop, "https://as.example/authorize");
        assert_eq!(scope.third_party_origin("https://as.example/x.js"), None);
        assert_eq!(
            scope.third_party_origin("https://client.example/cb?error=x"),
            None
        );
        assert_eq!(scope.third_party_origin("data:image/png,x"), None);
        assert_eq!(
            scope.third_party_origin("https://cdn.example:8443/a.js"),
            Some("https://cdn.example:8443".into())
        );
    }
}
