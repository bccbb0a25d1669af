//! Pacing for one target: how many requests may be in flight (an adaptive,
//! AIMD-style limit under the `jobs` ceiling), how fast they may start (the
//! profile's `rate`), and in what order waiting requests go (trials with
//! declared waits first, then older trials before younger ones).
//!
//! The limit starts low and grows while each request path's latency stays
//! near the fastest seen for that path; it shrinks a little when latency
//! rises and halves on a timeout, 429 or 5xx, so a slow, CPU-bound server is
//! kept busy without queueing requests into its timeouts. No lock is held
//! across an `.await`; a waiter that is dropped leaves the queue.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The concurrency a target starts at (before it has shown how it copes).
pub const START_LIMIT: f64 = 4.0;
/// Latency within this factor of a path's fastest (plus [`SLACK`]) is "flat".
const FLAT_FACTOR: f64 = 2.0;
/// Absolute slack on the flat-latency test, for fast, jittery servers.
const SLACK: Duration = Duration::from_millis(25);

/// Where a request stands in the queue: lower goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Turn {
    /// 0 for trials with declared waits (and the shared login), 1 otherwise.
    pub class: u8,
    /// The trial's start order: older trials finish first.
    pub trial: u64,
}

impl Turn {
    /// The turn of requests that belong to no trial in particular.
    pub const DEFAULT: Turn = Turn { class: 1, trial: 0 };
}

/// How a request went, for the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An answer that says nothing about load (any status but 429 and 5xx).
    Answered(Duration),
    /// A timeout, a 429 or a 5xx: the server is overloaded (or broken).
    Overloaded,
    /// The request failed in a way that says nothing about load.
    Other,
}

/// What the pacer did during a run, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PaceStats {
    /// The concurrency limit at the end of the run.
    pub final_concurrency: usize,
    /// The highest limit reached.
    pub peak_concurrency: usize,
    /// Times the limit was cut after a timeout, 429 or 5xx.
    pub backoffs: usize,
    /// Requests sent again after a timeout or 5xx (idempotent ones only).
    pub retries: usize,
}

#[derive(Debug)]
struct State {
    limit: f64,
    slow_start: bool,
    in_flight: usize,
    /// The earliest start of the next request (rate pacing).
    next: Option<Instant>,
    waiting: BTreeSet<(Turn, u64)>,
    seq: u64,
    /// The fastest answer seen per `METHOD path`.
    fastest: HashMap<String, Duration>,
    /// No second cut before this instant (one cut per burst of failures).
    calm_after: Option<Instant>,
    stats: PaceStats,
}

/// Paces the requests to one target (shared by every trial's agent).
#[derive(Debug)]
pub struct Pace {
    ceiling: usize,
    interval: Duration,
    state: Mutex<State>,
    notify: Notify,
}

