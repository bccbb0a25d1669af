//! Running oauthcheck as a `harness = false` test of your own project.
//!
//! In your Cargo.toml:
//!
//! ```toml
//! [[test]]
//! name = "oauth_conformance"
//! harness = false
//! ```
//!
//! and in `tests/oauth_conformance.rs` the body of `main` below. Then
//! `cargo test --test oauth_conformance -- redirect.` runs the redirect
//! scenarios against the server your profile names, with libtest's output,
//! filters and exit code. This example runs them against the embedded
//! reference server: `cargo run --example ci_harness -- --list`.

use std::path::PathBuf;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let suites = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites")];
    // `Some(Path::new("fixtures/targets/my-as.yaml"))` to test your own server.
    oauthcheck::harness::run_tests(&suites, None, &args).exit();
}
