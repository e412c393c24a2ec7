//! The typed model of the license-details response and of the Control Room error body.

use std::fmt;
use std::str::FromStr;

use licscope_syntax::open_string_enum;
use serde::Serialize;
use time::OffsetDateTime;

/// The answer of `GET <control-room>/v2/license/details`.
///
/// Every field is optional: the vendor documents none as required, and real Control Rooms omit
/// some or send `null` (both decode to `None`; [`validate`](LicenseDetails::validate) reports
/// them). Serialized, it has the vendor's field names and order, with `null` for `None`, and
/// [`decode`](crate::decode) reads that form back to an equal value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseDetails {
    /// `type`: purchased, trial, or another value.
    #[serde(rename = "type")]
    pub license_type: Option<LicenseType>,
    /// `installationDate`, with the offset it was written in.
    #[serde(serialize_with = "licscope_syntax::plumbing::serde_rfc3339::option::serialize")]
    pub installation_date: Option<OffsetDateTime>,
    /// `expirationDate`, with the offset it was written in.
    #[serde(serialize_with = "licscope_syntax::plumbing::serde_rfc3339::option::serialize")]
    pub expiration_date: Option<OffsetDateTime>,
    /// `failSafeStatus`.
    pub fail_safe_status: Option<FailSafeStatus>,
    /// `controlRoomLicenseServerSyncStatus`: whether this Control Room's license allocations match
    /// the license server.
    #[serde(rename = "controlRoomLicenseServerSyncStatus")]
    pub license_server_synced: Option<bool>,
    /// `installedCrId`: the Control Room the license is installed on.
    #[serde(rename = "installedCrId")]
    pub installed_control_room: Option<ControlRoomId>,
    /// `licenseMode`: file or cloud license, or another value.
    pub license_mode: Option<LicenseMode>,
}

open_string_enum! {
    /// The license `type`. The vendor documents `PURCHASED`; its license pages also name trials.
    pub enum LicenseType {
        /// `PURCHASED`
        Purchased = "PURCHASED",
        /// `TRIAL`
        Trial = "TRIAL",
    }
}

open_string_enum! {
    /// How the license was installed (`licenseMode`).
    pub enum LicenseMode {
        /// `FileLicense`: from a license file; fail-safe status is then always 0.
        FileLicense = "FileLicense",
        /// `CloudLicense`: through a connection with the license server.
        CloudLicense = "CloudLicense",
    }
}

/// The `failSafeStatus` of a cloud-licensed Control Room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FailSafeStatus {
    /// 0: connected to the license server (always the value for a file license).
    Connected,
    /// 1: in fail-safe mode; other Control Room API calls fail until the license server is reached.
    FailSafe,
    /// 2: fail-safe has expired; the Control Room is suspended.
    Expired,
    /// Any other integer, kept as sent.
    Other(i64),
}

impl FailSafeStatus {
    /// The numeric code the vendor sends.
    pub fn code(self) -> i64 {
        match self {
            FailSafeStatus::Connected => 0,
            FailSafeStatus::FailSafe => 1,
            FailSafeStatus::Expired => 2,
            FailSafeStatus::Other(n) => n,
        }
    }

    /// Whether the code is one of the documented values 0, 1 and 2.
    pub fn is_known(self) -> bool {
        !matches!(self, FailSafeStatus::Other(_))
    }
}

impl From<i64> for FailSafeStatus {
    fn from(code: i64) -> FailSafeStatus {
        match code {
            0 => FailSafeStatus::Connected,
            1 => FailSafeStatus::FailSafe,
            2 => FailSafeStatus::Expired,
            n => FailSafeStatus::Other(n),
        }
    }
}

impl Serialize for FailSafeStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

/// The `installedCrId` value: none (the vendor sends `""`), a UUID, or another string kept as
/// sent (which [`validate`](LicenseDetails::validate) reports).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ControlRoomId {
    /// `""`: no Control Room id, as file licenses report.
    Unassigned,
    /// A UUID such as `b96edac7-b7e3-57bf-b857-ad14ac754674`.
    Uuid(Uuid),
    /// Any other non-empty string.
    Other(String),
}

impl ControlRoomId {
    /// Reads the vendor's string form.
    pub fn parse(s: &str) -> ControlRoomId {
        if s.is_empty() {
            ControlRoomId::Unassigned
        } else {
            s.parse()
                .map_or_else(|_| ControlRoomId::Other(s.to_owned()), ControlRoomId::Uuid)
        }
    }

    /// Whether a Control Room id is present (anything but `""`).
    pub fn is_assigned(&self) -> bool {
        !matches!(self, ControlRoomId::Unassigned)
    }
}

impl fmt::Display for ControlRoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlRoomId::Unassigned => Ok(()),
            ControlRoomId::Uuid(u) => u.fmt(f),
            ControlRoomId::Other(s) => f.write_str(s),
        }
    }
}

impl Serialize for ControlRoomId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A UUID in its 8-4-4-4-12 hexadecimal form, read in either case and written in lower case
/// (RFC 9562 section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// The 16 bytes, most significant first.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Builds a UUID from its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }
}

/// The string given to [`Uuid::from_str`] is not a hyphenated UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UuidError;

impl fmt::Display for UuidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
    }
}

impl std::error::Error for UuidError {}

impl FromStr for Uuid {
    type Err = UuidError;

    fn from_str(s: &str) -> Result<Uuid, UuidError> {
        /// Where each byte's two hexadecimal digits start in the hyphenated form.
        const PAIRS: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        let b = s.as_bytes();
        if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return Err(UuidError);
        }
        let mut out = [0u8; 16];
        // Every digit is looked up; a bad one sets a high bit in `bad`, checked once at the end.
        let mut bad = 0u8;
        for (byte, &at) in out.iter_mut().zip(&PAIRS) {
            let (hi, lo) = (HEX[usize::from(b[at])], HEX[usize::from(b[at + 1])]);
            bad |= hi | lo;
            *byte = (hi << 4) | (lo & 0x0F);
        }
        if bad & 0xF0 != 0 {
            return Err(UuidError);
        }
        Ok(Uuid(out))
    }
}

/// The value of each hexadecimal digit, either case; 0xFF for any other byte.
static HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// The error body a Control Room sends instead of the requested data:
/// `{"code": "UM1117", "details": null, "message": "Access token expected ..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ApiError {
    /// The vendor's error code, such as `UM1117` or `generic.server.exception`.
    pub code: String,
    /// The human-readable message, if any.
    pub message: Option<String>,
    /// `details`, which the vendor documents loosely: any JSON value, `null` when absent.
    pub details: serde_json::Value,
}

impl ApiError {
    /// Builds an error body from its code and message.
    pub fn new(code: impl Into<String>, message: Option<String>) -> ApiError {
        ApiError {
            code: code.into(),
            message,
            details: serde_json::Value::Null,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// What a license-details request answered: the details, or the Control Room's error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Response {
    /// The license details.
    License(LicenseDetails),
    /// The Control Room's error body.
    Error(ApiError),
}
