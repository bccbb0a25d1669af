//! Flaw switches: each one makes the reference server break exactly one
//! catalogue requirement, so the harness can prove that the scenario testing
//! that requirement is able to fail.
//!
//! A flaw is named by the catalogue id it breaks and must stay narrow: it may
//! change only the behaviour its description names, never anything else, or
//! the self-test (one flaw → exactly its scenarios fail) loses its meaning.
//! This file only names and describes flaws; the endpoints consult them.

crate::server::switch::switches! {
    /// One deliberate defect of the reference server, named by the
    /// catalogue requirement it breaks.
    Flaw, "flaw", "`oauthcheck serve --list-flaws` lists them";

    RedirectExactMatch = "redirect.exact-match":
        "redirect_uri is checked against a global allow-list: a URI registered for any client is accepted for every client",
    RedirectExtraPath = "redirect.extra-path":
        "the redirect_uri path is compared by prefix: the registered path followed by further characters is accepted",
    RedirectPathTraversal = "redirect.path-traversal":
        "the redirect_uri path is normalised (dot-segments removed, unreserved percent-escapes decoded) before the comparison",
    RedirectAddedQuery = "redirect.added-query":
        "the query of redirect_uri is ignored in the comparison",
    RedirectPortChange = "redirect.port-change":
        "the port of redirect_uri is ignored in the comparison",
    RedirectSchemeDowngrade = "redirect.scheme-downgrade":
        "the scheme of redirect_uri is ignored in the comparison",
    RedirectCaseChange = "redirect.case-change":
        "redirect_uri is compared case-insensitively",
    RedirectSubdomain = "redirect.subdomain":
        "a redirect_uri host matches when it is a subdomain of the registered host or the authority contains the registered host followed by `@` or `.`",
    RedirectErrorNoRedirect = "redirect.error-no-redirect":
        "authorization errors (and unknown or missing clients) are redirected to the supplied redirect_uri without validating it",
    StateExactEcho = "state.exact-echo":
        "state is truncated to 64 characters, and `state=undefined` is added when none was sent",
    CodeSingleUse = "code.single-use":
        "authorization codes can be redeemed any number of times",
    CodeReuseRevokesTokens = "code.reuse-revokes-tokens":
        "a replayed code is refused, but the tokens it issued stay valid",
    CodeExpiry = "code.expiry":
        "authorization codes never expire",
    CodeBoundToClient = "code.bound-to-client":
        "any authenticated client may redeem any code",
    CodeBoundToRedirectUri = "code.bound-to-redirect-uri":
        "the token request's redirect_uri is not compared with the one sent at authorization",
    ClientAuthBadSecret = "client-auth.bad-secret":
        "any non-empty secret is accepted for a known confidential client",
    ClientAuthMissingSecret = "client-auth.missing-secret":
        "a confidential client that sends no secret is treated as public and accepted",
    ClientAuthOtherClientSecret = "client-auth.other-client-secret":
        "a client is authenticated when the secret belongs to any registered client",
    PkceMissingVerifier = "pkce.missing-verifier":
        "a code issued with a challenge is redeemed without a code_verifier",
    PkceWrongVerifier = "pkce.wrong-verifier":
        "any well-formed code_verifier is accepted without comparing it to the challenge",
    PkcePlainDowngrade = "pkce.plain-downgrade":
        "a code_verifier equal to the stored S256 challenge itself is accepted (as if plain)",
    PkceDowngrade = "pkce.downgrade":
        "a code_verifier sent for a code issued without a challenge is ignored instead of refused",
    PkceS256Required = "pkce.s256-required":
        "code_challenge_method=plain (or no method) is accepted and verified as plain",
    RefreshRotation = "refresh.rotation":
        "a public client's refresh token is not rotated: the refresh response issues none and the old one stays the live one",
    RefreshOldRejected = "refresh.old-rejected":
        "a rotated-out refresh token keeps working",
    RefreshReuseRevokesFamily = "refresh.reuse-revokes-family":
        "a rotated-out refresh token is refused, but its family (current refresh token, access tokens) stays valid",
    RefreshBoundToClient = "refresh.bound-to-client":
        "any authenticated client can use any refresh token",
    RefreshScopeNoEscalation = "refresh.scope-no-escalation":
        "a refresh may request any scope the client is allowed, widening the grant",
    TokenNoStoreHeader = "token.no-store-header":
        "token responses lack Cache-Control: no-store and Pragma: no-cache",
    ErrorFormat = "error.format":
        "token endpoint errors are sent as text/plain and their error_description contains a `\"`",
    IssInAllResponses = "iss.in-all-responses":
        "error redirects lack the iss parameter (success redirects keep it)",
    HeadersAntiFraming = "headers.anti-framing":
        "the login and consent pages lack X-Frame-Options and CSP frame-ancestors",
    IdTokenNonce = "idtoken.nonce":
        "ID tokens omit the nonce that was sent, and carry an invented one when none was sent",
    IdTokenSignature = "idtoken.signature":
        "ID tokens are signed with an unpublished key that carries the published key's kid",
    BearerRevoked401 = "bearer.revoked-401":
        "the resource and userinfo endpoints accept revoked access tokens (introspection still reports them inactive)",
    AuthzAccessDenied = "authz.access-denied":
        "pressing deny on the consent page is treated as approve and issues a code",
    AuthzUserAuthenticationRequired = "authz.user-authentication-required":
        "the login form accepts any password for a known user",
    IntrospectAuthRequired = "introspect.auth-required":
        "introspection answers requests that carry no client authentication",
    ResponseTypeInvalid = "response-type.invalid":
        "a missing or unknown response_type is treated as `code` and the flow goes on",
    StateEchoOnError = "state.echo-on-error":
        "error redirects omit state (success redirects keep it)",
    TokenPostBodyOnly = "token.post-body-only":
        "a token POST may carry its parameters in the URL query instead of the body",
    ErrorGrantType = "error.grant-type":
        "a token request without grant_type is taken as the client-credentials grant and issues tokens instead of being refused",
    GrantPasswordDisabled = "grant.password-disabled":
        "the resource-owner password grant is offered: grant_type=password issues tokens for the user's credentials (invalid_grant for wrong ones)",
    GrantClientCredentials = "grant.client-credentials":
        "public clients may use the client-credentials grant with their client_id alone",
    RevokeRefreshToken = "revoke.refresh-token":
        "revoking a refresh token revokes the grant's access tokens, but the refresh token itself keeps working",
    RevokeCascade = "revoke.cascade":
        "revoking a refresh token kills only that token: the grant's access tokens stay active",
    RevokeAccessToken = "revoke.access-token":
        "revoking an access token answers 200 but leaves the token active",
    RevokeInvalidToken200 = "revoke.invalid-token-200":
        "revoking an unknown token answers 400 `invalid_token` instead of 200",
    IntrospectActiveResponse = "introspect.active-response":
        "a live refresh token introspects with `active` as the string `\"true\"` instead of the JSON boolean (access tokens are described correctly)",
    IntrospectInactiveMinimal = "introspect.inactive-minimal":
        "introspecting an unknown token answers 400 `invalid_token` instead of 200 `{\"active\":false}`",
    BearerChallenge = "bearer.challenge":
        "a protected endpoint called without any token answers 401 without a WWW-Authenticate challenge",
    OidcUserinfo = "oidc.userinfo":
        "UserInfo returns the user's claims for an access token granted without `openid`",
    IdTokenIss = "idtoken.iss":
        "ID tokens carry the issuer with a trailing slash added as `iss`",
    IdTokenAudAzp = "idtoken.aud-azp":
        "ID tokens name the issuer as their audience instead of the client (`azp` still names the client)",
    IdTokenExpIat = "idtoken.exp-iat":
        "ID tokens are issued already expired: `exp` lies one hour before `iat`",
    IssValueConsistent = "iss.value-consistent":
        "the iss authorization response parameter carries the issuer with a trailing slash added",
    OidcPromptNone = "oidc.prompt-none":
        "a prompt=none request without a session shows the login page instead of redirecting `login_required`",
    MetaDocument = "meta.document":
        "the metadata omits `response_types_supported`",
    MetaIssuerConsistency = "meta.issuer-consistency":
        "the metadata's `issuer` has a trailing slash the issuer identifier lacks",
    MetaPkceAdvertised = "meta.pkce-advertised":
        "the metadata omits `code_challenge_methods_supported` (PKCE itself still works)",
    RedirectFragment = "redirect.fragment":
        "the fragment of redirect_uri is ignored in the comparison: the registered URI with any `#fragment` added is accepted",
    RedirectMissingWhenMultiple = "redirect.missing-when-multiple":
        "a missing redirect_uri defaults to the client's first registered URI, even when it has several or the request is an OpenID one",
    AuthzImplicitDisabled = "authz.implicit-disabled":
        "response_type=token is served: after consent an access token is sent in the redirect's fragment",
    RequestDuplicateParams = "request.duplicate-params":
        "at the authorization endpoint a repeated parameter is not refused: its last value is used",
    RequestParamHygiene = "request.param-hygiene":
        "an empty `code_challenge=` counts as sent: a public client is let through without PKCE",
    ScopeInvalid = "scope.invalid":
        "authorization requests are not checked against the server's scopes or the client's allowed ones: any well-formed scope is granted",
    ScopeGrantedReported = "scope.granted-reported":
        "a refresh that narrows the scope reports the original grant's scope in its response (the token carries the narrowed one)",
    StateReflectionSafe = "state.reflection-safe":
        "the error page for an unregistered redirect_uri shows that URI and the state without escaping them",
    PkceRequiredPublic = "pkce.required-public":
        "public clients may omit code_challenge",
    PkceRequiredConfidential = "pkce.required-confidential":
        "confidential clients may omit code_challenge even when no OpenID Connect nonce protects the request (RFC 9700 §2.1.1 allows this; OAuth 2.1 §4.1.1 does not)",
    PkceUnsupportedMethod = "pkce.unsupported-method":
        "an unknown code_challenge_method (other than S256 and plain) is ignored and the challenge bound as S256",
    PkceSyntax = "pkce.syntax":
        "the syntax of code_challenge is not checked: any value is bound as the S256 challenge",
    PkceConstantChallenge = "pkce.constant-challenge":
        "a code_challenge already bound to an outstanding code is taken as a retry: the new code is bound to no challenge",
    OidcMaxAgePromptLogin = "oidc.max-age-prompt-login":
        "prompt=login and max_age are ignored when the user has a session: no re-authentication",
    OidcOpenidScope = "oidc.openid-scope":
        "an ID token is issued only when `openid` is the first scope value (RFC 6749 §3.3: the order does not matter)",
    IdTokenAlgNotNone = "idtoken.alg-not-none":
        "ID tokens are unsigned: `alg: none` with an empty signature",
    IdTokenRefreshConsistency = "idtoken.refresh-consistency":
        "ID tokens issued on refresh carry a `sub` other than the login's",
    IdTokenSub = "idtoken.sub":
        "ID tokens carry the username as `sub`, while UserInfo (and introspection) give the subject identifier",
    HeadersNoCorsAuthz = "headers.no-cors-authz":
        "the authorization endpoint answers cross-origin requests: it echoes Origin in Access-Control-Allow-Origin, with credentials",
    IdTokenHashClaims = "idtoken.hash-claims":
        "ID tokens carry as `at_hash` the whole SHA-256 hash of the access token instead of its left half",
    HeadersNo307 = "headers.no-307":
        "the login form's POST is answered with 307, so the browser posts the credentials on to the consent URL (which then shows its page)",
    RedirectLoopbackPort = "redirect.loopback-port":
        "loopback redirect URIs are compared exactly: a port other than the registered one is refused",
    HeadersReferrerLeakage = "headers.referrer-leakage":
        "the login page loads a script from a third-party origin (`https://analytics.example`)",
    AuthzErrorBeforeAuth = "authz.error-before-auth":
        "authorization errors are redirected to the client at once, before the user has logged in",
    AuthzPublicClientReconsent = "authz.public-client-reconsent":
        "a public client's repeated request in the same session is approved silently, without the consent page",
    CsrfConsentForm = "csrf.consent-form":
        "the consent decision neither requires nor compares the form's anti-forgery value (the transaction id still ties it to the session)",
    CodeConcurrentRedemption = "code.concurrent-redemption":
        "a redemption checks that the code is unused, waits 1 s, then redeems it: requests racing within that window all succeed (a later replay is still refused)",
    EntropyArtifacts = "entropy.artifacts":
        "authorization codes are a fixed 36-character prefix and 8 random hex digits: 32 bits to guess",
    ClientAuthMethodMismatch = "client-auth.method-mismatch":
        "a client registered for client_secret_basic or client_secret_post may authenticate with either",
    ClientAuthMultipleMethods = "client-auth.multiple-methods":
        "a request with HTTP Basic and a client_secret in the body is authenticated by the Basic header alone; the body's secret is ignored",
    // Variant flaws: `requirement/variant-tag` ids, each breaking trials of
    // the requirement's scenarios that the requirement's main flaw leaves
    // passing (the self-test maps a flaw to its requirement by the part
    // before `/`, see `Flaw::requirement`).
    RedirectPathTraversalPrefix = "redirect.path-traversal/prefix-then-resolve":
        "a redirect_uri made of the registered URI followed by a `..` segment (raw, percent-encoded once or twice, or as `..;`) is accepted: the path is checked by prefix after decoding, before dot-segments are resolved",
    RedirectSchemeUnchecked = "redirect.scheme-downgrade/opaque-scheme":
        "a redirect_uri with a scheme other than http/https and no `//` authority (javascript:, data:) is taken for a native app's URI and accepted without comparison",
    RedirectSubdomainAuthorityParsing = "redirect.subdomain/authority-parsing":
        "the host of redirect_uri is read as what follows the last `@` before the first `/` or `?`: `\\` and `#` do not end the authority",
    RedirectSubdomainSuffix = "redirect.subdomain/suffix-match":
        "a redirect_uri host matches when it ends with the registered host, with no dot boundary (`attackerclient.example`)",
    StateExactEchoDecoded = "state.exact-echo/form-decoded":
        "state is form-decoded once more before it is echoed: `+` becomes a space and `%XX` escapes are resolved",
    StateExactEchoHtmlEscaped = "state.exact-echo/html-escaped":
        "state is echoed HTML-escaped: `\"` becomes `&quot;`",
    RedirectHttpRegistration = "redirect.http-registration":
        "dynamic client registration accepts plain-http redirect URIs on any host, not only on loopback IP literals",
    TlsHttpsOnly = "tls.https-only":
        "in TLS mode, plain HTTP sent to the TLS port is served too: every endpoint answers in clear",
    TlsConfig = "tls.config":
        "in TLS mode, a ClientHello offering only TLS 1.0/1.1 is answered with a ServerHello for that version",
    TokenExpiresIn = "token.expires-in":
        "token responses omit `expires_in`",
    TokenResponseFormat = "token.response-format":
        "token responses omit `token_type`",
    TokenTypeConfusion = "token.type-confusion":
        "the resource endpoints accept a live refresh token as a Bearer access token",
    ErrorInvalidGrantFormat = "error.invalid-grant-format":
        "an unknown authorization code or refresh token is refused with `invalid_request` instead of `invalid_grant`",
    CodeInvalidReplayNoRevoke = "code.invalid-replay-no-revoke":
        "a used code presented again revokes its tokens before the client, redirect URI and PKCE checks, so an invalid replay revokes too",
    RefreshScopePreserved = "refresh.scope-preserved":
        "a refresh with a narrower scope narrows the new refresh token to it",
    RefreshExpiry = "refresh.expiry":
        "refresh tokens never expire",
    BearerExpired401 = "bearer.expired-401":
        "the resource endpoints accept expired access tokens (introspection still reports them inactive)",
    BearerInsufficientScope = "bearer.insufficient-scope":
        "the scoped resource serves tokens that lack its scope",
    BearerTokenTransport = "bearer.token-transport":
        "the resource endpoints match the Authorization scheme case-sensitively: `bearer …` (lower case) counts as no token",
    BearerAudience = "bearer.audience":
        "the second resource accepts access tokens issued for the first",
    RevokeClientBinding = "revoke.client-binding":
        "any authenticated client may revoke any client's tokens",
    RevokeHintFallback = "revoke.hint-fallback":
        "`token_type_hint` limits the search: a token of the other type is not found, and nothing is revoked (still 200)",
    MetaJwksPublicOnly = "meta.jwks-public-only":
        "the JWK set publishes the RSA key's private members (`d`, `p`, `q`, `dp`, `dq`, `qi`)",
    MetaAdvertisedMatchesBehaviour = "meta.advertised-matches-behaviour":
        "the metadata's `revocation_endpoint` names a path where nothing is served (revocation still works at its real path)",
    ProxyHeaderSpoofing = "proxy.header-spoofing":
        "the metadata builds its issuer and endpoint URLs from a client-sent `X-Forwarded-Host`",
    ClientAuthBruteforce = "client-auth.bruteforce":
        "failed client authentications are never throttled",
    JwtAtTyp = "jwt-at.typ":
        "JWT access tokens carry `typ: JWT` instead of `at+jwt`",
    JwtAtSignature = "jwt-at.signature":
        "JWT access tokens are signed with an unpublished key that carries the published key's kid (the server still accepts them)",
    JwtAtClaims = "jwt-at.claims":
        "JWT access tokens omit `client_id`",
}

impl Flaw {
    /// The catalogue requirement this flaw breaks: its id, or the part
    /// before `/` for a variant flaw (`redirect.subdomain/suffix-match`).
    pub fn requirement(self) -> &'static str {
        self.id()
            .split_once('/')
            .map_or(self.id(), |(requirement, _)| requirement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for flaw in Flaw::ALL {
            assert!(seen.insert(flaw.id()), "duplicate id {}", flaw.id());
            assert_eq!(Flaw::from_id(flaw.id()), Some(*flaw));
            assert!(!flaw.description().is_empty());
        }
        assert_eq!(Flaw::from_id("no.such-flaw"), None);
    }

    #[test]
    fn unknown_id_suggests_the_closest() {
        let message = Flaw::unknown_message("code.single_use");
        assert!(
            message.contains("did you mean `code.single-use`"),
            "{message}"
        );
    }
}
