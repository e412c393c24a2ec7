//! The status rules: from a vendor model to records.

use licscope_a360::{
    DiagnosticKind, FailSafeStatus, LicenseDetails, ProductList, ProductUsage, UsageItem,
};
use licscope_prime::{LicenseInfo, LicenseStatus, MgmtResponse};
use time::{OffsetDateTime, UtcOffset};

use crate::record::{Flag, LicenseRecord, Severity, Source, Status, Usage, VendorRecord, owned};

/// When and how records are evaluated: the instant (the clock is injectable), the expiry
/// windows and the usage thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    as_of: OffsetDateTime,
    warn_days: i64,
    crit_days: i64,
    usage_warning: u32,
    usage_critical: u32,
}

impl Policy {
    /// Evaluates at `as_of` with the default windows: warning from 30 days before expiry,
    /// critical from 7 (the vendor's own expiry warnings); and the default usage thresholds:
    /// warning from 90 % of the limit, critical above 100 % (a full pool is a warning, as
    /// Prime's at-capacity is; use beyond the purchase is critical).
    pub fn new(as_of: OffsetDateTime) -> Policy {
        Policy {
            as_of: as_of.to_offset(UtcOffset::UTC),
            warn_days: 30,
            crit_days: 7,
            usage_warning: 90,
            usage_critical: 100,
        }
    }

    /// Sets the usage warning threshold: warning when use reaches `percent` of the limit.
    #[must_use]
    pub fn with_usage_warning(mut self, percent: u32) -> Policy {
        self.usage_warning = percent;
        self
    }

    /// Sets the usage critical threshold: critical when use is above `percent` of the limit.
    #[must_use]
    pub fn with_usage_critical(mut self, percent: u32) -> Policy {
        self.usage_critical = percent;
        self
    }

    /// The usage warning threshold, in percent of the limit (reached: warning).
    pub fn usage_warning(&self) -> u32 {
        self.usage_warning
    }

    /// The usage critical threshold, in percent of the limit (exceeded: critical).
    pub fn usage_critical(&self) -> u32 {
        self.usage_critical
    }

    /// The severity of `used` of `limit` by the thresholds: critical above the critical
    /// percentage, warning from the warning one, else ok. Nothing of nothing is ok; something
    /// of nothing (or of a negative limit) is critical. Exact: computed in 128 bits.
    pub fn usage_severity(&self, used: i64, limit: i64) -> Severity {
        let (used, limit) = (i128::from(used) * 100, i128::from(limit.max(0)));
        if used > limit * i128::from(self.usage_critical) {
            Severity::Critical
        } else if used >= limit * i128::from(self.usage_warning) && used > 0 {
            Severity::Warning
        } else {
            Severity::Ok
        }
    }

    /// Sets the warning window, in days.
    #[must_use]
    pub fn with_warn_days(mut self, days: i64) -> Policy {
        self.warn_days = days;
        self
    }

    /// Sets the critical window, in days.
    #[must_use]
    pub fn with_crit_days(mut self, days: i64) -> Policy {
        self.crit_days = days;
        self
    }

    /// The instant records are evaluated at, in UTC.
    pub fn as_of(&self) -> OffsetDateTime {
        self.as_of
    }

    /// The warning window, in days.
    pub fn warn_days(&self) -> i64 {
        self.warn_days
    }

    /// The critical window, in days.
    pub fn crit_days(&self) -> i64 {
        self.crit_days
    }

    /// The status and severity for a license `days` days from expiry that is otherwise fine.
    fn by_days(&self, days: i64) -> (Status, Severity) {
        if days <= self.crit_days {
            (Status::Expiring, Severity::Critical)
        } else if days <= self.warn_days {
            (Status::Expiring, Severity::Warning)
        } else {
            (Status::Active, Severity::Ok)
        }
    }
}

