//! `browse` against consent pages that vary the way real servers do:
//! approval behind a confirmation checkbox with scopes as checkboxes, a
//! deny control that only a script can operate, consent remembered between
//! walks unless `prompt=consent`, and pages where only the configured
//! selectors find the right form and controls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, RawForm};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::agent::testutil::{CLIENT, agent, alice, serve, stop_at};
use crate::agent::{AgentError, Consent, LoginConfig, Navigation, PageKind};

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [("location", location.to_string())]).into_response()
}

fn page(body: &str) -> Response {
    Html(format!(
        "<!DOCTYPE html><html><head><title>Consent</title></head><body>{body}</body></html>"
    ))
    .into_response()
}

/// The pairs of a form body, in order, repeats kept.
fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

// --- approval behind checkboxes ---

const CHECKBOX_PAGE: &str = r#"<form method="post" action="/consent">
  <input type="hidden" name="tx" value="t1">
  <ul><li><label><input type="checkbox" name="scope" value="openid"> openid</label></li>
      <li><label><input type="checkbox" name="scope" value="email"> email</label></li>
      <li><label><input type="checkbox" name="scope" value="admin"> admin</label></li></ul>
  <label><input type="checkbox" name="remember" value="1"> Remember this device</label>
  <input type="checkbox" id="tos" name="tos" value="1" required><label for="tos">Terms of service</label>
  <label><input type="checkbox" name="confirm" value="yes"> I confirm that I allow this access</label>
  <button type="submit" name="decision" value="approve">Allow</button>
  <button type="submit" name="decision" value="deny">Deny</button></form>"#;

/// Every consent form body the server received, in order.
type Bodies = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Records every consent body; approves only `confirm=yes`, `tos=1` and
/// scopes, and shows the page again otherwise.
fn checkbox_as(bodies: Bodies) -> Router {
    Router::new()
        .route("/authorize", get(|| async { redirect("/consent") }))
        .route(
            "/consent",
            get(|| async { page(CHECKBOX_PAGE) }).post(move |RawForm(body): RawForm| {
                let bodies = bodies.clone();
                async move {
                    let body = pairs(&body);
                    bodies.lock().expect("lock").push(body.clone());
                    let has = |n: &str, v: &str| body.iter().any(|(a, b)| a == n && b == v);
                    if has("decision", "deny") {
                        return redirect(&format!("{CLIENT}?error=access_denied"));
                    }
                    if has("confirm", "yes") && has("tos", "1") {
                        return redirect(&format!("{CLIENT}?code=checkbox-code-1234"));
                    }
                    page(&format!("<p>Tick the box.</p>{CHECKBOX_PAGE}"))
                }
            }),
        )
}

#[tokio::test]
async fn approval_ticks_the_confirmation_required_and_requested_scope_boxes() {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let base = serve(checkbox_as(bodies.clone())).await;
    let url = format!("{base}/authorize?scope=openid%20email&client_id=app");
    let result = agent()
        .browse(&url, &alice(), Consent::Approve, &stop_at(&base))
        .await
        .expect("approval reaches the client");
    assert_eq!(result.navigation.param("code"), Some("checkbox-code-1234"));
    let sent = bodies.lock().expect("lock").clone();
    let expected: Vec<(String, String)> = [
        ("tx", "t1"),
        ("scope", "openid"),
        ("scope", "email"),
        ("tos", "1"),
        ("confirm", "yes"),
        ("decision", "approve"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    // One answer; no unrequested scope, no "remember" box.
    assert_eq!(sent, [expected]);
}

#[tokio::test]
async fn denial_ticks_nothing() {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let base = serve(checkbox_as(bodies.clone())).await;
    let url = format!("{base}/authorize?scope=openid%20email");
    let result = agent()
        .browse(&url, &alice(), Consent::Deny, &stop_at(&base))
        .await
        .expect("denial reaches the client");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));
    let sent = bodies.lock().expect("lock").clone();
    assert_eq!(
        sent,
        [vec![
            ("tx".to_string(), "t1".to_string()),
            ("decision".to_string(), "deny".to_string())
        ]]
    );
}

// --- a page whose only answer is one submit behind a consent box ---

/// Authlib's example consent page: denial is submitting with the box
/// unticked (the server refuses unless `confirm` is sent).
const CONFIRM_ONLY_PAGE: &str = r#"<form action="" method="post">
  <label><input type="checkbox" name="confirm"><span>Consent?</span></label><br>
  <button>Submit</button></form>"#;

