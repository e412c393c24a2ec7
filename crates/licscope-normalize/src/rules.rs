//! The status rules: from a vendor model to records.

use licscope_a360::{DiagnosticKind, FailSafeStatus, LicenseDetails};
use licscope_prime::{LicenseInfo, LicenseStatus, MgmtResponse};
use time::{OffsetDateTime, UtcOffset};

use crate::record::{Flag, LicenseRecord, Severity, Source, Status, Usage, VendorRecord, owned};

/// When and how records are evaluated: the instant (the clock is injectable) and the windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    as_of: OffsetDateTime,
    warn_days: i64,
    crit_days: i64,
}

impl Policy {
    /// Evaluates at `as_of` with the default windows: warning from 30 days before expiry,
    /// critical from 7 (the vendor's own expiry warnings).
    pub fn new(as_of: OffsetDateTime) -> Policy {
        Policy {
            as_of: as_of.to_offset(UtcOffset::UTC),
            warn_days: 30,
            crit_days: 7,
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
/// `at-capacity`, which raises ok to warning.
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
    if remaining == Some(0) && used.is_some_and(|u| u > 0) {
        flags.push(Flag::AtCapacity);
        if severity == Severity::Ok {
            severity = Severity::Warning;
        }
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
        usage: Some(Usage::new(used, remaining)),
        flags: sorted(flags),
        vendor: VendorRecord::CiscoPrime(record.into_owned()),
        as_of: policy.as_of,
    }
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
