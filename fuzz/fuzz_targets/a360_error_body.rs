//! Raw bytes into the Automation 360 response decoder, checking the Control Room error body:
//! an error body serializes and decodes back to itself, and `decode` reports it as a vendor error
//! that quotes the code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_a360::{ErrorKind, Response, decode, decode_response};

fuzz_target!(|data: &[u8]| {
    if let Ok(Response::Error(api)) = decode_response(data) {
        let bytes = serde_json::to_vec(&api).expect("an error body serializes");
        match decode_response(&bytes) {
            Ok(Response::Error(again)) => assert_eq!(again, api),
            other => panic!("{api:?} read back as {other:?}"),
        }
        let e = decode(data).expect_err("an error body is not license details");
        assert_eq!(e.kind(), ErrorKind::VendorError);
        assert!(e.reason().contains(&api.code), "{e}");
    }
});
