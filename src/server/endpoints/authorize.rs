//! The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2).
//!
//! Order matters and follows RFC 6749 §4.1.2.1: first the client and its
//! redirect URI are settled — any problem there is an error *page*, never a
//! redirect — and only then are other errors redirected to that validated URI.
//! A valid request becomes a stored transaction and the browser is sent to
//! the login page (or straight to consent when a session exists). This
//! handler never issues a code; consent does.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::oauth::uri::with_params;
use crate::server::config::ClientConfig;
use crate::server::flaw::Flaw;
use crate::server::front::{PageKind, error_page, error_redirect, page as page_html, see_other};
use crate::server::html;
use crate::server::oauth_error::{ErrorCode, OAuthError};
use crate::server::params::{MAX_BODY_LEN, Params, read_body};
use crate::server::pkce::{self, Challenge};
use crate::server::quirk::Quirk;
use crate::server::random;
use crate::server::redirect_match::{self, RedirectProblem};
use crate::server::scope;
use crate::server::session;
use crate::server::state::{AppState, Shared};
use crate::server::store::Transaction;

/// Parameters that must not be repeated once client and redirect are known.
const SINGLE_PARAMS: &[&str] = &[
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
];

/// `GET /authorize`.
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let mut response = if query.len() > MAX_BODY_LEN {
        error_page(&state, "the request is too large")
    } else {
        match Params::parse(query.as_bytes()) {
            Ok(params) => authorize(&state, &headers, &params),
            Err(error) => error_page(&state, error),
        }
    };
    // The `headers.no-cors-authz` flaw opens the endpoint to any origin.
    if state.has(Flaw::HeadersNoCorsAuthz)
        && let Some(origin) = headers.get(header::ORIGIN)
    {
        let out = response.headers_mut();
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// `POST /authorize` (form body, OIDC Core §3.1.2.1).
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let params = match read_body(body).await {
        Ok(bytes) => Params::from_form(&headers, &bytes),
        Err(error) => Err(error),
    };
    match params {
        Ok(params) => authorize(&state, &headers, &params),
        Err(error) => error_page(&state, error),
    }
}

/// Where responses for this request go.
struct Target<'a> {
    redirect_uri: String,
    validated: bool,
    client_state: Option<&'a str>,
}

fn authorize(state: &AppState, headers: &HeaderMap, params: &Params) -> Response {
    // The `request.duplicate-params` flaw takes the last of repeated values.
    let last_wins;
    let params = if state.has(Flaw::RequestDuplicateParams) {
        last_wins = params.last_of_each();
        &last_wins
    } else {
        params
    };
    let (client, target) = match settle_client_and_redirect(state, params) {
        Ok(settled) => settled,
        Err(response) => return *response,
    };
    match check_request(state, headers, client, params, &target) {
        Ok(response) => response,
        Err(error) => match defer_error(state, headers, client, params, &target, error) {
            Ok(response) => response,
            Err(error) => error_redirect(state, &target.redirect_uri, target.client_state, &error),
        },
    }
}

/// An error for a user who is not logged in waits until they are (RFC 9700
/// §4.11.2, OAuth 2.1 §7.13.2: an AS redirecting errors before
/// authenticating the user serves as an open redirector for whoever
/// registers a client): the transaction carries the error and the login
/// page comes first. Returned as `Err` (redirect at once) when a session
/// exists, when the request says `prompt=none` (OIDC Core §3.1.2.1: no UI),
/// for an unvalidated URI (only under `redirect.error-no-redirect`), and
/// under the `authz.error-before-auth` flaw.
fn defer_error(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientConfig,
    params: &Params,
    target: &Target,
    error: OAuthError,
) -> Result<Response, OAuthError> {
    let silent = params
        .get("prompt")
        .ok()
        .flatten()
        .is_some_and(|prompt| prompt.split(' ').any(|value| value == "none"));
    let mut store = state.store();
    if silent
        || !target.validated
        || state.has(Flaw::AuthzErrorBeforeAuth)
        || session::current(&store, headers).is_some()
    {
        return Err(error);
    }
    let tx_id = random::token();
    store.transactions.insert(
        tx_id.clone(),
        Transaction {
            client_id: client.id.clone(),
            redirect_uri: target.redirect_uri.clone(),
            redirect_validated: true,
            redirect_uri_sent: false,
            scope: Vec::new(),
            state: target.client_state.map(str::to_string),
            nonce: None,
            challenge: None,
            implicit: false,
            pending_error: Some(error),
            prompt_consent: false,
            session: None,
            created: Instant::now(),
        },
    );
    drop(store);
    let login = with_params(&state.url(&state.config.paths.login), &[("tx", &tx_id)]);
    Ok(see_other(state, &login))
}

