//! Properties: the first matching rule decides; days_to_expiry agrees with expires_at; every
//! record validates against the schema; records read back to themselves.

use licscope_a360::{
    FailSafeStatus, Feature, LicenseDetails, Product, ProductList, ProductUsage, UsageItem,
};
use licscope_normalize::{
    LicenseRecord, Policy, Severity, Status, from_automation360, from_cisco_prime,
    from_product_usage,
};
use licscope_prime::{LicenseInfo, LicenseStatus, MgmtResponse};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::schema::Validator;

fn instant() -> impl Strategy<Value = OffsetDateTime> {
    // 2000-01-01 .. 2100-01-01, to the nanosecond.
    (946_684_800i64..4_102_444_800, 0u32..1_000_000_000).prop_map(|(s, n)| {
        OffsetDateTime::from_unix_timestamp(s).unwrap() + Duration::nanoseconds(i64::from(n))
    })
}

/// The Automation 360 rules as a list of (condition, outcome), checked in order.
fn a360_reference(d: &LicenseDetails, p: &Policy) -> (Status, Severity) {
    let Some(expires) = d.expiration_date else {
        return (Status::Unknown, Severity::Unknown);
    };
    let seconds = (expires - p.as_of()).as_seconds_f64();
    let code = d.fail_safe_status.map(FailSafeStatus::code);
    let days = (seconds / 86_400.0).floor() as i64;
    let rules: [(bool, Status, Severity); 7] = [
        (expires <= p.as_of(), Status::Expired, Severity::Critical),
        (code == Some(2), Status::Suspended, Severity::Critical),
        (code == Some(1), Status::Degraded, Severity::Warning),
        (
            code.is_some_and(|c| !(0..=2).contains(&c)),
            Status::Unknown,
            Severity::Unknown,
        ),
        (days <= p.crit_days(), Status::Expiring, Severity::Critical),
        (days <= p.warn_days(), Status::Expiring, Severity::Warning),
        (true, Status::Active, Severity::Ok),
    ];
    let (_, status, severity) = rules.into_iter().find(|r| r.0).unwrap();
    let raised = severity == Severity::Ok && d.license_server_synced == Some(false);
    (status, if raised { Severity::Warning } else { severity })
}

fn prime_reference(r: &LicenseInfo<'_>, p: &Policy) -> (Status, Severity) {
    let status = r.status.as_ref().map(LicenseStatus::as_str);
    let rem = r.device_count_remaining;
    let days = r.days_to_expire.map(i64::from);
    let rules: [(bool, Status, Severity); 8] = [
        (
            status == Some("NOT_LICENSED"),
            Status::Unlicensed,
            Severity::Critical,
        ),
        (
            status == Some("EXCEEDED") || rem.is_some_and(|x| x < 0),
            Status::OverLimit,
            Severity::Critical,
        ),
        (
            status != Some("LICENSED"),
            Status::Unknown,
            Severity::Unknown,
        ),
        (days.is_none(), Status::Unknown, Severity::Unknown),
        (
            days.is_some_and(|d| d <= 0),
            Status::Expired,
            Severity::Critical,
        ),
        (
            days.is_some_and(|d| d <= p.crit_days()),
            Status::Expiring,
            Severity::Critical,
        ),
        (
            days.is_some_and(|d| d <= p.warn_days()),
            Status::Expiring,
            Severity::Warning,
        ),
        (true, Status::Active, Severity::Ok),
    ];
    let (_, status, severity) = rules.into_iter().find(|r| r.0).unwrap();
    let at_capacity = rem == Some(0) && r.device_count_used.is_some_and(|u| u > 0);
    let severity = if severity == Severity::Ok && at_capacity {
        Severity::Warning
    } else {
        severity
    };
    // The usage thresholds, for a record not already critical for another reason: used of
    // the limit against the percentages, in exact integers.
    let judged = match (r.device_count_used, rem) {
        (Some(used), Some(rem)) if matches!(status, Status::Active | Status::Expiring) => {
            let limit = (i128::from(used) + i128::from(rem)).max(0);
            let hundred_used = i128::from(used) * 100;
            if hundred_used > limit * i128::from(p.usage_critical()) {
                Severity::Critical
            } else if used > 0 && hundred_used >= limit * i128::from(p.usage_warning()) {
                Severity::Warning
            } else {
                Severity::Ok
            }
        }
        _ => Severity::Ok,
    };
    (status, severity.worst(judged))
}

fn details() -> impl Strategy<Value = LicenseDetails> {
    (
        proptest::option::weighted(0.9, instant()),
        proptest::option::weighted(
            0.9,
            prop_oneof![4 => Just(0i64), 1 => Just(1), 1 => Just(2), 1 => -3i64..10],
        ),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(expires, fs, synced)| {
            let mut d = LicenseDetails::default();
            d.expiration_date = expires;
            d.fail_safe_status = fs.map(FailSafeStatus::from);
            d.license_server_synced = synced;
            d
        })
}

