//! The login page (`GET`) and form submission (`POST`).
//!
//! The form carries the transaction id (`tx`) and an anti-CSRF value bound
//! to a pre-session browser cookie, so a forged cross-site login POST fails.
//! A wrong password shows the form again (401) and changes nothing; success
//! creates a session, binds the transaction to it and answers 303 to the
//! consent page. Nothing here redirects to a client. Under the
//! `identifier-first` quirk the form is two pages: the username alone,
//! then the password (the username carried in a hidden field).

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use crate::oauth::uri::with_params;
use crate::server::cookies;
use crate::server::front::{PageKind, error_page, page, see_other, tx_param};
use crate::server::html::{self, LoginForm, LoginStep};
use crate::server::params::{Params, read_body};
use crate::server::random;
use crate::server::session::{self, same_secret};
use crate::server::state::{AppState, Shared};
use crate::server::store::Session;
use crate::server::{Flaw, Quirk};

const UNKNOWN_TX: &str =
    "this sign-in request is unknown or has expired; start again from the application";

/// `GET /login?tx=…`: the login form.
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let tx = match tx_param(&state, query) {
        Ok(tx) => tx,
        Err(page) => return page,
    };
    let tx = tx.as_str();
    let mut store = state.store();
    let Some(client_id) = store.transactions.get(tx).map(|t| t.client_id.clone()) else {
        return error_page(&state, UNKNOWN_TX);
    };
    let (browser, csrf, new_browser) = session::browser(&mut store, &headers);
    drop(store);
    let step = if state.quirk(Quirk::IdentifierFirst) {
        LoginStep::Username
    } else {
        LoginStep::Both
    };
    let form = Shown {
        status: StatusCode::OK,
        step,
        error: None,
        username: None,
    };
    let mut response = login_form(&state, tx, &csrf, &client_id, form);
    if new_browser {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::BROWSER_COOKIE, &browser, secure(&state)),
        );
    }
    response
}

/// `POST /login`: checks the anti-CSRF value, then the credentials.
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    state.hasher.hash(crate::server::hashing::Work::Login).await;
    let params = match read_body(body).await {
        Ok(bytes) => Params::from_form(&headers, &bytes),
        Err(error) => Err(error),
    };
    let params = match params {
        Ok(params) => params,
        Err(error) => return error_page(&state, error),
    };
    let fields = ["tx", "csrf", "username", "password"].map(|name| params.get(name));
    let [Ok(tx), Ok(csrf), Ok(username), Ok(password)] = fields else {
        return error_page(&state, "a login field is repeated");
    };
    let (Some(tx), Some(csrf)) = (tx, csrf) else {
        return error_page(&state, "the login form is incomplete");
    };
    let mut store = state.store();
    let browser_csrf = cookies::get(&headers, cookies::BROWSER_COOKIE)
        .and_then(|id| store.browsers.get(id))
        .map(|browser| browser.csrf.clone());
    if !browser_csrf.is_some_and(|expected| same_secret(&expected, csrf)) {
        return error_page(
            &state,
            "the login form has expired or was not submitted from this browser",
        );
    }
    let Some(client_id) = store.transactions.get(tx).map(|t| t.client_id.clone()) else {
        return error_page(&state, UNKNOWN_TX);
    };
    let identifier_first = state.quirk(Quirk::IdentifierFirst);
    if identifier_first && password.is_none() {
        // The username step: the password page follows whatever the
        // username (it does not tell whether the account exists).
        drop(store);
        let form = match username.filter(|name| !name.is_empty()) {
            Some(name) => Shown {
                status: StatusCode::OK,
                step: LoginStep::Password,
                error: None,
                username: Some(name),
            },
            None => Shown {
                status: StatusCode::UNAUTHORIZED,
                step: LoginStep::Username,
                error: Some("Enter your username."),
                username: None,
            },
        };
        return login_form(&state, tx, csrf, &client_id, form);
    }
    let user = username
        .and_then(|name| state.config.user_by_name(name))
        .filter(|user| {
            password.is_some_and(|given| {
                state.has(Flaw::AuthzUserAuthenticationRequired)
                    || same_secret(user.password.expose(), given)
            })
        });
    let Some(user) = user else {
        drop(store);
        let form = Shown {
            status: StatusCode::UNAUTHORIZED,
            step: if identifier_first {
                LoginStep::Password
            } else {
                LoginStep::Both
            },
            error: Some("Wrong username or password."),
            username,
        };
        return login_form(&state, tx, csrf, &client_id, form);
    };
    let session_id = random::token();
    store.sessions.insert(
        session_id.clone(),
        Session {
            sub: user.sub.clone(),
            auth_time: random::unix_now(),
            csrf: random::token(),
            created: Instant::now(),
        },
    );
    if let Some(transaction) = store.transactions.get_mut(tx) {
        transaction.session = Some(session_id.clone());
    }
    drop(store);
    let consent = with_params(&state.url(&state.config.paths.consent), &[("tx", tx)]);
    let mut response = see_other(&state, &consent);
    // The `headers.no-307` flaw replays the credential POST (RFC 9700 §4.12).
    if state.has(Flaw::HeadersNo307) {
        *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    }
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION_COOKIE, &session_id, secure(&state)),
    );
    response
}

/// How the login form is shown: status, step, error line, username.
struct Shown<'a> {
    status: StatusCode,
    step: LoginStep,
    error: Option<&'a str>,
    username: Option<&'a str>,
}

fn login_form(
    state: &AppState,
    tx: &str,
    csrf: &str,
    client_id: &str,
    form: Shown<'_>,
) -> Response {
    let action = state.url(&state.config.paths.login);
    let html = html::login_page(&LoginForm {
        action: &action,
        tx,
        csrf,
        client_id,
        error: form.error,
        username: form.username,
        step: form.step,
    });
    let status = form.status;
    // The `headers.referrer-leakage` flaw loads an analytics script from a
    // third party, which sees the page URL (with its parameters).
    let html = if state.has(Flaw::HeadersReferrerLeakage) {
        html.replacen(
            "</head>",
            "<script src=\"https://analytics.example/track.js\"></script>\n</head>",
            1,
        )
    } else {
        html
    };
    page(state, PageKind::Interactive, status, html)
}

/// Cookies get `Secure` when the issuer is https.
pub fn secure(state: &AppState) -> bool {
    state.issuer.starts_with("https:")
}
