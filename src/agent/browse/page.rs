//! One HTML page of the front-channel walk and the phases tried on it, in
//! order: a prompt meta refresh to the client, a form_post response, the
//! login form (one or two steps), the consent page, then an interstitial
//! that moves on by itself (or the end of the walk). `browse` reads each
//! response into a [`PageCtx`] and asks these phases what to do next.

use super::super::consent::{
    Control, approval_fields, approve_control, denial_fields, deny_control, script_only_deny,
    unticked_denial,
};
use super::super::forms::{Field, Form, Page, Role, set_field, untick_remember};
use super::super::tamper::TamperTarget;
use super::super::{
    Agent, AgentError, Consent, Navigation, NavigationKind, PageKind, PageSeen, Response,
};
use super::{After, Nav, Plan, Step, Walk, to_client};

/// A meta refresh to the client with at most this delay (seconds) ends the
/// walk before login/consent detection; a slower one only when the page
/// offers nothing else.
const PROMPT_REFRESH: f64 = 5.0;

/// How often a consent page may be answered in one walk before the agent
/// concludes its answer is not taken.
const MAX_CONSENT_ANSWERS: usize = 2;

/// A login failure at `url`, redacted.
pub(super) fn login_failed(agent: &Agent, url: &str, reason: &str) -> AgentError {
    let redactor = &agent.shared.redactor;
    AgentError::LoginFailed {
        url: redactor.url(url),
        reason: redactor.message(reason),
    }
}

/// One HTML page of the walk and everything needed to act on it.
pub(super) struct PageCtx<'a> {
    agent: &'a Agent,
    plan: &'a Plan<'a>,
    nav: &'a Nav,
    pub(super) status: u16,
    page: Page,
    /// Where relative references resolve (`<base href>` or the page URL).
    base: String,
    /// The response headers, redacted.
    headers: Vec<(String, String)>,
    /// The meta refresh, resolved.
    refresh: Option<(f64, String)>,
}

