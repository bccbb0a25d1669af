//! The validated suite model: what the runner executes.
//!
//! Everything here has already been checked by the loader (`suite::load`):
//! step kinds are known, exactly one kind per step, requirement ids exist in
//! the catalogue, capabilities are known, templates parse. The runner never
//! sees raw YAML. This module holds data only — no I/O, no HTTP.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::oauth::{AuthMethod, ErrorCode, GrantType};
pub use crate::suite::field::FieldPath;
pub use crate::suite::raw::StepKey;

/// A place in a suite file, 1-based, for messages that point at the YAML.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One suite file: a named list of scenarios about one area.
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub path: PathBuf,
    pub scenarios: Vec<Scenario>,
}

/// RFC 2119 level of a requirement; decides what a broken check becomes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Broken → `fail`.
    Must,
    /// Broken → `warn` (does not fail the run).
    Should,
    /// Broken → `info`-style warn; never fails a run.
    May,
}

impl Level {
    /// `MUST`, `SHOULD`, `MAY`, as RFC 2119 writes them.
    pub fn word(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// How bad it is for a security reviewer when the check is broken.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// `critical` … `info`, as the catalogue writes them.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

crate::suite::vocab::vocabulary! {
    /// What a target may or may not offer; a scenario requiring a missing one is skipped.
    pub enum Capability {
        SecondClient = "second_client",
        PublicClient = "public_client",
        MultiRedirect = "multi_redirect",
        RedirectWithQuery = "redirect_with_query",
        LoopbackClient = "loopback_client",
        Consent = "consent",
        RefreshToken = "refresh_token",
        Pkce = "pkce",
        Revocation = "revocation",
        Introspection = "introspection",
        Oidc = "oidc",
        Userinfo = "userinfo",
        Hybrid = "hybrid",
        ClientCredentials = "client_credentials",
        Resource = "resource",
        ScopedResource = "scoped_resource",
        SecondResource = "second_resource",
        Wait = "wait",
        Dcr = "dcr",
        Tls = "tls",
        Logout = "logout",
        RegisteredAuthMethod = "registered_auth_method",
        Intrusive = "intrusive",
        /// The target sends RFC 9207 `iss` on authorization responses.
        IssParameter = "iss_parameter",
        /// The target issues JWT access tokens (RFC 9068) to the main client.
        JwtAccessTokens = "jwt_access_tokens",
        /// Derived, never declared: the main client's redirect URI is not a
        /// loopback one (RFC 8252 §7.3 lets loopback URIs vary their port).
        NonLoopbackRedirect = "non_loopback_redirect",
    }
}

crate::suite::vocab::vocabulary! {
    /// A declared lifetime a `wait:` may add (the profile's `timing:` keys).
    pub enum TimingName {
        CodeTtl = "code_ttl",
        AccessTtl = "access_ttl",
        RefreshIdle = "refresh_idle",
        /// The absolute lifetime of a refresh token, used or not.
        RefreshTtl = "refresh_ttl",
    }
}

/// A scenario: one test of one or more requirements, possibly expanded by `vary:`.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Stable id (reports and baselines key on it), e.g. `code.single-use`.
    pub id: String,
    pub title: String,
    /// Catalogue requirement ids this scenario checks.
    pub requirements: Vec<String>,
    /// The level as shipped; under a chosen standard, `levels` decides
    /// (the runner resolves it when it plans the trials).
    pub level: Level,
    /// The level under each standard that has its own: the scenario's
    /// `levels:`, else its first requirement's catalogue `levels:` when the
    /// scenario writes no `level:` (docs/standards.md).
    pub levels: Option<crate::standard::StandardLevels>,
    pub severity: Severity,
    /// Citations, e.g. `RFC 6749 §4.1.2`.
    pub refs: Vec<String>,
    /// Capabilities the target must declare, else the trial is skipped.
    pub requires: Vec<Capability>,
    /// One trial per variant; empty means a single trial with no variant name.
    pub variants: Vec<Variant>,
    pub steps: Vec<Step>,
    pub location: Location,
}

/// One expansion of a scenario: a name and the variables it sets.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Reported as `id[name]`.
    pub name: String,
    /// Extra capabilities this variant needs on top of the scenario's.
    pub requires: Vec<Capability>,
    /// Variables visible to the steps as `${name}`.
    pub set: Vec<(String, Template)>,
    pub location: Location,
}

