//! Integration tests of licscope-a360: one binary, one module per concern.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod fixtures;
mod limits;
mod products;
mod properties;
mod validation;
