//! Parsing `${…}` templates, and the names a placeholder may use.
//!
//! Syntax only: `${name}` is a placeholder, `$${` is a literal `${`, any
//! other `$` is literal. Whether a variable is set before a step is decided
//! by the validator, which knows the scenario; interpolation is the runner's.

use crate::suite::model::{Template, TemplatePart};

/// The roots of the built-in variables (`${issuer}`, `${client.main.id}`, …).
pub const BUILTIN_ROOTS: &[&str] = &["issuer", "client", "endpoint", "scope", "user", "random"];

/// A parsed template and where each placeholder starts in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub template: Template,
    /// (variable name, byte index of its `${` in the source).
    pub vars: Vec<(String, usize)>,
}

/// A syntax error at a byte index of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub index: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// Parses `source` into literal and placeholder parts.
pub(crate) fn parse(source: &str) -> Result<Parsed, TemplateError> {
    let mut parts = Vec::new();
    let mut vars = Vec::new();
    let mut literal = String::new();
    let mut rest = source;
    let mut index = 0;
    while let Some(dollar) = rest.find('$') {
        literal.push_str(&rest[..dollar]);
        let at = &rest[dollar..];
        let here = index + dollar;
        if let Some(after) = at.strip_prefix("$${") {
            literal.push_str("${");
            rest = after;
            index = here + 3;
        } else if let Some(body) = at.strip_prefix("${") {
            let Some(close) = body.find('}') else {
                return Err(TemplateError {
                    index: here,
                    message: "unclosed `${` in template".to_string(),
                    hint: Some(
                        "close the placeholder with `}`, or write `$${` for a literal `${`"
                            .to_string(),
                    ),
                });
            };
            let name = &body[..close];
            check_name(name).map_err(|(message, hint)| TemplateError {
                index: here,
                message,
                hint,
            })?;
            if !literal.is_empty() {
                parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(TemplatePart::Var(name.to_string()));
            vars.push((name.to_string(), here));
            rest = &body[close + 1..];
            index = here + 2 + close + 1;
        } else {
            literal.push('$');
            rest = &at[1..];
            index = here + 1;
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() || parts.is_empty() {
        parts.push(TemplatePart::Literal(literal));
    }
    Ok(Parsed {
        template: Template {
            parts,
            source: source.to_string(),
        },
        vars,
    })
}

fn check_name(name: &str) -> Result<(), (String, Option<String>)> {
    if name.trim().is_empty() {
        return Err((
            "empty placeholder `${}`".to_string(),
            Some("name a variable, e.g. `${code}` or `${client.main.id}`".to_string()),
        ));
    }
    let ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if !ok {
        return Err((
            format!("invalid placeholder `${{{name}}}`"),
            Some("variable names use letters, digits, `_`, `-`, `.` and `env:`".to_string()),
        ));
    }
    Ok(())
}

/// Whether `name` is a built-in (not a scenario variable): it contains a
/// `.`, starts with `env:`, or is `issuer` or `random`.
pub(crate) fn is_builtin(name: &str) -> bool {
    name.contains('.') || name.starts_with("env:") || name == "issuer" || name == "random"
}

/// Checks a built-in name; `Err((message, hint))` when it is not one.
pub(crate) fn check_builtin(name: &str) -> Result<(), (String, Option<String>)> {
    if let Some(env) = name.strip_prefix("env:") {
        let valid = env
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return if valid {
            Ok(())
        } else {
            Err((
                format!("invalid environment variable name in `${{{name}}}`"),
                Some("write `${env:NAME}` with NAME made of letters, digits and `_`".to_string()),
            ))
        };
    }
    let mut segments = name.split('.');
    let root = segments.next().unwrap_or_default();
    if !BUILTIN_ROOTS.contains(&root) {
        let hint = crate::diag::suggest(root, BUILTIN_ROOTS.iter().copied()).unwrap_or_else(|| {
            format!(
                "built-in variables start with {} or `env:`; a scenario variable has no `.`",
                crate::diag::one_of(BUILTIN_ROOTS.iter().copied())
            )
        });
        return Err((format!("unknown built-in variable `{name}`"), Some(hint)));
    }
    let rest: Vec<&str> = segments.collect();
    if rest.iter().any(|s| s.is_empty()) {
        return Err((format!("invalid variable `{name}`: empty segment"), None));
    }
    // Walks the known names one segment at a time, so the message can say
    // which segment is wrong and what would fit there.
    let choices = |options: &[&str]| crate::diag::one_of(options.iter().copied());
    let unknown = |segment: &str, options: &[&str], what: &str| {
        Err((
            format!("unknown {what} `{segment}` in `${{{name}}}`"),
            Some(
                crate::diag::suggest(segment, options.iter().copied())
                    .unwrap_or_else(|| format!("expected {}", choices(options))),
            ),
        ))
    };
    let needs_field = |options: &[&str]| {
        Err((
            format!("`${{{name}}}` needs a field: {}", choices(options)),
            None,
        ))
    };
    let too_long = || Err((format!("unknown built-in variable `{name}`"), None));
    match (root, rest.as_slice()) {
        ("issuer" | "random", []) => Ok(()),
        ("issuer" | "random", _) => {
            Err((format!("`{root}` has no fields: write `${{{root}}}`"), None))
        }
        ("endpoint", []) => needs_field(ENDPOINTS),
        ("endpoint", [e]) if ENDPOINTS.contains(e) => Ok(()),
        ("endpoint", [e]) => unknown(e, ENDPOINTS, "endpoint"),
        ("scope", []) => needs_field(SCOPES),
        ("scope", [s]) if SCOPES.contains(s) => Ok(()),
        ("scope", [s]) => unknown(s, SCOPES, "scope"),
        ("user", []) => needs_field(USER_FIELDS),
        ("user", [u]) if USER_FIELDS.contains(u) => Ok(()),
        ("user", [u]) => unknown(u, USER_FIELDS, "user field"),
        ("client", []) => needs_field(CLIENT_ROLES),
        ("client", [role, ..]) if !CLIENT_ROLES.contains(role) => {
            unknown(role, CLIENT_ROLES, "client")
        }
        ("client", [_]) => needs_field(CLIENT_FIELDS),
        ("client", [_, field, ..]) if !CLIENT_FIELDS.contains(field) => {
            unknown(field, CLIENT_FIELDS, "client field")
        }
        ("client", [_, _]) => Ok(()),
        ("client", [_, "redirect_uri", part]) if URI_PARTS.contains(part) => Ok(()),
        ("client", [_, "redirect_uri", part]) => unknown(part, URI_PARTS, "redirect URI part"),
        _ => too_long(),
    }
}

/// `${endpoint.<name>}`.
pub const ENDPOINTS: &[&str] = &[
    "authorization",
    "token",
    "revocation",
    "introspection",
    "userinfo",
    "jwks",
    "resource",
];
/// `${scope.<name>}`.
pub const SCOPES: &[&str] = &["default", "extra", "forbidden"];
/// `${user.<name>}`.
pub const USER_FIELDS: &[&str] = &["username"];
/// `${client.<role>}`.
pub const CLIENT_ROLES: &[&str] = &["main", "other", "public"];
/// `${client.<role>.<field>}`.
pub const CLIENT_FIELDS: &[&str] = &["id", "redirect_uri", "other_redirect_uri"];
/// `${client.<role>.redirect_uri.<part>}`: pieces of the URI as written.
pub const URI_PARTS: &[&str] = &[
    "scheme",
    "other_scheme",
    "authority",
    "host",
    "port",
    "path",
    "query",
    "origin",
    "upper_scheme",
    "upper_authority",
    "upper_path",
    "other_port_form",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(source: &str) -> Vec<TemplatePart> {
        parse(source).unwrap().template.parts
    }

    #[test]
    fn literals_placeholders_and_escapes() {
        assert_eq!(parts("abc"), [TemplatePart::Literal("abc".into())]);
        assert_eq!(parts(""), [TemplatePart::Literal(String::new())]);
        assert_eq!(
            parts("${client.main.redirect_uri}/x?a=${code}"),
            [
                TemplatePart::Var("client.main.redirect_uri".into()),
                TemplatePart::Literal("/x?a=".into()),
                TemplatePart::Var("code".into()),
            ]
        );
        assert_eq!(
            parts("cost $5, $${not} ${env:HOME}$"),
            [
                TemplatePart::Literal("cost $5, ${not} ".into()),
                TemplatePart::Var("env:HOME".into()),
                TemplatePart::Literal("$".into()),
            ]
        );
        let parsed = parse("a ${x} ${y}").unwrap();
        assert_eq!(parsed.vars, [("x".to_string(), 2), ("y".to_string(), 7)]);
        assert_eq!(parsed.template.source, "a ${x} ${y}");
    }

    #[test]
    fn syntax_errors() {
        let e = parse("https://x/${code").unwrap_err();
        assert_eq!(e.index, 10);
        assert_eq!(e.message, "unclosed `${` in template");
        assert_eq!(parse("${}").unwrap_err().message, "empty placeholder `${}`");
        assert_eq!(
            parse("${a b}").unwrap_err().message,
            "invalid placeholder `${a b}`"
        );
    }

    #[test]
    fn builtins() {
        assert!(is_builtin("issuer") && is_builtin("env:X") && is_builtin("client.main.id"));
        assert!(!is_builtin("code"));
        assert!(check_builtin("client.main.redirect_uri.host").is_ok());
        assert!(check_builtin("endpoint.token").is_ok());
        assert!(check_builtin("env:APP_SECRET").is_ok());
        let (message, hint) = check_builtin("clinet.main.id").unwrap_err();
        assert_eq!(message, "unknown built-in variable `clinet.main.id`");
        assert_eq!(hint.as_deref(), Some("did you mean `client`?"));
        let (message, hint) = check_builtin("client.mian.id").unwrap_err();
        assert_eq!(message, "unknown client `mian` in `${client.mian.id}`");
        assert_eq!(hint.as_deref(), Some("did you mean `main`?"));
        let (message, hint) = check_builtin("client.main.redirect_uri.hots").unwrap_err();
        assert_eq!(
            message,
            "unknown redirect URI part `hots` in `${client.main.redirect_uri.hots}`"
        );
        assert_eq!(hint.as_deref(), Some("did you mean `host`?"));
        let (message, hint) = check_builtin("endpoint.tokn").unwrap_err();
        assert_eq!(message, "unknown endpoint `tokn` in `${endpoint.tokn}`");
        assert_eq!(hint.as_deref(), Some("did you mean `token`?"));
        assert_eq!(
            check_builtin("scope").unwrap_err().0,
            "`${scope}` needs a field: `default`, `extra` or `forbidden`"
        );
        assert!(check_builtin("client.main.other_redirect_uri").is_ok());
        assert!(check_builtin("client.public.redirect_uri.upper_path").is_ok());
        assert!(check_builtin("client.main.id.x").is_err());
        assert!(check_builtin("env:").is_err());
        assert!(check_builtin("issuer.x").is_err());
    }
}
