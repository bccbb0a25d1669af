//! The built-in profile of the embedded reference server: the target a new
//! user's first run, every test and every flaw proof aim at.
//!
//! It mirrors the server's configuration (clients, user, TTLs, paths) so the
//! two cannot drift apart; it reads the server's config, never the reverse.

use std::collections::BTreeSet;

use super::{Client, Endpoints, EndpointsOrigin, Limits, Profile, ProfileError, Scopes, Timing};
use crate::agent::LoginConfig;
use crate::oauth::AuthMethod;
use crate::server::{AccessTokenFormat, ClientConfig, ServerHandle};
use crate::suite::Capability;

/// How the harness reaches a reference server: never through a proxy, and
/// in TLS mode trusting the CA the server generated.
fn reference_transport(server: &ServerHandle) -> Result<crate::agent::Transport, ProfileError> {
    let ca = match &server.ca_pem {
        Some(pem) => vec![
            crate::agent::TrustedCa::from_pem("the reference server's CA", pem.as_bytes())
                .map_err(|_| ProfileError::Reference("usable TLS certificate"))?,
        ],
        None => Vec::new(),
    };
    Ok(crate::agent::Transport {
        ca,
        insecure: false,
        proxy: crate::agent::ProxyRoute::Direct,
    })
}

/// The profile for a running reference server.
/// Fails (rather than panics) for a configuration the harness cannot act in:
/// no confidential client, or no user.
pub fn reference_profile(server: &ServerHandle) -> Result<Profile, ProfileError> {
    let config = server.config();
    let issuer = server.issuer.clone();
    let url = |path: &str| server.url(path);
    let by_method = |wanted: fn(&AuthMethod) -> bool| {
        config
            .clients
            .iter()
            .filter(move |c| wanted(&c.auth_method))
    };
    let mut confidential = by_method(|m| !matches!(m, AuthMethod::None));
    let main = confidential
        .next()
        .map(client)
        .ok_or(ProfileError::Reference("confidential client"))?;
    let other = confidential.next().map(client);
    let public = by_method(|m| matches!(m, AuthMethod::None))
        .next()
        .map(client);
    let user = config
        .users
        .first()
        .ok_or(ProfileError::Reference("user to log in as"))?;
    let capabilities: BTreeSet<Capability> = [
        Capability::Consent,
        Capability::RefreshToken,
        Capability::Pkce,
        Capability::Revocation,
        Capability::Introspection,
        Capability::Oidc,
        Capability::Userinfo,
        Capability::ClientCredentials,
        Capability::Resource,
        Capability::Wait,
        Capability::RegisteredAuthMethod,
        Capability::IssParameter,
        Capability::ScopedResource,
        Capability::SecondResource,
        // The embedded server is the harness's own: probes may be intrusive.
        Capability::Intrusive,
        Capability::Dcr,
    ]
    .into_iter()
    .chain(
        (config.access_token_format == AccessTokenFormat::Jwt)
            .then_some(Capability::JwtAccessTokens),
    )
    .chain(other.is_some().then_some(Capability::SecondClient))
    .chain(public.is_some().then_some(Capability::PublicClient))
    .chain((!main.other_redirect_uris.is_empty()).then_some(Capability::MultiRedirect))
    .chain(
        public
            .as_ref()
            .is_some_and(|p| p.redirect_uri.starts_with("http://127.0.0.1"))
            .then_some(Capability::LoopbackClient),
    )
    .collect();
    let standard = crate::standard::StandardSet::default_for(|c| capabilities.contains(&c));
    Ok(Profile {
        name: "reference".into(),
        issuer: Some(issuer.clone()),
        endpoints: Endpoints {
            authorization: url(&config.paths.authorize),
            token: url(&config.paths.token),
            revocation: Some(url(&config.paths.revoke)),
            registration: Some(url(&config.paths.register)),
            introspection: Some(url(&config.paths.introspect)),
            userinfo: Some(url(&config.paths.userinfo)),
            jwks: Some(url(&config.paths.jwks)),
            resource: Some(url(&config.paths.resource)),
            scoped_resource: Some(url(&config.paths.scoped_resource)),
            second_resource: Some(url(&config.paths.second_resource)),
        },
        main,
        other,
        public,
        username: user.username.clone(),
        password: user.password.clone(),
        login: LoginConfig::default(),
        capabilities,
        timing: Timing {
            code_ttl: Some(config.ttl.code),
            access_ttl: Some(config.ttl.access),
            refresh_idle: None,
            refresh_ttl: Some(config.ttl.refresh),
        },
        limits: Limits {
            transport: reference_transport(server)?,
            ..Limits::default()
        },
        scopes: Scopes {
            default: "openid profile api.read".into(),
            extra: Some("api.write".into()),
            forbidden: Some("admin".into()),
        },
        // Its sessions survive concurrent authorizations, and reusing one
        // keeps the mechanism exercised by every run.
        reuse_session: true,
        endpoints_origin: EndpointsOrigin::Strict,
        standard,
        warnings: Vec::new(),
    })
}

fn client(config: &ClientConfig) -> Client {
    let mut uris = config.redirect_uris.iter().cloned();
    Client {
        id: config.id.clone(),
        secret: config.secret.clone(),
        redirect_uri: uris.next().unwrap_or_default(),
        other_redirect_uris: uris.collect(),
        auth_method: config.auth_method,
        // The server holds the public key only: a test that registers a
        // `private_key_jwt` client gives the profile its private key.
        key: None,
    }
}
