//! Fuzz target: the target-profile loader must not panic, hang or
//! allocate without bound on any input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauthcheck::fuzz::profile(data));
