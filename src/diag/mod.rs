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

// INTERFACE — owned by the suite work; may grow.

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
    let number = line.to_string();
    let gutter = " ".repeat(number.len() + 2);
    let pad: String = text
        .chars()
        .take(column.saturating_sub(1))
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
}
