//! Step execution: runs one trial's steps against the target through the
//! user agent, captures variables, and turns expectations into an outcome.
//!
//! It builds requests from the suite and the profile and judges responses
//! with `checks`; it never formats reports and never retries a check.

use std::sync::Arc;

use base64::Engine;
use serde_json::Value;

mod assertion;
mod describe;
mod entropy;
mod judge;
mod probe;
mod race;
mod refusal;
mod requests;
mod tamper;

use super::harness_side;
use super::outcome::Outcome;
use super::vars::{VarError, Vars};
use crate::agent::{Agent, AgentError, Body, Consent, Navigation, Request, StopRule};
use crate::checks::{self, Authorization, AuthorizationOutcome, HttpExchange, StepResult};
use crate::suite::{
    AuthChoice, AuthMethod, AuthorizeStep, BearerStep, ClientAuth, ConsentChoice, Grant, GrantType,
    PasswordChoice, RequestStep, Scenario, SecretChoice, Step, StepKind, TokenOpStep, TokenStep,
    Variant,
};
use crate::target::Profile;
use judge::error;
pub use requests::total_wait;
use requests::{
    client_secret, force_consent_params, get, merge, no_consent_page, post, wait_duration,
    with_query, wrong_secret,
};

/// How one trial ended, before it is dressed up as a report.
#[derive(Debug)]
pub struct Verdict {
    pub outcome: Outcome,
    pub message: Option<String>,
    pub location: Option<String>,
}

/// What the last `authorize` step sent: token requests default to it.
#[derive(Debug, Default, Clone)]
struct Sent {
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

/// One running trial.
struct Trial<'a> {
    profile: &'a Profile,
    agent: Agent,
    vars: Vars,
    last_authorize: Sent,
    /// The JWK set once fetched, or why it is unusable.
    jwks: Option<Result<Value, harness_side::JwksError>>,
    redactor: Arc<crate::redact::Redactor>,
    /// The form change a running `tamper` step asks of the walk.
    tamper: Option<crate::agent::Tamper>,
}

/// Why a step could not produce a result (the trial becomes `error`).
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    #[error(transparent)]
    Var(#[from] VarError),
    #[error("{0}")]
    Other(String),
    /// The trial cannot test anything on this target (e.g. a redirect URI
    /// "mutation" that equals a registered URI): a skip, not a verdict.
    #[error("{0}")]
    NotApplicable(String),
}

/// A `save:` path absent from the step's result (the trial is an `error`).
#[derive(Debug, thiserror::Error)]
#[error("could not save `{name}`: `{path}` is absent from the `{kind}` result\n{actual}")]
struct SaveError {
    name: String,
    path: String,
    kind: &'static str,
    /// The actual response, redacted.
    actual: String,
}

/// Runs a trial to its verdict. `agent` is this trial's own (its redactor
/// learns every secret the trial sees).
pub async fn run_trial(
    profile: &Profile,
    scenario: &Scenario,
    variant: Option<&Variant>,
    agent: Agent,
) -> Verdict {
    let mut trial = Trial::new(profile, agent);
    if let Some(variant) = variant {
        for (name, template) in &variant.set {
            match trial.vars.fill(template, profile) {
                Ok(value) => trial.vars.set(name, value),
                Err(e) => {
                    return error(
                        format!("variant `{}`: {e}", variant.name),
                        &variant.location.to_string(),
                    );
                }
            }
        }
    }
    let mut progress = judge::Progress::default();
    for step in &scenario.steps {
        let location = step.location.to_string();
        trial.agent.begin_step(&location);
        let result = match trial.execute(step).await {
            Ok(result) => result,
            Err(StepError::NotApplicable(reason)) => return progress.skip(reason, &location),
            Err(StepError::Var(e)) if e.undeclared_scope().is_some() => {
                let key = e.undeclared_scope().unwrap_or_default();
                let reason = format!("the target profile declares no {key}");
                return progress.skip(reason, &location);
            }
            Err(e) => {
                return error(
                    format!("`{}` step could not complete: {e}", step.kind.name()),
                    &location,
                );
            }
        };
        trial.agent.step_done(step.kind.name());
        let describe = |result: &StepResult| trial.describe(result);
        let next = judge::step(
            step,
            scenario.level,
            &result,
            &trial.env(),
            &describe,
            &mut progress,
        );
        if let judge::Next::End(verdict) = next {
            return verdict;
        }
        if let Err(e) = trial.save(step, &result) {
            return error(e.to_string(), &location);
        }
    }
    progress.finish()
}

