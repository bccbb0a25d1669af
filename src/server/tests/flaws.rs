//! Every flaw, table-driven: its probe sees the correct behaviour on the
//! default server, the broken behaviour with the flaw on, and the happy path
//! still works with the flaw on.
//!
//! The probe is a `match` over [`Flaw`], so a new flaw does not compile until
//! it has one. Each probe returning `false` on the default server is also the
//! "holds by default" test of the rule the flaw switches off.

use std::time::Duration;

use tokio::task::JoinSet;

use super::client::{
    APP, APP_CB, APP_CB_ALT, APP2, Auth, AuthRequest, Browser, Decision, Form, Outcome, Reply, SPA,
    SPA_CB, TestServer, http, send, start,
};
use super::happy_path::{happy_path, verify_id_token};
use crate::server::pkce::s256;
use crate::server::{ALICE_PASSWORD, APP_SECRET, APP2_SECRET, Config, Flaw};

/// A code TTL short enough to wait out in a test, long enough for a flow.
const SHORT_CODE_TTL: Duration = Duration::from_millis(1500);

/// Whether the behaviour `flaw` breaks is broken on a server with `config`.
async fn shows(flaw: Flaw, config: Config) -> bool {
    let mut config = config;
    if flaw == Flaw::CodeExpiry {
        config.ttl.code = SHORT_CODE_TTL;
    }
    super::flaws_back::prepare(flaw, &mut config);
    if matches!(flaw, Flaw::TlsHttpsOnly | Flaw::TlsConfig) {
        return tls_shows(flaw, config).await;
    }
    let server = start(config).await;
    let s = &server;
    match flaw {
        Flaw::RedirectExactMatch => reaches_client(s, "https://other.example/cb2").await,
        Flaw::RedirectExtraPath => reaches_client(s, "https://client.example/cb/extra").await,
        Flaw::RedirectPathTraversal => reaches_client(s, "https://client.example/./cb").await,
        Flaw::RedirectAddedQuery => reaches_client(s, "https://client.example/cb?x=1").await,
        Flaw::RedirectPortChange => reaches_client(s, "https://client.example:8443/cb").await,
        Flaw::RedirectSchemeDowngrade => reaches_client(s, "http://client.example/cb").await,
        Flaw::RedirectCaseChange => reaches_client(s, "https://client.example/CB").await,
        Flaw::RedirectSubdomain => reaches_client(s, "https://evil.client.example/cb").await,
        Flaw::RedirectErrorNoRedirect => {
            let request = AuthRequest::app()
                .set("redirect_uri", "https://attacker.example/cb")
                .set("response_type", "foo");
            !s.browser()
                .flow(&request, Decision::Approve)
                .await
                .is_page()
        }
        Flaw::RedirectPathTraversalPrefix => {
            reaches_client(s, "https://client.example/cb/%252e%252e/x").await
        }
        Flaw::RedirectSchemeUnchecked => reaches_client(s, "javascript:alert(1)").await,
        Flaw::RedirectSubdomainAuthorityParsing => {
            reaches_client(s, "https://attacker.example\\@client.example/cb").await
        }
        Flaw::RedirectSubdomainSuffix => {
            reaches_client(s, "https://attackerclient.example/cb").await
        }
        Flaw::StateExactEchoDecoded => echoes_other_state(s, "a+b%2Fc").await,
        Flaw::StateExactEchoHtmlEscaped => echoes_other_state(s, "{\"a\":1}").await,
        Flaw::StateExactEcho => {
            let long = "s".repeat(100);
            let request = AuthRequest::app().set("state", &long);
            let echoed = s.browser().flow(&request, Decision::Approve).await;
            echoed.params().get("state") != Some(&long)
        }
        Flaw::CodeSingleUse => {
            let granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            assert_eq!(s.redeem(&APP, &granted).await.status, 200);
            s.redeem(&APP, &granted).await.status == 200
        }
        Flaw::CodeReuseRevokesTokens => {
            let granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            let first = s.redeem(&APP, &granted).await.json();
            assert_eq!(s.redeem(&APP, &granted).await.status, 400);
            s.active(first["access_token"].as_str().unwrap()).await
        }
        Flaw::CodeExpiry => {
            let granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            tokio::time::sleep(SHORT_CODE_TTL + Duration::from_millis(300)).await;
            s.redeem(&APP, &granted).await.status == 200
        }
        Flaw::CodeBoundToClient => {
            let granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            s.redeem(&APP2, &granted).await.status == 200
        }
        Flaw::CodeBoundToRedirectUri => {
            let mut granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            granted.redirect_uri = APP_CB_ALT.into();
            s.redeem(&APP, &granted).await.status == 200
        }
        Flaw::ClientAuthBadSecret => client_credentials(s, &Auth::Basic("app", "wrong")).await,
        Flaw::ClientAuthMissingSecret => client_credentials(s, &Auth::IdOnly("app")).await,
        Flaw::ClientAuthOtherClientSecret => {
            client_credentials(s, &Auth::Basic("app", APP2_SECRET)).await
        }
        Flaw::PkceMissingVerifier => redeem_with_verifier(s, |_| None).await,
        Flaw::PkceWrongVerifier => redeem_with_verifier(s, |_| Some("w".repeat(43))).await,
        Flaw::PkcePlainDowngrade => redeem_with_verifier(s, |verifier| Some(s256(verifier))).await,
        Flaw::PkceDowngrade => {
            let request = AuthRequest::app()
                .omit("code_challenge")
                .omit("code_challenge_method");
            let granted = s
                .browser()
                .flow(&request, Decision::Approve)
                .await
                .granted();
            let verifier = "v".repeat(43);
            let reply = s
                .token(
                    &APP,
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &granted.code),
                        ("redirect_uri", APP_CB),
                        ("code_verifier", &verifier),
                    ],
                )
                .await;
            reply.status == 200
        }
        Flaw::PkceS256Required => {
            let verifier = "p".repeat(43);
            let request = AuthRequest::app()
                .set("code_challenge", &verifier)
                .set("code_challenge_method", "plain");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::RefreshRotation => {
            let tokens = s.tokens(&spa_request(), &SPA).await;
            let first = tokens["refresh_token"].as_str().unwrap();
            let reply = s.refresh(&SPA, first, None).await;
            assert_eq!(reply.status, 200);
            reply.json()["refresh_token"].is_null()
                && s.refresh(&SPA, first, None).await.status == 200
        }
        Flaw::RefreshOldRejected => {
            let (first, _) = rotated(s).await;
            s.refresh(&APP, &first, None).await.status == 200
        }
        Flaw::RefreshReuseRevokesFamily => {
            let (first, second) = rotated(s).await;
            assert_eq!(s.refresh(&APP, &first, None).await.status, 400);
            s.refresh(&APP, &second, None).await.status == 200
        }
        Flaw::RefreshBoundToClient => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            s.refresh(&APP2, refresh, None).await.status == 200
        }
        Flaw::RefreshScopeNoEscalation => {
            let request = AuthRequest::app().set("scope", "openid api.read");
            let tokens = s.tokens(&request, &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            let reply = s
                .refresh(&APP, refresh, Some("openid api.read api.write"))
                .await;
            reply.status == 200
        }
        Flaw::TokenNoStoreHeader => {
            let reply = s.token(&APP, &[("grant_type", "client_credentials")]).await;
            assert_eq!(reply.status, 200);
            reply.header("cache-control") != Some("no-store")
                || reply.header("pragma") != Some("no-cache")
        }
        Flaw::ErrorFormat => {
            let reply = s
                .token(&APP, &[("grant_type", "urn:example:unknown")])
                .await;
            assert_eq!(reply.status, 400);
            assert_eq!(reply.error(), "unsupported_grant_type");
            !reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json"))
                || reply.json()["error_description"]
                    .as_str()
                    .unwrap()
                    .contains('"')
        }
        Flaw::IssInAllResponses => {
            let request = AuthRequest::app().set("scope", "openid no-such-scope");
            let outcome = s.browser().flow(&request, Decision::Approve).await;
            assert_eq!(outcome.params()["error"], "invalid_scope");
            !outcome.params().contains_key("iss")
        }
        Flaw::HeadersAntiFraming => {
            let browser = s.browser();
            let first = browser.authorize(&AuthRequest::app()).await;
            let login = browser.get(first.location().unwrap()).await;
            assert_eq!(login.status, 200);
            login.header("x-frame-options").is_none()
                && !login
                    .header("content-security-policy")
                    .is_some_and(|csp| csp.contains("frame-ancestors"))
        }
        Flaw::IdTokenNonce => {
            let request = AuthRequest::app();
            let tokens = s.tokens(&request, &APP).await;
            let claims: serde_json::Value =
                jsonwebtoken::dangerous::insecure_decode(tokens["id_token"].as_str().unwrap())
                    .unwrap()
                    .claims;
            claims["nonce"].as_str() != request.get("nonce")
        }
        Flaw::IdTokenSignature => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            verify_id_token(s, tokens["id_token"].as_str().unwrap())
                .await
                .is_err()
        }
        Flaw::BearerRevoked401 => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let access = tokens["access_token"].as_str().unwrap();
            assert_eq!(s.revoke(&APP, access).await.status, 200);
            assert!(
                !s.active(access).await,
                "introspection must still say inactive"
            );
            s.bearer("/api/me", access).await.status == 200
                || s.bearer("/userinfo", access).await.status == 200
        }
        Flaw::AuthzAccessDenied => s
            .browser()
            .flow(&AuthRequest::app(), Decision::Deny)
            .await
            .has_code(),
        Flaw::AuthzUserAuthenticationRequired => {
            // A wrong password either re-shows the form (401) or lets alice in.
            let browser = s.browser();
            let mut reply = browser.authorize(&AuthRequest::app()).await;
            while let Some(location) = reply.location().map(str::to_string) {
                reply = browser.get(&location).await;
            }
            let mut form = Form::scrape(&reply.body).expect("the login form");
            form.set("username", "alice");
            form.set("password", "not-alices-password");
            browser.submit(&form, None).await.status != 401
        }
        Flaw::IntrospectAuthRequired => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let reply = s
                .introspect(&Auth::Nothing, tokens["access_token"].as_str().unwrap())
                .await;
            reply.status == 200
        }
        Flaw::ResponseTypeInvalid => {
            let request = AuthRequest::app().set("response_type", "foo");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::StateEchoOnError => {
            let request = AuthRequest::app().set("scope", "openid no-such-scope");
            let outcome = s.browser().flow(&request, Decision::Approve).await;
            assert_eq!(outcome.params()["error"], "invalid_scope");
            outcome.params().get("state").map(String::as_str) != request.get("state")
        }
        Flaw::TokenPostBodyOnly => {
            let path = "/token?grant_type=client_credentials";
            s.post_form(path, &APP, &[]).await.status == 200
        }
        Flaw::ErrorGrantType => s.token(&APP, &[("scope", "api.read")]).await.status == 200,
        Flaw::GrantPasswordDisabled => {
            let wrong = s
                .token(
                    &APP,
                    &[
                        ("grant_type", "password"),
                        ("username", "alice"),
                        ("password", "wrong"),
                    ],
                )
                .await;
            assert_eq!(wrong.status, 400);
            let right = s
                .token(
                    &APP,
                    &[
                        ("grant_type", "password"),
                        ("username", "alice"),
                        ("password", ALICE_PASSWORD),
                    ],
                )
                .await;
            right.status == 200
        }
        Flaw::GrantClientCredentials => {
            let reply = s.token(&SPA, &[("grant_type", "client_credentials")]).await;
            reply.status == 200
        }
        Flaw::RevokeRefreshToken => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            assert_eq!(s.revoke(&APP, refresh).await.status, 200);
            s.refresh(&APP, refresh, None).await.status == 200
        }
        Flaw::RevokeCascade => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            assert_eq!(s.revoke(&APP, refresh).await.status, 200);
            assert_eq!(s.refresh(&APP, refresh, None).await.status, 400);
            s.active(tokens["access_token"].as_str().unwrap()).await
        }
        Flaw::RevokeAccessToken => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let access = tokens["access_token"].as_str().unwrap();
            assert_eq!(s.revoke(&APP, access).await.status, 200);
            s.active(access).await
        }
        Flaw::RevokeInvalidToken200 => s.revoke(&APP, "no-such-token").await.status != 200,
        Flaw::IntrospectActiveResponse => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let reply = s
                .introspect(&APP, tokens["refresh_token"].as_str().unwrap())
                .await;
            reply.json()["active"] != serde_json::Value::Bool(true)
        }
        Flaw::IntrospectInactiveMinimal => s.introspect(&APP, "no-such-token").await.status != 200,
        Flaw::BearerChallenge => {
            let reply = s.get("/api/me").await;
            assert_eq!(reply.status, 401);
            reply.header("www-authenticate").is_none()
        }
        Flaw::OidcUserinfo => {
            let request = AuthRequest::app().set("scope", "api.read");
            let tokens = s.tokens(&request, &APP).await;
            let access = tokens["access_token"].as_str().unwrap();
            s.bearer("/userinfo", access).await.status == 200
        }
        Flaw::OidcPromptNone => {
            let request = AuthRequest::app().set("prompt", "none");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .params()
                .get("error")
                .is_none()
        }
        Flaw::IdTokenIss => id_token_claims(s).await["iss"] != s.issuer(),
        Flaw::IdTokenAudAzp => id_token_claims(s).await["aud"] != "app",
        Flaw::IdTokenExpIat => {
            let claims = id_token_claims(s).await;
            claims["exp"].as_u64() <= claims["iat"].as_u64()
        }
        Flaw::IssValueConsistent => {
            let outcome = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await;
            outcome.params()["iss"] != s.issuer()
        }
        Flaw::MetaDocument => metadata(s).await.get("response_types_supported").is_none(),
        Flaw::MetaIssuerConsistency => metadata(s).await["issuer"] != s.issuer(),
        Flaw::MetaPkceAdvertised => metadata(s)
            .await
            .get("code_challenge_methods_supported")
            .is_none(),
        Flaw::RedirectFragment => {
            let request = AuthRequest::app().set("redirect_uri", "https://client.example/cb#frag");
            !s.browser()
                .flow(&request, Decision::Approve)
                .await
                .is_page()
        }
        Flaw::RedirectMissingWhenMultiple => {
            let request = AuthRequest::app()
                .omit("redirect_uri")
                .set("scope", "api.read");
            !s.browser()
                .flow(&request, Decision::Approve)
                .await
                .is_page()
        }
        Flaw::AuthzImplicitDisabled => {
            let request = AuthRequest::app().set("response_type", "token");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .location()
                .is_some_and(|location| location.contains("access_token="))
        }
        Flaw::RequestDuplicateParams => {
            let request = AuthRequest::app()
                .omit("redirect_uri")
                .add("redirect_uri", "https://attacker.example/cb")
                .add("redirect_uri", APP_CB);
            !s.browser()
                .flow(&request, Decision::Approve)
                .await
                .is_page()
        }
        Flaw::RequestParamHygiene => {
            let request = spa_request()
                .omit("code_challenge")
                .omit("code_challenge_method")
                .add("code_challenge", "");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::ScopeInvalid => {
            let request = AuthRequest::app().set("scope", "openid admin");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::ScopeGrantedReported => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            let reply = s.refresh(&APP, refresh, Some("api.read")).await;
            assert_eq!(reply.status, 200);
            reply.json()["scope"] != "api.read"
        }
        Flaw::StateReflectionSafe => {
            let request = AuthRequest::app()
                .set("redirect_uri", "https://attacker.example/<b>x</b>")
                .set("state", "<i>y</i>");
            match s.browser().flow(&request, Decision::Approve).await {
                Outcome::Page(reply) => reply.body.contains("<i>y</i>"),
                Outcome::Client { location, .. } => panic!("redirected to {location}"),
            }
        }
        Flaw::PkceRequiredPublic => {
            let request = spa_request()
                .omit("code_challenge")
                .omit("code_challenge_method");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::PkceRequiredConfidential => {
            let request = AuthRequest::app()
                .omit("code_challenge")
                .omit("code_challenge_method")
                .omit("nonce");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::PkceUnsupportedMethod => {
            let request = AuthRequest::app().set("code_challenge_method", "S512");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::PkceSyntax => {
            let request = AuthRequest::app().set("code_challenge", "too-short");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .has_code()
        }
        Flaw::PkceConstantChallenge => {
            let first = AuthRequest::app();
            assert!(s.browser().flow(&first, Decision::Approve).await.has_code());
            let challenge = first.get("code_challenge").unwrap().to_string();
            let second = AuthRequest::app().set("code_challenge", &challenge);
            let mut granted = s.browser().flow(&second, Decision::Approve).await.granted();
            granted.verifier = None;
            s.redeem(&APP, &granted).await.status == 200
        }
        Flaw::OidcMaxAgePromptLogin => {
            let browser = s.browser();
            let first = browser.flow(&AuthRequest::app(), Decision::Approve).await;
            assert!(first.has_code());
            let again = browser
                .authorize(&AuthRequest::app().set("prompt", "login"))
                .await;
            // A session in use goes straight to consent; re-login to login.
            again
                .location()
                .is_some_and(|location| location.contains("/consent"))
        }
        Flaw::OidcOpenidScope => {
            let request = AuthRequest::app().set("scope", "api.read openid");
            s.tokens(&request, &APP).await.get("id_token").is_none()
        }
        Flaw::IdTokenAlgNotNone => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            jwt_part(tokens["id_token"].as_str().unwrap(), 0)["alg"] == "none"
        }
        Flaw::IdTokenRefreshConsistency => {
            let tokens = s.tokens(&AuthRequest::app(), &APP).await;
            let refresh = tokens["refresh_token"].as_str().unwrap();
            let refreshed = s.refresh(&APP, refresh, None).await.json();
            let sub =
                |token: &serde_json::Value| jwt_part(token.as_str().unwrap(), 1)["sub"].clone();
            sub(&tokens["id_token"]) != sub(&refreshed["id_token"])
        }
        Flaw::IdTokenSub => id_token_claims(s).await["sub"] != "alice-0001",
        Flaw::IdTokenHashClaims => {
            // The left half of SHA-256 is 16 bytes: 22 base64url characters.
            let at_hash = id_token_claims(s).await["at_hash"].clone();
            at_hash.as_str().map(str::len) != Some(22)
        }
        Flaw::HeadersNoCorsAuthz => {
            let request = http()
                .get(s.url("/authorize?client_id=app"))
                .header("origin", "https://attacker.example");
            send(request)
                .await
                .header("access-control-allow-origin")
                .is_some()
        }
        Flaw::HeadersNo307 => {
            let browser = s.browser();
            let mut form = Form::scrape(&login_page(&browser).await.body).expect("the login form");
            form.set("username", "alice");
            form.set("password", ALICE_PASSWORD);
            browser.submit(&form, None).await.status == 307
        }
        Flaw::RedirectLoopbackPort => {
            let request = AuthRequest::new("spa", "http://127.0.0.1:53219/cb", "openid api.read");
            s.browser()
                .flow(&request, Decision::Approve)
                .await
                .is_page()
        }
        Flaw::AuthzErrorBeforeAuth => {
            let request = AuthRequest::app().set("scope", "openid no-such-scope");
            let reply = s.browser().authorize(&request).await;
            reply
                .location()
                .is_some_and(|location| location.starts_with(APP_CB))
        }
        Flaw::HeadersReferrerLeakage => login_page(&s.browser())
            .await
            .body
            .contains("https://analytics.example"),
        Flaw::AuthzPublicClientReconsent => {
            let browser = s.browser();
            assert!(
                browser
                    .flow(&spa_request(), Decision::Approve)
                    .await
                    .has_code()
            );
            let reply = browser.authorize(&spa_request()).await;
            // The consent URL shows its page, or redirects at once.
            let consent = browser.get(reply.location().unwrap()).await;
            consent.status == 303
        }
        Flaw::CsrfConsentForm => {
            let browser = s.browser();
            let mut form = browser.consent_form(&AuthRequest::app()).await;
            assert!(form.field("csrf").is_some(), "{form:?}");
            form.fields.retain(|(name, _)| name != "csrf");
            let reply = browser.submit(&form, Some("approve")).await;
            reply.location().is_some_and(|l| l.contains("code="))
        }
        Flaw::CodeConcurrentRedemption => {
            let granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            let (a, b) = tokio::join!(s.redeem(&APP, &granted), s.redeem(&APP, &granted));
            // A later replay is refused either way.
            assert_eq!(s.redeem(&APP, &granted).await.status, 400);
            a.status == 200 && b.status == 200
        }
        Flaw::EntropyArtifacts => {
            let mut codes = Vec::new();
            for _ in 0..2 {
                let outcome = s
                    .browser()
                    .flow(&AuthRequest::app(), Decision::Approve)
                    .await;
                codes.push(outcome.granted().code);
            }
            let shared = codes[0]
                .chars()
                .zip(codes[1].chars())
                .take_while(|(a, b)| a == b)
                .count();
            shared > 16
        }
        Flaw::ClientAuthMethodMismatch => {
            client_credentials(s, &Auth::Post("app", APP_SECRET)).await
        }
        Flaw::ClientAuthMultipleMethods => {
            let params = [
                ("grant_type", "client_credentials"),
                ("client_secret", "not-the-secret"),
            ];
            let reply = s.token(&APP, &params).await;
            if reply.status != 200 {
                assert_eq!(reply.status, 400, "{}", reply.body);
                assert_eq!(reply.error(), "invalid_request");
            }
            reply.status == 200
        }
        Flaw::RedirectHttpRegistration => {
            let body = serde_json::json!({ "redirect_uris": ["http://dyn.example/cb"] });
            s.post_raw(
                "/register",
                "application/json",
                body.to_string().into_bytes(),
            )
            .await
            .status
                == 201
        }
        Flaw::TlsHttpsOnly | Flaw::TlsConfig => unreachable!("probed over TLS above"),
        Flaw::TokenExpiresIn
        | Flaw::TokenResponseFormat
        | Flaw::TokenTypeConfusion
        | Flaw::ErrorInvalidGrantFormat
        | Flaw::CodeInvalidReplayNoRevoke
        | Flaw::RefreshScopePreserved
        | Flaw::RefreshExpiry
        | Flaw::BearerExpired401
        | Flaw::BearerInsufficientScope
        | Flaw::BearerTokenTransport
        | Flaw::BearerAudience
        | Flaw::RevokeClientBinding
        | Flaw::RevokeHintFallback
        | Flaw::MetaJwksPublicOnly
        | Flaw::MetaAdvertisedMatchesBehaviour
        | Flaw::ProxyHeaderSpoofing
        | Flaw::ClientAuthBruteforce
        | Flaw::JwtAtTyp
        | Flaw::JwtAtSignature
        | Flaw::JwtAtClaims => super::flaws_back::shows(flaw, s)
            .await
            .expect("flaws_back probes it"),
    }
}

/// The `tls.*` flaws, on a server in TLS mode, seen on the wire: a plain
/// HTTP request answered, or a TLS 1.1-only ClientHello answered with a
/// ServerHello.
async fn tls_shows(flaw: Flaw, mut config: Config) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    config.tls.enabled = true;
    let server = crate::server::spawn(config)
        .await
        .expect("the server starts");
    let mut stream = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let hello: Vec<u8> = {
        let mut body = vec![3, 2];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[0, 0, 2, 0x00, 0x2f, 1, 0]);
        let mut handshake = vec![1, 0, 0, body.len() as u8];
        handshake.extend_from_slice(&body);
        let mut record = vec![0x16, 3, 1, 0, handshake.len() as u8];
        record.extend_from_slice(&handshake);
        record
    };
    let sent: &[u8] = match flaw {
        Flaw::TlsHttpsOnly => b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        _ => &hello,
    };
    stream.write_all(sent).await.expect("write");
    let mut head = [0u8; 11];
    let mut got = 0;
    while got < head.len() {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut head[got..])).await {
            Ok(Ok(n)) if n > 0 => got += n,
            _ => break,
        }
    }
    server.shutdown().await;
    match flaw {
        Flaw::TlsHttpsOnly => head[..got].starts_with(b"HTTP/1.1 2"),
        _ => got == 11 && head[0] == 0x16 && head[5] == 2 && head[9..11] == [3, 2],
    }
}

