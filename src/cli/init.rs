//! `oauthcheck init --issuer URL`: writes a starter target profile from the
//! issuer's discovery document.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{CliError, exit};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The authorization server's issuer identifier (discovery is fetched from it).
    #[arg(long, value_name = "URL")]
    issuer: String,
    /// Write the profile here instead of stdout (refuses to overwrite).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn init(args: InitArgs) -> Result<u8, CliError> {
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| CliError::usage(e.to_string(), None))?;
    let metadata = runtime
        .block_on(crate::target::fetch_metadata(
            &args.issuer,
            Duration::from_secs(10),
        ))
        .map_err(|e| {
            CliError::usage(
                e.to_string(),
                Some("is the issuer URL right, and is the server running?"),
            )
        })?;
    let text = crate::target::starter_profile(&args.issuer, &metadata);
    match &args.output {
        None => print!("{text}"),
        Some(path) => {
            if path.exists() {
                return Err(CliError::usage(
                    format!("`{}` already exists", path.display()),
                    Some("choose another `--output` or remove the file"),
                ));
            }
            std::fs::write(path, text).map_err(|e| {
                CliError::usage(format!("cannot write `{}`: {e}", path.display()), None)
            })?;
            eprintln!(
                "wrote {}; fill in the clients and the user, then `oauthcheck run --target {}`",
                path.display(),
                path.display()
            );
        }
    }
    Ok(exit::OK)
}
