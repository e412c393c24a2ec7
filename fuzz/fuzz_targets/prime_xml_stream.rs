//! Raw bytes into the streaming Prime XML decoder, read through a tiny buffer so that every
//! event crosses buffer boundaries (and no record fits for the fast path); it must agree with
//! the whole-document decoder, and so must a stream whose buffer holds the whole input (where
//! records take the fast path).
#![no_main]

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use licscope_prime::{Error, ErrorKind, LicenseInfo, XmlStream, decode_xml};

fuzz_target!(|data: &[u8]| {
    let reader = BufReader::with_capacity(7, data);
    let streamed: Result<Vec<LicenseInfo<'static>>, _> =
        XmlStream::new(reader).and_then(|s| s.collect());
    let whole = decode_xml(data).map(|r| r.records);
    let in_one_buffer: Result<Vec<LicenseInfo<'static>>, _> =
        XmlStream::new(data).and_then(|s| s.collect());
    match (&streamed, &in_one_buffer) {
        (Err(a), Err(b)) if same_event_allowed(data, a, b) => {}
        _ => assert_eq!(streamed, in_one_buffer, "the stream's fast path disagrees"),
    }
    match (&streamed, &whole) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) if a == b => {}
        // A stream cannot check UTF-8 up front: it reports it at the start of the event that
        // holds the bad byte, or finds another error before it.
        (Err(a), Err(b)) if b.kind() == ErrorKind::Encoding && a.offset() <= b.offset() => {}
        (Err(a), Err(b)) if same_event_allowed(data, a, b) => {}
        // The input-size limit applies to whole documents only.
        (Ok(_), Err(b)) if b.kind() == ErrorKind::LimitExceeded => {}
        _ => panic!("stream {streamed:?} and whole document {whole:?} disagree"),
    }
});

/// Whether two errors may differ: both at the start of the same event, and that event holds
/// invalid UTF-8 (quick-xml may find it, or first another error in that event, depending on
/// what its buffer holds) or is a DOCTYPE (quick-xml scans a malformed one differently
/// depending on where its buffer ends: prime/invalid/fuzz-doctype-buffer-boundary; licscope
/// refuses every DOCTYPE anyway). The same rule as the integration tests' helper.
fn same_event_allowed(data: &[u8], a: &Error, b: &Error) -> bool {
    let at = a
        .offset()
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(usize::MAX);
    let doctype = data
        .get(at..)
        .and_then(|rest| rest.get(..9))
        .is_some_and(|head| head.eq_ignore_ascii_case(b"<!DOCTYPE"));
    a.offset() == b.offset() && (doctype || [a.kind(), b.kind()].contains(&ErrorKind::Encoding))
}
