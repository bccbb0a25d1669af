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

use url::Url;

use super::forms::{Field, Form, Hints, Page, Role, set_field};
use super::http::url_params;
use super::{
    Agent, AgentError, Body, BrowseResult, Consent, LoginConfig, Navigation, NavigationKind,
    PageKind, PageSeen, Request, Response, StopRule,
};

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
            if self.post {
                if let Ok(page) = Url::parse(referer) {
                    headers.push(("origin".to_string(), page.origin().ascii_serialization()));
                }
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

/// Where the AS ends, normalised once.
struct Scope {
    origins: Vec<String>,
    client_uris: Vec<String>,
}

impl Scope {
    /// With no AS origin given, the origin of the start URL is the AS.
    fn new(stop: &StopRule, start: &str) -> Scope {
        let normalise = |raw: &str| match Url::parse(raw.trim()) {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => raw.trim().trim_end_matches('/').to_string(),
        };
        let mut origins: Vec<String> = stop.as_origins.iter().map(|o| normalise(o)).collect();
        if origins.is_empty() {
            origins.push(normalise(start));
        }
        Scope {
            origins,
            client_uris: stop
                .client_uris
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
        }
    }

    fn is_client_uri(&self, url: &str) -> bool {
        self.client_uris.iter().any(|c| url.starts_with(c.as_str()))
    }

    /// Whether navigating to `url` leaves the AS (and so must not be requested).
    fn leaves_as(&self, url: &str) -> bool {
        if self.is_client_uri(url) {
            return true;
        }
        match Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                !self.origins.contains(&u.origin().ascii_serialization())
            }
            _ => true,
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
}

/// The outcome of reading one response.
enum Step {
    Go(Nav),
    Done(Navigation),
}

/// Something on a page to press or follow.
enum Control {
    Button { form: usize, submit: usize },
    Link(usize),
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
        self.shared.redactor.add(&login.password);
        if let Some(command) = &login.command {
            return super::command::run(self, command, url, login, consent).await;
        }
        let hints = Hints {
            login_form: login.form.as_deref(),
            approve: login.approve.as_deref(),
            deny: login.deny.as_deref(),
        };
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
        .map_err(|reason| AgentError::ConsentFailed { url: shown, reason })?;

        let scope = Scope::new(stop, url);
        let max = self.shared.config.max_hops;
        let mut walk = Walk::default();
        let mut nav = Nav::get(url.to_string(), None);
        let mut hops = 0;
        loop {
            let response = self.send(nav.request()).await?;
            let step = if (300..400).contains(&response.status) {
                self.redirect_step(&nav, &response, &scope)?
            } else {
                self.page_step(&mut walk, &nav, &response, login, consent, hints, &scope)?
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

    /// A non-redirect response: recognise the page and act on it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; the walk's whole context"
    )]
    fn page_step(
        &self,
        walk: &mut Walk,
        nav: &Nav,
        response: &Response,
        login: &LoginConfig,
        consent: Consent,
        hints: Hints<'_>,
        scope: &Scope,
    ) -> Result<Step, AgentError> {
        let status = response.status;
        let current = nav.url.as_str();
        let redactor = &self.shared.redactor;
        let content_type = response
            .header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        let text = response.text();
        let is_html = content_type.contains("html")
            || (content_type.is_empty() && text.trim_start().starts_with('<'));
        let password_rejected = nav.after == After::Password && status == 401;
        let login_failed = |reason: String| AgentError::LoginFailed {
            url: redactor.url(current),
            reason: redactor.message(&reason),
        };
        if !is_html {
            if password_rejected {
                return Err(login_failed(
                    "the server answered `401` to the password submission".to_string(),
                ));
            }
            return Ok(Step::Done(Navigation::Stayed {
                status,
                url: current.to_string(),
                title: None,
            }));
        }

        let page = Page::parse(&text, hints);
        let base = page
            .base_href
            .as_deref()
            .and_then(|b| self.resolve(current, b).ok())
            .unwrap_or_else(|| current.to_string());
        let headers = redactor.headers(&response.headers);
        let seen = |kind: PageKind| PageSeen {
            kind,
            url: redactor.url(current),
            status,
            headers: headers.clone(),
        };
        let stayed = |title: Option<String>| {
            Ok(Step::Done(Navigation::Stayed {
                status,
                url: current.to_string(),
                title,
            }))
        };
        if !(200..300).contains(&status) && status != 401 {
            walk.pages.push(seen(PageKind::Other));
            return stayed(page.title);
        }

        // (1) A prompt meta refresh to the client (a slow one, such as a
        // session-timeout refresh on a login page, waits for step 5).
        let refresh = page
            .meta_refresh
            .as_ref()
            .and_then(|(delay, r)| Some((*delay, self.resolve(&base, r).ok()?)));
        let prompt_exit = refresh
            .as_ref()
            .filter(|(delay, target)| *delay <= PROMPT_REFRESH && scope.leaves_as(target));
        if let Some((_, target)) = prompt_exit {
            walk.pages.push(seen(PageKind::Other));
            return Ok(Step::Done(to_client(
                target.clone(),
                NavigationKind::MetaRefresh,
            )));
        }

        // (2) form_post: a self-submitting form leaving the AS, or any form
        // aimed at a client URI.
        for form in &page.forms {
            let action = match &form.action {
                Some(a) => match self.resolve(&base, a) {
                    Ok(action) => action,
                    Err(_) => continue,
                },
                None => current.to_string(),
            };
            let self_submitting = page.auto_submit && !form.has_typing_inputs();
            if scope.is_client_uri(&action) || (self_submitting && scope.leaves_as(&action)) {
                walk.pages.push(seen(PageKind::Other));
                return Ok(Step::Done(Navigation::ToClient {
                    url: action,
                    via: NavigationKind::AutoSubmitForm,
                    params: form.submission(&form.fields, None),
                }));
            }
        }

        // (3) Login: the password form, or the username step of a two-step login.
        let login_form = if hints.login_form.is_some() {
            page.forms.iter().position(|f| f.selected)
        } else {
            page.forms.iter().position(Form::has_password)
        };
        let names_configured_field = |f: &Form| {
            login
                .username_field
                .as_deref()
                .is_some_and(|n| f.inputs.iter().any(|(_, name)| name == n))
        };
        let password_step = login_form.filter(|&i| {
            let f = &page.forms[i];
            f.has_password()
                || login
                    .password_field
                    .as_deref()
                    .is_some_and(|n| f.fields.iter().any(|field| field.name == n))
        });
        let username_step = match login_form {
            Some(i) if password_step.is_none() => {
                let f = &page.forms[i];
                (f.has_username_like_input() || names_configured_field(f)).then_some(i)
            }
            Some(_) => None,
            None => page.forms.iter().position(|f| {
                !f.has_password() && (f.has_username_like_input() || names_configured_field(f))
            }),
        };
        if let Some(i) = password_step.or(username_step) {
            walk.pages.push(seen(PageKind::Login));
            if walk.password_submitted {
                return Err(login_failed(
                    "the login form was shown again after submitting the password".to_string(),
                ));
            }
            let form = &page.forms[i];
            let mut fields = form.fields.clone();
            let username_name = login.username_field.as_deref().or(form.username_name());
            if let Some(name) = username_name {
                let present = form.fields.iter().any(|f| f.name == name);
                if present || !walk.username_submitted {
                    set_field(&mut fields, name, &login.username);
                }
            }
            let after = if password_step.is_some() {
                let name = login
                    .password_field
                    .as_deref()
                    .or(form.password_name())
                    .ok_or_else(|| {
                        login_failed("the login form's password input has no `name`".to_string())
                    })?;
                set_field(&mut fields, name, &login.password);
                walk.password_submitted = true;
                After::Password
            } else {
                if walk.username_submitted {
                    return Err(login_failed(
                        "the username form was shown again after submitting the username"
                            .to_string(),
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
            return self.submit(form, &fields, pressed, &base, current, after, scope);
        }
        if password_rejected {
            let excerpt: String = page.text.chars().take(120).collect();
            let what: Vec<&str> = [page.title.as_deref().unwrap_or(""), excerpt.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            return Err(login_failed(format!(
                "the server answered `401` to the password submission: {}",
                what.join(" — ")
            )));
        }

        // (4) Consent.
        let approve = approve_control(&page, hints);
        if let Some(approve) = approve {
            walk.pages.push(seen(PageKind::Consent));
            walk.consent_shown = true;
            if walk.consent_answers >= MAX_CONSENT_ANSWERS {
                return Err(AgentError::ConsentFailed {
                    url: redactor.url(current),
                    reason: format!(
                        "the consent page was shown again after answering it {MAX_CONSENT_ANSWERS} times"
                    ),
                });
            }
            walk.consent_answers += 1;
            let control = match consent {
                Consent::Approve => approve,
                Consent::Deny => {
                    deny_control(&page, hints).ok_or_else(|| AgentError::ConsentFailed {
                        url: redactor.url(current),
                        reason: "no way to deny: the consent page has no deny-like button or link"
                            .to_string(),
                    })?
                }
            };
            return match control {
                Control::Button { form, submit } => {
                    let form = &page.forms[form];
                    self.submit(
                        form,
                        &form.fields,
                        Some(submit),
                        &base,
                        current,
                        After::Consent,
                        scope,
                    )
                }
                Control::Link(i) => self.follow_link(&page.links[i].href, &base, current, scope),
            };
        }

        // (5) An interstitial that moves on by itself within the AS.
        walk.pages.push(seen(PageKind::Other));
        if let Some((_, target)) = refresh {
            if scope.leaves_as(&target) {
                return Ok(Step::Done(to_client(target, NavigationKind::MetaRefresh)));
            }
            return Ok(Step::Go(Nav::get(target, Some(current.to_string()))));
        }
        if page.auto_submit {
            if let Some(form) = page.forms.iter().find(|f| !f.has_typing_inputs()) {
                return self.submit(
                    form,
                    &form.fields,
                    None,
                    &base,
                    current,
                    After::Navigation,
                    scope,
                );
            }
        }
        stayed(page.title)
    }

    /// Submits `form` with `fields` (pressing `pressed`), or reports the
    /// navigation when the form's action leaves the AS.
    #[expect(
        clippy::too_many_arguments,
        reason = "a form submission has this many inputs"
    )]
    fn submit(
        &self,
        form: &Form,
        fields: &[Field],
        pressed: Option<usize>,
        base: &str,
        current: &str,
        after: After,
        scope: &Scope,
    ) -> Result<Step, AgentError> {
        let control = pressed.and_then(|i| form.submits.get(i));
        let action = match control
            .and_then(|c| c.formaction.as_deref())
            .or(form.action.as_deref())
        {
            Some(a) => self.resolve(base, a)?,
            None => current.to_string(),
        };
        let post = match control.and_then(|c| c.formmethod.as_deref()) {
            Some(m) => m.trim().eq_ignore_ascii_case("post"),
            None => form.method == "POST",
        };
        let pairs = form.submission(fields, pressed);
        if scope.leaves_as(&action) {
            return Ok(Step::Done(Navigation::ToClient {
                url: action,
                via: NavigationKind::Form,
                params: pairs,
            }));
        }
        let referer = Some(current.to_string());
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
    fn follow_link(
        &self,
        href: &str,
        base: &str,
        current: &str,
        scope: &Scope,
    ) -> Result<Step, AgentError> {
        let target = self.resolve(base, href)?;
        if scope.leaves_as(&target) {
            return Ok(Step::Done(to_client(target, NavigationKind::Link)));
        }
        Ok(Step::Go(Nav {
            after: After::Consent,
            ..Nav::get(target, Some(current.to_string()))
        }))
    }
}

/// The consent page's approve control: the configured selector's match, else
/// an approve-like button in a form without a password field, else the only
/// submit button of a form a user would not type into. `None` = not a
/// consent page.
fn approve_control(page: &Page, hints: Hints<'_>) -> Option<Control> {
    let forms = || {
        page.forms
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.has_password())
    };
    let button = |pick: &dyn Fn(&Form) -> Option<usize>| {
        forms().find_map(|(i, f)| pick(f).map(|submit| Control::Button { form: i, submit }))
    };
    if hints.approve.is_some() {
        let chosen = button(&|f| f.submits.iter().position(|s| s.role == Some(Role::Approve)))
            .or_else(|| {
                page.links
                    .iter()
                    .position(|l| l.role == Some(Role::Approve))
                    .map(Control::Link)
            });
        if chosen.is_some() {
            return chosen;
        }
    }
    button(&|f| {
        f.submits
            .iter()
            .position(|s| s.role() == Some(Role::Approve))
    })
    .or_else(|| {
        button(&|f| {
            (f.submits.len() == 1
                && !f.has_typing_inputs()
                && f.submits[0].role() != Some(Role::Deny))
            .then_some(0)
        })
    })
}

/// The consent page's deny control: the configured selector's match (button
/// or link), else a deny-like button in a form without a password field,
/// else a deny-like link (oidc-provider's `…/abort`).
fn deny_control(page: &Page, hints: Hints<'_>) -> Option<Control> {
    let button = |role_of: &dyn Fn(&super::forms::Submit) -> Option<Role>| {
        page.forms
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.has_password())
            .find_map(|(i, f)| {
                f.submits
                    .iter()
                    .position(|s| role_of(s) == Some(Role::Deny))
                    .map(|submit| Control::Button { form: i, submit })
            })
    };
    let link = |role_of: &dyn Fn(&super::forms::Link) -> Option<Role>| {
        page.links
            .iter()
            .position(|l| role_of(l) == Some(Role::Deny))
            .map(Control::Link)
    };
    if hints.deny.is_some() {
        if let Some(chosen) = button(&|s| s.role).or_else(|| link(&|l| l.role)) {
            return Some(chosen);
        }
    }
    button(&|s| s.role()).or_else(|| link(&|l| l.role()))
}

#[cfg(test)]
mod tests;
