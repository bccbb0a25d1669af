//! Pacing for one target: how many requests may be in flight (adaptive,
//! AIMD-style limits under the `jobs` ceiling), how fast they may start
//! (the profile's `rate`), and in what order waiting requests go (trials
//! with declared waits first, then older trials before younger ones).
//!
//! Each kind of request (`METHOD path`) has its own limit, so that a slow,
//! CPU-bound endpoint (a login, a token call) is held back while fast ones
//! are not. A limit starts low and grows while latency stays near the
//! fastest seen for that kind; it shrinks by a quarter when latency rises
//! and halves on a timeout, 429 or 5xx (once per round trip), so a slow
//! server is kept busy without queueing requests into its timeouts. No
//! lock is held across an `.await`; a waiter that is dropped leaves the
//! queue.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The concurrency a kind of request starts at (before the target has
/// shown how it copes).
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
    /// The limit of the most congested kind of request at the end of the
    /// run (the ceiling when none showed congestion).
    pub final_concurrency: usize,
    /// The most requests in flight at once.
    pub peak_concurrency: usize,
    /// Times the limit was cut after a timeout, 429 or 5xx.
    pub backoffs: usize,
    /// Requests sent again after a timeout or 5xx (idempotent ones only).
    pub retries: usize,
    /// Requests sent (retries and the shared login included).
    #[serde(default)]
    pub requests: usize,
}

/// The adaptive limit of one kind of request (`METHOD path`): a slow,
/// CPU-bound endpoint gets its own limit, and fast ones do not inflate it.
#[derive(Debug)]
struct Lane {
    limit: f64,
    slow_start: bool,
    in_flight: usize,
    /// The fastest answer seen.
    fastest: Option<Duration>,
    /// No second cut before this instant (one cut per round trip).
    calm_after: Option<Instant>,
}

impl Lane {
    fn new(ceiling: usize) -> Lane {
        Lane {
            limit: START_LIMIT.min(ceiling as f64),
            slow_start: true,
            in_flight: 0,
            fastest: None,
            calm_after: None,
        }
    }

    fn room(&self, ceiling: usize) -> bool {
        self.in_flight < (self.limit.floor() as usize).clamp(1, ceiling)
    }

