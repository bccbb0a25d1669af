//! Judging one step's result, in this order: its `expect` (a precondition:
//! a miss is an `error`), its `any_of` (either-or outcomes, best first: the
//! first that holds decides whether the trial goes on, passes, skips or is
//! broken at a lesser level) and its `check` (the requirement: a miss is
//! `fail` or `warn` by level). The runner calls [`step`] after every step and stops
//! when it says so; [`Progress`] carries warnings and notes to the end.

use super::Verdict;
use crate::checks::{self, Env, StepResult};
use crate::run::outcome::Outcome;
use crate::suite::{Alternative, AnyOf, Level, Step, Then};

/// What the trial does after a step.
pub(super) enum Next {
    /// Run the next step.
    Continue,
    /// The trial is over with this verdict.
    End(Verdict),
}

/// What the trial has gathered so far: the first non-fatal broken check
/// (a `warn`) and the notes of the alternatives that decided.
#[derive(Default)]
pub(super) struct Progress {
    worst: Option<Verdict>,
    notes: Vec<String>,
}

impl Progress {
    /// A check broken at `level`: a `fail` ends the trial; a `warn` is kept
    /// (the first one) and the trial goes on; a broken `MAY` is information
    /// (a note on the pass), since nothing the server must or should do was
    /// missed.
    fn broken(&mut self, level: Level, message: String, location: &str) -> Option<Next> {
        if level == Level::May {
            let information = crate::run::outcome::INFORMATION;
            self.notes
                .push(format!("{information}{location}): {message}"));
            return None;
        }
        let outcome = Outcome::for_broken(level);
        let verdict = Verdict {
            outcome,
            message: Some(message),
            location: Some(location.to_string()),
        };
        if outcome == Outcome::Fail {
            return Some(Next::End(verdict));
        }
        self.worst.get_or_insert(verdict);
        None
    }

    /// A trial that cannot go on (nothing to judge on this target): a
    /// `skip` with `reason`, unless an earlier check already warned.
    pub(super) fn skip(self, reason: String, location: &str) -> Verdict {
        if self.worst.is_some() {
            return self.finish();
        }
        Verdict {
            outcome: Outcome::Skip,
            message: Some(reason),
            location: Some(location.to_string()),
        }
    }

    /// The verdict of a trial that ran to its end (or passed early): the
    /// first warning, else a pass carrying the notes.
    pub(super) fn finish(self) -> Verdict {
        self.worst.unwrap_or(Verdict {
            outcome: Outcome::Pass,
            message: (!self.notes.is_empty()).then(|| self.notes.join("\n")),
            location: None,
        })
    }
}

/// An `error` verdict at `location`.
pub(super) fn error(message: String, location: &str) -> Verdict {
    Verdict {
        outcome: Outcome::Error,
        message: Some(message),
        location: Some(location.to_string()),
    }
}