/// Client and redirect URI; failures are pages (or, under the
/// `redirect.error-no-redirect` flaw, redirects to the unvalidated URI).
fn settle_client_and_redirect<'a>(
    state: &'a AppState,
    params: &'a Params,
) -> Result<(&'a ClientConfig, Target<'a>), Box<Response>> {
    let page = |message: &dyn std::fmt::Display| Box::new(error_page(state, message));
    let open_redirect = state.has(Flaw::RedirectErrorNoRedirect);
    let client_id = params.get("client_id").map_err(|error| page(&error))?;
    let supplied = params.get("redirect_uri").map_err(|error| page(&error))?;
    // A repeated state is reported later; it is not echoed.
    let client_state = params.get("state").ok().flatten();
    let Some(client) = client_id.and_then(|id| state.client(id)) else {
        let why = match client_id {
            None => "client_id is missing",
            Some(_) => "client_id is unknown",
        };
        return Err(match supplied {
            Some(uri) if open_redirect => Box::new(error_redirect(
                state,
                uri,
                client_state,
                &OAuthError::invalid_request(why),
            )),
            _ => page(&why),
        });
    };
    let openid = params
        .get("scope")
        .ok()
        .flatten()
        .is_some_and(|raw| raw.split(' ').any(|value| value == "openid"));
    let (redirect_uri, validated) =
        match redirect_match::resolve(&state.config, client, supplied, openid) {
            Ok(uri) => (uri.to_string(), true),
            Err(RedirectProblem::NotRegistered) if open_redirect && supplied.is_some() => {
                (supplied.unwrap_or_default().to_string(), false)
            }
            // The `state.reflection-safe` flaw reflects the URI and the
            // state into the page unescaped.
            Err(problem @ RedirectProblem::NotRegistered)
                if state.has(Flaw::StateReflectionSafe) =>
            {
                let reflected = format!(
                    "{} <code>{}</code>, state <code>{}</code>",
                    html::escape(&problem.to_string()),
                    supplied.unwrap_or_default(),
                    client_state.unwrap_or_default()
                );
                return Err(Box::new(page_html(
                    state,
                    PageKind::Error,
                    StatusCode::BAD_REQUEST,
                    html::error_page_html(&reflected),
                )));
            }
            Err(problem) => return Err(page(&problem)),
        };
    Ok((
        client,
        Target {
            redirect_uri,
            validated,
            client_state,
        },
    ))
}