/// A string with `${...}` placeholders, interpolated at run time.
///
/// Placeholders: `${var}` (a saved or varied variable), `${env:NAME}`, and the
/// built-ins the runner documents (`${issuer}`, `${client.main.id}`,
/// `${client.main.redirect_uri}`, `${endpoint.token}`, …). `$${` escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    /// The source text, for messages.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    /// `${name}`; `name` may contain dots and a `env:` prefix.
    Var(String),
}

impl Template {
    /// A template with no placeholders.
    pub fn literal(text: impl Into<String>) -> Template {
        let text = text.into();
        Template {
            parts: vec![TemplatePart::Literal(text.clone())],
            source: text,
        }
    }
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub struct Step {
    pub kind: StepKind,
    /// Variables to capture from the step result: (variable, field path).
    /// Field paths are described at [`FieldPath`].
    pub save: Vec<(String, FieldPath)>,
    /// Preconditions: when one is not met the trial ends as `error`
    /// ("the positive control failed"), never `fail`.
    pub expect: Option<Expect>,
    /// The requirement's check: when not met the trial ends as `fail`
    /// (level MUST) or `warn` (SHOULD/MAY).
    pub check: Option<Expect>,
    /// Either-or outcomes, judged after `expect` and `check` (see [`AnyOf`]).
    pub any_of: Option<AnyOf>,
    /// Lowers (or raises) the level of this step's `check` (and of an
    /// `any_of` none of whose alternatives holds).
    pub level: Option<Level>,
    pub location: Location,
}

/// `any_of:` — outcomes of one step, best first; the first that holds
/// decides what happens next. When none holds, the step is broken at its
/// level if every alternative is a `check`, else the trial is an `error`
/// (the flow did not reach any outcome the scenario can judge).
#[derive(Debug, Clone)]
pub struct AnyOf {
    pub alternatives: Vec<Alternative>,
    pub location: Location,
}

/// One outcome of an [`AnyOf`].
#[derive(Debug, Clone)]
pub struct Alternative {
    /// What the result must look like for this alternative to hold.
    pub expect: Expect,
    /// Written as `check:` (true) or `expect:` (false): decides what a step
    /// none of whose alternatives holds becomes.
    pub is_check: bool,
    /// What happens when this alternative is the first that holds.
    pub then: Then,
    /// A deviation: holding this alternative breaks the step at this level
    /// (e.g. refused, but with another error code: SHOULD).
    pub level: Option<Level>,
    /// Said in the report when this alternative decides (the reason of a
    /// `skip`, the remark on a `pass`, the deviation of a `level`).
    pub note: Option<String>,
    pub location: Location,
}

/// What an [`Alternative`] that holds does to the trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Then {
    /// Go on with the next step (default).
    #[default]
    Continue,
    /// The requirement is shown here: the trial ends, passing (unless an
    /// earlier check warned), and later steps are not run.
    Pass,
    /// Nothing can be judged on this target: the trial ends as `skip`, with
    /// the alternative's `note` as the reason.
    Skip,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    Authorize(AuthorizeStep),
    /// Code, refresh or client-credentials grant; `refresh:` also builds this.
    Token(TokenStep),
    Revoke(TokenOpStep),
    Introspect(TokenOpStep),
    Userinfo(BearerStep),
    Resource(BearerStep),
    IdToken(IdTokenStep),
    Discover,
    Wait(WaitSpec),
    Request(RequestStep),
    /// An authorization run with a tampered login or consent form.
    Tamper(TamperStep),
    /// Identical token requests released together.
    Race(RaceStep),
    /// Codes and tokens sampled and measured.
    Entropy(EntropyStep),
    TlsProbe(TlsProbeStep),
}

