//! What an HTML page offers a user agent without JavaScript: its forms (action,
//! method, the fields a browser would submit, the submit controls), its links,
//! title, `<base href>`, meta refresh and whether it submits itself on load.
//!
//! Parsing is synchronous and returns owned data: `scraper::Html` is not
//! `Send`, so it must never outlive [`Page::parse`]. This file reads pages; it
//! does not decide which form is a login or consent form beyond the word lists
//! and selectors it is given, and never sends anything.

use scraper::{ElementRef, Html, Node, Selector};

/// The parts of a page the agent can act on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    /// `<title>` text, whitespace collapsed; `None` when absent or empty.
    pub(crate) title: Option<String>,
    /// `<base href>`, raw.
    pub(crate) base_href: Option<String>,
    /// `<meta http-equiv="refresh">`: its delay in seconds and URL (raw).
    pub(crate) meta_refresh: Option<(f64, String)>,
    /// The page submits a form by itself (`onload=…submit()` or a script
    /// calling `submit()`).
    pub(crate) auto_submit: bool,
    pub(crate) forms: Vec<Form>,
    pub(crate) links: Vec<Link>,
    /// The start of the visible text, whitespace collapsed.
    pub(crate) text: String,
}

/// One `<form>` and the controls associated with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form {
    /// The `action` attribute, raw; `None` when absent or empty (= the page URL).
    pub(crate) action: Option<String>,
    /// `GET` or `POST` (anything else is treated as `GET`, as browsers do).
    pub(crate) method: String,
    /// The controls a browser would submit, in document order (unchecked
    /// boxes, disabled and nameless controls left out).
    pub(crate) fields: Vec<Field>,
    /// Submit buttons and image inputs.
    pub(crate) submits: Vec<Submit>,
    /// Visible inputs a user would type into (`text`, `email`, `password`, …),
    /// including nameless ones, by type and name.
    pub(crate) inputs: Vec<(String, String)>,
    /// Matched by the configured login-form selector (itself or an ancestor).
    pub(crate) selected: bool,
}

/// A name/value pair a form submits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) value: String,
    /// Lowercase input type (`text`, `hidden`, `password`, …), or `select`
    /// / `textarea`.
    pub(crate) kind: String,
}

/// A control that submits its form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Submit {
    pub(crate) name: Option<String>,
    pub(crate) value: Option<String>,
    /// Button text (for `<button>`) or `alt` (for image inputs).
    pub(crate) text: String,
    pub(crate) id: Option<String>,
    /// `<input type=image>`: submits `name.x`/`name.y` instead of a value.
    pub(crate) image: bool,
    pub(crate) formaction: Option<String>,
    pub(crate) formmethod: Option<String>,
    /// How many fields precede it (where its pair goes when pressed).
    pub(crate) position: usize,
    /// Matched by the configured approve/deny selector.
    pub(crate) role: Option<Role>,
}

/// An `<a href>`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Link {
    pub(crate) href: String,
    pub(crate) text: String,
    pub(crate) id: Option<String>,
    pub(crate) role: Option<Role>,
}

/// What a control does on a consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Approve,
    Deny,
}

/// Configured CSS selectors that point at the login form and consent controls.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Hints<'a> {
    pub(crate) login_form: Option<&'a str>,
    pub(crate) approve: Option<&'a str>,
    pub(crate) deny: Option<&'a str>,
}

impl Hints<'_> {
    /// Checks that every selector parses; the error names the first that does not.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for s in [self.login_form, self.approve, self.deny]
            .into_iter()
            .flatten()
        {
            Selector::parse(s).map_err(|e| format!("invalid CSS selector `{s}`: {e}"))?;
        }
        Ok(())
    }
}

/// Words that make a control read like "approve" (matched as word prefixes).
const APPROVE_WORDS: &[&str] = &[
    "approv", "allow", "accept", "authoriz", "authoris", "grant", "yes", "continue", "consent",
    "agree", "confirm",
];
const APPROVE_WHOLE_WORDS: &[&str] = &["ok"];
/// Words that make a control read like "deny" (matched as word prefixes,
/// except the short ones, matched whole).
const DENY_WORDS: &[&str] = &[
    "deny", "reject", "cancel", "decline", "abort", "refuse", "disallow", "disagree",
];
const DENY_WHOLE_WORDS: &[&str] = &["no", "not", "dont", "don"];

/// Words that make an input name read like a username field.
const USERNAME_WORDS: &[&str] = &[
    "user",
    "login",
    "email",
    "mail",
    "identifier",
    "account",
    "principal",
];

/// Input types a user types into.
const TEXT_TYPES: &[&str] = &["text", "email", "tel", "search", "url", "number", ""];

