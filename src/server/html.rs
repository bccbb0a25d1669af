//! The HTML the server shows a user: the login form, the consent form and the
//! error page. One small layout, every reflected value escaped.
//!
//! The field names here are the contract with the harness's form scraper:
//! login posts `username`, `password`, hidden `tx` and `csrf`; consent posts
//! hidden `tx` and `csrf` with a `decision` button (`approve` / `deny`).
//! No scripts (except the `js-deny` quirk's inline deny handler), no
//! third-party resources. Headers are set in `front`.

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page skeleton; `body` must already be escaped HTML.
fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{title}</title>\n\
         <style>body{{font-family:sans-serif;max-width:32em;margin:3em auto}}\
         label,button{{display:block;margin:.5em 0}}.error{{color:#a00}}</style>\n\
         </head>\n<body>\n<h1>{title}</h1>\n{body}</body>\n</html>\n",
        title = escape(title),
    )
}

/// An error shown at the server instead of redirecting.
pub fn error_page(message: &str) -> String {
    layout(
        "Authorization error",
        &format!(
            "<p class=\"error\" id=\"error\">{}</p>\n<p>You have not been sent back to the application.</p>\n",
            escape(message)
        ),
    )
}

/// An error page around `body`, which must already be HTML (only the
/// `state.reflection-safe` flaw passes unescaped input here).
pub fn error_page_html(body: &str) -> String {
    layout(
        "Authorization error",
        &format!(
            "<p class=\"error\" id=\"error\">{body}</p>\n<p>You have not been sent back to the application.</p>\n"
        ),
    )
}

/// Which fields the login form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStep {
    /// Username and password together (the default).
    Both,
    /// `identifier-first`: the username alone…
    Username,
    /// …then the password, the username in a hidden field.
    Password,
}

/// What the login form needs.
pub struct LoginForm<'a> {
    pub action: &'a str,
    pub tx: &'a str,
    pub csrf: &'a str,
    pub client_id: &'a str,
    pub error: Option<&'a str>,
    pub username: Option<&'a str>,
    pub step: LoginStep,
}

/// The login form (POST `username`, `password`, `tx`, `csrf`; under
/// `identifier-first` first `username` alone).
pub fn login_page(form: &LoginForm) -> String {
    let error = form
        .error
        .map(|message| format!("<p class=\"error\" id=\"error\">{}</p>\n", escape(message)))
        .unwrap_or_default();
    let username = escape(form.username.unwrap_or_default());
    let username = if form.step == LoginStep::Password {
        format!(
            "<p>Signing in as <strong>{username}</strong>.</p>\n\
             <input type=\"hidden\" name=\"username\" value=\"{username}\">\n"
        )
    } else {
        format!(
            "<label>Username <input type=\"text\" name=\"username\" value=\"{username}\" autocomplete=\"username\" required></label>\n"
        )
    };
    let (password, button) = if form.step == LoginStep::Username {
        ("", "Next")
    } else {
        (
            "<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>\n",
            "Sign in",
        )
    };
    layout(
        "Sign in",
        &format!(
            "<p>Sign in to continue to <strong>{client}</strong>.</p>\n{error}\
             <form method=\"post\" action=\"{action}\">\n\
             <input type=\"hidden\" name=\"tx\" value=\"{tx}\">\n\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
             {username}{password}<button type=\"submit\">{button}</button>\n</form>\n",
            client = escape(form.client_id),
            action = escape(form.action),
            tx = escape(form.tx),
            csrf = escape(form.csrf),
        ),
    )
}

/// What the consent form needs.
pub struct ConsentForm<'a> {
    pub action: &'a str,
    pub tx: &'a str,
    pub csrf: &'a str,
    pub client_id: &'a str,
    pub user: &'a str,
    pub scopes: &'a [String],
    /// `consent-checkbox`: a confirmation box and one box per scope, unticked.
    pub checkboxes: bool,
    /// `js-deny`: the deny control is a scripted `type=button`.
    pub js_deny: bool,
    /// Why the page is shown again (an unticked confirmation).
    pub error: Option<&'a str>,
}

/// The deny control under `js-deny`: no form semantics; its script adds
/// `decision=deny` to the form and submits it.
const JS_DENY: &str = "<button type=\"button\" id=\"deny\" onclick=\"var f=this.form,i=document.createElement('input');\
i.type='hidden';i.name='decision';i.value='deny';f.appendChild(i);f.submit();\">Deny</button>\n";

/// The consent form (POST `tx`, `csrf`, and `decision=approve|deny`; with
/// checkboxes also `confirm=yes` and one `scope` per ticked scope).
pub fn consent_page(form: &ConsentForm) -> String {
    let scopes: String = form
        .scopes
        .iter()
        .map(|scope| {
            if form.checkboxes {
                format!(
                    "<li><label><input type=\"checkbox\" name=\"scope\" value=\"{0}\"> {0}</label></li>\n",
                    escape(scope)
                )
            } else {
                format!("<li>{}</li>\n", escape(scope))
            }
        })
        .collect();
    let error = form
        .error
        .map(|message| format!("<p class=\"error\" id=\"error\">{}</p>\n", escape(message)))
        .unwrap_or_default();
    let confirm = if form.checkboxes {
        "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\"> I confirm that I allow this access</label>\n"
    } else {
        ""
    };
    let deny = if form.js_deny {
        JS_DENY
    } else {
        "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n"
    };
    // With checkboxes the scope list is part of the form.
    let (list_outside, list_inside) = if form.checkboxes {
        (
            String::new(),
            format!("<ul id=\"scopes\">\n{scopes}</ul>\n"),
        )
    } else {
        (
            format!("<ul id=\"scopes\">\n{scopes}</ul>\n"),
            String::new(),
        )
    };
    layout(
        "Allow access?",
        &format!(
            "<p>Signed in as <strong>{user}</strong>.</p>\n{error}\
             <p><strong>{client}</strong> asks for:</p>\n{list_outside}\
             <form method=\"post\" action=\"{action}\">\n\
             <input type=\"hidden\" name=\"tx\" value=\"{tx}\">\n\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n{list_inside}{confirm}\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\n\
             {deny}</form>\n",
            user = escape(form.user),
            client = escape(form.client_id),
            action = escape(form.action),
            tx = escape(form.tx),
            csrf = escape(form.csrf),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflected_values_are_escaped() {
        let page = error_page("\"><script>alert(1)</script>");
        assert!(!page.contains("<script>"));
        assert!(page.contains("&quot;&gt;&lt;script&gt;"));
        let page = login_page(&LoginForm {
            action: "/login",
            tx: "t\"x",
            csrf: "c",
            client_id: "<b>",
            error: None,
            username: Some("a'b"),
            step: LoginStep::Both,
        });
        assert!(page.contains("value=\"t&quot;x\""));
        assert!(page.contains("&lt;b&gt;"));
        assert!(page.contains("a&#39;b"));
    }
}
