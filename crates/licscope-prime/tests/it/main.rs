//! Integration tests of licscope-prime: one binary, one module per concern.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod api;
mod fixtures;
mod properties;

use licscope_prime::{Document, Error, LicenseInfo, Limits};

/// Decodes a fixture input by its extension: `.json` as JSON, anything else as XML.
pub(crate) fn decode_by_extension<'a>(
    path: &std::path::Path,
    input: &'a [u8],
) -> Result<Document<LicenseInfo<'a>>, Error> {
    if path.extension().is_some_and(|e| e == "json") {
        licscope_prime::decode_json_document(input, &Limits::default())
    } else {
        licscope_prime::decode_xml_document(input, &Limits::default())
    }
}
