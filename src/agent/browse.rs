//! The front-channel walk: from an authorize URL, follow the AS's redirects,
//! fill its login form (one or two steps), answer its consent page, and stop
//! at the first navigation that leaves the AS (a `Location`, a meta refresh,
//! an auto-submitting form, a followed link or a submitted form) or at a page
//! it cannot act on.
//!
//! Every navigation is checked against the [`StopRule`] *before* it is made:
//! a URL outside the AS (another origin, a client URI, a non-http scheme) is
//! reported, never requested. Pages are parsed synchronously into owned data
//! (`scraper::Html` is not `Send` and never lives across an `.await`). It does
//! not judge the AS: a wrong answer is the runner's business.
//!
//! Each HTML page is read once into a `PageCtx`, whose phases are tried in
//! order: `try_prompt_refresh`, `try_form_post`, `try_login`,
//! `try_consent`, then `interstitial`. What a consent page asks (which
//! control approves or denies, which boxes to tick) is decided in `consent`.

use url::Url;

use super::consent::{
    Control, approval_fields, approve_control, denial_fields, deny_control, requested_scopes,
    script_only_deny, unticked_denial,
};
use super::forms::{Field, Form, Hints, Page, Role, set_field};
use super::http::url_params;
use super::{
    Agent, AgentError, Body, BrowseResult, Consent, LoginConfig, Navigation, NavigationKind,
    PageKind, PageSeen, Request, Response, StopRule,
};
use scope::Scope;

/// What a browser sends as `Accept` for a navigation.
const ACCEPT_HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A meta refresh to the client with at most this delay (seconds) ends the
/// walk before login/consent detection; a slower one only when the page
/// offers nothing else.
const PROMPT_REFRESH: f64 = 5.0;

/// How often a consent page may be answered in one walk before the agent
/// concludes its answer is not taken.
const MAX_CONSENT_ANSWERS: usize = 2;

/// What the request about to be made is, for reading its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Navigation,
    Username,
    Password,
    Consent,
}

/// One navigation `browse` is about to make.
#[derive(Debug, Clone)]
struct Nav {
    post: bool,
    url: String,
    form: Option<Vec<(String, String)>>,
    referer: Option<String>,
    after: After,
}

impl Nav {
    fn get(url: String, referer: Option<String>) -> Nav {
        Nav {
            post: false,
            url,
            form: None,
            referer,
            after: After::Navigation,
        }
    }

    /// The request a browser would send: HTML `Accept`, `Referer`, and
    /// `Origin` on a POST.
    fn request(&self) -> Request {
        let mut headers = vec![("accept".to_string(), ACCEPT_HTML.to_string())];
        if let Some(referer) = &self.referer {
            headers.push(("referer".to_string(), referer.clone()));
            if self.post
                && let Ok(page) = Url::parse(referer)
            {
                headers.push(("origin".to_string(), page.origin().ascii_serialization()));
            }
        }
        Request {
            method: if self.post { "POST" } else { "GET" }.to_string(),
            url: self.url.clone(),
            headers,
            body: self.form.clone().map(Body::Form),
            with_cookies: true,
        }
    }
}

/// What the walk has done so far.
#[derive(Default)]
struct Walk {
    pages: Vec<PageSeen>,
    username_submitted: bool,
    password_submitted: bool,
    consent_shown: bool,
    consent_answers: usize,
    post_redirects: Vec<u16>,
}

/// What the walk was asked to do; fixed for the whole walk.
struct Plan<'a> {
    login: &'a LoginConfig,
    consent: Consent,
    hints: Hints<'a>,
    scope: Scope,
    /// The scopes the authorization request asks for (scope boxes to tick).
    requested: Vec<String>,
}

/// The outcome of reading one response.
enum Step {
    Go(Nav),
    Done(Navigation),
}

/// A navigation to the client, with the URL's parameters.
fn to_client(url: String, via: NavigationKind) -> Navigation {
    let params = url_params(&url);
    Navigation::ToClient { url, via, params }
}

/// `url` without its query and fragment.
fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// Whether a response is an HTML page.
fn is_html(response: &Response, text: &str) -> bool {
    let content_type = response
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    content_type.contains("html") || (content_type.is_empty() && text.trim_start().starts_with('<'))
}

