//! Scraping tests: real pages (oidc-provider, Django, Keycloak, two-step
//! logins), consent pages with buttons, links, checkboxes and script-only
//! controls, form association rules, refresh syntaxes and broken HTML.

use super::*;

fn parse(html: &str) -> Page {
    Page::parse(html, Hints::default())
}

fn pairs(form: &Form, pressed: Option<usize>) -> Vec<(String, String)> {
    form.submission(&form.fields, pressed)
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

pub(crate) const OIDC_PROVIDER_LOGIN: &str = r#"<!DOCTYPE html><html><head><title>Sign-in</title></head><body>
  <div class="login-card"><h1>Sign-in</h1>
  <form autocomplete="off" action="http://127.0.0.1:9401/interaction/uid1" method="post">
    <input type="hidden" name="prompt" value="login"/>
    <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
    <input required type="password" name="password" placeholder="and password" >
    <button type="submit" class="login login-submit">Sign-in</button>
  </form>
  <div class="login-help"><a href="http://127.0.0.1:9401/interaction/uid1/abort">[ Cancel ]</a></div>
  </div></body></html>"#;

pub(crate) const OIDC_PROVIDER_CONSENT: &str = r#"<!DOCTYPE html><html><head><title>Authorize</title></head><body>
  <ul><li>scopes:</li><ul><li>email</li></ul>
  <li>the client is asking to have offline access to this authorization</li></ul>
  <form autocomplete="off" action="http://127.0.0.1:9401/interaction/uid2" method="post">
    <input type="hidden" name="prompt" value="consent"/>
    <button autofocus type="submit" class="login login-submit">Continue</button>
  </form>
  <div class="login-help"><a href="http://127.0.0.1:9401/interaction/uid2/abort">[ Cancel ]</a></div>
  </body></html>"#;

#[test]
fn oidc_provider_login_form() {
    let page = parse(OIDC_PROVIDER_LOGIN);
    assert_eq!(page.title.as_deref(), Some("Sign-in"));
    let form = &page.forms[0];
    assert_eq!(
        form.action.as_deref(),
        Some("http://127.0.0.1:9401/interaction/uid1")
    );
    assert_eq!(form.method, "POST");
    assert!(form.has_password());
    assert_eq!(form.username_name(), Some("login"));
    assert_eq!(form.password_name(), Some("password"));
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[("prompt", "login"), ("login", ""), ("password", "")])
    );
    assert_eq!(form.submits[0].text, "Sign-in");
    assert_eq!(page.links[0].role(), Some(Role::Deny));
}

#[test]
fn oidc_provider_consent_form_has_only_continue() {
    let page = parse(OIDC_PROVIDER_CONSENT);
    let form = &page.forms[0];
    assert!(!form.has_password());
    assert_eq!(form.submits.len(), 1);
    assert_eq!(form.submits[0].role(), Some(Role::Approve));
    assert_eq!(pairs(form, Some(0)), owned(&[("prompt", "consent")]));
    assert_eq!(
        page.links[0].href,
        "http://127.0.0.1:9401/interaction/uid2/abort"
    );
    assert_eq!(page.links[0].role(), Some(Role::Deny));
}

#[test]
fn django_login_keeps_the_csrf_token_and_decodes_entities() {
    let page = parse(
        r#"<html><head><title>Log in | Django site admin</title></head><body>
        <form action="/accounts/login/?next=/o/authorize/%3Fclient_id%3Dx%26state%3Dy" method="post" id="login-form">
          <input type="hidden" name="csrfmiddlewaretoken" value="Tk&amp;3&lt;x">
          <label for="id_username">Username:</label>
          <input type="text" name="username" autofocus autocapitalize="none" autocomplete="username" maxlength="150" required id="id_username">
          <label for="id_password">Password:</label>
          <input type="password" name="password" autocomplete="current-password" required id="id_password">
          <input type="hidden" name="next" value="/o/authorize/?client_id=x&amp;state=y">
          <input type="submit" value="Log in">
        </form></body></html>"#,
    );
    let form = &page.forms[0];
    assert_eq!(
        form.action.as_deref(),
        Some("/accounts/login/?next=/o/authorize/%3Fclient_id%3Dx%26state%3Dy")
    );
    assert_eq!(form.username_name(), Some("username"));
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[
            ("csrfmiddlewaretoken", "Tk&3<x"),
            ("username", ""),
            ("password", ""),
            ("next", "/o/authorize/?client_id=x&state=y"),
        ])
    );
}

