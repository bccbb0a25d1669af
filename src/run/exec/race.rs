//! The `race` step: `count` identical token requests (one code redemption,
//! or one refresh) released together through the agent's burst, to see
//! whether the AS lets more than one succeed (RFC 6749 §4.1.2: a code is
//! used once; RFC 9700 §4.14.2: a rotated refresh token is used once).
//!
//! An intrusive probe: it runs only on targets that declare `intrusive`,
//! and fires at most `MAX_RACE` requests. Its result holds counts, statuses
//! and error codes, and the first winner's tokens under `winner.*` for
//! later steps (learnt by the redactor like every token, never reported).

use serde_json::{Value, json};

use super::{StepError, Trial};
use crate::checks::{HttpExchange, ProbeResult, StepResult};
use crate::suite::{Capability, RaceStep};

impl Trial<'_> {
    pub(super) async fn race(&mut self, step: &RaceStep) -> Result<StepResult, StepError> {
        if !self.profile.capabilities.contains(&Capability::Intrusive) {
            return Err(StepError::NotApplicable(format!(
                "a race fires {} requests at once; the target profile does not declare the `intrusive` capability that allows it",
                step.count
            )));
        }
        let request = self.token_request(&step.request)?;
        let copies = vec![request; step.count];
        let results = self.agent.send_together(&copies).await?;
        let mut statuses = Vec::new();
        let mut errors = Vec::new();
        let mut successes = 0;
        let mut unanswered = Vec::new();
        let mut winner = Value::Null;
        for (result, _) in results {
            let response = match result {
                Ok(response) => response,
                Err(error) => {
                    unanswered.push(error.to_string());
                    continue;
                }
            };
            let exchange = HttpExchange::from_response(&response);
            self.learn_tokens(&exchange);
            let status = response.status;
            statuses.push(status);
            let token = exchange
                .json
                .get("access_token")
                .is_some_and(|t| !t.is_null());
            if (200..300).contains(&status) && token {
                successes += 1;
                if winner.is_null() {
                    winner = exchange.json.clone();
                }
            } else if let Some(code) = exchange.json.get("error").and_then(Value::as_str) {
                errors.push(code.to_string());
            }
        }
        if statuses.is_empty() {
            return Err(StepError::Other(format!(
                "no copy of the race was answered: {}",
                self.redactor
                    .message(unanswered.first().map_or("", String::as_str))
            )));
        }
        let refused = statuses.iter().filter(|s| (400..500).contains(*s)).count();
        let summary = format!(
            "{} identical requests released together: {successes} succeeded, {refused} refused{}{}",
            step.count,
            if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", summarize(&errors))
            },
            if unanswered.is_empty() {
                String::new()
            } else {
                format!(", {} unanswered", unanswered.len())
            },
        );
        let mut json = json!({
            "count": step.count,
            "successes": successes,
            "refused": refused,
            "unanswered": unanswered.len(),
            "statuses": statuses,
            "errors": errors,
        });
        if !winner.is_null() {
            json["winner"] = winner;
        }
        Ok(StepResult::Probe(ProbeResult { summary, json }))
    }
}

/// `3× invalid_grant, 1× server_error`.
fn summarize(codes: &[String]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for code in codes {
        match counted.iter_mut().find(|(c, _)| c == code) {
            Some((_, n)) => *n += 1,
            None => counted.push((code, 1)),
        }
    }
    counted
        .iter()
        .map(|(code, n)| format!("{n}× {code}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_codes_are_counted_in_order() {
        let codes = ["invalid_grant", "server_error", "invalid_grant"].map(String::from);
        assert_eq!(
            super::summarize(&codes),
            "2× invalid_grant, 1× server_error"
        );
    }
}