impl Pace {
    /// At most `ceiling` requests in flight (the limit adapts below it) and,
    /// with a `rate`, at most that many request starts per second, evenly
    /// spaced. Zero, negative or non-finite rates mean unlimited.
    pub fn new(ceiling: usize, rate: Option<f64>) -> Pace {
        let ceiling = ceiling.max(1);
        let interval = match rate {
            Some(r) if r.is_finite() && r > 0.0 => {
                Duration::try_from_secs_f64(1.0 / r).unwrap_or(Duration::ZERO)
            }
            _ => Duration::ZERO,
        };
        let limit = START_LIMIT.min(ceiling as f64);
        Pace {
            ceiling,
            interval,
            state: Mutex::new(State {
                limit,
                slow_start: true,
                in_flight: 0,
                next: None,
                waiting: BTreeSet::new(),
                seq: 0,
                fastest: HashMap::new(),
                calm_after: None,
                stats: PaceStats {
                    final_concurrency: limit as usize,
                    peak_concurrency: limit as usize,
                    ..PaceStats::default()
                },
            }),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current limit on requests in flight.
    pub fn limit(&self) -> usize {
        (self.lock().limit.floor() as usize).clamp(1, self.ceiling)
    }

    /// The ceiling the limit grows to.
    pub fn ceiling(&self) -> usize {
        self.ceiling
    }

    /// What happened so far.
    pub fn stats(&self) -> PaceStats {
        let state = self.lock();
        PaceStats {
            final_concurrency: (state.limit.floor() as usize).clamp(1, self.ceiling),
            ..state.stats
        }
    }

    /// Counts a retry (for the report).
    pub fn count_retry(&self) {
        self.lock().stats.retries += 1;
    }

    /// Waits for this request's turn: a free place under the limit, the
    /// rate's next start, and no waiter ahead of it.
    pub async fn acquire(&self, turn: Turn) -> Permit<'_> {
        let key = {
            let mut state = self.lock();
            state.seq += 1;
            let key = (turn, state.seq);
            state.waiting.insert(key);
            key
        };
        let mut queued = Queued {
            pace: self,
            key: Some(key),
        };
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wake = {
                let mut state = self.lock();
                let first = state.waiting.first() == Some(&key);
                let room = state.in_flight < (state.limit.floor() as usize).clamp(1, self.ceiling);
                if first && room {
                    let now = Instant::now();
                    match state.next {
                        Some(at) if at > now => Some(at),
                        _ => {
                            state.waiting.remove(&key);
                            state.in_flight += 1;
                            if !self.interval.is_zero() {
                                state.next = Some(now + self.interval);
                            }
                            queued.key = None;
                            drop(state);
                            // The next in line may have room too.
                            self.notify.notify_waiters();
                            return Permit {
                                pace: self,
                                started: Instant::now(),
                            };
                        }
                    }
                } else {
                    None
                }
            };
            match wake {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    fn record(&self, key: &str, signal: Signal) {
        let mut state = self.lock();
        let now = Instant::now();
        match signal {
            Signal::Answered(latency) => {
                let fastest = *state
                    .fastest
                    .entry(key.to_string())
                    .and_modify(|f| *f = (*f).min(latency))
                    .or_insert(latency);
                let flat = latency <= fastest.mul_f64(FLAT_FACTOR) + SLACK;
                if flat {
                    // Grow only when the limit is being used.
                    if state.in_flight + 1 >= state.limit.floor() as usize {
                        let step = if state.slow_start {
                            1.0
                        } else {
                            1.0 / state.limit
                        };
                        state.limit = (state.limit + step).min(self.ceiling as f64);
                    }
                } else {
                    state.slow_start = false;
                    state.limit = (state.limit - 1.0 / state.limit).max(1.0);
                }
            }
            Signal::Overloaded => {
                state.slow_start = false;
                if state.calm_after.is_none_or(|t| now >= t) {
                    state.limit = (state.limit / 2.0).max(1.0);
                    state.stats.backoffs += 1;
                    state.calm_after = Some(now + Duration::from_secs(1));
                }
            }
            Signal::Other => {}
        }
        let limit = (state.limit.floor() as usize).clamp(1, self.ceiling);
        state.stats.peak_concurrency = state.stats.peak_concurrency.max(limit);
    }
}

/// Removes a waiter that gave up (its future was dropped) from the queue.
struct Queued<'a> {
    pace: &'a Pace,
    key: Option<(Turn, u64)>,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.pace.lock().waiting.remove(&key);
            self.pace.notify.notify_waiters();
        }
    }
}

/// A place in flight; dropping it frees the place.
#[derive(Debug)]
pub struct Permit<'a> {
    pace: &'a Pace,
    started: Instant,
}