/// The record of an Automation 360 Control Room license. `origin` labels the Control Room.
///
/// Rules, first match wins: no `expirationDate` → unknown/unknown; `expires_at <= as_of` →
/// expired/critical; fail-safe 2 → suspended/critical; 1 → degraded/warning; any other
/// non-zero code → unknown/unknown; within the critical window → expiring/critical; within
/// the warning window → expiring/warning; else active/ok. An unsynced license server then
/// raises ok to warning.
pub fn from_automation360(
    details: &LicenseDetails,
    origin: Option<&str>,
    policy: &Policy,
) -> LicenseRecord {
    let as_of = policy.as_of;
    // Decoded timestamps lie within 0000..=9999 in UTC, so the conversion is exact.
    let expires_at = details
        .expiration_date
        .and_then(|d| d.checked_to_offset(UtcOffset::UTC));
    let days_to_expiry = expires_at.map(|e| days_between(as_of, e));
    let (status, mut severity) = match (expires_at, details.fail_safe_status) {
        (None, _) => (Status::Unknown, Severity::Unknown),
        (Some(e), _) if e <= as_of => (Status::Expired, Severity::Critical),
        (_, Some(FailSafeStatus::Expired)) => (Status::Suspended, Severity::Critical),
        (_, Some(FailSafeStatus::FailSafe)) => (Status::Degraded, Severity::Warning),
        (_, Some(s)) if !s.is_known() => (Status::Unknown, Severity::Unknown),
        (_, _) => policy.by_days(days_to_expiry.unwrap_or(i64::MIN)),
    };
    let mut flags = Vec::new();
    if details.license_server_synced == Some(false) {
        flags.push(Flag::LicenseServerUnsynced);
        if severity == Severity::Ok {
            severity = Severity::Warning;
        }
    }
    match details.fail_safe_status {
        Some(FailSafeStatus::FailSafe) => flags.push(Flag::FailSafe),
        Some(FailSafeStatus::Expired) => flags.push(Flag::FailSafeExpired),
        _ => {}
    }
    flags.extend(details.validate().iter().filter_map(|d| match d.kind() {
        DiagnosticKind::MissingField => Some(Flag::MissingField),
        DiagnosticKind::UnknownLicenseType => Some(Flag::UnknownLicenseType),
        DiagnosticKind::UnknownLicenseMode => Some(Flag::UnknownLicenseMode),
        DiagnosticKind::UnknownFailSafeStatus => Some(Flag::UnknownFailSafeStatus),
        DiagnosticKind::ExpiryBeforeInstallation => Some(Flag::ExpiryBeforeInstallation),
        DiagnosticKind::FileLicenseInFailSafe => Some(Flag::FileLicenseInFailSafe),
        DiagnosticKind::FileLicenseWithControlRoomId => Some(Flag::FileLicenseWithControlRoomId),
        _ => None,
    }));
    LicenseRecord {
        source: Source::Automation360,
        origin: origin.map(str::to_owned),
        feature: Some("control-room".to_owned()),
        status,
        severity,
        expires_at,
        days_to_expiry,
        usage: None,
        flags: sorted(flags),
        vendor: VendorRecord::Automation360(details.clone()),
        as_of,
    }
}

/// The records of a Cisco Prime license-info response, one per `licenseInfoDTO`, in document
/// order. `origin` labels the server; without one, the envelope's `rootUrl` does.
///
/// Rules, first match wins: `NOT_LICENSED` → unlicensed/critical; `EXCEEDED` or fewer than
/// zero devices remaining → over-limit/critical; an unknown or missing status → unknown/unknown;
/// no `daysToExpire` → unknown/unknown; `daysToExpire <= 0` → expired/critical; then the
/// windows as for Automation 360; else active/ok. No devices remaining while some are used adds
/// `at-capacity`, which raises ok to warning. An active or expiring record is then raised by
/// the usage thresholds of `used` of `used + remaining` ([`Policy::usage_severity`]), with
/// `high-usage` when some devices remain.
pub fn from_cisco_prime(
    response: &MgmtResponse<LicenseInfo<'_>>,
    origin: Option<&str>,
    policy: &Policy,
) -> Vec<LicenseRecord> {
    let origin = origin.or(response.root_url.as_deref());
    response
        .records
        .iter()
        .map(|record| from_cisco_prime_record(record.clone(), origin, policy))
        .collect()
}

