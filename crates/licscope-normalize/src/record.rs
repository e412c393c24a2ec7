//! The vendor-neutral license record, schema version 1.

use std::borrow::Cow;
use std::fmt;

use licscope_a360::{LicenseDetails, ProductUsage};
use licscope_prime::LicenseInfo;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::transcode::JsonText;

/// The version of the record's schema; it changes only when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// One license, evaluated at an instant: the schema other tools depend on.
///
/// Serialized as JSON with the fields in this order. See the crate documentation for the rules
/// that set `status`, `severity` and `flags`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "licscope license record", extend("$id" = "https://licscope.dev/schema/license-record-v1.json"))]
#[non_exhaustive]
pub struct LicenseRecord {
    /// The API the record came from.
    pub source: Source,
    /// Which server the record describes: an explicit label (the command's `--origin`), else
    /// Cisco Prime's `rootUrl`, else the input's file name without directory and extension;
    /// `null` when none is known (standard input without a label).
    pub origin: Option<String>,
    /// Automation 360: `control-room` for the license details; for seats, the product and the
    /// feature named for people (`Control Room: Unattended Bot Runner`); Cisco Prime: the
    /// feature's `name`.
    pub feature: Option<String>,
    /// The license's state.
    pub status: Status,
    /// How urgent the state is.
    pub severity: Severity,
    /// Automation 360: `expirationDate` in UTC (`null` for seats: the details record carries the
    /// expiry); Cisco Prime reports no date (`null`).
    #[serde(with = "licscope_syntax::plumbing::serde_rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub expires_at: Option<OffsetDateTime>,
    /// Whole days from `as_of` to the expiry, rounded toward negative infinity (12 hours past
    /// expiry is -1); Cisco Prime: `daysToExpire`. `null` when unknown.
    pub days_to_expiry: Option<i64>,
    /// Cisco Prime device counts, Automation 360 seat and metric counts; `null` for the
    /// Automation 360 license details.
    pub usage: Option<Usage>,
    /// Findings, sorted by name, each at most once.
    #[schemars(schema_with = "flags_schema")]
    pub flags: Vec<Flag>,
    /// The vendor's record, as `licscope decode` prints it.
    #[schemars(schema_with = "vendor_schema")]
    pub vendor: VendorRecord,
    /// The instant the record was evaluated at, in UTC.
    #[serde(with = "licscope_syntax::plumbing::serde_rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub as_of: OffsetDateTime,
}

/// The API a record came from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[non_exhaustive]
pub enum Source {
    /// Automation Anywhere Automation 360, `GET /v2/license/details`.
    #[serde(rename = "automation360")]
    Automation360,
    /// Cisco Prime Infrastructure, `GET /webacs/api/v3/op/info/license`.
    #[serde(rename = "cisco-prime")]
    CiscoPrime,
}

impl Source {
    /// The name used in the record and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Automation360 => "automation360",
            Source::CiscoPrime => "cisco-prime",
        }
    }
}

/// The state of a license.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Status {
    /// Valid, and not expiring within the warning window.
    Active,
    /// Valid, but expiring within the warning or critical window.
    Expiring,
    /// Past its expiry.
    Expired,
    /// Cisco Prime: the feature is not licensed.
    Unlicensed,
    /// Cisco Prime: more devices than the license allows.
    OverLimit,
    /// Automation 360: in fail-safe mode (license server unreachable).
    Degraded,
    /// Automation 360: fail-safe has expired; the Control Room is suspended.
    Suspended,
    /// Not enough information, or an undocumented value.
    Unknown,
}

impl Status {
    /// Every status, in declaration order (for one-hot encodings).
    pub const ALL: [Status; 8] = [
        Status::Active,
        Status::Expiring,
        Status::Expired,
        Status::Unlicensed,
        Status::OverLimit,
        Status::Degraded,
        Status::Suspended,
        Status::Unknown,
    ];

    /// The name used in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::Unlicensed => "unlicensed",
            Status::OverLimit => "over-limit",
            Status::Degraded => "degraded",
            Status::Suspended => "suspended",
            Status::Unknown => "unknown",
        }
    }
}

