//! Maps the Automation 360 and Cisco Prime license models into one vendor-neutral
//! [`LicenseRecord`] (schema version 1), detects which API a payload came from, and publishes
//! the record's JSON Schema.
//!
//! A record says what a monitoring system needs: the license's [`Status`] and [`Severity`], its
//! expiry ([`expires_at`](LicenseRecord::expires_at), [`days_to_expiry`](LicenseRecord::days_to_expiry)),
//! device [`Usage`], [`Flag`]s for everything else worth knowing, and the vendor's own record.
//! The clock is injectable: every function takes a [`Policy`] holding the instant to evaluate
//! at and the warning and critical windows (30 and 7 days by default, the vendor's own
//! thresholds).
//!
//! # Example
//!
//! ```
//! use licscope_normalize::{Policy, Severity, SourceHint, Status, normalize};
//! use licscope_syntax::parse_rfc3339;
//!
//! let body = br#"{"type": "PURCHASED", "expirationDate": "2026-12-01T00:00:00Z",
//!                 "failSafeStatus": 0, "controlRoomLicenseServerSyncStatus": true,
//!                 "installationDate": "2025-12-01T00:00:00Z", "installedCrId": "",
//!                 "licenseMode": "FileLicense"}"#;
//! let as_of = parse_rfc3339("2026-11-10T12:00:00Z").expect("a valid instant");
//! let records = normalize(body, SourceHint::Auto, Some("cr-prod"), &Policy::new(as_of))?;
//! assert_eq!(records[0].status, Status::Expiring);
//! assert_eq!(records[0].severity, Severity::Warning);
//! assert_eq!(records[0].days_to_expiry, Some(20)); // 20.5 days, floored
//! # Ok::<(), licscope_syntax::Error>(())
//! ```
//!
//! # Rules
//!
//! The first matching rule sets status and severity; the only later changes are
//! `license-server-unsynced` (Automation 360) or `at-capacity` raising an `ok` severity to
//! `warning`, and the usage thresholds ([`Policy::usage_severity`]) raising the severity of an
//! active or expiring record with usage. See [`from_automation360`], [`from_cisco_prime`] and
//! [`from_product_usage`] (Automation 360 seats) for the rules of each source.
//!
//! # Perpetual Cisco Prime licenses
//!
//! Prime's API reference documents `daysToExpire` as "the number of days until this license
//! expires" and says nothing of permanent licenses; no public client code shows a sentinel.
//! licscope therefore reads the number as given: a permanent license that Prime reports with a
//! large `daysToExpire` (the fixture `perpetual-license` uses 2147483647, Java's
//! `Integer.MAX_VALUE`) is `active`, and one reported with 0 or less would be `expired`. If a
//! Prime release is found to report permanent licenses differently, the rule belongs here.
//!
//! # Errors
//!
//! [`decode`] and [`normalize`] return the decoders' [`licscope_syntax::Error`]; vendor error
//! documents are errors of kind `VendorError` that quote the vendor's message.

#![deny(missing_docs)]

mod detect;
mod record;
mod rules;
mod transcode;

pub use detect::{Decoded, SourceHint, decode, normalize};
pub use record::{
    Flag, LicenseRecord, SCHEMA_VERSION, Severity, Source, Status, Usage, VendorRecord, json_schema,
};
pub use rules::{
    Policy, from_automation360, from_automation360_products, from_cisco_prime,
    from_cisco_prime_record, from_product_usage,
};
