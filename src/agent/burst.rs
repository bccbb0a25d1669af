//! Requests released together: the copies of one request a `race` step
//! fires at the same instant, to see whether the AS lets more than one of
//! them succeed.
//!
//! The pacer would space them out (that is its job), which would turn the
//! race into a sequence: a burst takes one place under the pacer and sends
//! its copies at once inside it. Every copy is recorded in the transcript;
//! none is retried.

use std::time::Duration;

use tokio::time::Instant;

use super::http::{pace_key, signal_for};
use super::{Agent, AgentError, Request, Response};

/// The most requests one burst may hold (the suite's `race` cap is lower).
pub const MAX_BURST: usize = 20;

impl Agent {
    /// Sends every request of `requests` at once (at most [`MAX_BURST`]:
    /// more is an error, not a truncation) and returns each result with its
    /// time, in the order given.
    pub async fn send_together(
        &self,
        requests: &[Request],
    ) -> Result<Vec<(Result<Response, AgentError>, Duration)>, AgentError> {
        if requests.len() > MAX_BURST {
            return Err(AgentError::Http {
                url: requests
                    .first()
                    .map(|r| self.redactor().url(&r.url))
                    .unwrap_or_default(),
                reason: format!(
                    "a burst of {} requests is more than the {MAX_BURST} allowed",
                    requests.len()
                ),
            });
        }
        let Some(first) = requests.first() else {
            return Ok(Vec::new());
        };
        let permit = match &self.shared.config.pace {
            Some(pace) => Some(pace.acquire(self.shared.trial.turn, &pace_key(first)).await),
            None => None,
        };
        let started = Instant::now();
        // Polled together: every copy is on the wire before any answer.
        let results =
            futures_util::future::join_all(requests.iter().map(|r| self.send_recorded(r, false)))
                .await;
        if let Some(permit) = permit {
            // A failed copy speaks for the burst, else the whole burst's time.
            let signal = results.iter().find(|(r, _)| r.is_err()).map_or_else(
                || signal_for(&results[0].0, started.elapsed()),
                |(r, d)| signal_for(r, *d),
            );
            permit.finish(signal);
        }
        Ok(results)
    }
}
