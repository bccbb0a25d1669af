//! Where the agent's connections go and which servers it trusts: extra CA
//! certificates (`--cacert`, `limits.ca_file`), `--insecure`, and the HTTP(S)
//! proxy (`--proxy`, `limits.proxy`).
//!
//! One [`Transport`] configures every client the harness builds for a
//! target — the agent's reqwest client (discovery goes through it too) and
//! the raw request writer — so a private CA or a proxy can never apply to
//! some requests and not others. The embedded reference server is reached
//! directly ([`ProxyRoute::Direct`]): it is never proxied.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a CA file or a proxy URL cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot read the CA file `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the CA file `{source_name}` holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)")]
    NoCertificate { source_name: String },
    #[error("the CA file `{source_name}` is not a valid PEM certificate bundle: {reason}")]
    BadPem { source_name: String, reason: String },
    #[error("invalid proxy URL `{url}`: {reason}")]
    BadProxy { url: String, reason: String },
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

/// A set of CA certificates the harness trusts on top of the system's.
#[derive(Clone)]
pub struct TrustedCa {
    /// Where it came from, for messages (a path, or `reference server`).
    pub source: String,
    /// The PEM text (one or more certificates).
    pem: Arc<[u8]>,
    /// The DER of each certificate in `pem`.
    der: Arc<[Vec<u8>]>,
}

impl std::fmt::Debug for TrustedCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedCa")
            .field("source", &self.source)
            .field("certificates", &self.der.len())
            .finish()
    }
}

impl TrustedCa {
    /// Reads a PEM bundle from a file.
    pub fn from_file(path: &Path) -> Result<TrustedCa, TransportError> {
        let pem = std::fs::read(path).map_err(|source| TransportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        TrustedCa::from_pem(&path.display().to_string(), &pem)
    }

    /// A PEM bundle given as bytes; `source` names it in messages.
    pub fn from_pem(source: &str, pem: &[u8]) -> Result<TrustedCa, TransportError> {
        use tokio_rustls::rustls::pki_types::CertificateDer;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        let der: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| TransportError::BadPem {
                source_name: source.to_string(),
                reason: e.to_string(),
            })?;
        if der.is_empty() {
            return Err(TransportError::NoCertificate {
                source_name: source.to_string(),
            });
        }
        Ok(TrustedCa {
            source: source.to_string(),
            pem: pem.into(),
            der: der.into(),
        })
    }

    /// The certificates, DER-encoded.
    pub fn certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.der.iter().map(Vec::as_slice)
    }

    /// The PEM text as given.
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }
}

/// Whether and how requests go through a proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxyRoute {
    /// reqwest's default: the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`
    /// environment variables.
    #[default]
    System,
    /// Never through a proxy, whatever the environment says (the embedded
    /// reference server).
    Direct,
    /// Every request through this HTTP(S) proxy (HTTPS targets via CONNECT).
    Via(ProxyUrl),
}

/// A checked proxy URL: `http://` or `https://`, a host, an optional port,
/// optional `user:password@` (never shown: see [`ProxyUrl::shown`]).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(url::Url);

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl ProxyUrl {
    /// Checks a proxy URL.
    pub fn parse(text: &str) -> Result<ProxyUrl, TransportError> {
        let bad = |reason: &str| TransportError::BadProxy {
            url: shown_url(text),
            reason: reason.to_string(),
        };
        let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be `http` or `https`"));
        }
        if url.host().is_none() {
            return Err(bad("it has no host"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a proxy URL has no path, query or fragment"));
        }
        Ok(ProxyUrl(url))
    }

    /// `scheme://host:port`, without credentials.
    pub fn shown(&self) -> String {
        shown_url(self.0.as_str())
    }

    /// The full URL (credentials included): for the client only.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The proxy's host and port (for the raw writer's CONNECT).
    pub fn host_port(&self) -> (String, u16) {
        let host = self.0.host_str().unwrap_or_default().to_string();
        let port = self.0.port_or_known_default().unwrap_or(80);
        (host, port)
    }

    /// `Basic …` credentials for `Proxy-Authorization`, when the URL has them.
    pub fn basic_credentials(&self) -> Option<String> {
        use base64::Engine;
        if self.0.username().is_empty() {
            return None;
        }
        let pair = format!(
            "{}:{}",
            percent_decode(self.0.username()),
            percent_decode(self.0.password().unwrap_or(""))
        );
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    /// The password in the URL, for the redactor.
    pub fn secret(&self) -> Option<String> {
        self.0.password().map(percent_decode)
    }
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A URL without its `user:password@` part, for messages.
fn shown_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => "(unparsable)".to_string(),
    }
}

/// Trust and routing for every connection to one target.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// CA certificates trusted on top of the system's.
    pub ca: Vec<TrustedCa>,
    /// Skip certificate verification (`--insecure`: refused unless given,
    /// recorded in every report header).
    pub insecure: bool,
    pub proxy: ProxyRoute,
}

impl Transport {
    /// Applies trust and routing to a reqwest client builder.
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TransportError> {
        let mut certs = Vec::new();
        for ca in &self.ca {
            for der in ca.certificates() {
                certs.push(reqwest::Certificate::from_der(der).map_err(|e| {
                    TransportError::BadPem {
                        source_name: ca.source.clone(),
                        reason: e.to_string(),
                    }
                })?);
            }
        }
        if !certs.is_empty() {
            builder = builder.tls_certs_merge(certs);
        }
        if self.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder = match &self.proxy {
            ProxyRoute::System => builder,
            ProxyRoute::Direct => builder.no_proxy(),
            ProxyRoute::Via(url) => {
                let proxy =
                    reqwest::Proxy::all(url.as_str()).map_err(|e| TransportError::BadProxy {
                        url: url.shown(),
                        reason: e.to_string(),
                    })?;
                // Only the proxy we were given: no environment variables.
                builder.no_proxy().proxy(proxy.no_proxy(None))
            }
        };
        Ok(builder)
    }

    /// Secrets the transport carries (a proxy password), for the redactor.
    pub fn secrets(&self) -> Vec<String> {
        match &self.proxy {
            ProxyRoute::Via(url) => url.secret().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_url_is_shown_without_credentials() {
        let url = ProxyUrl::parse("http://user:p%40ss@proxy.example:8080").unwrap();
        assert_eq!(url.shown(), "http://proxy.example:8080");
        assert_eq!(url.secret().as_deref(), Some("p@ss"));
        assert_eq!(url.host_port(), ("proxy.example".to_string(), 8080));
        assert!(format!("{url:?}").find("p%40ss").is_none());
    }

    #[test]
    fn bad_proxy_urls_are_refused_with_a_reason() {
        for (text, reason) in [
            ("socks5://h:1", "scheme"),
            ("http://h:1/path", "no path"),
            ("not a url", "relative URL"),
        ] {
            let e = ProxyUrl::parse(text).unwrap_err().to_string();
            assert!(e.contains(reason), "{text}: {e}");
        }
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let e = TrustedCa::from_pem("x.pem", b"hello").unwrap_err();
        assert!(matches!(e, TransportError::NoCertificate { .. }), "{e}");
    }
}