/// Logs `agent` in with one default authorization request (its code is
/// never redeemed), so that trials can start from a copy of its session
/// instead of each paying for a login. `None` when that did not work.
pub async fn log_in(profile: &Profile, agent: Agent) -> Option<Agent> {
    match authorize_default(profile, agent).await {
        Some((true, true, agent)) => Some(agent),
        _ => None,
    }
}

/// One default authorization request (its code is never redeemed): whether
/// it reached the client and whether a password was submitted on the way.
/// Run again in a logged-in session, it shows whether the session holds.
pub async fn authorize_default(profile: &Profile, agent: Agent) -> Option<(bool, bool, Agent)> {
    for secret in profile.secrets() {
        agent.redactor().add(&secret);
    }
    let mut trial = Trial::new(profile, agent);
    let result = trial
        .authorize(&AuthorizeStep::default(), false)
        .await
        .ok()?;
    let authorization = result.authorization()?;
    let reached_client = authorization.location().is_some();
    let logged_in =
        matches!(&authorization.outcome, AuthorizationOutcome::Browsed(b) if b.logged_in);
    Some((reached_client, logged_in, trial.agent))
}

impl<'a> Trial<'a> {
    fn new(profile: &'a Profile, agent: Agent) -> Trial<'a> {
        let redactor = agent.redactor().clone();
        Trial {
            profile,
            agent,
            vars: Vars::default(),
            last_authorize: Sent::default(),
            jwks: None,
            redactor,
            tamper: None,
        }
    }

    fn env(&self) -> checks::Env<'_> {
        checks::Env {
            vars: &self.vars,
            profile: self.profile,
            redactor: &self.redactor,
        }
    }

