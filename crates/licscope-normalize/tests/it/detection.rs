//! Source auto-detection on every fixture, and its refusals.

use licscope_fixtures::{Outcome, cases};
use licscope_normalize::{Source, SourceHint, decode};
use licscope_syntax::ErrorKind;

#[test]
fn every_valid_fixture_is_detected_as_its_source() {
    for (dir, source) in [
        ("a360", Source::Automation360),
        ("prime", Source::CiscoPrime),
    ] {
        for case in cases(dir, Outcome::Valid) {
            let got = decode(&case.input, SourceHint::Auto).map(|d| d.source());
            assert_eq!(got, Ok(source), "{}", case.path.display());
        }
    }
}

#[test]
fn vendor_error_documents_are_errors_quoting_the_vendor() {
    for (dir, needle) in [("a360", "UM1117"), ("prime", "HTTP 401")] {
        let all = cases(dir, Outcome::VendorError);
        assert!(all.iter().any(|c| {
            let e = decode(&c.input, SourceHint::Auto).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::VendorError, "{}", c.path.display());
            e.to_string().contains(needle)
        }));
    }
}

#[test]
fn anything_else_names_the_expected_apis() {
    for input in [
        &b"{\"queryResponse\": {}}"[..],
        b"[1, 2]",
        b"\"text\"",
        b"{}",
    ] {
        let e = decode(input, SourceHint::Auto).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedDocument, "{e}");
        assert!(
            e.to_string().contains("Automation 360 license details"),
            "{e}"
        );
        assert!(e.to_string().contains("Cisco Prime license info"), "{e}");
    }
}

#[test]
fn a_hint_forces_the_decoder_and_errors_keep_their_path() {
    let a360 = br#"{"type": "TRIAL", "failSafeStatus": "0"}"#;
    let e = decode(a360, SourceHint::Auto).unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (ErrorKind::InvalidType, Some("failSafeStatus"))
    );
    let e = decode(br#"{"type": "TRIAL"}"#, SourceHint::CiscoPrime).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedDocument);
    let prime_xml = b"<mgmtResponse/>";
    assert_eq!(
        decode(prime_xml, SourceHint::CiscoPrime).map(|d| d.source()),
        Ok(Source::CiscoPrime)
    );
    assert_eq!(
        decode(prime_xml, SourceHint::Automation360)
            .unwrap_err()
            .kind(),
        ErrorKind::Syntax
    );
}

/// A JSON document with a `mgmtResponse` key is Prime's, whatever else it holds, and a plain
/// Automation 360 document is Automation 360's: the order detection tries them in never shows.
#[test]
fn a_mgmt_response_key_makes_a_document_prime_whatever_else_it_holds() {
    for doc in [
        &br#"{"type": "TRIAL", "mgmtResponse": {"licenseInfoDTO": {"name": "Base"}}}"#[..],
        br#"{"mgmtResponse": {"licenseInfoDTO": []}, "licenseMode": "FileLicense"}"#,
    ] {
        assert_eq!(
            decode(doc, SourceHint::Auto).map(|d| d.source()),
            Ok(Source::CiscoPrime)
        );
    }
    let a360 = br#"{"type": "TRIAL", "licenseMode": "FileLicense"}"#;
    assert_eq!(
        decode(a360, SourceHint::Auto).map(|d| d.source()),
        Ok(Source::Automation360)
    );
}
