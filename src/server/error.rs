//! Errors that stop the reference server from starting or running.
//!
//! Protocol errors a client provokes are not here: those are HTTP answers
//! (see `oauth_error`), never a Rust `Err` that reaches the caller of `spawn`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the reference server could not be configured, started or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration file could not be read.
    #[error("cannot read server config `{path}`: {source}")]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The configuration is not valid YAML for [`super::Config`].
    #[error("invalid server config{}:\n{message}", origin_suffix(.path))]
    ParseConfig {
        path: Option<PathBuf>,
        message: String,
    },
    /// The configuration parsed but is inconsistent (duplicate client, bad URI, …).
    #[error("invalid server config: {0}")]
    InvalidConfig(String),
    /// The listening socket could not be opened.
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The embedded test keys could not be loaded (a build defect).
    #[error("cannot load the embedded signing keys: {0}")]
    Keys(std::sync::Arc<jsonwebtoken::errors::Error>),
    /// The TLS certificate could not be generated or written.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The server stopped with an I/O error.
    #[error("server stopped: {0}")]
    Serve(#[source] std::io::Error),
}

fn origin_suffix(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => format!(" `{}`", path.display()),
        None => String::new(),
    }
}
