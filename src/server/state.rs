//! What every request handler shares: the configuration, the issuer and its
//! endpoint URLs, the signing keys, and the locked in-memory store.
//!
//! The store sits behind a `std::sync::Mutex`: handlers lock it for a few
//! map operations and never across an `.await` or a signature.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::oauth::uri::UriParts;
use crate::server::config::Config;
use crate::server::flaw::Flaw;
use crate::server::keys::Keys;
use crate::server::quirk::Quirk;
use crate::server::store::Store;

/// Shared handler state.
pub type Shared = Arc<AppState>;

/// Configuration plus live state of one running server.
pub struct AppState {
    pub config: Config,
    /// The issuer identifier, used byte-for-byte everywhere (RFC 8414 §2).
    pub issuer: String,
    /// Scheme and authority of the issuer: endpoint paths are absolute
    /// paths on this origin.
    pub origin: String,
    /// The issuer's own path (`""` for a bare origin), which the well-known
    /// metadata locations are derived from (RFC 8414 §3).
    pub issuer_path: String,
    pub keys: &'static Keys,
    /// The simulated password hash (off unless configured).
    pub hasher: crate::server::hashing::Hasher,
    /// Failed client authentications, for brute-force throttling.
    pub throttle: crate::server::throttle::Throttle,
    store: Mutex<Store>,
    /// Clients registered through the registration endpoint.
    pub registry: crate::server::registry::Registry,
}

impl AppState {
    pub fn new(config: Config, issuer: String, keys: &'static Keys) -> AppState {
        let parts = UriParts::split(&issuer);
        let origin = format!(
            "{}://{}",
            parts.scheme.unwrap_or("http"),
            parts.authority.unwrap_or_default()
        );
        let issuer_path = parts.path.trim_end_matches('/').to_string();
        AppState {
            hasher: crate::server::hashing::Hasher::new(&config.hashing),
            config,
            issuer,
            origin,
            issuer_path,
            keys,
            throttle: Default::default(),
            store: Mutex::new(Store::default()),
            registry: Default::default(),
        }
    }

    /// Locks the store (sweeping expired entries now and then). A panic in
    /// another handler cannot leave the maps half-updated in a way that
    /// matters here, so a poisoned lock is simply taken over.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.sweep(self.config.ttl.code, Instant::now());
        store
    }

    /// The client with this `client_id`: configured, or registered at run time.
    pub fn client(&self, id: &str) -> Option<&crate::server::config::ClientConfig> {
        self.config.client(id).or_else(|| self.registry.get(id))
    }

    /// Whether a flaw is switched on.
    pub fn has(&self, flaw: Flaw) -> bool {
        self.config.has(flaw)
    }

    /// Whether a quirk is switched on.
    pub fn quirk(&self, quirk: Quirk) -> bool {
        self.config.quirk(quirk)
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}