/// Reads like approve or deny, judged by its words (deny wins ties:
/// "Do not allow" is a refusal).
pub(crate) fn role_of_words(texts: &[&str]) -> Option<Role> {
    let words: Vec<String> = texts
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
        })
        .collect();
    let any = |list: &[&str], whole: &[&str]| {
        words
            .iter()
            .any(|w| list.iter().any(|p| w.starts_with(p)) || whole.iter().any(|p| w == p))
    };
    if any(DENY_WORDS, DENY_WHOLE_WORDS) {
        Some(Role::Deny)
    } else if any(APPROVE_WORDS, APPROVE_WHOLE_WORDS) {
        Some(Role::Approve)
    } else {
        None
    }
}

/// Whether an input name reads like a username/login/email field.
pub(crate) fn looks_like_username(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    USERNAME_WORDS.iter().any(|w| name.contains(w))
}

impl Submit {
    /// The control's role: the configured selector's, else its words.
    pub(crate) fn role(&self) -> Option<Role> {
        self.role.or_else(|| {
            role_of_words(&[
                self.name.as_deref().unwrap_or(""),
                self.value.as_deref().unwrap_or(""),
                &self.text,
                self.id.as_deref().unwrap_or(""),
            ])
        })
    }
}

impl Link {
    /// The link's role: the configured selector's, else the words of its
    /// text and of its path (`…/abort`). Script and same-page links have none.
    pub(crate) fn role(&self) -> Option<Role> {
        if self.role.is_some() {
            return self.role;
        }
        let href = self.href.trim();
        if href.is_empty()
            || href.starts_with('#')
            || href.to_ascii_lowercase().starts_with("javascript:")
        {
            return None;
        }
        let path = href.split(['?', '#']).next().unwrap_or("");
        let path = path.split_once("://").map_or(path, |(_, rest)| {
            rest.split_once('/').map_or("", |(_, p)| p)
        });
        role_of_words(&[&self.text, path, self.id.as_deref().unwrap_or("")])
    }
}

impl Form {
    /// Whether the form has a password input.
    pub(crate) fn has_password(&self) -> bool {
        self.inputs.iter().any(|(kind, _)| kind == "password")
    }

    /// The name of the first password input.
    pub(crate) fn password_name(&self) -> Option<&str> {
        self.inputs
            .iter()
            .find(|(kind, name)| kind == "password" && !name.is_empty())
            .map(|(_, name)| name.as_str())
    }

    /// The username field: the first visible text-like input named like a
    /// username, else the first text-like input.
    pub(crate) fn username_name(&self) -> Option<&str> {
        let text_like = || {
            self.inputs
                .iter()
                .filter(|(kind, name)| TEXT_TYPES.contains(&kind.as_str()) && !name.is_empty())
        };
        text_like()
            .find(|(_, name)| looks_like_username(name))
            .or_else(|| text_like().next())
            .map(|(_, name)| name.as_str())
    }

    /// Whether the form has a visible text-like input named like a username.
    pub(crate) fn has_username_like_input(&self) -> bool {
        self.inputs
            .iter()
            .any(|(kind, name)| TEXT_TYPES.contains(&kind.as_str()) && looks_like_username(name))
    }

    /// Whether a user could type into it (text-like inputs, textareas).
    pub(crate) fn has_typing_inputs(&self) -> bool {
        self.inputs.iter().any(|(kind, _)| {
            TEXT_TYPES.contains(&kind.as_str()) || kind == "textarea" || kind == "password"
        })
    }

    /// The pairs submitted when `pressed` (an index into `submits`) is used,
    /// or none (a scripted `form.submit()`), with `fields` as filled.
    pub(crate) fn submission(
        &self,
        fields: &[Field],
        pressed: Option<usize>,
    ) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = fields
            .iter()
            .filter(|f| !f.name.is_empty())
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        let Some(control) = pressed.and_then(|i| self.submits.get(i)) else {
            return pairs;
        };
        let at = fields
            .iter()
            .take(control.position)
            .filter(|f| !f.name.is_empty())
            .count()
            .min(pairs.len());
        let extra: Vec<(String, String)> = if control.image {
            let prefix = control
                .name
                .as_deref()
                .map(|n| format!("{n}."))
                .unwrap_or_default();
            vec![
                (format!("{prefix}x"), "0".into()),
                (format!("{prefix}y"), "0".into()),
            ]
        } else {
            match &control.name {
                Some(name) if !name.is_empty() => {
                    vec![(name.clone(), control.value.clone().unwrap_or_default())]
                }
                _ => Vec::new(),
            }
        };
        pairs.splice(at..at, extra);
        pairs
    }
}

/// Sets the first field named `name` to `value`, or appends it.
pub(crate) fn set_field(fields: &mut Vec<Field>, name: &str, value: &str) {
    match fields.iter_mut().find(|f| f.name == name) {
        Some(field) => field.value = value.to_string(),
        None => fields.push(Field {
            name: name.to_string(),
            value: value.to_string(),
            kind: "text".to_string(),
        }),
    }
}

