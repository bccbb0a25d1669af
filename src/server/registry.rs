//! Clients registered at run time through the registration endpoint
//! (RFC 7591): a fixed number of write-once slots, so a registered client
//! can be borrowed for as long as the server state lives, like a configured
//! one, and a flood of registrations cannot grow memory without bound.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::server::config::ClientConfig;

/// How many clients one server accepts through registration.
pub const MAX_REGISTERED: usize = 64;

/// The registered clients, in order of registration.
pub struct Registry {
    slots: Box<[OnceLock<ClientConfig>]>,
    next: AtomicUsize,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            slots: (0..MAX_REGISTERED).map(|_| OnceLock::new()).collect(),
            next: AtomicUsize::new(0),
        }
    }
}

impl Registry {
    /// Stores a client; `false` when every slot is taken.
    pub fn add(&self, client: ClientConfig) -> bool {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        match self.slots.get(index) {
            Some(slot) => slot.set(client).is_ok(),
            None => false,
        }
    }

    /// The registered client with this `client_id`.
    pub fn get(&self, id: &str) -> Option<&ClientConfig> {
        self.slots
            .iter()
            .filter_map(OnceLock::get)
            .find(|client| client.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_stop_at_the_cap() {
        let registry = Registry::default();
        let base = crate::server::Config::default().clients[0].clone();
        for i in 0..MAX_REGISTERED {
            let mut client = base.clone();
            client.id = format!("c{i}");
            assert!(registry.add(client));
        }
        assert!(!registry.add(base.clone()));
        assert_eq!(registry.get("c7").map(|c| c.id.as_str()), Some("c7"));
        assert!(registry.get(&base.id).is_none());
    }
}
