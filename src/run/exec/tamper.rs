//! The `tamper` step: a default authorization run whose login or consent
//! form is submitted changed (a field dropped, changed or added). Its result
//! is an `authorize` result plus `tampered` (the names of the fields
//! changed, never their values), so the same checks apply: typically that
//! no code reached the client (RFC 6749 §10.12).

use super::{StepError, Trial};
use crate::agent::{FieldRef, Tamper, TamperTarget};
use crate::checks::{AuthorizationOutcome, StepResult};
use crate::suite::{AuthorizeStep, FormField, TamperForm, TamperStep};

impl Trial<'_> {
    pub(super) async fn tamper(&mut self, step: &TamperStep) -> Result<StepResult, StepError> {
        let field = |f: &FormField| match f {
            FormField::Named(name) => FieldRef::Named(name.clone()),
            FormField::AntiForgery => FieldRef::AntiForgery,
        };
        let mut set = Vec::new();
        for (name, value) in &step.set {
            set.push((field(name), self.vars.fill(value, self.profile)?));
        }
        let mut add = Vec::new();
        for (name, value) in &step.add {
            add.push((name.clone(), self.vars.fill(value, self.profile)?));
        }
        let target = match step.form {
            TamperForm::Login => TamperTarget::Login,
            TamperForm::Consent => TamperTarget::Consent,
        };
        // The login form is only shown to a browser without a session; the
        // consent page only when the AS is made to ask.
        let authorize = AuthorizeStep {
            client: step.client,
            params: step.params.clone(),
            fresh_session: target == TamperTarget::Login,
            force_consent: target == TamperTarget::Consent,
            ..AuthorizeStep::default()
        };
        self.tamper = Some(Tamper {
            target,
            drop: step.drop.iter().map(field).collect(),
            set,
            add,
        });
        let result = self.authorize(&authorize, false).await;
        self.tamper = None;
        let result = result?;
        let tampered = match result.authorization().map(|a| &a.outcome) {
            Some(AuthorizationOutcome::Browsed(browse)) => browse.tampered.is_some(),
            _ => false,
        };
        if !tampered {
            let form = match target {
                TamperTarget::Login => "login",
                TamperTarget::Consent => "consent",
            };
            return Err(StepError::Other(format!(
                "the walk never submitted a {form} form, so nothing was tampered with\n{}",
                self.describe(&result)
            )));
        }
        Ok(result)
    }
}
