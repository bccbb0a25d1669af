//! The suite's closed vocabularies are declared with `vocabulary!`, which
//! lives in `oauth::vocab` so the reference server can declare the OAuth
//! names it shares with the harness the same way.

pub(crate) use crate::oauth::vocab::vocabulary;
