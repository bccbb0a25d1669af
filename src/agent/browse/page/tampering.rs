//! The walk's side of a `tamper` step: changing the pairs of the form it
//! aims at just before they are submitted, once, and ending the walk when
//! that kind of form comes back (what the AS answered is the result).

use super::super::super::AgentError;
use super::super::super::tamper::TamperTarget;
use super::super::Walk;
use super::PageCtx;

impl PageCtx<'_> {
    /// Whether the walk already submitted the `target` form tampered: it
    /// then ends on this page of that kind.
    pub(super) fn done_tampering(&self, walk: &Walk, target: TamperTarget) -> bool {
        walk.tampered.is_some() && self.plan.tamper.is_some_and(|t| t.target == target)
    }

    /// Applies the walk's tamper to `pairs` when it aims at `target`.
    pub(super) fn tamper(
        &self,
        walk: &mut Walk,
        target: TamperTarget,
        pairs: &mut Vec<(String, String)>,
    ) -> Result<(), AgentError> {
        let Some(tamper) = self.plan.tamper.filter(|t| t.target == target) else {
            return Ok(());
        };
        let changed = tamper
            .apply(pairs)
            .map_err(|reason| AgentError::TamperNotApplicable {
                url: self.agent.shared.redactor.url(self.current()),
                reason: reason.to_string(),
            })?;
        walk.tampered = Some(changed);
        Ok(())
    }
}
