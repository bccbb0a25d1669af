//! `oauthcheck init --issuer URL`: writes a starter target profile from the
//! issuer's discovery metadata (both well-known documents, merged), and says
//! what it could not infer.

use std::path::PathBuf;

use clap::Args;

use super::run::TransportArgs;
use super::{CliError, exit};
use crate::agent::ProxyUrl;
use crate::target::{Limits, StarterClients, StarterTransport};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The authorization server's issuer identifier (discovery is fetched from it).
    #[arg(long, value_name = "URL")]
    issuer: String,
    /// Write the profile here instead of stdout (refuses to overwrite).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The id of the confidential client the harness acts as.
    #[arg(long, value_name = "ID")]
    client: Option<String>,
    /// A second confidential client's id (declares `second_client`).
    #[arg(long, value_name = "ID")]
    other_client: Option<String>,
    /// A public client's id (declares `public_client`).
    #[arg(long, value_name = "ID")]
    public_client: Option<String>,
    /// How to reach the server (private CA, proxy); the profile keeps them.
    #[command(flatten)]
    transport: TransportArgs,
}

pub fn init(args: InitArgs) -> Result<u8, CliError> {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::output(format!("cannot start the async runtime: {e}"), None))?;
    let mut limits = Limits::default();
    args.transport.resolve()?.merge_into(&mut limits.transport);
    let metadata = runtime
        .block_on(crate::target::fetch_metadata(&args.issuer, &limits))
        .map_err(|e| CliError {
            message: e.to_string(),
            hint: Some("is the issuer URL right, and is the server running?".into()),
            code: exit::ERRORED,
        })?;
    let clients = StarterClients {
        main: args.client,
        other: args.other_client,
        public: args.public_client,
    };
    // The profile resolves `ca_file` against its own directory, the flag
    // against the working directory: an absolute path means the same to both.
    let proxy = (args.transport.proxy.as_deref()).and_then(|p| ProxyUrl::parse(p).ok());
    let transport = StarterTransport {
        ca_files: (args.transport.cacert.iter())
            .map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone()))
            .map(|path| path.display().to_string())
            .collect(),
        proxy: proxy.as_ref().map(ProxyUrl::shown),
        proxy_credentials_left_out: proxy.is_some_and(|p| p.basic_credentials().is_some()),
        insecure: args.transport.insecure,
    };
    let starter = crate::target::starter_profile(&args.issuer, &metadata, &clients, &transport);
    match &args.output {
        None => super::out(&starter.text)?,
        Some(path) => {
            if path.exists() {
                return Err(CliError::usage(
                    format!("`{}` already exists", path.display()),
                    Some("choose another `--output` or remove the file"),
                ));
            }
            std::fs::write(path, &starter.text).map_err(|e| {
                CliError::output(format!("cannot write `{}`: {e}", path.display()), None)
            })?;
            let mut note = format!(
                "wrote {} (profile `{}`); not inferred, check by hand:\n",
                path.display(),
                starter.name
            );
            for line in &starter.not_inferred {
                note.push_str(&format!("  - {line}\n"));
            }
            note.push_str(&format!(
                "then fill in the clients and the user, and `oauthcheck run --target {}`\n",
                path.display()
            ));
            super::err(&note);
        }
    }
    Ok(exit::OK)
}
