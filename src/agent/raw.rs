//! Requests below reqwest, for what reqwest cannot send: a request line
//! with a query taken byte for byte (`raw_query:` — raw space, quotes,
//! angle brackets, double-encoded values, which `url`/`http::Uri` escape or
//! refuse), and the handshake probe that offers only TLS 1.0/1.1 (rustls
//! speaks neither).
//!
//! Both go the way the agent's client goes: the same [`Transport`] (extra
//! CAs, `--insecure`, the proxy — HTTPS and the probe through `CONNECT`,
//! plain HTTP in absolute form), the same timeout, the same body cap, the
//! same redaction and transcript. Raw requests ask for the identity
//! encoding, so there is nothing to decompress. The environment's proxy
//! variables are not read here: only `--proxy`/`limits.proxy`.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::rustls;
use url::Url;

use super::transport::{ProxyRoute, Transport};

/// The most a response head (status line and headers) may take.
const MAX_HEAD: usize = 64 * 1024;

/// A byte stream to the target: plain TCP or TLS.
pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Why a raw connection or exchange failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum RawError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("{0}")]
    Protocol(String),
    #[error("timed out")]
    Timeout,
}

/// Where a URL's connection goes: its host and port.
fn host_port(url: &Url) -> Result<(String, u16), RawError> {
    let host = url
        .host_str()
        .ok_or_else(|| RawError::Connect("the URL has no host".into()))?
        .trim_matches(['[', ']'])
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| RawError::Connect("the URL has no port".into()))?;
    Ok((host, port))
}

/// A TCP connection that reaches `host:port`: directly, or through the
/// proxy with `CONNECT` (`tunnel`) or as the proxy's own connection
/// (`tunnel == false`: the caller writes an absolute-form request).
/// Returns the stream and whether it goes to a proxy without a tunnel.
async fn tcp(
    transport: &Transport,
    host: &str,
    port: u16,
    tunnel: bool,
) -> Result<(TcpStream, bool), RawError> {
    let connect = |h: String, p: u16| async move {
        TcpStream::connect((h.as_str(), p))
            .await
            .map_err(|e| RawError::Connect(format!("{h}:{p}: {e}")))
    };
    let ProxyRoute::Via(proxy) = &transport.proxy else {
        return Ok((connect(host.to_string(), port).await?, false));
    };
    if proxy.as_str().starts_with("https:") {
        return Err(RawError::Connect(
            "raw requests and handshake probes go through http:// proxies only".into(),
        ));
    }
    let (proxy_host, proxy_port) = proxy.host_port();
    let mut stream = connect(proxy_host, proxy_port).await?;
    if !tunnel {
        return Ok((stream, true));
    }
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut connect_request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(credentials) = proxy.basic_credentials() {
        connect_request.push_str(&format!("Proxy-Authorization: {credentials}\r\n"));
    }
    connect_request.push_str("\r\n");
    stream
        .write_all(connect_request.as_bytes())
        .await
        .map_err(|e| RawError::Connect(format!("proxy: {e}")))?;
    let (status, _, _) = read_head(&mut stream).await?;
    if !(200..300).contains(&status) {
        return Err(RawError::Connect(format!(
            "the proxy refused CONNECT {authority} with status {status}"
        )));
    }
    Ok((stream, false))
}

/// Reads a response head; returns the status, the headers and any bytes
/// read past the head.
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<(u16, Vec<(String, String)>, Vec<u8>), RawError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| RawError::Protocol(format!("reading the response: {e}")))?;
        if n == 0 {
            return Err(RawError::Protocol(
                "the connection closed before a complete response head".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 100];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = response.code.unwrap_or(0);
                let headers = response
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                return Ok((status, headers, buf[len..].to_vec()));
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(RawError::Protocol(format!(
                    "the response head is longer than {MAX_HEAD} bytes"
                )));
            }
            Err(e) => return Err(RawError::Protocol(format!("invalid response: {e}"))),
        }
    }
}

/// The rustls client configuration for a transport: the platform's roots
/// plus the extra CAs, or no verification at all under `--insecure`.
fn tls_config(transport: &Transport) -> Result<Arc<rustls::ClientConfig>, RawError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| RawError::Connect(e.to_string()))?;
    let config = if transport.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth()
    } else {
        let roots = transport.ca.iter().flat_map(|ca| {
            ca.certificates()
                .map(|der| rustls::pki_types::CertificateDer::from(der.to_vec()))
                .collect::<Vec<_>>()
        });
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
            .map_err(|e| RawError::Connect(e.to_string()))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// `--insecure`: every certificate is accepted (signatures are still checked
/// so the handshake itself is sound).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A response read by the raw writer.
pub(super) struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
}

