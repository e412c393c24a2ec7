//! The explicit input bounds have their own error kind.

use licscope_a360::{ErrorKind, Limits, decode, decode_with};

const DOC: &str = r#"{"type": "PURCHASED", "expirationDate": "2021-06-30T18:29:59.999Z"}"#;

#[test]
fn input_over_the_size_limit_is_refused_before_parsing() {
    let limits = Limits::default().with_max_input_bytes(DOC.len() - 1);
    let err = decode_with(DOC.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert!(err.to_string().contains("more than the limit"), "{err}");
    let limits = Limits::default().with_max_input_bytes(DOC.len());
    assert!(decode_with(DOC.as_bytes(), &limits).is_ok());
}

#[test]
fn the_default_limit_is_one_mebibyte() {
    let padding = "x".repeat(1 << 20);
    let big = DOC.replace("{", &format!("{{\"padding\": \"{padding}\", "));
    assert_eq!(
        decode(big.as_bytes()).unwrap_err().kind(),
        ErrorKind::LimitExceeded
    );
}

#[test]
fn long_strings_are_bounded_even_in_unknown_keys() {
    let limits = Limits::default().with_max_string_bytes(8);
    let doc = DOC.replace("{", "{\"note\": \"123456789\", ");
    let err = decode_with(doc.as_bytes(), &limits).unwrap_err();
    assert_eq!(
        (err.kind(), err.path()),
        (ErrorKind::LimitExceeded, Some("note"))
    );
}
