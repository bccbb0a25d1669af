//! URI strings taken apart and put together without normalising them.
//!
//! Redirect URIs are compared as the strings the client sent (RFC 9700
//! §4.1.3), so this file splits them with the RFC 3986 Appendix B grammar
//! instead of a URL library that would lowercase hosts, drop default ports or
//! resolve dot-segments. It also builds redirect `Location`s by appending
//! parameters to a URI while keeping any registered query (RFC 6749 §3.1.2).
//! Shared by the server and the harness (the agent reads redirect
//! parameters and compares redirect targets with the same split).

/// A URI cut at its first `?` and `#`, as written (RFC 3986 Appendix B):
/// the part before the query, the query and the fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawUri<'a> {
    /// Everything before the fragment (the URI with its query).
    pub before_fragment: &'a str,
    /// Everything before the query and the fragment.
    pub base: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl<'a> RawUri<'a> {
    /// Cuts `uri` at the first `#`, then the part before it at the first `?`.
    pub fn split(uri: &'a str) -> RawUri<'a> {
        let (before_fragment, fragment) = match uri.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (uri, None),
        };
        let (base, query) = match before_fragment.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (before_fragment, None),
        };
        RawUri {
            before_fragment,
            base,
            query,
            fragment,
        }
    }
}

/// `uri` without its query and fragment.
pub fn without_query(uri: &str) -> &str {
    RawUri::split(uri).base
}

/// The five components of a URI reference, as written (RFC 3986 Appendix B).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UriParts<'a> {
    pub scheme: Option<&'a str>,
    pub authority: Option<&'a str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl<'a> UriParts<'a> {
    /// Splits `scheme://authority/path?query#fragment` without decoding.
    pub fn split(uri: &'a str) -> UriParts<'a> {
        let RawUri {
            base: before_query,
            query,
            fragment,
            ..
        } = RawUri::split(uri);
        let (scheme, rest) = match before_query.find([':', '/']) {
            Some(at) if at > 0 && before_query.as_bytes()[at] == b':' => {
                (Some(&before_query[..at]), &before_query[at + 1..])
            }
            _ => (None, before_query),
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                (Some(&after[..end]), &after[end..])
            }
            None => (None, rest),
        };
        UriParts {
            scheme,
            authority,
            path,
            query,
            fragment,
        }
    }

    /// Host and port of the authority (userinfo dropped: the host is what
    /// follows the last `@`). The port is `None` when not written.
    pub fn host_port(&self) -> Option<(&'a str, Option<&'a str>)> {
        let authority = self.authority?;
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        if host_port.starts_with('[') {
            // IP literal: the port, if any, follows the closing bracket.
            return Some(match host_port.split_once("]:") {
                Some((host, port)) => (&host_port[..host.len() + 1], Some(port)),
                None => (host_port, None),
            });
        }
        Some(match host_port.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
            _ => (host_port, None),
        })
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so the
/// value reads back the same with form decoding and with plain percent
/// decoding (a space becomes `%20`, never `+`).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `base` with `params` appended to its query: a registered query is kept
/// and extended with `&` (RFC 6749 §3.1.2), a fragment stays last.
pub fn with_params(base: &str, params: &[(&str, &str)]) -> String {
    let RawUri {
        before_fragment,
        query,
        fragment,
        ..
    } = RawUri::split(base);
    let mut out = before_fragment.to_string();
    let mut separator = match query {
        None => "?",
        Some(_) if out.ends_with('?') || out.ends_with('&') => "",
        Some(_) => "&",
    };
    for (name, value) in params {
        out.push_str(separator);
        out.push_str(name);
        out.push('=');
        out.push_str(&encode_component(value));
        separator = "&";
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_without_normalising() {
        let parts = UriParts::split("HTTPS://User@Client.Example:443/a/../B?x=1#f");
        assert_eq!(parts.scheme, Some("HTTPS"));
        assert_eq!(parts.authority, Some("User@Client.Example:443"));
        assert_eq!(parts.path, "/a/../B");
        assert_eq!(parts.query, Some("x=1"));
        assert_eq!(parts.fragment, Some("f"));
        assert_eq!(parts.host_port(), Some(("Client.Example", Some("443"))));

        let relative = UriParts::split("//client.example/cb");
        assert_eq!(relative.scheme, None);
        assert_eq!(relative.authority, Some("client.example"));

        let script = UriParts::split("javascript:alert(1)");
        assert_eq!(script.scheme, Some("javascript"));
        assert_eq!(script.authority, None);
        assert_eq!(script.path, "alert(1)");

        let v6 = UriParts::split("http://[::1]:8080/cb");
        assert_eq!(v6.host_port(), Some(("[::1]", Some("8080"))));
    }

    #[test]
    fn cuts_at_the_first_query_and_fragment() {
        let raw = RawUri::split("https://c.example/cb?a=1#f?x");
        assert_eq!(raw.base, "https://c.example/cb");
        assert_eq!(raw.before_fragment, "https://c.example/cb?a=1");
        assert_eq!((raw.query, raw.fragment), (Some("a=1"), Some("f?x")));
        // A `?` after the `#` belongs to the fragment.
        assert_eq!(
            without_query("https://c.example/cb#f?x"),
            "https://c.example/cb"
        );
        assert_eq!(RawUri::split("cb").query, None);
    }

    #[test]
    fn appends_to_a_registered_query() {
        assert_eq!(
            with_params("https://c.example/cb", &[("code", "a b"), ("state", "x&y")]),
            "https://c.example/cb?code=a%20b&state=x%26y"
        );
        assert_eq!(
            with_params("https://c.example/cb?keep=1", &[("code", "c")]),
            "https://c.example/cb?keep=1&code=c"
        );
        assert_eq!(
            with_params("https://c.example/cb?", &[("code", "c")]),
            "https://c.example/cb?code=c"
        );
        assert_eq!(
            with_params("https://c.example/cb#f", &[("code", "c")]),
            "https://c.example/cb?code=c#f"
        );
    }
}
