//! From a file's text to raw records, collecting schema errors per scenario.
//!
//! The whole file is first read in one go (the common, valid case, where
//! YAML anchors may span scenarios). When that fails, the file is read again
//! piecewise (see `source.rs`): its outline with the scenarios stubbed out,
//! then each scenario on its own, so one bad scenario does not hide the
//! errors of the others. serde-saphyr errors become [`Diagnostic`]s here,
//! reworded as lowercase fragments with "did you mean" hints.

use std::cell::Cell;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::{Error, MessageFormatter as _};

use crate::diag::{Diagnostic, one_of, suggest};
use crate::suite::raw::{RawFile, RawHead, RawScenario, S, STEP_KEYS, STEP_KINDS};
use crate::suite::source::{self, Kind, Node, Shift};

/// The raw content of one file, and the schema errors found in it.
pub(crate) struct RawSuite {
    /// `None` when the outline itself is broken.
    pub suite: Option<S<String>>,
    /// Where `scenarios:` sits, when the outline was read.
    pub scenarios_at: Option<source::At>,
    /// The scenarios that were read, in file order, each with the shift
    /// from the piece it was read from back to the file.
    pub scenarios: Vec<(S<RawScenario>, Shift)>,
    pub diagnostics: Vec<Diagnostic>,
}

thread_local! {
    /// Bytes handed to the YAML deserializer on this thread.
    static PARSED_BYTES: Cell<usize> = const { Cell::new(0) };
}

/// Bytes the loader has handed to the YAML deserializer on this thread so
/// far: tests compare it with the file's size to prove loading is linear.
#[cfg(test)]
pub(crate) fn parsed_bytes() -> usize {
    PARSED_BYTES.with(Cell::get)
}

/// serde-saphyr's node and event budgets scaled to the text: a node or event
/// takes at least a byte or two of text, so a budget proportional to the size
/// never stops a large plain file, while alias expansion (the real bomb) stays
/// bounded by the alias and anchor budgets.
pub(crate) fn options(len: usize) -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    let mut budget = options.budget.take().unwrap_or_default();
    budget.max_nodes = budget.max_nodes.max(len.saturating_add(1024));
    budget.max_events = budget
        .max_events
        .max(len.saturating_mul(2).saturating_add(1024));
    options.budget = Some(budget);
    options
}

/// Deserializes `text` with the loader's budget, counting the bytes.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    PARSED_BYTES.with(|p| p.set(p.get().saturating_add(text.len())));
    serde_saphyr::from_str_with_options(text, options(text.len()))
}

pub(crate) fn parse(file: &Path, text: &str) -> RawSuite {
    let whole_error = match from_str::<RawFile>(text) {
        Ok(raw) => {
            return RawSuite {
                suite: Some(raw.suite),
                scenarios_at: Some(source::At::of(&raw.scenarios.referenced)),
                scenarios: raw
                    .scenarios
                    .value
                    .into_iter()
                    .map(|s| (s, Shift::default()))
                    .collect(),
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
                diagnostics: vec![diagnostic(file, text, None, &whole_error, Shift::default())],
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
    match from_str::<RawHead>(&source::stub_out(text, &ranges)) {
        Ok(head) => {
            result.suite = Some(head.suite);
            result.scenarios_at = Some(source::At::of(&head.scenarios.referenced));
        }
        Err(err) => {
            result
                .diagnostics
                .push(diagnostic(file, text, Some(&root), &err, Shift::default()))
        }
    }

    let whole_had_unknown_anchor = matches!(original(&whole_error), Error::UnknownAnchor { .. });
    // Lines before the current scenario's first line, counted as we go.
    let (mut counted_to, mut lines) = (0, 0);
    for item in items {
        let line_start = text[..item.start].rfind('\n').map_or(0, |i| i + 1);
        lines += text[counted_to..line_start].matches('\n').count();
        counted_to = line_start;
        let (piece, shift) = source::piece(text, (item.start, item.end), (line_start, lines));
        match from_str::<S<RawScenario>>(&piece) {
            Ok(scenario) => result.scenarios.push((scenario, shift)),
            // An alias to an anchor in another scenario: an artefact of
            // reading the scenario alone. The file has other errors anyway.
            Err(err)
                if matches!(original(&err), Error::UnknownAnchor { .. })
                    && !whole_had_unknown_anchor => {}
            Err(err) => result
                .diagnostics
                .push(diagnostic(file, text, Some(&root), &err, shift)),
        }
    }
    if result.diagnostics.is_empty() {
        // The pieces are fine but the whole is not (e.g. several documents).
        result.diagnostics.push(diagnostic(
            file,
            text,
            Some(&root),
            &whole_error,
            Shift::default(),
        ));
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

/// Rewords a serde-saphyr error as a diagnostic at its place (`shift`
/// takes a place in the piece that was read back to the file).
pub(crate) fn diagnostic(
    file: &Path,
    text: &str,
    root: Option<&Node>,
    err: &Error,
    shift: Shift,
) -> Diagnostic {
    let at = err.location().map(|l| shift.apply(source::At::of(&l)));
    let (mut line, mut column) = at.map_or((0, 0), |a| (a.line, a.column));
    let offset = at.and_then(|a| a.offset);
    let found = || root?.at(offset?).map(Node::describe);
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
            if let Some((l, c)) = offset
                .and_then(|offset| root?.map_with_key_at(offset))
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
    // The YAML scanner reports a tab where it was scanning from, often the
    // end of the line before; point at the tab itself.
    if message.contains("tab") {
        let from = offset.or_else(|| byte_offset(text, line, column));
        if let Some(tab) = from.and_then(|o| next_tab(text, o)) {
            (line, column) = line_column(text, tab);
        }
    }
    Diagnostic::new(file, line, column, message)
        .with_hint_opt(hint)
        .with_source(text)
}

/// The byte offset of a 1-based line and column (in characters).
fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}

/// The tab just before `offset`, or else the first one at or after it if it
/// is on that line or the next.
fn next_tab(text: &str, offset: usize) -> Option<usize> {
    if text.get(..offset)?.ends_with('\t') {
        return Some(offset - 1);
    }
    let rest = text.get(offset..)?;
    let tab = rest.find('\t')?;
    (rest[..tab].matches('\n').count() <= 1).then_some(offset + tab)
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
