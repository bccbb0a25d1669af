//! The configuration types and their YAML form.
//!
//! Every field is optional in YAML; a missing one takes its value from
//! [`Config::default`]. Unknown keys are errors. Per-client defaults that
//! depend on other fields (the auth method follows the presence of a secret)
//! are resolved while parsing, so a `ClientConfig` is always complete.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::oauth::Secret;
pub use crate::oauth::{AuthMethod, GrantType};
use crate::server::error::ServerError;
use crate::server::flaw::Flaw;
use crate::server::quirk::Quirk;

/// Everything the reference server needs to start.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on; `None` binds `127.0.0.1:0` (a free loopback port).
    pub addr: Option<SocketAddr>,
    /// Issuer identifier; `None` means `http://<bound address>` (loopback
    /// when bound to a wildcard address).
    pub issuer: Option<String>,
    /// Registered clients.
    pub clients: Vec<ClientConfig>,
    /// Users who can log in.
    pub users: Vec<UserConfig>,
    /// Every scope the server knows (a client may request only its own subset).
    pub scopes: Vec<String>,
    /// Lifetimes of codes and tokens.
    pub ttl: Ttl,
    /// Where each endpoint is mounted.
    pub paths: Paths,
    /// Whether access tokens are opaque strings or signed JWTs.
    pub access_token_format: AccessTokenFormat,
    /// Algorithm of ID tokens.
    pub id_token_alg: IdTokenAlg,
    /// Deliberate defects switched on (empty: a correct server).
    pub flaws: BTreeSet<Flaw>,
    /// Legal variations switched on (empty: the default behaviour).
    pub quirks: BTreeSet<Quirk>,
    /// A simulated slow password hash per login and token call (benchmarks).
    pub hashing: crate::server::hashing::Hashing,
    /// Serve HTTPS with a certificate generated at start (`tls: true`, or
    /// `tls: { ca_out: FILE }` to write the CA certificate for clients).
    pub tls: crate::server::tls::TlsConfig,
}

/// A registered client.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "RawClientConfig")]
pub struct ClientConfig {
    /// The `client_id`.
    pub id: String,
    /// The client secret; `None` for a public client.
    pub secret: Option<Secret>,
    /// The one token-endpoint authentication method this client may use.
    pub auth_method: AuthMethod,
    /// The PEM public key (`-----BEGIN PUBLIC KEY-----`, RSA or P-256) a
    /// `private_key_jwt` client's assertions are verified with.
    pub public_key: Option<String>,
    /// Registered redirect URIs, compared by exact string (RFC 9700 §4.1.3).
    pub redirect_uris: Vec<String>,
    /// Scopes this client may request.
    pub scopes: Vec<String>,
    /// Grant types this client may use at the token endpoint.
    pub grant_types: Vec<GrantType>,
    /// The ID-token algorithm registered for this client (OIDC Dynamic
    /// Client Registration §2 `id_token_signed_response_alg`); `None` means
    /// the server's [`Config::id_token_alg`]. `HS256` needs a secret.
    pub id_token_signed_response_alg: Option<IdTokenAlg>,
}

/// A user who can log in at the login page.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub username: String,
    pub password: Secret,
    /// Stable subject identifier (OIDC Core §2).
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// Lifetimes, written in YAML as humantime strings (`60s`, `1h`, `300ms`).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ttl {
    #[serde(deserialize_with = "humantime_duration")]
    pub code: Duration,
    #[serde(deserialize_with = "humantime_duration")]
    pub access: Duration,
    #[serde(deserialize_with = "humantime_duration")]
    pub refresh: Duration,
}

/// Endpoint paths (absolute paths on the issuer's origin).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paths {
    pub authorize: String,
    pub token: String,
    pub revoke: String,
    pub introspect: String,
    pub userinfo: String,
    pub jwks: String,
    /// Protected resource accepting any valid access token.
    pub resource: String,
    /// Protected resource that needs the `api.write` scope.
    pub scoped_resource: String,
    /// A second protected resource: it accepts only access tokens issued
    /// for it with the RFC 8707 `resource` parameter.
    pub second_resource: String,
    pub login: String,
    pub consent: String,
    /// Dynamic client registration (RFC 7591).
    pub register: String,
}

/// Access token format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessTokenFormat {
    /// Random strings known only to the server.
    #[default]
    Opaque,
    /// RS256-signed JWTs (RFC 9068 shape); still revocable because the server
    /// remembers every token it issued.
    Jwt,
}

/// ID token signing algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum IdTokenAlg {
    #[default]
    RS256,
    ES256,
    /// HMAC with the client secret (OIDC Core §10.1): per client only.
    HS256,
}

