//! PKCE (RFC 7636) computed once for the harness, which sends challenges,
//! and the reference server, which checks them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The S256 code challenge of `verifier`: `BASE64URL(SHA256(ASCII(verifier)))`
/// (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
