//! Automation 360 seats: the product list's records, by the fixtures' hand-written
//! expectations and by rule; their schema, old copies of it included; detection.

use licscope_a360::{ProductList, ProductUsage, UsageItem};
use licscope_fixtures::{Outcome, cases};
use licscope_normalize::{
    Decoded, LicenseRecord, Policy, Severity, SourceHint, Status, VendorRecord, decode,
    from_automation360_products, normalize,
};
use serde_json::Value;

use crate::at;
use crate::schema::Validator;

fn policy() -> Policy {
    Policy::new(at("2026-11-23T12:00:00Z"))
}

/// A record as a `NAME.records.txt` line: `feature; status; severity; used remaining limit; flags`.
fn line(r: &LicenseRecord) -> String {
    let n = |v: Option<i64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
    let usage = r.usage.unwrap_or_default();
    let flags: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
    format!(
        "{}; {}; {}; {} {} {}; {}",
        r.feature.as_deref().unwrap_or("?"),
        r.status.as_str(),
        r.severity.as_str(),
        n(usage.used),
        n(usage.remaining),
        n(usage.limit),
        if flags.is_empty() {
            "-".to_owned()
        } else {
            flags.join(", ")
        }
    )
}

#[test]
fn every_product_list_fixture_gives_its_hand_written_records() {
    let cases = cases("a360/products", Outcome::Valid);
    assert!(cases.len() >= 7, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let path = case
            .path
            .with_file_name(format!("{}.records.txt", case.name));
        let want: Vec<String> = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let records = normalize(&case.input, SourceHint::Auto, Some("cr"), &policy())
            .unwrap_or_else(|e| panic!("{}: {e}", case.path.display()));
        let got: Vec<String> = records.iter().map(line).collect();
        if got != want {
            failures.push(format!("{}:\n  got  {got:#?}\n  want {want:#?}", case.name));
        }
        for r in &records {
            assert_eq!(r.source.as_str(), "automation360");
            assert_eq!(r.origin.as_deref(), Some("cr"));
            // The details record carries the expiry: a seat raises no expiry alert.
            assert_eq!(
                (r.expires_at, r.days_to_expiry),
                (None, None),
                "{}",
                case.name
            );
            assert!(matches!(r.vendor, VendorRecord::Automation360Usage(_)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn seat_records_validate_against_the_schema_and_the_copy_published_before_seats() {
    let current = Validator::new();
    let before = Validator::from_file("fixtures/schema/license-record.v1.before-seats.json");
    let mut checked = 0;
    for case in cases("a360/products", Outcome::Valid) {
        for record in normalize(&case.input, SourceHint::Auto, None, &policy()).unwrap() {
            let json = serde_json::to_value(&record).unwrap();
            current
                .check(&json)
                .unwrap_or_else(|e| panic!("{}: {e}\n{json}", case.name));
            // A tool holding the schema as it was before seats still reads seat records.
            before
                .check(&json)
                .unwrap_or_else(|e| panic!("{}: {e}\n{json}", case.name));
            let back: LicenseRecord = serde_json::from_value(json).unwrap();
            assert_eq!(back, record, "{}", case.name);
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} records");
}

#[test]
fn a_seat_vendor_part_reads_as_license_details_to_an_old_reader_and_back_as_seats() {
    let body = br#"{"type": "PURCHASED", "expirationDate": "2027-01-01T00:00:00Z",
        "products": [{"id": 1, "name": "ControlRoom", "features": [
            {"id": 12, "name": "Runtime", "purchasedCount": "10", "usedCountByThisCr": 3, "usedCountByAllCr": 8}]}]}"#;
    let record = normalize(body, SourceHint::Auto, None, &policy())
        .unwrap()
        .remove(0);
    let json = serde_json::to_value(&record).unwrap();
    let vendor = &json["vendor"];
    // The seven license-details keys, null where a product list has none.
    for key in [
        "failSafeStatus",
        "controlRoomLicenseServerSyncStatus",
        "installedCrId",
        "licenseMode",
    ] {
        assert_eq!(vendor[key], Value::Null, "{key}");
    }
    assert_eq!(vendor["type"], "PURCHASED");
    assert_eq!(
        vendor["product"],
        serde_json::json!({"id": "1", "name": "ControlRoom"})
    );
    assert_eq!(vendor["feature"]["usedCountByThisCr"], 3);
    assert_eq!(vendor["feature"]["usedCountByAllCr"], 8);
    // The details decoder reads it (the old reading), the usage decoder reads it whole.
    let text = vendor.to_string();
    assert!(licscope_a360::decode(text.as_bytes()).is_ok());
    let usage = licscope_a360::decode_product_usage(text.as_bytes()).unwrap();
    assert!(matches!(&usage.item, UsageItem::Feature(f) if f.used_count_by_all_cr == Some(8)));
    // Neither or both of feature and metric is no usage.
    let neither = br#"{"type": "PURCHASED", "product": {"name": "X"}}"#;
    assert!(licscope_a360::decode_product_usage(neither).is_err());
    let both = br#"{"product": {}, "feature": {}, "metric": {}}"#;
    assert!(licscope_a360::decode_product_usage(both).is_err());
    let twice = br#"{"product": {}, "feature": {}, "feature": {}}"#;
    let e = licscope_a360::decode_product_usage(twice).unwrap_err();
    assert_eq!(e.kind().as_str(), "duplicate-field", "{e}");
}

#[test]
fn detection_looks_for_products_before_taking_a_document_for_license_details() {
    let list = br#"{"type": "PURCHASED", "installationDate": "2025-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z", "products": []}"#;
    for hint in [
        SourceHint::Auto,
        SourceHint::Automation360,
        SourceHint::Automation360Products,
    ] {
        let decoded = decode(list, hint).unwrap();
        assert!(
            matches!(decoded, Decoded::Automation360Products(_)),
            "{hint:?}"
        );
    }
    let details = br#"{"type": "PURCHASED", "expirationDate": "2027-01-01T00:00:00Z"}"#;
    assert!(matches!(
        decode(details, SourceHint::Auto),
        Ok(Decoded::Automation360(_))
    ));
    assert!(matches!(
        decode(details, SourceHint::Automation360),
        Ok(Decoded::Automation360(_))
    ));
    // Asked for the product list alone, a details document is refused, not read as seats.
    let e = decode(details, SourceHint::Automation360Products).unwrap_err();
    assert_eq!(e.kind().as_str(), "unexpected-document", "{e}");
    // A key named products further down is not the top level's.
    let nested = br#"{"type": "PURCHASED", "x": {"products": []}}"#;
    assert!(matches!(
        decode(nested, SourceHint::Auto),
        Ok(Decoded::Automation360(_))
    ));
    // A broken product list is reported by the product-list decoder, with its path.
    let broken = br#"{"products": [{"features": [{"purchasedCount": 1.5}]}]}"#;
    let e = decode(broken, SourceHint::Auto).unwrap_err();
    assert_eq!(
        e.path(),
        Some("products[0].features[0].purchasedCount"),
        "{e}"
    );
}

fn seats(purchased: Option<i64>, this_cr: Option<i64>, all_cr: Option<i64>) -> ProductUsage {
    let body = serde_json::json!({"products": [{"name": "ControlRoom", "features": [{
        "name": "Runtime", "purchasedCount": purchased, "usedCountByThisCr": this_cr,
        "usedCountByAllCr": all_cr}]}]});
    let list = licscope_a360::decode_products(body.to_string().as_bytes()).unwrap();
    list.usage().next().unwrap()
}

fn judged(usage: ProductUsage, policy: &Policy) -> (Status, Severity, Vec<&'static str>) {
    let r = licscope_normalize::from_product_usage(usage, None, policy);
    (
        r.status,
        r.severity,
        r.flags.iter().map(|f| f.as_str()).collect(),
    )
}

#[test]
fn seat_rules_follow_the_thresholds_and_flag_impossible_counts() {
    let p = policy();
    use Severity::{Critical, Ok as Fine, Unknown, Warning};
    use Status::{Active, OverLimit};
    type Case = (
        (Option<i64>, Option<i64>, Option<i64>),
        (Status, Severity, &'static [&'static str]),
    );
    let cases: [Case; 11] = [
        ((Some(100), Some(10), Some(89)), (Active, Fine, &[])),
        (
            (Some(100), Some(10), Some(90)),
            (Active, Warning, &["high-usage"]),
        ),
        (
            (Some(100), Some(99), Some(99)),
            (Active, Warning, &["high-usage"]),
        ),
        (
            (Some(100), Some(100), Some(100)),
            (Active, Warning, &["at-capacity"]),
        ),
        ((Some(100), Some(1), Some(101)), (OverLimit, Critical, &[])),
        // No all-CR count (an older release): this Control Room's.
        (
            (Some(10), Some(10), None),
            (Active, Warning, &["at-capacity"]),
        ),
        ((Some(0), Some(0), Some(0)), (Active, Fine, &[])),
        ((Some(0), Some(1), Some(1)), (OverLimit, Critical, &[])),
        (
            (None, Some(1), Some(1)),
            (Status::Unknown, Unknown, &["missing-field"]),
        ),
        (
            (Some(5), Some(-1), Some(2)),
            (Status::Unknown, Unknown, &["invalid-count"]),
        ),
        (
            (Some(i64::MAX), Some(i64::MAX), Some(i64::MAX)),
            (Active, Warning, &["at-capacity"]),
        ),
    ];
    for ((purchased, this_cr, all_cr), (status, severity, flags)) in cases {
        let got = judged(seats(purchased, this_cr, all_cr), &p);
        assert_eq!(
            got,
            (status, severity, flags.to_vec()),
            "{purchased:?} {this_cr:?} {all_cr:?}"
        );
    }
    // Thresholds of the policy: warning from 50 %, critical above 80 %.
    let strict = policy().with_usage_warning(50).with_usage_critical(80);
    assert_eq!(
        judged(seats(Some(10), None, Some(5)), &strict),
        (Active, Warning, vec!["high-usage"])
    );
    assert_eq!(
        judged(seats(Some(10), None, Some(8)), &strict),
        (Active, Warning, vec!["high-usage"])
    );
    assert_eq!(
        judged(seats(Some(10), None, Some(9)), &strict),
        (Active, Critical, vec!["high-usage"])
    );
    assert_eq!(
        judged(seats(Some(10), None, Some(4)), &strict),
        (Active, Fine, vec![])
    );
    // A full pool is critical when the critical threshold is below 100 %.
    assert_eq!(
        judged(seats(Some(10), None, Some(10)), &strict),
        (Active, Critical, vec!["at-capacity"])
    );
}

#[test]
fn usage_severity_is_exact_at_the_edges() {
    let p = policy();
    assert_eq!(p.usage_severity(0, 0), Severity::Ok);
    assert_eq!(p.usage_severity(1, 0), Severity::Critical);
    assert_eq!(p.usage_severity(0, -5), Severity::Ok);
    assert_eq!(p.usage_severity(9, 10), Severity::Warning);
    assert_eq!(p.usage_severity(8, 9), Severity::Ok); // 88.9 %
    assert_eq!(p.usage_severity(i64::MAX, i64::MAX), Severity::Warning);
    assert_eq!(p.usage_severity(i64::MAX, i64::MAX - 1), Severity::Critical);
    let zero = policy().with_usage_warning(0).with_usage_critical(0);
    assert_eq!(zero.usage_severity(0, 10), Severity::Ok);
    assert_eq!(zero.usage_severity(1, 10), Severity::Critical);
}

#[test]
fn features_are_named_for_people_with_their_product() {
    let named = |product: Value, feature: Value| {
        let body = serde_json::json!({"products": [{"id": 3, "name": product,
            "features": [{"id": 8, "name": feature, "purchasedCount": 1, "usedCountByAllCr": 0}]}]});
        let list: ProductList =
            licscope_a360::decode_products(body.to_string().as_bytes()).unwrap();
        from_automation360_products(&list, None, &policy())[0]
            .feature
            .clone()
            .unwrap()
    };
    let s = |t: &str| Value::from(t);
    assert_eq!(
        named(s("ControlRoom"), s("Development")),
        "Control Room: Bot Creator"
    );
    assert_eq!(
        named(s("ControlRoom"), s("Runtime")),
        "Control Room: Unattended Bot Runner"
    );
    assert_eq!(
        named(s("ControlRoom"), s("AttendedRuntime")),
        "Control Room: Attended Bot Runner"
    );
    assert_eq!(
        named(s("Cognitive"), s("Runtime")),
        "Cognitive: Unattended Bot Runner"
    );
    assert_eq!(
        named(
            s("AutomationAnywhereRoboticInterface"),
            s("CitizenDeveloper")
        ),
        "Automation Anywhere Robotic Interface: Citizen Developer"
    );
    assert_eq!(named(s("IQBot"), s("API_Task")), "IQ Bot: API Task");
    assert_eq!(
        named(s("DiscoveryBot"), s("Process2Go")),
        "Discovery Bot: Process2 Go"
    );
    assert_eq!(named(Value::Null, Value::Null), "product 3: feature 8");
    assert_eq!(named(s(" "), s("Bot Creator")), "product 3: Bot Creator");
    // Two products' Runtime stay two series.
    assert_ne!(
        named(s("ControlRoom"), s("Runtime")),
        named(s("BotFarm"), s("Runtime"))
    );
}

#[test]
fn disabled_features_give_no_record_and_an_unknown_enable_does() {
    let body = br#"{"products": [{"name": "ControlRoom", "features": [
        {"name": "Development", "enable": false, "purchasedCount": 1, "usedCountByAllCr": 0},
        {"name": "Runtime", "enable": null, "purchasedCount": 1, "usedCountByAllCr": 0},
        {"name": "AttendedRuntime", "purchasedCount": 1, "usedCountByAllCr": 0}]}]}"#;
    let records = normalize(body, SourceHint::Auto, None, &policy()).unwrap();
    let names: Vec<&str> = records
        .iter()
        .filter_map(|r| r.feature.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            "Control Room: Unattended Bot Runner",
            "Control Room: Attended Bot Runner"
        ]
    );
}
