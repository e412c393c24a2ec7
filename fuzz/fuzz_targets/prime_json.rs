//! Raw bytes into the Prime JSON decoder.
//!
//! Invariants beyond "no panic": an accepted document re-encodes to JSON that decodes back to
//! the same model; every error but an empty input has a position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_prime::{Document, ErrorKind, LicenseInfo, Limits, decode_json_document};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    match decode_json_document::<LicenseInfo<'_>>(data, &limits) {
        Ok(Document::Response(r)) => {
            let json = licscope_prime::to_json(&r);
            let again = decode_json_document::<LicenseInfo<'_>>(json.as_bytes(), &limits);
            assert_eq!(again.ok(), Some(Document::Response(r)), "{json}");
        }
        Ok(_) => {}
        Err(e) => {
            let positionless = matches!(e.kind(), ErrorKind::Empty | ErrorKind::LimitExceeded);
            assert!(positionless || e.line().is_some(), "{e:?} has no position");
        }
    }
});
