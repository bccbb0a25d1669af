//! Scheduling of one target's trials: the events the runner emits, the
//! trial places (a sleeping trial gives its place back and gets one first
//! when it wakes), the hooks a trial's agent calls, and the shared login
//! session with its safety net (a probe before sharing, a fallback to fresh
//! logins when the server rotates the session, and a rerun of a trial whose
//! shared session went stale under it).
//!
//! Places follow the target's pacer: at most `jobs`, and no more than twice
//! the requests the target is currently trusted with, so that queued
//! requests do not outlive short-lived codes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, OnceCell, mpsc};

use super::TrialReport;
use crate::agent::{Agent, Pace, PaceStats, TrialHooks, Turn};

/// Something that happened during a run, in the order it happened. The
/// console, the progress display and the report builder listen to these.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// A trial got its place and starts.
    Started { target: usize, index: usize },
    /// A trial finished a step of this kind.
    StepDone {
        target: usize,
        index: usize,
        step: String,
    },
    /// A trial sleeps until `until` (a `wait:` step), holding no place.
    Waiting {
        target: usize,
        index: usize,
        until: std::time::Instant,
    },
    /// A trial woke up and has its place again.
    Resumed { target: usize, index: usize },
    /// A request of a trial was sent again after a timeout or 5xx.
    Retried {
        target: usize,
        index: usize,
        url: String,
    },
    /// A trial is run again with its own login: it did not pass from the
    /// shared session, or that session was rotated or invalidated meanwhile.
    Rerun { target: usize, index: usize },
    /// A trial finished.
    Finished {
        target: usize,
        index: usize,
        report: Box<TrialReport>,
    },
}

/// Where events go (nowhere when nobody listens).
#[derive(Debug, Clone, Default)]
pub struct Events(Option<mpsc::UnboundedSender<RunEvent>>);

impl Events {
    /// Events sent to `sender`.
    pub fn to(sender: mpsc::UnboundedSender<RunEvent>) -> Events {
        Events(Some(sender))
    }

    /// A channel: the events and their receiver.
    pub fn channel() -> (Events, mpsc::UnboundedReceiver<RunEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Events(Some(tx)), rx)
    }

    pub(crate) fn emit(&self, event: RunEvent) {
        if let Some(sender) = &self.0 {
            // A listener that went away just stops listening.
            let _ = sender.send(event);
        }
    }
}

/// How trials got their login session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// Every trial started from a copy of one logged-in session.
    Shared,
    /// Every trial logged in itself.
    #[default]
    Fresh,
    /// Sharing started, then the server rotated the session and the rest
    /// logged in themselves.
    SharedThenFresh,
}

/// How a target's run was executed, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// The `--jobs` / `limits.jobs` ceiling.
    pub jobs: usize,
    #[serde(flatten)]
    pub pace: PaceStats,
    pub session: SessionMode,
    /// Why sessions were not (or no longer) shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_note: Option<String>,
    /// Trials run again with their own login after the shared session went
    /// stale under them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reruns: Vec<String>,
}

#[derive(Debug, Default)]
struct SlotState {
    busy: usize,
    waiting: BTreeSet<(Turn, u64)>,
    seq: u64,
}

/// Trial places for one target.
#[derive(Debug)]
pub(crate) struct Slots {
    ceiling: usize,
    pace: Arc<Pace>,
    state: Mutex<SlotState>,
    notify: Notify,
}

impl Slots {
    pub(crate) fn new(ceiling: usize, pace: Arc<Pace>) -> Slots {
        Slots {
            ceiling: ceiling.max(1),
            pace,
            state: Mutex::default(),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn capacity(&self) -> usize {
        (self.pace.limit() * 2 + 2).min(self.ceiling)
    }

    /// Waits for a place; lower turns go first.
    pub(crate) async fn acquire(self: &Arc<Self>, turn: Turn) -> Slot {
        let key = {
            let mut state = self.lock();
            state.seq += 1;
            let key = (turn, state.seq);
            state.waiting.insert(key);
            key
        };
        let mut leave = Leave {
            slots: self,
            key: Some(key),
        };
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                if state.waiting.first() == Some(&key) && state.busy < self.capacity() {
                    state.waiting.remove(&key);
                    state.busy += 1;
                    leave.key = None;
                    drop(state);
                    self.notify.notify_waiters();
                    return Slot(self.clone());
                }
            }
            // The capacity follows the pacer, which changes without telling:
            // look again now and then.
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }
}

/// Takes a waiter that gave up out of the queue.
struct Leave<'a> {
    slots: &'a Slots,
    key: Option<(Turn, u64)>,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.slots.lock().waiting.remove(&key);
            self.slots.notify.notify_waiters();
        }
    }
}

/// A trial's place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.lock().busy -= 1;
        self.0.notify.notify_waiters();
    }
}

/// The shared login session of one target and what became of it.
#[derive(Default)]
pub(crate) struct SharedSession {
    /// The logged-in agent trials copy (`None`: the login or probe failed).
    cell: OnceCell<Option<Agent>>,
    /// Sharing was given up (rotation seen); new trials log in themselves.
    off: AtomicBool,
    /// How many rotations were seen (trials compare before and after).
    rotations: AtomicUsize,
    /// Trials that started from the shared session.
    used: AtomicUsize,
    note: Mutex<Option<String>>,
    reruns: Mutex<Vec<String>>,
}

