//! Reading an HTML page into a [`Page`]: head data (title, `<base>`, meta
//! refresh, self-submission), every form with its controls in document
//! order (the `form` attribute honoured), links, script-only controls,
//! checkbox labels, and the start of the visible text. One phase per part;
//! each control becomes a field or a submit exactly once.

use scraper::{ElementRef, Html, Node, Selector};

use super::{Checkbox, Field, Form, Hints, Link, Page, Role, ScriptControl, Submit};

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

/// The configured selectors, parsed once per page.
struct Roles {
    login_form: Option<Selector>,
    approve: Option<Selector>,
    deny: Option<Selector>,
}

impl Roles {
    fn new(hints: Hints<'_>) -> Roles {
        Roles {
            login_form: selector(hints.login_form),
            approve: selector(hints.approve),
            deny: selector(hints.deny),
        }
    }

    /// The role a configured selector gives `e` (deny wins).
    fn of(&self, e: &ElementRef<'_>) -> Option<Role> {
        if self.deny.as_ref().is_some_and(|s| s.matches(e)) {
            Some(Role::Deny)
        } else if self.approve.as_ref().is_some_and(|s| s.matches(e)) {
            Some(Role::Approve)
        } else {
            None
        }
    }
}

impl Page {
    /// Reads a page. Selectors in `hints` that do not parse are ignored
    /// (check them first with [`Hints::validate`]).
    pub(crate) fn parse(text: &str, hints: Hints<'_>) -> Page {
        let html = Html::parse_document(text);
        let roles = Roles::new(hints);
        let mut page = Page::head(&html);
        let form_elements: Vec<ElementRef<'_>> = html.select(&static_selector("form")).collect();
        page.forms = form_elements
            .iter()
            .map(|f| Form::open(f, roles.login_form.as_ref()))
            .collect();
        for e in html.select(&static_selector("input, select, textarea, button")) {
            if let Some(control) = script_control(&e, &roles) {
                page.script_controls.push(control);
            }
            if let Some(index) = owner(&form_elements, &e) {
                page.forms[index].add_control(&e, &roles);
            }
        }
        for a in html.select(&static_selector("a[href]")) {
            let link = Link {
                href: attr(&a, "href").unwrap_or_default(),
                text: collapse(&a.text().collect::<String>()),
                id: attr(&a, "id"),
                role: roles.of(&a),
            };
            if link.is_script_only() {
                page.script_controls.push(ScriptControl {
                    text: link.text.clone(),
                    id: link.id.clone(),
                    role: link.role,
                });
            }
            page.links.push(link);
        }
        page.text = visible_text(&html, 300);
        let fetched = "script[src], img[src], iframe[src], frame[src], embed[src], audio[src], \
                       video[src], source[src], input[type=image][src], link[href]";
        page.subresources = html
            .select(&static_selector(fetched))
            .filter_map(|e| non_empty(attr(&e, "src").or_else(|| attr(&e, "href"))))
            .collect();
        page
    }

    /// Title, `<base href>`, meta refresh and self-submission.
    fn head(html: &Html) -> Page {
        let meta_refresh = html
            .select(&static_selector("meta[http-equiv][content]"))
            .find(|m| {
                m.value()
                    .attr("http-equiv")
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case("refresh"))
            })
            .and_then(|m| m.value().attr("content").and_then(refresh_url));
        let auto_submit = html.select(&static_selector("[onload]")).any(|e| {
            e.value()
                .attr("onload")
                .is_some_and(|v| v.to_ascii_lowercase().contains("submit"))
        }) || html.select(&static_selector("script")).any(|s| {
            let code = s.text().collect::<String>().to_ascii_lowercase();
            code.contains("submit()") || code.contains(".submit(")
        });
        Page {
            title: html
                .select(&static_selector("title"))
                .next()
                .map(|t| collapse(&t.text().collect::<String>()))
                .filter(|t| !t.is_empty()),
            base_href: html
                .select(&static_selector("base[href]"))
                .next()
                .and_then(|b| non_empty(attr(&b, "href"))),
            meta_refresh,
            auto_submit,
            ..Page::default()
        }
    }
}

/// The form a control belongs to: its `form` attribute's, else its nearest
/// ancestor form.
fn owner(forms: &[ElementRef<'_>], e: &ElementRef<'_>) -> Option<usize> {
    if let Some(form_id) = e.value().attr("form") {
        return forms
            .iter()
            .position(|f| f.value().attr("id") == Some(form_id));
    }
    let ancestor = e
        .ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| a.value().name() == "form")?;
    forms.iter().position(|f| *f == ancestor)
}

