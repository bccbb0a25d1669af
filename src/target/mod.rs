//! Target profiles: which server to test, as whom, and what it offers.
//!
//! A profile is a YAML file (`fixtures/targets/*.yaml`) or the built-in
//! profile of the embedded reference server. Loading turns the raw file into
//! a [`Profile`] (secrets from `${env:NAME}`); [`Profile::resolve`] fills the
//! endpoints from the issuer's discovery document when they are not given.
//! Nothing here runs a scenario.

mod builtin;
mod discovery;
mod init;
#[cfg(test)]
mod key_tests;
mod raw;
#[cfg(test)]
mod raw_tests;

pub use builtin::reference_profile;
pub use discovery::{Attempt, DiscoveryError, Metadata, fetch_metadata, well_known_urls};
pub use init::{Starter, StarterClients, StarterTransport, starter_profile};
pub use raw::{Env, check_profile, load_profile, parse_profile};

use std::collections::BTreeSet;
use std::time::Duration;

pub use crate::oauth::Secret;

use crate::agent::LoginConfig;
use crate::suite::{AuthMethod, Capability, ClientRole, TimingName};

/// A registered client the harness acts as.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    /// `None` for a public client.
    pub secret: Option<Secret>,
    /// The redirect URI used by default (the first registered one).
    pub redirect_uri: String,
    /// Further registered redirect URIs (for `multi_redirect` tests).
    pub other_redirect_uris: Vec<String>,
    /// How it authenticates at the token endpoint (as registered).
    pub auth_method: AuthMethod,
    /// The PEM private key (RSA or P-256) `private_key_jwt` assertions are
    /// signed with (a secret: redacted like the client secret).
    pub key: Option<Secret>,
}

/// The AS endpoints; `None` when the target does not offer one.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub revocation: Option<String>,
    pub introspection: Option<String>,
    pub userinfo: Option<String>,
    pub jwks: Option<String>,
    /// A protected resource accepting the AS's access tokens.
    pub resource: Option<String>,
    /// Dynamic client registration (RFC 7591), from the profile or the
    /// metadata's `registration_endpoint`.
    pub registration: Option<String>,
    /// A protected resource that needs a scope beyond the default one
    /// (`scope.extra`): `scoped_resource` tests.
    pub scoped_resource: Option<String>,
    /// A second protected resource, for which tokens are requested with the
    /// RFC 8707 `resource` parameter: `second_resource` tests.
    pub second_resource: Option<String>,
}

impl Endpoints {
    /// The URL of `endpoint`, or `None` when the target does not offer it.
    pub fn url(&self, endpoint: crate::suite::builtin::Endpoint) -> Option<String> {
        use crate::suite::builtin::Endpoint;
        match endpoint {
            Endpoint::Authorization => Some(self.authorization.clone()),
            Endpoint::Token => Some(self.token.clone()),
            Endpoint::Revocation => self.revocation.clone(),
            Endpoint::Introspection => self.introspection.clone(),
            Endpoint::Userinfo => self.userinfo.clone(),
            Endpoint::Jwks => self.jwks.clone(),
            Endpoint::Resource => self.resource.clone(),
            Endpoint::Registration => self.registration.clone(),
            Endpoint::ScopedResource => self.scoped_resource.clone(),
            Endpoint::SecondResource => self.second_resource.clone(),
        }
    }
}

/// Declared lifetimes, read by `wait:` steps.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    pub code_ttl: Option<Duration>,
    pub access_ttl: Option<Duration>,
    pub refresh_idle: Option<Duration>,
    pub refresh_ttl: Option<Duration>,
}

impl Timing {
    /// A timing value by its name.
    pub fn get(&self, name: TimingName) -> Option<Duration> {
        *self.slot(name)
    }

    /// Declares a timing value.
    pub fn set(&mut self, name: TimingName, value: Duration) {
        *self.slot_mut(name) = Some(value);
    }

    fn slot(&self, name: TimingName) -> &Option<Duration> {
        match name {
            TimingName::CodeTtl => &self.code_ttl,
            TimingName::AccessTtl => &self.access_ttl,
            TimingName::RefreshIdle => &self.refresh_idle,
            TimingName::RefreshTtl => &self.refresh_ttl,
        }
    }

    fn slot_mut(&mut self, name: TimingName) -> &mut Option<Duration> {
        match name {
            TimingName::CodeTtl => &mut self.code_ttl,
            TimingName::AccessTtl => &mut self.access_ttl,
            TimingName::RefreshIdle => &mut self.refresh_idle,
            TimingName::RefreshTtl => &mut self.refresh_ttl,
        }
    }
}

/// Politeness and robustness limits for one target.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Requests per second across all trials; `None` = unlimited.
    pub rate: Option<f64>,
    pub timeout: Duration,
    pub max_body: usize,
    /// Ceiling on trials and requests in flight; the lower of this and
    /// `--jobs` applies (the runner adapts below it).
    pub jobs: Option<usize>,
    /// Trusted CAs (`limits.ca_file`, `--cacert`), `--insecure` and the
    /// proxy (`limits.proxy`, `--proxy`) for every request to the target.
    pub transport: crate::agent::Transport,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate: None,
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
            jobs: None,
            transport: crate::agent::Transport::default(),
        }
    }
}