fn prime_info() -> impl Strategy<Value = LicenseInfo<'static>> {
    let small = prop_oneof![3 => -5i32..60, 1 => any::<i32>()];
    (
        proptest::option::weighted(0.9, small.clone()),
        proptest::option::weighted(0.9, small.clone()),
        proptest::option::weighted(0.9, small),
        proptest::option::weighted(
            0.9,
            proptest::sample::select(vec!["LICENSED", "NOT_LICENSED", "EXCEEDED", "EVAL"]),
        ),
    )
        .prop_map(|(days, used, rem, status)| {
            let mut r = LicenseInfo::default();
            r.days_to_expire = days;
            r.device_count_used = used;
            r.device_count_remaining = rem;
            r.name = Some("Feature".into());
            r.status = status.map(LicenseStatus::from);
            r
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (instant(), 0i64..60, 0i64..20, 0u32..150, 0u32..150).prop_map(
        |(at, warn, crit, usage_warn, usage_crit)| {
            Policy::new(at)
                .with_warn_days(warn.max(crit))
                .with_crit_days(crit)
                .with_usage_warning(usage_warn.min(usage_crit))
                .with_usage_critical(usage_crit)
        },
    )
}

fn round_trips(record: &LicenseRecord, validator: &Validator) -> Result<(), String> {
    let json = serde_json::to_value(record).map_err(|e| e.to_string())?;
    validator.check(&json)?;
    let back: LicenseRecord = serde_json::from_value(json).map_err(|e| e.to_string())?;
    if &back == record {
        Ok(())
    } else {
        Err(format!("read back as {back:?}"))
    }
}

/// The seat rules as a list of (condition, outcome), checked in order, then the thresholds.
fn seat_reference(f: &Feature, p: &Policy) -> (Status, Severity) {
    let used = f.used_count_by_all_cr.or(f.used_count_by_this_cr);
    let counts = [
        f.purchased_count,
        f.used_count_by_this_cr,
        f.used_count_by_all_cr,
    ];
    let negative = counts.iter().flatten().any(|c| *c < 0);
    let (Some(used), Some(limit)) = (used, f.purchased_count) else {
        return (Status::Unknown, Severity::Unknown);
    };
    if negative {
        return (Status::Unknown, Severity::Unknown);
    }
    if used > limit {
        return (Status::OverLimit, Severity::Critical);
    }
    let (used, limit) = (i128::from(used) * 100, i128::from(limit));
    let severity = if used > limit * i128::from(p.usage_critical()) {
        Severity::Critical
    } else if used > 0 && used >= limit * i128::from(p.usage_warning()) {
        Severity::Warning
    } else {
        Severity::Ok
    };
    (Status::Active, severity)
}

fn feature() -> impl Strategy<Value = Feature> {
    let count = || proptest::option::weighted(0.9, prop_oneof![4 => -2i64..40, 1 => any::<i64>()]);
    (
        count(),
        count(),
        count(),
        proptest::option::of(any::<bool>()),
        "[A-Za-z_ ]{0,12}",
    )
        .prop_map(|(purchased, this_cr, all_cr, enable, name)| {
            let mut f = Feature::default();
            f.purchased_count = purchased;
            f.used_count_by_this_cr = this_cr;
            f.used_count_by_all_cr = all_cr;
            f.enable = enable;
            f.name = Some(name);
            f
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn seats_first_matching_rule_decides(f in feature(), p in policy()) {
        let validator = Validator::new();
        let usage = ProductUsage::new(&ProductList::default(), &Product::default(), UsageItem::Feature(f.clone()));
        let record = from_product_usage(usage, Some("cr"), &p);
        prop_assert_eq!((record.status, record.severity), seat_reference(&f, &p));
        let u = record.usage.unwrap_or_default();
        prop_assert_eq!(u.limit, f.purchased_count);
        prop_assert_eq!(u.used, f.used_count_by_all_cr.or(f.used_count_by_this_cr));
        prop_assert_eq!(round_trips(&record, &validator), Ok(()));
    }

    #[test]
    fn automation360_first_matching_rule_decides(d in details(), p in policy()) {
        let validator = Validator::new();
        let record = from_automation360(&d, None, &p);
        prop_assert_eq!((record.status, record.severity), a360_reference(&d, &p));
        if let (Some(expires), Some(days)) = (record.expires_at, record.days_to_expiry) {
            let since = expires - p.as_of();
            prop_assert!(Duration::days(days) <= since && since < Duration::days(days + 1));
        } else {
            prop_assert!(record.expires_at.is_none() && record.days_to_expiry.is_none());
        }
        prop_assert_eq!(round_trips(&record, &validator), Ok(()));
    }

    #[test]
    fn cisco_prime_first_matching_rule_decides(r in prime_info(), p in policy()) {
        let validator = Validator::new();
        let record = from_cisco_prime(&MgmtResponse::new(vec![r.clone()]), Some("o"), &p).remove(0);
        prop_assert_eq!((record.status, record.severity), prime_reference(&r, &p));
        prop_assert_eq!(record.days_to_expiry, r.days_to_expire.map(i64::from));
        prop_assert_eq!(round_trips(&record, &validator), Ok(()));
    }
}