crate::suite::vocab::vocabulary! {
    /// What a `tls_probe` step tries.
    pub enum TlsProbeKind {
        /// The endpoint's URL with `http://`: a token POST carrying a dummy
        /// secret, or a GET for the other endpoints. Result: `answered`
        /// (an HTTP response came back), `refused` (why not), and the
        /// HTTP fields when it answered.
        PlainHttp = "plain_http",
        /// A ClientHello offering only TLS 1.0 and 1.1 to the endpoint's
        /// server. Result: `accepted` (bool), `version` (agreed) or `refused`.
        LegacyTls = "legacy_tls",
    }
}

/// `tls_probe:` — see [`TlsProbeKind`].
#[derive(Debug, Clone)]
pub struct TlsProbeStep {
    pub probe: TlsProbeKind,
    pub endpoint: crate::suite::builtin::Endpoint,
}

impl StepKind {
    /// The step-kind key this step was written with (`refresh:` builds a
    /// refresh-token [`TokenStep`]).
    pub fn key(&self) -> StepKey {
        match self {
            StepKind::Authorize(_) => StepKey::Authorize,
            StepKind::Token(t) if t.grant == Grant::Known(GrantType::RefreshToken) => {
                StepKey::Refresh
            }
            StepKind::Token(_) => StepKey::Token,
            StepKind::Revoke(_) => StepKey::Revoke,
            StepKind::Introspect(_) => StepKey::Introspect,
            StepKind::Userinfo(_) => StepKey::Userinfo,
            StepKind::Resource(_) => StepKey::Resource,
            StepKind::IdToken(_) => StepKey::IdToken,
            StepKind::Discover => StepKey::Discover,
            StepKind::Wait(_) => StepKey::Wait,
            StepKind::Request(_) => StepKey::Request,
            StepKind::Tamper(_) => StepKey::Tamper,
            StepKind::Race(_) => StepKey::Race,
            StepKind::Entropy(_) => StepKey::Entropy,
            StepKind::TlsProbe(_) => StepKey::TlsProbe,
        }
    }

    /// The YAML key of this kind, for messages.
    pub fn name(&self) -> &'static str {
        self.key().name()
    }
}

crate::suite::vocab::vocabulary! {
    /// Which of the profile's clients a step acts as.
    #[derive(Default)]
    pub enum ClientRole {
        #[default]
        Main = "main",
        Other = "other",
        Public = "public",
    }
}

/// Front-channel run: build the authorization request, follow the AS's
/// redirects, log in, answer consent, stop at the first navigation to the client.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeStep {
    pub client: ClientRole,
    /// Parameter overrides and additions (redirect_uri, state, scope,
    /// response_type, code_challenge, code_challenge_method, nonce, prompt, …).
    /// A parameter given twice is sent twice (duplicate-parameter tests).
    pub params: Vec<(String, Template)>,
    /// Default parameters to leave out, e.g. `state`, `code_challenge`.
    pub omit: Vec<String>,
    pub consent: ConsentChoice,
    /// Start from an empty cookie jar instead of the trial's session.
    pub fresh_session: bool,
    /// The step must see the consent page: the request carries the
    /// profile's `login.force_consent` parameters (or `prompt=consent` on an
    /// OIDC target), and a walk without a consent page is a skip, never a
    /// verdict. `consent: deny` implies it.
    pub force_consent: bool,
    /// Which password the login form gets; `Wrong` implies a fresh session.
    pub password: PasswordChoice,
    /// Before the request, wait (at most [`QUIET_LOGINS_LIMIT`]) until no
    /// trial has logged the test user in for this long.
    pub quiet_logins: Option<std::time::Duration>,
}

