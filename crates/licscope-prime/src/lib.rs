//! Typed model, decoders and encoders for Cisco Prime Infrastructure's `mgmtResponse` documents,
//! first for the license-info operation, `GET /webacs/api/v3/op/info/license` (XML, or JSON with
//! `.json`).
//!
//! [`decode_xml`] and [`decode_json`] turn a response body into a [`MgmtResponse`] of
//! [`LicenseInfo`] records in one pass, borrowing feature names from the input; [`XmlStream`]
//! yields records one by one from any `BufRead` in constant memory, and [`JsonRecords`] one by
//! one from a JSON document without building the list. [`to_xml`] and [`to_json`]
//! write a model back as Prime does. The envelope, decoders and encoders are generic over the
//! [`Record`] trait, so other `op/*` operations reuse them by describing their record.
//!
//! Decoding is lenient where Prime versions vary and strict where a wrong answer would be silent:
//!
//! - Every field is optional (`null`, an empty element, `xsi:nil` and a missing element all mean
//!   missing); unknown elements, attributes and keys are skipped; elements and keys come in any
//!   order; an unknown `status` is kept as [`LicenseStatus::Other`].
//! - XML: a declaration or none, comments, processing instructions, CDATA, the five predefined
//!   entities and character references, a self-closing `<mgmtResponse/>`.
//! - JSON: one record as an object instead of an array, the list missing or `null`, counts as
//!   numbers or numeric strings, an element with attributes as `{"$": text, "@attr": ...}`.
//! - A DOCTYPE (never expanded), mismatched tags, a wrong root, an HTML login page, an integer
//!   that is not one or does not fit in 32 bits, a field given twice, and non-UTF-8 input are
//!   errors that name the field, the line and the column.
//!
//! Prime's `errorDocument` is returned as [`Document::Error`] by [`decode_xml_document`] and
//! [`decode_json_document`]; [`decode_xml`] and [`decode_json`] report it as an error of kind
//! [`ErrorKind::VendorError`] quoting the server's message.
//!
//! # Example
//!
//! ```
//! use licscope_prime::{LicenseStatus, decode_xml, to_json};
//!
//! let body = br#"<?xml version="1.0" ?>
//! <mgmtResponse responseType="operation" rootUrl="https://prime.example/webacs/api/v3/op">
//!   <licenseInfoDTO>
//!     <daysToExpire>42</daysToExpire>
//!     <deviceCountRemaining>10</deviceCountRemaining>
//!     <deviceCountUsed>90</deviceCountUsed>
//!     <name>Assurance</name>
//!     <status>LICENSED</status>
//!   </licenseInfoDTO>
//! </mgmtResponse>"#;
//! let response = decode_xml(body)?;
//! let record = &response.records[0];
//! assert_eq!(record.name.as_deref(), Some("Assurance"));
//! assert_eq!(record.status, Some(LicenseStatus::Licensed));
//! assert_eq!(record.days_to_expire, Some(42));
//!
//! // The JSON rendering of the same model decodes to the same model.
//! let json = to_json(&response);
//! assert_eq!(licscope_prime::decode_json(json.as_bytes())?, response);
//!
//! let err = decode_xml(b"<mgmtResponse><licenseInfoDTO><daysToExpire>9999999999</daysToExpire>\
//!                        </licenseInfoDTO></mgmtResponse>").unwrap_err();
//! assert_eq!(err.path(), Some("mgmtResponse.licenseInfoDTO[0].daysToExpire"));
//! # Ok::<(), licscope_prime::Error>(())
//! ```
//!
//! # Errors
//!
//! Every decoder returns the [`Error`] shared by all licscope crates: a matchable [`ErrorKind`],
//! the byte offset, the 1-based line and column (in characters) of the start of the offending
//! element, text or value, and the field path with 0-based record indexes
//! (`mgmtResponse.licenseInfoDTO[2].daysToExpire`; in JSON, a single record rendered as an
//! object has no index). An HTML page gets [`ErrorKind::UnexpectedDocument`] with a message
//! saying that Prime sends its login page to unauthenticated sessions.
//!
//! # Limits
//!
//! [`Limits::default`]: whole documents of at most 256 MiB (streams are unbounded), elements or
//! JSON values nested at most 128 deep, field text and attribute values of at most 1 MiB, at
//! most 10,000,000 records. One XML event (a tag with its attributes, a text, a comment) may
//! be at most the string limit plus 64 KiB, so that a stream never buffers more.
//! The `*_with` functions take other [`Limits`]. `daysToExpire` and the device counts are Java
//! `int`s: 32-bit signed. An empty value counts as missing, so a record whose `name` is `""`
//! decodes with no name.

#![deny(missing_docs)]

mod encode;
mod json;
mod layout;
mod model;
mod wellformed;
mod xml;

