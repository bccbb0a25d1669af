//! Quirk switches: legal variations of the reference server, the mirror of
//! flaws. A quirk is a behaviour the specifications allow that differs from
//! the server's default — each one is how some real server behaves. The
//! quirk self-test runs every suite with each quirk on (alone, and all
//! compatible quirks together): no trial may fail, warn or error, which
//! proves the checks judge what the specifications judge and no more.
//!
//! A quirk must stay within what the cited specification allows; a quirk
//! that breaks a MUST is a flaw. This file only names and describes quirks;
//! the endpoints consult them.

crate::server::switch::switches! {
    /// One legal variation of the reference server's behaviour.
    Quirk, "quirk", "`oauthcheck serve --list-quirks` lists them";

    NoErrorDescription = "no-error-description":
        "error responses and error redirects carry only `error`: `error_description` is OPTIONAL (RFC 6749 §4.1.2.1, §5.2)",
    RefreshIntrospectionUnsupported = "refresh-introspection-unsupported":
        "introspecting a refresh token answers `{\"active\":false}` (RFC 7662 §2.2: `active:false` for a token the caller may not introspect)",
    IntrospectionAudience = "introspection-audience":
        "a client may introspect only tokens issued to it; any other token answers `{\"active\":false}` (RFC 7662 §2.2, §4)",
    RefreshScopeIgnored = "refresh-scope-ignored":
        "a refresh asking for a wider scope gets 200 and a token with the original scope (no escalation; RFC 6749 §6 only forbids granting more)",
    PkceRequired = "pkce-required":
        "every authorization request must carry `code_challenge`, even a confidential client's OpenID Connect request with a nonce (OAuth 2.1 §7.5.1 still RECOMMENDS it there), or it is refused with `invalid_request`",
    RememberedConsent = "remembered-consent":
        "consent is stored per user and confidential client and not asked again, unless the request has `prompt=consent` (OIDC Core §3.1.2.1; public clients are always asked, RFC 6749 §10.2)",
    ConsentCheckbox = "consent-checkbox":
        "approval needs a ticked confirmation checkbox, and scopes are checkboxes; an unticked confirmation re-shows the page",
    JsDeny = "js-deny":
        "the consent page's deny control is a `type=button` with an onclick handler and no form semantics",
    ErrorPage200 = "error-page-200":
        "errors that must not be redirected (untrusted redirect URI, unknown client) are HTML pages with status 200",
    EmptyStateEcho = "empty-state-echo":
        "an empty `state=` comes back on the redirect when the request carried none (harmless: nothing is invented)",
    UnsupportedGrantForMissing = "unsupported-grant-for-missing":
        "a token request without `grant_type` answers `unsupported_grant_type` instead of `invalid_request`",
    LoopbackAnyPort = "loopback-any-port":
        "`localhost` redirect URIs, like loopback IP literals, match on any port (RFC 8252 §7.3); the embedded target's main client is then registered with one",
    NoRotationConfidential = "no-rotation-confidential":
        "confidential clients keep their refresh token: the refresh response issues none (RFC 6749 §6: a new one MAY be issued; RFC 9700 §4.14.2 requires rotation of public clients only)",
    SessionRotation = "session-rotation":
        "the login session gets a new id with every code issued, and the old id stops working (as oidc-provider renews its session)",
    IdTokenHs256 = "id-token-hs256":
        "confidential clients are registered with `id_token_signed_response_alg: HS256`: their ID tokens are MAC-signed with the client secret (OIDC Core §10.1)",
    OpaqueAccessTokens = "opaque-access-tokens":
        "access tokens are opaque strings, not RFC 9068 JWTs (RFC 6749 §1.4: their format is the server's business); the embedded target then declares no `jwt_access_tokens`",
    BearerQueryToken = "bearer-query-token":
        "the resource endpoints also take an access token from the `access_token` URL query parameter when no Authorization header is sent (RFC 6750 §2.3: resource servers MAY support it)",
    RevokeForeignRefused = "revoke-foreign-refused":
        "revoking another client's token is refused with 400 `unauthorized_client` instead of an empty 200 (RFC 7009 §2.1: \"the request is refused and the client is informed of the error\")",
    NonceRequiresOpenid = "nonce-requires-openid":
        "an authorization request with `nonce` but without the `openid` scope is refused with `invalid_request` (as oidc-provider does: OIDC Core defines `nonce` for OpenID requests)",
    IdentifierFirst = "identifier-first":
        "the login is two pages, as Keycloak's, ZITADEL's and Auth0's identifier-first logins: the username alone, then the password with the username in a hidden field; a wrong password shows the password page again (401)",
    ClientRedirect302 = "client-redirect-302":
        "redirects to the client (codes and errors, also answering the consent form's POST) are `302 Found`; the login POST keeps `303` (RFC 9700 §4.12.1 asks for 303 only for requests carrying user credentials)",
    UserAuthTime = "user-auth-time":
        "`auth_time` and `max_age` count the user's latest login in any browser, not the session's own (OIDC Core §3.1.2.1: \"the last time the End-User was actively authenticated by the OP\"; django-oidc-provider uses the user's `last_login`)",
}

impl Quirk {
    /// Pairs of quirks that cannot be on together (none today); the combined
    /// self-test switches on every quirk not excluded by an earlier one.
    pub const INCOMPATIBLE: &[(Quirk, Quirk)] = &[];

    /// Every quirk that can be on together with all the others before it.
    pub fn compatible_set() -> Vec<Quirk> {
        let mut set: Vec<Quirk> = Vec::new();
        for quirk in Quirk::ALL {
            let clashes = set.iter().any(|on| {
                Quirk::INCOMPATIBLE
                    .iter()
                    .any(|&(a, b)| (a == *on && b == *quirk) || (b == *on && a == *quirk))
            });
            if !clashes {
                set.push(*quirk);
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for quirk in Quirk::ALL {
            assert!(seen.insert(quirk.id()), "duplicate id {}", quirk.id());
            assert_eq!(Quirk::from_id(quirk.id()), Some(*quirk));
            assert!(!quirk.description().is_empty());
        }
        assert!(Quirk::unknown_message("pkce-requred").contains("did you mean `pkce-required`"));
    }
}
