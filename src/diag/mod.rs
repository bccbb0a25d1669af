//! Diagnostics: problems in user files (suites, target profiles), each with
//! its place, a message, the offending snippet and an optional hint.
//!
//! Rendering only; nothing here decides what is wrong. The format follows
//! rustc and hurl, readable without colour:
//!
//! ```text
//! suites/code.yaml:12:5: unknown key `stpes`
//!   --> suites/code.yaml:12:5
//!  12 |     stpes:
//!     |     ^
//! hint: did you mean `steps`?
//! ```

use std::path::{Path, PathBuf};

/// One problem in a user file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based; 0 when unknown (e.g. the file cannot be read).
    pub line: usize,
    pub column: usize,
    /// Lowercase fragment, literals in backticks: "unknown key `stpes`".
    pub message: String,
    /// The offending source line(s), if known.
    pub snippet: Option<String>,
    /// "did you mean `steps`?" and other fixes.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `file:line:column` without snippet or hint.
    pub fn new(
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: file.into(),
            line,
            column,
            message: message.into(),
            snippet: None,
            hint: None,
        }
    }

    /// Adds a hint (or replaces it).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint when there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Diagnostic {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// Renders the snippet from the file's text (see [`snippet`]).
    pub fn with_source(mut self, source: &str) -> Diagnostic {
        self.snippet = snippet(&self.file, source, self.line, self.column);
        self
    }

    /// `file:line:column`.
    pub fn place(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

impl std::fmt::Display for Diagnostic {
    /// `file:line:column: message`, then the snippet with a caret, then `hint: …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// Reads a user file as UTF-8 text. A file that cannot be read is a
/// diagnostic without a place; one that is not UTF-8 is a diagnostic at the
/// first byte that is not (`what` names the file's kind: "suite", "profile").
pub fn read_text(path: &Path, what: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::new(path, 0, 0, format!("cannot read the {what}: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Everything before the bad byte is valid UTF-8.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let source = String::from_utf8_lossy(e.as_bytes());
        Diagnostic::new(path, line, column, format!("the {what} is not valid UTF-8"))
            .with_hint("save the file as UTF-8")
            .with_source(&source)
    })
}

/// Renders several diagnostics, separated by blank lines, as printed to stderr.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The source line at `line` with a caret under `column` (both 1-based):
///
/// ```text
///   --> suites/code.yaml:12:5
///  12 |     stpes:
///     |     ^
/// ```
///
/// `None` when the line is 0 or past the end of `source`. Tabs before the
/// column are kept in the caret line so the caret stays aligned.
pub fn snippet(file: &Path, source: &str, line: usize, column: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    let text = source.split('\n').nth(line - 1)?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    let (text, caret) = window(text, column);
    let number = line.to_string();
    let gutter = " ".repeat(number.len() + 2);
    let pad: String = text
        .chars()
        .take(caret.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let text = text.trim_end();
    let source_line = if text.is_empty() {
        format!(" {number} |")
    } else {
        format!(" {number} | {text}")
    };
    Some(format!(
        "  --> {}:{line}:{column}\n{source_line}\n{gutter}| {pad}^",
        file.display()
    ))
}

/// The most characters of a source line a snippet shows.
pub const SNIPPET_WIDTH: usize = 160;

/// A line cut to [`SNIPPET_WIDTH`] characters around `column` (`…` marking
/// what was cut), and the column within the cut; short lines are unchanged.
/// A 10 MB line must not be echoed whole into a terminal or a report.
fn window(text: &str, column: usize) -> (std::borrow::Cow<'_, str>, usize) {
    let length = text.chars().count();
    if length <= SNIPPET_WIDTH {
        return (text.into(), column);
    }
    let half = SNIPPET_WIDTH / 2;
    let start = column
        .saturating_sub(1)
        .saturating_sub(half)
        .min(length - SNIPPET_WIDTH);
    let end = start + SNIPPET_WIDTH;
    let mut cut = String::new();
    if start > 0 {
        cut.push('…');
    }
    cut.extend(text.chars().skip(start).take(SNIPPET_WIDTH));
    if end < length {
        cut.push('…');
    }
    let column = column.saturating_sub(start) + usize::from(start > 0);
    (cut.into(), column)
}

/// The closest candidate to `word` by edit distance, if close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "did you mean `x`?" for the closest candidate, if any.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// A readable list of literals: "`a`, `b` or `c`".
pub fn one_of<'a>(candidates: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_message_snippet_and_hint() {
        let source = "suite: s\nscenarios:\n  - id: a.b\n    stpes: []\n";
        let d = Diagnostic::new("suites/x.yaml", 4, 5, "unknown key `stpes`")
            .with_hint("did you mean `steps`?")
            .with_source(source);
        assert_eq!(
            d.to_string(),
            "suites/x.yaml:4:5: unknown key `stpes`\n  --> suites/x.yaml:4:5\n 4 |     stpes: []\n   |     ^\nhint: did you mean `steps`?"
        );
    }

    #[test]
    fn caret_keeps_tabs_and_wide_line_numbers() {
        let mut source = String::new();
        for _ in 0..11 {
            source.push('\n');
        }
        source.push_str("\tkey: value\r\n");
        let s = snippet(Path::new("f"), &source, 12, 7).unwrap();
        assert_eq!(s, "  --> f:12:7\n 12 | \tkey: value\n    | \t     ^");
    }

    #[test]
    fn no_snippet_without_a_line() {
        assert_eq!(snippet(Path::new("f"), "a\n", 0, 0), None);
        assert_eq!(snippet(Path::new("f"), "a\n", 5, 1), None);
        let d = Diagnostic::new("f", 0, 0, "cannot read the file").with_source("");
        assert_eq!(d.to_string(), "f:0:0: cannot read the file");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("stpes", ["id", "steps", "title"]),
            Some("steps")
        );
        assert_eq!(did_you_mean("zzz", ["id", "steps"]), None);
        assert_eq!(one_of(["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(one_of(["a"]), "`a`");
        assert_eq!(
            suggest("MSUT", ["MUST", "SHOULD", "MAY"]).as_deref(),
            Some("did you mean `MUST`?")
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(1000), "b".repeat(1000));
        let s = snippet(Path::new("f"), &line, 1, 1001).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "  --> f:1:1001");
        assert!(
            lines[1].starts_with(" 1 | …a") && lines[1].ends_with("b…"),
            "{s}"
        );
        assert!(lines[1].chars().count() < SNIPPET_WIDTH + 10, "{s}");
        let caret = lines[2].chars().count() - 1;
        assert_eq!(lines[1].chars().nth(caret), Some('X'), "{s}");
        // The start of a long line keeps its caret and loses only its tail.
        let s = snippet(Path::new("f"), &line, 1, 3).unwrap();
        assert!(s.contains(" 1 | aaa") && s.contains("a…\n   |   ^"), "{s}");
    }
}