fn confirm_only_as(bodies: Bodies) -> Router {
    Router::new()
        .route("/authorize", get(|| async { redirect("/consent") }))
        .route(
            "/consent",
            get(|| async { page(CONFIRM_ONLY_PAGE) }).post(move |RawForm(body): RawForm| {
                let bodies = bodies.clone();
                async move {
                    let body = pairs(&body);
                    bodies.lock().expect("lock").push(body.clone());
                    if body.iter().any(|(name, _)| name == "confirm") {
                        redirect(&format!("{CLIENT}?code=confirm-code-1234"))
                    } else {
                        redirect(&format!("{CLIENT}?error=access_denied"))
                    }
                }
            }),
        )
}

#[tokio::test]
async fn with_one_submit_behind_a_consent_box_denial_submits_it_unticked() {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let base = serve(confirm_only_as(bodies.clone())).await;
    let url = format!("{base}/authorize?scope=profile");
    let denied = agent()
        .browse(&url, &alice(), Consent::Deny, &stop_at(&base))
        .await
        .expect("denial reaches the client");
    assert_eq!(denied.navigation.param("error"), Some("access_denied"));
    assert!(denied.consent_shown);
    let approved = agent()
        .browse(&url, &alice(), Consent::Approve, &stop_at(&base))
        .await
        .expect("approval reaches the client");
    assert_eq!(approved.navigation.param("code"), Some("confirm-code-1234"));
    let sent = bodies.lock().expect("lock").clone();
    assert_eq!(
        sent[0],
        Vec::<(String, String)>::new(),
        "denial ticks nothing"
    );
    assert_eq!(sent[1], [("confirm".to_string(), "on".to_string())]);
}

// --- a deny control only a script can operate ---

/// Counts approvals: pressing Allow when asked to deny would be a false
/// code-on-denial finding.
fn js_deny_as(approvals: Arc<AtomicUsize>, deny: &'static str) -> Router {
    Router::new()
        .route("/authorize", get(|| async { redirect("/consent") }))
        .route(
            "/consent",
            get(move || async move {
                page(&format!(
                    r#"<form method="post" action="/consent"><input type="hidden" name="tx" value="t1">
                       <button type="submit" name="decision" value="approve">Allow</button>{deny}</form>"#
                ))
            })
            .post(move || {
                let approvals = approvals.clone();
                async move {
                    approvals.fetch_add(1, Ordering::SeqCst);
                    redirect(&format!("{CLIENT}?code=js-code-123456"))
                }
            }),
        )
}

#[tokio::test]
async fn a_deny_control_that_needs_javascript_is_never_replaced_by_approve() {
    let controls = [
        r#"<button type="button" onclick="var f=this.form;f.submit()">Deny</button>"#,
        r#"<input type="button" value="Cancel" onclick="deny()">"#,
        r#"<a href="javascript:deny()">Decline</a>"#,
        r##"<a href="#" onclick="deny()">Reject</a>"##,
    ];
    for control in controls {
        let approvals = Arc::new(AtomicUsize::new(0));
        let base = serve(js_deny_as(approvals.clone(), control)).await;
        let err = agent()
            .browse(
                &format!("{base}/authorize"),
                &alice(),
                Consent::Deny,
                &stop_at(&base),
            )
            .await
            .expect_err("the agent cannot deny here");
        let AgentError::DenialNeedsJavaScript { url, .. } = &err else {
            panic!("{control}: expected a denial needing JavaScript, got {err:?}");
        };
        assert_eq!(url, &format!("{base}/consent"));
        assert!(
            err.to_string().starts_with("denial needs JavaScript"),
            "{err}"
        );
        assert_eq!(approvals.load(Ordering::SeqCst), 0, "{control}");

        // Approval still works on the same page.
        let result = agent()
            .browse(
                &format!("{base}/authorize"),
                &alice(),
                Consent::Approve,
                &stop_at(&base),
            )
            .await
            .expect("approval");
        assert_eq!(result.navigation.param("code"), Some("js-code-123456"));
    }
}

// --- consent remembered between walks unless prompt=consent ---

/// Shows the consent page the first time and whenever `prompt=consent` is
/// sent; otherwise answers with a code at once.
fn remembering_as(remembered: Arc<AtomicBool>) -> Router {
    let on_get = remembered.clone();
    Router::new()
        .route(
            "/authorize",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let remembered = on_get.clone();
                async move {
                    let forced = q.get("prompt").map(String::as_str) == Some("consent");
                    if remembered.load(Ordering::SeqCst) && !forced {
                        return redirect(&format!("{CLIENT}?code=remembered-code-1"));
                    }
                    page(
                        r#"<form method="post" action="/consent"><button name="d" value="allow">Allow</button>
                           <button name="d" value="deny">Deny</button></form>"#,
                    )
                }
            }),
        )
        .route(
            "/consent",
            axum::routing::post(move |RawForm(body): RawForm| {
                let remembered = remembered.clone();
                async move {
                    if pairs(&body).iter().any(|(_, v)| v == "deny") {
                        return redirect(&format!("{CLIENT}?error=access_denied"));
                    }
                    remembered.store(true, Ordering::SeqCst);
                    redirect(&format!("{CLIENT}?code=fresh-code-1234"))
                }
            }),
        )
}