/// Everything after the redirect URI is settled; errors become redirects.
fn check_request(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientConfig,
    params: &Params,
    target: &Target,
) -> Result<Response, OAuthError> {
    params.check_not_repeated(SINGLE_PARAMS)?;
    let mut implicit = false;
    match params.get("response_type")? {
        // The `authz.implicit-disabled` flaw serves the implicit grant.
        Some("token") if state.has(Flaw::AuthzImplicitDisabled) => implicit = true,
        // The `response-type.invalid` flaw takes anything for `code`.
        _ if state.has(Flaw::ResponseTypeInvalid) => {}
        None => return Err(OAuthError::invalid_request("response_type is required")),
        Some("code") => {}
        Some(_) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    if let Some(mode) = params.get("response_mode")?
        && mode != "query"
    {
        return Err(OAuthError::invalid_request(
            "only response_mode=query is supported",
        ));
    }
    // The `nonce-requires-openid` quirk: a nonce outside an OpenID request
    // is refused, as oidc-provider does (OIDC Core defines `nonce` for
    // OpenID requests only; RFC 6749 §3.1's "MUST ignore unrecognized
    // request parameters" does not stop an OIDC server knowing it).
    if state.quirk(Quirk::NonceRequiresOpenid)
        && params.get("nonce")?.is_some()
        && !params
            .get("scope")?
            .is_some_and(|s| s.split(' ').any(|v| v == "openid"))
    {
        return Err(OAuthError::invalid_request(
            "openid scope must be requested when using the nonce parameter",
        ));
    }
    let scope = scope::requested(&state.config, client, params.get("scope")?)
        .map_err(|error| OAuthError::new(ErrorCode::InvalidScope, error))?;
    let challenge = pkce::check_challenge(
        &state.config,
        params.get("code_challenge")?,
        params.get("code_challenge_method")?,
    )
    .map_err(OAuthError::invalid_request)?;
    // The `request.param-hygiene` flaw takes an empty `code_challenge=` as
    // sent; the `pkce.required-public` flaw lets public clients omit it.
    let empty_challenge_sent = state.has(Flaw::RequestParamHygiene)
        && params.contains("code_challenge")
        && params.get("code_challenge")?.is_none();
    if challenge.is_none()
        && !client.is_confidential()
        && !empty_challenge_sent
        && !state.has(Flaw::PkceRequiredPublic)
    {
        // RFC 9700 §2.1.1: public clients must use PKCE.
        return Err(OAuthError::invalid_request(
            "code_challenge is required for public clients",
        ));
    }
    // OAuth 2.1 §4.1.1: the AS MUST enforce PKCE "except under the
    // conditions described in Section 7.5.1": a confidential client whose
    // request is protected by an OpenID Connect nonce. RFC 9700 §2.1.1 only
    // recommends PKCE to confidential clients; the
    // `pkce.required-confidential` flaw is that behaviour.
    let nonce_protected = scope::has(&scope, "openid") && params.get("nonce")?.is_some();
    if challenge.is_none()
        && !implicit
        && client.is_confidential()
        && !nonce_protected
        && !state.has(Flaw::PkceRequiredConfidential)
    {
        return Err(OAuthError::invalid_request(
            "code_challenge is required unless an OpenID Connect request carries a nonce",
        ));
    }
    if challenge.is_none() && state.quirk(Quirk::PkceRequired) {
        // The `pkce-required` quirk: every client must (OAuth 2.1 §4.1.1
        // makes PKCE REQUIRED; RFC 9700 §2.1.1 lets servers enforce it).
        return Err(OAuthError::invalid_request("code_challenge is required"));
    }
    let prompt = Prompt::parse(params.get("prompt")?)?;
    let max_age = params
        .get("max_age")?
        .map(|value| value.parse::<u64>())
        .transpose()
        .map_err(|_| OAuthError::invalid_request("max_age must be a non-negative integer"))?;
    let nonce = params.get("nonce")?;
    start_transaction(
        state,
        headers,
        client,
        target,
        Request {
            scope,
            challenge,
            prompt,
            max_age,
            nonce,
            redirect_uri_sent: params.get("redirect_uri")?.is_some(),
            implicit,
        },
    )
}

/// A checked request, ready to become a transaction.
struct Request<'a> {
    scope: Vec<String>,
    challenge: Option<Challenge>,
    prompt: Prompt,
    max_age: Option<u64>,
    nonce: Option<&'a str>,
    redirect_uri_sent: bool,
    /// `response_type=token`, only served under `authz.implicit-disabled`.
    implicit: bool,
}

