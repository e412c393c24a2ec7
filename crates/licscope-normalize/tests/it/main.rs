//! Integration tests of licscope-normalize: one binary, one module per concern.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod corpus;
mod detection;
mod properties;
mod rules;
mod schema;

use licscope_syntax::parse_rfc3339;
use time::OffsetDateTime;

pub(crate) fn at(s: &str) -> OffsetDateTime {
    parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}
