//! `report.json`: the canonical, versioned record of a run, and loading it
//! back so every other format can be re-rendered from a saved run.
//!
//! Loading checks `format_version` before anything else, so an old or newer
//! report gets a clear "unsupported version" rather than a field error. This
//! file must not reshape the record: it is written exactly as [`RunReport`]
//! serializes.

use std::path::Path;

use super::{FORMAT_VERSION, ReportError, RunReport};

/// The record as pretty-printed JSON.
pub fn render(report: &RunReport) -> Result<String, ReportError> {
    serde_json::to_string_pretty(report).map_err(|e| ReportError::Render {
        format: "JSON",
        reason: e.to_string(),
    })
}

/// Reads a `report.json` written by `oauthcheck run` (or [`super::write_all`]).
pub fn load(path: &Path) -> Result<RunReport, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Parses the text of a `report.json`; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<RunReport, ReportError> {
    let not_a_report = |reason: String| ReportError::NotAReport {
        path: path.to_path_buf(),
        reason,
    };
    // The version first: a report of another version may not fit the
    // current fields, and "unsupported version" is the useful message then.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| not_a_report(format!("invalid JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(not_a_report("the JSON is not an object".into()));
    };
    let found = match object.get("format_version") {
        Some(v) => v
            .as_u64()
            .ok_or_else(|| not_a_report(format!("`format_version` is `{v}`, not a number")))?,
        None => return Err(not_a_report("it has no `format_version` field".into())),
    };
    if found != u64::from(FORMAT_VERSION) {
        return Err(ReportError::UnsupportedVersion {
            path: path.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    // Parsed again from the text (not the value) so errors keep line:column.
    serde_json::from_str(text).map_err(|e| not_a_report(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TargetInfo;

    fn minimal() -> RunReport {
        RunReport {
            format_version: FORMAT_VERSION,
            tool_version: "0.1.0".into(),
            target: TargetInfo {
                standard: None,
                name: "reference".into(),
                issuer: Some("http://127.0.0.1:9400".into()),
                flaws: vec![],
                quirks: vec![],
                warnings: vec![],
                insecure: false,
            },
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_ms: 1,
            trials: vec![],
            execution: None,
        }
    }

    #[test]
    fn a_rendered_report_loads_back() {
        let text = render(&minimal()).unwrap();
        let back = parse(&text, Path::new("r.json")).unwrap();
        assert_eq!(back.target.name, "reference");
        assert_eq!(back.format_version, FORMAT_VERSION);
    }

    #[test]
    fn another_version_is_refused_by_version() {
        let text = r#"{"format_version": 99, "something": "else"}"#;
        let err = parse(text, Path::new("r.json")).unwrap_err();
        assert!(
            matches!(err, ReportError::UnsupportedVersion { found: 99, .. }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "`r.json` has report format version 99, but this oauthcheck reads version 1"
        );
    }

    #[test]
    fn other_json_is_not_a_report() {
        for (text, says) in [
            ("[1, 2]", "not an object"),
            (r#"{"name": "x"}"#, "no `format_version`"),
            (r#"{"format_version": "1"}"#, "not a number"),
            ("<html>", "invalid JSON"),
            (r#"{"format_version": 1, "trials": []}"#, "missing field"),
        ] {
            let err = parse(text, Path::new("r.json")).unwrap_err();
            assert!(
                matches!(err, ReportError::NotAReport { .. }),
                "{text}: {err}"
            );
            assert!(err.to_string().contains(says), "{text}: {err}");
        }
    }
}