/// A public-client request (`spa`).
fn spa_request() -> AuthRequest {
    AuthRequest::new("spa", SPA_CB, "openid api.read")
}

/// The login page of a fresh authorization in `browser`.
async fn login_page(browser: &Browser) -> Reply {
    let mut reply = browser.authorize(&AuthRequest::app()).await;
    while let Some(location) = reply.location().map(str::to_string) {
        reply = browser.get(&location).await;
    }
    reply
}

/// A JWT's header (0) or payload (1), decoded without any check.
fn jwt_part(token: &str, index: usize) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(index).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The claims of an ID token for `app`, unverified.
async fn id_token_claims(server: &TestServer) -> serde_json::Value {
    let tokens = server.tokens(&AuthRequest::app(), &APP).await;
    jsonwebtoken::dangerous::insecure_decode(tokens["id_token"].as_str().unwrap())
        .unwrap()
        .claims
}

/// The discovery metadata.
async fn metadata(server: &TestServer) -> serde_json::Value {
    let reply = server.get("/.well-known/openid-configuration").await;
    assert_eq!(reply.status, 200);
    reply.json()
}

/// Whether an approved flow with this redirect URI ends at the client.
/// Whether `state` comes back changed from an approved flow.
async fn echoes_other_state(server: &TestServer, state: &str) -> bool {
    let request = AuthRequest::app().set("state", state);
    let echoed = server.browser().flow(&request, Decision::Approve).await;
    echoed.params().get("state").map(String::as_str) != Some(state)
}

