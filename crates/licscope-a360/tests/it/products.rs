//! The product list (`POST /v2/license/product/list`): every case of `fixtures/a360/products/`
//! against its hand-written expectation, the error body, and arbitrary documents.

use licscope_a360::{
    ErrorKind, ProductsResponse, decode_products, decode_products_response_with, default_limits,
};
use licscope_fixtures::{Outcome, cases};
use proptest::prelude::*;
use serde_json::Value;

#[test]
fn valid_product_lists_decode_to_their_expected_model() {
    let cases = cases("a360/products", Outcome::Valid);
    assert!(cases.len() >= 5, "only {} valid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let list = match decode_products(&case.input) {
            Ok(list) => list,
            Err(e) => {
                failures.push(format!("{}: {e}", case.name));
                continue;
            }
        };
        let got = serde_json::to_value(&list).expect("the model serializes");
        let expected: Value =
            serde_json::from_str(case.expected.as_deref().unwrap_or("")).expect("expected JSON");
        if got != expected {
            failures.push(format!(
                "{}:\n  got      {got}\n  expected {expected}",
                case.name
            ));
            continue;
        }
        // The serialized model decodes back to the same model.
        let bytes = serde_json::to_vec(&list).expect("the model serializes");
        match decode_products(&bytes) {
            Ok(again) if again == list => {}
            other => failures.push(format!("{}: round trip gave {other:?}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_product_lists_fail_with_their_expected_error() {
    let cases = cases("a360/products", Outcome::Invalid);
    assert!(cases.len() >= 6, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let err = match decode_products(&case.input) {
            Ok(r) => {
                failures.push(format!("{}: accepted as {r:?}", case.name));
                continue;
            }
            Err(e) => e,
        };
        if let Err(problem) = case.expected_error().check(
            err.kind().as_str(),
            err.line(),
            err.column(),
            err.path(),
            &err.to_string(),
        ) {
            failures.push(format!("{}: {problem}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_error_body_is_a_value_or_a_vendor_error() {
    let body = br#"{"code": "UM1117", "details": null, "message": "Access token expected in the 'X-Authorization' header"}"#;
    match decode_products_response_with(body, &default_limits()) {
        Ok(ProductsResponse::Error(e)) => {
            assert_eq!(e.code, "UM1117");
            assert!(e.details.is_null());
        }
        other => panic!("{other:?}"),
    }
    let err = decode_products(body).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VendorError);
    assert!(err.to_string().contains("UM1117"), "{err}");
}

/// A JSON value of limited depth, for documents of any shape.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Never a number or a boolean in words, which the decoder would read as one.
        "s[a-zA-Z0-9 \"\\\\]{0,7}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("products".to_owned()),
                    Just("features".to_owned()),
                    Just("purchasedCount".to_owned()),
                    Just("enable".to_owned()),
                    Just("name".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any bytes: a product list, an error body or an error with a position or none; no panic.
    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = decode_products_response_with(&bytes, &default_limits()) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// Documents of any shape that serde_json reads: decoded, what is decoded agrees with
    /// serde_json's view of the same document (counts, names, the number of products and
    /// features); refused, serde_json's view shows why (a wrong type or value somewhere).
    #[test]
    fn documents_of_any_shape_agree_with_serde_json(products in prop::collection::vec(json_value(), 0..3)) {
        let doc = serde_json::json!({ "products": products });
        let text = doc.to_string();
        if let Ok(list) = decode_products(text.as_bytes()) {
            let view = doc["products"].as_array().expect("an array");
            prop_assert_eq!(list.products.len(), view.len());
            for (p, v) in list.products.iter().zip(view) {
                let features = v.get("features").and_then(Value::as_array).map_or(0, Vec::len);
                prop_assert_eq!(p.features.len(), features);
                prop_assert_eq!(p.name.as_deref(), v.get("name").and_then(Value::as_str));
                for (f, fv) in p.features.iter().zip(v["features"].as_array().into_iter().flatten()) {
                    prop_assert_eq!(f.purchased_count, fv.get("purchasedCount").and_then(Value::as_i64));
                    prop_assert_eq!(f.enable, fv.get("enable").and_then(Value::as_bool));
                }
            }
        }
    }
}
