//! A starter profile from a discovery document (`oauthcheck init`): the
//! endpoints, the capabilities the metadata advertises, and commented
//! placeholders for what only the user knows (clients, a test user).
//!
//! Text generation only; fetching the document is `discovery`'s job.

use serde_json::{Map, Value};

/// The profile text for an issuer whose metadata is `metadata`.
pub fn starter_profile(issuer: &str, metadata: &Map<String, Value>) -> String {
    let has = |name: &str| metadata.get(name).and_then(Value::as_str).is_some();
    let list = |name: &str| -> Vec<String> {
        metadata
            .get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let grants = list("grant_types_supported");
    let auth_methods = list("token_endpoint_auth_methods_supported");
    let pkce_methods = list("code_challenge_methods_supported");
    let scopes = list("scopes_supported");
    let mut capabilities: Vec<&str> = vec!["second_client", "public_client", "consent", "wait"];
    if grants.iter().any(|g| g == "refresh_token") || grants.is_empty() {
        capabilities.push("refresh_token");
    }
    if pkce_methods.iter().any(|m| m == "S256") {
        capabilities.push("pkce");
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
    if scopes.iter().any(|s| s == "openid") || has("userinfo_endpoint") {
        capabilities.push("oidc");
    }
    if grants.iter().any(|g| g == "client_credentials") {
        capabilities.push("client_credentials");
    }
    if metadata.get("authorization_response_iss_parameter_supported") == Some(&Value::Bool(true)) {
        capabilities.push("iss_parameter");
    }
    let main_method =
        if auth_methods.is_empty() || auth_methods.iter().any(|m| m == "client_secret_basic") {
            "client_secret_basic"
        } else if auth_methods.iter().any(|m| m == "client_secret_post") {
            "client_secret_post"
        } else {
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
    let note = |name: &str| {
        let values = list(name);
        if values.is_empty() {
            "not advertised".to_string()
        } else {
            values.join(", ")
        }
    };
    format!(
        r#"# Starter profile for {issuer}, written by `oauthcheck init` from its
# discovery document. Fill in the clients and the user (secrets from the
# environment), check the capabilities, then: oauthcheck run --target <this file>
#
# Advertised: token_endpoint_auth_methods_supported: {auth}
#             code_challenge_methods_supported: {pkce}
#             grant_types_supported: {grants}
name: {name}
issuer: {issuer}                # discovery fills the endpoints
# endpoints:
#   resource: https://api.example.com/me   # a URL accepting this AS's access tokens (capability `resource`)
clients:
  main:                         # FILL IN: a confidential client registered for the harness
    id: CHANGE-ME
    secret: "${{env:OAUTHCHECK_MAIN_SECRET}}"
    redirect_uri: https://client.example/cb   # must be registered; never visited
    auth_method: {main_method}
  other:                        # FILL IN: a second confidential client (or drop it and `second_client`)
    id: CHANGE-ME-2
    secret: "${{env:OAUTHCHECK_OTHER_SECRET}}"
    redirect_uri: https://client.example/cb2
    auth_method: client_secret_post
  public:                       # FILL IN: a public client (or drop it and `public_client`)
    id: CHANGE-ME-PUBLIC
    redirect_uri: https://client.example/spa
user:                           # FILL IN: a test user who can log in and consent
  username: CHANGE-ME
  password: "${{env:OAUTHCHECK_PASSWORD}}"
capabilities: [{capabilities}]
timing: {{ code_ttl: 60s }}       # CHECK: your server's authorization code lifetime
limits: {{ rate: 20, timeout: 10s }}
scopes: {{ default: "{default_scope}" }}
"#,
        auth = note("token_endpoint_auth_methods_supported"),
        pkce = note("code_challenge_methods_supported"),
        grants = note("grant_types_supported"),
        name = profile_name(issuer),
        capabilities = capabilities.join(", "),
    )
}

/// A short name for the profile from the issuer's host.
fn profile_name(issuer: &str) -> String {
    url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.replace('.', "-")))
        .unwrap_or_else(|| "my-as".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_starter_profile_loads_and_infers_capabilities() {
        let metadata: Map<String, Value> = serde_json::from_str(
            r#"{"issuer":"http://127.0.0.1:9401","authorization_endpoint":"http://127.0.0.1:9401/auth",
                "token_endpoint":"http://127.0.0.1:9401/token","revocation_endpoint":"http://127.0.0.1:9401/token/revocation",
                "code_challenge_methods_supported":["S256"],"grant_types_supported":["authorization_code","refresh_token"],
                "token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],
                "scopes_supported":["openid","offline_access","email"],
                "authorization_response_iss_parameter_supported":true}"#,
        )
        .unwrap();
        let text = starter_profile("http://127.0.0.1:9401", &metadata);
        let profile = super::super::raw::parse_profile(
            Path::new("init.yaml"),
            &text,
            super::super::raw::Env::Optional,
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let names: Vec<&str> = profile.capabilities.iter().map(|c| c.name()).collect();
        for expected in [
            "pkce",
            "revocation",
            "refresh_token",
            "oidc",
            "iss_parameter",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(!names.contains(&"introspection"));
        assert_eq!(profile.scopes.default, "openid offline_access");
    }
}
