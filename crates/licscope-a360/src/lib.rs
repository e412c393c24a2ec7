//! Typed model and decoder for the Automation Anywhere Automation 360 Control Room
//! license-details API, `GET <control-room>/v2/license/details`, and its seat counts per
//! product and feature, `POST <control-room>/v2/license/product/list` ([`decode_products`]:
//! the shape and what of it is a guess are in its module's documentation).
//!
//! [`decode`] turns the response body into a [`LicenseDetails`] in one pass over the bytes,
//! without an intermediate JSON tree. Decoding is lenient where real Control Rooms vary and
//! strict where a wrong answer would be silent:
//!
//! - Unknown `type` and `licenseMode` values are kept as `Other(String)`, unknown fail-safe codes
//!   as [`FailSafeStatus::Other`]; unknown keys are ignored; keys come in any order; a missing
//!   key and `null` both decode to `None`.
//! - Timestamps are RFC 3339 with 0 to 9 fractional digits, `Z`, `z` or an offset such as
//!   `+05:30`, kept in the offset they were written in.
//! - A wrong JSON type, an impossible date, a duplicate key or malformed JSON is an [`Error`]
//!   that names the field, the line and the column.
//!
//! [`LicenseDetails::validate`] is the strict view: it lists every missing field and every
//! inconsistency (a file license in fail-safe, expiry before installation, unknown values).
//! [`decode_response`] also accepts the Control Room's error body ([`ApiError`]), so a caller can
//! tell an API error from a malformed payload.
//!
//! # Example
//!
//! ```
//! use licscope_a360::{FailSafeStatus, LicenseMode, LicenseType, decode};
//!
//! let body = br#"{
//!     "type": "PURCHASED",
//!     "installationDate": "2020-09-14T18:30:00Z",
//!     "expirationDate": "2021-04-27T18:30:00Z",
//!     "failSafeStatus": 1,
//!     "controlRoomLicenseServerSyncStatus": false,
//!     "installedCrId": "b96edac7-b7e3-57bf-b857-ad14ac754674",
//!     "licenseMode": "CloudLicense"
//! }"#;
//! let license = decode(body)?;
//! assert_eq!(license.license_type, Some(LicenseType::Purchased));
//! assert_eq!(license.license_mode, Some(LicenseMode::CloudLicense));
//! assert_eq!(license.fail_safe_status, Some(FailSafeStatus::FailSafe));
//! assert_eq!(license.expiration_date.map(|d| d.year()), Some(2021));
//! assert!(license.validate().is_empty());
//!
//! let err = decode(br#"{"expirationDate": "2021-02-30T00:00:00Z"}"#).unwrap_err();
//! assert_eq!(err.path(), Some("expirationDate"));
//! assert_eq!((err.line(), err.column()), (Some(1), Some(20)));
//! # Ok::<(), licscope_a360::Error>(())
//! ```
//!
//! # Errors
//!
//! Every decoder returns [`Error`], shared by all licscope crates. Its [`ErrorKind`]:
//!
//! | kind | when |
//! |---|---|
//! | `Empty` | zero bytes or only whitespace |
//! | `Encoding` | UTF-16 or UTF-32 input (named in the message), invalid UTF-8 |
//! | `Syntax`, `Eof`, `TrailingData` | malformed or truncated JSON, data after the document |
//! | `InvalidType` | a field of the wrong JSON type; a document that is not an object |
//! | `InvalidValue` | an impossible timestamp; an integer outside `i64` |
//! | `DuplicateField` | a key given twice in the document's object |
//! | `UnexpectedDocument` | an object with none of the license-details keys |
//! | `VendorError` | ([`decode`] only) the document is the Control Room's error body |
//! | `LimitExceeded` | one of the [`Limits`] |
//!
//! Line and column are 1-based; columns count characters. A leading UTF-8 byte-order mark is
//! skipped, as RFC 8259 allows, and offsets still count it.
//!
//! # Limits
//!
//! [`decode`] uses [`default_limits`]: at most 1 MiB of input, nesting 128 deep, strings of
//! 1 MiB. [`decode_with`] takes other [`Limits`]. Timestamps must lie within years 0000 to 9999
//! once converted to UTC, so that every decoded value can be written back as RFC 3339 in UTC;
//! leap seconds (`:60`) are refused. Duplicate keys are detected in the document's object, not
//! inside the values of unknown keys, which are checked for syntax only.

#![deny(missing_docs)]

mod decode;
mod model;
mod products;
mod validate;

#[doc(hidden)]
pub use decode::decode_response_general;
pub use decode::{decode_plain, decode_response_with, decode_with, default_limits};
pub use licscope_syntax::{Error, ErrorKind, Limits};
pub use model::{
    ApiError, ControlRoomId, FailSafeStatus, LicenseDetails, LicenseMode, LicenseType, Response,
    Uuid, UuidError,
};
pub use products::{
    Feature, Metric, Product, ProductList, ProductName, ProductUsage, ProductsResponse, UsageItem,
    decode_product_usage, decode_products, decode_products_response_with, is_product_list,
    is_product_usage,
};
pub use validate::{Diagnostic, DiagnosticKind};

/// Decodes a license-details response body with [`default_limits`].
///
/// # Errors
///
/// An [`Error`] for malformed input, and one of kind [`ErrorKind::VendorError`] when the body is
/// the Control Room's error body; use [`decode_response`] to receive that as a value.
pub fn decode(input: &[u8]) -> Result<LicenseDetails, Error> {
    decode_with(input, &default_limits())
}

/// Decodes a response body that is either license details or the Control Room's error body.
///
/// # Errors
///
/// An [`Error`] for malformed input.
pub fn decode_response(input: &[u8]) -> Result<Response, Error> {
    decode_response_with(input, &default_limits())
}