/// How urgent a record's state is, with the Nagios plugin codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Nothing to do.
    Ok,
    /// Act soon.
    Warning,
    /// Act now.
    Critical,
    /// The state could not be determined.
    Unknown,
}

impl Severity {
    /// The name used in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
            Severity::Unknown => "unknown",
        }
    }

    /// The Nagios plugin exit code: 0 ok, 1 warning, 2 critical, 3 unknown.
    pub fn nagios_code(self) -> u8 {
        match self {
            Severity::Ok => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
            Severity::Unknown => 3,
        }
    }

    /// The rank for "worst wins": critical > warning > unknown > ok.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Ok => 0,
            Severity::Unknown => 1,
            Severity::Warning => 2,
            Severity::Critical => 3,
        }
    }

    /// The worse of two severities.
    #[must_use]
    pub fn worst(self, other: Severity) -> Severity {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// What is used of a limit: Cisco Prime devices, Automation 360 seats or metric units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Usage {
    /// Cisco Prime: `deviceCountUsed`. Automation 360 seats: `usedCountByAllCr` (the pool that
    /// runs out, shared by every Control Room on a cloud license), else `usedCountByThisCr`;
    /// metrics: `usedCountByThisCr`.
    pub used: Option<i64>,
    /// Cisco Prime: `deviceCountRemaining`. Automation 360: `limit - used`; `null` if either
    /// is missing.
    pub remaining: Option<i64>,
    /// Cisco Prime: `used + remaining`. Automation 360: `purchasedCount`. Computed in 64 bits
    /// (saturating); `null` if a count it needs is missing.
    pub limit: Option<i64>,
}

impl Usage {
    /// Usage from what is used and what remains, with the limit derived (Cisco Prime).
    pub fn new(used: Option<i64>, remaining: Option<i64>) -> Usage {
        Usage {
            used,
            remaining,
            limit: used.zip(remaining).map(|(u, r)| u.saturating_add(r)),
        }
    }

    /// Usage from what is used and the limit, with what remains derived (Automation 360).
    pub fn of_limit(used: Option<i64>, limit: Option<i64>) -> Usage {
        Usage {
            used,
            remaining: limit.zip(used).map(|(l, u)| l.saturating_sub(u)),
            limit,
        }
    }
}

/// A finding about a record, beyond its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Flag {
    /// Automation 360: license allocations are not in sync with the license server.
    LicenseServerUnsynced,
    /// Automation 360: fail-safe mode (status 1).
    FailSafe,
    /// Automation 360: fail-safe expired (status 2).
    FailSafeExpired,
    /// Automation 360: a fail-safe status other than 0, 1, 2.
    UnknownFailSafeStatus,
    /// Automation 360: an undocumented license `type`.
    UnknownLicenseType,
    /// Automation 360: an undocumented `licenseMode`.
    UnknownLicenseMode,
    /// Cisco Prime: an undocumented `status`.
    UnknownStatus,
    /// Automation 360: `expirationDate` before `installationDate`.
    ExpiryBeforeInstallation,
    /// Automation 360: a file license that reports a Control Room id.
    FileLicenseWithControlRoomId,
    /// Automation 360: a file license that reports a fail-safe status other than 0.
    FileLicenseInFailSafe,
    /// No devices or seats remaining while some are used.
    AtCapacity,
    /// A vendor field is absent or `null`.
    MissingField,
    /// Use at or above the warning threshold of the limit, with some of it remaining (a full
    /// pool is `at-capacity`, use beyond it `over-limit`).
    HighUsage,
    /// Automation 360: a negative count, or fewer seats used by all Control Rooms than by this
    /// one.
    InvalidCount,
}

