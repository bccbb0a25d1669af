//! Suites: YAML files of scenarios. `load` turns files into the validated
//! model (`model`), collecting every error with its file:line:column.
//!
//! This module reads files and builds data; it never touches the network.
//! The work is split the way ripgrep splits its arguments, from a plain
//! low-level record to a validated high-level one:
//!
//! - `source` — the YAML's outline with byte ranges, and the slicing that
//!   lets each scenario be read on its own;
//! - `parse` — text → raw records (`raw`), schema errors → diagnostics;
//! - `validate` — raw records → [`model`], every semantic error reported;
//! - `template`, `matcher` — `${…}` templates and value matchers;
//! - `field` — paths into a step's result, resolved per result kind;
//! - `builtin`, `vocab` — the closed vocabularies (built-in variables,
//!   capabilities, timing names), each declared once.
//!
//! The format is documented for authors in `docs/suite-format.md`.

pub mod builtin;
pub mod field;
mod matcher;
pub mod model;
mod parse;
mod raw;
mod source;
mod template;
mod validate;
pub(crate) mod vocab;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod probe_tests;
#[cfg(test)]
mod tests;

pub use builtin::{
    BUILTIN_ROOTS, CLIENT_FIELDS, CLIENT_ROLES, ENDPOINTS, SCOPES, URI_PARTS, USER_FIELDS,
};
pub use field::{FieldPathError, ResultKind, Root, Shape};
pub use model::*;
pub(crate) use raw::{OneOrMany, Pairs};
pub use validate::{METHODS, TIMING_NAMES};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// Loads every `*.yaml`/`*.yml` under the given files or directories (sorted),
/// returning all suites, or every problem found in all of them.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Suite>, Vec<Diagnostic>> {
    let mut files: Vec<(PathBuf, Result<String, Diagnostic>)> = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        if path.is_dir() {
            match suite_files(path) {
                Ok(found) if found.is_empty() => diagnostics.push(Diagnostic::new(
                    path,
                    0,
                    0,
                    format!("no `*.yaml` or `*.yml` suite files in `{}`", path.display()),
                )),
                Ok(found) => files.extend(found.into_iter().map(|f| {
                    let text = read(&f);
                    (f, text)
                })),
                Err(e) => diagnostics.push(Diagnostic::new(
                    path,
                    0,
                    0,
                    format!("cannot read the directory: {e}"),
                )),
            }
        } else {
            let text = read(path);
            files.push((path.clone(), text));
        }
    }

    load_texts(files, diagnostics)
}

/// The suites compiled into the binary (`suites/*.yaml` at build time), for
/// runs outside a checkout.
pub fn load_embedded() -> Result<Vec<Suite>, Vec<Diagnostic>> {
    let files = embedded::EMBEDDED
        .iter()
        .map(|(path, text)| (PathBuf::from(path), Ok(text.to_string())))
        .collect();
    load_texts(files, Vec::new())
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_suites.rs"));
}

/// Loads read files (or the reasons they could not be read) as one set:
/// scenario ids are unique across all of them.
fn load_texts(
    files: Vec<(PathBuf, Result<String, Diagnostic>)>,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<Vec<Suite>, Vec<Diagnostic>> {
    let mut loaded = Vec::new();
    for (path, text) in &files {
        match text {
            Ok(text) => loaded.push(load_file(path, text)),
            Err(d) => diagnostics.push(d.clone()),
        }
    }

    let texts: HashMap<&Path, &str> = files
        .iter()
        .filter_map(|(p, t)| t.as_ref().ok().map(|t| (p.as_path(), t.as_str())))
        .collect();
    let mut suites = Vec::new();
    for file in loaded {
        diagnostics.extend(file.diagnostics);
        if let Some(suite) = file.suite {
            suites.push(suite);
        }
    }
    diagnostics.extend(duplicate_ids(&suites, &texts));
    // Files in the order given, each from top to bottom.
    let order: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_path(), i))
        .collect();
    diagnostics.sort_by_key(|d| {
        (
            order.get(d.file.as_path()).copied().unwrap_or(usize::MAX),
            d.line,
            d.column,
        )
    });

    if diagnostics.is_empty() {
        Ok(suites)
    } else {
        Err(diagnostics)
    }
}

/// Loads one suite from text (tests, and embedded suites).
pub fn load_str(path: &Path, text: &str) -> Result<Suite, Vec<Diagnostic>> {
    let file = load_file(path, text);
    let mut diagnostics = file.diagnostics;
    if let Some(suite) = &file.suite {
        let texts = HashMap::from([(path, text)]);
        diagnostics.extend(duplicate_ids(std::slice::from_ref(suite), &texts));
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    match file.suite {
        Some(suite) if diagnostics.is_empty() => Ok(suite),
        _ => Err(diagnostics),
    }
}

/// The `*.yaml`/`*.yml` files directly inside `dir`, sorted.
fn suite_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn read(path: &Path) -> Result<String, Diagnostic> {
    crate::diag::read_text(path, "suite")
}

/// One file's result: the suite holds the scenarios that validated.
struct LoadedFile {
    suite: Option<Suite>,
    diagnostics: Vec<Diagnostic>,
}

fn load_file(path: &Path, text: &str) -> LoadedFile {
    let raw = parse::parse(path, text);
    let mut validator = validate::Validator::new(path, text);
    let name = raw.suite.as_ref().and_then(|n| validator.suite_name(n));
    if let Some(at) = raw.scenarios_at
        && raw.scenarios.is_empty()
        && raw.diagnostics.is_empty()
    {
        validator.scenario_count(0, at);
    }
    let scenarios: Vec<Scenario> = raw
        .scenarios
        .iter()
        .filter_map(|(s, shift)| validator.scenario(s, *shift))
        .collect();
    let mut diagnostics = raw.diagnostics;
    diagnostics.extend(validator.diagnostics);
    LoadedFile {
        suite: name.map(|name| Suite {
            name,
            path: path.to_path_buf(),
            scenarios,
        }),
        diagnostics,
    }
}

/// A diagnostic at the second (and later) use of each scenario id.
fn duplicate_ids(suites: &[Suite], texts: &HashMap<&Path, &str>) -> Vec<Diagnostic> {
    let mut first: HashMap<&str, &Location> = HashMap::new();
    let mut diagnostics = Vec::new();
    for scenario in suites.iter().flat_map(|s| &s.scenarios) {
        match first.get(scenario.id.as_str()) {
            None => {
                first.insert(&scenario.id, &scenario.location);
            }
            Some(original) => {
                let place = &scenario.location;
                let mut d = Diagnostic::new(
                    &place.file,
                    place.line,
                    place.column,
                    format!(
                        "duplicate scenario id `{}`, first used at {original}",
                        scenario.id
                    ),
                )
                .with_hint(
                    "scenario ids are unique across all suites: reports and baselines key on them",
                );
                if let Some(text) = texts.get(place.file.as_path()) {
                    d = d.with_source(text);
                }
                diagnostics.push(d);
            }
        }
    }
    diagnostics
}

/// A serde-saphyr error in any user YAML file (suites, target profiles) as
/// a diagnostic at its place, with "did you mean" for unknown keys.
pub fn yaml_diagnostic(file: &Path, text: &str, err: &serde_saphyr::Error) -> Diagnostic {
    parse::diagnostic(file, text, None, err, source::Shift::default())
}