/// The OIDC `prompt` values this server acts on (OIDC Core §3.1.2.1).
#[derive(Clone, Copy, Debug, Default)]
struct Prompt {
    none: bool,
    login: bool,
    consent: bool,
}

impl Prompt {
    fn parse(raw: Option<&str>) -> Result<Prompt, OAuthError> {
        let mut prompt = Prompt::default();
        let values: Vec<&str> = raw
            .unwrap_or_default()
            .split(' ')
            .filter(|v| !v.is_empty())
            .collect();
        for value in &values {
            match *value {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                "select_account" => {}
                _ => return Err(OAuthError::invalid_request("unsupported prompt value")),
            }
        }
        if prompt.none && values.len() > 1 {
            return Err(OAuthError::invalid_request(
                "prompt=none cannot be combined with other values",
            ));
        }
        Ok(prompt)
    }
}

fn start_transaction(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientConfig,
    target: &Target,
    request: Request,
) -> Result<Response, OAuthError> {
    let tx_id = random::token();
    let mut store = state.store();
    let session = session::current(&store, headers);
    let too_old = |auth_time: u64| {
        request
            .max_age
            .is_some_and(|max_age| random::unix_now().saturating_sub(auth_time) > max_age)
    };
    // The `oidc.max-age-prompt-login` flaw keeps any session.
    let reauthenticate = |auth_time: u64| {
        (request.prompt.login || too_old(auth_time)) && !state.has(Flaw::OidcMaxAgePromptLogin)
    };
    let per_user = state.quirk(Quirk::UserAuthTime);
    let usable = session
        .as_ref()
        .filter(|(_, s)| !reauthenticate(store.auth_time(s, per_user)));
    // Under `remembered-consent` a logged-in user who approved this scope
    // before is not asked again, so `prompt=none` can succeed.
    let remembered = usable.is_some_and(|(_, s)| {
        state.quirk(Quirk::RememberedConsent)
            && store.consent_remembered(&s.sub, &client.id, &request.scope)
    });
    // OIDC Core §3.1.2.1: with prompt=none the AS "MUST NOT display any
    // authentication or consent user interface pages"; the `oidc.prompt-none`
    // flaw shows the login page when there is no session.
    let silent_login_page = usable.is_none() && state.has(Flaw::OidcPromptNone);
    if request.prompt.none && !remembered && !silent_login_page {
        // Otherwise consent is always shown, so even a logged-in user needs the UI.
        return Err(match usable {
            None => OAuthError::new(ErrorCode::LoginRequired, "the user is not logged in"),
            Some(_) => OAuthError::new(
                ErrorCode::ConsentRequired,
                "the user must approve this request",
            ),
        });
    }
    // The `pkce.constant-challenge` flaw takes a challenge an outstanding
    // code is bound to as a retry and binds the new code to none.
    let challenge = request.challenge.filter(|challenge| {
        !(state.has(Flaw::PkceConstantChallenge)
            && store
                .codes
                .values()
                .any(|code| code.grant.is_none() && code.challenge.as_ref() == Some(challenge)))
    });
    let next = if usable.is_some() {
        &state.config.paths.consent
    } else {
        &state.config.paths.login
    };
    store.transactions.insert(
        tx_id.clone(),
        Transaction {
            client_id: client.id.clone(),
            redirect_uri: target.redirect_uri.clone(),
            redirect_validated: target.validated,
            redirect_uri_sent: request.redirect_uri_sent,
            scope: request.scope,
            state: target.client_state.map(str::to_string),
            nonce: request.nonce.map(str::to_string),
            challenge,
            implicit: request.implicit,
            pending_error: None,
            prompt_consent: request.prompt.consent,
            session: usable.map(|(id, _)| id.clone()),
            created: Instant::now(),
        },
    );
    drop(store);
    Ok(see_other(
        state,
        &with_params(&state.url(next), &[("tx", &tx_id)]),
    ))
}
