//! Redaction: secrets never leave the process in a transcript, report or log.
//!
//! Two mechanisms: known values (client secrets, passwords, and every code or
//! token the harness learns) are replaced wherever they appear — also in their
//! percent-, form-, JSON- and HTML-encoded spellings — and sensitive names
//! (Authorization/Cookie headers, `code`, `*_token`, `client_secret`,
//! `password`, `code_verifier`, … in forms, queries, fragments, JSON and HTML
//! inputs) are masked by field. Masking works on text with small scanners and
//! never re-serialises what it masks: the rest of the evidence stays byte for
//! byte as it was. It must not decide anything else about the text it sees.

use std::sync::{PoisonError, RwLock};

/// Knows what must not be shown, and masks it.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Every spelling of every known secret, longest first.
    secrets: RwLock<Vec<String>>,
}

/// What replaces a secret.
pub const MASK: &str = "[redacted]";

/// Credentials shorter than this in an `Authorization` header are masked
/// there only, not learned (they would mask ordinary words elsewhere).
const MIN_CREDENTIAL: usize = 8;

/// Every `Authorization: Basic` credential the harness may build for a
/// client `id` with `secret`: base64 of `id:secret` with both parts
/// form-urlencoded first (RFC 6749 §2.3.1, what the harness sends) and raw
/// (what many clients send), each also without padding and in base64url.
pub fn basic_credentials(id: &str, secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut out = Vec::new();
    for pair in [
        format!("{}:{}", encode(id), encode(secret)),
        format!("{id}:{secret}"),
    ] {
        let standard = base64::engine::general_purpose::STANDARD.encode(pair);
        out.extend(base64_variants(&standard));
        out.push(standard);
    }
    out.dedup();
    out
}

/// The other spellings of a standard-base64 value: unpadded, and base64url
/// (padded and not), when they differ.
fn base64_variants(standard: &str) -> Vec<String> {
    let unpadded = standard.trim_end_matches('=').to_string();
    let url = standard.replace('+', "-").replace('/', "_");
    let url_unpadded = url.trim_end_matches('=').to_string();
    let mut out: Vec<String> = [unpadded, url, url_unpadded]
        .into_iter()
        .filter(|v| v != standard)
        .collect();
    out.dedup();
    out
}

/// Parameter and JSON member names whose values are always masked.
pub const SENSITIVE_NAMES: &[&str] = &[
    "code",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "password",
    "code_verifier",
    "client_assertion",
    "assertion",
    "logout_token",
    "device_code",
    "id_token_hint",
    "subject_token",
    "actor_token",
];

