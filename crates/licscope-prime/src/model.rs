//! The typed model: the `mgmtResponse` envelope, the `licenseInfoDTO` record, `errorDocument`.

use std::borrow::Cow;
use std::fmt;

use licscope_syntax::{Error, open_string_enum};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// A record type that a `mgmtResponse` envelope holds, such as [`LicenseInfo`].
///
/// The decoders and encoders are generic over it, so other Prime operations reuse the envelope
/// by describing their record: its element (and JSON key) name and its scalar fields. Fields are
/// identified by their index in [`FIELDS`](Record::FIELDS), which is also their encoding order.
pub trait Record<'a>: Sized + Default {
    /// The element name in XML and the key in JSON (`licenseInfoDTO`).
    const NAME: &'static str;
    /// The field names, in the order the encoders write them.
    const FIELDS: &'static [&'static str];

    /// The index of the field called `name`, or `None` for a field this record does not know
    /// (which the decoders skip).
    fn field_index(name: &str) -> Option<usize> {
        Self::FIELDS.iter().position(|f| *f == name)
    }

    /// Sets field `index` from a scalar value.
    ///
    /// # Errors
    ///
    /// An error without position or path, such as [`Error::invalid_value`] or the one
    /// [`Scalar::to_i32`] returns, whose reason reads "expected X, found Y", when the value does
    /// not fit the field. The decoder adds the field's path, its position and the value's
    /// [`span`](Error::span), and keeps the error's kind and reason.
    fn set(&mut self, index: usize, value: Scalar<'a>) -> Result<(), Error>;

    /// Sets field `index` from a JSON integer: `text` is the number as written, `value` the same
    /// number already parsed. The default hands `text` to [`set`](Record::set) as a
    /// [`Scalar::Number`]; records with integer fields override it so the fast path does not
    /// parse twice. Either way the outcome must be the one `set` gives.
    ///
    /// A hook of the JSON fast path, not part of the trait's contract: implementors need not
    /// (and should not) override it; it may change in any release.
    ///
    /// # Errors
    ///
    /// As [`set`](Record::set).
    #[doc(hidden)]
    fn set_integer(&mut self, index: usize, text: &'a str, value: i64) -> Result<(), Error> {
        let _ = value;
        self.set(index, Scalar::Number(Cow::Borrowed(text)))
    }

    /// The value of field `index`, or `None` when it is missing.
    fn get(&self, index: usize) -> Option<Scalar<'_>>;
}

/// One scalar field value, as a decoder found it or an encoder writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar<'a> {
    /// Text: XML character data (entities resolved), or a JSON string.
    Text(Cow<'a, str>),
    /// A JSON number's text, or an integer to encode.
    Number(Cow<'a, str>),
}

impl<'a> Scalar<'a> {
    /// The text, whatever the kind.
    pub fn as_str(&self) -> &str {
        match self {
            Scalar::Text(s) | Scalar::Number(s) => s,
        }
    }

    /// The value as text: numbers become their digits.
    pub fn into_text(self) -> Cow<'a, str> {
        match self {
            Scalar::Text(s) | Scalar::Number(s) => s,
        }
    }

    /// Parses the value as a Java `int` (32-bit signed), as Java's `Integer.parseInt` reads it
    /// (an optional sign, decimal digits), after trimming XML whitespace.
    ///
    /// # Errors
    ///
    /// An error of kind [`ErrorKind::InvalidValue`](crate::ErrorKind::InvalidValue), without
    /// position or path, whose reason reads "expected an integer, found \"ten\"" or "integer
    /// ... is out of range".
    pub fn to_i32(&self) -> Result<i32, Error> {
        let text = trim_xml(self.as_str());
        parse_java_int(text).ok_or_else(|| {
            let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
            Error::invalid_value(
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    format!(
                        "integer {text} is out of range ({} to {})",
                        i32::MIN,
                        i32::MAX
                    )
                } else {
                    format!("expected an integer, found {:?}", self.as_str())
                },
            )
        })
    }
}

/// Parses an optional sign and decimal digits into an `i32`, as Java's `Integer.parseInt` does;
/// `None` for anything else or a value out of range. (`str::parse` does the same, slower.)
fn parse_java_int(text: &str) -> Option<i32> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    // Any number of leading zeros is accepted, as `Integer.parseInt` does: the loop below
    // stops as soon as the value is out of range, so a long run costs one pass over it.
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(d - b'0');
        // Stop before `i64` could overflow; anything this large is out of range anyway.
        if value > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    i32::try_from(if negative { -value } else { value }).ok()
}

