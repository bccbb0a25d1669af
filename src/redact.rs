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
        if at_boundary
            && let Some(name) = SENSITIVE_NAMES.iter().find(|n| {
                let end = i + n.len();
                end < bytes.len()
                    && bytes[i..end].eq_ignore_ascii_case(n.as_bytes())
                    && bytes[end] == b'='
            })
        {
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
        if sensitive
            && let Some(v) = attrs.iter().find(|a| a.name.eq_ignore_ascii_case("value"))
            && v.value.1 > v.value.0
            && v.value.0 >= copied
        {
            out.push_str(&text[copied..v.value.0]);
            out.push_str(MASK);
            copied = v.value.1;
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
mod tests;
