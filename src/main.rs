//! The `oauthcheck` binary: a thin wrapper; everything is in the library.

fn main() -> std::process::ExitCode {
    oauthcheck::cli::main()
}
