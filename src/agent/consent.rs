//! What a consent page asks of the agent: which control approves, which
//! denies (a button, or a link such as oidc-provider's `…/abort`), whether
//! denial would need a script, and which boxes approval needs ticked.
//!
//! Approval ticks required boxes, boxes that read like a confirmation ("I
//! confirm", "I agree", "Allow") and the scope boxes the authorization
//! request asked for; it never ticks "remember me"-like boxes and unticks
//! one the page shows ticked ("Remember my decision"), so that consent is
//! not remembered behind the later trials' backs. Denial ticks nothing. A
//! deny control is never chosen among approve-like controls, so asking to
//! deny can never approve; on a page whose only answer is one submit
//! behind a consent box, denial submits it with nothing ticked.

use super::forms::{
    Field, Form, Hints, Link, Page, Role, ScriptControl, role_of_words, untick_remember,
};

/// Something on a page to press or follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Control {
    Button { form: usize, submit: usize },
    Link(usize),
}

/// The consent page's approve control: the configured selector's match, else
/// an approve-like button in a form without a password field, else the only
/// submit button of a form a user would not type into. `None` = not a
/// consent page.
pub(super) fn approve_control(page: &Page, hints: Hints<'_>) -> Option<Control> {
    let forms = || {
        page.forms
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.has_password())
    };
    let button = |pick: &dyn Fn(&Form) -> Option<usize>| {
        forms().find_map(|(i, f)| pick(f).map(|submit| Control::Button { form: i, submit }))
    };
    if hints.approve.is_some() {
        let chosen = button(&|f| f.submits.iter().position(|s| s.role == Some(Role::Approve)))
            .or_else(|| {
                page.links
                    .iter()
                    .position(|l| l.role == Some(Role::Approve))
                    .map(Control::Link)
            });
        if chosen.is_some() {
            return chosen;
        }
    }
    button(&|f| (0..f.submits.len()).find(|&i| submit_role(f, i) == Some(Role::Approve))).or_else(
        || {
            button(&|f| {
                (f.submits.len() == 1
                    && !f.has_typing_inputs()
                    && submit_role(f, 0) != Some(Role::Deny)
                    && !signs_out(f))
                .then_some(0)
            })
        },
    )
}

/// Whether a form's only button signs the user out or switches account
/// (its text, name, value or the URL it posts to): such a form sits on many
/// consent pages ("Not you? Sign out") and is never the approval.
fn signs_out(form: &Form) -> bool {
    let Some(submit) = form.submits.first() else {
        return false;
    };
    let texts = [
        Some(submit.text.as_str()),
        submit.name.as_deref(),
        submit.value.as_deref(),
        submit.formaction.as_deref(),
        form.action.as_deref(),
    ];
    texts.into_iter().flatten().any(|text| {
        let squeezed: String = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        SIGN_OUT_WORDS.iter().any(|w| squeezed.contains(w))
    })
}

/// Sign-out and account-switch wordings, lower case with spaces removed.
const SIGN_OUT_WORDS: &[&str] = &[
    "logout",
    "logoff",
    "signout",
    "signoff",
    "switchaccount",
    "switchuser",
    "notyou",
    "abmelden",
    "déconnexion",
    "deconnexion",
    "cerrarsesión",
    "cerrarsesion",
];

/// Names of hidden fields that carry a decision (`decision`, `action`, …),
/// besides names that read approve- or deny-like themselves (`approval`,
/// `user_oauth_approval`, `consent`).
const DECISION_NAMES: &[&str] = &["decision", "action", "answer", "choice", "response"];

/// The role of `form`'s submit `index`: its own (selector or words); for
/// the only submit of a form whose button says nothing (a localised
/// "キャンセル"), the value of a hidden field carrying the decision, such
/// as Dex's `approval=rejected` in a form of its own. Only one-word values
/// count (never a token, URL or scope list); deny wins.
fn submit_role(form: &Form, index: usize) -> Option<Role> {
    let own = form.submits.get(index)?.role();
    if own.is_some() || form.submits.len() != 1 {
        return own;
    }
    let carries_decision = |name: &str| {
        let lower = name.to_ascii_lowercase();
        DECISION_NAMES.iter().any(|d| lower.contains(d)) || role_of_words(&[name]).is_some()
    };
    let roles: Vec<Role> = form
        .fields
        .iter()
        .filter(|f| f.kind == "hidden" && carries_decision(&f.name))
        .filter(|f| !f.value.is_empty() && f.value.chars().all(char::is_alphanumeric))
        .filter_map(|f| role_of_words(&[&f.value]))
        .collect();
    if roles.contains(&Role::Deny) {
        Some(Role::Deny)
    } else {
        roles.first().copied()
    }
}

