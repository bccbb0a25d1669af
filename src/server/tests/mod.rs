//! End-to-end tests of the reference server, driven by hand over loopback
//! HTTP (reqwest + scraper), never through the harness.

mod back_channel;
mod bad_input;
mod client;
mod consent_quirks;
mod flaws;
mod flaws_back;
mod front_channel;
mod happy_path;
mod lifecycle;
mod quirks;
mod registration;
