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
//! Each HTML page is read once into a `PageCtx` (`browse/page.rs`), whose
//! phases are tried in order: `try_prompt_refresh`, `try_form_post`,
//! `try_login`, `try_consent`, then `interstitial`. What a consent page asks
//! (which control approves or denies, which boxes to tick) is decided in
//! `consent`.

use url::Url;

use super::consent::requested_scopes;
use super::forms::Hints;
use super::http::url_params;
use super::tamper::Tamper;
use super::{
    Agent, AgentError, Body, BrowseResult, Consent, LoginConfig, Navigation, NavigationKind,
    PageKind, PageSeen, Request, Response, StopRule,
};
use page::{PageCtx, login_failed};
use scope::Scope;

/// What a browser sends as `Accept` for a navigation.
const ACCEPT_HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

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
    /// The names of the fields a `tamper` changed, once it was applied.
    tampered: Option<Vec<String>>,
    credential_redirects: Vec<u16>,
}

/// What the walk was asked to do; fixed for the whole walk.
struct Plan<'a> {
    login: &'a LoginConfig,
    consent: Consent,
    hints: Hints<'a>,
    scope: Scope,
    /// The scopes the authorization request asks for (scope boxes to tick).
    requested: Vec<String>,
    /// A form to submit changed (once per walk).
    tamper: Option<&'a Tamper>,
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
        self.browse_with(url, login, consent, stop, None).await
    }

    /// [`Agent::browse`], submitting the form `tamper` names changed; after
    /// that submission the walk acts on no further form of that kind (what
    /// the AS answers is the result). [`AgentError::TamperNotApplicable`]
    /// when the form lacks a field the change names.
    pub async fn browse_with(
        &self,
        url: &str,
        login: &LoginConfig,
        consent: Consent,
        stop: &StopRule,
        tamper: Option<&Tamper>,
    ) -> Result<BrowseResult, AgentError> {
        let started = std::time::Instant::now();
        let clock = &self.shared.config.logins;
        let before = clock.latest();
        let mut result = self.walk(url, login, consent, stop, tamper).await?;
        // Logins up to the end of this walk (one during it counts as age
        // 0); a walk that logged in itself reports the others' before it.
        let latest = if result.logged_in {
            before
        } else {
            clock.latest()
        };
        result.user_login_age = latest.map(|at| started.saturating_duration_since(at));
        // The login command's own requests are not seen: its login is noted
        // when it reports one.
        if result.logged_in && login.command.is_some() {
            clock.record(std::time::Instant::now());
        }
        Ok(result)
    }

    /// `browse_with` without the login clock.
    async fn walk(
        &self,
        url: &str,
        login: &LoginConfig,
        consent: Consent,
        stop: &StopRule,
        tamper: Option<&Tamper>,
    ) -> Result<BrowseResult, AgentError> {
        self.shared.redactor.add(login.password.expose());
        if let Some(command) = &login.command {
            if tamper.is_some() {
                return Err(AgentError::TamperNotApplicable {
                    url: self.shared.redactor.url(url),
                    reason: "the pages are walked by the external login command, so no form can be changed".into(),
                });
            }
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
            tamper,
        };
        let max = self.shared.config.max_hops;
        let mut walk = Walk::default();
        let mut nav = Nav::get(url.to_string(), None);
        let mut hops = 0;
        loop {
            let response = self.send(nav.request()).await?;
            // The AS has seen the password: a login of the test user, for
            // the login clock (noted even if refused: a clock that runs
            // ahead only makes a `max_age` trial skip).
            if nav.post && matches!(nav.after, After::Password) {
                self.shared.config.logins.record(std::time::Instant::now());
            }
            if nav.post && (300..400).contains(&response.status) {
                walk.post_redirects.push(response.status);
                if matches!(nav.after, After::Username | After::Password) {
                    walk.credential_redirects.push(response.status);
                }
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
                        tampered: walk.tampered,
                        credential_redirects: walk.credential_redirects,
                        user_login_age: None,
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
        .map_err(|e| AgentError::LoginFailed {
            url: shown.clone(),
            reason: e.to_string(),
        })?;
        Hints {
            login_form: None,
            ..hints
        }
        .validate()
        .map_err(|e| AgentError::ConsentFailed {
            url: shown,
            reason: e.to_string(),
        })
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

#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod consent_tests;
#[cfg(test)]
mod corpus_tests;
mod page;
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