/// Sends `head` (request line and headers, ending in an empty line) and
/// `body` to `url`'s server, and reads the response with the body capped at
/// `max_body`. `absolute_target` is the request line to use instead when
/// the connection goes to a proxy without a tunnel (plain http).
pub(super) async fn exchange(
    transport: &Transport,
    url: &Url,
    head_for: impl Fn(bool) -> String,
    body: &[u8],
    max_body: usize,
) -> Result<(String, RawResponse), RawError> {
    let (host, port) = host_port(url)?;
    let https = url.scheme() == "https";
    let (tcp, absolute) = tcp(transport, &host, port, https).await?;
    let mut stream: Box<dyn Io> = if https {
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| RawError::Connect(format!("`{host}`: {e}")))?;
        let connector = tokio_rustls::TlsConnector::from(tls_config(transport)?);
        Box::new(
            connector
                .connect(name, tcp)
                .await
                .map_err(|e| RawError::Connect(format!("TLS handshake: {e}")))?,
        )
    } else {
        Box::new(tcp)
    };
    let head = head_for(absolute);
    let mut wire = head.clone().into_bytes();
    wire.extend_from_slice(body);
    stream
        .write_all(&wire)
        .await
        .map_err(|e| RawError::Protocol(format!("sending the request: {e}")))?;
    let (status, headers, rest) = read_head(&mut stream).await?;
    let (body, truncated) = read_body(&mut stream, &headers, rest, max_body).await?;
    Ok((
        head,
        RawResponse {
            status,
            headers,
            body,
            truncated,
        },
    ))
}

/// Reads a body: `Content-Length` bytes, chunked, or to the end of the
/// connection; never more than `max` bytes are kept (`truncated` then).
async fn read_body(
    stream: &mut Box<dyn Io>,
    headers: &[(String, String)],
    mut buffered: Vec<u8>,
    max: usize,
) -> Result<(Vec<u8>, bool), RawError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    // Raw bytes to read at most: enough for the cap plus chunk framing.
    let budget = max.saturating_add(64 * 1024);
    let mut chunk = [0u8; 8192];
    loop {
        if length.is_some_and(|n| buffered.len() >= n) || buffered.len() >= budget {
            break;
        }
        if chunked && chunked_complete(&buffered) {
            break;
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| RawError::Protocol(format!("reading the body: {e}")))?;
        if n == 0 {
            break;
        }
        buffered.extend_from_slice(&chunk[..n]);
    }
    let mut body = if chunked {
        dechunk(&buffered)
    } else {
        buffered
    };
    if let Some(n) = length {
        body.truncate(n);
    }
    let truncated = body.len() > max;
    body.truncate(max);
    Ok((body, truncated))
}