/// `  - line` per line.
pub(super) fn bullet(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("  - {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Judges `result`, the result of `step`, against its `expect`, then its
/// `any_of` (whose deciding alternative may end the trial here), then its
/// `check`. `describe` renders the actual response for messages.
pub(super) fn step(
    step: &Step,
    scenario_level: Level,
    result: &StepResult,
    env: &Env<'_>,
    describe: &dyn Fn(&StepResult) -> String,
    progress: &mut Progress,
) -> Next {
    let location = step.location.to_string();
    let kind = step.kind.name();
    if let Some(expect) = &step.expect {
        match checks::evaluate(expect, result, env) {
            Ok(problems) if problems.is_empty() => {}
            Ok(problems) => {
                let message = format!(
                    "positive control failed at the `{kind}` step, so the check could not be reached:\n{}\n{}",
                    bullet(&problems),
                    describe(result)
                );
                return Next::End(error(message, &location));
            }
            Err(e) => return Next::End(error(e.to_string(), &location)),
        }
    }
    let level = step.level.unwrap_or(scenario_level);
    if let Some(any_of) = &step.any_of
        && let Next::End(verdict) =
            alternatives(any_of, step, level, result, env, describe, progress)
    {
        return Next::End(verdict);
    }
    if let Some(check) = &step.check {
        match checks::evaluate(check, result, env) {
            Ok(problems) if problems.is_empty() => {}
            Ok(problems) => {
                // A result the harness could not read (a JWK set it could not
                // use, a 2xx that is no token response, a body cut at the
                // cap) is no evidence about the server.
                if let Some(reason) = crate::run::harness_side::cannot_judge(
                    &step.kind,
                    check,
                    result,
                    env.profile.limits.max_body,
                ) {
                    let message = format!("{reason}:\n{}\n{}", bullet(&problems), describe(result));
                    return Next::End(error(message, &location));
                }
                // A refusal with another status or code than the ideal one
                // is at most a SHOULD-level deviation (see `refusal`).
                let (level, preface) = match super::refusal::deviation(check, result, env) {
                    Ok(Some(why)) => (level.max(Level::Should), format!(" {why}:")),
                    Ok(None) => (level, String::new()),
                    Err(e) => return Next::End(error(e.to_string(), &location)),
                };
                let message = format!(
                    "{level} check broken at the `{kind}` step:{preface}\n{}\n{}",
                    bullet(&problems),
                    describe(result)
                );
                if let Some(end) = progress.broken(level, message, &location) {
                    return end;
                }
            }
            Err(e) => return Next::End(error(e.to_string(), &location)),
        }
    }
    Next::Continue
}

/// The first alternative that holds decides; see [`AnyOf`].
fn alternatives(
    any_of: &AnyOf,
    step: &Step,
    level: Level,
    result: &StepResult,
    env: &Env<'_>,
    describe: &dyn Fn(&StepResult) -> String,
    progress: &mut Progress,
) -> Next {
    let location = any_of.location.to_string();
    let kind = step.kind.name();
    let mut misses: Vec<(usize, Vec<String>)> = Vec::new();
    for (index, alternative) in any_of.alternatives.iter().enumerate() {
        match checks::evaluate(&alternative.expect, result, env) {
            Ok(problems) if problems.is_empty() => {
                return decide(alternative, kind, &misses, result, describe, progress);
            }
            Ok(problems) => misses.push((index, problems)),
            Err(e) => return Next::End(error(e.to_string(), &location)),
        }
    }
    let why = missed(&misses);
    if any_of.alternatives.iter().all(|a| a.is_check) {
        // What the harness could not read is no finding (issue 13 §3).
        let max_body = env.profile.limits.max_body;
        if let Some(reason) = any_of.alternatives.iter().find_map(|a| {
            crate::run::harness_side::cannot_judge(&step.kind, &a.expect, result, max_body)
        }) {
            let message = format!("{reason}:\n{why}\n{}", describe(result));
            return Next::End(error(message, &location));
        }
        // As for a plain check: a refusal that only differs in its status
        // or code is at most a SHOULD-level deviation.
        let mut level = level;
        for alternative in &any_of.alternatives {
            match super::refusal::deviation(&alternative.expect, result, env) {
                Ok(Some(_)) => level = level.max(Level::Should),
                Ok(None) => {}
                Err(e) => return Next::End(error(e.to_string(), &location)),
            }
        }
        let message = format!(
            "{level} check broken at the `{kind}` step: no alternative of `any_of` holds:\n{why}\n{}",
            describe(result)
        );
        return match progress.broken(level, message, &location) {
            Some(end) => end,
            None => Next::Continue,
        };
    }
    let message = format!(
        "positive control failed at the `{kind}` step: no alternative of `any_of` holds, so the check could not be reached:\n{why}\n{}",
        describe(result)
    );
    Next::End(error(message, &location))
}

/// What the alternative that holds does to the trial.
fn decide(
    alternative: &Alternative,
    kind: &str,
    misses: &[(usize, Vec<String>)],
    result: &StepResult,
    describe: &dyn Fn(&StepResult) -> String,
    progress: &mut Progress,
) -> Next {
    let location = alternative.location.to_string();
    if let Some(level) = alternative.level {
        let what = alternative
            .note
            .clone()
            .unwrap_or_else(|| "a lesser outcome held".to_string());
        let message = format!(
            "{level} check broken at the `{kind}` step: {what}; the better outcome did not hold:\n{}\n{}",
            missed(misses),
            describe(result)
        );
        if let Some(end) = progress.broken(level, message, &location) {
            return end;
        }
    } else if let Some(note) = &alternative.note
        && alternative.then != Then::Skip
    {
        progress.notes.push(note.clone());
    }
    match alternative.then {
        Then::Continue => Next::Continue,
        Then::Pass => Next::End(std::mem::take(progress).finish()),
        Then::Skip => {
            let progress = std::mem::take(progress);
            if progress.worst.is_some() {
                return Next::End(progress.finish());
            }
            Next::End(Verdict {
                outcome: Outcome::Skip,
                message: alternative.note.clone(),
                location: Some(location),
            })
        }
    }
}

/// The problems of each alternative that did not hold.
fn missed(misses: &[(usize, Vec<String>)]) -> String {
    misses
        .iter()
        .map(|(index, problems)| {
            let lines: Vec<String> = problems.iter().map(|p| format!("    - {p}")).collect();
            format!("  alternative {}:\n{}", index + 1, lines.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::agent::LoginConfig;
    use crate::redact::Redactor;
    use crate::run::vars::Vars;
    use crate::suite::{AuthMethod, Expect, Location, StepKind, WaitSpec};
    use crate::target::{Client, Endpoints, Limits, Profile, Scopes, Secret, Timing};

    pub(in crate::run::exec) fn profile() -> Profile {
        let client = Client {
            id: "app".into(),
            secret: None,
            redirect_uri: "https://client.example/cb".into(),
            other_redirect_uris: Vec::new(),
            auth_method: AuthMethod::None,
            key: None,
        };
        Profile {
            name: "test".into(),
            issuer: None,
            endpoints: Endpoints::default(),
            main: client,
            other: None,
            public: None,
            username: "u".into(),
            password: Secret::new("p"),
            login: LoginConfig::default(),
            capabilities: Default::default(),
            timing: Timing::default(),
            limits: Limits::default(),
            scopes: Scopes::default(),
            reuse_session: false,
            endpoints_origin: Default::default(),
            standard: crate::standard::StandardSet::default_for(|_| false),
            warnings: Vec::new(),
        }
    }

    fn alternative(status: u16, is_check: bool, then: Then, level: Option<Level>) -> Alternative {
        Alternative {
            expect: Expect {
                status: vec![status],
                ..Expect::default()
            },
            is_check,
            then,
            level,
            note: Some(format!("status {status}")),
            location: Location::default(),
        }
    }

    fn any_of_step(alternatives: Vec<Alternative>) -> Step {
        Step {
            kind: StepKind::Wait(WaitSpec {
                terms: Vec::new(),
                source: String::new(),
            }),
            save: Vec::new(),
            expect: None,
            check: None,
            any_of: Some(AnyOf {
                alternatives,
                location: Location::default(),
            }),
            level: None,
            location: Location::default(),
        }
    }

    /// The verdict for a result with `status`, and whether the trial went on.
    fn judge(step_: &Step, status: u16) -> (Option<Outcome>, Verdict) {
        let profile = profile();
        let vars = Vars::default();
        let redactor = Redactor::new();
        let env = Env {
            vars: &vars,
            profile: &profile,
            redactor: &redactor,
        };
        let result = StepResult::Http(crate::checks::HttpExchange {
            status,
            ..Default::default()
        });
        let mut progress = Progress::default();
        match step(
            step_,
            Level::Must,
            &result,
            &env,
            &|_| String::new(),
            &mut progress,
        ) {
            Next::Continue => (None, progress.finish()),
            Next::End(verdict) => (Some(verdict.outcome), verdict),
        }
    }

    #[test]
    fn the_first_alternative_that_holds_decides() {
        let s = any_of_step(vec![
            alternative(400, true, Then::Pass, None),
            alternative(200, false, Then::Continue, None),
        ]);
        assert_eq!(judge(&s, 400).0, Some(Outcome::Pass));
        let (ended, verdict) = judge(&s, 200);
        assert_eq!(ended, None);
        assert_eq!(verdict.outcome, Outcome::Pass);
        // Neither: an `expect` alternative makes it an error, not a fail.
        assert_eq!(judge(&s, 500).0, Some(Outcome::Error));
    }

    #[test]
    fn checks_only_fail_and_lesser_alternatives_warn() {
        let s = any_of_step(vec![
            alternative(400, true, Then::Continue, None),
            alternative(401, true, Then::Continue, Some(Level::Should)),
        ]);
        assert_eq!(judge(&s, 400).1.outcome, Outcome::Pass);
        let (ended, verdict) = judge(&s, 401);
        assert_eq!((ended, verdict.outcome), (None, Outcome::Warn));
        assert_eq!(judge(&s, 200).0, Some(Outcome::Fail));
    }

    #[test]
    fn skip_and_pass_notes_are_reported() {
        let s = any_of_step(vec![
            alternative(200, false, Then::Continue, None),
            alternative(404, false, Then::Skip, None),
        ]);
        let (ended, verdict) = judge(&s, 404);
        assert_eq!(ended, Some(Outcome::Skip));
        assert_eq!(verdict.message.as_deref(), Some("status 404"));
        let (_, verdict) = judge(&s, 200);
        assert_eq!(verdict.message.as_deref(), Some("status 200"));
    }
}