/// The record of one Cisco Prime `licenseInfoDTO`, for decoders that yield records one at a
/// time ([`XmlStream`](licscope_prime::XmlStream), [`JsonRecords`](licscope_prime::JsonRecords)).
/// `origin` is the label [`from_cisco_prime`] would choose: the caller's, else the envelope's
/// `rootUrl`. The rules are those of [`from_cisco_prime`]; the record is moved into
/// [`VendorRecord::CiscoPrime`].
pub fn from_cisco_prime_record(
    record: LicenseInfo<'_>,
    origin: Option<&str>,
    policy: &Policy,
) -> LicenseRecord {
    let days = record.days_to_expire.map(i64::from);
    let used = record.device_count_used.map(i64::from);
    let remaining = record.device_count_remaining.map(i64::from);
    let (status, mut severity) = match (&record.status, days) {
        (Some(LicenseStatus::NotLicensed), _) => (Status::Unlicensed, Severity::Critical),
        (Some(LicenseStatus::Exceeded), _) => (Status::OverLimit, Severity::Critical),
        _ if remaining.is_some_and(|r| r < 0) => (Status::OverLimit, Severity::Critical),
        (Some(LicenseStatus::Licensed), Some(d)) if d <= 0 => (Status::Expired, Severity::Critical),
        (Some(LicenseStatus::Licensed), Some(d)) => policy.by_days(d),
        _ => (Status::Unknown, Severity::Unknown),
    };
    let mut flags = Vec::new();
    let usage = Usage::new(used, remaining);
    if remaining == Some(0) && used.is_some_and(|u| u > 0) {
        flags.push(Flag::AtCapacity);
        if severity == Severity::Ok {
            severity = Severity::Warning;
        }
    }
    if licensed(status) {
        severity = by_usage(&usage, policy, severity, &mut flags);
    }
    if record.status.as_ref().is_some_and(|s| !s.is_known()) {
        flags.push(Flag::UnknownStatus);
    }
    let complete = days.is_some()
        && used.is_some()
        && remaining.is_some()
        && record.name.is_some()
        && record.status.is_some();
    if !complete {
        flags.push(Flag::MissingField);
    }
    LicenseRecord {
        source: Source::CiscoPrime,
        origin: origin.map(str::to_owned),
        feature: owned(record.name.as_ref()),
        status,
        severity,
        expires_at: None,
        days_to_expiry: days,
        usage: Some(usage),
        flags: sorted(flags),
        vendor: VendorRecord::CiscoPrime(record.into_owned()),
        as_of: policy.as_of,
    }
}

/// Whether a record's status leaves its usage to be judged: active or expiring. Not unlicensed,
/// expired or over the limit (already critical), not unknown (its severity stays unknown: a
/// status licscope cannot read is not made to look judged).
fn licensed(status: Status) -> bool {
    matches!(status, Status::Active | Status::Expiring)
}

/// Raises `severity` by the usage thresholds and adds `high-usage` when they raise it while
/// some of the limit remains (a full pool is `at-capacity`, beyond it `over-limit`).
fn by_usage(usage: &Usage, policy: &Policy, severity: Severity, flags: &mut Vec<Flag>) -> Severity {
    let (Some(used), Some(limit)) = (usage.used, usage.limit) else {
        return severity;
    };
    let judged = policy.usage_severity(used, limit);
    if judged != Severity::Ok && usage.remaining.is_some_and(|r| r > 0) {
        flags.push(Flag::HighUsage);
    }
    severity.worst(judged)
}

/// The records of an Automation 360 product list: one per feature that is not disabled
/// (`enable` true, missing or `null`) and one per metric, product by product in the order
/// sent. See [`from_product_usage`] for each.
pub fn from_automation360_products(
    list: &ProductList,
    origin: Option<&str>,
    policy: &Policy,
) -> Vec<LicenseRecord> {
    list.usage()
        .filter(|u| !matches!(&u.item, UsageItem::Feature(f) if f.enable == Some(false)))
        .map(|u| from_product_usage(u, origin, policy))
        .collect()
}

