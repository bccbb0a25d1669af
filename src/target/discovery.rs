//! Discovery (RFC 8414 / OpenID Connect Discovery 1.0): fills the endpoints a
//! profile leaves out from the issuer's metadata documents.
//!
//! Both documents are read, concurrently: RFC 8414's at the host root
//! (`/.well-known/oauth-authorization-server` + the issuer's path) and
//! OpenID's under the issuer (`{issuer}/.well-known/openid-configuration`);
//! they are merged, OpenID's value first when both name a member. Every fetch
//! goes through the agent, so the body cap (`limits.max_body`, also applied
//! to gzip after inflating), the timeout and the redacted error chain are
//! those of every other request. Explicit endpoints in the profile always
//! win; discovery only fills gaps. An endpoint that would receive client
//! credentials or tokens on another origin than the issuer's is a warning,
//! or an error under `endpoints_origin: strict`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{EndpointsOrigin, Limits, Profile, ProfileError, origin_of};
use crate::agent::{Agent, AgentConfig, Request};
use crate::redact::Redactor;

/// The merged metadata of an issuer.
pub type Metadata = Map<String, Value>;

/// Why discovery gave nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// Neither well-known URL answered with a metadata document.
    #[error("no metadata document for issuer `{issuer}`:{}", tried_list(.tried))]
    NoDocument {
        issuer: String,
        /// Every URL tried and why it gave nothing.
        tried: Vec<Attempt>,
    },
    /// The issuer is not an absolute http(s) URL.
    #[error("the issuer `{issuer}` is not an absolute http(s) URL: {reason}")]
    BadIssuer { issuer: String, reason: String },
    /// `endpoints_origin: strict` and metadata routes credentials elsewhere.
    #[error(
        "the discovery metadata routes credentials to another origin than the issuer's, and the profile says `endpoints_origin: strict`:{}",
        bullets(.routes)
    )]
    OffOrigin { routes: Vec<String> },
}

/// One well-known URL tried, and what went wrong there.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub url: String,
    pub reason: String,
}

fn tried_list(tried: &[Attempt]) -> String {
    tried
        .iter()
        .map(|a| format!("\n  - `{}`: {}", a.url, a.reason))
        .collect()
}

fn bullets(lines: &[String]) -> String {
    lines.iter().map(|l| format!("\n  - {l}")).collect()
}

/// The two well-known URLs of an issuer, OpenID's first: OpenID Connect
/// Discovery 1.0 §4 (`{issuer}/.well-known/openid-configuration`) and
/// RFC 8414 §3.1 (the well-known segment inserted between the host and the
/// issuer's path).
pub fn well_known_urls(issuer: &str) -> Result<[String; 2], DiscoveryError> {
    let bad = |reason: String| DiscoveryError::BadIssuer {
        issuer: issuer.to_string(),
        reason,
    };
    let url = url::Url::parse(issuer).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("discovery needs an http(s) URL with a host".into()));
    }
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    Ok([
        format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ),
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ])
}

/// Fetches both metadata documents of `issuer` and merges them (OpenID's
/// member first). An error only when neither gives a JSON object; then it
/// names both URLs and why each failed.
pub async fn fetch_metadata(issuer: &str, limits: &Limits) -> Result<Metadata, DiscoveryError> {
    let urls = well_known_urls(issuer)?;
    let config = AgentConfig {
        timeout: limits.timeout,
        max_body: limits.max_body,
        transport: limits.transport.clone(),
        ..AgentConfig::default()
    };
    let agent =
        Agent::new(config, Arc::new(Redactor::new())).map_err(|e| DiscoveryError::NoDocument {
            issuer: issuer.to_string(),
            tried: vec![Attempt {
                url: urls[0].clone(),
                reason: e.to_string(),
            }],
        })?;
    let (oidc, oauth) = tokio::join!(
        fetch_one(&agent, &urls[0], limits),
        fetch_one(&agent, &urls[1], limits)
    );
    let mut tried = Vec::new();
    let mut merged: Option<Metadata> = None;
    for (url, result) in urls.iter().zip([oidc, oauth]) {
        match result {
            Ok(document) => {
                let merged = merged.get_or_insert_with(Map::new);
                for (name, value) in document {
                    merged.entry(name).or_insert(value);
                }
            }
            Err(e) => tried.push(Attempt {
                url: url.clone(),
                reason: e.to_string(),
            }),
        }
    }
    merged.ok_or_else(|| DiscoveryError::NoDocument {
        issuer: issuer.to_string(),
        tried,
    })
}

/// Why a well-known URL gave no metadata document.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    #[error(
        "the document is larger than the {0}-byte cap (`limits.max_body`); it was not read further"
    )]
    TooLarge(usize),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("the document is JSON but not an object")]
    NotAnObject,
    #[error("the document is not JSON: {0}")]
    NotJson(serde_json::Error),
}