    async fn execute(&mut self, step: &Step) -> Result<StepResult, StepError> {
        match &step.kind {
            StepKind::Authorize(a) => {
                let expects_refusal = step.check.as_ref().is_some_and(|c| c.no_redirect);
                self.authorize(a, expects_refusal).await
            }
            StepKind::Token(t) => self.token(t).await.map(StepResult::Http),
            StepKind::Revoke(op) => {
                let url =
                    self.endpoint(self.profile.endpoints.revocation.as_deref(), "revocation")?;
                self.token_op(op, url).await.map(StepResult::Http)
            }
            StepKind::Introspect(op) => {
                let url = self.endpoint(
                    self.profile.endpoints.introspection.as_deref(),
                    "introspection",
                )?;
                self.token_op(op, url).await.map(StepResult::Http)
            }
            StepKind::Userinfo(b) => {
                let url = self.endpoint(self.profile.endpoints.userinfo.as_deref(), "userinfo")?;
                self.bearer(b, url).await.map(StepResult::Http)
            }
            StepKind::Resource(b) => {
                let url = self.endpoint(self.profile.endpoints.resource.as_deref(), "resource")?;
                self.bearer(b, url).await.map(StepResult::Http)
            }
            StepKind::IdToken(step) => {
                let token = self.vars.fill(&step.token, self.profile)?;
                // OIDC Core §10.1: a MAC-signed ID token is verified with
                // the client secret, never with the JWK set.
                let mut jwt = if let Some(alg) = crate::jose::hmac::symmetric_alg(&token) {
                    let profile = self.profile;
                    crate::jose::hmac::verify(&token, alg, |id| client_secret(profile, id))
                        .map_err(|e| StepError::Other(e.to_string()))?
                } else {
                    // An unusable JWK set leaves the signature "not checked",
                    // which a signature check reports as an error, not a fail.
                    let jwks = self.jwks().await;
                    let mut jwt = crate::jose::verify(&token, jwks.as_ref().ok())
                        .map_err(|e| StepError::Other(e.to_string()))?;
                    if let Err(reason) = jwks {
                        jwt.signature = format!("not checked: {reason}");
                    }
                    jwt
                };
                // `at_hash` / `c_hash` against the values the step names.
                for (claim, value) in [("at_hash", &step.access_token), ("c_hash", &step.code)] {
                    if let Some(template) = value {
                        let value = self.vars.fill(template, self.profile)?;
                        let verdict = crate::jose::hash_claim_verdict(&jwt, claim, &value);
                        jwt.hashes.insert(claim.to_string(), verdict);
                    }
                }
                Ok(StepResult::IdToken(jwt))
            }
            StepKind::Discover => {
                let issuer = self.profile.issuer.as_deref().ok_or_else(|| {
                    StepError::NotApplicable(
                        "the target profile names no `issuer`, so there is no discovery metadata to fetch"
                            .into(),
                    )
                })?;
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                );
                self.send(get(url)).await.map(StepResult::Http)
            }
            StepKind::Wait(spec) => {
                // Through the agent: a sleeping trial gives its place back.
                self.agent.sleep(wait_duration(spec, self.profile)?).await;
                Ok(StepResult::Nothing)
            }
            StepKind::Request(r) => self.request(r).await.map(StepResult::Http),
            StepKind::Tamper(t) => self.tamper(t).await,
            StepKind::Race(r) => self.race(r).await,
            StepKind::Entropy(e) => self.entropy(e).await,
            StepKind::TlsProbe(p) => self.tls_probe(p).await,
        }
    }

    fn endpoint(&self, url: Option<&str>, name: &str) -> Result<String, StepError> {
        url.map(str::to_string)
            .ok_or_else(|| StepError::Other(format!("the target profile has no `{name}` endpoint")))
    }

    async fn send(&self, request: Request) -> Result<HttpExchange, StepError> {
        let response = self.agent.send(request).await?;
        Ok(HttpExchange::from_response(&response))
    }

    /// `expects_refusal`: the step checks that the AS does not redirect.
    async fn authorize(
        &mut self,
        step: &AuthorizeStep,
        expects_refusal: bool,
    ) -> Result<StepResult, StepError> {
        let profile = self.profile;
        let client = profile.client(step.client).ok_or_else(|| {
            StepError::Other(format!(
                "the target profile has no `{:?}` client",
                step.client
            ))
        })?;
        let mut defaults: Vec<(String, String)> = vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), client.id.clone()),
            ("redirect_uri".into(), client.redirect_uri.clone()),
            ("scope".into(), profile.scopes.default.clone()),
            ("state".into(), super::random_token(32)),
        ];
        let verifier = super::random_token(48);
        let pkce = profile
            .capabilities
            .contains(&crate::suite::Capability::Pkce)
            || client.secret.is_none();
        if pkce {
            defaults.push(("code_challenge".into(), crate::oauth::pkce::s256(&verifier)));
            defaults.push(("code_challenge_method".into(), "S256".into()));
        }
        if profile.scopes.default.split(' ').any(|s| s == "openid") {
            defaults.push(("nonce".into(), super::random_token(24)));
        }
        let must_see_consent = step.force_consent || step.consent == ConsentChoice::Deny;
        if must_see_consent {
            // Defaults, so a step's own `prompt` wins.
            defaults.extend(force_consent_params(profile));
        }
        let mut overrides = Vec::new();
        for (name, template) in &step.params {
            overrides.push((name.clone(), self.vars.fill(template, profile)?));
        }
        let params = merge(defaults, overrides, &step.omit);
        // A refusal test whose "mutated" URI is one the client registered
        // (an IP has no case; a port already written) tests nothing here.
        let overridden = step.params.iter().any(|(name, _)| name == "redirect_uri");
        if expects_refusal
            && overridden
            && let Some((_, uri)) = params.iter().find(|(name, _)| name == "redirect_uri")
            && (*uri == client.redirect_uri || client.other_redirect_uris.contains(uri))
        {
            return Err(StepError::NotApplicable(format!(
                "the mutated redirect URI `{uri}` is one the client registered, so there is nothing to refuse on this target"
            )));
        }
        let mut sent = params.clone();
        if pkce && !step.omit.iter().any(|o| o == "code_challenge") {
            sent.push(("code_verifier".into(), verifier.clone()));
        }
        let code_verifier = sent
            .iter()
            .rev()
            .find(|(k, _)| k == "code_verifier")
            .map(|(_, v)| v.clone());
        self.last_authorize = Sent {
            redirect_uri: params
                .iter()
                .find(|(k, _)| k == "redirect_uri")
                .map(|(_, v)| v.clone()),
            code_verifier,
        };
        let url = with_query(&profile.endpoints.authorization, &params);
        let mut stop = StopRule {
            as_origins: profile.as_origins(),
            client_uris: profile.client_uris(),
        };
        for (name, value) in &params {
            if name == "redirect_uri" && !stop.client_uris.contains(value) {
                stop.client_uris.push(value.clone());
            }
        }
        let mut login = profile.login.clone();
        login.username = profile.username.clone();
        login.password = profile.password.clone();
        let wrong_password = step.password == PasswordChoice::Wrong;
        if wrong_password {
            login.password = crate::oauth::Secret::new(wrong_secret(login.password.expose()));
        }
        let consent = match step.consent {
            ConsentChoice::Approve => Consent::Approve,
            ConsentChoice::Deny => Consent::Deny,
        };
        let fresh = if step.fresh_session || wrong_password {
            Some(self.agent.fresh_session()?)
        } else {
            None
        };
        let agent = fresh.as_ref().unwrap_or(&self.agent);
        if let Some(quiet) = step.quiet_logins {
            agent
                .await_quiet_logins(quiet, crate::suite::model::QUIET_LOGINS_LIMIT)
                .await;
        }
        let walk = agent.browse_with(&url, &login, consent, &stop, self.tamper.as_ref());
        let result = match walk.await {
            // With a wrong password, a refused login is the result to judge.
            Err(AgentError::LoginFailed { url, reason }) if wrong_password => {
                return Ok(StepResult::Authorization(Authorization {
                    sent,
                    outcome: AuthorizationOutcome::LoginFailed {
                        final_url: url,
                        reason,
                    },
                }));
            }
            // A denial the agent cannot perform is no verdict on the AS.
            Err(error @ AgentError::DenialNeedsJavaScript { .. })
            | Err(error @ AgentError::TamperNotApplicable { .. }) => {
                return Err(StepError::NotApplicable(error.to_string()));
            }
            other => other?,
        };
        // A fresh session is the trial's browser from now on: later steps
        // continue in it (and a re-login there is not the shared session
        // rotating).
        if step.fresh_session
            && !wrong_password
            && let Some(fresh) = fresh
        {
            self.agent = fresh;
        }
        if must_see_consent && !result.consent_shown {
            // A code without the page is remembered consent (allowed);
            // anything else without it leaves nothing to judge either.
            return Err(match &result.navigation {
                nav if nav.param("code").is_some() => {
                    StepError::NotApplicable(no_consent_page(profile))
                }
                Navigation::ToClient { url, .. } => StepError::Other(format!(
                    "the step needs the consent page, but the AS answered without one: redirect to `{}`",
                    self.redactor.url(url)
                )),
                Navigation::Stayed { status, url, .. } => StepError::Other(format!(
                    "the step needs the consent page, but the AS answered without one: HTTP {status} at `{}`",
                    self.redactor.url(url)
                )),
            });
        }
        // Codes and tokens in the redirect become known secrets.
        if let Navigation::ToClient { params, .. } = &result.navigation {
            for (name, value) in params {
                if matches!(name.as_str(), "code" | "access_token" | "id_token") {
                    self.redactor.add(value);
                }
            }
        }
        Ok(StepResult::Authorization(Authorization {
            sent,
            outcome: AuthorizationOutcome::Browsed(result),
        }))
    }

    async fn token(&mut self, step: &TokenStep) -> Result<HttpExchange, StepError> {
        let request = self.token_request(step)?;
        let exchange = self.send(request).await?;
        self.learn_tokens(&exchange);
        Ok(exchange)
    }

    /// The token request `step` describes, not yet sent.
    fn token_request(&mut self, step: &TokenStep) -> Result<Request, StepError> {
        let mut defaults: Vec<(String, String)> = Vec::new();
        let grant_type = match &step.grant {
            Grant::Known(known) => known.as_str().to_string(),
            Grant::Other(t) => self.vars.fill(t, self.profile)?,
        };
        defaults.push(("grant_type".into(), grant_type));
        if step.grant == Grant::Known(GrantType::AuthorizationCode) {
            let client = self.client(step.auth.client)?;
            let redirect_uri = self
                .last_authorize
                .redirect_uri
                .clone()
                .unwrap_or(client.redirect_uri.clone());
            defaults.push(("code".into(), String::new()));
            defaults.push(("redirect_uri".into(), redirect_uri));
            if let Some(verifier) = &self.last_authorize.code_verifier {
                defaults.push(("code_verifier".into(), verifier.clone()));
            }
        }
        let mut overrides = Vec::new();
        for (name, template) in &step.params {
            overrides.push((name.clone(), self.vars.fill(template, self.profile)?));
        }
        let mut form = merge(defaults, overrides, &step.omit);
        form.retain(|(k, v)| !(k == "code" && v.is_empty()));
        let mut headers = Vec::new();
        self.client_auth(&step.auth, &mut form, &mut headers)?;
        let url = self.profile.endpoints.token.clone();
        Ok(post(url, headers, form))
    }

    async fn token_op(
        &mut self,
        step: &TokenOpStep,
        url: String,
    ) -> Result<HttpExchange, StepError> {
        let mut form = vec![(
            "token".to_string(),
            self.vars.fill(&step.token, self.profile)?,
        )];
        if let Some(hint) = &step.hint {
            form.push((
                "token_type_hint".into(),
                self.vars.fill(hint, self.profile)?,
            ));
        }
        let mut headers = Vec::new();
        self.client_auth(&step.auth, &mut form, &mut headers)?;
        self.send(post(url, headers, form)).await
    }

    async fn bearer(
        &mut self,
        step: &BearerStep,
        default_url: String,
    ) -> Result<HttpExchange, StepError> {
        let url = match &step.url {
            Some(t) => self.vars.fill(t, self.profile)?,
            None => default_url,
        };
        let mut request = get(url);
        if let Some(token) = &step.token {
            let token = self.vars.fill(token, self.profile)?;
            request
                .headers
                .push(("authorization".into(), format!("Bearer {token}")));
        }
        self.send(request).await
    }

    async fn request(&mut self, step: &RequestStep) -> Result<HttpExchange, StepError> {
        let mut headers = Vec::new();
        for (name, value) in &step.headers {
            headers.push((name.clone(), self.vars.fill(value, self.profile)?));
        }
        let mut form = Vec::new();
        for (name, value) in &step.form {
            form.push((name.clone(), self.vars.fill(value, self.profile)?));
        }
        if let Some(auth) = &step.auth {
            self.client_auth(auth, &mut form, &mut headers)?;
        }
        let body = match &step.body {
            Some(text) => {
                let content_type = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| "text/plain".into());
                Some(Body::Raw {
                    content_type,
                    text: self.vars.fill(text, self.profile)?,
                })
            }
            None if !form.is_empty() => Some(Body::Form(form)),
            None => None,
        };
        let request = Request {
            method: step.method.clone(),
            url: self.vars.fill(&step.url, self.profile)?,
            headers,
            body,
            with_cookies: false,
        };
        let exchange = match &step.raw_query {
            Some(raw) => {
                let raw = self.vars.fill(raw, self.profile)?;
                HttpExchange::from_response(&self.agent.send_raw_query(&request, &raw).await?)
            }
            None => self.send(request).await?,
        };
        self.learn_tokens(&exchange);
        Ok(exchange)
    }

    fn client(&self, role: crate::suite::ClientRole) -> Result<&crate::target::Client, StepError> {
        self.profile
            .client(role)
            .ok_or_else(|| StepError::Other(format!("the target profile has no `{role:?}` client")))
    }

    /// Adds client authentication (RFC 6749 §2.3.1) as the step asks.
    fn client_auth(
        &self,
        auth: &ClientAuth,
        form: &mut Vec<(String, String)>,
        headers: &mut Vec<(String, String)>,
    ) -> Result<(), StepError> {
        let client = self.client(auth.client)?;
        let id = match &auth.client_id {
            Some(t) => self.vars.fill(t, self.profile)?,
            None => client.id.clone(),
        };
        let own = client
            .secret
            .as_ref()
            .map(|s| s.expose().to_string())
            .unwrap_or_default();
        let secret = match &auth.secret {
            SecretChoice::Registered => own,
            SecretChoice::Wrong => wrong_secret(&own),
            SecretChoice::Empty => String::new(),
            SecretChoice::Of(role) => self
                .client(*role)?
                .secret
                .as_ref()
                .map(|s| s.expose().to_string())
                .unwrap_or_default(),
            SecretChoice::Value(t) => self.vars.fill(t, self.profile)?,
        };
        self.redactor.add(&secret);
        let method = match auth.method {
            None => client.auth_method,
            Some(AuthChoice::Method(method)) => method,
            Some(AuthChoice::Mismatch) => match client.auth_method {
                AuthMethod::ClientSecretBasic => AuthMethod::ClientSecretPost,
                // A JWT method's client with a secret: try the secret plainly.
                AuthMethod::ClientSecretPost
                | AuthMethod::ClientSecretJwt
                | AuthMethod::PrivateKeyJwt
                    if client.secret.is_some() =>
                {
                    AuthMethod::ClientSecretBasic
                }
                registered => {
                    return Err(StepError::NotApplicable(format!(
                        "the client registered `{registered}`, not a secret method, so there is no other secret method to try"
                    )));
                }
            },
        };
        match method {
            AuthMethod::ClientSecretBasic => {
                // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
                let encode =
                    |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                let pair = format!("{}:{}", encode(&id), encode(&secret));
                let value = base64::engine::general_purpose::STANDARD.encode(pair);
                headers.push(("authorization".into(), format!("Basic {value}")));
            }
            AuthMethod::ClientSecretPost => {
                form.push(("client_id".into(), id));
                form.push(("client_secret".into(), secret));
            }
            AuthMethod::None => form.push(("client_id".into(), id)),
            AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt => {
                self.add_assertion(client, auth, method, &id, &secret, form)?;
            }
        }
        Ok(())
    }

    /// Tokens in a JSON response become known secrets for redaction.
    fn learn_tokens(&self, exchange: &HttpExchange) {
        for name in ["access_token", "refresh_token", "id_token"] {
            if let Some(value) = checks::lookup(&exchange.json, &[name]).and_then(Value::as_str) {
                self.redactor.add(value);
            }
        }
    }

    /// The target's JWK set (fetched once, through the capped agent), or
    /// why there is no usable one.
    async fn jwks(&mut self) -> Result<Value, harness_side::JwksError> {
        if self.jwks.is_none() {
            let fetched: Result<Value, harness_side::JwksError> =
                match self.profile.endpoints.jwks.clone() {
                    None => Err(harness_side::JwksError::NoEndpoint),
                    Some(url) => match self.send(get(url.clone())).await {
                        Ok(exchange) => {
                            harness_side::jwk_set(&url, &exchange, self.profile.limits.max_body)
                        }
                        Err(e) => Err(harness_side::JwksError::Fetch(e.to_string())),
                    },
                };
            self.jwks = Some(fetched.clone());
            return fetched;
        }
        self.jwks
            .clone()
            .unwrap_or(Err(harness_side::JwksError::NoEndpoint))
    }

    fn save(&mut self, step: &Step, result: &StepResult) -> Result<(), SaveError> {
        for (name, path) in &step.save {
            let Some(value) = result.field(path) else {
                return Err(SaveError {
                    name: name.clone(),
                    path: path.to_string(),
                    kind: step.kind.name(),
                    actual: self.describe(result),
                });
            };
            self.vars.set(name, value.into_owned());
        }
        Ok(())
    }
}
