//! A starter profile from an issuer's merged discovery metadata (`oauthcheck
//! init`): the capabilities the metadata advertises, the clients the user
//! named, and a list of what the metadata cannot tell (code lifetime,
//! consent, introspection audience, …) for the user to settle by hand.
//!
//! It declares nothing it cannot back: `second_client` and `public_client`
//! only for clients given on the command line, `pkce` only when S256 is
//! advertised. Text generation only; fetching is `discovery`'s job.

use serde_json::{Map, Value};

use crate::oauth::GrantType;

/// The clients the user named for the starter profile (`--client`, …).
#[derive(Debug, Clone, Default)]
pub struct StarterClients {
    /// The main confidential client's id; a placeholder when `None`.
    pub main: Option<String>,
    /// A second confidential client: declares `second_client`.
    pub other: Option<String>,
    /// A public client: declares `public_client`.
    pub public: Option<String>,
}

/// How `init` reached the server (`--cacert`, `--proxy`, `--insecure`):
/// the run needs the same, so the profile says so.
#[derive(Debug, Clone, Default)]
pub struct StarterTransport {
    /// CA files (absolute paths) trusted for discovery; the profile names
    /// the first as `limits.ca_file` (it holds one) and lists the rest.
    pub ca_files: Vec<String>,
    /// The proxy discovery went through, for `limits.proxy`, without its
    /// `user:password@` (a profile is a file people commit).
    pub proxy: Option<String>,
    /// The proxy URL had credentials, left out of the profile.
    pub proxy_credentials_left_out: bool,
    /// Discovery ran without certificate verification, which a profile
    /// cannot ask for: the run needs `--insecure` again.
    pub insecure: bool,
}

/// A starter profile and what the metadata could not tell.
#[derive(Debug, Clone)]
pub struct Starter {
    /// The profile text (YAML with comments).
    pub text: String,
    /// The profile's name: the issuer's host and, when given, port.
    pub name: String,
    /// One sentence per thing to check by hand (also in the text as comments).
    pub not_inferred: Vec<String>,
}

