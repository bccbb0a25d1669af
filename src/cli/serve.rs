//! `oauthcheck serve`: the reference server standalone. Prints its issuer
//! on the first line of stdout and runs until interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, exit};
use crate::server::{self, Flaw, Quirk};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1 on a free port].
    #[arg(long, value_name = "ADDR")]
    addr: Option<SocketAddr>,
    /// Server configuration (YAML); built-in defaults otherwise.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Break one requirement on purpose (repeatable).
    #[arg(long = "flaw", value_name = "ID")]
    flaws: Vec<String>,
    /// Print every flaw as `ID<TAB>what the server then does wrong`, and exit.
    #[arg(long)]
    list_flaws: bool,
    /// Vary a behaviour within what the specifications allow (repeatable).
    #[arg(long = "quirk", value_name = "ID")]
    quirks: Vec<String>,
    /// Print every quirk as `ID<TAB>what the server then does`, and exit.
    #[arg(long)]
    list_quirks: bool,
    /// Serve HTTPS with a certificate generated at start (its CA is written
    /// to `--ca-out`, for the harness's `--cacert`).
    #[arg(long)]
    tls: bool,
    /// Where `--tls` writes the CA certificate (PEM) [default:
    /// oauthcheck-reference-ca.pem in the current directory].
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Simulate a slow password hash: every login and token call holds one
    /// of `--hash-cores` workers this long (e.g. `300ms`), as a CPU-bound
    /// server does. For benchmarks.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    hash_cost: Option<std::time::Duration>,
    /// Workers for `--hash-cost` (the simulated server's cores).
    #[arg(long, value_name = "N", requires = "hash_cost")]
    hash_cores: Option<usize>,
}

/// Where `serve --tls` writes the CA certificate when not told.
const DEFAULT_CA_OUT: &str = "oauthcheck-reference-ca.pem";

pub fn serve(args: ServeArgs) -> Result<u8, CliError> {
    if args.list_flaws {
        for flaw in Flaw::ALL {
            outln!("{}\t{}", flaw.id(), flaw.description())?;
        }
        return Ok(exit::OK);
    }
    if args.list_quirks {
        for quirk in Quirk::ALL {
            outln!("{}\t{}", quirk.id(), quirk.description())?;
        }
        return Ok(exit::OK);
    }
    let flaws: Vec<Flaw> = super::parse_switches(&args.flaws)?;
    let quirks: Vec<Quirk> = super::parse_switches(&args.quirks)?;
    let mut config = match &args.config {
        Some(path) => server::Config::from_yaml_file(path)
            .map_err(|e| CliError::usage(e.to_string(), None))?,
        None => server::Config::default(),
    };
    if args.addr.is_some() {
        config.addr = args.addr;
    }
    if args.tls || args.ca_out.is_some() {
        config.tls.enabled = true;
    }
    if let Some(path) = args.ca_out {
        config.tls.ca_out = Some(path);
    }
    if config.tls.enabled && config.tls.ca_out.is_none() {
        config.tls.ca_out = Some(PathBuf::from(DEFAULT_CA_OUT));
    }
    config.flaws.extend(flaws);
    config.quirks.extend(quirks);
    if let Some(cost) = args.hash_cost {
        config.hashing.cost = cost;
    }
    if let Some(cores) = args.hash_cores {
        config.hashing.cores = cores;
    }
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| CliError::output(e.to_string(), None))?;
    runtime
        .block_on(server::serve_until_interrupted(config))
        .map_err(server_error)?;
    Ok(exit::OK)
}

/// The exit code of a server that would not start or stopped: the config
/// and the address are the user's input (2); a stdout that cannot take the
/// issuer line, or keys that do not load, are the environment's (4).
fn server_error(e: server::ServerError) -> CliError {
    use server::ServerError as E;
    match e {
        E::Bind { .. } => CliError::usage(e.to_string(), Some("is the address free?")),
        E::ReadConfig { .. } | E::ParseConfig { .. } | E::InvalidConfig(_) => {
            CliError::usage(e.to_string(), None)
        }
        // A certificate that cannot be made, or a --ca-out path that cannot be written.
        E::Tls(_) | E::Keys(_) | E::Serve(_) => CliError::output(e.to_string(), None),
    }
}
