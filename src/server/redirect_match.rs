//! Which redirect URI an authorization request may use.
//!
//! Correct behaviour is simple string equality with one of the client's own
//! registered URIs (RFC 9700 §2.1, §4.1.3; OAuth 2.1 §2.3.1), with the one
//! exception the RFCs make: any port for an `http` loopback IP literal
//! (RFC 8252 §7.3). Each `redirect.*`
//! flaw adds exactly one relaxation on top of that, and each relaxation is
//! kept narrow so it accepts the mutations of its own requirement only (for
//! example, the prefix match of `redirect.extra-path` refuses dot-segment
//! tricks, which belong to `redirect.path-traversal`). This file decides
//! acceptance only; what happens on refusal is the endpoint's business.

use crate::oauth::uri::UriParts;
use crate::server::config::{ClientConfig, Config};
use crate::server::flaw::Flaw;
use crate::server::quirk::Quirk;

/// Why no redirect URI could be settled on; each means "show an error page".
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedirectProblem {
    #[error("redirect_uri is missing and the client has no registered redirect URI")]
    Missing,
    #[error("redirect_uri is required because the client has several registered redirect URIs")]
    Ambiguous,
    #[error("redirect_uri is required for OpenID Connect requests")]
    RequiredForOpenId,
    #[error("redirect_uri is not registered for this client")]
    NotRegistered,
}

/// The redirect URI to use: the supplied one if it is acceptable, or the
/// single registered one when none was supplied (RFC 6749 §3.1.2.3).
pub fn resolve<'a>(
    config: &'a Config,
    client: &'a ClientConfig,
    supplied: Option<&'a str>,
    openid: bool,
) -> Result<&'a str, RedirectProblem> {
    let Some(supplied) = supplied else {
        // OIDC Core §3.1.2.1: redirect_uri is always required for OpenID.
        // The `redirect.missing-when-multiple` flaw picks the first one.
        if config.has(Flaw::RedirectMissingWhenMultiple)
            && let Some(first) = client.redirect_uris.first()
        {
            return Ok(first);
        }
        if openid {
            return Err(RedirectProblem::RequiredForOpenId);
        }
        return match client.redirect_uris.as_slice() {
            [only] => Ok(only),
            [] => Err(RedirectProblem::Missing),
            _ => Err(RedirectProblem::Ambiguous),
        };
    };
    let candidates: Vec<&str> = if config.has(Flaw::RedirectExactMatch) {
        config
            .clients
            .iter()
            .flat_map(|other| other.redirect_uris.iter().map(String::as_str))
            .collect()
    } else {
        client.redirect_uris.iter().map(String::as_str).collect()
    };
    if candidates
        .iter()
        .any(|registered| matches(config, supplied, registered))
    {
        Ok(supplied)
    } else {
        Err(RedirectProblem::NotRegistered)
    }
}

/// A flawed comparison of a supplied (first) and a registered URI.
type Relaxation = fn(&UriParts, &UriParts) -> bool;

/// Exact string equality, plus whatever relaxations the flaws switch on.
fn matches(config: &Config, supplied: &str, registered: &str) -> bool {
    if supplied == registered {
        return true;
    }
    if config.has(Flaw::RedirectSubdomainAuthorityParsing)
        && authority_misparsed(supplied, registered)
    {
        return true;
    }
    let s = UriParts::split(supplied);
    let r = UriParts::split(registered);
    // The `redirect.loopback-port` flaw compares loopback URIs exactly.
    if !config.has(Flaw::RedirectLoopbackPort)
        && loopback_any_port(&s, &r, config.quirk(Quirk::LoopbackAnyPort))
    {
        return true;
    }
    let relaxations: [(Flaw, Relaxation); 11] = [
        (Flaw::RedirectPathTraversalPrefix, prefix_then_resolve),
        (Flaw::RedirectSchemeUnchecked, |s, _| opaque_scheme(s)),
        (Flaw::RedirectSubdomainSuffix, suffix_host),
        (Flaw::RedirectExtraPath, extra_path),
        (Flaw::RedirectPathTraversal, normalised_path),
        (Flaw::RedirectAddedQuery, query_ignored),
        (Flaw::RedirectPortChange, port_ignored),
        (Flaw::RedirectSchemeDowngrade, scheme_ignored),
        (Flaw::RedirectCaseChange, |s, r| same_ignoring_case(s, r)),
        (Flaw::RedirectSubdomain, lookalike_host),
        (Flaw::RedirectFragment, fragment_ignored),
    ];
    relaxations
        .iter()
        .any(|(flaw, relaxed)| config.has(*flaw) && relaxed(&s, &r))
}