/// The longest an `authorize` step waits for `quiet_logins`.
pub const QUIET_LOGINS_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The password typed into the login form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordChoice {
    /// The profile's.
    #[default]
    Registered,
    /// A wrong one: the AS must not let the user in (the step's result then
    /// has `login_failed: true` instead of ending the trial in error).
    Wrong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsentChoice {
    #[default]
    Approve,
    Deny,
}

/// Grant type of a token request, derived from its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// A registered grant type, given literally or derived from the fields.
    Known(GrantType),
    /// `grant_type:` given explicitly as anything else (e.g. `password`,
    /// an unknown value, or a template).
    Other(Template),
}

/// A step's `auth:`: a method by name, or `mismatch`, the secret method
/// the client did *not* register (`post` for a `basic` client and the
/// reverse; `basic` for a JWT client with a secret); a client without a
/// secret method is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthChoice {
    Method(AuthMethod),
    Mismatch,
}

impl<'de> serde::Deserialize<'de> for AuthChoice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name == "mismatch" {
            return Ok(AuthChoice::Mismatch);
        }
        AuthMethod::from_name(&name)
            .map(AuthChoice::Method)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown auth `{name}`, expected `mismatch` or {}",
                    crate::diag::one_of(AuthMethod::NAMES.iter().copied())
                ))
            })
    }
}

/// How a back-channel request authenticates its client.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    pub client: ClientRole,
    /// `None` = the method the profile registers for the client.
    pub method: Option<AuthChoice>,
    pub secret: SecretChoice,
    /// Overrides the client_id sent (with `post`/`none`) or used (with `basic`).
    pub client_id: Option<Template>,
}

/// Which secret a step presents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SecretChoice {
    /// The client's own secret.
    #[default]
    Registered,
    /// A wrong secret (derived from the real one so it looks plausible).
    Wrong,
    /// An empty secret (`client_secret=` / `A:`).
    Empty,
    /// Another client's secret.
    Of(ClientRole),
    /// A literal value.
    Value(Template),
}

#[derive(Debug, Clone)]
pub struct TokenStep {
    pub grant: Grant,
    pub auth: ClientAuth,
    /// Fields sent (code, redirect_uri, code_verifier, refresh_token, scope, …)
    /// on top of the grant's defaults.
    pub params: Vec<(String, Template)>,
    /// Defaults to leave out (e.g. `code_verifier`, `redirect_uri`).
    pub omit: Vec<String>,
}

/// Revocation (RFC 7009) or introspection (RFC 7662) of a token.
#[derive(Debug, Clone)]
pub struct TokenOpStep {
    pub token: Template,
    pub hint: Option<Template>,
    pub auth: ClientAuth,
}

/// A call to UserInfo or the protected resource with a bearer token.
#[derive(Debug, Clone)]
pub struct BearerStep {
    /// `None` sends no Authorization header at all.
    pub token: Option<Template>,
    /// Overrides the URL (e.g. a second resource).
    pub url: Option<Template>,
}

/// Decode and verify an ID token (signature against the JWKS, header, claims).
#[derive(Debug, Clone)]
pub struct IdTokenStep {
    pub token: Template,
    /// The access token issued with it: its `at_hash` is checked
    /// (result `hashes.at_hash`).
    pub access_token: Option<Template>,
    /// The code it was issued for: its `c_hash` is checked (`hashes.c_hash`).
    pub code: Option<Template>,
}

/// The longest the fixed part of a `wait:` may sleep: longer is a typo.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The longest a declared timing value may be. Real servers hand out
/// access tokens for ten days (Authlib's default), so a day is too short;
/// a year is still far from overflowing the runner's (checked) deadlines,
/// and a trial that would wait that long is ignored by default.
pub const MAX_TIMING: Duration = Duration::from_secs(31_557_600); // 365.25 days

/// A sum of durations and declared timing values, e.g. `code_ttl + 2s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitSpec {
    pub terms: Vec<WaitTerm>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitTerm {
    Fixed(Duration),
    /// A name from the profile's `timing:`.
    Timing(TimingName),
}