async fn reaches_client(server: &TestServer, redirect_uri: &str) -> bool {
    let request = AuthRequest::app().set("redirect_uri", redirect_uri);
    match server.browser().flow(&request, Decision::Approve).await {
        Outcome::Client { location, .. } => {
            assert!(location.starts_with(redirect_uri), "{location}");
            true
        }
        Outcome::Page(reply) => {
            assert_eq!(reply.status, 400);
            false
        }
    }
}

async fn client_credentials(server: &TestServer, auth: &Auth<'_>) -> bool {
    let reply = server
        .token(auth, &[("grant_type", "client_credentials")])
        .await;
    if reply.status != 200 {
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.error(), "invalid_client");
    }
    reply.status == 200
}

/// Runs a flow for the public client and redeems with the verifier `change`
/// makes of the real one.
async fn redeem_with_verifier(
    server: &TestServer,
    change: impl Fn(&str) -> Option<String>,
) -> bool {
    let request = AuthRequest::new("spa", SPA_CB, "openid api.read");
    let mut granted = server
        .browser()
        .flow(&request, Decision::Approve)
        .await
        .granted();
    granted.verifier = change(granted.verifier.as_deref().unwrap());
    let reply = server.redeem(&SPA, &granted).await;
    if reply.status != 200 {
        assert_eq!(reply.status, 400);
        assert_eq!(reply.error(), "invalid_grant");
    }
    reply.status == 200
}

