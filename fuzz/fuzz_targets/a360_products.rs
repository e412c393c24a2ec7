//! Raw bytes into the Automation 360 product-list decoder.
//!
//! Invariants beyond "no panic": an accepted document is JSON that serde_json reads too, with
//! as many products; it serializes and decodes back to the same model; `decode_products` agrees
//! with `decode_products_response_with`; every error but the position-less kinds carries a line
//! and column.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_a360::{
    ErrorKind, ProductsResponse, decode_products, decode_products_response_with, default_limits,
};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    match decode_products_response_with(data, &default_limits()) {
        Ok(response) => {
            // A UTF-8 byte-order mark is accepted, as the details decoder accepts it (fixture
            // a360/products/valid/byte-order-mark.json); serde_json reads what follows it.
            let json = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
            let value: Value = match serde_json::from_slice(json) {
                Ok(v) => v,
                // serde_json's recursion limit is its own, and it refuses numbers beyond f64's
                // range, which the JSON grammar allows and licscope skips in values it does not
                // read (as in a360_differential).
                Err(e) if e.to_string().contains("recursion limit") => return,
                Err(e) if e.to_string().contains("number out of range") => return,
                Err(e) => panic!("licscope accepted what serde_json refuses: {e}"),
            };
            let bytes = serde_json::to_vec(&response).expect("a decoded model serializes");
            let again =
                decode_products_response_with(&bytes, &default_limits()).expect("decodes back");
            assert_eq!(again, response);
            match (&response, decode_products(data)) {
                (ProductsResponse::Products(list), Ok(d)) => {
                    assert_eq!(list, &d);
                    let products = value.get("products").and_then(Value::as_array);
                    assert_eq!(list.products.len(), products.map_or(0, Vec::len));
                }
                (ProductsResponse::Error(_), Err(e)) => {
                    assert_eq!(e.kind(), ErrorKind::VendorError)
                }
                (r, d) => panic!("the response was {r:?}, decode_products gave {d:?}"),
            }
        }
        Err(e) => {
            let positionless = matches!(e.kind(), ErrorKind::Empty | ErrorKind::LimitExceeded);
            assert!(positionless || e.line().is_some(), "{e:?} has no position");
            assert_eq!(decode_products(data).err(), Some(e));
        }
    }
});