impl Permit<'_> {
    /// When the request was let go.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Tells the pacer how the request to `key` (`METHOD path`) went.
    pub fn finish(self, key: &str, signal: Signal) {
        self.pace.record(key, signal);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.pace.lock().in_flight -= 1;
        self.pace.notify.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_rate() {
        let pace = Pace::new(8, Some(4.0));
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..5 {
            let permit = pace.acquire(Turn::DEFAULT).await;
            starts.push(start.elapsed());
            drop(permit);
        }
        let expected: Vec<Duration> = (0..5).map(|i| Duration::from_millis(250 * i)).collect();
        assert_eq!(starts, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_or_invalid_rates_mean_unlimited() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let pace = Pace::new(4, Some(rate));
            let start = Instant::now();
            for _ in 0..10 {
                drop(pace.acquire(Turn::DEFAULT).await);
            }
            assert_eq!(start.elapsed(), Duration::ZERO, "rate {rate}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_trials_go_first_then_older_trials() {
        let pace = Arc::new(Pace::new(1, Some(10.0)));
        // Hold the only place so that everyone queues.
        let hold = pace.acquire(Turn::DEFAULT).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let turns = [
            Turn { class: 1, trial: 5 },
            Turn { class: 1, trial: 2 },
            Turn { class: 0, trial: 9 },
        ];
        let mut tasks = Vec::new();
        for turn in turns {
            let (pace, order) = (pace.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let permit = pace.acquire(turn).await;
                order.lock().expect("lock").push(turn.trial);
                drop(permit);
            }));
            tokio::task::yield_now().await;
        }
        drop(hold);
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(*order.lock().expect("lock"), [9, 2, 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_caps_requests_in_flight() {
        let pace = Pace::new(32, None);
        let held: Vec<Permit<'_>> = {
            let mut held = Vec::new();
            for _ in 0..START_LIMIT as usize {
                held.push(pace.acquire(Turn::DEFAULT).await);
            }
            held
        };
        let blocked = tokio::time::timeout(Duration::from_secs(1), pace.acquire(Turn::DEFAULT));
        assert!(blocked.await.is_err(), "a fifth request waits");
        drop(held);
        let free = tokio::time::timeout(Duration::from_secs(1), pace.acquire(Turn::DEFAULT));
        assert!(free.await.is_ok(), "a freed place is taken");
    }

    #[tokio::test(start_paused = true)]
    async fn flat_latency_grows_the_limit_to_the_ceiling_and_overload_halves_it() {
        let pace = Pace::new(16, None);
        for _ in 0..100 {
            let permits: Vec<_> = {
                let mut v = Vec::new();
                for _ in 0..pace.limit() {
                    v.push(pace.acquire(Turn::DEFAULT).await);
                }
                v
            };
            for p in permits {
                p.finish("GET /x", Signal::Answered(Duration::from_millis(10)));
            }
        }
        assert_eq!(pace.limit(), 16);
        pace.acquire(Turn::DEFAULT)
            .await
            .finish("GET /x", Signal::Overloaded);
        assert_eq!(pace.limit(), 8);
        // A burst of failures cuts once.
        pace.acquire(Turn::DEFAULT)
            .await
            .finish("GET /x", Signal::Overloaded);
        assert_eq!(pace.limit(), 8);
        assert_eq!(pace.stats().backoffs, 1);
        assert_eq!(pace.stats().peak_concurrency, 16);
    }

    #[tokio::test(start_paused = true)]
    async fn rising_latency_shrinks_the_limit() {
        let pace = Pace::new(32, None);
        pace.acquire(Turn::DEFAULT)
            .await
            .finish("POST /login", Signal::Answered(Duration::from_millis(300)));
        let before = pace.limit();
        for _ in 0..20 {
            pace.acquire(Turn::DEFAULT)
                .await
                .finish("POST /login", Signal::Answered(Duration::from_millis(1500)));
        }
        assert!(pace.limit() < before, "{} < {before}", pace.limit());
        assert!(pace.limit() >= 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_waiter_leaves_the_queue() {
        let pace = Pace::new(1, None);
        let hold = pace.acquire(Turn::DEFAULT).await;
        let gave_up = tokio::time::timeout(
            Duration::from_millis(10),
            pace.acquire(Turn { class: 0, trial: 0 }),
        );
        assert!(gave_up.await.is_err());
        drop(hold);
        let next = tokio::time::timeout(Duration::from_secs(1), pace.acquire(Turn::DEFAULT));
        assert!(
            next.await.is_ok(),
            "the queue is not stuck behind the dropped waiter"
        );
    }
}