/// RT1 → RT2 for `app`.
async fn rotated(server: &TestServer) -> (String, String) {
    let tokens = server.tokens(&AuthRequest::app(), &APP).await;
    let first = tokens["refresh_token"].as_str().unwrap().to_string();
    let reply = server.refresh(&APP, &first, None).await;
    assert_eq!(reply.status, 200);
    let second = reply.json()["refresh_token"].as_str().unwrap().to_string();
    (first, second)
}

/// One flaw: default holds, flaw breaks it, happy path survives.
async fn check(flaw: Flaw) -> Result<(), String> {
    if shows(flaw, Config::default()).await {
        return Err(format!("{flaw}: the default server already shows the flaw"));
    }
    let flawed = Config::default().with_flaw(flaw);
    if !shows(flaw, flawed.clone()).await {
        return Err(format!("{flaw}: switching the flaw on changed nothing"));
    }
    // These two drop a member of the token response the happy path asserts.
    if !matches!(flaw, Flaw::TokenExpiresIn | Flaw::TokenResponseFormat) {
        let server = start(flawed).await;
        happy_path(&server).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flaw_breaks_its_rule_and_nothing_on_the_happy_path() {
    let mut checks = JoinSet::new();
    for flaw in Flaw::ALL {
        let flaw = *flaw;
        checks.spawn(async move { (flaw, check(flaw).await) });
    }
    let mut failures = Vec::new();
    while let Some(joined) = checks.join_next().await {
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((_, Err(message))) => failures.push(message),
            Err(panic) => failures.push(format!("a flaw check panicked: {panic}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn error_no_redirect_never_sends_a_code_to_an_unvalidated_uri() {
    let server = start(Config::default().with_flaw(Flaw::RedirectErrorNoRedirect)).await;
    let attacker = AuthRequest::app().set("redirect_uri", "https://attacker.example/cb");
    assert!(
        server
            .browser()
            .flow(&attacker, Decision::Approve)
            .await
            .is_page()
    );
    let denied = server.browser().flow(&attacker, Decision::Deny).await;
    assert_eq!(denied.params()["error"], "access_denied");
    let unknown = AuthRequest::app()
        .set("client_id", "nobody")
        .set("redirect_uri", "https://attacker.example/cb");
    assert!(
        !server
            .browser()
            .flow(&unknown, Decision::Approve)
            .await
            .is_page()
    );
}

#[tokio::test]
async fn nonce_flaw_also_invents_a_nonce() {
    let server = start(Config::default().with_flaw(Flaw::IdTokenNonce)).await;
    let tokens = server.tokens(&AuthRequest::app().omit("nonce"), &APP).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(id_token)
        .unwrap()
        .claims;
    assert!(claims["nonce"].is_string(), "{claims}");
    // Refreshed ID tokens stay without nonce (OIDC Core §12.2).
    let refreshed = server
        .refresh(&APP, tokens["refresh_token"].as_str().unwrap(), None)
        .await
        .json();
    let claims: serde_json::Value =
        jsonwebtoken::dangerous::insecure_decode(refreshed["id_token"].as_str().unwrap())
            .unwrap()
            .claims;
    assert!(claims.get("nonce").is_none());
}

#[tokio::test]
async fn state_flaw_also_invents_a_state() {
    let server = start(Config::default().with_flaw(Flaw::StateExactEcho)).await;
    let request = AuthRequest::app().omit("state");
    let outcome = server.browser().flow(&request, Decision::Approve).await;
    assert_eq!(
        outcome.params().get("state").map(String::as_str),
        Some("undefined")
    );
}