/// Whether values named `name` (a query/form parameter or JSON member) are
/// secrets. Case-insensitive.
pub fn is_sensitive_name(name: &str) -> bool {
    SENSITIVE_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

impl Redactor {
    /// An empty redactor: masks sensitive names only.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds a value to mask everywhere (ignored when shorter than 4 characters).
    pub fn add(&self, secret: &str) {
        if secret.len() < 4 || MASK.contains(secret) {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        for variant in spellings(secret) {
            if variant.len() >= 4 && !secrets.contains(&variant) {
                secrets.push(variant);
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Masks known values in free text.
    pub fn text(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = text.to_string();
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// Masks free text that may embed URLs or `name=value` pairs (error
    /// messages, log lines): sensitive parameters, then known values.
    pub fn message(&self, text: &str) -> String {
        self.text(&mask_params(text))
    }

    /// Masks a URL: the password of its userinfo, sensitive query and fragment
    /// parameters, then known values.
    pub fn url(&self, url: &str) -> String {
        self.text(&mask_params(&mask_userinfo(url)))
    }

    /// Masks header values: credentials and cookies by header name (the
    /// Authorization scheme word and cookie names/attributes stay visible),
    /// sensitive parameters in any other value (e.g. `location`), then known
    /// values.
    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| (name.clone(), self.header(name, value)))
            .collect()
    }

    fn header(&self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => {
                // The credential is learned too: a server that echoes it in
                // a body or an error_description must not leak it there.
                let credential = value.trim().split_once(' ').map_or(value, |(_, c)| c);
                if credential.trim().len() >= MIN_CREDENTIAL {
                    self.add(credential.trim());
                    for variant in base64_variants(credential.trim()) {
                        self.add(&variant);
                    }
                }
                match value.trim().split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {MASK}"),
                    None => MASK.to_string(),
                }
            }
            "cookie" => value
                .split(';')
                .map(|pair| match pair.split_once('=') {
                    Some((n, _)) => format!("{n}={MASK}"),
                    None => MASK.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";"),
            "set-cookie" => {
                let (pair, attributes) = match value.split_once(';') {
                    Some((pair, rest)) => (pair, Some(rest)),
                    None => (value, None),
                };
                let masked = match pair.split_once('=') {
                    Some((n, _)) => format!("{n}={MASK}"),
                    None => MASK.to_string(),
                };
                match attributes {
                    Some(rest) => self.text(&format!("{masked};{rest}")),
                    None => masked,
                }
            }
            _ if ["token", "secret", "api-key", "apikey", "password"]
                .iter()
                .any(|w| lower.contains(w)) =>
            {
                MASK.to_string()
            }
            _ => self.message(value),
        }
    }

    /// Masks a body by its content type: JSON members and HTML `<input>`
    /// values with sensitive names, `name=value` pairs anywhere (form bodies,
    /// URLs inside pages), then known values.
    pub fn body(&self, content_type: &str, text: &str) -> String {
        let ct = content_type.to_ascii_lowercase();
        let start = text.trim_start();
        let mut out = if ct.contains("json") || start.starts_with('{') || start.starts_with('[') {
            mask_json(text)
        } else {
            text.to_string()
        };
        if ct.contains("html") || ct.contains("xml") || start.starts_with('<') {
            out = mask_html_inputs(&out);
        }
        self.message(&out)
    }
}

/// The spellings under which a secret may show up in text.
fn spellings(secret: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(secret)
        .to_string();
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let lower_hex = lowercase_percent_hex(&percent);
    // JSON encoders that escape `/` (PHP's, for one) write `\/`.
    let json_slash = json.replace('/', "\\/");
    let mut out = vec![
        secret.to_string(),
        form,
        percent,
        json,
        html,
        lower_hex,
        json_slash,
    ];
    out.sort();
    out.dedup();
    out
}

/// `%2F` → `%2f`: some servers encode with lowercase hex digits.
fn lowercase_percent_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.len() >= 3 && tail.is_char_boundary(3) {
            out.push_str(&tail[..3].to_ascii_lowercase());
            rest = &tail[3..];
        } else {
            out.push_str(tail);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// Characters after which a parameter name may start.
fn is_param_boundary(c: u8) -> bool {
    matches!(
        c,
        b'?' | b'&' | b'#' | b';' | b'"' | b'\'' | b'(' | b',' | b'{' | b'[' | b'<' | b'>'
    ) || c.is_ascii_whitespace()
}

/// Characters that end a parameter value. Few on purpose: masking too much
/// is better than too little.
fn ends_param_value(c: u8) -> bool {
    matches!(c, b'&' | b'#' | b'"' | b'\'' | b'`' | b'<' | b'>') || c.is_ascii_whitespace()
}

/// Masks the value of every `name=value` pair whose name is sensitive, where
/// the name starts the text or follows a delimiter (`?`, `&`, `#`, `;`,
/// whitespace, a quote, …): queries, fragments, form bodies, and URLs or
/// pairs embedded in free text.
fn mask_params(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || is_param_boundary(bytes[i - 1]);
        if at_boundary {
            if let Some(name) = SENSITIVE_NAMES.iter().find(|n| {
                let end = i + n.len();
                end < bytes.len()
                    && bytes[i..end].eq_ignore_ascii_case(n.as_bytes())
                    && bytes[end] == b'='
            }) {
                let value_start = i + name.len() + 1;
                let mut value_end = value_start;
                while value_end < bytes.len() && !ends_param_value(bytes[value_end]) {
                    value_end += 1;
                }
                if value_end > value_start {
                    out.push_str(&text[copied..value_start]);
                    out.push_str(MASK);
                    copied = value_end;
                }
                i = value_end.max(i + 1);
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// `scheme://user:password@host` → `scheme://user:[redacted]@host`.
fn mask_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let authority_start = scheme_end + 3;
    let authority_len = url[authority_start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - authority_start);
    let authority = &url[authority_start..authority_start + authority_len];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_string();
    };
    format!(
        "{}{MASK}{}",
        &url[..authority_start + colon + 1],
        &url[authority_start + at..]
    )
}

/// Masks JSON member values whose names are sensitive (strings and other
/// scalars; objects and arrays are walked into). Works on truncated or
/// invalid JSON and keeps the original formatting.
fn mask_json(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let Some(key_end) = string_end(bytes, i) else {
            break;
        };
        let key = &text[i + 1..key_end - 1];
        let mut j = skip_ws(bytes, key_end);
        if j >= bytes.len() || bytes[j] != b':' || !is_sensitive_name(key) {
            i = key_end;
            continue;
        }
        j = skip_ws(bytes, j + 1);
        if j >= bytes.len() {
            break;
        }
        // (value start, value end, where scanning resumes)
        let (value_start, value_end, next) = match bytes[j] {
            b'"' => match string_end(bytes, j) {
                Some(end) => (j + 1, end - 1, end),
                None => (j + 1, bytes.len(), bytes.len()),
            },
            b'{' | b'[' => {
                i = j;
                continue;
            }
            _ => {
                let mut end = j;
                while end < bytes.len()
                    && !matches!(bytes[end], b',' | b'}' | b']')
                    && !bytes[end].is_ascii_whitespace()
                {
                    end += 1;
                }
                (j, end, end)
            }
        };
        if value_end > value_start {
            out.push_str(&text[copied..value_start]);
            out.push_str(MASK);
            copied = value_end;
        }
        i = next.max(j + 1);
    }
    out.push_str(&text[copied..]);
    out
}

/// The index just past the JSON string literal starting at `start` (a `"`),
/// or `None` when the text ends before the literal is closed.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut k = start + 1;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b'"' => return Some(k + 1),
            _ => k += 1,
        }
    }
    None
}

fn skip_ws(bytes: &[u8], mut k: usize) -> usize {
    while k < bytes.len() && bytes[k].is_ascii_whitespace() {
        k += 1;
    }
    k
}

/// Masks the `value` of `<input>` tags whose `name` is sensitive (a
/// form_post page carries the code and tokens in hidden inputs).
fn mask_html_inputs(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find("<input") {
        let tag_start = from + found;
        let tag_end = lower[tag_start..]
            .find('>')
            .map_or(bytes.len(), |e| tag_start + e);
        let attrs = tag_attributes(bytes, tag_start + "<input".len(), tag_end);
        let sensitive = attrs.iter().any(|a| {
            a.name.eq_ignore_ascii_case("name") && is_sensitive_name(&text[a.value.0..a.value.1])
        });
        if sensitive {
            if let Some(v) = attrs.iter().find(|a| a.name.eq_ignore_ascii_case("value")) {
                if v.value.1 > v.value.0 && v.value.0 >= copied {
                    out.push_str(&text[copied..v.value.0]);
                    out.push_str(MASK);
                    copied = v.value.1;
                }
            }
        }
        from = tag_end.max(tag_start + 1);
        if from >= bytes.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}

struct Attribute<'a> {
    name: &'a str,
    /// Byte range of the value, quotes excluded.
    value: (usize, usize),
}

/// A forgiving attribute tokenizer for one tag (`bytes[from..to]`).
fn tag_attributes(bytes: &[u8], from: usize, to: usize) -> Vec<Attribute<'_>> {
    let mut attrs = Vec::new();
    let mut k = from;
    while k < to {
        while k < to && (bytes[k].is_ascii_whitespace() || bytes[k] == b'/') {
            k += 1;
        }
        let name_start = k;
        while k < to && !bytes[k].is_ascii_whitespace() && !matches!(bytes[k], b'=' | b'/') {
            k += 1;
        }
        if k == name_start {
            k += 1;
            continue;
        }
        let name = std::str::from_utf8(&bytes[name_start..k]).unwrap_or("");
        k = skip_ws(bytes, k).min(to);
        if k < to && bytes[k] == b'=' {
            k = skip_ws(bytes, k + 1).min(to);
            let value = if k < to && (bytes[k] == b'"' || bytes[k] == b'\'') {
                let quote = bytes[k];
                let start = k + 1;
                let mut end = start;
                while end < to && bytes[end] != quote {
                    end += 1;
                }
                k = (end + 1).min(to);
                (start, end)
            } else {
                let start = k;
                while k < to && !bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                (start, k)
            };
            attrs.push(Attribute { name, value });
        } else {
            attrs.push(Attribute {
                name,
                value: (k, k),
            });
        }
    }
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor_with(secrets: &[&str]) -> Redactor {
        let r = Redactor::new();
        for s in secrets {
            r.add(s);
        }
        r
    }

    #[test]
    fn known_values_are_masked_in_every_spelling() {
        let r = redactor_with(&["s3cret pass/word&more"]);
        let text = "raw s3cret pass/word&more form s3cret+pass%2Fword%26more \
                    pct s3cret%20pass%2Fword%26more lower s3cret%20pass%2fword%26more \
                    html s3cret pass/word&amp;more";
        let masked = r.text(text);
        assert!(!masked.contains("s3cret"), "{masked}");
        assert_eq!(masked.matches(MASK).count(), 5, "{masked}");
    }

    #[test]
    fn basic_credentials_cover_form_encoded_raw_unpadded_and_url_safe() {
        use base64::Engine as _;
        let all = basic_credentials("app id", "s3cret/pass+word?");
        let standard = base64::engine::general_purpose::STANDARD;
        let form = standard.encode("app+id:s3cret%2Fpass%2Bword%3F");
        let raw = standard.encode("app id:s3cret/pass+word?");
        for expected in [&form, &raw] {
            assert!(all.contains(expected), "{expected} missing from {all:?}");
            let url = expected.replace('+', "-").replace('/', "_");
            assert!(all.contains(&url.trim_end_matches('=').to_string()));
        }
    }

    #[test]
    fn an_echoed_authorization_credential_is_masked_in_every_encoding() {
        use base64::Engine as _;
        let r = Redactor::new();
        // A credential with `+`, `/` and padding, as base64 makes them.
        let credential = base64::engine::general_purpose::STANDARD.encode("app:>>>???>>>?");
        assert!(credential.contains('+') && credential.contains('/'));
        let masked = r.headers(&[("Authorization".into(), format!("Basic {credential}"))]);
        assert_eq!(masked[0].1, format!("Basic {MASK}"));
        let json = format!(
            "{{\"error_description\":\"got Basic {}\"}}",
            credential.replace('/', "\\/")
        );
        let form: String = form_urlencoded::byte_serialize(credential.as_bytes()).collect();
        for text in [
            format!("echo: {credential}"),
            json,
            format!("http://as/err?error_description=Basic%20{form}"),
            format!("x={form}"),
            format!("unpadded {}", credential.trim_end_matches('=')),
        ] {
            let shown = r.body("application/json", &text);
            assert!(!shown.contains(credential.trim_end_matches('=')), "{shown}");
            assert!(!shown.contains(&form[..form.len() - 3]), "{shown}");
        }
    }

    #[test]
    fn short_values_and_parts_of_the_mask_are_ignored() {
        let r = redactor_with(&["abc", "dact"]);
        assert_eq!(r.text("abc dact"), "abc dact");
        assert_eq!(r.text(MASK), MASK);
    }

    #[test]
    fn longer_secret_wins_over_its_prefix() {
        let r = redactor_with(&["token", "token-and-more"]);
        assert_eq!(r.text("x token-and-more y"), format!("x {MASK} y"));
    }

    #[test]
    fn url_masks_sensitive_query_and_fragment_parameters_only() {
        let r = Redactor::new();
        let url = "http://c.example/cb?state=xyz&code=SplxlOB&iss=http%3A%2F%2Fas#access_token=abc.def&token_type=Bearer";
        assert_eq!(
            r.url(url),
            format!(
                "http://c.example/cb?state=xyz&code={MASK}&iss=http%3A%2F%2Fas#access_token={MASK}&token_type=Bearer"
            )
        );
        // Names that merely contain a sensitive word are left alone.
        let url = "/auth?response_type=code&code_challenge=abc&error_code=x&token_type_hint=refresh_token";
        assert_eq!(r.url(url), url);
    }

    #[test]
    fn url_masks_userinfo_password_and_known_values() {
        let r = redactor_with(&["learned-code-123"]);
        assert_eq!(
            r.url("https://app:pw@as.example/x?v=learned-code-123"),
            format!("https://app:{MASK}@as.example/x?v={MASK}")
        );
    }

    #[test]
    fn headers_mask_credentials_and_cookies_by_name() {
        let r = Redactor::new();
        let headers: Vec<(String, String)> = [
            ("authorization", "Basic aGFybmVzczpzZWNyZXQ="),
            ("Proxy-Authorization", "opaque"),
            ("cookie", "_session=abc; _session.sig=def"),
            (
                "set-cookie",
                "_interaction=xyz; path=/interaction/u1; httponly",
            ),
            ("location", "http://c/cb?code=abc&state=s"),
            ("x-auth-token", "abc"),
            ("content-type", "text/html"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let masked = r.headers(&headers);
        let values: Vec<&str> = masked.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            [
                format!("Basic {MASK}").as_str(),
                MASK,
                format!("_session={MASK}; _session.sig={MASK}").as_str(),
                format!("_interaction={MASK}; path=/interaction/u1; httponly").as_str(),
                format!("http://c/cb?code={MASK}&state=s").as_str(),
                MASK,
                "text/html",
            ]
        );
    }

    #[test]
    fn form_bodies_mask_sensitive_fields() {
        let r = Redactor::new();
        let body = "grant_type=authorization_code&code=abc%2Fdef&redirect_uri=http%3A%2F%2Fc%2Fcb&client_secret=s+e&code_verifier=v";
        assert_eq!(
            r.body("application/x-www-form-urlencoded", body),
            format!(
                "grant_type=authorization_code&code={MASK}&redirect_uri=http%3A%2F%2Fc%2Fcb&client_secret={MASK}&code_verifier={MASK}"
            )
        );
    }

    #[test]
    fn json_bodies_mask_sensitive_members_and_keep_formatting() {
        let r = Redactor::new();
        let body = "{\n  \"access_token\": \"at\\\"x\",\n  \"token_type\":\"Bearer\",\"expires_in\":3600,\n  \"refresh_token\" : \"rt\", \"code\": 1234, \"nested\": {\"id_token\": \"a.b.c\"}\n}";
        let masked = r.body("application/json; charset=utf-8", body);
        assert_eq!(
            masked,
            format!(
                "{{\n  \"access_token\": \"{MASK}\",\n  \"token_type\":\"Bearer\",\"expires_in\":3600,\n  \"refresh_token\" : \"{MASK}\", \"code\": {MASK}, \"nested\": {{\"id_token\": \"{MASK}\"}}\n}}"
            )
        );
    }

    #[test]
    fn truncated_json_is_still_masked() {
        let r = Redactor::new();
        assert_eq!(
            r.body("application/json", "{\"access_token\":\"abcdef"),
            format!("{{\"access_token\":\"{MASK}")
        );
    }

    #[test]
    fn html_bodies_mask_hidden_inputs_and_embedded_urls() {
        let r = Redactor::new();
        let page = r#"<form method="post" action="http://c/cb"><input type="hidden" name="code" value="abc"/><INPUT name='state' value='s'><input value=xyz name=id_token></form><a href="/cb?x=1&amp;code=zz">next</a>"#;
        let masked = r.body("text/html", page);
        assert_eq!(
            masked,
            format!(
                r#"<form method="post" action="http://c/cb"><input type="hidden" name="code" value="{MASK}"/><INPUT name='state' value='s'><input value={MASK} name=id_token></form><a href="/cb?x=1&amp;code={MASK}">next</a>"#
            )
        );
    }

    #[test]
    fn messages_mask_parameters_and_known_values() {
        let r = redactor_with(&["hunter22"]);
        assert_eq!(
            r.message("request to `http://c/cb?code=abc` failed; password hunter22"),
            format!("request to `http://c/cb?code={MASK}` failed; password {MASK}")
        );
    }

    #[test]
    fn masking_never_panics_on_odd_text() {
        let r = redactor_with(&["ünïcode-secret"]);
        for text in [
            "",
            "code=",
            "\"code\":",
            "<input name=code value=",
            "{\"code\"",
            "é=code=é",
            "http://a:b@",
            "%",
            "%é",
        ] {
            let _ = r.url(text);
            let _ = r.body("application/json", text);
            let _ = r.body("text/html", text);
            let _ = r.message(text);
        }
        assert_eq!(r.text("x ünïcode-secret"), format!("x {MASK}"));
    }
}