#[tokio::test]
async fn remembered_consent_is_reported_as_no_consent_page() {
    let base = serve(remembering_as(Arc::new(AtomicBool::new(false)))).await;
    let agent = agent();
    let stop = stop_at(&base);
    let first = agent
        .browse(
            &format!("{base}/authorize"),
            &alice(),
            Consent::Approve,
            &stop,
        )
        .await
        .expect("first approval");
    assert!(first.consent_shown);
    assert_eq!(first.navigation.param("code"), Some("fresh-code-1234"));

    // Remembered: a code without a consent page, even when asked to deny —
    // the walk reports that no consent page was shown, so the runner can
    // skip instead of judging a "code on denial".
    let second = agent
        .browse(&format!("{base}/authorize"), &alice(), Consent::Deny, &stop)
        .await
        .expect("remembered");
    assert!(!second.consent_shown);
    assert_eq!(second.navigation.param("code"), Some("remembered-code-1"));
    assert!(second.pages.is_empty());

    // prompt=consent brings the page back, and the denial is made.
    let third = agent
        .browse(
            &format!("{base}/authorize?prompt=consent"),
            &alice(),
            Consent::Deny,
            &stop,
        )
        .await
        .expect("forced consent");
    assert!(third.consent_shown);
    assert_eq!(third.navigation.param("error"), Some("access_denied"));
    let kinds: Vec<PageKind> = third.pages.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PageKind::Consent]);
}

// --- pages only the configured selectors read right ---

/// A decoy password form first (the default guess), the real form found by
/// `#signin` with a text-typed PIN; on consent the first approve-like
/// button defers, and the way to deny is a link that does not read like one.
fn selector_as() -> Router {
    Router::new()
        .route("/authorize", get(|| async { redirect("/signin") }))
        .route(
            "/signin",
            get(|| async {
                page(
                    r#"<form action="/wrong" method="post"><input type="password" name="old"><button>Change</button></form>
                       <form id="signin" action="/signin" method="post"><input type="text" name="q">
                       <input type="text" name="acct"><input type="text" name="pin"><button>Go</button></form>"#,
                )
            })
            .post(|RawForm(body): RawForm| async move {
                let body = pairs(&body);
                let has = |n: &str, v: &str| body.iter().any(|(a, b)| a == n && b == v);
                if has("acct", "alice") && has("pin", "alice-password") && has("q", "") {
                    redirect("/consent")
                } else {
                    (StatusCode::BAD_REQUEST, "bad login").into_response()
                }
            }),
        )
        .route("/wrong", axum::routing::post(|| async { (StatusCode::BAD_REQUEST, "decoy") }))
        .route(
            "/consent",
            get(|| async {
                page(&format!(
                    r#"<form method="post" action="/consent"><button name="d" value="later">Allow later</button>
                       <button name="d" value="now">Allow now</button></form>
                       <a class="back" href="{CLIENT}?error=access_denied">Back</a>"#
                ))
            })
            .post(|RawForm(body): RawForm| async move {
                if pairs(&body).iter().any(|(n, v)| n == "d" && v == "now") {
                    redirect(&format!("{CLIENT}?code=selector-code-1"))
                } else {
                    (StatusCode::BAD_REQUEST, "deferred").into_response()
                }
            }),
        )
}

#[tokio::test]
async fn configured_selectors_override_the_guesses() {
    let base = serve(selector_as()).await;
    let url = format!("{base}/authorize");
    let stop = stop_at(&base);
    let configured = LoginConfig {
        form: Some("#signin".to_string()),
        username_field: Some("acct".to_string()),
        password_field: Some("pin".to_string()),
        approve: Some("button[value=now]".to_string()),
        deny: Some("a.back".to_string()),
        ..alice()
    };
    let result = agent()
        .browse(&url, &configured, Consent::Approve, &stop)
        .await
        .expect("approval with the selectors");
    assert_eq!(result.navigation.param("code"), Some("selector-code-1"));
    assert!(result.logged_in);
    let result = agent()
        .browse(&url, &configured, Consent::Deny, &stop)
        .await
        .expect("denial with the selectors");
    assert_eq!(result.navigation.param("error"), Some("access_denied"));

    // Without them the guesses go wrong: the decoy form is filled.
    let guessed = agent()
        .browse(&url, &alice(), Consent::Approve, &stop)
        .await
        .expect("a page is a result");
    assert!(
        matches!(result_status(&guessed.navigation), Some(400)),
        "{:?}",
        guessed.navigation
    );
}

fn result_status(navigation: &Navigation) -> Option<u16> {
    match navigation {
        Navigation::Stayed { status, .. } => Some(*status),
        Navigation::ToClient { .. } => None,
    }
}
