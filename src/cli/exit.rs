//! Exit codes: documented constants, one meaning each (README "Exit codes").

/// Nothing failed or errored (warnings and skips allowed).
pub const OK: u8 = 0;
/// At least one MUST check failed.
pub const FAILED: u8 = 1;
/// Usage error, or a suite/profile that does not load.
pub const USAGE: u8 = 2;
/// No check failed, but some trials ended in `error` (the harness could not
/// reach the point of the test), so the run proves less than it claims.
pub const ERRORED: u8 = 3;
/// The output could not be produced: a report, a baseline or stdout could
/// not be written, a renderer failed, or the runtime would not start. Not
/// the user's input (2) and not the target (1, 3): the environment.
pub const OUTPUT: u8 = 4;

/// The exit code for a finished run. A failure outranks an error: it is a
/// finding about the server, which is what the run is for.
pub fn for_totals(totals: &crate::report::Totals) -> u8 {
    if totals.failed > 0 {
        FAILED
    } else if totals.errored > 0 {
        ERRORED
    } else {
        OK
    }
}
