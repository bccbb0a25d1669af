//! oauthcheck's integration tests: the suites against the reference server
//! (and each of its flaws and quirks), hostile targets, and the command
//! line.
//!
//! One test binary (one link, shared fixtures); each module owns one concern.

mod action;
mod cli;
mod client_jwt;
mod consent;
mod har;
mod harness_api;
mod hostile;
mod hostile_discovery;
mod quirks;
mod report_schema;
mod reports;
mod schedule;
mod selftest;
mod standards;
mod support;
mod transport;
mod visuals;
