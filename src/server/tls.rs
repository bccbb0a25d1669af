//! The reference server's TLS mode: a private CA and a server certificate
//! generated at start (rcgen), served with rustls through an axum
//! [`Listener`] that does the handshakes off the accept loop.
//!
//! The CA's PEM is what a user passes to the harness (`--cacert`); `serve
//! --tls` writes it to a file. Two flaws act here, below HTTP, because that
//! is where the defects they stand for live: `tls.https-only` also answers
//! plain HTTP on the TLS port (and so processes requests in clear), and
//! `tls.config` answers a ClientHello that offers only TLS 1.0/1.1 with a
//! ServerHello for that version (rustls has no TLS 1.1, so the handshake
//! goes no further, but the agreement on the wire is the defect a handshake
//! probe sees).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;

use crate::server::error::ServerError;

/// How long a client may take to complete its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections whose handshake finished but that axum has not taken yet.
const READY_BACKLOG: usize = 256;

/// The `tls:` key of the server configuration: `tls: true`, or
/// `tls: { ca_out: FILE }` to also write the CA certificate there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// Serve HTTPS (the issuer becomes `https://…`).
    pub enabled: bool,
    /// Where to write the generated CA certificate (PEM).
    pub ca_out: Option<PathBuf>,
}

impl<'de> Deserialize<'de> for TlsConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Settings(Settings),
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Settings {
            ca_out: Option<PathBuf>,
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Flag(enabled) => TlsConfig {
                enabled,
                ca_out: None,
            },
            Raw::Settings(s) => TlsConfig {
                enabled: true,
                ca_out: s.ca_out,
            },
        })
    }
}

/// A CA and the server certificate it signed, ready to serve.
pub struct TlsMaterial {
    /// The CA certificate, PEM: what clients must trust.
    pub ca_pem: String,
    acceptor: TlsAcceptor,
}

impl TlsMaterial {
    /// Generates a CA and a certificate for `hosts` (IP addresses or DNS
    /// names), with rcgen's default validity (1975 to 4096): a test CA whose
    /// key lives only in this process.
    pub fn generate(hosts: &[String]) -> Result<TlsMaterial, ServerError> {
        let fail = |e: rcgen::Error| ServerError::Tls(e.to_string());
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "oauthcheck reference server CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = rcgen::KeyPair::generate().map_err(fail)?;
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(fail)?;

        let mut leaf_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "oauthcheck reference server");
        for host in hosts {
            let san = match host.parse::<IpAddr>() {
                Ok(ip) => rcgen::SanType::IpAddress(ip),
                Err(_) => rcgen::SanType::DnsName(
                    host.clone()
                        .try_into()
                        .map_err(|e: rcgen::Error| ServerError::Tls(format!("`{host}`: {e}")))?,
                ),
            };
            leaf_params.subject_alt_names.push(san);
        }
        leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = rcgen::KeyPair::generate().map_err(fail)?;
        let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(fail)?;