/// The consent page's deny control: the configured selector's match (button
/// or link), else a deny-like button in a form without a password field
/// (deny-like by its words, or by a hidden decision field when it is its
/// form's only button), else a deny-like link (oidc-provider's `…/abort`).
pub(super) fn deny_control(page: &Page, hints: Hints<'_>) -> Option<Control> {
    let button = |role_of: &dyn Fn(&Form, usize) -> Option<Role>| {
        page.forms
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.has_password())
            .find_map(|(i, f)| {
                (0..f.submits.len())
                    .find(|&s| role_of(f, s) == Some(Role::Deny))
                    .map(|submit| Control::Button { form: i, submit })
            })
    };
    let link = |role_of: &dyn Fn(&Link) -> Option<Role>| {
        page.links
            .iter()
            .position(|l| role_of(l) == Some(Role::Deny))
            .map(Control::Link)
    };
    if hints.deny.is_some()
        && let Some(chosen) = button(&|f, s| f.submits[s].role).or_else(|| link(&|l| l.role))
    {
        return Some(chosen);
    }
    button(&submit_role).or_else(|| link(&|l| l.role()))
}

/// A deny-like control that only a script could operate (a `type=button`
/// with an onclick handler, a `javascript:` link), when the page has no
/// other way to deny.
pub(super) fn script_only_deny(page: &Page) -> Option<&ScriptControl> {
    page.script_controls
        .iter()
        .find(|c| c.role() == Some(Role::Deny))
}

/// Denial on a page whose only answer is one submit with boxes approval
/// needs ticked (Authlib's example page: an "I consent" box and a Submit
/// button): submitting with nothing ticked is the refusal, since approval
/// is exactly the ticking. Only when the page offers no deny control at
/// all, not even one a script would run; `None` when approval needs no box.
pub(super) fn unticked_denial(
    page: &Page,
    approve: Control,
    requested: &[String],
) -> Option<Control> {
    let Control::Button { form, .. } = approve else {
        return None;
    };
    let form = page.forms.get(form)?;
    let ticked_for_approval = approval_fields(form, requested)
        .iter()
        .zip(&form.fields)
        .any(|(approved, shown)| approved.checkbox != shown.checkbox);
    let needs_ticking = ticked_for_approval
        && form
            .fields
            .iter()
            .filter_map(|f| f.checkbox.as_ref())
            .any(|c| !c.checked);
    (needs_ticking && script_only_deny(page).is_none()).then_some(approve)
}

/// `form`'s fields with every box unticked: what denial sends.
pub(super) fn denial_fields(form: &Form) -> Vec<Field> {
    let mut fields = form.fields.clone();
    for checkbox in fields.iter_mut().filter_map(|f| f.checkbox.as_mut()) {
        checkbox.checked = false;
    }
    fields
}

/// `form`'s fields with the boxes approval needs ticked: required boxes,
/// confirmation-like boxes, and scope boxes for the `requested` scopes (all
/// scope boxes when the request named none the form offers); a
/// remember-like box ("Remember my decision") is left unticked, even when
/// the page shows it ticked, unless it is required.
pub(super) fn approval_fields(form: &Form, requested: &[String]) -> Vec<Field> {
    let is_scope_box = |f: &Field| f.name.to_ascii_lowercase().contains("scope");
    let offered_requested = form
        .fields
        .iter()
        .any(|f| f.checkbox.is_some() && is_scope_box(f) && requested.contains(&f.value));
    let mut fields = form.fields.clone();
    for field in &mut fields {
        let wanted = {
            let Some(checkbox) = &field.checkbox else {
                continue;
            };
            let confirms =
                role_of_words(&[&checkbox.label, &field.name, &field.value]) == Some(Role::Approve);
            let scope =
                is_scope_box(field) && (requested.contains(&field.value) || !offered_requested);
            let remember = field.is_remember_box();
            checkbox.required || (!remember && ((confirms && !is_scope_box(field)) || scope))
        };
        if let Some(checkbox) = &mut field.checkbox
            && wanted
        {
            checkbox.checked = true;
        }
    }
    untick_remember(&mut fields);
    fields
}

/// The scopes an authorization URL asks for (its `scope` parameter).
pub(super) fn requested_scopes(url: &str) -> Vec<String> {
    super::http::url_params(url)
        .into_iter()
        .filter(|(name, _)| name == "scope")
        .flat_map(|(_, value)| {
            value
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}
