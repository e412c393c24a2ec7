//! Raw bytes into the Automation 360 license-details decoder.
//!
//! Invariants beyond "no panic": an accepted document serializes and decodes back to the same
//! model; `decode` and `decode_response` agree; every error but the position-less kinds carries a
//! line and column.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_a360::{ErrorKind, Response, decode, decode_response};

fuzz_target!(|data: &[u8]| {
    match decode_response(data) {
        Ok(response) => {
            let bytes = serde_json::to_vec(&response).expect("a decoded model serializes");
            let again = decode_response(&bytes).expect("a serialized model decodes");
            assert_eq!(again, response);
            match (response, decode(data)) {
                (Response::License(l), Ok(d)) => assert_eq!(l, d),
                (Response::Error(_), Err(e)) => assert_eq!(e.kind(), ErrorKind::VendorError),
                (r, d) => panic!("decode_response gave {r:?}, decode gave {d:?}"),
            }
        }
        Err(e) => {
            let positionless = matches!(e.kind(), ErrorKind::Empty | ErrorKind::LimitExceeded);
            assert!(positionless || e.line().is_some(), "{e:?} has no position");
            assert_eq!(decode(data).err(), Some(e));
        }
    }
});