/// The record of one feature's seats or one metric of a product list; `origin` labels the
/// Control Room.
///
/// `feature` names the product and the feature for people: `Development` is Bot Creator,
/// `Runtime` Unattended Bot Runner, `AttendedRuntime` Attended Bot Runner, other wire names are
/// split at their capitals (`ControlRoom: Runtime` becomes `Control Room: Unattended Bot
/// Runner`, `Cognitive` metric `DocumentPages` becomes `Cognitive: Document Pages`); a
/// missing name is `product ID`/`feature ID`, or `product`/`feature`/`metric` alone. Usage: used is
/// `usedCountByAllCr` (the pool that runs out when Control Rooms share a cloud license), else
/// `usedCountByThisCr`; a metric's is `usedCountByThisCr`; the limit is `purchasedCount`; the
/// other counts stay in `vendor`. The expiry is the details record's: `expires_at` and
/// `days_to_expiry` are `null`, so one license does not raise one expiry alert per feature.
///
/// Rules, first match wins: a negative count → unknown/unknown with `invalid-count`; used or
/// the purchase missing → unknown/unknown with `missing-field`; used above the purchase →
/// over-limit/critical; else active, with the severity of the usage thresholds
/// ([`Policy::usage_severity`]). None used of none purchased is active/ok. A full pool adds
/// `at-capacity`; the thresholds raising the severity with seats remaining add `high-usage`;
/// fewer used by all Control Rooms than by this one adds `invalid-count`.
pub fn from_product_usage(
    usage: ProductUsage,
    origin: Option<&str>,
    policy: &Policy,
) -> LicenseRecord {
    let (counts, used) = match &usage.item {
        UsageItem::Feature(f) => (
            [
                f.purchased_count,
                f.used_count_by_this_cr,
                f.used_count_by_all_cr,
            ],
            f.used_count_by_all_cr.or(f.used_count_by_this_cr),
        ),
        UsageItem::Metric(m) => (
            [
                m.purchased_count,
                m.used_count_by_this_cr,
                m.available_count,
            ],
            m.used_count_by_this_cr,
        ),
    };
    let limit = counts[0];
    let seats = Usage::of_limit(used, limit);
    let mut flags = Vec::new();
    let negative = counts.iter().flatten().any(|&c| c < 0);
    let fewer_by_all = matches!(&usage.item, UsageItem::Feature(f)
        if f.used_count_by_all_cr.zip(f.used_count_by_this_cr).is_some_and(|(all, this)| all < this));
    if negative || fewer_by_all {
        flags.push(Flag::InvalidCount);
    }
    let (status, mut severity) = match (used, limit) {
        _ if negative => (Status::Unknown, Severity::Unknown),
        (Some(used), Some(limit)) if used > limit => (Status::OverLimit, Severity::Critical),
        (Some(_), Some(_)) => (Status::Active, Severity::Ok),
        _ => {
            flags.push(Flag::MissingField);
            (Status::Unknown, Severity::Unknown)
        }
    };
    if status == Status::Active {
        if seats.remaining == Some(0) && used.is_some_and(|u| u > 0) {
            flags.push(Flag::AtCapacity);
        }
        severity = by_usage(&seats, policy, severity, &mut flags);
    }
    LicenseRecord {
        source: Source::Automation360,
        origin: origin.map(str::to_owned),
        feature: Some(usage_name(&usage)),
        status,
        severity,
        expires_at: None,
        days_to_expiry: None,
        usage: Some(seats),
        flags: sorted(flags),
        vendor: VendorRecord::Automation360Usage(usage),
        as_of: policy.as_of,
    }
}

/// `Product: Feature`, named for people.
fn usage_name(usage: &ProductUsage) -> String {
    let product = people_name(
        usage.product.name.as_deref(),
        usage.product.id.as_deref(),
        "product",
    );
    let (name, id, what) = match &usage.item {
        UsageItem::Feature(f) => (f.name.as_deref(), f.id.as_deref(), "feature"),
        UsageItem::Metric(m) => (m.name.as_deref(), None, "metric"),
    };
    let item = match name {
        Some("Development") => "Bot Creator".to_owned(),
        Some("Runtime") => "Unattended Bot Runner".to_owned(),
        Some("AttendedRuntime") => "Attended Bot Runner".to_owned(),
        _ => people_name(name, id, what),
    };
    format!("{product}: {item}")
}

/// A wire name split at its capitals (`ControlRoom` → `Control Room`, `IQBot` → `IQ Bot`,
/// `Bot_Farm` → `Bot Farm`); without a name, `WHAT ID`, or `WHAT` alone.
fn people_name(name: Option<&str>, id: Option<&str>, what: &str) -> String {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return match id {
            Some(id) => format!("{what} {id}"),
            None => what.to_owned(),
        };
    };
    let chars: Vec<char> = name
        .chars()
        .map(|c| if c == '_' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1);
        let starts_word = c.is_uppercase()
            && before.is_some_and(|b| {
                b.is_lowercase()
                    || b.is_ascii_digit()
                    || (b.is_uppercase() && after.is_some_and(|a| a.is_lowercase()))
            });
        if starts_word && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Whole days from `from` to `to`, rounded toward negative infinity.
pub(crate) fn days_between(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    const NANOS_PER_DAY: i128 = 86_400 * 1_000_000_000;
    let days = (to - from).whole_nanoseconds().div_euclid(NANOS_PER_DAY);
    // Both instants lie within years 0000..=9999, about 3.7 million days apart at most.
    i64::try_from(days).unwrap_or(if days < 0 { i64::MIN } else { i64::MAX })
}

fn sorted(mut flags: Vec<Flag>) -> Vec<Flag> {
    flags.sort_by_key(|f| f.as_str());
    flags.dedup();
    flags
}
