//! Reference authorization server (work in progress).
