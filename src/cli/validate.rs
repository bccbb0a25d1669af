//! `oauthcheck validate`: checks suites and target profiles offline and
//! prints every problem as `file:line:column: message`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, exit};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Suite files, profile files, or directories of them [default: suites/].
    paths: Vec<PathBuf>,
}

pub fn validate(args: ValidateArgs) -> Result<u8, CliError> {
    let paths = if args.paths.is_empty() {
        vec![super::default_suites()]
    } else {
        args.paths
    };
    let mut suites = Vec::new();
    let mut profiles = Vec::new();
    for path in &paths {
        for file in yaml_files(path)? {
            match std::fs::read_to_string(&file) {
                Ok(text) if is_suite(&text) => suites.push(file),
                Ok(_) => profiles.push(file),
                Err(e) => {
                    return Err(CliError::usage(
                        format!("cannot read `{}`: {e}", file.display()),
                        None,
                    ));
                }
            }
        }
    }
    let mut problems = 0;
    let mut scenarios = 0;
    if !suites.is_empty() {
        match crate::suite::load(&suites) {
            Ok(loaded) => scenarios = loaded.iter().map(|s| s.scenarios.len()).sum(),
            Err(diagnostics) => {
                for d in &diagnostics {
                    errln!("{d}\n");
                }
                problems += diagnostics.len();
            }
        }
    }
    for file in &profiles {
        if let Err(e) = crate::target::check_profile(file) {
            errln!("{e}\n");
            problems += 1;
        }
    }
    if problems > 0 {
        errln!("{problems} problem(s) found");
        return Ok(exit::USAGE);
    }
    outln!(
        "ok: {} suite file(s) with {scenarios} scenario(s), {} profile(s)",
        suites.len(),
        profiles.len()
    );
    Ok(exit::OK)
}

/// A suite file has a top-level `suite:` key; anything else is a profile.
fn is_suite(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("suite:"))
}

fn yaml_files(path: &Path) -> Result<Vec<PathBuf>, CliError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| CliError::usage(format!("cannot read `{}`: {e}", path.display()), None))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}