fn selector(s: Option<&str>) -> Option<Selector> {
    s.and_then(|s| Selector::parse(s).ok())
}

fn static_selector(s: &str) -> Selector {
    // The literals below are valid selectors; a failure would be a bug
    // caught by every test, never by a server.
    Selector::parse(s).unwrap_or_else(|_| unreachable!("selector `{s}` is valid"))
}

/// Text with runs of whitespace collapsed to one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attr(e: &ElementRef<'_>, name: &str) -> Option<String> {
    e.value().attr(name).map(str::to_string)
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

/// Matches `e` or one of its ancestors.
fn matches_self_or_ancestor(selector: &Selector, e: &ElementRef<'_>) -> bool {
    selector.matches(e)
        || e.ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| selector.matches(&a))
}

/// The delay-then-URL syntax of a refresh: `0;url=…`, `5; URL='…'`, `0, …`.
/// Returns the delay in seconds (0 when unreadable) and the URL, if any.
pub(crate) fn refresh_url(content: &str) -> Option<(f64, String)> {
    let rest = content.trim_start();
    let delay_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let delay = rest[..delay_end].parse::<f64>().unwrap_or(0.0);
    let rest = rest[delay_end..].trim_start();
    let rest = rest.strip_prefix([';', ',']).unwrap_or(rest).trim_start();
    let rest = match rest.get(..3) {
        Some(word) if word.eq_ignore_ascii_case("url") => {
            match rest[3..].trim_start().strip_prefix('=') {
                Some(value) => value.trim_start(),
                None => rest,
            }
        }
        _ => rest,
    };
    let url = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
        _ => rest,
    };
    let url = url.trim();
    (!url.is_empty()).then(|| (delay, url.to_string()))
}

impl Page {
    /// Reads a page. Selectors in `hints` that do not parse are ignored
    /// (check them first with [`Hints::validate`]).
    pub(crate) fn parse(text: &str, hints: Hints<'_>) -> Page {
        let html = Html::parse_document(text);
        let login_form = selector(hints.login_form);
        let approve = selector(hints.approve);
        let deny = selector(hints.deny);
        let role_of = |e: &ElementRef<'_>| {
            if deny.as_ref().is_some_and(|s| s.matches(e)) {
                Some(Role::Deny)
            } else if approve.as_ref().is_some_and(|s| s.matches(e)) {
                Some(Role::Approve)
            } else {
                None
            }
        };

        let mut page = Page {
            title: html
                .select(&static_selector("title"))
                .next()
                .map(|t| collapse(&t.text().collect::<String>()))
                .filter(|t| !t.is_empty()),
            base_href: html
                .select(&static_selector("base[href]"))
                .next()
                .and_then(|b| non_empty(attr(&b, "href"))),
            ..Page::default()
        };

        for meta in html.select(&static_selector("meta[http-equiv][content]")) {
            let equiv = meta.value().attr("http-equiv").unwrap_or("");
            if equiv.trim().eq_ignore_ascii_case("refresh") {
                page.meta_refresh = meta.value().attr("content").and_then(refresh_url);
                break;
            }
        }

        page.auto_submit = html.select(&static_selector("[onload]")).any(|e| {
            e.value()
                .attr("onload")
                .is_some_and(|v| v.to_ascii_lowercase().contains("submit"))
        }) || html.select(&static_selector("script")).any(|s| {
            let code = s.text().collect::<String>().to_ascii_lowercase();
            code.contains("submit()") || code.contains(".submit(")
        });

        let form_elements: Vec<ElementRef<'_>> = html.select(&static_selector("form")).collect();
        page.forms = form_elements
            .iter()
            .map(|f| Form {
                action: non_empty(attr(f, "action")),
                method: match f.value().attr("method") {
                    Some(m) if m.trim().eq_ignore_ascii_case("post") => "POST".to_string(),
                    _ => "GET".to_string(),
                },
                selected: login_form
                    .as_ref()
                    .is_some_and(|s| matches_self_or_ancestor(s, f)),
                ..Form::default()
            })
            .collect();

