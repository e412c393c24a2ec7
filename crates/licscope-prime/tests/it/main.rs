//! Integration tests of licscope-prime: one binary, one module per concern.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod api;
mod fixtures;
mod properties;

use licscope_prime::{Document, Error, LicenseInfo, Limits, XmlStream};

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

/// Whether two decoders' errors for `input` may differ: both at the start of the same event,
/// and that event holds invalid UTF-8 (a stream checks it event by event, so that quick-xml may
/// find it or first another error in that event) or is a DOCTYPE (quick-xml scans a malformed
/// one differently depending on where its buffer ends, `fuzz-doctype-buffer-boundary`; licscope
/// refuses every DOCTYPE anyway).
pub(crate) fn same_event_allowed(input: &[u8], a: &Error, b: &Error) -> bool {
    let at = a
        .offset()
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(usize::MAX);
    let doctype = input
        .get(at..)
        .and_then(|rest| rest.get(..9))
        .is_some_and(|head| head.eq_ignore_ascii_case(b"<!DOCTYPE"));
    a.offset() == b.offset()
        && (doctype || [a.kind(), b.kind()].contains(&licscope_prime::ErrorKind::Encoding))
}

/// Streams an XML input twice and returns the records, or the error: through a 7-byte buffer,
/// where no record fits and every event goes through quick-xml, and from one buffer holding the
/// whole input, where records in Prime's plain layout take the fast path. The two must agree
/// (see [`same_event_allowed`]); with the whole-document decoder (which takes the fast path)
/// they check both paths.
pub(crate) fn stream(input: &[u8]) -> Result<Vec<LicenseInfo<'static>>, Error> {
    let collect = |r: &mut dyn std::io::BufRead| -> Result<Vec<LicenseInfo<'static>>, Error> {
        XmlStream::<_, LicenseInfo<'static>>::new(r)?.collect()
    };
    let events = collect(&mut std::io::BufReader::with_capacity(7, input));
    let fast = collect(&mut &input[..]);
    match (&events, &fast) {
        (Err(a), Err(b)) if same_event_allowed(input, a, b) => {}
        _ => assert_eq!(
            events,
            fast,
            "the stream's fast path disagrees with its events on {}",
            String::from_utf8_lossy(input)
        ),
    }
    events
}
