//! The default configuration: the profile the harness's built-in target
//! mirrors. Change nothing here without changing that profile.
//!
//! **Every secret and password in this file is TEST-ONLY.** They are public in
//! the source code and protect nothing; never reuse them outside a test.

use std::collections::BTreeSet;
use std::time::Duration;

use super::model::{
    AccessTokenFormat, AuthMethod, ClientConfig, Config, GrantType, IdTokenAlg, Paths, Ttl,
    UserConfig,
};
use crate::oauth::Secret;

/// Secret of the default client `app`. TEST-ONLY: public in the source.
pub const APP_SECRET: &str = "app-secret-TEST-ONLY-not-a-real-secret";
/// Secret of the default client `app2`. TEST-ONLY: public in the source.
pub const APP2_SECRET: &str = "app2-secret-TEST-ONLY-not-a-real-secret";
/// Password of the default user `alice`. TEST-ONLY: public in the source.
pub const ALICE_PASSWORD: &str = "alice-password-TEST-ONLY";

/// Scopes every default client may request.
const CLIENT_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "api.read",
    "api.write",
];

/// `admin` exists at the server but no default client may request it, so a
/// request for it tests "forbidden" rather than "unknown" scope.
const SERVER_ONLY_SCOPES: &[&str] = &["admin"];

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| value.to_string()).collect()
}

fn confidential_grants() -> Vec<GrantType> {
    vec![
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
    ]
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: None,
            issuer: None,
            clients: vec![
                ClientConfig {
                    id: "app".into(),
                    secret: Some(Secret::new(APP_SECRET)),
                    auth_method: AuthMethod::ClientSecretBasic,
                    public_key: None,
                    redirect_uris: strings(&[
                        "https://client.example/cb",
                        "https://client.example/cb-alt",
                    ]),
                    scopes: strings(CLIENT_SCOPES),
                    grant_types: confidential_grants(),
                    id_token_signed_response_alg: None,
                },
                ClientConfig {
                    id: "app2".into(),
                    secret: Some(Secret::new(APP2_SECRET)),
                    auth_method: AuthMethod::ClientSecretPost,
                    public_key: None,
                    redirect_uris: strings(&["https://other.example/cb2"]),
                    scopes: strings(CLIENT_SCOPES),
                    grant_types: confidential_grants(),
                    id_token_signed_response_alg: None,
                },
                ClientConfig {
                    id: "spa".into(),
                    secret: None,
                    auth_method: AuthMethod::None,
                    public_key: None,
                    // A native app's loopback URI first (RFC 8252 §7.3: any
                    // port), so the built-in profile declares `loopback_client`.
                    redirect_uris: strings(&["http://127.0.0.1/cb", "https://spa.example/cb"]),
                    scopes: strings(CLIENT_SCOPES),
                    grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
                    id_token_signed_response_alg: None,
                },
            ],
            users: vec![UserConfig {
                username: "alice".into(),
                password: Secret::new(ALICE_PASSWORD),
                sub: "alice-0001".into(),
                name: Some("Alice Example".into()),
                email: Some("alice@example.com".into()),
            }],
            scopes: strings(CLIENT_SCOPES)
                .into_iter()
                .chain(strings(SERVER_ONLY_SCOPES))
                .collect(),
            ttl: Ttl::default(),
            paths: Paths::default(),
            access_token_format: AccessTokenFormat::Opaque,
            id_token_alg: IdTokenAlg::RS256,
            flaws: BTreeSet::new(),
            quirks: BTreeSet::new(),
            hashing: Default::default(),
            tls: Default::default(),
        }
    }
}

impl Default for Ttl {
    fn default() -> Ttl {
        Ttl {
            code: Duration::from_secs(60),
            access: Duration::from_secs(3600),
            refresh: Duration::from_secs(86400),
        }
    }
}

impl Default for Paths {
    fn default() -> Paths {
        Paths {
            authorize: "/authorize".into(),
            token: "/token".into(),
            revoke: "/revoke".into(),
            introspect: "/introspect".into(),
            userinfo: "/userinfo".into(),
            jwks: "/jwks".into(),
            resource: "/api/me".into(),
            scoped_resource: "/api/write".into(),
            second_resource: "/api/other".into(),
            login: "/login".into(),
            consent: "/consent".into(),
            register: "/register".into(),
        }
    }
}