/// The starter profile for `issuer`, whose merged metadata is `metadata`.
pub fn starter_profile(
    issuer: &str,
    metadata: &Map<String, Value>,
    clients: &StarterClients,
    transport: &StarterTransport,
) -> Starter {
    let has = |name: &str| metadata.get(name).and_then(Value::as_str).is_some();
    let list = |name: &str| -> Option<Vec<String>> {
        metadata.get(name).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
    };
    let grants = list("grant_types_supported");
    let auth_methods = list("token_endpoint_auth_methods_supported").unwrap_or_default();
    let pkce_methods = list("code_challenge_methods_supported");
    let scopes = list("scopes_supported").unwrap_or_default();
    let mut not_inferred = vec![
        "the authorization code lifetime: no metadata member gives it; `timing.code_ttl: 60s` is a guess".to_string(),
        "consent: whether the server shows a consent page that can be denied; add `consent` to the capabilities if it does".to_string(),
        "a protected resource accepting this server's access tokens: set `endpoints.resource` and add `resource`".to_string(),
    ];
    for extra in transport.ca_files.iter().skip(1) {
        not_inferred.push(format!("`--cacert {extra}`: a profile names one `limits.ca_file`; pass the others to `run` as `--cacert`"));
    }
    if transport.proxy_credentials_left_out {
        not_inferred.push("the proxy's `user:password@` is not written into the profile: add it to `limits.proxy` from the environment, e.g. `http://user:${env:PROXY_PASSWORD}@host:port`".into());
    }
    if transport.insecure {
        not_inferred.push("discovery ran with `--insecure` (no certificate verification), which a profile cannot ask for: run with `--insecure` again, or better trust the server's CA with `limits.ca_file`".into());
    }
    let mut capabilities: Vec<&str> = vec!["wait"];
    if clients.other.is_some() {
        capabilities.push("second_client");
    } else {
        not_inferred.push("a second confidential client: none given (`--other-client ID`), so `second_client` is not declared and the cross-client trials skip".into());
    }
    if clients.public.is_some() {
        capabilities.push("public_client");
    } else {
        not_inferred.push("a public client: none given (`--public-client ID`), so `public_client` is not declared and its trials skip".into());
    }
    match &grants {
        Some(g) if g.iter().any(|g| g == GrantType::RefreshToken.as_str()) => {
            capabilities.push("refresh_token")
        }
        Some(_) => {}
        None => {
            capabilities.push("refresh_token");
            not_inferred.push("refresh tokens: `grant_types_supported` is not advertised; `refresh_token` is assumed (RFC 8414's default omits it: remove it if the server issues none)".into());
        }
    }
    match &pkce_methods {
        Some(m) if m.iter().any(|m| m == "S256") => capabilities.push("pkce"),
        Some(_) => not_inferred.push(
            "PKCE: `code_challenge_methods_supported` lacks S256, so `pkce` is not declared".into(),
        ),
        None => not_inferred.push(
            "PKCE support is not advertised (`code_challenge_methods_supported` is absent): add `pkce` if the server supports S256".into(),
        ),
    }
    for (endpoint, capability) in [
        ("revocation_endpoint", "revocation"),
        ("introspection_endpoint", "introspection"),
        ("userinfo_endpoint", "userinfo"),
    ] {
        if has(endpoint) {
            capabilities.push(capability);
        }
    }
    if has("introspection_endpoint") {
        not_inferred.push("introspection audience: whether `main` may introspect tokens issued to other clients (a server may answer `active: false` for them, RFC 7662 §2.2)".into());
    }
    if scopes.iter().any(|s| s == "openid") || has("userinfo_endpoint") {
        capabilities.push("oidc");
    }
    if grants
        .iter()
        .flatten()
        .any(|g| g == GrantType::ClientCredentials.as_str())
    {
        capabilities.push("client_credentials");
    }
    if metadata.get("authorization_response_iss_parameter_supported") == Some(&Value::Bool(true)) {
        capabilities.push("iss_parameter");
    }
    let main_method = if auth_methods.is_empty()
        || auth_methods.iter().any(|m| m == "client_secret_basic")
    {
        "client_secret_basic"
    } else if auth_methods.iter().any(|m| m == "client_secret_post") {
        "client_secret_post"
    } else {
        not_inferred.push("client authentication: the server advertises neither `client_secret_basic` nor `client_secret_post`".into());
        "client_secret_basic  # the server advertises neither basic nor post: check"
    };
    let default_scope = if capabilities.contains(&"oidc") {
        let mut s = vec!["openid"];
        if scopes.iter().any(|s| s == "offline_access") {
            s.push("offline_access");
        }
        s.join(" ")
    } else {
        scopes.first().cloned().unwrap_or_default()
    };
    let note = |name: &str| match list(name) {
        Some(values) if !values.is_empty() => values.join(", "),
        _ => "not advertised".to_string(),
    };
    let name = profile_name(issuer);
    let main_id = clients.main.as_deref().unwrap_or("CHANGE-ME");
    let mut client_text = format!(
        r#"  main:                         # a confidential client registered for the harness
    id: {main_id}
    secret: "${{env:OAUTHCHECK_MAIN_SECRET}}"
    redirect_uri: https://client.example/cb   # FILL IN: must be registered; never visited
    auth_method: {main_method}
"#
    );
    match &clients.other {
        Some(id) => client_text.push_str(&format!(
            r#"  other:                        # a second confidential client
    id: {id}
    secret: "${{env:OAUTHCHECK_OTHER_SECRET}}"
    redirect_uri: https://client.example/cb2  # FILL IN
    auth_method: client_secret_post
"#
        )),
        None => client_text.push_str(
            "  # other: { id: …, secret: \"${env:OAUTHCHECK_OTHER_SECRET}\", redirect_uri: … }   # then add `second_client`\n",
        ),
    }
    match &clients.public {
        Some(id) => client_text.push_str(&format!(
            r#"  public:                       # a public client (no secret, PKCE)
    id: {id}
    redirect_uri: https://client.example/spa  # FILL IN
"#
        )),
        None => client_text
            .push_str("  # public: { id: …, redirect_uri: … }   # then add `public_client`\n"),
    }
    let not_inferred_text: String = not_inferred
        .iter()
        .map(|line| format!("#   - {line}\n"))
        .collect();
    let text = format!(
        r#"# Starter profile for {issuer}, written by `oauthcheck init` from its
# discovery metadata. Fill in the clients and the user (secrets from the
# environment), check the capabilities, then: oauthcheck run --target <this file>
#
# Advertised: token_endpoint_auth_methods_supported: {auth}
#             code_challenge_methods_supported: {pkce}
#             grant_types_supported: {grants}
#
# Not inferred from the metadata (check each by hand):
{not_inferred_text}name: {name}
issuer: {issuer}                # discovery fills the endpoints
# endpoints:
#   resource: https://api.example.com/me   # a URL accepting this AS's access tokens (capability `resource`)
clients:
{client_text}user:                           # FILL IN: a test user who can log in and consent
  username: CHANGE-ME
  password: "${{env:OAUTHCHECK_PASSWORD}}"
capabilities: [{capabilities}]
timing: {{ code_ttl: 60s }}       # CHECK: your server's authorization code lifetime
limits: {{ rate: 20, timeout: 10s{transport_limits} }}
scopes: {{ default: "{default_scope}" }}
"#,
        auth = note("token_endpoint_auth_methods_supported"),
        pkce = note("code_challenge_methods_supported"),
        grants = note("grant_types_supported"),
        capabilities = capabilities.join(", "),
        transport_limits = transport_limits(transport),
    );
    Starter {
        text,
        name,
        not_inferred,
    }
}

