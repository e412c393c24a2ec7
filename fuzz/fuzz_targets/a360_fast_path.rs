//! The Automation 360 fast path against the general decoder forced on the same bytes: the public
//! decoder (fast path first) gives exactly the general decoder's answer, errors included, and
//! whatever `decode_plain` accepts, the general decoder decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_a360::{
    Response, decode_plain, decode_response_general, decode_response_with, default_limits,
};

fuzz_target!(|data: &[u8]| {
    let limits = default_limits();
    let general = decode_response_general(data, &limits);
    assert_eq!(decode_response_with(data, &limits), general);
    if let Some(plain) = decode_plain(data) {
        assert_eq!(Ok(Response::License(plain)), general);
    }
});
