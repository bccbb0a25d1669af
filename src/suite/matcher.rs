//! Matchers: the value tests of `expect`/`check` maps (`present`, `absent`,
//! a plain value, or a one-key map such as `{ regex: "^[A-Za-z0-9_-]{43}$" }`).
//!
//! The raw form is read by a hand-written visitor that accepts any shape and
//! records it, so a malformed matcher becomes a precise diagnostic from the
//! validator instead of stopping the whole scenario at the first serde error.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::suite::raw::{S, number_text};

/// The one-key forms, for messages.
pub(crate) const MATCHER_KEYS: &[&str] = &[
    "equals",
    "not",
    "one_of",
    "contains",
    "not_contains",
    "regex",
    "at_least",
    "at_most",
    "present",
    "absent",
];

/// A matcher as written.
#[derive(Debug)]
pub(crate) enum RawMatcher {
    /// A string: `present`, `absent`, or a value to equal (a template).
    Text(String),
    /// A number or boolean: equal to its JSON text.
    Literal(String),
    /// A map; the validator wants exactly one known key.
    Map(Vec<(S<String>, S<MatcherArg>)>),
    /// `~` or nothing.
    Null,
    /// A list (not a matcher).
    List,
}

/// The value of a one-key matcher map.
#[derive(Debug)]
pub(crate) enum MatcherArg {
    Text(String),
    /// Numbers as their text.
    Literal(String),
    Bool(bool),
    List(Vec<S<String>>),
    Null,
    Map,
}

impl<'de> Deserialize<'de> for RawMatcher {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MatcherVisitor;

        impl<'de> Visitor<'de> for MatcherVisitor {
            type Value = RawMatcher;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a matcher")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Text(v.to_string()))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Literal(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Literal(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Literal(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Literal(number_text(v)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Null)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawMatcher, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawMatcher::List)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMatcher, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawMatcher::Map(entries))
            }
        }

        deserializer.deserialize_any(MatcherVisitor)
    }
}

impl<'de> Deserialize<'de> for MatcherArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArgVisitor;

        impl<'de> Visitor<'de> for ArgVisitor {
            type Value = MatcherArg;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a matcher argument")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Text(v.to_string()))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Bool(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Literal(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Literal(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Literal(number_text(v)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<MatcherArg, E> {
                Ok(MatcherArg::Null)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MatcherArg, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(MatcherArg::List(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MatcherArg, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MatcherArg::Map)
            }
        }

        deserializer.deserialize_any(ArgVisitor)
    }
}

impl MatcherArg {
    /// "a list", "a map", … for "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            MatcherArg::Text(_) => "a string",
            MatcherArg::Literal(_) => "a number",
            MatcherArg::Bool(_) => "a boolean",
            MatcherArg::List(_) => "a list",
            MatcherArg::Null => "nothing",
            MatcherArg::Map => "a map",
        }
    }
}

/// Why a regular expression does not compile: the regex crate's
/// explanation, on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct RegexError(pub String);

/// Checks a regular expression the way the runner will compile it.
pub(crate) fn check_regex(pattern: &str) -> Result<(), RegexError> {
    match regex::Regex::new(pattern) {
        Ok(_) => Ok(()),
        Err(regex::Error::Syntax(text)) => Err(RegexError(
            text.lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .map(|l| l.trim_start_matches("error:").trim().to_string())
                .unwrap_or(text),
        )),
        Err(other) => Err(RegexError(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_errors_are_one_line() {
        assert!(check_regex("^[A-Za-z0-9_-]{43}$").is_ok());
        assert_eq!(check_regex("a(b").unwrap_err().0, "unclosed group");
        assert_eq!(
            check_regex("[z-a]").unwrap_err().0,
            "invalid character class range, the start must be <= the end"
        );
    }
}
