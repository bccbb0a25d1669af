//! From a file's text to raw records, collecting schema errors per scenario.
//!
//! The whole file is first read in one go (the common, valid case, where
//! YAML anchors may span scenarios). When that fails, the file is read again
//! piecewise (see `source.rs`): its outline with the scenarios stubbed out,
//! then each scenario on its own, so one bad scenario does not hide the
//! errors of the others. serde-saphyr errors become [`Diagnostic`]s here,
//! reworded as lowercase fragments with "did you mean" hints.

use std::path::Path;

use serde_saphyr::{Error, MessageFormatter as _};

use crate::diag::{Diagnostic, one_of, suggest};
use crate::suite::raw::{RawFile, RawHead, RawScenario, S, STEP_KEYS, STEP_KINDS};
use crate::suite::source::{self, Kind, Node};

/// The raw content of one file, and the schema errors found in it.
pub(crate) struct RawSuite {
    /// `None` when the outline itself is broken.
    pub suite: Option<S<String>>,
    /// Where `scenarios:` sits, when the outline was read.
    pub scenarios_at: Option<source::At>,
    /// The scenarios that were read, in file order.
    pub scenarios: Vec<S<RawScenario>>,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn parse(file: &Path, text: &str) -> RawSuite {
    let whole_error = match serde_saphyr::from_str::<RawFile>(text) {
        Ok(raw) => {
            return RawSuite {
                suite: Some(raw.suite),
                scenarios_at: Some(source::At::of(&raw.scenarios.referenced)),
                scenarios: raw.scenarios.value,
                diagnostics: Vec::new(),
            };
        }
        Err(err) => err,
    };
    let root = match source::tree(text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            return RawSuite {
                suite: None,
                scenarios_at: None,
                scenarios: Vec::new(),
                diagnostics: vec![
                    Diagnostic::new(file, 1, 1, "empty suite file")
                        .with_hint("a suite file has `suite:` (its name) and `scenarios:` (a list)")
                        .with_source(text),
                ],
            };
        }
        // A syntax error: nothing to slice.
        Err(()) => {
            return RawSuite {
                suite: None,
                scenarios_at: None,
                scenarios: Vec::new(),
                diagnostics: vec![diagnostic(file, text, None, &whole_error)],
            };
        }
    };
    let items: Vec<&Node> = match root.get("scenarios").map(|n| &n.kind) {
        Some(Kind::Seq(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    let mut result = RawSuite {
        suite: None,
        scenarios_at: None,
        scenarios: Vec::new(),
        diagnostics: Vec::new(),
    };

    let ranges: Vec<(usize, usize)> = items.iter().map(|n| (n.start, n.end)).collect();
    match serde_saphyr::from_str::<RawHead>(&source::stub_out(text, &ranges)) {
        Ok(head) => {
            result.suite = Some(head.suite);
            result.scenarios_at = Some(source::At::of(&head.scenarios.referenced));
        }
        Err(err) => result
            .diagnostics
            .push(diagnostic(file, text, Some(&root), &err)),
    }

    let whole_had_unknown_anchor = matches!(original(&whole_error), Error::UnknownAnchor { .. });
    for item in items {
        let slice = source::keep_only(text, item.start, item.end);
        match serde_saphyr::from_str::<S<RawScenario>>(&slice) {
            Ok(scenario) => result.scenarios.push(scenario),
            // An alias to an anchor in another scenario: an artefact of
            // reading the scenario alone. The file has other errors anyway.
            Err(err)
                if matches!(original(&err), Error::UnknownAnchor { .. })
                    && !whole_had_unknown_anchor => {}
            Err(err) => result
                .diagnostics
                .push(diagnostic(file, text, Some(&root), &err)),
        }
    }
    if result.diagnostics.is_empty() {
        // The pieces are fine but the whole is not (e.g. several documents).
        result
            .diagnostics
            .push(diagnostic(file, text, Some(&root), &whole_error));
    }
    result
}

fn original(err: &Error) -> &Error {
    let mut err = err;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = err {
        err = error;
    }
    err
}

/// Rewords a serde-saphyr error as a diagnostic at its place.
pub(crate) fn diagnostic(file: &Path, text: &str, root: Option<&Node>, err: &Error) -> Diagnostic {
    let location = err.location();
    let (mut line, mut column) =
        location.map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
    let found = || {
        let offset = location.and_then(|l| l.span().byte_offset())? as usize;
        root?.at(offset).map(Node::describe)
    };
    let with_found = |expected: &str| match found() {
        Some(found) => format!("expected {expected}, found {found}"),
        None => format!("expected {expected}"),
    };
    let (message, hint) = match original(err) {
        Error::SerdeUnknownField {
            field, expected, ..
        } => unknown_key(field, expected),
        Error::SerdeMissingField { field, .. } => {
            // serde-saphyr places it at the map's last key; the map's start
            // reads better ("this map lacks `title`").
            if let Some((l, c)) = location
                .and_then(|l| l.span().byte_offset())
                .and_then(|offset| root?.map_with_key_at(offset as usize))
                .map(|map| line_column(text, map.start))
            {
                line = l;
                column = c;
            }
            (format!("missing key `{field}`"), None)
        }
        Error::DuplicateMappingKey { key, .. } => (
            match key {
                Some(key) => format!("duplicate key `{key}`"),
                None => "duplicate key".to_string(),
            },
            Some("a key may appear once per map; to send a parameter twice, give it a list of values".to_string()),
        ),
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            format!(
                "unknown value `{variant}`, expected {}",
                one_of(expected.iter().copied())
            ),
            expected
                .iter()
                .find(|e| e.eq_ignore_ascii_case(variant))
                .map(|e| format!("did you mean `{e}`?"))
                .or_else(|| suggest(variant, expected.iter().copied())),
        ),
        Error::Unexpected { expected, .. } => (with_found(noun(expected)), None),
        Error::InvalidScalar { ty, .. } => (with_found(noun(ty)), None),
        Error::NullIntoString { .. } => ("expected a string, found nothing".to_string(), None),
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            match found() {
                Some(found) => format!("expected {expected}, found {found}"),
                None => format!("expected {expected}, found {unexpected}"),
            },
            None,
        ),
        Error::MultipleDocuments { .. } => (
            "a suite file holds one YAML document, found several".to_string(),
            Some("remove the `---` separators or split the file".to_string()),
        ),
        Error::UnknownAnchor { .. } => ("alias to an unknown anchor".to_string(), None),
        Error::Message { msg, .. } => (lower_first(msg), None),
        other @ (Error::ExternalMessage { .. } | Error::Eof { .. }) => (
            format!(
                "invalid YAML: {}",
                lower_first(&serde_saphyr::UserMessageFormatter.format_message(other))
            ),
            None,
        ),
        other => (
            lower_first(&serde_saphyr::UserMessageFormatter.format_message(other)),
            None,
        ),
    };
    Diagnostic::new(file, line, column, message)
        .with_hint_opt(hint)
        .with_source(text)
}

fn unknown_key(field: &str, expected: &[&'static str]) -> (String, Option<String>) {
    let is_step = expected.contains(&"authorize") && expected.contains(&"save");
    if is_step {
        let candidates = STEP_KINDS.iter().chain(STEP_KEYS).copied();
        return match crate::diag::did_you_mean(field, candidates) {
            Some(key) if STEP_KEYS.contains(&key) => (
                format!("unknown key `{field}`"),
                Some(format!("did you mean `{key}`?")),
            ),
            Some(kind) => (
                format!("unknown step kind `{field}`"),
                Some(format!("did you mean `{kind}`?")),
            ),
            None => (
                format!("unknown step kind `{field}`"),
                Some(format!(
                    "a step is one of {}, with optional {}",
                    one_of(STEP_KINDS.iter().copied()),
                    one_of(STEP_KEYS.iter().copied())
                )),
            ),
        };
    }
    let hint = suggest(field, expected.iter().copied()).or_else(|| {
        Some(if expected.is_empty() {
            "this map takes no keys".to_string()
        } else {
            format!("expected {}", one_of(expected.iter().copied()))
        })
    });
    (format!("unknown key `{field}`"), hint)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// serde-saphyr's names for what it expected, in words.
fn noun(expected: &str) -> &str {
    match expected {
        "mapping start" | "empty mapping start" => "a map",
        "sequence start" => "a list",
        "string scalar" | "scalar" => "a string",
        "bool" => "`true` or `false`",
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "isize"
        | "usize" => "an integer",
        "f32" | "f64" => "a number",
        other => other,
    }
}

/// "Unclosed bracket" → "unclosed bracket", but "YAML …" stays.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}