/// A `type=button` control (which only a script can make do anything), or
/// `None` for every other control.
fn script_control(e: &ElementRef<'_>, roles: &Roles) -> Option<ScriptControl> {
    let kind = e.value().attr("type").unwrap_or("").trim();
    let text = match e.value().name() {
        "button" if kind.eq_ignore_ascii_case("button") => collapse(&e.text().collect::<String>()),
        "input" if kind.eq_ignore_ascii_case("button") => attr(e, "value").unwrap_or_default(),
        _ => return None,
    };
    let name = attr(e, "name").unwrap_or_default();
    Some(ScriptControl {
        text: collapse(&format!("{text} {name}")),
        id: attr(e, "id"),
        role: roles.of(e),
    })
}

/// The text of the `<label>` around `e`, else of the label pointing at its id.
fn label_text(e: &ElementRef<'_>) -> String {
    let around = e
        .ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| a.value().name() == "label");
    let pointing = || {
        let id = e.value().attr("id")?;
        let root = e.ancestors().filter_map(ElementRef::wrap).last()?;
        root.select(&static_selector("label[for]"))
            .find(|l| l.value().attr("for") == Some(id))
    };
    around
        .or_else(pointing)
        .map(|l| collapse(&l.text().collect::<String>()))
        .unwrap_or_default()
}

impl Form {
    /// A form element, before its controls are read.
    fn open(f: &ElementRef<'_>, login_form: Option<&Selector>) -> Form {
        Form {
            action: non_empty(attr(f, "action")),
            method: match f.value().attr("method") {
                Some(m) if m.trim().eq_ignore_ascii_case("post") => "POST".to_string(),
                _ => "GET".to_string(),
            },
            selected: login_form.is_some_and(|s| matches_self_or_ancestor(s, f)),
            ..Form::default()
        }
    }

    /// Adds one control (input, select, textarea or button) of this form.
    fn add_control(&mut self, e: &ElementRef<'_>, roles: &Roles) {
        let disabled = e.value().attr("disabled").is_some();
        let name = attr(e, "name").unwrap_or_default();
        let kind = e
            .value()
            .attr("type")
            .map(|t| t.trim().to_ascii_lowercase());
        match e.value().name() {
            "input" => {
                let kind = kind.filter(|k| k != "text").unwrap_or_default();
                self.add_input(e, kind, name, disabled, roles);
            }
            "select" if !disabled => self.add_select(e, &name),
            "textarea" => {
                self.inputs.push(("textarea".to_string(), name.clone()));
                if !disabled {
                    self.push_field(name, e.text().collect(), "textarea");
                }
            }
            "button" => {
                let kind = kind.unwrap_or_else(|| "submit".to_string());
                if (kind == "submit" || kind.is_empty()) && !disabled {
                    let text = collapse(&e.text().collect::<String>());
                    self.push_submit(e, text, false, roles);
                }
            }
            _ => {}
        }
    }

    fn add_input(
        &mut self,
        e: &ElementRef<'_>,
        kind: String,
        name: String,
        disabled: bool,
        roles: &Roles,
    ) {
        match kind.as_str() {
            "submit" | "image" if !disabled => {
                let text = attr(e, "alt").unwrap_or_default();
                self.push_submit(e, text, kind == "image", roles);
            }
            "submit" | "image" | "button" | "reset" | "file" => {}
            "checkbox" if !disabled => {
                let checked = e.value().attr("checked").is_some();
                self.fields.push(Field {
                    name,
                    value: attr(e, "value").unwrap_or_else(|| "on".to_string()),
                    kind,
                    checkbox: Some(Checkbox {
                        checked,
                        required: e.value().attr("required").is_some(),
                        label: label_text(e),
                    }),
                });
            }
            "radio" if !disabled && e.value().attr("checked").is_some() => {
                let value = attr(e, "value").unwrap_or_else(|| "on".to_string());
                self.push_field(name, value, "radio");
            }
            "checkbox" | "radio" => {}
            _ => {
                if kind != "hidden" {
                    let shown = if kind.is_empty() { "text" } else { &kind };
                    self.inputs.push((shown.to_string(), name.clone()));
                }
                if !disabled {
                    let kind = if kind.is_empty() { "text" } else { &kind };
                    self.push_field(name, attr(e, "value").unwrap_or_default(), kind);
                }
            }
        }
    }

    /// A `<select>`: its selected options (the first when none is, unless
    /// `multiple`).
    fn add_select(&mut self, e: &ElementRef<'_>, name: &str) {
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
            self.push_field(name.to_string(), value, "select");
        }
    }

    fn push_field(&mut self, name: String, value: String, kind: &str) {
        self.fields.push(Field {
            name,
            value,
            kind: kind.to_string(),
            checkbox: None,
        });
    }

    /// A submit button or image input, placed after the fields before it.
    fn push_submit(&mut self, e: &ElementRef<'_>, text: String, image: bool, roles: &Roles) {
        self.submits.push(Submit {
            name: non_empty(attr(e, "name")),
            value: attr(e, "value"),
            text,
            id: attr(e, "id"),
            image,
            formaction: non_empty(attr(e, "formaction")),
            formmethod: attr(e, "formmethod"),
            position: self.fields.len(),
            role: roles.of(e),
        });
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
