//! Throttling of client-secret guessing (RFC 6749 §2.3.1: the server "MUST
//! protect any endpoint utilizing it against brute force attacks").
//!
//! Failed secret checks are counted per client over a sliding window; past
//! [`LIMIT`] within [`WINDOW`], further failed attempts of that client are
//! answered `429 Too Many Requests` with `Retry-After` instead of being
//! judged one by one. The correct secret keeps working, so a legitimate
//! client running alongside an attack is never locked out (a production
//! server would also throttle the attacking source; the reference server has
//! only loopback callers to tell apart). The `client-auth.bruteforce` flaw
//! switches the throttle off.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failed attempts per client allowed within [`WINDOW`].
pub const LIMIT: usize = 10;
/// How long a failure counts.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Recent failures per `client_id`.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    /// Records a failed secret check of `client_id` at `now`; returns how
    /// long the caller should wait when the client is now over the limit.
    pub fn failed(&self, client_id: &str, now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let recent = failures.entry(client_id.to_string()).or_default();
        while recent
            .front()
            .is_some_and(|&at| now.duration_since(at) >= WINDOW)
        {
            recent.pop_front();
        }
        recent.push_back(now);
        // Bounded: no more than one window's worth past the limit is kept.
        if recent.len() > 2 * LIMIT {
            recent.pop_front();
        }
        (recent.len() > LIMIT).then(|| {
            let oldest = recent.front().copied().unwrap_or(now);
            WINDOW.saturating_sub(now.duration_since(oldest))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_failures_are_throttled_until_the_window_passes() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for _ in 0..LIMIT {
            assert_eq!(throttle.failed("app", start), None);
        }
        assert!(throttle.failed("app", start).is_some());
        assert_eq!(throttle.failed("other", start), None);
        assert_eq!(throttle.failed("app", start + WINDOW), None);
    }
}
