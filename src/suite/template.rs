//! Parsing `${…}` templates, and the names a placeholder may use.
//!
//! Syntax only: `${name}` is a placeholder, `$${` is a literal `${`, any
//! other `$` is literal. Whether a variable is set before a step is decided
//! by the validator, which knows the scenario; built-in names are `builtin`'s;
//! interpolation is the runner's.

use crate::suite::model::{Template, TemplatePart};

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
            check_name(name, here)?;
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

fn check_name(name: &str, index: usize) -> Result<(), TemplateError> {
    if name.trim().is_empty() {
        return Err(TemplateError {
            index,
            message: "empty placeholder `${}`".to_string(),
            hint: Some("name a variable, e.g. `${code}` or `${client.main.id}`".to_string()),
        });
    }
    let ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if !ok {
        return Err(TemplateError {
            index,
            message: format!("invalid placeholder `${{{name}}}`"),
            hint: Some("variable names use letters, digits, `_`, `-`, `.` and `env:`".to_string()),
        });
    }
    Ok(())
}

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
}
