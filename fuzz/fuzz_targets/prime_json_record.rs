//! Raw bytes as one Prime record object: `decode_json_record` (how a stored record and a
//! normalized record's `vendor` are read back) against the same bytes as the one record of a
//! document, read by `decode_json`.
//!
//! Invariants: whatever `decode_json_record` accepts, the document holding it decodes to that
//! one record; when the bytes are one JSON object (so that the document around them is the
//! document of that record), both accept alike or refuse with the same kind, the same message
//! (the envelope's part of the path taken off) and the same place (a byte-order mark opening the
//! bytes is left out of the document). Limits are left out of the
//! comparison (the envelope nests two levels deeper).
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_prime::{ErrorKind, LicenseInfo, Limits, decode_json, decode_json_record};

const PREFIX: &str = r#"{"mgmtResponse": {"licenseInfoDTO": "#;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let alone = decode_json_record::<LicenseInfo<'_>>(data, &limits);
    // A byte-order mark may open a document, not stand inside one: the document gets the
    // record without it, and offsets differ by its length.
    let bom = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut wrapped = PREFIX.as_bytes().to_vec();
    wrapped.extend_from_slice(&data[bom..]);
    wrapped.extend_from_slice(b"}}");
    let in_document = decode_json(&wrapped).map(|r| r.records);
    if let Ok(record) = &alone {
        assert_eq!(
            in_document.as_ref().ok(),
            Some(&vec![record.clone()]),
            "{}",
            String::from_utf8_lossy(data)
        );
    }
    let one_object = std::str::from_utf8(data).is_ok_and(|s| s.trim_start().starts_with('{'))
        && serde_json::from_slice::<serde_json::Value>(data).is_ok();
    if !one_object {
        return;
    }
    match (&in_document, &alone) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => {
            if a.kind() == ErrorKind::LimitExceeded || b.kind() == ErrorKind::LimitExceeded {
                return;
            }
            assert_eq!(a.kind(), b.kind(), "{a:?} / {b:?}");
            assert_eq!(a.reason(), b.reason(), "{a:?} / {b:?}");
            // The same path less the envelope's part; a key named "" leaves no path alone.
            let path = a.path().map(|p| {
                let rest = p.strip_prefix("mgmtResponse.licenseInfoDTO").unwrap_or(p);
                rest.strip_prefix('.').unwrap_or(rest)
            });
            assert_eq!(path.filter(|p| !p.is_empty()), b.path(), "{a:?} / {b:?}");
            assert_eq!(
                a.offset(),
                b.offset().map(|o| o + PREFIX.len() as u64 - bom as u64),
                "{a:?} / {b:?}"
            );
        }
        _ => panic!(
            "{in_document:?} and {alone:?} differ for {}",
            String::from_utf8_lossy(data)
        ),
    }
});