/// Trims the four XML whitespace characters.
pub(crate) fn trim_xml(s: &str) -> &str {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let b = s.as_bytes();
    // Values rarely carry whitespace: check the ends before scanning.
    if !b.first().is_some_and(ws) && !b.last().is_some_and(ws) {
        return s;
    }
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// One `licenseInfoDTO`: the license state of one Prime feature.
///
/// Every field is optional: real servers omit fields, and `null` or an empty element counts as
/// missing. The normalizer decides what a missing field means. `name` borrows from the input
/// where it can; [`into_owned`](LicenseInfo::into_owned) detaches it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseInfo<'a> {
    /// `daysToExpire`: days until this license expires.
    pub days_to_expire: Option<i32>,
    /// `deviceCountRemaining`: devices that may still be added within the license.
    pub device_count_remaining: Option<i32>,
    /// `deviceCountUsed`: devices added under this license.
    pub device_count_used: Option<i32>,
    /// `name`: the feature this record describes.
    pub name: Option<Cow<'a, str>>,
    /// `status`: the licensing status of the feature.
    pub status: Option<LicenseStatus>,
}

impl LicenseInfo<'_> {
    /// Detaches the record from the input it borrows from.
    pub fn into_owned(self) -> LicenseInfo<'static> {
        LicenseInfo {
            days_to_expire: self.days_to_expire,
            device_count_remaining: self.device_count_remaining,
            device_count_used: self.device_count_used,
            name: self.name.map(|n| Cow::Owned(n.into_owned())),
            status: self.status,
        }
    }
}

impl<'a> Record<'a> for LicenseInfo<'a> {
    const NAME: &'static str = "licenseInfoDTO";
    const FIELDS: &'static [&'static str] = &[
        "daysToExpire",
        "deviceCountRemaining",
        "deviceCountUsed",
        "name",
        "status",
    ];

    fn field_index(name: &str) -> Option<usize> {
        match name {
            "daysToExpire" => Some(0),
            "deviceCountRemaining" => Some(1),
            "deviceCountUsed" => Some(2),
            "name" => Some(3),
            "status" => Some(4),
            _ => None,
        }
    }

    fn set(&mut self, index: usize, value: Scalar<'a>) -> Result<(), Error> {
        match index {
            // Whitespace around a value is layout; a value of only whitespace is missing.
            _ if index != 3 && trim_xml(value.as_str()).is_empty() => {}
            0 => self.days_to_expire = Some(value.to_i32()?),
            1 => self.device_count_remaining = Some(value.to_i32()?),
            2 => self.device_count_used = Some(value.to_i32()?),
            3 => self.name = Some(value.into_text()),
            _ => match value {
                Scalar::Text(s) => self.status = Some(LicenseStatus::from(trim_xml(&s))),
                Scalar::Number(n) => {
                    return Err(Error::invalid_value(format!(
                        "expected a status name, found the number {n}"
                    )));
                }
            },
        }
        Ok(())
    }

    #[inline]
    fn set_integer(&mut self, index: usize, text: &'a str, value: i64) -> Result<(), Error> {
        let slot = match index {
            0 => &mut self.days_to_expire,
            1 => &mut self.device_count_remaining,
            2 => &mut self.device_count_used,
            _ => return self.set(index, Scalar::Number(Cow::Borrowed(text))),
        };
        match i32::try_from(value) {
            Ok(v) => {
                *slot = Some(v);
                Ok(())
            }
            // `set` words the error.
            Err(_) => self.set(index, Scalar::Number(Cow::Borrowed(text))),
        }
    }

    fn get(&self, index: usize) -> Option<Scalar<'_>> {
        let int = |v: Option<i32>| v.map(|v| Scalar::Number(Cow::Owned(v.to_string())));
        match index {
            0 => int(self.days_to_expire),
            1 => int(self.device_count_remaining),
            2 => int(self.device_count_used),
            3 => self.name.as_deref().map(|n| Scalar::Text(Cow::Borrowed(n))),
            4 => self
                .status
                .as_ref()
                .map(|s| Scalar::Text(Cow::Borrowed(s.as_str()))),
            _ => None,
        }
    }
}

open_string_enum! {
    /// The `LicenseStatus` of a feature. Any other value is kept verbatim.
    pub enum LicenseStatus {
        /// `LICENSED`
        Licensed = "LICENSED",
        /// `NOT_LICENSED`: Prime lists every feature, including ones never bought.
        NotLicensed = "NOT_LICENSED",
        /// `EXCEEDED`: more devices than the license allows.
        Exceeded = "EXCEEDED",
    }
}