/// Why trials do not start from one shared login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NoSharedLogin {
    #[error("the shared login did not reach the client, so trials log in themselves")]
    LoginFailed,
    #[error(
        "the server asked for the password again in the shared session, so trials log in themselves"
    )]
    PasswordAgain,
    #[error(
        "the server replaced or dropped the session cookie on a second authorization (it rotates sessions), so trials log in themselves"
    )]
    Rotated,
    #[error(
        "a second authorization in the shared session did not reach the client, so trials log in themselves"
    )]
    SecondFailed,
}

impl SharedSession {
    /// The session to copy, made once (by whoever asks first).
    pub(crate) async fn get(
        &self,
        make: impl std::future::Future<Output = Result<Agent, NoSharedLogin>>,
    ) -> Option<&Agent> {
        if self.off.load(Ordering::Acquire) {
            return None;
        }
        let made = self
            .cell
            .get_or_init(|| async {
                match make.await {
                    Ok(agent) => Some(agent),
                    Err(note) => {
                        self.give_up(note.to_string());
                        None
                    }
                }
            })
            .await;
        if self.off.load(Ordering::Acquire) {
            return None;
        }
        made.as_ref()
    }

    pub(crate) fn give_up(&self, note: String) {
        self.off.store(true, Ordering::Release);
        let mut slot = self.note.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(note);
    }

    /// The server rotated or dropped the shared session.
    pub(crate) fn rotated(&self) {
        self.rotations.fetch_add(1, Ordering::AcqRel);
        self.give_up(
            "the server replaced or dropped the shared session's cookie during an authorization, so trials log in themselves"
                .into(),
        );
    }

    pub(crate) fn rotations(&self) -> usize {
        self.rotations.load(Ordering::Acquire)
    }

    pub(crate) fn count_use(&self) {
        self.used.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn rerun(&self, name: &str) {
        self.reruns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(name.to_string());
    }

    /// The mode and notes for the report; `wanted`: sharing was allowed.
    pub(crate) fn describe(&self, wanted: bool) -> (SessionMode, Option<String>, Vec<String>) {
        let used = self.used.load(Ordering::Acquire) > 0;
        let off = self.off.load(Ordering::Acquire);
        let mode = match (used, off) {
            (true, false) => SessionMode::Shared,
            (true, true) => SessionMode::SharedThenFresh,
            (false, _) => SessionMode::Fresh,
        };
        let note = if wanted {
            self.note
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        } else {
            Some("session sharing is off (`--fresh-login` or `login.reuse_session: false`)".into())
        };
        let mut reruns = self
            .reruns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        reruns.sort();
        (mode, note, reruns)
    }
}

/// What a trial's agent reports to the runner, and how it sleeps.
pub(crate) struct Hooks {
    pub(crate) target: usize,
    pub(crate) index: usize,
    pub(crate) trial: u64,
    pub(crate) events: Events,
    pub(crate) slots: Arc<Slots>,
    /// The trial's place while it is awake.
    pub(crate) slot: Mutex<Option<Slot>>,
    pub(crate) session: Arc<SharedSession>,
}

impl TrialHooks for Hooks {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let until = std::time::Instant::now() + duration;
            self.events.emit(RunEvent::Waiting {
                target: self.target,
                index: self.index,
                until,
            });
            let place = self
                .slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            drop(place);
            tokio::time::sleep(duration).await;
            // Awake again: ahead of every trial that has not slept.
            let place = self
                .slots
                .acquire(Turn {
                    class: 0,
                    trial: self.trial,
                })
                .await;
            *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(place);
            self.events.emit(RunEvent::Resumed {
                target: self.target,
                index: self.index,
            });
        })
    }

    fn retried(&self, url: &str) {
        self.events.emit(RunEvent::Retried {
            target: self.target,
            index: self.index,
            url: url.to_string(),
        });
    }

    fn session_changed(&self) {
        self.session.rotated();
    }

    fn step_done(&self, kind: &str) {
        self.events.emit(RunEvent::StepDone {
            target: self.target,
            index: self.index,
            step: kind.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn places_follow_the_ceiling_and_free_on_drop() {
        let pace = Arc::new(Pace::new(2, None));
        let slots = Arc::new(Slots::new(2, pace));
        let a = slots.acquire(Turn::DEFAULT).await;
        let _b = slots.acquire(Turn::DEFAULT).await;
        let third = tokio::time::timeout(Duration::from_secs(1), slots.acquire(Turn::DEFAULT));
        assert!(third.await.is_err(), "a third trial waits");
        drop(a);
        let third = tokio::time::timeout(Duration::from_secs(1), slots.acquire(Turn::DEFAULT));
        assert!(third.await.is_ok());
    }

    #[test]
    fn a_rotation_turns_sharing_off_and_says_why() {
        let session = SharedSession::default();
        session.count_use();
        assert_eq!(session.describe(true).0, SessionMode::Shared);
        session.rotated();
        let (mode, note, _) = session.describe(true);
        assert_eq!(mode, SessionMode::SharedThenFresh);
        assert!(note.is_some_and(|n| n.contains("replaced or dropped")));
        assert_eq!(session.rotations(), 1);
    }
}
