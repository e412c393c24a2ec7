//! The published JSON Schema validates real output, with a real validator (boon). The schema
//! used is the committed file, `schema/license-record.v1.json`, which must be what
//! `json_schema()` gives.

use licscope_fixtures::{Outcome, cases};
use licscope_normalize::{Policy, SourceHint, json_schema, normalize};
use serde_json::Value;

use crate::at;

/// A validator for the record schema, with `format` assertions on.
pub(crate) struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    pub(crate) fn new() -> Validator {
        Validator::of(committed())
    }

    /// A validator for a copy of the schema under the repository's root.
    pub(crate) fn from_file(path: &str) -> Validator {
        let path = licscope_fixtures::root().join("..").join(path);
        Validator::of(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap())
    }

    fn of(schema: Value) -> Validator {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        compiler
            .add_resource("licscope-record.json", schema)
            .expect("the schema is a resource");
        let index = compiler
            .compile("licscope-record.json", &mut schemas)
            .unwrap_or_else(|e| panic!("the schema compiles: {e:#}"));
        Validator { schemas, index }
    }

    pub(crate) fn check(&self, record: &Value) -> Result<(), String> {
        self.schemas
            .validate(record, self.index)
            .map_err(|e| format!("{e:#}"))
    }
}

/// The committed schema file.
fn committed() -> Value {
    let path = licscope_fixtures::root().join("../schema/license-record.v1.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn the_committed_schema_is_the_one_the_code_gives() {
    assert!(
        committed() == json_schema(),
        "schema/license-record.v1.json differs from json_schema(): if the change is meant, \
         follow schema/README.md (cargo run -p licscope-cli -- schema > \
         schema/license-record.v1.json) and say in the CHANGELOG which rule allows it"
    );
}

#[test]
fn additions_allowed_within_version_1_keep_records_valid() {
    let validator = Validator::new();
    let policy = Policy::new(at("2026-11-23T12:00:00Z"));
    for body in [
        &b"<mgmtResponse><licenseInfoDTO><name>A</name></licenseInfoDTO></mgmtResponse>"[..],
        br#"{"type": "PURCHASED", "expirationDate": "2027-01-01T00:00:00Z"}"#,
    ] {
        let record = normalize(body, SourceHint::Auto, None, &policy)
            .unwrap()
            .remove(0);
        let mut json = serde_json::to_value(&record).unwrap();
        json["vendor"]["newVendorField"] = Value::from(1);
        json["new_optional_field"] = Value::from("x");
        json["flags"] = serde_json::json!(["a-new-flag"]);
        assert!(validator.check(&json).is_ok(), "{json}");
        // What needs version 2 is refused.
        let mut v2 = json.clone();
        v2["status"] = Value::from("a-new-status");
        assert!(validator.check(&v2).is_err());
        let mut v2 = json;
        v2["flags"] = serde_json::json!(["Not A Name"]);
        assert!(validator.check(&v2).is_err());
    }
}

#[test]
fn the_schema_is_draft_2020_12_with_the_record_fields_in_order() {
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let props: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(props.len(), 11, "{props:?}");
    for field in crate::RECORD_FIELDS {
        assert!(props.contains(&field), "{field} missing from {props:?}");
    }
}

#[test]
fn every_fixture_record_validates_against_the_schema() {
    let validator = Validator::new();
    let policy = Policy::new(at("2026-11-23T12:00:00Z"));
    let mut checked = 0;
    for dir in ["a360", "prime"] {
        for case in cases(dir, Outcome::Valid) {
            let records = normalize(&case.input, SourceHint::Auto, Some("fixture"), &policy)
                .unwrap_or_else(|e| panic!("{}: {e}", case.path.display()));
            for record in records {
                let json = serde_json::to_value(&record).unwrap();
                validator
                    .check(&json)
                    .unwrap_or_else(|e| panic!("{}: {e}\n{json}", case.path.display()));
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "only {checked} records");
}

#[test]
fn the_validator_rejects_a_broken_record() {
    let validator = Validator::new();
    let policy = Policy::new(at("2026-11-23T12:00:00Z"));
    let record = normalize(
        b"<mgmtResponse><licenseInfoDTO><name>A</name></licenseInfoDTO></mgmtResponse>",
        SourceHint::Auto,
        None,
        &policy,
    )
    .unwrap()
    .remove(0);
    let good = serde_json::to_value(&record).unwrap();
    assert!(validator.check(&good).is_ok());
    for (field, bad) in [
        ("status", Value::from("fine")),
        ("as_of", Value::from("yesterday")),
        ("flags", Value::from("none")),
    ] {
        let mut broken = good.clone();
        broken[field] = bad;
        assert!(validator.check(&broken).is_err(), "{field} was accepted");
    }
}

/// A record's `vendor` object is read back by the vendor crate's decoder: the same rules as a
/// payload (numeric strings, unknown keys skipped, a key given twice refused), from a string and
/// from a `serde_json::Value` alike.
#[test]
fn records_read_back_their_vendor_part_through_the_decoders() {
    use licscope_normalize::{LicenseRecord, VendorRecord};
    let policy = Policy::new(at("2026-11-23T12:00:00Z"));
    let prime = b"<mgmtResponse><licenseInfoDTO><name>A</name><daysToExpire>9</daysToExpire>\
                  </licenseInfoDTO></mgmtResponse>";
    let record = normalize(prime, SourceHint::Auto, None, &policy)
        .unwrap()
        .remove(0);
    let json = serde_json::to_string(&record).unwrap();
    let read = |text: &str| -> Result<LicenseRecord, String> {
        let from_str = serde_json::from_str::<LicenseRecord>(text).map_err(|e| e.to_string());
        let value: Value = serde_json::from_str(text).unwrap();
        let from_value = serde_json::from_value::<LicenseRecord>(value).map_err(|e| e.to_string());
        // A `Value` keeps one of two equal keys: only the text can show the duplicate.
        if !text.contains("\"name\":\"A\",\"name\"") {
            assert_eq!(from_str, from_value, "{text}");
        }
        from_str
    };
    assert_eq!(read(&json), Ok(record.clone()));
    let nine = "\"daysToExpire\":9";
    assert!(json.contains(nine), "{json}");
    let days = |r: &LicenseRecord| match &r.vendor {
        VendorRecord::CiscoPrime(info) => info.days_to_expire,
        _ => None,
    };
    let as_text = json.replace(nine, "\"daysToExpire\":\" 9\"");
    assert_eq!(read(&as_text).map(|r| days(&r)), Ok(Some(9)));
    let unknown = json.replace(nine, "\"daysToExpire\":9,\"newVendorField\":[1]");
    assert_eq!(read(&unknown).map(|r| days(&r)), Ok(Some(9)));
    let bad = read(&json.replace(nine, "\"daysToExpire\":\"nine\"")).unwrap_err();
    assert!(
        bad.starts_with("vendor: daysToExpire: expected an integer, found \"nine\""),
        "{bad}"
    );
    let twice = read(&json.replace("\"name\":\"A\"", "\"name\":\"A\",\"name\":\"B\"")).unwrap_err();
    assert!(twice.contains("vendor: name:"), "{twice}");

    let a360 = br#"{"type": "PURCHASED", "expirationDate": "2027-01-01T00:00:00Z"}"#;
    let record = normalize(a360, SourceHint::Auto, None, &policy)
        .unwrap()
        .remove(0);
    let mut value = serde_json::to_value(&record).unwrap();
    assert_eq!(read(&value.to_string()), Ok(record));
    value["vendor"] = serde_json::json!({});
    let empty = read(&value.to_string()).unwrap_err();
    assert!(
        empty.starts_with("vendor: expected Automation 360 license details"),
        "{empty}"
    );
}

/// `schema/a360-product-list.json` describes what the product-list decoder accepts: every
/// valid fixture validates, every invalid one that a schema can express is refused.
#[test]
fn the_product_list_schema_agrees_with_the_decoder_on_the_fixtures() {
    let validator = Validator::from_file("schema/a360-product-list.json");
    for case in cases("a360/products", Outcome::Valid) {
        let text = String::from_utf8(case.input.clone()).unwrap();
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        validator
            .check(&value)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
    let mut refused = 0;
    for case in cases("a360/products", Outcome::Invalid) {
        // A key twice is JSON that a schema cannot see (serde_json keeps the last).
        if case.name == "duplicate-key" {
            continue;
        }
        let value: Value = serde_json::from_slice(&case.input).unwrap();
        assert!(validator.check(&value).is_err(), "{} validates", case.name);
        refused += 1;
    }
    assert!(refused >= 5, "{refused}");
}
