//! End-to-end tests of the reference server over loopback HTTP.