/// Whether a chunked body has reached its last (zero-size) chunk.
fn chunked_complete(raw: &[u8]) -> bool {
    let mut at = 0;
    loop {
        let Some(eol) = find(&raw[at..], b"\r\n") else {
            return false;
        };
        let size_text = String::from_utf8_lossy(&raw[at..at + eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return true; // malformed: stop reading
        };
        if size == 0 {
            return true;
        }
        at = match at.checked_add(eol + 2 + size + 2) {
            Some(next) if next <= raw.len() => next,
            _ => return false,
        };
    }
}

/// The payload of a chunked body (as much as arrived).
fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(eol) = find(&raw[at..], b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[at..at + eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = at + eol + 2;
        let end = start.saturating_add(size).min(raw.len());
        out.extend_from_slice(&raw[start..end]);
        at = end + 2;
        if at >= raw.len() {
            break;
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a server answered to a ClientHello offering at most TLS 1.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyAnswer {
    /// A ServerHello agreeing to this version (`TLS 1.0`, `TLS 1.1`, …).
    Agreed(String),
    /// Refused: an alert, a closed connection, or something else (the reason).
    Refused(String),
}

/// Offers only TLS 1.0 and 1.1 to `url`'s server and reads its first record.
pub(super) async fn legacy_tls(
    transport: &Transport,
    url: &Url,
    timeout: Duration,
) -> Result<LegacyAnswer, RawError> {
    let deadline = Instant::now() + timeout;
    let work = async {
        let (host, port) = host_port(url)?;
        let (mut stream, _) = tcp(transport, &host, port, true).await?;
        stream
            .write_all(&legacy_client_hello(&host))
            .await
            .map_err(|e| RawError::Protocol(format!("sending the ClientHello: {e}")))?;
        let mut head = [0u8; 11];
        let mut got = 0;
        while got < head.len() {
            match stream.read(&mut head[got..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        Ok(judge_first_record(&head[..got]))
    };
    tokio::time::timeout_at(deadline, work)
        .await
        .map_err(|_| RawError::Timeout)?
}

/// Reads a server's first TLS record after a legacy ClientHello.
fn judge_first_record(record: &[u8]) -> LegacyAnswer {
    match record {
        [] => LegacyAnswer::Refused("the server closed the connection".into()),
        [0x15, ..] => LegacyAnswer::Refused("the server answered with a TLS alert".into()),
        [0x16, _, _, _, _, 2, _, _, _, 3, minor, ..] if *minor <= 2 => {
            LegacyAnswer::Agreed(format!("TLS 1.{}", minor - 1))
        }
        [0x16, _, _, _, _, 2, _, _, _, major, minor, ..] => LegacyAnswer::Refused(format!(
            "the ServerHello names version {major}.{minor}, not TLS 1.0/1.1"
        )),
        _ => LegacyAnswer::Refused("the server did not answer with a ServerHello".into()),
    }
}

/// A ClientHello whose highest version is TLS 1.1, with the usual CBC suites
/// of that era and SNI for a host name.
fn legacy_client_hello(host: &str) -> Vec<u8> {
    let mut hello = vec![3, 2]; // client_version TLS 1.1
    let random: [u8; 32] = rand_bytes();
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    let suites: [u16; 6] = [0xc014, 0xc013, 0xc00a, 0xc009, 0x0035, 0x002f];
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for suite in suites {
        hello.extend_from_slice(&suite.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // null compression
    let mut extensions = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() && host.len() < 250 {
        let name = host.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        extensions.extend_from_slice(&0u16.to_be_bytes());
        extensions.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        extensions.extend_from_slice(&sni);
    }
    // EC curves and point formats, for the ECDHE suites.
    extensions.extend_from_slice(&[0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18]);
    extensions.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    hello.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    hello.extend_from_slice(&extensions);
    let len = hello.len() as u32;
    let mut handshake = vec![1, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    handshake.extend_from_slice(&hello);
    let mut record = vec![0x16, 3, 1];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

fn rand_bytes() -> [u8; 32] {
    let mut out = [0u8; 32];
    let _ = aws_lc_rs::rand::fill(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_records_are_judged() {
        assert_eq!(
            judge_first_record(&[0x16, 3, 2, 0, 42, 2, 0, 0, 38, 3, 2]),
            LegacyAnswer::Agreed("TLS 1.1".into())
        );
        assert_eq!(
            judge_first_record(&[0x16, 3, 1, 0, 42, 2, 0, 0, 38, 3, 1]),
            LegacyAnswer::Agreed("TLS 1.0".into())
        );
        assert!(matches!(
            judge_first_record(&[0x15, 3, 3, 0, 2, 2, 70]),
            LegacyAnswer::Refused(_)
        ));
        assert!(matches!(judge_first_record(&[]), LegacyAnswer::Refused(_)));
        assert!(matches!(
            judge_first_record(&[0x16, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3]),
            LegacyAnswer::Refused(_)
        ));
    }

    #[test]
    fn the_client_hello_is_a_well_formed_record() {
        let hello = legacy_client_hello("as.example");
        assert_eq!(&hello[..3], &[0x16, 3, 1]);
        assert_eq!(
            usize::from(u16::from_be_bytes([hello[3], hello[4]])),
            hello.len() - 5
        );
        assert_eq!(hello[5], 1);
        assert_eq!(&hello[9..11], &[3, 2]);
    }

    #[test]
    fn chunked_bodies_are_decoded_and_their_end_found() {
        let raw = b"4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\n\r\n";
        assert!(chunked_complete(raw));
        assert!(!chunked_complete(&raw[..10]));
        assert_eq!(dechunk(raw), b"Wikipedia");
        assert_eq!(dechunk(&raw[..12]), b"Wiki");
    }
}
