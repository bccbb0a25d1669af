//! What an HTML page offers a user agent without JavaScript: its forms (action,
//! method, the fields a browser would submit, the submit controls), its links,
//! title, `<base href>`, meta refresh and whether it submits itself on load.
//!
//! Parsing (in `parse`) is synchronous and returns owned data:
//! `scraper::Html` is not `Send`, so it must never outlive [`Page::parse`].
//! This file reads pages; it does not decide which form is a login or
//! consent form beyond the word lists and selectors it is given, and never
//! sends anything.

use scraper::Selector;

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
    /// Controls that do nothing without a script (`type=button`,
    /// `javascript:` and `#` links), in document order.
    pub(crate) script_controls: Vec<ScriptControl>,
    /// The start of the visible text, whitespace collapsed.
    pub(crate) text: String,
    /// What the page makes the browser fetch (`src` of scripts, images,
    /// frames and media; `href` of `<link>`), raw, in document order.
    pub(crate) subresources: Vec<String>,
}

/// One `<form>` and the controls associated with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form {
    /// The `action` attribute, raw; `None` when absent or empty (= the page URL).
    pub(crate) action: Option<String>,
    /// `GET` or `POST` (anything else is treated as `GET`, as browsers do).
    pub(crate) method: String,
    /// The controls a browser would submit, in document order (disabled
    /// controls and unchecked radio buttons left out; checkboxes kept with
    /// their state, submitted only when ticked).
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
    /// For a checkbox: whether it is ticked, required, and what its label says.
    pub(crate) checkbox: Option<Checkbox>,
}

/// The state of a checkbox field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checkbox {
    pub(crate) checked: bool,
    pub(crate) required: bool,
    /// The text of its `<label>`, whitespace collapsed.
    pub(crate) label: String,
}

impl Field {
    /// Whether a browser would submit it now (an unticked box is not).
    pub(crate) fn submitted(&self) -> bool {
        !self.name.is_empty() && self.checkbox.as_ref().is_none_or(|c| c.checked)
    }
}

/// A control that only a script can make do anything: `<button
/// type=button>`, `<input type=button>`, or a `javascript:`/`#` link.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScriptControl {
    /// Its text (and name), whitespace collapsed.
    pub(crate) text: String,
    pub(crate) id: Option<String>,
    /// Matched by the configured approve/deny selector.
    pub(crate) role: Option<Role>,
}

impl ScriptControl {
    /// The control's role: the configured selector's, else its words.
    pub(crate) fn role(&self) -> Option<Role> {
        self.role
            .or_else(|| role_of_words(&[&self.text, self.id.as_deref().unwrap_or("")]))
    }
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

/// A configured CSS selector that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CSS selector `{selector}`: {reason}")]
pub(crate) struct SelectorError {
    pub(crate) selector: String,
    pub(crate) reason: String,
}

impl Hints<'_> {
    /// Checks that every selector parses; the error names the first that does not.
    pub(crate) fn validate(&self) -> Result<(), SelectorError> {
        for s in [self.login_form, self.approve, self.deny]
            .into_iter()
            .flatten()
        {
            Selector::parse(s).map_err(|e| SelectorError {
                selector: s.to_string(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

/// Words that make a control read like "approve" (matched as word
/// prefixes): English, then the German, French, Spanish, Portuguese,
/// Italian and Dutch words of localised consent pages (Keycloak's, Gitea's
/// and doorkeeper-i18n's translations, among others).
const APPROVE_WORDS: &[&str] = &[
    "approv", "allow", "accept", "authoriz", "authoris", "grant", "yes", "continue", "consent",
    "agree", "confirm", "autoris", "autoriz", "erlaub", "zulass", "zustimm", "akzept", "acept",
    "aceit", "accett", "permit", "toestaan", "akkoord",
];
const APPROVE_WHOLE_WORDS: &[&str] = &["ok", "ja", "oui", "sí", "sim"];
/// Words that make a control read like "deny" (matched as word prefixes,
/// except the short ones, matched whole), English then localised as above.
const DENY_WORDS: &[&str] = &[
    "deny", "reject", "cancel", "decline", "abort", "refuse", "disallow", "disagree", "verweig",
    "ablehn", "abbrech", "refus", "annul", "rechaz", "deneg", "recus", "rifiut", "weiger",
];
/// `false` is the value of a deny button that shares its name with the
/// approve button (`granted=true` / `granted=false`).
const DENY_WHOLE_WORDS: &[&str] = &[
    "no", "not", "dont", "don", "false", "nein", "non", "nee", "não", "nao",
];

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

/// Words that make a checkbox read like "remember me" / "remember my
/// decision" / "don't ask again" / "trust this device" (matched as word
/// prefixes, so `rememberMe` and `RememberConsent` count).
const REMEMBER_WORDS: &[&str] = &["remember", "trust", "persist", "keep", "stay", "ask"];

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

impl Field {
    /// A checkbox that asks to remember the login or the decision (its
    /// label or name reads like "remember me", "don't ask again", "trust
    /// this device"), other than a scope box. The agent never ticks one,
    /// and unticks one shown ticked unless it is `required`: a remembered
    /// login or consent would hide the pages later trials must see.
    pub(crate) fn is_remember_box(&self) -> bool {
        let Some(checkbox) = &self.checkbox else {
            return false;
        };
        if self.name.to_ascii_lowercase().contains("scope") {
            return false;
        }
        [checkbox.label.as_str(), self.name.as_str()]
            .iter()
            .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
            .map(str::to_lowercase)
            .any(|w| REMEMBER_WORDS.iter().any(|p| w.starts_with(p)))
    }
}

/// Unticks the remember-like boxes of `fields` that are not required.
pub(crate) fn untick_remember(fields: &mut [Field]) {
    for field in fields.iter_mut() {
        if field.is_remember_box()
            && let Some(checkbox) = &mut field.checkbox
            && !checkbox.required
        {
            checkbox.checked = false;
        }
    }
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
    /// Whether following it needs a script: a `javascript:` URL, or a
    /// same-page `#…` link (the handler does the work).
    pub(crate) fn is_script_only(&self) -> bool {
        let href = self.href.trim();
        href.starts_with('#') || href.to_ascii_lowercase().starts_with("javascript:")
    }

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
        let path = crate::oauth::uri::without_query(href);
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
            .filter(|f| f.submitted())
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        let Some(control) = pressed.and_then(|i| self.submits.get(i)) else {
            return pairs;
        };
        let at = fields
            .iter()
            .take(control.position)
            .filter(|f| f.submitted())
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
            checkbox: None,
        }),
    }
}

mod parse;

#[cfg(test)]
use parse::refresh_url;

#[cfg(test)]
mod tests;