impl Config {
    /// Reads and checks a YAML configuration file.
    pub fn from_yaml_file(path: &Path) -> Result<Config, ServerError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServerError::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse_yaml(&text, Some(path))
    }

    /// Parses and checks a YAML configuration.
    pub fn from_yaml_str(text: &str) -> Result<Config, ServerError> {
        Config::parse_yaml(text, None)
    }

    fn parse_yaml(text: &str, path: Option<&Path>) -> Result<Config, ServerError> {
        // An empty document means "all defaults", which YAML parses as null.
        let config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_saphyr::from_str::<Config>(text).map_err(|error| ServerError::ParseConfig {
                path: path.map(Path::to_path_buf),
                message: error.to_string(),
            })?
        };
        config.validate()?;
        Ok(config)
    }

    /// Whether a flaw is switched on.
    pub fn has(&self, flaw: Flaw) -> bool {
        self.flaws.contains(&flaw)
    }

    /// Whether a quirk is switched on.
    pub fn quirk(&self, quirk: Quirk) -> bool {
        self.quirks.contains(&quirk)
    }

    /// This configuration with one more flaw switched on.
    pub fn with_flaw(mut self, flaw: Flaw) -> Config {
        self.flaws.insert(flaw);
        self
    }

    /// The algorithm of ID tokens for `client`: its registration, else —
    /// under the `id-token-hs256` quirk — HS256 for confidential clients,
    /// else the server's [`Config::id_token_alg`].
    pub fn id_token_alg_for(&self, client: &ClientConfig) -> IdTokenAlg {
        match client.id_token_signed_response_alg {
            Some(alg) => alg,
            None if client.is_confidential() && self.quirk(Quirk::IdTokenHs256) => {
                IdTokenAlg::HS256
            }
            None => self.id_token_alg,
        }
    }

    /// The client with this `client_id`.
    pub fn client(&self, id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|client| client.id == id)
    }

    /// The user with this login name.
    pub fn user_by_name(&self, username: &str) -> Option<&UserConfig> {
        self.users.iter().find(|user| user.username == username)
    }

    /// The user with this subject identifier.
    pub fn user_by_sub(&self, sub: &str) -> Option<&UserConfig> {
        self.users.iter().find(|user| user.sub == sub)
    }
}

impl ClientConfig {
    /// Whether the client can authenticate: a secret or a registered key
    /// (RFC 6749 §2.1).
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some() || self.auth_method == AuthMethod::PrivateKeyJwt
    }

    /// Whether the client may use a grant type.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Whether the client may request a scope value.
    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|allowed| allowed == scope)
    }
}

/// The YAML shape of a client, before defaults that depend on other fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClientConfig {
    id: String,
    #[serde(default)]
    secret: Option<Secret>,
    #[serde(default)]
    auth_method: Option<AuthMethod>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    grant_types: Option<Vec<GrantType>>,
    #[serde(default)]
    id_token_signed_response_alg: Option<IdTokenAlg>,
}

/// A client entry whose secret and authentication method disagree.
#[derive(Debug, thiserror::Error)]
pub enum ClientConfigError {
    #[error("client `{0}` has a secret but auth_method `none`")]
    SecretWithNone(String),
    #[error("client `{id}` uses `{method}` but has no secret")]
    NoSecret { id: String, method: &'static str },
    #[error("client `{0}` registers HS256 ID tokens but has no secret to sign them with")]
    Hs256WithoutSecret(String),
    #[error("client `{0}` uses `private_key_jwt` but has no `public_key`")]
    NoPublicKey(String),
}

impl TryFrom<RawClientConfig> for ClientConfig {
    type Error = ClientConfigError;

    fn try_from(raw: RawClientConfig) -> Result<ClientConfig, ClientConfigError> {
        let auth_method = match (raw.auth_method, &raw.secret) {
            (Some(method), _) => method,
            (None, Some(_)) => AuthMethod::ClientSecretBasic,
            (None, None) => AuthMethod::None,
        };
        match (auth_method, &raw.secret) {
            (AuthMethod::None, Some(_)) => {
                return Err(ClientConfigError::SecretWithNone(raw.id));
            }
            (
                AuthMethod::ClientSecretBasic
                | AuthMethod::ClientSecretPost
                | AuthMethod::ClientSecretJwt,
                None,
            ) => {
                return Err(ClientConfigError::NoSecret {
                    id: raw.id,
                    method: auth_method.as_str(),
                });
            }
            _ => {}
        }
        if auth_method == AuthMethod::PrivateKeyJwt && raw.public_key.is_none() {
            return Err(ClientConfigError::NoPublicKey(raw.id));
        }
        if raw.id_token_signed_response_alg == Some(IdTokenAlg::HS256) && raw.secret.is_none() {
            return Err(ClientConfigError::Hs256WithoutSecret(raw.id));
        }
        let grant_types = raw.grant_types.unwrap_or_else(|| {
            let mut grants = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
            if raw.secret.is_some() {
                grants.push(GrantType::ClientCredentials);
            }
            grants
        });
        Ok(ClientConfig {
            id: raw.id,
            secret: raw.secret,
            auth_method,
            public_key: raw.public_key,
            redirect_uris: raw.redirect_uris,
            scopes: raw.scopes,
            grant_types,
            id_token_signed_response_alg: raw.id_token_signed_response_alg,
        })
    }
}

fn humantime_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text)
        .map_err(|error| serde::de::Error::custom(format!("invalid duration `{text}`: {error}")))
}