/// The `mgmtResponse` envelope that Prime's `op/*` resources answer with.
///
/// Serialized, it has the inner form of Prime's JSON rendering: `@requestUrl`, `@responseType`,
/// `@rootUrl` and the records under the record's name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MgmtResponse<T> {
    /// `responseType` (`operation` for `op/*` resources).
    pub response_type: Option<String>,
    /// `requestUrl`: the URL that was requested.
    pub request_url: Option<String>,
    /// `rootUrl`: the API root of the server that answered.
    pub root_url: Option<String>,
    /// The records, in document order.
    pub records: Vec<T>,
}

impl<T> MgmtResponse<T> {
    /// An envelope holding `records`, with no attributes.
    pub fn new(records: Vec<T>) -> MgmtResponse<T> {
        MgmtResponse {
            response_type: None,
            request_url: None,
            root_url: None,
            records,
        }
    }

    /// The field of the envelope attribute `name` (`rootUrl`...), or `None` for an attribute
    /// the model does not keep. The decoders' one list of the attributes.
    pub(crate) fn attribute_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name {
            "responseType" => Some(&mut self.response_type),
            "requestUrl" => Some(&mut self.request_url),
            "rootUrl" => Some(&mut self.root_url),
            _ => None,
        }
    }
}

impl MgmtResponse<LicenseInfo<'_>> {
    /// Detaches the records from the input they borrow from.
    pub fn into_owned(self) -> MgmtResponse<LicenseInfo<'static>> {
        MgmtResponse {
            response_type: self.response_type,
            request_url: self.request_url,
            root_url: self.root_url,
            records: self
                .records
                .into_iter()
                .map(LicenseInfo::into_owned)
                .collect(),
        }
    }
}

/// The `errorDocument` Prime returns instead of `mgmtResponse` when a request fails.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDocument {
    /// `httpResponseCode`, such as 401 or 503.
    pub http_response_code: Option<i32>,
    /// `httpMethod`, such as `GET`.
    pub http_method: Option<String>,
    /// `message`: the server's explanation.
    pub message: Option<String>,
    /// `id`: the server's identifier for this error.
    pub id: Option<String>,
    /// `uriPath`: the path that was requested.
    pub uri_path: Option<String>,
    /// `queryParams`: the query that was sent.
    pub query_params: Option<String>,
}

impl<'a> Record<'a> for ErrorDocument {
    const NAME: &'static str = "errorDocument";
    const FIELDS: &'static [&'static str] = &[
        "httpResponseCode",
        "httpMethod",
        "message",
        "id",
        "uriPath",
        "queryParams",
    ];

    fn set(&mut self, index: usize, value: Scalar<'a>) -> Result<(), Error> {
        let text = || Some(value.as_str().to_owned());
        match index {
            0 if trim_xml(value.as_str()).is_empty() => {}
            0 => self.http_response_code = Some(value.to_i32()?),
            1 => self.http_method = text(),
            2 => self.message = text(),
            3 => self.id = text(),
            4 => self.uri_path = text(),
            _ => self.query_params = text(),
        }
        Ok(())
    }

    fn get(&self, index: usize) -> Option<Scalar<'_>> {
        fn text(v: &Option<String>) -> Option<Scalar<'_>> {
            v.as_deref().map(|s| Scalar::Text(Cow::Borrowed(s)))
        }
        match index {
            0 => self
                .http_response_code
                .map(|c| Scalar::Number(Cow::Owned(c.to_string()))),
            1 => text(&self.http_method),
            2 => text(&self.message),
            3 => text(&self.id),
            4 => text(&self.uri_path),
            5 => text(&self.query_params),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.http_response_code {
            Some(code) => write!(f, "HTTP {code}")?,
            None => f.write_str("error")?,
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// A decoded Prime document: the requested data, or the server's error document.
///
/// Serialized, it is keyed by its root element: `{"mgmtResponse": {...}}` or
/// `{"errorDocument": {...}}`, as Prime's JSON rendering is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(bound(serialize = "MgmtResponse<T>: Serialize"))]
#[non_exhaustive]
pub enum Document<T> {
    /// A `mgmtResponse`.
    #[serde(rename = "mgmtResponse")]
    Response(MgmtResponse<T>),
    /// An `errorDocument`.
    #[serde(rename = "errorDocument")]
    Error(ErrorDocument),
}

impl<'a, T: Record<'a> + Serialize> Serialize for MgmtResponse<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("@requestUrl", &self.request_url)?;
        map.serialize_entry("@responseType", &self.response_type)?;
        map.serialize_entry("@rootUrl", &self.root_url)?;
        map.serialize_entry(T::NAME, &self.records)?;
        map.end()
    }
}
