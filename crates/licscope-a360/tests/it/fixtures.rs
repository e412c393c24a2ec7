//! Every case of `fixtures/a360/`, checked against its hand-written expectation.

use licscope_a360::{ErrorKind, Response, decode, decode_response};
use licscope_fixtures::{Outcome, cases};
use serde_json::Value;

#[test]
fn valid_cases_decode_to_their_expected_model() {
    let valid = cases("a360", Outcome::Valid);
    assert!(valid.len() >= 25, "only {} valid cases", valid.len());
    let vendor_errors = cases("a360", Outcome::VendorError);
    assert!(!vendor_errors.is_empty());
    let cases: Vec<_> = valid.into_iter().chain(vendor_errors).collect();
    let mut failures = Vec::new();
    for case in &cases {
        let response = match decode_response(&case.input) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e}", case.name));
                continue;
            }
        };
        let got = serde_json::to_value(&response).expect("the model serializes");
        let expected: Value =
            serde_json::from_str(case.expected.as_deref().unwrap_or("")).expect("expected JSON");
        if got != expected {
            failures.push(format!(
                "{}:\n  got      {got}\n  expected {expected}",
                case.name
            ));
            continue;
        }
        // `decode` agrees with `decode_response` and turns an error body into an error.
        match (&response, decode(&case.input)) {
            (Response::License(l), Ok(d)) if *l == d => {}
            (Response::Error(api), Err(e))
                if e.kind() == ErrorKind::VendorError && e.reason().contains(&api.code) => {}
            (_, other) => failures.push(format!("{}: decode gave {other:?}", case.name)),
        }
        // The serialized model decodes back to the same model, with both decoders.
        let bytes = serde_json::to_vec(&response).expect("the model serializes");
        match decode_response(&bytes) {
            Ok(again) if again == response => {}
            other => failures.push(format!("{}: round trip gave {other:?}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_cases_fail_with_their_expected_error() {
    let cases = cases("a360", Outcome::Invalid);
    assert!(cases.len() >= 20, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let expected = case.expected_error();
        let err = match decode_response(&case.input) {
            Ok(r) => {
                failures.push(format!("{}: accepted as {r:?}", case.name));
                continue;
            }
            Err(e) => e,
        };
        if let Err(problem) = expected.check(
            err.kind().as_str(),
            err.line(),
            err.column(),
            err.path(),
            &err.to_string(),
        ) {
            failures.push(format!("{}: {problem}", case.name));
        }
        // The same input fails the same way through `decode`.
        if decode(&case.input).err().as_ref() != Some(&err) {
            failures.push(format!(
                "{}: decode disagrees with decode_response",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