    fn cut(&mut self, factor: f64, now: Instant) -> bool {
        self.slow_start = false;
        if self.calm_after.is_some_and(|t| now < t) {
            return false;
        }
        self.limit = (self.limit * factor).max(1.0);
        let pause = self.fastest.unwrap_or(Duration::from_millis(100));
        self.calm_after = Some(now + pause.max(Duration::from_millis(50)));
        true
    }
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    /// The earliest start of the next request (rate pacing).
    next: Option<Instant>,
    /// Waiting requests in turn order, with their lane.
    waiting: BTreeMap<(Turn, u64), String>,
    seq: u64,
    lanes: HashMap<String, Lane>,
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
    /// At most `ceiling` requests in flight (each kind of request adapts its
    /// own limit below it) and, with a `rate`, at most that many request
    /// starts per second, evenly spaced. Zero, negative or non-finite rates
    /// mean unlimited.
    pub fn new(ceiling: usize, rate: Option<f64>) -> Pace {
        let ceiling = ceiling.max(1);
        let interval = match rate {
            Some(r) if r.is_finite() && r > 0.0 => {
                Duration::try_from_secs_f64(1.0 / r).unwrap_or(Duration::ZERO)
            }
            _ => Duration::ZERO,
        };
        Pace {
            ceiling,
            interval,
            state: Mutex::default(),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The concurrency the target is trusted with: the lowest limit of the
    /// kinds of request that have shown congestion, else the highest limit
    /// reached so far (it starts at [`START_LIMIT`]).
    pub fn limit(&self) -> usize {
        self.bottleneck(&self.lock())
    }

    fn bottleneck(&self, state: &State) -> usize {
        let floor = |lane: &Lane| (lane.limit.floor() as usize).clamp(1, self.ceiling);
        let congested = state
            .lanes
            .values()
            .filter(|l| !l.slow_start)
            .map(floor)
            .min();
        congested.unwrap_or_else(|| {
            state
                .lanes
                .values()
                .map(floor)
                .max()
                .unwrap_or(START_LIMIT as usize)
                .min(self.ceiling)
        })
    }

    /// The ceiling the limits grow to.
    pub fn ceiling(&self) -> usize {
        self.ceiling
    }

    /// What happened so far.
    pub fn stats(&self) -> PaceStats {
        let state = self.lock();
        PaceStats {
            final_concurrency: self.bottleneck(&state),
            ..state.stats
        }
    }

    /// Counts a retry (for the report).
    pub fn count_retry(&self) {
        self.lock().stats.retries += 1;
    }

    /// Waits for this request's turn: room under the ceiling and under its
    /// lane's limit (`lane` is `METHOD path`), the rate's next start, and no
    /// waiter ahead of it that could go.
    pub async fn acquire(&self, turn: Turn, lane: &str) -> Permit<'_> {
        let key = {
            let mut state = self.lock();
            state.seq += 1;
            let key = (turn, state.seq);
            state.waiting.insert(key, lane.to_string());
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
                if self.may_go(&state, key, lane) {
                    let now = Instant::now();
                    match state.next {
                        Some(at) if at > now => Some(at),
                        _ => {
                            state.waiting.remove(&key);
                            state.in_flight += 1;
                            let ceiling = self.ceiling;
                            state
                                .lanes
                                .entry(lane.to_string())
                                .or_insert_with(|| Lane::new(ceiling))
                                .in_flight += 1;
                            state.stats.peak_concurrency =
                                state.stats.peak_concurrency.max(state.in_flight);
                            state.stats.requests += 1;
                            if !self.interval.is_zero() {
                                state.next = Some(now + self.interval);
                            }
                            queued.key = None;
                            drop(state);
                            // The next in line may have room too.
                            self.notify.notify_waiters();
                            return Permit {
                                pace: self,
                                lane: lane.to_string(),
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

    /// Room for `lane`, and no earlier waiter that has room for its own.
    fn may_go(&self, state: &State, key: (Turn, u64), lane: &str) -> bool {
        if state.in_flight >= self.ceiling {
            return false;
        }
        let room = |lane: &str| state.lanes.get(lane).is_none_or(|l| l.room(self.ceiling));
        if !room(lane) {
            return false;
        }
        !state.waiting.range(..key).any(|(_, other)| room(other))
    }

    fn record(&self, lane: &str, signal: Signal) {
        let mut state = self.lock();
        let now = Instant::now();
        let ceiling = self.ceiling;
        let lane = state
            .lanes
            .entry(lane.to_string())
            .or_insert_with(|| Lane::new(ceiling));
        let mut backoff = false;
        match signal {
            Signal::Answered(latency) => {
                let fastest = lane.fastest.map_or(latency, |f| f.min(latency));
                lane.fastest = Some(fastest);
                if latency <= fastest.mul_f64(FLAT_FACTOR) + SLACK {
                    // Grow only while the limit is being used.
                    if lane.in_flight as f64 >= lane.limit / 2.0 {
                        let step = if lane.slow_start {
                            1.0
                        } else {
                            1.0 / lane.limit
                        };
                        lane.limit = (lane.limit + step).min(ceiling as f64);
                    }
                } else {
                    lane.cut(0.75, now);
                }
            }
            Signal::Overloaded => backoff = lane.cut(0.5, now),
            Signal::Other => {}
        }
        if backoff {
            state.stats.backoffs += 1;
        }
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
    lane: String,
    started: Instant,
}

impl Permit<'_> {
    /// When the request was let go.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Tells the pacer how the request went.
    pub fn finish(self, signal: Signal) {
        self.pace.record(&self.lane, signal);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.pace.lock();
        state.in_flight -= 1;
        if let Some(lane) = state.lanes.get_mut(&self.lane) {
            lane.in_flight -= 1;
        }
        drop(state);
        self.pace.notify.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const GET: &str = "GET /x";

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_rate() {
        let pace = Pace::new(8, Some(4.0));
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..5 {
            let permit = pace.acquire(Turn::DEFAULT, GET).await;
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
                drop(pace.acquire(Turn::DEFAULT, GET).await);
            }
            assert_eq!(start.elapsed(), Duration::ZERO, "rate {rate}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_trials_go_first_then_older_trials() {
        let pace = Arc::new(Pace::new(1, Some(10.0)));
        // Hold the only place so that everyone queues.
        let hold = pace.acquire(Turn::DEFAULT, GET).await;
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
                let permit = pace.acquire(turn, GET).await;
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
    async fn a_lane_limit_caps_its_requests_but_not_other_lanes() {
        let pace = Pace::new(32, None);
        let mut held = Vec::new();
        for _ in 0..START_LIMIT as usize {
            held.push(pace.acquire(Turn::DEFAULT, "POST /login").await);
        }
        let blocked = tokio::time::timeout(
            Duration::from_secs(1),
            pace.acquire(Turn::DEFAULT, "POST /login"),
        );
        assert!(blocked.await.is_err(), "a fifth login waits");
        let other = tokio::time::timeout(Duration::from_secs(1), pace.acquire(Turn::DEFAULT, GET));
        assert!(other.await.is_ok(), "another kind of request goes on");
        drop(held);
        let free = tokio::time::timeout(
            Duration::from_secs(1),
            pace.acquire(Turn::DEFAULT, "POST /login"),
        );
        assert!(free.await.is_ok(), "a freed place is taken");
    }

    #[tokio::test(start_paused = true)]
    async fn the_ceiling_caps_everything() {
        let pace = Pace::new(2, None);
        let _a = pace.acquire(Turn::DEFAULT, "GET /a").await;
        let _b = pace.acquire(Turn::DEFAULT, "GET /b").await;
        let c = tokio::time::timeout(
            Duration::from_secs(1),
            pace.acquire(Turn::DEFAULT, "GET /c"),
        );
        assert!(c.await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn flat_latency_grows_the_limit_to_the_ceiling_and_overload_halves_it() {
        let pace = Pace::new(16, None);
        let lane_limit = |pace: &Pace| {
            let state = pace.lock();
            state.lanes.get(GET).map(|l| l.limit.floor() as usize)
        };
        for _ in 0..100 {
            let limit = lane_limit(&pace).unwrap_or(START_LIMIT as usize);
            let mut permits = Vec::new();
            for _ in 0..limit {
                permits.push(pace.acquire(Turn::DEFAULT, GET).await);
            }
            for p in permits {
                p.finish(Signal::Answered(Duration::from_millis(10)));
            }
        }
        assert_eq!(lane_limit(&pace), Some(16));
        assert_eq!(pace.limit(), 16, "no congestion: the highest lane limit");
        pace.acquire(Turn::DEFAULT, GET)
            .await
            .finish(Signal::Overloaded);
        assert_eq!(lane_limit(&pace), Some(8));
        // A burst of failures cuts once per round trip.
        pace.acquire(Turn::DEFAULT, GET)
            .await
            .finish(Signal::Overloaded);
        assert_eq!(lane_limit(&pace), Some(8));
        assert_eq!(pace.stats().backoffs, 1);
        assert_eq!(pace.stats().final_concurrency, 8);
    }

    #[tokio::test(start_paused = true)]
    async fn rising_latency_shrinks_the_limit() {
        let pace = Pace::new(32, None);
        let login = "POST /login";
        pace.acquire(Turn::DEFAULT, login)
            .await
            .finish(Signal::Answered(Duration::from_millis(300)));
        for _ in 0..20 {
            pace.acquire(Turn::DEFAULT, login)
                .await
                .finish(Signal::Answered(Duration::from_millis(1500)));
            tokio::time::advance(Duration::from_millis(400)).await;
        }
        assert_eq!(pace.limit(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_waiter_leaves_the_queue() {
        let pace = Pace::new(1, None);
        let hold = pace.acquire(Turn::DEFAULT, GET).await;
        let gave_up = tokio::time::timeout(
            Duration::from_millis(10),
            pace.acquire(Turn { class: 0, trial: 0 }, GET),
        );
        assert!(gave_up.await.is_err());
        drop(hold);
        let next = tokio::time::timeout(Duration::from_secs(1), pace.acquire(Turn::DEFAULT, GET));
        assert!(
            next.await.is_ok(),
            "the queue is not stuck behind the dropped waiter"
        );
    }
}
