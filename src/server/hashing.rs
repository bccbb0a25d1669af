//! A slow password hash on demand, for benchmarks: real servers spend most
//! of a second of CPU per login (a proper password hash) and often per
//! token call (hashed client secrets). With `hashing.cost` set, every login
//! submission and every token request first holds one of `hashing.cores`
//! workers for that long — queueing when all are busy, as a CPU-bound
//! server does — and is counted. The cost is simulated on the timer (not
//! burnt on the CPU), so figures do not depend on what else the machine runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Semaphore;

/// The simulated hash: its cost and how many run at once.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Hashing {
    /// Time one hash holds a worker; zero (the default) switches it off.
    #[serde(deserialize_with = "duration")]
    pub cost: Duration,
    /// Workers (the server's cores).
    pub cores: usize,
}

impl Default for Hashing {
    fn default() -> Hashing {
        Hashing {
            cost: Duration::ZERO,
            cores: 2,
        }
    }
}

fn duration<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text)
        .map_err(|error| serde::de::Error::custom(format!("invalid duration `{text}`: {error}")))
}

/// What a hash is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// A login form submission (the user's password).
    Login,
    /// A token request (the client's secret).
    Token,
}

/// Runs the simulated hashes of one server and counts the calls (counted
/// even when the cost is zero, so a fast run can count what a slow one
/// would pay for).
#[derive(Debug)]
pub struct Hasher {
    cost: Duration,
    workers: Semaphore,
    logins: AtomicUsize,
    tokens: AtomicUsize,
}

impl Hasher {
    pub fn new(hashing: &Hashing) -> Hasher {
        Hasher {
            cost: hashing.cost,
            workers: Semaphore::new(hashing.cores.max(1)),
            logins: AtomicUsize::new(0),
            tokens: AtomicUsize::new(0),
        }
    }

    /// One hash: waits for a worker, then holds it for the cost.
    pub async fn hash(&self, work: Work) {
        let counter = match work {
            Work::Login => &self.logins,
            Work::Token => &self.tokens,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if self.cost.is_zero() {
            return;
        }
        // The semaphore is never closed.
        if let Ok(_worker) = self.workers.acquire().await {
            tokio::time::sleep(self.cost).await;
        }
    }

    /// Login submissions and token calls so far.
    pub fn calls(&self) -> (usize, usize) {
        (
            self.logins.load(Ordering::Relaxed),
            self.tokens.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn hashes_queue_for_the_cores() {
        let hasher = std::sync::Arc::new(Hasher::new(&Hashing {
            cost: Duration::from_millis(300),
            cores: 2,
        }));
        let start = tokio::time::Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(Work::Token).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(start.elapsed(), Duration::from_millis(600));
        assert_eq!(hasher.calls(), (0, 4));
    }
}
