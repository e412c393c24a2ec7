//! `LicenseDetails::validate`, the strict view of a leniently decoded document.

use licscope_a360::{DiagnosticKind, decode};

fn kinds(json: &str) -> Vec<(DiagnosticKind, &'static str)> {
    let details = decode(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"));
    details
        .validate()
        .iter()
        .map(|d| (d.kind(), d.field()))
        .collect()
}

const COMPLETE: &str = r#"{"type": "PURCHASED", "installationDate": "2020-09-09T15:06:05.211Z",
  "expirationDate": "2021-06-30T18:29:59.999Z", "failSafeStatus": 0,
  "controlRoomLicenseServerSyncStatus": true, "installedCrId": "", "licenseMode": "FileLicense"}"#;

#[test]
fn a_complete_consistent_document_has_no_diagnostics() {
    assert_eq!(kinds(COMPLETE), []);
}

#[test]
fn missing_and_null_fields_are_reported_in_field_order() {
    use DiagnosticKind::MissingField;
    assert_eq!(
        kinds(r#"{"type": "TRIAL", "failSafeStatus": null, "licenseMode": "CloudLicense"}"#),
        [
            (MissingField, "installationDate"),
            (MissingField, "expirationDate"),
            (MissingField, "failSafeStatus"),
            (MissingField, "controlRoomLicenseServerSyncStatus"),
            (MissingField, "installedCrId"),
        ]
    );
}

#[test]
fn every_inconsistency_is_reported() {
    let doc = COMPLETE
        .replace("\"PURCHASED\"", "\"SUBSCRIPTION\"")
        .replace("2020-09-09", "2022-09-09")
        .replace("\"failSafeStatus\": 0", "\"failSafeStatus\": 1")
        .replace(
            "\"installedCrId\": \"\"",
            "\"installedCrId\": \"b96edac7-b7e3-57bf-b857-ad14ac754674\"",
        );
    assert_eq!(
        kinds(&doc),
        [
            (DiagnosticKind::UnknownLicenseType, "type"),
            (DiagnosticKind::ExpiryBeforeInstallation, "expirationDate"),
            (DiagnosticKind::FileLicenseInFailSafe, "failSafeStatus"),
            (
                DiagnosticKind::FileLicenseWithControlRoomId,
                "installedCrId"
            ),
        ]
    );
    let doc = COMPLETE
        .replace("\"FileLicense\"", "\"OfflineLicense\"")
        .replace("\"failSafeStatus\": 0", "\"failSafeStatus\": 7")
        .replace("\"installedCrId\": \"\"", "\"installedCrId\": \"cr-1\"");
    assert_eq!(
        kinds(&doc),
        [
            (DiagnosticKind::UnknownFailSafeStatus, "failSafeStatus"),
            (DiagnosticKind::MalformedControlRoomId, "installedCrId"),
            (DiagnosticKind::UnknownLicenseMode, "licenseMode"),
        ]
    );
}

#[test]
fn diagnostics_read_as_field_and_sentence() {
    let doc = COMPLETE.replace("\"failSafeStatus\": 0", "\"failSafeStatus\": 2");
    let details = decode(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<String> = details.validate().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        ["failSafeStatus: a file license always reports fail-safe status 0, found 2"]
    );
}
