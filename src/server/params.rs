//! Request parameters from a query string or an
//! `application/x-www-form-urlencoded` body, parsed strictly and with caps.
//!
//! Strict because the OAuth rules depend on it: a repeated parameter is an
//! error, never "first (or last) wins" (RFC 6749 §3.1, §3.2), an empty value
//! counts as absent (RFC 6749 §3.1), and bytes that are not UTF-8 are refused
//! rather than silently replaced. Capped so hostile input costs little.
//! This file knows nothing about which parameters an endpoint needs.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};

/// Longest accepted value of one parameter, in bytes after decoding.
pub const MAX_PARAM_LEN: usize = 4 * 1024;
/// Longest accepted request body.
pub const MAX_BODY_LEN: usize = 64 * 1024;
/// Most parameters accepted in one request.
pub const MAX_PARAMS: usize = 64;

/// Why parameters could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("parameter `{0}` is included more than once")]
    Repeated(String),
    #[error("parameter `{0}` is too long")]
    TooLong(String),
    #[error("too many parameters")]
    TooMany,
    #[error("parameters are not valid UTF-8")]
    NotUtf8,
    #[error("malformed percent-encoding")]
    BadEncoding,
    #[error("request body is too large")]
    BodyTooLarge,
    #[error("request body must be application/x-www-form-urlencoded")]
    NotForm,
}

/// Decoded name/value pairs in their original order.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `a=1&b=2` form encoding (`+` is a space, RFC 6749 Appendix B).
    pub fn parse(input: &[u8]) -> Result<Params, ParamError> {
        let mut pairs = Vec::new();
        for segment in input.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(ParamError::TooMany);
            }
            let (name, value) = match segment.iter().position(|&b| b == b'=') {
                Some(at) => (&segment[..at], &segment[at + 1..]),
                None => (segment, &b""[..]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            if name.len() > MAX_PARAM_LEN || value.len() > MAX_PARAM_LEN {
                return Err(ParamError::TooLong(truncate_name(&name)));
            }
            pairs.push((name, value));
        }
        Ok(Params { pairs })
    }

    /// Parses a form body after checking its media type (RFC 6749 §3.2, §4.1.3).
    pub fn from_form(headers: &HeaderMap, body: &[u8]) -> Result<Params, ParamError> {
        if !is_form(headers) {
            return Err(ParamError::NotForm);
        }
        Params::parse(body)
    }

    /// The value of a parameter; empty counts as absent, repeated is an error.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ParamError> {
        let mut found = self.pairs.iter().filter(|(n, _)| n == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(ParamError::Repeated(name.to_string()));
        }
        Ok(first.map(|(_, v)| v.as_str()).filter(|v| !v.is_empty()))
    }

    /// Every non-empty value of a parameter that may repeat (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Checks that none of `names` is repeated.
    pub fn check_not_repeated(&self, names: &[&str]) -> Result<(), ParamError> {
        for name in names {
            self.get(name)?;
        }
        Ok(())
    }

    /// The last occurrence of each parameter, earlier ones dropped (only
    /// for the `request.duplicate-params` flaw: correct code refuses repeats).
    pub fn last_of_each(&self) -> Params {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in &self.pairs {
            pairs.retain(|(seen, _)| seen != name);
            pairs.push((name.clone(), value.clone()));
        }
        Params { pairs }
    }

    /// Whether a parameter appears at all (even empty or repeated).
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
}

/// Reads a request body, refusing more than [`MAX_BODY_LEN`] bytes.
pub async fn read_body(body: Body) -> Result<Bytes, ParamError> {
    axum::body::to_bytes(body, MAX_BODY_LEN)
        .await
        .map_err(|_| ParamError::BodyTooLarge)
}

/// Whether the request declares a form body (parameters such as `charset`
/// are allowed after the media type).
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Decodes one form-encoded component (`+` is a space), strictly.
pub fn decode_component(raw: &str) -> Result<String, ParamError> {
    decode(raw.as_bytes())
}

fn decode(raw: &[u8]) -> Result<String, ParamError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Checked digit by digit: `from_str_radix` would accept `%+1`.
                let (high, low) = match raw.get(i + 1..i + 3) {
                    Some(&[high, low]) => (hex_value(high), hex_value(low)),
                    _ => (None, None),
                };
                match (high, low) {
                    (Some(high), Some(low)) => out.push(high << 4 | low),
                    _ => return Err(ParamError::BadEncoding),
                }
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ParamError::NotUtf8)
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|value| value as u8)
}

/// Names are echoed in error descriptions; keep them short.
fn truncate_name(name: &str) -> String {
    name.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_counts_as_absent_and_repeats_are_errors() {
        let params = Params::parse(b"a=1&b=&c=x+y%2Fz&a=2").unwrap();
        assert_eq!(params.get("a"), Err(ParamError::Repeated("a".into())));
        assert_eq!(params.get("b"), Ok(None));
        assert!(params.contains("b"));
        assert_eq!(params.get("c"), Ok(Some("x y/z")));
        assert_eq!(params.get("d"), Ok(None));
    }

    #[test]
    fn hostile_input_is_refused() {
        assert_eq!(Params::parse(b"a=%ff").unwrap_err(), ParamError::NotUtf8);
        assert_eq!(Params::parse(b"a=\xff").unwrap_err(), ParamError::NotUtf8);
        assert_eq!(Params::parse(b"a=%4").unwrap_err(), ParamError::BadEncoding);
        assert_eq!(
            Params::parse(b"a=%zz").unwrap_err(),
            ParamError::BadEncoding
        );
        assert_eq!(
            Params::parse(b"a=%+1").unwrap_err(),
            ParamError::BadEncoding
        );
        let long = format!("a={}", "x".repeat(MAX_PARAM_LEN + 1));
        assert_eq!(
            Params::parse(long.as_bytes()).unwrap_err(),
            ParamError::TooLong("a".into())
        );
        let many = vec!["x=1"; MAX_PARAMS + 1].join("&");
        assert_eq!(
            Params::parse(many.as_bytes()).unwrap_err(),
            ParamError::TooMany
        );
    }
}