        let chain = vec![leaf.der().clone(), ca.der().clone()];
        let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
            .map_err(|e| ServerError::Tls(e.to_string()))?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| ServerError::Tls(e.to_string()))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsMaterial {
            ca_pem: ca.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// What the listener does wrong on purpose (the `tls.*` flaws).
#[derive(Clone, Copy, Debug, Default)]
pub struct TlsFlaws {
    /// Answer plain HTTP on the TLS port too.
    pub plain_http: bool,
    /// Agree to TLS 1.0/1.1 in the ServerHello.
    pub legacy_versions: bool,
}

/// One accepted connection: TLS, or plain HTTP under the `tls.https-only` flaw.
pub enum Conn {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// An axum listener that hands over connections once their handshake is done.
pub struct TlsListener {
    ready: mpsc::Receiver<(Conn, SocketAddr)>,
    addr: SocketAddr,
    accept_task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl TlsListener {
    /// Serves TLS on `listener`; handshakes run in their own tasks, so a
    /// slow or silent client holds up nobody.
    pub fn new(
        listener: TcpListener,
        material: &TlsMaterial,
        flaws: TlsFlaws,
    ) -> io::Result<TlsListener> {
        let addr = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_BACKLOG);
        let acceptor = material.acceptor.clone();
        let accept_task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(pair) => pair,
                    Err(_) => {
                        // Too many open files and the like: wait, go on.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let conn =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, open(stream, &acceptor, flaws))
                            .await;
                    if let Ok(Some(conn)) = conn {
                        let _ = tx.send((conn, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener {
            ready,
            addr,
            accept_task,
        })
    }
}

/// The first bytes of a connection decide what it is: a TLS handshake
/// record (0x16) goes to rustls, anything else is plain HTTP, served only
/// under the `tls.https-only` flaw.
async fn open(mut stream: TcpStream, acceptor: &TlsAcceptor, flaws: TlsFlaws) -> Option<Conn> {
    let mut head = [0u8; 11];
    let seen = peek_at_least(&stream, &mut head, 1).await?;
    if head[0] != 0x16 {
        return if flaws.plain_http {
            Some(Conn::Plain(stream))
        } else {
            // rustls answers with an alert and closes.
            acceptor
                .accept(stream)
                .await
                .ok()
                .map(|s| Conn::Tls(Box::new(s)))
        };
    }
    if flaws.legacy_versions {
        let seen = if seen < head.len() {
            peek_at_least(&stream, &mut head, 11).await?
        } else {
            seen
        };
        // Record header (5), handshake type 1 = ClientHello (1), length (3),
        // then the client's highest version.
        if seen >= 11 && head[5] == 1 && head[9] == 3 && head[10] <= 2 {
            let _ = stream.write_all(&legacy_server_hello(head[10])).await;
            let _ = stream.shutdown().await;
            return None;
        }
    }
    acceptor
        .accept(stream)
        .await
        .ok()
        .map(|s| Conn::Tls(Box::new(s)))
}

/// Peeks until at least `want` bytes are buffered (or the peer stops sending).
async fn peek_at_least(stream: &TcpStream, buf: &mut [u8], want: usize) -> Option<usize> {
    for _ in 0..50 {
        let n = stream.peek(buf).await.ok()?;
        if n == 0 {
            return None;
        }
        if n >= want {
            return Some(n);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// A ServerHello agreeing to TLS 1.`minor - 1` with TLS_RSA_WITH_AES_128_CBC_SHA.
fn legacy_server_hello(minor: u8) -> Vec<u8> {
    let mut body = vec![3, minor];
    body.extend_from_slice(&[0x5a; 32]); // server random
    body.push(0); // no session id
    body.extend_from_slice(&[0x00, 0x2f]); // cipher suite
    body.push(0); // null compression
    let mut handshake = vec![2, 0, 0, body.len() as u8];
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 3, minor, 0, handshake.len() as u8];
    record.extend_from_slice(&handshake);
    record
}

impl axum::serve::Listener for TlsListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        match self.ready.recv().await {
            Some(pair) => pair,
            // The accept task never ends on its own; if it did, stall
            // rather than spin.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_key_is_a_flag_or_a_map() {
        #[derive(Deserialize)]
        struct Holder {
            tls: TlsConfig,
        }
        let flag: Holder = serde_saphyr::from_str("tls: true").unwrap();
        assert_eq!(
            flag.tls,
            TlsConfig {
                enabled: true,
                ca_out: None
            }
        );
        let map: Holder = serde_saphyr::from_str("tls: { ca_out: ca.pem }").unwrap();
        assert!(map.tls.enabled);
        assert_eq!(map.tls.ca_out, Some(PathBuf::from("ca.pem")));
        assert!(serde_saphyr::from_str::<Holder>("tls: { cert: x }").is_err());
    }

    #[test]
    fn a_legacy_server_hello_is_a_well_formed_record() {
        let hello = legacy_server_hello(2);
        assert_eq!(&hello[..3], &[0x16, 3, 2]);
        assert_eq!(usize::from(hello[4]), hello.len() - 5);
        assert_eq!(hello[5], 2, "handshake type ServerHello");
        assert_eq!(&hello[9..11], &[3, 2]);
    }
}