impl Flag {
    /// Every flag, in declaration order.
    pub const ALL: [Flag; 14] = [
        Flag::LicenseServerUnsynced,
        Flag::FailSafe,
        Flag::FailSafeExpired,
        Flag::UnknownFailSafeStatus,
        Flag::UnknownLicenseType,
        Flag::UnknownLicenseMode,
        Flag::UnknownStatus,
        Flag::ExpiryBeforeInstallation,
        Flag::FileLicenseWithControlRoomId,
        Flag::FileLicenseInFailSafe,
        Flag::AtCapacity,
        Flag::MissingField,
        Flag::HighUsage,
        Flag::InvalidCount,
    ];

    /// The name used in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::LicenseServerUnsynced => "license-server-unsynced",
            Flag::FailSafe => "fail-safe",
            Flag::FailSafeExpired => "fail-safe-expired",
            Flag::UnknownFailSafeStatus => "unknown-fail-safe-status",
            Flag::UnknownLicenseType => "unknown-license-type",
            Flag::UnknownLicenseMode => "unknown-license-mode",
            Flag::UnknownStatus => "unknown-status",
            Flag::ExpiryBeforeInstallation => "expiry-before-installation",
            Flag::FileLicenseWithControlRoomId => "file-license-with-control-room-id",
            Flag::FileLicenseInFailSafe => "file-license-in-fail-safe",
            Flag::AtCapacity => "at-capacity",
            Flag::MissingField => "missing-field",
            Flag::HighUsage => "high-usage",
            Flag::InvalidCount => "invalid-count",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The vendor's record a [`LicenseRecord`] was made from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VendorRecord {
    /// The Control Room's license details.
    Automation360(LicenseDetails),
    /// One feature's seats or one metric of the Control Room's product list.
    Automation360Usage(ProductUsage),
    /// One Prime `licenseInfoDTO`.
    CiscoPrime(LicenseInfo<'static>),
}

impl Serialize for VendorRecord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            VendorRecord::Automation360(d) => d.serialize(s),
            VendorRecord::Automation360Usage(u) => u.serialize(s),
            VendorRecord::CiscoPrime(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for LicenseRecord {
    /// Reads a record back; `source` decides how `vendor` is read.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LicenseRecord, D::Error> {
        use serde::de::Error as _;

        #[derive(Deserialize)]
        struct Raw {
            source: Source,
            origin: Option<String>,
            feature: Option<String>,
            status: Status,
            severity: Severity,
            #[serde(default, with = "licscope_syntax::plumbing::serde_rfc3339::option")]
            expires_at: Option<OffsetDateTime>,
            days_to_expiry: Option<i64>,
            usage: Option<Usage>,
            flags: Vec<Flag>,
            vendor: JsonText,
            #[serde(with = "licscope_syntax::plumbing::serde_rfc3339")]
            as_of: OffsetDateTime,
        }

        let raw = Raw::deserialize(d)?;
        let vendor = read_vendor(raw.source, raw.vendor.0.as_bytes())
            .map_err(|e| D::Error::custom(format!("vendor: {}", e.message())))?;
        Ok(LicenseRecord {
            source: raw.source,
            origin: raw.origin,
            feature: raw.feature,
            status: raw.status,
            severity: raw.severity,
            expires_at: raw.expires_at,
            days_to_expiry: raw.days_to_expiry,
            usage: raw.usage,
            flags: raw.flags,
            vendor,
            as_of: raw.as_of,
        })
    }
}

/// Reads a record's `vendor` object with the vendor crate's decoder, the one set of rules for
/// its JSON (see [`licscope_a360::decode`], [`licscope_a360::decode_product_usage`] and
/// [`licscope_prime::decode_json_record`]).
fn read_vendor(source: Source, json: &[u8]) -> Result<VendorRecord, licscope_syntax::Error> {
    match source {
        Source::Automation360 if licscope_a360::is_product_usage(json) => {
            licscope_a360::decode_product_usage(json).map(VendorRecord::Automation360Usage)
        }
        Source::Automation360 => licscope_a360::decode(json).map(VendorRecord::Automation360),
        Source::CiscoPrime => {
            licscope_prime::decode_json_record::<LicenseInfo<'_>>(json, &Default::default())
                .map(|r| VendorRecord::CiscoPrime(r.into_owned()))
        }
    }
}

/// The schema of `flags`: names, not an enumeration, so that a flag added within schema version
/// 1 does not invalidate records for consumers of an older copy of the schema.
fn flags_schema(_: &mut SchemaGenerator) -> Schema {
    let known: Vec<&str> = Flag::ALL.iter().map(|f| f.as_str()).collect();
    json_schema!({
        "type": "array",
        "description": "Findings, sorted by name, each at most once. Version 1 may add names; the ones known to this version are listed in `examples`.",
        "items": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "uniqueItems": true,
        "examples": [known]
    })
}

/// The schema of [`VendorRecord`]: the two vendor models, as their serde forms write them. A
/// vendor object may hold properties beyond these (a vendor field added within version 1).
fn vendor_schema(_: &mut SchemaGenerator) -> Schema {
    let nullable_string = json_schema!({"type": ["string", "null"]});
    let nullable_int = json_schema!({"type": ["integer", "null"]});
    let nullable_date = json_schema!({"type": ["string", "null"], "format": "date-time"});
    let count = json_schema!({"type": ["integer", "null"], "description": "A count as sent (a numeric string is read as its number); may be negative or above the purchase."});
    let id = json_schema!({"type": ["string", "null"], "description": "As text: a number is kept as its digits."});
    json_schema!({
        "description": "The vendor's record as `licscope decode` prints it: Automation 360 license details, one Automation 360 feature's seats or metric (the product list's license keys, the details keys it lacks as null, and `product` with `feature` or `metric`), or one Cisco Prime licenseInfoDTO.",
        "oneOf": [
            {
                "title": "Automation 360 license details",
                "type": "object",
                "properties": {
                    "type": nullable_string,
                    "installationDate": nullable_date,
                    "expirationDate": nullable_date,
                    "failSafeStatus": nullable_int,
                    "controlRoomLicenseServerSyncStatus": {"type": ["boolean", "null"]},
                    "installedCrId": nullable_string,
                    "licenseMode": nullable_string,
                    "product": {
                        "description": "Automation 360 seats and metrics: the product of the product list.",
                        "type": "object",
                        "properties": {"id": id, "name": nullable_string}
                    },
                    "feature": {
                        "description": "Automation 360 seats: one feature of the product, with its wire names.",
                        "type": "object",
                        "properties": {
                            "id": id,
                            "name": nullable_string,
                            "enable": {"type": ["boolean", "null"]},
                            "purchasedCount": count,
                            "usedCountByThisCr": count,
                            "usedCountByAllCr": count
                        }
                    },
                    "metric": {
                        "description": "Automation 360 metrics: one metered quantity of the product, with its wire names.",
                        "type": "object",
                        "properties": {
                            "name": nullable_string,
                            "unit": nullable_string,
                            "purchasedCount": count,
                            "usedCountByThisCr": count,
                            "availableCount": count
                        }
                    }
                },
                "required": ["type", "installationDate", "expirationDate", "failSafeStatus",
                             "controlRoomLicenseServerSyncStatus", "installedCrId", "licenseMode"]
            },
            {
                "title": "Cisco Prime licenseInfoDTO",
                "type": "object",
                "properties": {
                    "daysToExpire": {"type": ["integer", "null"], "minimum": i32::MIN, "maximum": i32::MAX},
                    "deviceCountRemaining": {"type": ["integer", "null"], "minimum": i32::MIN, "maximum": i32::MAX},
                    "deviceCountUsed": {"type": ["integer", "null"], "minimum": i32::MIN, "maximum": i32::MAX},
                    "name": nullable_string,
                    "status": nullable_string
                },
                "required": ["daysToExpire", "deviceCountRemaining", "deviceCountUsed", "name", "status"]
            }
        ]
    })
}

/// The record's JSON Schema (draft 2020-12), generated from the Rust types.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(LicenseRecord);
    serde_json::to_value(schema).unwrap_or_default()
}

pub(crate) fn owned(name: Option<&Cow<'_, str>>) -> Option<String> {
    name.map(|n| n.to_string())
}
