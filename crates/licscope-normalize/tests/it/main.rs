//! Integration tests of licscope-normalize: one binary, one module per concern.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod corpus;
mod detection;
mod properties;
mod rules;
mod schema;
mod seats;

use licscope_syntax::parse_rfc3339;
use time::OffsetDateTime;

/// The record's fields in the contract's order (schema version 1).
pub(crate) const RECORD_FIELDS: [&str; 11] = [
    "source",
    "origin",
    "feature",
    "status",
    "severity",
    "expires_at",
    "days_to_expiry",
    "usage",
    "flags",
    "vendor",
    "as_of",
];

pub(crate) fn at(s: &str) -> OffsetDateTime {
    parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}