#[test]
fn keycloak_login_form_is_found_by_selector_and_submit_has_a_name() {
    let html = r#"<html><body>
        <form id="search" action="/search"><input name="q"></form>
        <div id="kc-form-wrapper">
        <form id="kc-form-login" onsubmit="login.disabled = true; return true;"
              action="http://127.0.0.1:8080/realms/test/login-actions/authenticate?session_code=abc&amp;execution=e1&amp;client_id=app&amp;tab_id=t1" method="post">
          <input tabindex="1" id="username" class="pf-c-form-control" name="username" value="" type="text" autofocus autocomplete="off">
          <input tabindex="2" id="password" class="pf-c-form-control" name="password" type="password" autocomplete="off">
          <input tabindex="3" id="rememberMe" name="rememberMe" type="checkbox">
          <input type="hidden" id="id-hidden-input" name="credentialId"/>
          <input tabindex="4" class="pf-c-button" name="login" id="kc-login" type="submit" value="Sign In"/>
        </form></div></body></html>"#;
    let page = Page::parse(
        html,
        Hints {
            login_form: Some("#kc-form-login"),
            ..Hints::default()
        },
    );
    assert_eq!(page.forms.iter().filter(|f| f.selected).count(), 1);
    let form = &page.forms[1];
    assert!(form.selected);
    assert_eq!(
        form.action.as_deref(),
        Some(
            "http://127.0.0.1:8080/realms/test/login-actions/authenticate?session_code=abc&execution=e1&client_id=app&tab_id=t1"
        )
    );
    // `login` names the submit button, not a text field: the username is `username`.
    assert_eq!(form.username_name(), Some("username"));
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[
            ("username", ""),
            ("password", ""),
            ("credentialId", ""),
            ("login", "Sign In")
        ])
    );
    assert_eq!(form.submits[0].role(), None);
}

#[test]
fn two_step_login_pages() {
    let first = parse(
        r#"<form method="post" action="/login/identifier"><input type="hidden" name="flow" value="f1">
           <input type="email" name="identifier"><button>Next</button></form>"#,
    );
    let form = &first.forms[0];
    assert!(!form.has_password());
    assert!(form.has_username_like_input());
    assert_eq!(form.username_name(), Some("identifier"));
    let second = parse(
        r#"<form method="post" action="/login/password"><input type="hidden" name="flow" value="f1">
           <input type="password" name="pw"><button type="submit" name="action" value="signin">Sign in</button></form>"#,
    );
    let form = &second.forms[0];
    assert_eq!(form.password_name(), Some("pw"));
    assert_eq!(form.username_name(), None);
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[("flow", "f1"), ("pw", ""), ("action", "signin")])
    );
}

#[test]
fn consent_page_with_allow_and_deny_buttons() {
    let page = parse(
        r#"<form method="post" action="/o/authorize/">
             <input type="hidden" name="client_id" value="app">
             <input type="hidden" name="scope" value="openid email">
             <input type="checkbox" name="remember" checked>
             <input type="checkbox" name="unchecked">
             <select name="lang"><option value="en">English</option><option value="fr" selected>French</option></select>
             <textarea name="note">hi there</textarea>
             <input type="submit" class="btn" value="Cancel">
             <input type="submit" class="btn btn-primary" name="allow" value="Authorize">
           </form>"#,
    );
    let form = &page.forms[0];
    let roles: Vec<_> = form.submits.iter().map(Submit::role).collect();
    assert_eq!(roles, [Some(Role::Deny), Some(Role::Approve)]);
    assert_eq!(
        pairs(form, Some(1)),
        owned(&[
            ("client_id", "app"),
            ("scope", "openid email"),
            ("remember", "on"),
            ("lang", "fr"),
            ("note", "hi there"),
            ("allow", "Authorize"),
        ])
    );
}

#[test]
fn keycloak_consent_yes_no_and_button_words() {
    let page = parse(
        r#"<form action="/consent" method="POST">
             <input type="hidden" name="code" value="c1">
             <input name="accept" id="kc-login" type="submit" value="Yes">
             <input name="cancel" id="kc-cancel" type="submit" value="No">
             <button type="button">Details</button>
             <button name="decision" value="x">Do not allow</button>
           </form>"#,
    );
    let roles: Vec<_> = page.forms[0].submits.iter().map(Submit::role).collect();
    assert_eq!(
        roles,
        [Some(Role::Approve), Some(Role::Deny), Some(Role::Deny)]
    );
}

