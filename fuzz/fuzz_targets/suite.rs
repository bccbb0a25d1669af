//! Fuzz target: the suite loader (YAML → validated model) must not panic, hang or
//! allocate without bound on any input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauthcheck::fuzz::suite(data));