pub use encode::{error_to_json, error_to_xml, to_json, to_xml};
pub use json::JsonRecords;
pub use licscope_syntax::{Error, ErrorKind, Limits};
pub use model::{
    Document, ErrorDocument, LicenseInfo, LicenseStatus, MgmtResponse, Record, Scalar,
};
pub use xml::XmlStream;

/// The license-info response: a `mgmtResponse` of `licenseInfoDTO` records.
pub type LicenseResponse<'a> = MgmtResponse<LicenseInfo<'a>>;

/// Decodes a license-info XML document.
///
/// # Errors
///
/// See the crate documentation; an `errorDocument` is an error of kind
/// [`ErrorKind::VendorError`].
pub fn decode_xml(input: &[u8]) -> Result<LicenseResponse<'_>, Error> {
    decode_xml_with(input, &Limits::default())
}

/// Decodes a license-info XML document within `limits`.
///
/// # Errors
///
/// As [`decode_xml`].
pub fn decode_xml_with<'a>(input: &'a [u8], limits: &Limits) -> Result<LicenseResponse<'a>, Error> {
    into_response(decode_xml_document(input, limits)?)
}

/// Decodes a `mgmtResponse` XML document of any [`Record`] type, or Prime's `errorDocument`.
///
/// # Errors
///
/// See the crate documentation.
pub fn decode_xml_document<'a, T: Record<'a>>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Document<T>, Error> {
    xml::decode_document(input, limits)
}

/// Decodes a license-info JSON document.
///
/// # Errors
///
/// See the crate documentation; an `errorDocument` is an error of kind
/// [`ErrorKind::VendorError`].
pub fn decode_json(input: &[u8]) -> Result<LicenseResponse<'_>, Error> {
    decode_json_with(input, &Limits::default())
}

/// Decodes a license-info JSON document within `limits`.
///
/// # Errors
///
/// As [`decode_json`].
pub fn decode_json_with<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<LicenseResponse<'a>, Error> {
    into_response(decode_json_document(input, limits)?)
}

/// Decodes a `mgmtResponse` JSON document of any [`Record`] type, or Prime's `errorDocument`.
///
/// # Errors
///
/// See the crate documentation.
pub fn decode_json_document<'a, T: Record<'a>>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Document<T>, Error> {
    json::decode_document(input, limits)
}

/// Decodes one record object on its own, such as one `licenseInfoDTO` as
/// [`to_json`]'s records, `licscope decode` and a normalized record's `vendor` write it:
/// `{"daysToExpire": 42, "name": "Assurance", ...}`. The record follows the rules of a record in
/// a document (numeric strings, empty values missing, unknown keys skipped, a field given twice
/// refused); error paths name the field alone (`daysToExpire`).
///
/// This is the way to read a stored record back: the models do not implement `Deserialize`, so
/// that every input has one answer, the decoders'.
///
/// # Example
///
/// ```
/// use licscope_prime::{LicenseInfo, Limits, decode_json_record};
///
/// let record: LicenseInfo<'_> =
///     decode_json_record(br#"{"name": "Assurance", "daysToExpire": "42"}"#, &Limits::default())?;
/// assert_eq!(record.days_to_expire, Some(42));
/// let err = decode_json_record::<LicenseInfo<'_>>(br#"{"daysToExpire": "x"}"#, &Limits::default())
///     .unwrap_err();
/// assert_eq!(err.path(), Some("daysToExpire"));
/// # Ok::<(), licscope_prime::Error>(())
/// ```
///
/// # Errors
///
/// As [`decode_json`], for a value that is not one record object.
pub fn decode_json_record<'a, T: Record<'a>>(input: &'a [u8], limits: &Limits) -> Result<T, Error> {
    json::decode_record(input, limits)
}

/// Whether `input` looks like XML (its first character, after a byte-order mark and whitespace,
/// is `<`) rather than JSON.
pub fn looks_like_xml(input: &[u8]) -> bool {
    // One byte-order mark, or a doubled one, which the XML decoder skips too.
    let bom = |i: &'_ [u8]| -> usize { if i.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 } };
    let first = bom(input);
    let input = &input[first..];
    let input = &input[if first > 0 { bom(input) } else { 0 }..];
    input
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'<')
}

/// Decodes a license-info document in either format, telling XML from JSON by its first
/// character.
///
/// # Errors
///
/// As [`decode_xml`] or [`decode_json`].
pub fn decode(input: &[u8]) -> Result<LicenseResponse<'_>, Error> {
    if looks_like_xml(input) {
        decode_xml(input)
    } else {
        decode_json(input)
    }
}

fn into_response<T>(document: Document<T>) -> Result<MgmtResponse<T>, Error> {
    match document {
        Document::Response(r) => Ok(r),
        Document::Error(e) => Err(xml::vendor_error(&e)),
    }
}
