//! Raw bytes into the Prime XML decoder.
//!
//! Invariants beyond "no panic": an accepted document re-encodes, as XML and as JSON, to
//! documents that decode back to the same model; every error but an empty input has a position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_prime::{
    Document, ErrorKind, LicenseInfo, Limits, decode_json_document, decode_xml_document,
};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    match decode_xml_document::<LicenseInfo<'_>>(data, &limits) {
        Ok(Document::Response(r)) => {
            // A name may hold a character XML 1.0 cannot carry only if the input did, which the
            // decoder would have refused; so encoding must succeed.
            let xml = licscope_prime::to_xml(&r).expect("a decoded model is XML-safe");
            let again = decode_xml_document::<LicenseInfo<'_>>(xml.as_bytes(), &limits);
            assert_eq!(again.ok(), Some(Document::Response(r.clone())), "{xml}");
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