#[test]
fn localised_and_true_false_controls_and_remember_boxes() {
    let role = |texts: &[&str]| role_of_words(texts);
    assert_eq!(role(&["granted", "false", "キャンセル"]), Some(Role::Deny));
    assert_eq!(role(&["commit", "Verweigern"]), Some(Role::Deny));
    assert_eq!(role(&["Refuser"]), Some(Role::Deny));
    assert_eq!(role(&["Nein"]), Some(Role::Deny));
    assert_eq!(role(&["Non, merci"]), Some(Role::Deny));
    assert_eq!(role(&["commit", "Autorisieren"]), Some(Role::Approve));
    assert_eq!(role(&["Autorizar"]), Some(Role::Approve));
    assert_eq!(role(&["Ja"]), Some(Role::Approve));
    // A word merely starting like a short word is not that word.
    assert_eq!(role(&["Nonce", "Annual report"]), None);
    let page = parse(
        r#"<form method="post">
             <label><input type="checkbox" name="rememberMe" checked> Remember me</label>
             <input type="checkbox" id="r" name="Input.RememberConsent" value="true">
             <label for="r">Remember My Decision</label>
             <label><input type="checkbox" name="x"> Do not ask me again</label>
             <label><input type="checkbox" name="scope" value="offline"> Keep access</label>
             <label><input type="checkbox" name="tos" required checked> Keep me signed in</label>
             <label><input type="checkbox" name="confirm"> I agree</label>
           </form>"#,
    );
    let remember: Vec<bool> = page.forms[0]
        .fields
        .iter()
        .map(Field::is_remember_box)
        .collect();
    assert_eq!(remember, [true, true, true, false, true, false]);
    let mut fields = page.forms[0].fields.clone();
    untick_remember(&mut fields);
    // The ticked "Remember me" is unticked; a required box is left alone.
    assert!(!fields[0].submitted());
    assert!(fields[4].submitted());
}

#[test]
fn page_with_only_a_deny_link() {
    let page = parse(
        r##"<p>Something went wrong.</p><a href="#top">Top</a><a href="javascript:history.back()">Cancel</a>
           <a href="/interaction/u9/abort">Go back</a><a href="/help">Help</a>"##,
    );
    assert!(page.forms.is_empty());
    let roles: Vec<_> = page.links.iter().map(Link::role).collect();
    assert_eq!(roles, [None, None, Some(Role::Deny), None]);
}

#[test]
fn selectors_assign_roles_to_controls_and_links() {
    let page = Page::parse(
        r#"<form><button id="go">Proceed</button><button id="stop">Stop</button></form><a class="nope" href="/x">x</a>"#,
        Hints {
            approve: Some("#go"),
            deny: Some("a.nope"),
            ..Hints::default()
        },
    );
    assert_eq!(page.forms[0].submits[0].role(), Some(Role::Approve));
    assert_eq!(page.forms[0].submits[1].role(), None);
    assert_eq!(page.links[0].role(), Some(Role::Deny));
    assert!(
        Hints {
            approve: Some("#("),
            ..Hints::default()
        }
        .validate()
        .is_err()
    );
}

#[test]
fn form_attribute_associates_controls_outside_the_form() {
    let page = parse(
        r#"<form id="f" action="/a" method="post"><input type="hidden" name="h" value="1"></form>
           <input form="f" name="outside" value="2"><button form="f" name="b" value="v">Allow</button>
           <input name="orphan" value="3">"#,
    );
    let form = &page.forms[0];
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[("h", "1"), ("outside", "2"), ("b", "v")])
    );
}

#[test]
fn disabled_nameless_and_image_controls() {
    let page = parse(
        r#"<form method="get"><input name="a" value="1" disabled><input value="nameless">
           <input type="text" name="b"><input type="image" name="go" alt="Allow access" src="x.png">
           <button type="reset">Reset</button><button disabled>Off</button></form>"#,
    );
    let form = &page.forms[0];
    assert_eq!(form.method, "GET");
    assert_eq!(form.submits.len(), 1);
    assert_eq!(form.submits[0].role(), Some(Role::Approve));
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[("b", ""), ("go.x", "0"), ("go.y", "0")])
    );
}

#[test]
fn meta_refresh_auto_submit_title_and_text() {
    let page = parse(
        r#"<html><head><title>
             Submit   This Form </title><meta http-equiv="Refresh" content="0; URL='http://c.example/cb?code=a&amp;state=b'"></head>
           <body onload="javascript:document.forms[0].submit()"><script>var x = 1;</script>
           <form method="post" action="http://c.example/cb"><input type="hidden" name="code" value="a"></form>
           <noscript>enable js</noscript><p>Please   wait</p></body></html>"#,
    );
    assert_eq!(page.title.as_deref(), Some("Submit This Form"));
    assert_eq!(
        page.meta_refresh.as_ref().map(|(_, url)| url.as_str()),
        Some("http://c.example/cb?code=a&state=b")
    );
    assert!(page.auto_submit);
    assert_eq!(page.text, "Please wait");
    assert!(!parse("<form></form><script>validate()</script>").auto_submit);
    assert!(parse("<script>document.getElementById('f').submit();</script>").auto_submit);
}

