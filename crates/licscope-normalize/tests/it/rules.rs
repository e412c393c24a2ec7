//! The status rules at every boundary.

use licscope_a360::{FailSafeStatus, LicenseDetails, LicenseMode, LicenseType};
use licscope_normalize::{
    Flag, LicenseRecord, Policy, Severity, Status, from_automation360, from_cisco_prime,
};
use licscope_prime::{LicenseInfo, LicenseStatus, MgmtResponse};

use crate::at;

const AS_OF: &str = "2026-11-23T12:00:00Z";

fn a360(expires: Option<&str>, fail_safe: Option<i64>, synced: Option<bool>) -> LicenseRecord {
    let mut d = LicenseDetails::default();
    d.license_type = Some(LicenseType::Purchased);
    d.installation_date = Some(at("2025-01-01T00:00:00Z"));
    d.expiration_date = expires.map(at);
    d.fail_safe_status = fail_safe.map(FailSafeStatus::from);
    d.license_server_synced = synced;
    d.installed_control_room = Some(licscope_a360::ControlRoomId::parse(
        "b96edac7-b7e3-57bf-b857-ad14ac754674",
    ));
    d.license_mode = Some(LicenseMode::CloudLicense);
    from_automation360(&d, Some("cr"), &Policy::new(at(AS_OF)))
}

fn outcome(r: &LicenseRecord) -> (Status, Severity, Option<i64>) {
    (r.status, r.severity, r.days_to_expiry)
}

#[test]
fn automation360_expiry_windows_at_each_boundary() {
    use Severity::*;
    use Status::*;
    for (expires, want) in [
        ("2026-11-23T12:00:00Z", (Expired, Critical, Some(0))),
        ("2026-11-23T00:00:00Z", (Expired, Critical, Some(-1))),
        (
            "2026-11-23T12:00:00.000000001Z",
            (Expiring, Critical, Some(0)),
        ),
        ("2026-11-30T12:00:00Z", (Expiring, Critical, Some(7))),
        ("2026-12-01T11:59:59Z", (Expiring, Critical, Some(7))),
        ("2026-12-01T12:00:00Z", (Expiring, Warning, Some(8))),
        ("2026-12-23T12:00:00Z", (Expiring, Warning, Some(30))),
        ("2026-12-24T12:00:00Z", (Active, Ok, Some(31))),
        ("2026-12-24T17:30:00+05:30", (Active, Ok, Some(31))),
    ] {
        assert_eq!(
            outcome(&a360(Some(expires), Some(0), Some(true))),
            want,
            "{expires}"
        );
    }
}

#[test]
fn automation360_fail_safe_codes_in_rule_order() {
    let far = Some("2027-11-23T12:00:00Z");
    let past = Some("2026-01-01T00:00:00Z");
    let get = |e, fs| {
        let r = a360(e, fs, Some(true));
        (r.status, r.severity, r.flags)
    };
    assert_eq!(get(far, Some(0)), (Status::Active, Severity::Ok, vec![]));
    assert_eq!(
        get(far, Some(1)),
        (Status::Degraded, Severity::Warning, vec![Flag::FailSafe])
    );
    assert_eq!(
        get(far, Some(2)),
        (
            Status::Suspended,
            Severity::Critical,
            vec![Flag::FailSafeExpired]
        )
    );
    assert_eq!(
        get(far, Some(7)),
        (
            Status::Unknown,
            Severity::Unknown,
            vec![Flag::UnknownFailSafeStatus]
        )
    );
    // Expiry comes first.
    assert_eq!(get(past, Some(2)).0, Status::Expired);
    // No expiration date comes before everything.
    assert_eq!(get(None, Some(2)).0, Status::Unknown);
    assert_eq!(
        get(None, Some(2)).2,
        vec![Flag::FailSafeExpired, Flag::MissingField]
    );
}

#[test]
fn an_unsynced_license_server_raises_only_ok_to_warning() {
    let r = a360(Some("2027-11-23T12:00:00Z"), Some(0), Some(false));
    assert_eq!((r.status, r.severity), (Status::Active, Severity::Warning));
    assert_eq!(r.flags, vec![Flag::LicenseServerUnsynced]);
    let r = a360(Some("2026-11-25T12:00:00Z"), Some(0), Some(false));
    assert_eq!(
        (r.status, r.severity),
        (Status::Expiring, Severity::Critical)
    );
}

#[test]
fn automation360_record_fields() {
    let r = a360(Some("2026-12-24T17:30:00+05:30"), Some(0), Some(true));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["source"], "automation360");
    assert_eq!(json["origin"], "cr");
    assert_eq!(json["feature"], "control-room");
    assert_eq!(json["expires_at"], "2026-12-24T12:00:00Z");
    assert_eq!(json["as_of"], AS_OF);
    assert_eq!(json["usage"], serde_json::Value::Null);
    assert_eq!(
        json["vendor"]["expirationDate"],
        "2026-12-24T17:30:00+05:30"
    );
    // The serialized form keeps the contract's field order.
    let text = serde_json::to_string(&r).unwrap();
    let order = crate::RECORD_FIELDS;
    let positions: Vec<usize> = order
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} in {text}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.starts_with("{\"source\":"), "{text}");
}

