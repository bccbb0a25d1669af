//! Request pacing for one target: an interval pacer on tokio time, shared by
//! every agent that talks to that target. It only delays request starts; it
//! must not hold a lock across an `.await` or limit concurrency (the runner
//! caps that separately).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Paces requests to one target: at most `per_second` request starts per second.
#[derive(Debug)]
pub struct RateLimiter {
    /// Time between two request starts; zero = unlimited.
    interval: Duration,
    /// The earliest start of the next request.
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A pacer allowing `per_second` request starts per second, evenly spaced.
    /// Zero, negative or non-finite rates mean unlimited.
    pub fn new(per_second: f64) -> RateLimiter {
        let interval = if per_second.is_finite() && per_second > 0.0 {
            Duration::try_from_secs_f64(1.0 / per_second).unwrap_or(Duration::ZERO)
        } else {
            Duration::ZERO
        };
        RateLimiter {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits until the next request may start.
    pub async fn acquire(&self) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = match *next {
                Some(at) if at > now => at,
                _ => now,
            };
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_interval() {
        let limiter = RateLimiter::new(4.0);
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..5 {
            limiter.acquire().await;
            starts.push(start.elapsed());
        }
        let expected: Vec<Duration> = (0..5).map(|i| Duration::from_millis(250 * i)).collect();
        assert_eq!(starts, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_the_pace() {
        let limiter = std::sync::Arc::new(RateLimiter::new(10.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.expect("task"));
        }
        starts.sort();
        assert_eq!(starts, [0, 100, 200].map(Duration::from_millis).to_vec());
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_does_not_bank_requests() {
        let limiter = RateLimiter::new(2.0);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_or_invalid_rates_mean_unlimited() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let limiter = RateLimiter::new(rate);
            let start = Instant::now();
            for _ in 0..10 {
                limiter.acquire().await;
            }
            assert_eq!(start.elapsed(), Duration::ZERO, "rate {rate}");
        }
    }
}
