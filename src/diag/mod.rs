//! Diagnostics: problems in user files (suites, target profiles), each with
//! its place, a message, the offending snippet and an optional hint.
//!
//! Rendering only; nothing here decides what is wrong.

// INTERFACE — owned by the suite work; may grow.

use std::path::PathBuf;

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

impl std::fmt::Display for Diagnostic {
    /// `file:line:column: message`, then the snippet with a caret, then `hint: …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.column, self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `word` by edit distance, if close enough to suggest.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