fn prime(
    status: Option<&str>,
    days: Option<i32>,
    used: Option<i32>,
    remaining: Option<i32>,
) -> LicenseRecord {
    let mut r = LicenseInfo::default();
    r.days_to_expire = days;
    r.device_count_used = used;
    r.device_count_remaining = remaining;
    r.name = Some("Assurance".into());
    r.status = status.map(LicenseStatus::from);
    let mut response = MgmtResponse::new(vec![r]);
    response.root_url = Some("https://prime/webacs/api/v3/op".into());
    from_cisco_prime(&response, None, &Policy::new(at(AS_OF))).remove(0)
}

#[test]
fn cisco_prime_rules_for_every_status_and_boundary() {
    use Severity::*;
    use Status::*;
    let s = |st, d, u, r| {
        let rec = prime(st, d, u, r);
        (rec.status, rec.severity)
    };
    let l = Some("LICENSED");
    assert_eq!(
        s(Some("NOT_LICENSED"), None, None, Some(-5)),
        (Unlicensed, Critical)
    );
    assert_eq!(
        s(Some("EXCEEDED"), Some(100), Some(10), Some(5)),
        (OverLimit, Critical)
    );
    assert_eq!(s(l, Some(100), Some(10), Some(-1)), (OverLimit, Critical));
    assert_eq!(
        s(None, Some(100), Some(1), Some(1)),
        (Status::Unknown, Severity::Unknown)
    );
    assert_eq!(
        s(Some("EVALUATION"), Some(100), Some(1), Some(1)),
        (Status::Unknown, Severity::Unknown)
    );
    assert_eq!(s(None, Some(100), Some(1), Some(-1)), (OverLimit, Critical));
    assert_eq!(
        s(l, None, Some(1), Some(1)),
        (Status::Unknown, Severity::Unknown)
    );
    assert_eq!(s(l, Some(-3), Some(1), Some(1)), (Expired, Critical));
    assert_eq!(s(l, Some(0), Some(1), Some(1)), (Expired, Critical));
    assert_eq!(s(l, Some(1), Some(1), Some(1)), (Expiring, Critical));
    assert_eq!(s(l, Some(7), Some(1), Some(1)), (Expiring, Critical));
    assert_eq!(s(l, Some(8), Some(1), Some(1)), (Expiring, Warning));
    assert_eq!(s(l, Some(30), Some(1), Some(1)), (Expiring, Warning));
    assert_eq!(s(l, Some(31), Some(1), Some(1)), (Active, Ok));
    assert_eq!(s(l, Some(i32::MAX), Some(1), Some(1)), (Active, Ok));
}

#[test]
fn cisco_prime_flags_usage_and_origin() {
    let r = prime(Some("LICENSED"), Some(90), Some(10), Some(0));
    assert_eq!((r.status, r.severity), (Status::Active, Severity::Warning));
    assert_eq!(r.flags, vec![Flag::AtCapacity]);
    assert_eq!(r.origin.as_deref(), Some("https://prime/webacs/api/v3/op"));
    // An explicit label wins over the rootUrl (the origin rule).
    let mut response = MgmtResponse::new(vec![LicenseInfo::default()]);
    response.root_url = Some("https://localhost/webacs/api/v3/op".into());
    let labelled = from_cisco_prime(&response, Some("prime-east"), &Policy::new(at(AS_OF)));
    assert_eq!(labelled[0].origin.as_deref(), Some("prime-east"));
    let r = prime(Some("LICENSED"), Some(3), Some(10), Some(0));
    assert_eq!(
        (r.status, r.severity),
        (Status::Expiring, Severity::Critical)
    );
    assert_eq!(r.flags, vec![Flag::AtCapacity]);
    let r = prime(Some("LICENSED"), Some(90), Some(0), Some(0));
    assert_eq!(r.flags, vec![]);
    let r = prime(None, Some(90), None, Some(i32::MAX));
    assert_eq!(r.flags, vec![Flag::MissingField]);
    let usage = r.usage.unwrap();
    assert_eq!(
        (usage.used, usage.remaining, usage.limit),
        (None, Some(i64::from(i32::MAX)), None)
    );
    let r = prime(Some("WHATEVER"), Some(90), Some(i32::MAX), Some(i32::MAX));
    assert_eq!(r.flags, vec![Flag::UnknownStatus]);
    assert_eq!(r.usage.unwrap().limit, Some(2 * i64::from(i32::MAX)));
    assert_eq!(r.expires_at, None);
}

#[test]
fn a_perpetual_prime_license_with_a_huge_days_to_expire_is_active() {
    let path = licscope_fixtures::root().join("prime/valid/perpetual-license.xml");
    let input = std::fs::read(&path).unwrap();
    let policy = Policy::new(at(AS_OF));
    let records =
        licscope_normalize::normalize(&input, licscope_normalize::SourceHint::Auto, None, &policy)
            .unwrap();
    let r = &records[0];
    assert_eq!(
        (r.status, r.severity, r.days_to_expiry),
        (Status::Active, Severity::Ok, Some(2_147_483_647))
    );
    assert_eq!(
        r.origin.as_deref(),
        Some("https://prime.example.net/webacs/api/v3/op")
    );
}