/// RFC 8252 §7.3: a native client registered with an `http` loopback IP
/// literal may use any port ("The authorization server MUST allow any port
/// to be specified at the time of the request for loopback IP redirect
/// URIs"); everything else is still compared exactly. This is correct
/// behaviour, not a flaw. The `loopback-any-port` quirk treats `localhost`
/// the same way (RFC 8252 §8.3 only calls `localhost` NOT RECOMMENDED).
fn loopback_any_port(s: &UriParts, r: &UriParts, localhost_too: bool) -> bool {
    let (Some((s_host, _)), Some((r_host, _))) = (s.host_port(), r.host_port()) else {
        return false;
    };
    let no_userinfo = |parts: &UriParts| !parts.authority.unwrap_or_default().contains('@');
    let loopback = matches!(r_host, "127.0.0.1" | "[::1]")
        || (localhost_too && r_host.eq_ignore_ascii_case("localhost"));
    loopback
        && s_host == r_host
        && r.scheme == Some("http")
        && s.scheme == Some("http")
        && no_userinfo(s)
        && no_userinfo(r)
        && s.path == r.path
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.fragment`: a fragment added to the registered URI is ignored
/// (RFC 6749 §3.1.2: the endpoint URI "MUST NOT include a fragment").
fn fragment_ignored(s: &UriParts, r: &UriParts) -> bool {
    s.fragment.is_some()
        && r.fragment.is_none()
        && s.scheme == r.scheme
        && s.authority == r.authority
        && s.path == r.path
        && s.query == r.query
}

/// `redirect.extra-path`: the registered path followed by anything that is
/// not a traversal trick (`.`, `\` and their escapes stay refused).
fn extra_path(s: &UriParts, r: &UriParts) -> bool {
    let Some(suffix) = s.path.strip_prefix(r.path) else {
        return false;
    };
    let lower = suffix.to_ascii_lowercase();
    let traversal = ['.', '\\'].iter().any(|c| lower.contains(*c))
        || ["%2e", "%25", "%5c"].iter().any(|e| lower.contains(e));
    !suffix.is_empty()
        && !traversal
        && s.scheme == r.scheme
        && s.authority == r.authority
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.path-traversal`: dot-segments and unreserved escapes resolved
/// before comparing, so `/./cb` or `/x/../cb` pass for `/cb`.
fn normalised_path(s: &UriParts, r: &UriParts) -> bool {
    s.scheme == r.scheme
        && s.authority == r.authority
        && s.query == r.query
        && s.fragment == r.fragment
        && normalise_path(s.path) == normalise_path(r.path)
}

/// `redirect.added-query`: everything but the query compared.
fn query_ignored(s: &UriParts, r: &UriParts) -> bool {
    s.scheme == r.scheme
        && s.authority == r.authority
        && s.path == r.path
        && s.fragment == r.fragment
}

/// `redirect.port-change`: the authority compared without its port.
fn port_ignored(s: &UriParts, r: &UriParts) -> bool {
    let without_port = |authority: Option<&str>| {
        authority.map(|a| match a.rsplit_once(':') {
            Some((rest, port)) if port.bytes().all(|b| b.is_ascii_digit()) => rest.to_string(),
            _ => a.to_string(),
        })
    };
    s.scheme == r.scheme
        && without_port(s.authority) == without_port(r.authority)
        && s.path == r.path
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.scheme-downgrade`: everything after the scheme compared (which
/// also lets a scheme-relative `//host/path` through). A scheme differing only
/// in case is left to `redirect.case-change`.
fn scheme_ignored(s: &UriParts, r: &UriParts) -> bool {
    let case_variant = match (s.scheme, r.scheme) {
        (Some(a), Some(b)) => a != b && a.eq_ignore_ascii_case(b),
        _ => false,
    };
    !case_variant
        && s.authority.is_some()
        && s.authority == r.authority
        && s.path == r.path
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.case-change`: ASCII case ignored everywhere.
fn same_ignoring_case(s: &UriParts, r: &UriParts) -> bool {
    let eq = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    };
    eq(s.scheme, r.scheme)
        && eq(s.authority, r.authority)
        && s.path.eq_ignore_ascii_case(r.path)
        && eq(s.query, r.query)
        && eq(s.fragment, r.fragment)
}

/// `redirect.subdomain`: a host ending in `.` + the registered host, or an
/// authority containing the registered host followed by `@` or `.`
/// (userinfo and look-alike tricks); scheme, port, path and query exact.
fn lookalike_host(s: &UriParts, r: &UriParts) -> bool {
    let (Some((s_host, s_port)), Some((r_host, r_port))) = (s.host_port(), r.host_port()) else {
        return false;
    };
    let authority = s.authority.unwrap_or_default();
    let host_matches = s_host.ends_with(&format!(".{r_host}"))
        || authority.contains(&format!("{r_host}@"))
        || authority.contains(&format!("{r_host}."));
    host_matches
        && s.scheme == r.scheme
        && s_port == r_port
        && s.path == r.path
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.path-traversal/prefix-then-resolve`: the path percent-decoded
/// (twice) must start with the registered path followed by a `..` segment;
/// the check runs before dot-segments are resolved, so the browser lands on
/// another path. Other suffixes stay refused (they are `redirect.extra-path`).
fn prefix_then_resolve(s: &UriParts, r: &UriParts) -> bool {
    let decode = |text: &str| {
        crate::server::params::decode_component(text).unwrap_or_else(|_| text.to_string())
    };
    let decoded = decode(&decode(s.path));
    decoded
        .strip_prefix(r.path)
        .is_some_and(|suffix| suffix.starts_with("/.."))
        && s.scheme == r.scheme
        && s.authority == r.authority
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.scheme-downgrade/opaque-scheme`: a URI with a scheme other
/// than http(s) and no authority (`javascript:`, `data:`), taken for a
/// native app's private-use URI and not compared at all.
fn opaque_scheme(s: &UriParts) -> bool {
    s.authority.is_none()
        && s.scheme.is_some_and(|scheme| {
            !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https")
        })
}

/// `redirect.subdomain/suffix-match`: the host ends with the registered
/// host, with no dot boundary; scheme, port, path, query exact.
fn suffix_host(s: &UriParts, r: &UriParts) -> bool {
    let (Some((s_host, s_port)), Some((r_host, r_port))) = (s.host_port(), r.host_port()) else {
        return false;
    };
    s_host != r_host
        && s_host.ends_with(r_host)
        && !s.authority.unwrap_or_default().contains('@')
        && s.scheme == r.scheme
        && s_port == r_port
        && s.path == r.path
        && s.query == r.query
        && s.fragment == r.fragment
}

/// `redirect.subdomain/authority-parsing`: the authority read up to the
/// first `/` or `?` only (so `\` and `#` stay inside it) and the host taken
/// after its last `@`; the URI rebuilt from that host must equal the
/// registered one. A browser reads `https://attacker.example\@client.example/cb`
/// and `https://attacker.example#@client.example/cb` as going to attacker.example.
fn authority_misparsed(supplied: &str, registered: &str) -> bool {
    let Some((scheme, rest)) = supplied.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    let Some((_, host)) = authority.rsplit_once('@') else {
        return false;
    };
    format!("{scheme}://{host}{after}") == registered
}

/// Decodes escapes of unreserved characters, then removes dot-segments
/// (RFC 3986 §6.2.2.2, §5.2.4) — the normalisation a careless server does.
fn normalise_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
            && (byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            decoded.push(byte as char);
            i += 3;
            continue;
        }
        let ch = path[i..].chars().next().unwrap_or_default();
        decoded.push(ch);
        i += ch.len_utf8().max(1);
    }
    remove_dot_segments(&decoded)
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path.to_string();
    let mut output = String::new();
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../") {
            input = rest.to_string();
        } else if let Some(rest) = input.strip_prefix("./") {
            input = rest.to_string();
        } else if input.starts_with("/./") {
            input.replace_range(..3, "/");
        } else if input == "/." {
            input = "/".into();
        } else if input.starts_with("/../") || input == "/.." {
            let cut = if input == "/.." { 3 } else { 4 };
            input.replace_range(..cut, "/");
            let keep = output.rfind('/').unwrap_or(0);
            output.truncate(keep);
        } else if input == "." || input == ".." {
            input.clear();
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..]
                .find('/')
                .map_or(input.len(), |at| at + start);
            output.push_str(&input[..end]);
            input.replace_range(..end, "");
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "https://client.example/cb";

    fn accepts(flaw: Option<Flaw>, supplied: &str) -> bool {
        let mut config = Config::default();
        if let Some(flaw) = flaw {
            config = config.with_flaw(flaw);
        }
        let client = config.client("app").unwrap().clone();
        resolve(&config, &client, Some(supplied), false).is_ok()
    }

    /// Mutations from the catalogue, grouped by the requirement they test.
    const MUTATIONS: &[(&str, &[&str])] = &[
        (
            "redirect.exact-match",
            &["https://attacker.example/cb", "https://other.example/cb2"],
        ),
        (
            "redirect.extra-path",
            &[
                "https://client.example/cb/extra",
                "https://client.example/cb/",
                "https://client.example/cbx",
                "https://client.example/cb;x=1",
                "https://client.example/cb%2F",
            ],
        ),
        (
            "redirect.path-traversal",
            &[
                "https://client.example/cb/../x",
                "https://client.example/cb/%2e%2e/x",
                "https://client.example/cb/..%2fx",
                "https://client.example/cb%2f..%2fx",
                "https://client.example/cb/..;/x",
                "https://client.example/cb\\..\\x",
                "https://client.example/cb/%252e%252e/x",
                "https://client.example/./cb",
            ],
        ),
        (
            "redirect.added-query",
            &[
                "https://client.example/cb?x=1",
                "https://client.example/cb?",
                "https://client.example/cb?code=attacker&state=x",
            ],
        ),
        (
            "redirect.port-change",
            &[
                "https://client.example:8443/cb",
                "https://client.example:443/cb",
            ],
        ),
        (
            "redirect.scheme-downgrade",
            &[
                "http://client.example/cb",
                "//client.example/cb",
                "javascript:alert(1)",
                "data:text/html,x",
                "attacker-app://cb",
            ],
        ),
        (
            "redirect.case-change",
            &[
                "https://client.example/CB",
                "https://CLIENT.example/cb",
                "HTTPS://client.example/cb",
            ],
        ),
        (
            "redirect.subdomain",
            &[
                "https://evil.client.example/cb",
                "https://client.example.attacker.example/cb",
                "https://attackerclient.example/cb",
                "https://client.example@attacker.example/cb",
                "https://attacker.example\\@client.example/cb",
                "https://attacker.example#@client.example/cb",
                "https://client.example./cb",
            ],
        ),
        ("redirect.fragment", &["https://client.example/cb#frag"]),
    ];

    #[test]
    fn correct_server_accepts_exact_strings_only() {
        assert!(accepts(None, R));
        assert!(accepts(None, "https://client.example/cb-alt"));
        for (_, mutations) in MUTATIONS {
            for mutation in *mutations {
                assert!(!accepts(None, mutation), "accepted {mutation}");
            }
        }
    }

    #[test]
    fn each_redirect_flaw_accepts_some_of_its_own_mutations_and_no_others() {
        for (requirement, own) in MUTATIONS {
            let Some(flaw) = Flaw::from_id(requirement) else {
                continue;
            };
            assert!(
                own.iter().any(|m| accepts(Some(flaw), m)),
                "{requirement}: none of its mutations accepted"
            );
            for (other, mutations) in MUTATIONS.iter().filter(|(id, _)| id != requirement) {
                for mutation in *mutations {
                    assert!(
                        !accepts(Some(flaw), mutation),
                        "{requirement} also accepts {other} mutation {mutation}"
                    );
                }
            }
            assert!(accepts(Some(flaw), R), "{requirement} refuses R");
        }
    }

    #[test]
    fn omitted_redirect_uri() {
        let config = Config::default();
        let app = config.client("app").unwrap();
        let app2 = config.client("app2").unwrap();
        assert_eq!(
            resolve(&config, app, None, false),
            Err(RedirectProblem::Ambiguous)
        );
        assert_eq!(
            resolve(&config, app2, None, false),
            Ok("https://other.example/cb2")
        );
        assert_eq!(
            resolve(&config, app2, None, true),
            Err(RedirectProblem::RequiredForOpenId)
        );
    }

    #[test]
    fn loopback_redirect_uris_accept_any_port_and_nothing_else() {
        let mut config = Config::default();
        config.clients[2].redirect_uris = vec!["http://127.0.0.1/cb".into()];
        let native = config.clients[2].clone();
        let ok = |uri| resolve(&config, &native, Some(uri), false).is_ok();
        assert!(ok("http://127.0.0.1/cb"));
        assert!(ok("http://127.0.0.1:51234/cb"));
        for bad in [
            "http://127.0.0.1:51234/other",
            "http://localhost:51234/cb",
            "http://127.0.0.2:51234/cb",
            "https://127.0.0.1:51234/cb",
            "http://[::1]:51234/cb",
            "http://x@127.0.0.1:51234/cb",
        ] {
            assert!(!ok(bad), "accepted {bad}");
        }
    }

    #[test]
    fn dot_segments() {
        assert_eq!(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
        assert_eq!(remove_dot_segments("/./cb"), "/cb");
        assert_eq!(normalise_path("/%2e/cb"), "/cb");
        assert_eq!(normalise_path("/x/%2E%2E/cb"), "/cb");
        assert_eq!(normalise_path("/cb%2F"), "/cb%2F");
    }
}
