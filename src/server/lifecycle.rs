//! Starting and stopping the server: [`spawn`] for in-process use (tests,
//! the embedded default target) and [`serve_until_interrupted`] for
//! `oauthcheck serve`.
//!
//! Startup does no expensive work: the keys are embedded and parsed once per
//! process, the store starts empty. A running server stops when its
//! [`ServerHandle`] is shut down or dropped.

use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::server::config::Config;
use crate::server::error::ServerError;
use crate::server::keys;
use crate::server::router::router;
use crate::server::state::AppState;
use crate::server::tls;

/// How long a graceful shutdown may wait for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running server. Dropping it stops the server too.
pub struct ServerHandle {
    /// The issuer identifier (also the base URL of every endpoint).
    pub issuer: String,
    /// The address actually bound.
    pub addr: SocketAddr,
    /// In TLS mode, the PEM of the CA that signed the server's certificate
    /// (what clients must trust).
    pub ca_pem: Option<String>,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("issuer", &self.issuer)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Checks the configuration, binds `config.addr` (default `127.0.0.1:0`) and
/// serves in a background task.
pub async fn spawn(config: Config) -> Result<ServerHandle, ServerError> {
    config.validate()?;
    let keys = keys::keys()?;
    let addr = config
        .addr
        .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    let scheme = if config.tls.enabled { "https" } else { "http" };
    let issuer = config
        .issuer
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{}", reachable(addr)));
    let tls = if config.tls.enabled {
        let material = tls::TlsMaterial::generate(&certificate_hosts(addr, &issuer))?;
        if let Some(path) = &config.tls.ca_out {
            std::fs::write(path, &material.ca_pem)
                .map_err(|e| ServerError::Tls(format!("cannot write `{}`: {e}", path.display())))?;
        }
        Some(material)
    } else {
        None
    };
    let flaws = tls::TlsFlaws {
        plain_http: config.flaws.contains(&crate::server::Flaw::TlsHttpsOnly),
        legacy_versions: config.flaws.contains(&crate::server::Flaw::TlsConfig),
    };
    let ca_pem = tls.as_ref().map(|m| m.ca_pem.clone());
    let state = Arc::new(AppState::new(config, issuer.clone(), keys));
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    // A dropped sender also means "stop".
    let stopped = async move {
        let _ = stopped.await;
    };
    let task = match tls {
        Some(material) => {
            let listener = tls::TlsListener::new(listener, &material, flaws)
                .map_err(|source| ServerError::Bind { addr, source })?;
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(stopped)
                    .await
            })
        }
        None => tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
        }),
    };
    Ok(ServerHandle {
        issuer,
        addr,
        ca_pem,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

/// The names the server certificate covers: the bound address, loopback
/// names, and the issuer's host.
fn certificate_hosts(addr: SocketAddr, issuer: &str) -> Vec<String> {
    let mut hosts = vec![
        reachable(addr).ip().to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ];
    if let Some(host) = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
    {
        hosts.push(host);
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The address clients should use: a wildcard bind (`0.0.0.0`, `::`) is
/// reachable on loopback, so the default issuer names that instead.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

impl ServerHandle {
    /// The configuration the server runs with.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// Login submissions and token calls so far (each pays `hashing.cost`).
    pub fn hash_calls(&self) -> (usize, usize) {
        self.state.hasher.calls()
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        self.state.url(path)
    }

    /// Stops accepting connections and waits (briefly) for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The task finishes on its own once in-flight requests are done.
    }
}

/// Runs a server until Ctrl-C or SIGTERM. The issuer URL is the first line on
/// stdout (so scripts can read it); everything else goes to stderr.
pub async fn serve_until_interrupted(config: Config) -> Result<(), ServerError> {
    let mut stdout = std::io::stdout();
    serve_until(config, &mut stdout, interrupted()).await
}

/// Runs a server until `stop` completes, writing the issuer URL as the first
/// line of `out` (flushed at once).
pub async fn serve_until<W: Write>(
    config: Config,
    out: &mut W,
    stop: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    let handle = spawn(config).await?;
    writeln!(out, "{}", handle.issuer).map_err(ServerError::Serve)?;
    out.flush().map_err(ServerError::Serve)?;
    let flaws: Vec<&str> = handle.config().flaws.iter().map(|f| f.id()).collect();
    // A closed stderr (EPIPE) must not stop the server.
    let mut stderr = std::io::stderr();
    let _ = if flaws.is_empty() {
        writeln!(stderr, "reference server listening on {}", handle.addr)
    } else {
        writeln!(
            stderr,
            "reference server listening on {} with flaws: {}",
            handle.addr,
            flaws.join(", ")
        )
    };
    if let Some(path) = &handle.config().tls.ca_out {
        let _ = writeln!(
            stderr,
            "TLS: the CA certificate is in {} (give it to the harness with --cacert)",
            path.display()
        );
    }
    let mut handle = handle;
    let task = handle.task.take();
    tokio::pin!(stop);
    if let Some(mut task) = task {
        tokio::select! {
            () = &mut stop => {}
            result = &mut task => {
                return match result {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(ServerError::Serve(error)),
                    Err(join) => Err(ServerError::Serve(std::io::Error::other(join))),
                };
            }
        }
        handle.task = Some(task);
    }
    handle.shutdown().await;
    Ok(())
}

/// Completes on Ctrl-C, or on SIGTERM where there are signals.
async fn interrupted() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = ctrl_c => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