/// Scopes the harness requests.
#[derive(Debug, Clone, Default)]
pub struct Scopes {
    /// Requested by default (space-separated).
    pub default: String,
    /// A further scope the client may request (for escalation tests).
    pub extra: Option<String>,
    /// A scope the client must not get.
    pub forbidden: Option<String>,
}

/// A resolved target profile: everything a trial needs to drive the server.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub issuer: Option<String>,
    pub endpoints: Endpoints,
    pub main: Client,
    pub other: Option<Client>,
    pub public: Option<Client>,
    pub username: String,
    pub password: Secret,
    pub login: LoginConfig,
    pub capabilities: BTreeSet<Capability>,
    pub timing: Timing,
    pub limits: Limits,
    pub scopes: Scopes,
    /// Trials may start from a copy of one logged-in session (the runner
    /// probes first and falls back to fresh logins when the server rotates
    /// or drops it).
    pub reuse_session: bool,
    /// Whether discovered credential endpoints may sit on another origin
    /// than the issuer's (`endpoints_origin:` in the profile).
    pub endpoints_origin: EndpointsOrigin,
    /// The standards the run judges by (`standard:`, `--standard`; by
    /// default RFC 9700 plus `oidc` for an OpenID target): they set the
    /// level of the profile-dependent requirements (docs/standards.md).
    pub standard: crate::standard::StandardSet,
    /// What resolving the profile noticed that the user must hear about
    /// (e.g. metadata routing credentials to another origin): printed on
    /// the console and kept in the report.
    pub warnings: Vec<String>,
}

/// Whether discovery may route credentials to another origin than the issuer's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EndpointsOrigin {
    /// Allowed, with a warning on the console and in the report.
    #[default]
    Warn,
    /// Refused: resolving the profile fails.
    Strict,
}

impl Profile {
    /// The client acting in a role, if the profile has one.
    pub fn client(&self, role: ClientRole) -> Option<&Client> {
        match role {
            ClientRole::Main => Some(&self.main),
            ClientRole::Other => self.other.as_ref(),
            ClientRole::Public => self.public.as_ref(),
        }
    }

    /// Whether the target has a capability: declared in the profile, or
    /// derived from it (`non_loopback_redirect`).
    pub fn has(&self, capability: Capability) -> bool {
        match capability {
            Capability::NonLoopbackRedirect => !is_loopback(&self.main.redirect_uri),
            // Declared, or evident: every endpoint the harness drives is https.
            Capability::Tls => self.capabilities.contains(&Capability::Tls) || self.all_https(),
            other => self.capabilities.contains(&other),
        }
    }

    /// Whether the issuer (when known) and the authorization and token
    /// endpoints are all `https://`.
    pub fn all_https(&self) -> bool {
        let https = |url: &str| {
            url.get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        };
        self.issuer.as_deref().is_none_or(https)
            && https(&self.endpoints.authorization)
            && https(&self.endpoints.token)
    }

    /// Every secret value of the profile, for the redactor: passwords,
    /// client secrets, and the `Authorization: Basic` credentials built
    /// from them.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.password.expose().to_string()];
        for client in [Some(&self.main), self.other.as_ref(), self.public.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Some(key) = &client.key {
                out.push(key.expose().to_string());
            }
            if let Some(secret) = &client.secret {
                out.push(secret.expose().to_string());
                // The Basic credentials built from it, so an echo of the
                // header in a body is masked like the secret itself.
                out.extend(crate::redact::basic_credentials(
                    &client.id,
                    secret.expose(),
                ));
            }
        }
        out.extend(self.limits.transport.secrets());
        out
    }

    /// Origins (`scheme://host:port`) the AS serves from, its login UI's
    /// (`login.origins`) included: where the user agent may go.
    pub fn as_origins(&self) -> Vec<String> {
        let mut urls: Vec<&str> = vec![&self.endpoints.authorization, &self.endpoints.token];
        if let Some(issuer) = &self.issuer {
            urls.push(issuer);
        }
        let mut origins: Vec<String> = urls.into_iter().filter_map(origin_of).collect();
        // Where a separate login UI serves the login and consent pages.
        origins.extend(self.login.origins.iter().cloned());
        origins.sort();
        origins.dedup();
        origins
    }

    /// Every registered redirect URI of every client.
    pub fn client_uris(&self) -> Vec<String> {
        [Some(&self.main), self.other.as_ref(), self.public.as_ref()]
            .into_iter()
            .flatten()
            .flat_map(|c| {
                std::iter::once(c.redirect_uri.clone()).chain(c.other_redirect_uris.clone())
            })
            .collect()
    }
}

/// An http(s) URI on 127.0.0.0/8, [::1] or localhost.
fn is_loopback(uri: &str) -> bool {
    match url::Url::parse(uri)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, with the port always written.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    match parsed.origin() {
        url::Origin::Tuple(scheme, host, port) => Some(format!("{scheme}://{host}:{port}")),
        url::Origin::Opaque(_) => None,
    }
}

/// Why a profile could not be loaded or resolved.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Invalid(crate::diag::Diagnostic),
    #[error("discovery failed: {0}")]
    Discovery(#[from] DiscoveryError),
    #[error(
        "profile `{name}` has no `{endpoint}` endpoint and the issuer's discovery document does not give one"
    )]
    MissingEndpoint {
        name: String,
        endpoint: &'static str,
    },
    /// The reference server's configuration has no client or user the
    /// harness can act as.
    #[error("the reference server's configuration has no {0} to test with")]
    Reference(&'static str),
}