impl<'a> PageCtx<'a> {
    pub(super) fn new(
        agent: &'a Agent,
        plan: &'a Plan<'a>,
        nav: &'a Nav,
        response: &Response,
        text: &str,
    ) -> PageCtx<'a> {
        let page = Page::parse(text, plan.hints);
        let current = nav.url.as_str();
        let base = page
            .base_href
            .as_deref()
            .and_then(|b| agent.resolve(current, b).ok())
            .unwrap_or_else(|| current.to_string());
        let refresh = page
            .meta_refresh
            .as_ref()
            .and_then(|(delay, r)| Some((*delay, agent.resolve(&base, r).ok()?)));
        PageCtx {
            agent,
            plan,
            nav,
            status: response.status,
            headers: agent.shared.redactor.headers(&response.headers),
            page,
            base,
            refresh,
        }
    }

    fn current(&self) -> &str {
        &self.nav.url
    }

    /// The page as recorded for header checks.
    pub(super) fn seen(&self, kind: PageKind) -> PageSeen {
        let referenced = self
            .page
            .subresources
            .iter()
            .chain(self.page.links.iter().map(|link| &link.href));
        let mut third_party: Vec<String> = Vec::new();
        for reference in referenced {
            if let Ok(url) = self.agent.resolve(&self.base, reference)
                && let Some(origin) = self.plan.scope.third_party_origin(&url)
                && !third_party.contains(&origin)
            {
                third_party.push(origin);
            }
        }
        PageSeen {
            kind,
            url: self.agent.shared.redactor.url(self.current()),
            status: self.status,
            headers: self.headers.clone(),
            third_party,
        }
    }

    /// The walk ends on this page.
    pub(super) fn stayed(&self) -> Step {
        Step::Done(Navigation::Stayed {
            status: self.status,
            url: self.current().to_string(),
            title: self.page.title.clone(),
        })
    }

    fn consent_failed(&self, reason: String) -> AgentError {
        AgentError::ConsentFailed {
            url: self.agent.shared.redactor.url(self.current()),
            reason,
        }
    }

    /// (1) A prompt meta refresh to the client (a slow one, such as a
    /// session-timeout refresh on a login page, waits for the interstitial
    /// phase).
    pub(super) fn try_prompt_refresh(&self, walk: &mut Walk) -> Option<Step> {
        let (_, target) = self.refresh.as_ref().filter(|(delay, target)| {
            *delay <= PROMPT_REFRESH && self.plan.scope.leaves_as(target)
        })?;
        walk.pages.push(self.seen(PageKind::Other));
        Some(Step::Done(to_client(
            target.clone(),
            NavigationKind::MetaRefresh,
        )))
    }

    /// (2) form_post: a self-submitting form leaving the AS, or any form
    /// aimed at a client URI.
    pub(super) fn try_form_post(&self, walk: &mut Walk) -> Option<Step> {
        let scope = &self.plan.scope;
        for form in &self.page.forms {
            let action = match &form.action {
                Some(a) => match self.agent.resolve(&self.base, a) {
                    Ok(action) => action,
                    Err(_) => continue,
                },
                None => self.current().to_string(),
            };
            let self_submitting = self.page.auto_submit && !form.has_typing_inputs();
            if scope.is_client_uri(&action) || (self_submitting && scope.leaves_as(&action)) {
                walk.pages.push(self.seen(PageKind::Other));
                return Some(Step::Done(Navigation::ToClient {
                    url: action,
                    via: NavigationKind::AutoSubmitForm,
                    params: form.submission(&form.fields, None),
                }));
            }
        }
        None
    }

    /// The login form on this page: `(index, has a password step)`.
    fn login_form(&self) -> Option<(usize, bool)> {
        let login = self.plan.login;
        let forms = &self.page.forms;
        let candidate = if self.plan.hints.login_form.is_some() {
            forms.iter().position(|f| f.selected)
        } else {
            forms.iter().position(Form::has_password)
        };
        let names_username = |f: &Form| {
            f.has_username_like_input()
                || login
                    .username_field
                    .as_deref()
                    .is_some_and(|n| f.inputs.iter().any(|(_, name)| name == n))
        };
        let has_password = |f: &Form| {
            f.has_password()
                || login
                    .password_field
                    .as_deref()
                    .is_some_and(|n| f.fields.iter().any(|field| field.name == n))
        };
        match candidate {
            Some(i) if has_password(&forms[i]) => Some((i, true)),
            Some(i) => names_username(&forms[i]).then_some((i, false)),
            None => forms
                .iter()
                .position(|f| !f.has_password() && names_username(f))
                .map(|i| (i, false)),
        }
    }

    /// (3) Login: the password form, or the username step of a two-step login.
    pub(super) fn try_login(&self, walk: &mut Walk) -> Result<Option<Step>, AgentError> {
        let Some((i, password_step)) = self.login_form() else {
            return Ok(None);
        };
        let login = self.plan.login;
        let failed = |reason: &str| login_failed(self.agent, self.current(), reason);
        walk.pages.push(self.seen(PageKind::Login));
        if self.done_tampering(walk, TamperTarget::Login) {
            return Ok(Some(self.stayed()));
        }
        if walk.password_submitted {
            return Err(failed(
                "the login form was shown again after submitting the password",
            ));
        }
        let form = &self.page.forms[i];
        let mut fields = form.fields.clone();
        untick_remember(&mut fields);
        if let Some(name) = login.username_field.as_deref().or(form.username_name()) {
            let present = form.fields.iter().any(|f| f.name == name);
            if present || !walk.username_submitted {
                set_field(&mut fields, name, &login.username);
            }
        }
        let after = if password_step {
            let name = login
                .password_field
                .as_deref()
                .or(form.password_name())
                .ok_or_else(|| failed("the login form's password input has no `name`"))?;
            set_field(&mut fields, name, login.password.expose());
            walk.password_submitted = true;
            After::Password
        } else {
            if walk.username_submitted {
                return Err(failed(
                    "the username form was shown again after submitting the username",
                ));
            }
            walk.username_submitted = true;
            After::Username
        };
        let pressed = form
            .submits
            .iter()
            .position(|s| s.role() != Some(Role::Deny))
            .or((!form.submits.is_empty()).then_some(0));
        let mut pairs = form.submission(&fields, pressed);
        if after == After::Password {
            self.tamper(walk, TamperTarget::Login, &mut pairs)?;
        }
        self.submit_pairs(form, pairs, pressed, after).map(Some)
    }

    /// A 401 answer to the password that shows no login form is a refusal.
    pub(super) fn check_password_accepted(&self) -> Result<(), AgentError> {
        if !(self.nav.after == After::Password && self.status == 401) {
            return Ok(());
        }
        let excerpt: String = self.page.text.chars().take(120).collect();
        let what: Vec<&str> = [self.page.title.as_deref().unwrap_or(""), excerpt.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        Err(login_failed(
            self.agent,
            self.current(),
            &format!(
                "the server answered `401` to the password submission: {}",
                what.join(" — ")
            ),
        ))
    }

    /// (4) Consent: approve (ticking what approval needs) or deny (ticking
    /// nothing; with no deny control but a submit behind a consent box, that
    /// submit unticked). Denial that only a script could perform ends the walk with
    /// [`AgentError::DenialNeedsJavaScript`]; approve is never pressed
    /// instead.
    pub(super) fn try_consent(&self, walk: &mut Walk) -> Result<Option<Step>, AgentError> {
        let hints = self.plan.hints;
        let Some(approve) = approve_control(&self.page, hints) else {
            return Ok(None);
        };
        walk.pages.push(self.seen(PageKind::Consent));
        walk.consent_shown = true;
        if self.done_tampering(walk, TamperTarget::Consent) {
            return Ok(Some(self.stayed()));
        }
        if walk.consent_answers >= MAX_CONSENT_ANSWERS {
            return Err(self.consent_failed(format!(
                "the consent page was shown again after answering it {MAX_CONSENT_ANSWERS} times"
            )));
        }
        let control = match self.plan.consent {
            Consent::Approve => approve,
            Consent::Deny => match deny_control(&self.page, hints) {
                Some(deny) => deny,
                None => match unticked_denial(&self.page, approve, &self.plan.requested) {
                    Some(submit_unticked) => submit_unticked,
                    None => return Err(self.no_way_to_deny()),
                },
            },
        };
        walk.consent_answers += 1;
        let step = match control {
            Control::Button { form, submit } => {
                let form = &self.page.forms[form];
                let fields = match self.plan.consent {
                    Consent::Approve => approval_fields(form, &self.plan.requested),
                    Consent::Deny => denial_fields(form),
                };
                let mut pairs = form.submission(&fields, Some(submit));
                self.tamper(walk, TamperTarget::Consent, &mut pairs)?;
                self.submit_pairs(form, pairs, Some(submit), After::Consent)?
            }
            Control::Link(i) => self.follow_link(&self.page.links[i].href)?,
        };
        Ok(Some(step))
    }

    /// Why a consent page cannot be denied without a script, or at all.
    fn no_way_to_deny(&self) -> AgentError {
        match script_only_deny(&self.page) {
            Some(control) => AgentError::DenialNeedsJavaScript {
                url: self.agent.shared.redactor.url(self.current()),
                control: control.text.clone(),
            },
            None => self.consent_failed(
                "no way to deny: the consent page has no deny-like button or link".to_string(),
            ),
        }
    }

    /// (5) An interstitial that moves on by itself within the AS, or the end.
    pub(super) fn interstitial(&self, walk: &mut Walk) -> Result<Step, AgentError> {
        walk.pages.push(self.seen(PageKind::Other));
        if let Some((_, target)) = &self.refresh {
            if self.plan.scope.leaves_as(target) {
                return Ok(Step::Done(to_client(
                    target.clone(),
                    NavigationKind::MetaRefresh,
                )));
            }
            return Ok(Step::Go(Nav::get(
                target.clone(),
                Some(self.current().to_string()),
            )));
        }
        if self.page.auto_submit
            && let Some(form) = self.page.forms.iter().find(|f| !f.has_typing_inputs())
        {
            return self.submit(form, &form.fields, None, After::Navigation);
        }
        Ok(self.stayed())
    }

    /// Submits `form` with `fields` (pressing `pressed`), or reports the
    /// navigation when the form's action leaves the AS.
    fn submit(
        &self,
        form: &Form,
        fields: &[Field],
        pressed: Option<usize>,
        after: After,
    ) -> Result<Step, AgentError> {
        self.submit_pairs(form, form.submission(fields, pressed), pressed, after)
    }

    /// Submits `pairs` (what `form` submits, perhaps changed) as `form`
    /// would, pressing `pressed`.
    fn submit_pairs(
        &self,
        form: &Form,
        pairs: Vec<(String, String)>,
        pressed: Option<usize>,
        after: After,
    ) -> Result<Step, AgentError> {
        let control = pressed.and_then(|i| form.submits.get(i));
        let action = match control
            .and_then(|c| c.formaction.as_deref())
            .or(form.action.as_deref())
        {
            Some(a) => self.agent.resolve(&self.base, a)?,
            None => self.current().to_string(),
        };
        let post = match control.and_then(|c| c.formmethod.as_deref()) {
            Some(m) => m.trim().eq_ignore_ascii_case("post"),
            None => form.method == "POST",
        };
        if self.plan.scope.leaves_as(&action) {
            return Ok(Step::Done(Navigation::ToClient {
                url: action,
                via: NavigationKind::Form,
                params: pairs,
            }));
        }
        let referer = Some(self.current().to_string());
        if post {
            return Ok(Step::Go(Nav {
                post: true,
                url: action,
                form: Some(pairs),
                referer,
                after,
            }));
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let url = format!("{}?{query}", crate::oauth::uri::without_query(&action));
        Ok(Step::Go(Nav {
            after,
            ..Nav::get(url, referer)
        }))
    }

    /// Follows a link (GET), or reports the navigation when it leaves the AS.
    fn follow_link(&self, href: &str) -> Result<Step, AgentError> {
        let target = self.agent.resolve(&self.base, href)?;
        if self.plan.scope.leaves_as(&target) {
            return Ok(Step::Done(to_client(target, NavigationKind::Link)));
        }
        Ok(Step::Go(Nav {
            after: After::Consent,
            ..Nav::get(target, Some(self.current().to_string()))
        }))
    }
}

mod tampering;
