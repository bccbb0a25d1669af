//! Form tampering: the change a `tamper` step asks of one scraped form (the
//! login or the consent form) before the agent submits it — fields dropped,
//! values changed, fields added — and the recognition of a form's
//! anti-forgery field by its name.
//!
//! The agent applies a [`Tamper`] to the name/value pairs a browser would
//! submit, once per walk, and reports which field *names* it changed, never
//! their values. It does not judge what the AS does with the submission.

/// Which form to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TamperTarget {
    /// The form the password is submitted with.
    Login,
    /// The consent form, when approving.
    Consent,
}

/// A field of the form, by name or by role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRef {
    Named(String),
    /// The anti-forgery field (see [`is_anti_forgery`]).
    AntiForgery,
}

/// The change to make.
#[derive(Debug, Clone)]
pub struct Tamper {
    pub target: TamperTarget,
    pub drop: Vec<FieldRef>,
    pub set: Vec<(FieldRef, String)>,
    pub add: Vec<(String, String)>,
}

/// Names of anti-forgery fields as frameworks write them (compared without
/// case): anything containing `csrf` or `xsrf`, and these.
const ANTI_FORGERY_NAMES: &[&str] = &[
    "authenticity_token",
    "_token",
    "__requestverificationtoken",
    "form_token",
    "antiforgery",
    "anti_forgery_token",
    "nonce_token",
];

/// Whether a field name looks like an anti-forgery token's.
pub fn is_anti_forgery(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("csrf") || lower.contains("xsrf") || ANTI_FORGERY_NAMES.contains(&lower.as_str())
}

/// Why a form does not allow the change a `tamper` names.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MissingField {
    #[error("the form has no field `{0}` to change")]
    Named(String),
    #[error(
        "the form has no field recognisable as an anti-forgery token (its fields: {}); the AS may bind the submission otherwise",
        .0.join(", ")
    )]
    AntiForgery(Vec<String>),
}

impl Tamper {
    /// Applies the change to `pairs` (what the form would submit). Returns
    /// the names changed, or why the form does not allow the change (a
    /// field to drop or set that it does not have).
    pub fn apply(&self, pairs: &mut Vec<(String, String)>) -> Result<Vec<String>, MissingField> {
        let mut changed = Vec::new();
        let resolve =
            |pairs: &[(String, String)], field: &FieldRef| -> Result<String, MissingField> {
                let found = match field {
                    FieldRef::Named(name) => pairs.iter().find(|(n, _)| n == name),
                    FieldRef::AntiForgery => pairs.iter().find(|(n, _)| is_anti_forgery(n)),
                };
                found.map(|(n, _)| n.clone()).ok_or_else(|| match field {
                    FieldRef::Named(name) => MissingField::Named(name.clone()),
                    FieldRef::AntiForgery => {
                        MissingField::AntiForgery(pairs.iter().map(|(n, _)| n.clone()).collect())
                    }
                })
            };
        for field in &self.drop {
            let name = resolve(pairs, field)?;
            pairs.retain(|(n, _)| *n != name);
            changed.push(name);
        }
        for (field, value) in &self.set {
            let name = resolve(pairs, field)?;
            for pair in pairs.iter_mut().filter(|(n, _)| *n == name) {
                pair.1 = value.clone();
            }
            changed.push(name);
        }
        for (name, value) in &self.add {
            pairs.push((name.clone(), value.clone()));
            changed.push(name.clone());
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs() -> Vec<(String, String)> {
        [
            ("tx", "t1"),
            ("csrf_token", "secret"),
            ("decision", "approve"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn drops_the_anti_forgery_field_by_role() {
        let tamper = Tamper {
            target: TamperTarget::Consent,
            drop: vec![FieldRef::AntiForgery],
            set: Vec::new(),
            add: Vec::new(),
        };
        let mut form = pairs();
        assert_eq!(tamper.apply(&mut form).unwrap(), vec!["csrf_token"]);
        assert!(form.iter().all(|(n, _)| n != "csrf_token"));
        assert_eq!(form.len(), 2);
    }

    #[test]
    fn sets_and_adds_and_refuses_missing_fields() {
        let tamper = Tamper {
            target: TamperTarget::Consent,
            drop: Vec::new(),
            set: vec![(FieldRef::Named("tx".into()), "other".into())],
            add: vec![("scope".into(), "admin".into())],
        };
        let mut form = pairs();
        assert_eq!(tamper.apply(&mut form).unwrap(), vec!["tx", "scope"]);
        assert_eq!(form[0].1, "other");
        assert_eq!(
            form.last().unwrap(),
            &("scope".to_string(), "admin".to_string())
        );
        let missing = Tamper {
            target: TamperTarget::Login,
            drop: vec![FieldRef::Named("nope".into())],
            set: Vec::new(),
            add: Vec::new(),
        };
        assert!(
            missing
                .apply(&mut pairs())
                .unwrap_err()
                .to_string()
                .contains("`nope`")
        );
        let mut plain = vec![("tx".to_string(), "t".to_string())];
        let by_role = Tamper {
            target: TamperTarget::Login,
            drop: vec![FieldRef::AntiForgery],
            set: Vec::new(),
            add: Vec::new(),
        };
        assert!(
            by_role
                .apply(&mut plain)
                .unwrap_err()
                .to_string()
                .contains("anti-forgery")
        );
    }

    #[test]
    fn recognises_common_anti_forgery_names() {
        for name in [
            "csrf",
            "_csrf",
            "csrfmiddlewaretoken",
            "XSRF-TOKEN",
            "authenticity_token",
            "__RequestVerificationToken",
        ] {
            assert!(is_anti_forgery(name), "{name}");
        }
        for name in ["tx", "state", "decision", "scope"] {
            assert!(!is_anti_forgery(name), "{name}");
        }
    }
}