#[test]
fn refresh_content_syntaxes() {
    for (content, expected) in [
        ("0;url=/next", Some((0.0, "/next"))),
        ("0; URL = \"/q?a=1\"", Some((0.0, "/q?a=1"))),
        ("5, http://x/y", Some((5.0, "http://x/y"))),
        ("2.5;url='/z'", Some((2.5, "/z"))),
        ("0;aaé", Some((0.0, "aaé"))),
        ("0;url=é", Some((0.0, "é"))),
        ("3", None),
        ("0;url=", None),
        ("", None),
    ] {
        let got = refresh_url(content);
        assert_eq!(
            got.as_ref().map(|(d, u)| (*d, u.as_str())),
            expected,
            "{content:?}"
        );
    }
}

#[test]
fn broken_html_is_read_as_a_browser_would() {
    /// The HTML, the forms found, the pairs the first form submits.
    type Case = (&'static str, usize, &'static [(&'static str, &'static str)]);
    let cases: [Case; 6] = [
        ("", 0, &[]),
        ("<form", 0, &[]),
        ("<form action=", 0, &[]),
        ("<<<>>>", 0, &[]),
        ("<form>\u{0}\u{fffd}<input name=x value=\"", 1, &[]),
        (
            "<select name=s></select><form><input name=u value=1><select name=t></select></form>",
            1,
            &[("u", "1")],
        ),
    ];
    for (html, forms, expected) in cases {
        let page = parse(html);
        assert_eq!(page.forms.len(), forms, "{html:?}");
        assert!(page.title.is_none(), "{html:?}");
        if let Some(form) = page.forms.first() {
            // Pressing a control that does not exist adds nothing.
            assert_eq!(pairs(form, Some(5)), pairs(form, None), "{html:?}");
            assert_eq!(pairs(form, None), owned(expected), "{html:?}");
        }
    }
}

#[test]
fn checkboxes_keep_their_state_label_and_place() {
    let page = parse(
        r#"<form method="post"><input type="hidden" name="tx" value="t">
             <label><input type="checkbox" name="scope" value="openid" checked> openid</label>
             <label>Email <input type="checkbox" name="scope" value="email"></label>
             <input type="checkbox" id="c" name="confirm" value="yes" required><label for="c">I agree</label>
             <input type="checkbox" name="off" disabled checked>
             <button name="decision" value="approve">Allow</button></form>"#,
    );
    let form = &page.forms[0];
    let boxes: Vec<(&str, &str, bool, bool, &str)> = form
        .fields
        .iter()
        .filter_map(|f| {
            let c = f.checkbox.as_ref()?;
            Some((
                f.name.as_str(),
                f.value.as_str(),
                c.checked,
                c.required,
                c.label.as_str(),
            ))
        })
        .collect();
    assert_eq!(
        boxes,
        [
            ("scope", "openid", true, false, "openid"),
            ("scope", "email", false, false, "Email"),
            ("confirm", "yes", false, true, "I agree"),
        ]
    );
    // Unticked boxes are not submitted; the button goes after the fields.
    assert_eq!(
        pairs(form, Some(0)),
        owned(&[("tx", "t"), ("scope", "openid"), ("decision", "approve")])
    );
    let mut fields = form.fields.clone();
    for field in &mut fields {
        if let Some(c) = &mut field.checkbox {
            c.checked = true;
        }
    }
    assert_eq!(
        form.submission(&fields, Some(0)),
        owned(&[
            ("tx", "t"),
            ("scope", "openid"),
            ("scope", "email"),
            ("confirm", "yes"),
            ("decision", "approve")
        ])
    );
}

#[test]
fn script_only_controls_are_listed_with_their_roles() {
    let page = parse(
        r##"<form method="post"><button type="submit">Allow</button>
             <button type="button" id="deny" onclick="f()">Deny</button>
             <input type="button" value="Details"></form>
           <button type="button" name="cancel">x</button>
           <a href="javascript:void(0)">Decline</a><a href="#">Top</a><a href="/abort">Abort</a>"##,
    );
    let controls: Vec<(&str, Option<Role>)> = page
        .script_controls
        .iter()
        .map(|c| (c.text.as_str(), c.role()))
        .collect();
    assert_eq!(
        controls,
        [
            ("Deny", Some(Role::Deny)),
            ("Details", None),
            ("x cancel", Some(Role::Deny)),
            ("Decline", Some(Role::Deny)),
            ("Top", None),
        ]
    );
    // None of them submits the form.
    assert_eq!(page.forms[0].submits.len(), 1);
    assert_eq!(page.links[2].role(), Some(Role::Deny));
}

#[test]
fn subresources_are_the_fetched_references_in_document_order() {
    let page = parse(
        r#"<html><head><link rel="stylesheet" href="/s.css"><script src="https://cdn.example/a.js"></script></head>
        <body><img src=""><img src="logo.png"><iframe src="https://frame.example/"></iframe><a href="https://x.example/">x</a></body></html>"#,
    );
    assert_eq!(
        page.subresources,
        [
            "/s.css",
            "https://cdn.example/a.js",
            "logo.png",
            "https://frame.example/"
        ]
    );
}
