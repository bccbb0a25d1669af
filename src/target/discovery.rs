//! Discovery (RFC 8414 / OpenID Connect Discovery 1.0): fills the endpoints a
//! profile leaves out from the issuer's metadata document.
//!
//! Explicit endpoints in the profile always win; discovery only fills gaps.
//! One GET per well-known path, with the profile's timeout; nothing else.

use super::{Profile, ProfileError};

/// The two well-known paths, OpenID first (it is the one more servers serve).
const WELL_KNOWN: [&str; 2] = [
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
];

impl Profile {
    /// Fills missing endpoints from the issuer's metadata, if an issuer is given.
    pub async fn resolve(mut self) -> Result<Profile, ProfileError> {
        let complete = !self.endpoints.authorization.is_empty() && !self.endpoints.token.is_empty();
        if let Some(issuer) = self
            .issuer
            .clone()
            .filter(|_| !complete || self.endpoints.jwks.is_none())
        {
            let metadata = fetch_metadata(&issuer, self.limits.timeout).await?;
            let field = |name: &str| {
                metadata
                    .get(name)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
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
}

/// Fetches the issuer's metadata document from the first well-known path that answers.
pub async fn fetch_metadata(
    issuer: &str,
    timeout: std::time::Duration,
) -> Result<serde_json::Map<String, serde_json::Value>, ProfileError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(|e| ProfileError::Discovery {
            url: issuer.to_string(),
            reason: e.to_string(),
        })?;
    let mut last = String::new();
    for path in WELL_KNOWN {
        let url = format!("{}{path}", issuer.trim_end_matches('/'));
        match client.get(&url).send().await {
            Ok(resp) if resp.status().is_success() => {
                let body = resp.bytes().await.map_err(|e| ProfileError::Discovery {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
                return serde_json::from_slice(&body).map_err(|e| ProfileError::Discovery {
                    url,
                    reason: format!("the metadata is not a JSON object: {e}"),
                });
            }
            Ok(resp) => last = format!("`{url}` answered {}", resp.status()),
            Err(e) => last = format!("`{url}`: {e}"),
        }
    }
    Err(ProfileError::Discovery {
        url: issuer.to_string(),
        reason: last,
    })
}
