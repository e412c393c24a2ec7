//! Raw bytes through source auto-detection and normalization.
//!
//! Invariants: the status and severity agree (each status allows only some severities); flags
//! are sorted and unique; days_to_expiry agrees with expires_at; a record serializes and reads
//! back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_normalize::{LicenseRecord, Policy, Severity, SourceHint, Status, normalize};

fuzz_target!(|data: &[u8]| {
    let as_of = licscope_syntax::parse_rfc3339("2026-11-23T12:00:00Z").expect("a valid instant");
    let policy = Policy::new(as_of);
    let Ok(records) = normalize(data, SourceHint::Auto, Some("fuzz"), &policy) else {
        return;
    };
    for r in records {
        let allowed: &[Severity] = match r.status {
            Status::Active => &[Severity::Ok, Severity::Warning],
            Status::Expiring => &[Severity::Warning, Severity::Critical],
            Status::Degraded => &[Severity::Warning],
            Status::Expired | Status::Unlicensed | Status::OverLimit | Status::Suspended => {
                &[Severity::Critical]
            }
            _ => &[Severity::Unknown],
        };
        assert!(allowed.contains(&r.severity), "{r:?}");
        let names: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        if let (Some(e), Some(d)) = (r.expires_at, r.days_to_expiry) {
            let since = e - as_of;
            assert!(time::Duration::days(d) <= since && since < time::Duration::days(d + 1));
            assert_eq!(r.status == Status::Expired, e <= as_of, "{r:?}");
        }
        let json = serde_json::to_string(&r).expect("a record serializes");
        let back: LicenseRecord = serde_json::from_str(&json).expect("a record reads back");
        assert_eq!(back, r);
    }
});
