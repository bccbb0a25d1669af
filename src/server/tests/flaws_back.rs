//! The probes of the back-channel flaws added with the catalogue's token,
//! refresh, bearer, revocation, metadata and JWT-access-token requirements
//! (the rest are in `flaws.rs`, which calls these): each returns whether
//! the server shows the flaw's broken behaviour.

use std::time::Duration;

use super::client::{APP, APP_CB, APP2, Auth, AuthRequest, Decision, TestServer};
use crate::server::{AccessTokenFormat, Config, Flaw};

/// A token lifetime short enough to wait out in a test.
const SHORT_TOKEN_TTL: Duration = Duration::from_millis(1500);

/// What a probe needs of the configuration beyond the defaults.
pub fn prepare(flaw: Flaw, config: &mut Config) {
    match flaw {
        Flaw::BearerExpired401 => config.ttl.access = SHORT_TOKEN_TTL,
        Flaw::RefreshExpiry => config.ttl.refresh = SHORT_TOKEN_TTL,
        Flaw::JwtAtTyp | Flaw::JwtAtSignature | Flaw::JwtAtClaims => {
            config.access_token_format = AccessTokenFormat::Jwt;
        }
        _ => {}
    }
}

/// Whether the server shows `flaw`'s broken behaviour; `None` for a flaw
/// probed in `flaws.rs`.
pub async fn shows(flaw: Flaw, s: &TestServer) -> Option<bool> {
    Some(match flaw {
        Flaw::TokenExpiresIn => tokens(s).await.get("expires_in").is_none(),
        Flaw::TokenResponseFormat => tokens(s).await.get("token_type").is_none(),
        Flaw::TokenTypeConfusion => {
            let tokens = tokens(s).await;
            s.bearer("/api/me", str(&tokens, "refresh_token"))
                .await
                .status
                == 200
        }
        Flaw::ErrorInvalidGrantFormat => {
            let reply = s
                .token(
                    &APP,
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", "no-such-code"),
                        ("redirect_uri", APP_CB),
                    ],
                )
                .await;
            assert_eq!(reply.status, 400);
            reply.error() != "invalid_grant"
        }
        Flaw::CodeInvalidReplayNoRevoke => {
            let granted = s
                .browser()
                .flow(&AuthRequest::app(), Decision::Approve)
                .await
                .granted();
            let first = s.redeem(&APP, &granted).await.json();
            assert_ne!(s.redeem(&APP2, &granted).await.status, 200);
            !s.active(str(&first, "access_token")).await
        }
        Flaw::RefreshScopePreserved => {
            let tokens = tokens(s).await;
            let narrowed = s
                .refresh(&APP, str(&tokens, "refresh_token"), Some("openid"))
                .await
                .json();
            let again = s
                .refresh(&APP, str(&narrowed, "refresh_token"), None)
                .await
                .json();
            again["scope"] != tokens["scope"]
        }
        Flaw::RefreshExpiry => {
            let tokens = tokens(s).await;
            tokio::time::sleep(SHORT_TOKEN_TTL + Duration::from_millis(300)).await;
            s.refresh(&APP, str(&tokens, "refresh_token"), None)
                .await
                .status
                == 200
        }
        Flaw::BearerExpired401 => {
            let tokens = tokens(s).await;
            let access = str(&tokens, "access_token");
            assert_eq!(s.bearer("/api/me", access).await.status, 200);
            tokio::time::sleep(SHORT_TOKEN_TTL + Duration::from_millis(300)).await;
            s.bearer("/api/me", access).await.status == 200
        }
        Flaw::BearerInsufficientScope => {
            let tokens = tokens(s).await;
            s.bearer("/api/write", str(&tokens, "access_token"))
                .await
                .status
                == 200
        }
        Flaw::BearerTokenTransport => {
            let tokens = tokens(s).await;
            let request = super::client::http().get(s.url("/api/me")).header(
                "authorization",
                format!("bearer {}", str(&tokens, "access_token")),
            );
            super::client::send(request).await.status != 200
        }
        Flaw::BearerAudience => {
            let tokens = tokens(s).await;
            s.bearer("/api/other", str(&tokens, "access_token"))
                .await
                .status
                == 200
        }
        Flaw::RevokeClientBinding => {
            let tokens = tokens(s).await;
            let refresh = str(&tokens, "refresh_token");
            assert_eq!(s.revoke(&APP2, refresh).await.status, 200);
            s.refresh(&APP, refresh, None).await.status != 200
        }
        Flaw::RevokeHintFallback => {
            let tokens = tokens(s).await;
            let refresh = str(&tokens, "refresh_token");
            let reply = s
                .post_form(
                    "/revoke",
                    &APP,
                    &[("token", refresh), ("token_type_hint", "access_token")],
                )
                .await;
            assert_eq!(reply.status, 200);
            s.refresh(&APP, refresh, None).await.status == 200
        }
        Flaw::MetaJwksPublicOnly => {
            let reply = s.get("/jwks").await;
            reply.json()["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|key| key.get("d").is_some())
        }
        Flaw::MetaAdvertisedMatchesBehaviour => {
            let metadata = s.get("/.well-known/openid-configuration").await.json();
            metadata["revocation_endpoint"] != s.url("/revoke")
        }
        Flaw::ProxyHeaderSpoofing => {
            let request = super::client::http()
                .get(s.url("/.well-known/openid-configuration"))
                .header("x-forwarded-host", "attacker.example");
            let metadata = super::client::send(request).await.json();
            metadata["issuer"] != s.issuer()
        }
        Flaw::ClientAuthBruteforce => {
            let wrong = Auth::Post("app2", "not-the-secret");
            let mut throttled = false;
            for _ in 0..12 {
                let reply = s
                    .token(&wrong, &[("grant_type", "client_credentials")])
                    .await;
                throttled |= reply.status == 429 && reply.header("retry-after").is_some();
            }
            // The right secret is never throttled.
            let right = s
                .token(&APP2, &[("grant_type", "client_credentials")])
                .await;
            assert_eq!(right.status, 200);
            !throttled
        }
        Flaw::JwtAtTyp => header(&tokens(s).await)["typ"] != "at+jwt",
        Flaw::JwtAtSignature => {
            let tokens = tokens(s).await;
            let access = str(&tokens, "access_token");
            // The server itself still takes the token.
            assert_eq!(s.bearer("/api/me", access).await.status, 200);
            !signature_verifies(s, access).await
        }
        Flaw::JwtAtClaims => {
            let tokens = tokens(s).await;
            let claims: serde_json::Value =
                jsonwebtoken::dangerous::insecure_decode(str(&tokens, "access_token"))
                    .unwrap()
                    .claims;
            claims.get("client_id").is_none()
        }
        _ => return None,
    })
}

async fn tokens(s: &TestServer) -> serde_json::Value {
    s.tokens(&AuthRequest::app(), &APP).await
}

fn str<'a>(json: &'a serde_json::Value, name: &str) -> &'a str {
    json[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {json}"))
}

/// Whether a JWS verifies with the published key its `kid` names.
async fn signature_verifies(s: &TestServer, token: &str) -> bool {
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&s.get("/jwks").await.body).unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.validate_aud = false;
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).is_ok()
}

fn header(tokens: &serde_json::Value) -> serde_json::Value {
    let header = jsonwebtoken::decode_header(str(tokens, "access_token")).unwrap();
    serde_json::to_value(header).unwrap()
}
