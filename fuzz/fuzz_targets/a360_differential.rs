//! The Automation 360 decoder against plain `serde_json::Value` extraction on raw bytes: when
//! licscope accepts a document, serde_json accepts it too and finds the same field values.
//!
//! Deliberate differences (licscope refuses what serde_json accepts, or the reverse): a leading
//! byte-order mark (licscope skips it, serde_json refuses it); duplicate keys (licscope refuses,
//! serde_json keeps the last); nesting limits, counted differently; impossible timestamps and
//! wrong types, which licscope checks and plain extraction does not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_a360::{LicenseDetails, decode};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(details) = decode(data) else { return };
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        // serde_json's recursion limit is its own, and it refuses numbers beyond f64's range,
        // which the JSON grammar allows and licscope skips in values it does not read.
        Err(e) if e.to_string().contains("recursion limit") => return,
        Err(e) if e.to_string().contains("number out of range") => return,
        Err(e) => panic!("licscope accepted what serde_json refuses: {e}"),
    };
    let object = value.as_object().expect("licscope accepts only objects");
    let text = |k: &str| object.get(k).and_then(Value::as_str);
    let expected = |k: &str, got: Option<String>| {
        assert_eq!(got.as_deref(), text(k), "{k}: {details:?}");
    };
    let LicenseDetails {
        license_type,
        license_mode,
        fail_safe_status,
        license_server_synced,
        ..
    } = &details;
    expected("type", license_type.as_ref().map(|t| t.as_str().to_owned()));
    expected(
        "licenseMode",
        license_mode.as_ref().map(|m| m.as_str().to_owned()),
    );
    // JSON's -0 is the integer 0; serde_json reads it as the float -0.0.
    let integer = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| *f == 0.0).map(|_| 0))
    };
    assert_eq!(
        fail_safe_status.map(|s| s.code()),
        object.get("failSafeStatus").and_then(integer)
    );
    assert_eq!(
        *license_server_synced,
        object
            .get("controlRoomLicenseServerSyncStatus")
            .and_then(Value::as_bool)
    );
    for (key, date) in [
        ("installationDate", details.installation_date),
        ("expirationDate", details.expiration_date),
    ] {
        assert_eq!(date.is_some(), text(key).is_some(), "{key}");
    }
});