impl Agent {
    /// Walks a front-channel flow from `url`: follows the AS's redirects,
    /// logs in, answers consent, stops at the first navigation to the client.
    pub async fn browse(
        &self,
        url: &str,
        login: &LoginConfig,
        consent: Consent,
        stop: &StopRule,
    ) -> Result<BrowseResult, AgentError> {
        self.shared.redactor.add(login.password.expose());
        if let Some(command) = &login.command {
            return super::command::run(self, command, url, login, consent).await;
        }
        let hints = Hints {
            login_form: login.form.as_deref(),
            approve: login.approve.as_deref(),
            deny: login.deny.as_deref(),
        };
        self.validate_hints(url, hints)?;
        let plan = Plan {
            login,
            consent,
            hints,
            scope: Scope::new(stop, url),
            requested: requested_scopes(url),
        };
        let max = self.shared.config.max_hops;
        let mut walk = Walk::default();
        let mut nav = Nav::get(url.to_string(), None);
        let mut hops = 0;
        loop {
            let response = self.send(nav.request()).await?;
            if nav.post && (300..400).contains(&response.status) {
                walk.post_redirects.push(response.status);
            }
            let step = if (300..400).contains(&response.status) {
                self.redirect_step(&nav, &response, &plan.scope)?
            } else {
                let step = || self.page_step(&mut walk, &nav, &response, &plan);
                off_the_workers(response.body.len(), step)?
            };
            match step {
                Step::Done(navigation) => {
                    if let Navigation::ToClient { params, .. } = &navigation {
                        self.learn_params(params);
                    }
                    return Ok(BrowseResult {
                        navigation,
                        pages: walk.pages,
                        logged_in: walk.password_submitted,
                        consent_shown: walk.consent_shown,
                        post_redirects: walk.post_redirects,
                    });
                }
                Step::Go(next) => {
                    hops += 1;
                    if hops > max {
                        return Err(AgentError::TooManyHops {
                            max,
                            url: self.shared.redactor.url(&nav.url),
                        });
                    }
                    nav = next;
                }
            }
        }
    }

    /// Checks the configured selectors: a bad login-form selector is a login
    /// failure, a bad approve/deny selector a consent failure.
    fn validate_hints(&self, url: &str, hints: Hints<'_>) -> Result<(), AgentError> {
        let shown = self.shared.redactor.url(url);
        Hints {
            login_form: hints.login_form,
            ..Hints::default()
        }
        .validate()
        .map_err(|reason| AgentError::LoginFailed {
            url: shown.clone(),
            reason,
        })?;
        Hints {
            login_form: None,
            ..hints
        }
        .validate()
        .map_err(|reason| AgentError::ConsentFailed { url: shown, reason })
    }

    /// Resolves a reference found at `base`; an absolute one is kept as
    /// written (redirect URI checks depend on its exact bytes).
    fn resolve(&self, base: &str, reference: &str) -> Result<String, AgentError> {
        let reference = reference.trim();
        if Url::parse(reference).is_ok() {
            return Ok(reference.to_string());
        }
        Url::parse(base)
            .and_then(|b| b.join(reference))
            .map(String::from)
            .map_err(|e| AgentError::BadUrl {
                url: self.shared.redactor.url(reference),
                reason: format!(
                    "cannot resolve it against `{}`: {e}",
                    self.shared.redactor.url(base)
                ),
            })
    }

    /// A 3xx: stop if it leaves the AS, else follow it (307/308 keep a POST).
    fn redirect_step(
        &self,
        nav: &Nav,
        response: &Response,
        scope: &Scope,
    ) -> Result<Step, AgentError> {
        let Some(location) = response.header("location").filter(|l| !l.trim().is_empty()) else {
            return Ok(Step::Done(Navigation::Stayed {
                status: response.status,
                url: nav.url.clone(),
                title: None,
            }));
        };
        let target = self.resolve(&nav.url, location)?;
        if scope.leaves_as(&target) {
            return Ok(Step::Done(to_client(target, NavigationKind::Location)));
        }
        if matches!(response.status, 307 | 308) && nav.post {
            return Ok(Step::Go(Nav {
                url: target,
                ..nav.clone()
            }));
        }
        Ok(Step::Go(Nav::get(target, nav.referer.clone())))
    }

