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
            // Sorting only: the loaders report a file that is not UTF-8 at its
            // first bad byte.
            match std::fs::read(&file).map(|b| String::from_utf8_lossy(&b).into_owned()) {
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
    )?;
    Ok(exit::OK)
}

/// A suite file has a top-level `suite:` or `scenarios:` key, or one spelt
/// close to them in a file without `clients:` (so the suite loader, not the
/// profile loader, reports the typo); anything else is a profile.
fn is_suite(text: &str) -> bool {
    const SUITE_KEYS: [&str; 2] = ["suite", "scenarios"];
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']))
        .filter_map(|l| l.split_once(':').map(|(key, _)| key.trim()))
        .collect();
    keys.iter().any(|k| SUITE_KEYS.contains(k))
        || (!keys.contains(&"clients")
            && keys
                .iter()
                .any(|k| crate::diag::did_you_mean(k, SUITE_KEYS).is_some()))
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

#[cfg(test)]
mod tests {
    use super::is_suite;

    #[test]
    fn a_misspelled_suite_key_is_still_a_suite() {
        assert!(is_suite("suite: x\nscenarios: []\n"));
        assert!(is_suite("siute: x\nscenarios: []\n"));
        assert!(is_suite("suit: x\nscenaros: []\n"));
        assert!(!is_suite("name: demo\nclients:\n  main: {}\n"));
        // A profile with a typo near `suite` is still a profile.
        assert!(!is_suite("name: demo\nsuit: 1\nclients: {}\n"));
    }
}