        let owner = |e: &ElementRef<'_>| -> Option<usize> {
            if let Some(form_id) = e.value().attr("form") {
                return form_elements
                    .iter()
                    .position(|f| f.value().attr("id") == Some(form_id));
            }
            let ancestor = e
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "form")?;
            form_elements.iter().position(|f| *f == ancestor)
        };

        for e in html.select(&static_selector("input, select, textarea, button")) {
            let Some(index) = owner(&e) else { continue };
            let form = &mut page.forms[index];
            let disabled = e.value().attr("disabled").is_some();
            let name = attr(&e, "name").unwrap_or_default();
            match e.value().name() {
                "input" => {
                    let kind = e
                        .value()
                        .attr("type")
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    let kind = if kind == "text" { String::new() } else { kind };
                    match kind.as_str() {
                        "submit" | "image" => {
                            if !disabled {
                                form.submits.push(Submit {
                                    name: non_empty(attr(&e, "name")),
                                    value: attr(&e, "value"),
                                    text: attr(&e, "alt").unwrap_or_default(),
                                    id: attr(&e, "id"),
                                    image: kind == "image",
                                    formaction: non_empty(attr(&e, "formaction")),
                                    formmethod: attr(&e, "formmethod"),
                                    position: form.fields.len(),
                                    role: role_of(&e),
                                });
                            }
                        }
                        "button" | "reset" | "file" => {}
                        "checkbox" | "radio" => {
                            if !disabled && e.value().attr("checked").is_some() {
                                form.fields.push(Field {
                                    name,
                                    value: attr(&e, "value").unwrap_or_else(|| "on".to_string()),
                                    kind,
                                });
                            }
                        }
                        _ => {
                            if kind != "hidden" {
                                let shown = if kind.is_empty() { "text" } else { &kind };
                                form.inputs.push((shown.to_string(), name.clone()));
                            }
                            if !disabled {
                                form.fields.push(Field {
                                    name,
                                    value: attr(&e, "value").unwrap_or_default(),
                                    kind: if kind.is_empty() {
                                        "text".to_string()
                                    } else {
                                        kind
                                    },
                                });
                            }
                        }
                    }
                }
                "select" => {
                    if disabled {
                        continue;
                    }
                    let options: Vec<ElementRef<'_>> = e
                        .select(&static_selector("option"))
                        .filter(|o| o.value().attr("disabled").is_none())
                        .collect();
                    let value_of = |o: &ElementRef<'_>| {
                        attr(o, "value").unwrap_or_else(|| collapse(&o.text().collect::<String>()))
                    };
                    let selected: Vec<&ElementRef<'_>> = options
                        .iter()
                        .filter(|o| o.value().attr("selected").is_some())
                        .collect();
                    let chosen: Vec<String> = if e.value().attr("multiple").is_some() {
                        selected.iter().map(|o| value_of(o)).collect()
                    } else {
                        selected
                            .first()
                            .copied()
                            .or(options.first())
                            .map(value_of)
                            .into_iter()
                            .collect()
                    };
                    for value in chosen {
                        form.fields.push(Field {
                            name: name.clone(),
                            value,
                            kind: "select".to_string(),
                        });
                    }
                }
                "textarea" => {
                    form.inputs.push(("textarea".to_string(), name.clone()));
                    if !disabled {
                        form.fields.push(Field {
                            name,
                            value: e.text().collect(),
                            kind: "textarea".to_string(),
                        });
                    }
                }
                "button" => {
                    let kind = e
                        .value()
                        .attr("type")
                        .unwrap_or("submit")
                        .trim()
                        .to_ascii_lowercase();
                    if (kind == "submit" || kind.is_empty()) && !disabled {
                        form.submits.push(Submit {
                            name: non_empty(attr(&e, "name")),
                            value: attr(&e, "value"),
                            text: collapse(&e.text().collect::<String>()),
                            id: attr(&e, "id"),
                            image: false,
                            formaction: non_empty(attr(&e, "formaction")),
                            formmethod: attr(&e, "formmethod"),
                            position: form.fields.len(),
                            role: role_of(&e),
                        });
                    }
                }
                _ => {}
            }
        }

        page.links = html
            .select(&static_selector("a[href]"))
            .map(|a| Link {
                href: attr(&a, "href").unwrap_or_default(),
                text: collapse(&a.text().collect::<String>()),
                id: attr(&a, "id"),
                role: role_of(&a),
            })
            .collect();

        page.text = visible_text(&html, 300);
        page
    }
}

/// The first `limit` characters of the text a user would read.
fn visible_text(html: &Html, limit: usize) -> String {
    let mut out = String::new();
    for node in html.tree.root().descendants() {
        let Node::Text(text) = node.value() else {
            continue;
        };
        let hidden = node.ancestors().filter_map(ElementRef::wrap).any(|a| {
            matches!(
                a.value().name(),
                "script" | "style" | "noscript" | "template" | "head"
            )
        });
        if hidden {
            continue;
        }
        for word in text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        if out.chars().count() >= limit {
            break;
        }
    }
    out.chars().take(limit).collect()
}

#[cfg(test)]
mod tests {
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
    fn broken_html_does_not_panic() {
        for html in [
            "",
            "<form",
            "<form action=",
            "<<<>>>",
            "\u{0}\u{fffd}<input name=x value=\"",
            "<select name=s></select><form><select name=t></select></form>",
        ] {
            let page = parse(html);
            for form in &page.forms {
                let _ = form.submission(&form.fields, Some(5));
            }
        }
    }
}