    /// A non-redirect response: recognise the page and act on it, trying
    /// each phase in turn (a prompt refresh to the client, a form_post
    /// response, login, consent, an interstitial).
    fn page_step(
        &self,
        walk: &mut Walk,
        nav: &Nav,
        response: &Response,
        plan: &Plan<'_>,
    ) -> Result<Step, AgentError> {
        let text = response.text();
        if !is_html(response, &text) {
            if nav.after == After::Password && response.status == 401 {
                return Err(login_failed(
                    self,
                    &nav.url,
                    "the server answered `401` to the password submission",
                ));
            }
            return Ok(Step::Done(Navigation::Stayed {
                status: response.status,
                url: nav.url.clone(),
                title: None,
            }));
        }
        let ctx = PageCtx::new(self, plan, nav, response, &text);
        if !(200..300).contains(&ctx.status) && ctx.status != 401 {
            walk.pages.push(ctx.seen(PageKind::Other));
            return Ok(ctx.stayed());
        }
        if let Some(step) = ctx.try_prompt_refresh(walk) {
            return Ok(step);
        }
        if let Some(step) = ctx.try_form_post(walk) {
            return Ok(step);
        }
        if let Some(step) = ctx.try_login(walk)? {
            return Ok(step);
        }
        ctx.check_password_accepted()?;
        if let Some(step) = ctx.try_consent(walk)? {
            return Ok(step);
        }
        ctx.interstitial(walk)
    }
}

/// A login failure at `url`, redacted.
fn login_failed(agent: &Agent, url: &str, reason: &str) -> AgentError {
    let redactor = &agent.shared.redactor;
    AgentError::LoginFailed {
        url: redactor.url(url),
        reason: redactor.message(reason),
    }
}

/// One HTML page of the walk and everything needed to act on it.
struct PageCtx<'a> {
    agent: &'a Agent,
    plan: &'a Plan<'a>,
    nav: &'a Nav,
    status: u16,
    page: Page,
    /// Where relative references resolve (`<base href>` or the page URL).
    base: String,
    /// The response headers, redacted.
    headers: Vec<(String, String)>,
    /// The meta refresh, resolved.
    refresh: Option<(f64, String)>,
}

impl<'a> PageCtx<'a> {
    fn new(
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
    fn seen(&self, kind: PageKind) -> PageSeen {
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
    fn stayed(&self) -> Step {
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
    fn try_prompt_refresh(&self, walk: &mut Walk) -> Option<Step> {
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
    fn try_form_post(&self, walk: &mut Walk) -> Option<Step> {
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
    fn try_login(&self, walk: &mut Walk) -> Result<Option<Step>, AgentError> {
        let Some((i, password_step)) = self.login_form() else {
            return Ok(None);
        };
        let login = self.plan.login;
        let failed = |reason: &str| login_failed(self.agent, self.current(), reason);
        walk.pages.push(self.seen(PageKind::Login));
        if walk.password_submitted {
            return Err(failed(
                "the login form was shown again after submitting the password",
            ));
        }
        let form = &self.page.forms[i];
        let mut fields = form.fields.clone();
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
        self.submit(form, &fields, pressed, after).map(Some)
    }

    /// A 401 answer to the password that shows no login form is a refusal.
    fn check_password_accepted(&self) -> Result<(), AgentError> {
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
    fn try_consent(&self, walk: &mut Walk) -> Result<Option<Step>, AgentError> {
        let hints = self.plan.hints;
        let Some(approve) = approve_control(&self.page, hints) else {
            return Ok(None);
        };
        walk.pages.push(self.seen(PageKind::Consent));
        walk.consent_shown = true;
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
                self.submit(form, &fields, Some(submit), After::Consent)?
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
    fn interstitial(&self, walk: &mut Walk) -> Result<Step, AgentError> {
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
        let pairs = form.submission(fields, pressed);
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
        let url = format!("{}?{query}", without_query(&action));
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

#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod consent_tests;
mod scope;

/// Pages larger than this are parsed off the async workers.
const PARSE_INLINE_MAX: usize = 16 * 1024;

/// Runs `work` (parsing a page of `len` bytes and acting on it): inline for
/// small pages; for large ones, on a multi-threaded runtime, with
/// `block_in_place`, so that a megabyte of hostile HTML (about 0.1 s of CPU
/// per parse) does not stall the timers and requests of other trials on
/// this worker.
fn off_the_workers<T>(len: usize, work: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if len > PARSE_INLINE_MAX && multi_thread {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

#[cfg(test)]
mod tests;