/// `, ca_file: "…", proxy: "…"` for the starter's `limits`, as `init` was
/// given them (YAML double-quoted strings).
fn transport_limits(transport: &StarterTransport) -> String {
    let quoted = |text: &str| serde_json::Value::String(text.to_string()).to_string();
    let mut out = String::new();
    if let Some(ca) = transport.ca_files.first() {
        out.push_str(&format!(", ca_file: {}", quoted(ca)));
    }
    if let Some(proxy) = &transport.proxy {
        out.push_str(&format!(", proxy: {}", quoted(proxy)));
    }
    out
}

/// A short name for the profile from the issuer's host and explicit port
/// (`as-example-com`, `127-0-0-1-9400`): two servers on one host differ.
fn profile_name(issuer: &str) -> String {
    let Ok(url) = url::Url::parse(issuer) else {
        return "my-as".into();
    };
    let Some(host) = url.host_str() else {
        return "my-as".into();
    };
    let mut name: String = host
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    name = name.trim_matches('-').to_string();
    if let Some(port) = url.port() {
        name.push_str(&format!("-{port}"));
    }
    if name.is_empty() {
        "my-as".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn metadata(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).unwrap()
    }

    fn capabilities(text: &str) -> Vec<String> {
        let profile = super::super::raw::parse_profile(
            Path::new("init.yaml"),
            text,
            super::super::raw::Env::Optional,
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
        profile
            .capabilities
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }

    #[test]
    fn the_starter_profile_loads_and_infers_capabilities() {
        let metadata = metadata(
            r#"{"issuer":"http://127.0.0.1:9401","authorization_endpoint":"http://127.0.0.1:9401/auth",
                "token_endpoint":"http://127.0.0.1:9401/token","revocation_endpoint":"http://127.0.0.1:9401/token/revocation",
                "code_challenge_methods_supported":["S256"],"grant_types_supported":["authorization_code","refresh_token"],
                "token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],
                "scopes_supported":["openid","offline_access","email"],
                "authorization_response_iss_parameter_supported":true}"#,
        );
        let starter = starter_profile(
            "http://127.0.0.1:9401",
            &metadata,
            &StarterClients::default(),
            &StarterTransport::default(),
        );
        let names = capabilities(&starter.text);
        for expected in [
            "pkce",
            "revocation",
            "refresh_token",
            "oidc",
            "iss_parameter",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n == "introspection"));
        assert_eq!(starter.name, "127-0-0-1-9401");
        assert!(starter.text.contains("name: 127-0-0-1-9401"));
        let profile = super::super::raw::parse_profile(
            Path::new("init.yaml"),
            &starter.text,
            super::super::raw::Env::Optional,
        )
        .unwrap();
        assert_eq!(profile.scopes.default, "openid offline_access");
    }

    #[test]
    fn clients_are_declared_only_when_given() {
        let metadata = metadata(r#"{"code_challenge_methods_supported":["S256"]}"#);
        let without = starter_profile(
            "https://as.example",
            &metadata,
            &StarterClients::default(),
            &StarterTransport::default(),
        );
        let names = capabilities(&without.text);
        assert!(
            !names
                .iter()
                .any(|n| n == "second_client" || n == "public_client")
        );
        assert!(!without.text.contains("\n  other:"), "{}", without.text);
        assert_eq!(without.name, "as-example");
        let with = starter_profile(
            "https://as.example:8443/realms/x",
            &metadata,
            &StarterClients {
                main: Some("harness".into()),
                other: Some("harness-2".into()),
                public: Some("spa".into()),
            },
            &StarterTransport::default(),
        );
        let names = capabilities(&with.text);
        assert!(names.iter().any(|n| n == "second_client"), "{names:?}");
        assert!(names.iter().any(|n| n == "public_client"), "{names:?}");
        assert!(with.text.contains("id: harness-2"));
        assert_eq!(with.name, "as-example-8443");
    }

    #[test]
    fn the_transport_init_used_goes_into_limits_without_proxy_credentials() {
        let metadata = metadata(r#"{"code_challenge_methods_supported":["S256"]}"#);
        let starter = starter_profile(
            "https://as.example",
            &metadata,
            &StarterClients::default(),
            &StarterTransport {
                ca_files: vec!["/etc/ca.pem".into(), "/etc/other.pem".into()],
                proxy: Some("http://127.0.0.1:8080".into()),
                proxy_credentials_left_out: true,
                insecure: false,
            },
        );
        assert!(
            starter.text.contains(
                r#"limits: { rate: 20, timeout: 10s, ca_file: "/etc/ca.pem", proxy: "http://127.0.0.1:8080" }"#
            ),
            "{}",
            starter.text
        );
        let all = starter.not_inferred.join("\n");
        assert!(all.contains("--cacert /etc/other.pem"), "{all}");
        assert!(all.contains("`user:password@` is not written"), "{all}");
    }

    #[test]
    fn what_the_metadata_cannot_tell_is_listed() {
        let metadata = metadata(
            r#"{"introspection_endpoint":"https://as.example/introspect","grant_types_supported":["authorization_code"]}"#,
        );
        let starter = starter_profile(
            "https://as.example",
            &metadata,
            &StarterClients::default(),
            &StarterTransport::default(),
        );
        let all = starter.not_inferred.join("\n");
        for needle in [
            "code lifetime",
            "PKCE support is not advertised",
            "introspection audience",
            "consent",
        ] {
            assert!(all.contains(needle), "`{needle}` not listed:\n{all}");
            assert!(starter.text.contains(needle), "`{needle}` not in the text");
        }
        let names = capabilities(&starter.text);
        assert!(!names.iter().any(|n| n == "pkce" || n == "refresh_token"));
    }
}
