//! The registered OAuth names the harness and the reference server share:
//! client authentication methods, grant types and error codes, each one
//! `vocabulary!` declaration, so a suite's typo (`invalid_grnat`) is a load
//! error instead of a check that can never hold.

use crate::oauth::vocab::vocabulary;

vocabulary! {
    /// How a client authenticates at the token endpoint: the
    /// `token_endpoint_auth_method` names of RFC 7591 §2 (suites may write
    /// the short `basic`, `post`).
    pub enum AuthMethod {
        /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
        ClientSecretBasic = "client_secret_basic" | "basic",
        /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
        ClientSecretPost = "client_secret_post" | "post",
        /// A public client: `client_id` only (RFC 6749 §2.1).
        None = "none",
        /// A JWT assertion MAC'd with the client secret (RFC 7523 §2.2,
        /// OpenID Connect Core §9).
        ClientSecretJwt = "client_secret_jwt",
        /// A JWT assertion signed with the client's private key (RFC 7523
        /// §2.2, OpenID Connect Core §9).
        PrivateKeyJwt = "private_key_jwt",
    }
}

vocabulary! {
    /// `grant_type` values (RFC 6749 §4.1.3, §4.4.2, §6).
    pub enum GrantType {
        AuthorizationCode = "authorization_code",
        RefreshToken = "refresh_token",
        ClientCredentials = "client_credentials",
    }
}

vocabulary! {
    /// Registered OAuth error codes: RFC 6749 §4.1.2.1 and §5.2, RFC 6750
    /// §3.1, RFC 7009 §2.2.1, OpenID Connect Core §3.1.2.6, RFC 7591 §3.2.2,
    /// RFC 8628 §3.5, RFC 8707 §2, RFC 9449 §12 (the IANA "OAuth Extensions
    /// Error" registry).
    pub enum ErrorCode {
        InvalidRequest = "invalid_request",
        InvalidClient = "invalid_client",
        InvalidGrant = "invalid_grant",
        UnauthorizedClient = "unauthorized_client",
        UnsupportedGrantType = "unsupported_grant_type",
        UnsupportedResponseType = "unsupported_response_type",
        InvalidScope = "invalid_scope",
        AccessDenied = "access_denied",
        ServerError = "server_error",
        TemporarilyUnavailable = "temporarily_unavailable",
        /// RFC 6750 §3.1.
        InvalidToken = "invalid_token",
        /// RFC 6750 §3.1.
        InsufficientScope = "insufficient_scope",
        /// RFC 7009 §2.2.1.
        UnsupportedTokenType = "unsupported_token_type",
        InteractionRequired = "interaction_required",
        LoginRequired = "login_required",
        AccountSelectionRequired = "account_selection_required",
        ConsentRequired = "consent_required",
        InvalidRequestUri = "invalid_request_uri",
        InvalidRequestObject = "invalid_request_object",
        RequestNotSupported = "request_not_supported",
        RequestUriNotSupported = "request_uri_not_supported",
        RegistrationNotSupported = "registration_not_supported",
        /// RFC 7591 §3.2.2.
        InvalidRedirectUri = "invalid_redirect_uri",
        InvalidClientMetadata = "invalid_client_metadata",
        /// RFC 8628 §3.5.
        AuthorizationPending = "authorization_pending",
        SlowDown = "slow_down",
        ExpiredToken = "expired_token",
        /// RFC 8707 §2.
        InvalidTarget = "invalid_target",
        /// RFC 9449 §12.
        InvalidDpopProof = "invalid_dpop_proof",
        UseDpopNonce = "use_dpop_nonce",
    }
}

impl ErrorCode {
    /// The registered error string.
    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

impl GrantType {
    /// The `grant_type` parameter value.
    pub fn as_str(self) -> &'static str {
        self.name()
    }

    /// The grant type named by a `grant_type` parameter value.
    pub fn from_param(value: &str) -> Option<GrantType> {
        GrantType::from_name(value)
    }
}

impl AuthMethod {
    /// The registered name of the method.
    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_may_write_the_short_method_names() {
        assert_eq!(
            AuthMethod::from_name("basic"),
            Some(AuthMethod::ClientSecretBasic)
        );
        assert_eq!(
            AuthMethod::from_name("client_secret_post"),
            Some(AuthMethod::ClientSecretPost)
        );
        assert_eq!(AuthMethod::ClientSecretPost.as_str(), "client_secret_post");
        let parsed: AuthMethod = serde_json::from_str("\"post\"").unwrap();
        assert_eq!(parsed, AuthMethod::ClientSecretPost);
    }

    #[test]
    fn error_codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_name(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::from_name("invalid_grnat"), None);
    }
}