/// One metadata document, or why there is none at `url`.
async fn fetch_one(agent: &Agent, url: &str, limits: &Limits) -> Result<Metadata, FetchError> {
    let response = agent
        .send(Request::get(url, false).header("accept", "application/json"))
        .await?;
    if response.truncated {
        return Err(FetchError::TooLarge(limits.max_body));
    }
    if !(200..300).contains(&response.status) {
        return Err(FetchError::Status(response.status));
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FetchError::NotAnObject),
        Err(e) => Err(FetchError::NotJson(e)),
    }
}

/// Which metadata members name endpoints that receive credentials, with the
/// profile key each fills and what the harness sends there.
const CREDENTIAL_ENDPOINTS: [(&str, &str, &str); 5] = [
    (
        "authorization_endpoint",
        "authorization",
        "the test user's password (its login pages)",
    ),
    ("token_endpoint", "token", "client secrets and codes"),
    (
        "revocation_endpoint",
        "revocation",
        "client secrets and tokens",
    ),
    (
        "introspection_endpoint",
        "introspection",
        "client secrets and tokens",
    ),
    ("userinfo_endpoint", "userinfo", "access tokens"),
];

impl Profile {
    /// Fills missing endpoints from the issuer's metadata, if an issuer is
    /// given, and notes (or, under `endpoints_origin: strict`, refuses)
    /// credential endpoints on another origin than the issuer's.
    pub async fn resolve(mut self) -> Result<Profile, ProfileError> {
        let complete = !self.endpoints.authorization.is_empty() && !self.endpoints.token.is_empty();
        if let Some(issuer) = self
            .issuer
            .clone()
            .filter(|_| !complete || self.endpoints.jwks.is_none())
        {
            let metadata = fetch_metadata(&issuer, &self.limits).await?;
            self.fill_from(&issuer, &metadata)?;
        }
        for (endpoint, value) in [
            ("authorization", &self.endpoints.authorization),
            ("token", &self.endpoints.token),
        ] {
            if value.is_empty() {
                return Err(ProfileError::MissingEndpoint {
                    name: self.name.clone(),
                    endpoint,
                });
            }
        }
        Ok(self)
    }

    /// Fills the endpoints the profile leaves out from `metadata`.
    fn fill_from(&mut self, issuer: &str, metadata: &Metadata) -> Result<(), DiscoveryError> {
        let field = |name: &str| {
            metadata
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let issuer_origin = origin_of(issuer);
        let mut off_origin = Vec::new();
        for (member, key, sent) in CREDENTIAL_ENDPOINTS {
            let given = match key {
                "authorization" => !self.endpoints.authorization.is_empty(),
                "token" => !self.endpoints.token.is_empty(),
                "revocation" => self.endpoints.revocation.is_some(),
                "introspection" => self.endpoints.introspection.is_some(),
                _ => self.endpoints.userinfo.is_some(),
            };
            if let Some(url) = field(member).filter(|_| !given)
                && origin_of(&url) != issuer_origin
            {
                off_origin.push(format!(
                    "`{member}` is `{url}`, outside the issuer's origin `{}`: {sent} would go there",
                    issuer_origin.as_deref().unwrap_or(issuer)
                ));
            }
        }
        if !off_origin.is_empty() {
            if self.endpoints_origin == EndpointsOrigin::Strict {
                return Err(DiscoveryError::OffOrigin { routes: off_origin });
            }
            for route in off_origin {
                self.warnings.push(format!(
                    "discovery: {route} (`endpoints_origin: strict` refuses this)"
                ));
            }
        }
        let e = &mut self.endpoints;
        if e.authorization.is_empty() {
            e.authorization = field("authorization_endpoint").unwrap_or_default();
        }
        if e.token.is_empty() {
            e.token = field("token_endpoint").unwrap_or_default();
        }
        e.revocation = e.revocation.take().or_else(|| field("revocation_endpoint"));
        e.introspection = e
            .introspection
            .take()
            .or_else(|| field("introspection_endpoint"));
        e.userinfo = e.userinfo.take().or_else(|| field("userinfo_endpoint"));
        e.jwks = e.jwks.take().or_else(|| field("jwks_uri"));
        e.registration = e
            .registration
            .take()
            .or_else(|| field("registration_endpoint"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_well_known_urls_follow_each_specification() {
        assert_eq!(
            well_known_urls("https://as.example").unwrap(),
            [
                "https://as.example/.well-known/openid-configuration",
                "https://as.example/.well-known/oauth-authorization-server",
            ]
        );
        assert_eq!(
            well_known_urls("http://127.0.0.1:9400/tenant/a/").unwrap(),
            [
                "http://127.0.0.1:9400/tenant/a/.well-known/openid-configuration",
                "http://127.0.0.1:9400/.well-known/oauth-authorization-server/tenant/a",
            ]
        );
        assert!(well_known_urls("urn:x").is_err());
    }
}