/// Raw HTTP for what the vocabulary does not cover.
#[derive(Debug, Clone)]
pub struct RequestStep {
    pub method: String,
    pub url: Template,
    pub headers: Vec<(String, Template)>,
    /// Form fields (application/x-www-form-urlencoded), sent in order.
    pub form: Vec<(String, Template)>,
    /// A raw body; excludes `form`.
    pub body: Option<Template>,
    /// Client authentication to add (HTTP Basic or body), if any.
    pub auth: Option<ClientAuth>,
    /// Appended to the URL's query exactly as written (after `${…}` are
    /// filled): no percent-encoding, no normalisation.
    pub raw_query: Option<Template>,
}

/// Which scraped form a [`TamperStep`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TamperForm {
    /// The form the password is typed into (or the username step).
    Login,
    /// The consent page's approving form.
    Consent,
}

/// A field of a scraped form, as a [`TamperStep`] names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormField {
    /// This exact name.
    Named(String),
    /// `@csrf`: the form's anti-forgery field, recognised by its name.
    AntiForgery,
}

/// An authorization run (the defaults of `authorize: {}` plus `params`)
/// whose `form` is submitted changed: fields dropped, values set, fields
/// added. After the tampered submission the walk acts on no further form:
/// what the AS answers is the result.
#[derive(Debug, Clone)]
pub struct TamperStep {
    pub form: TamperForm,
    pub client: ClientRole,
    pub params: Vec<(String, Template)>,
    pub drop: Vec<FormField>,
    pub set: Vec<(FormField, Template)>,
    pub add: Vec<(String, Template)>,
}

/// The most copies a `race:` may fire (an intrusive probe stays small).
pub const MAX_RACE: usize = 10;
/// The copies a `race:` fires when it does not say.
pub const DEFAULT_RACE: usize = 5;

/// `count` identical token requests (a code redemption or a refresh),
/// released together.
#[derive(Debug, Clone)]
pub struct RaceStep {
    pub count: usize,
    pub request: TokenStep,
}

/// The most flows an `entropy:` step may run.
pub const MAX_ENTROPY_SAMPLES: usize = 50;
/// The flows an `entropy:` step runs when it does not say.
pub const DEFAULT_ENTROPY_SAMPLES: usize = 20;

/// `samples` default code flows; the codes, access and refresh tokens are
/// measured (see `run::exec::entropy`), never kept or reported.
#[derive(Debug, Clone)]
pub struct EntropyStep {
    pub samples: usize,
}

/// What a step's response must look like.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Any of these statuses.
    pub status: Vec<u16>,
    /// Any of these RFC 6749 error codes (JSON `error` of a back-channel
    /// response, or the `error` parameter of an authorization redirect).
    pub error: Vec<ErrorCode>,
    /// For `authorize`: the AS navigated to the client (optionally: to this
    /// URI prefix, with these parameters).
    pub redirect: Option<RedirectExpect>,
    /// For `authorize`: the AS never navigated to the client.
    pub no_redirect: bool,
    /// Header matchers; names are case-insensitive.
    pub headers: Vec<(String, Matcher)>,
    /// Matchers over the JSON body (dotted paths).
    pub json: Vec<(String, Matcher)>,
    /// Matchers over any result field (see [`FieldPath`]).
    pub fields: Vec<(FieldPath, Matcher)>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct RedirectExpect {
    /// The redirect URL must start with this (before its query).
    pub to: Option<Template>,
    pub params: Vec<(String, Matcher)>,
}

/// A test on one value.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The value exists (and is not JSON null).
    Present,
    /// The value does not exist.
    Absent,
    /// Equals this string (numbers and booleans compare by their JSON text).
    Equals(Template),
    NotEquals(Template),
    /// Equals one of these.
    OneOf(Vec<Template>),
    /// Contains this substring.
    Contains(Template),
    /// Is present and does not contain this substring (e.g. a granted
    /// `scope` without the scope a request tried to add).
    NotContains(Template),
    /// Matches this regular expression (already compiled-checked by the loader).
    Regex(String),
    /// Is a number at least this large.
    AtLeast(f64),
    /// Is a number at most this large.
    AtMost(f64),
}
