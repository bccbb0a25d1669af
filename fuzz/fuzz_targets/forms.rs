//! Fuzz target: the HTML form scraper the agent reads login and consent pages with must not panic, hang or
//! allocate without bound on any input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauthcheck::fuzz::forms(data));
