//! The one-pass decoder over [`JsonReader`].

use std::borrow::Cow;
use std::collections::HashSet;

use licscope_syntax::plumbing::{
    json_string, match_key, plain_integer, plain_string, plain_timestamp, scalar_end,
    skip_whitespace,
};
use licscope_syntax::{
    Error, ErrorKind, JsonKind, JsonReader, Limits, parse_rfc3339, utf8_without_bom,
};
use time::OffsetDateTime;

use crate::model::{
    ApiError, ControlRoomId, FailSafeStatus, LicenseDetails, LicenseMode, LicenseType, Response,
};

/// The keys the decoder reads, in the vendor's order; a key's index is its bit in `seen`.
const KEYS: [&str; 10] = [
    "type",
    "installationDate",
    "expirationDate",
    "failSafeStatus",
    "controlRoomLicenseServerSyncStatus",
    "installedCrId",
    "licenseMode",
    // The Control Room error body.
    "code",
    "message",
    "details",
];
/// The index of `key` in [`KEYS`] (a `match` compares lengths first, unlike a linear search).
#[inline]
fn key_index(key: &str) -> Option<usize> {
    let index = match key {
        "type" => 0,
        "installationDate" => 1,
        "expirationDate" => 2,
        "failSafeStatus" => 3,
        "controlRoomLicenseServerSyncStatus" => 4,
        "installedCrId" => 5,
        "licenseMode" => 6,
        "code" => 7,
        "message" => 8,
        "details" => 9,
        _ => return None,
    };
    debug_assert_eq!(KEYS[index], key);
    Some(index)
}

const LICENSE_KEYS: u16 = 0b111_1111;
/// The root keys of the other APIs' documents: the fast path leaves a document holding one to
/// the general decoder, so that format detection, which tries the fast path first, never takes
/// a Prime document for license details.
const OTHER_APIS: [&str; 2] = ["mgmtResponse", "errorDocument"];
const CODE: usize = 7;
const MESSAGE: usize = 8;
const DETAILS: usize = 9;

/// The default limits of this crate: [`Limits::default`] with inputs capped at 1 MiB, a
/// thousand times the size of a real license-details document.
pub fn default_limits() -> Limits {
    Limits::default().with_max_input_bytes(1 << 20)
}

/// Decodes a license-details document, or the Control Room's error body.
///
/// # Errors
///
/// See the crate documentation.
pub fn decode_response_with(input: &[u8], limits: &Limits) -> Result<Response, Error> {
    let r = JsonReader::new(input, limits)?;
    if let Some(details) = plain(r.source(), limits) {
        return Ok(Response::License(details));
    }
    general(r)
}

/// [`decode_response_with`] without the fast path: the general decoder alone, for the tests and
/// fuzz targets that hold the fast path to it. Not part of the API: it may change or go in any
/// release.
#[doc(hidden)]
pub fn decode_response_general(input: &[u8], limits: &Limits) -> Result<Response, Error> {
    general(JsonReader::new(input, limits)?)
}

/// The general decoder: any key order, escapes, unknown keys, and the words of every error.
fn general(mut r: JsonReader<'_>) -> Result<Response, Error> {
    if r.peek_kind()? != JsonKind::Object {
        return Err(r.type_error("an object (Automation 360 license details)"));
    }
    r.begin_object()?;
    let mut details = LicenseDetails::default();
    let mut seen = 0u16;
    let mut code: Option<Cow<'_, str>> = None;
    let mut message: Option<Cow<'_, str>> = None;
    let mut details_json: Option<&str> = None;
    // Unknown keys are rare; the set is built (and its hasher seeded) only when one appears.
    let mut unknown: Option<HashSet<Cow<'_, str>>> = None;
    let mut first = true;
    while let Some((key, key_at)) = r.next_key(&mut first)? {
        let Some(index) = key_index(&key) else {
            // Cloning a borrowed key copies a pointer; escaped keys are rarer still.
            if !unknown.get_or_insert_with(HashSet::new).insert(key.clone()) {
                return Err(duplicate(&r, key_at, key.into_owned()));
            }
            r.skip_value()
                .map_err(|e| e.with_path(|| key.into_owned()))?;
            continue;
        };
        if seen & (1 << index) != 0 {
            return Err(duplicate(&r, key_at, KEYS[index].to_owned()));
        }
        seen |= 1 << index;
        let read = match index {
            0 => nullable(&mut r, |r| Ok(LicenseType::from(&*r.string()?)))
                .map(|v| details.license_type = v),
            1 => nullable(&mut r, timestamp).map(|v| details.installation_date = v),
            2 => nullable(&mut r, timestamp).map(|v| details.expiration_date = v),
            3 => nullable(&mut r, |r| r.i64().map(FailSafeStatus::from))
                .map(|v| details.fail_safe_status = v),
            4 => nullable(&mut r, JsonReader::bool).map(|v| details.license_server_synced = v),
            5 => nullable(&mut r, |r| Ok(ControlRoomId::parse(&r.string()?)))
                .map(|v| details.installed_control_room = v),
            6 => nullable(&mut r, |r| Ok(LicenseMode::from(&*r.string()?)))
                .map(|v| details.license_mode = v),
            // The error-body keys are kept loosely: in a license document they are unknown keys
            // and must not fail it.
            CODE => loose_string(&mut r).map(|v| code = v),
            MESSAGE => loose_string(&mut r).map(|v| message = v),
            _ => r.skip_value().map(|v| details_json = Some(v)),
        };
        read.map_err(|e| e.with_path(|| KEYS[index].to_owned()))?;
    }
    r.finish()?;
    if seen & LICENSE_KEYS != 0 {
        return Ok(Response::License(details));
    }
    if let Some(code) = code {
        let mut error = ApiError::new(code, message.map(Cow::into_owned));
        if let Some(text) = details_json {
            // The reader has checked this text as JSON; serde_json's only other refusal is
            // nesting past its own limit of 128.
            error.details = serde_json::from_str(text).map_err(|e| {
                Error::new(ErrorKind::LimitExceeded, format!("details: {e}"))
                    .with_path(|| KEYS[DETAILS].to_owned())
            })?;
        }
        return Ok(Response::Error(error));
    }
    Err(Error::new(
        ErrorKind::UnexpectedDocument,
        "expected Automation 360 license details (keys such as \"type\", \"expirationDate\", \
         \"licenseMode\"), found an object with none of them",
    )
    .at_position(0, 1, 1))
}

/// Decodes `input` when it is a license-details document in the plain layout Control Rooms
/// write (only license keys, each once; strings without escapes; valid values), and returns
/// `None` for anything else, valid or not, without building an error.
///
/// Every document it decodes, [`decode`](crate::decode) decodes to the same value, and it holds
/// no key of any other API (no `mgmtResponse`, no error-body key): format detection can take it
/// first, at the cost of a few comparisons for other documents.
///
/// # Example
///
/// ```
/// let doc = br#"{"type": "PURCHASED", "expirationDate": "2026-06-30T18:29:59.999Z"}"#;
/// assert_eq!(licscope_a360::decode_plain(doc), licscope_a360::decode(doc).ok());
/// assert_eq!(licscope_a360::decode_plain(br#"{"mgmtResponse": {}}"#), None);
/// ```
pub fn decode_plain(input: &[u8]) -> Option<LicenseDetails> {
    let limits = default_limits();
    limits.check_input_size(input.len()).ok()?;
    // Other documents (a Prime one, which detection reads next) are told apart by their first
    // key, before the whole input is checked as UTF-8: the Prime decoder checks it again.
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let open = skip_whitespace(body, 0);
    let key = skip_whitespace(body, open + 1);
    let first_key = body.get(key + 1..).unwrap_or_default();
    let license_key = KEYS[..7].iter().any(|k| {
        first_key
            .strip_prefix(k.as_bytes())
            .is_some_and(|r| r.first() == Some(&b'"'))
    });
    if body.get(open) != Some(&b'{') || body.get(key) != Some(&b'"') || !license_key {
        return None;
    }
    let (src, _) = utf8_without_bom(input).ok()?;
    plain(src, &limits)
}

/// The fast path for a license-details document as Control Rooms write it: one object of
/// license keys, each once, with strings, an integer, a boolean or `null`, and valid values,
/// and up to eight unknown keys (plain names, each once) with scalar values. Anything else (an
/// error-body key or another API's root key, an escaped key, a nested unknown value, a
/// timestamp [`parse_rfc3339`] refuses, a limit reached) returns `None`, and the general
/// decoder reads the document and words any error; so the fast path only ever accepts what the
/// general decoder accepts, with the same result.
fn plain(src: &str, limits: &Limits) -> Option<LicenseDetails> {
    let b = src.as_bytes();
    let max = limits.max_string_bytes();
    let mut i = skip_whitespace(b, 0);
    if b.get(i) != Some(&b'{') || limits.max_depth() == 0 {
        return None;
    }
    let mut details = LicenseDetails::default();
    let mut seen = 0u16;
    // Unknown keys (newer Control Rooms add some), each once, with scalar values.
    let mut unknown = [""; 8];
    let mut unknown_count = 0;
    i = skip_whitespace(b, i + 1);
    loop {
        let Some((index, after)) = match_key(src, i, &KEYS[..7]) else {
            let (key, after) = plain_string(src, i)?;
            let other_api = key_index(key).is_some() || OTHER_APIS.contains(&key);
            if other_api
                || key.len() > max
                || unknown_count == unknown.len()
                || unknown[..unknown_count].contains(&key)
            {
                return None;
            }
            unknown[unknown_count] = key;
            unknown_count += 1;
            i = skip_whitespace(b, after);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = scalar_end(src, skip_whitespace(b, i + 1), max)?;
            i = skip_whitespace(b, i);
            match b.get(i)? {
                b',' => i = skip_whitespace(b, i + 1),
                b'}' => break,
                _ => return None,
            }
            continue;
        };
        if seen & (1 << index) != 0 {
            return None;
        }
        seen |= 1 << index;
        i = skip_whitespace(b, after);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_whitespace(b, i + 1);
        if b.get(i..i + 4) == Some(b"null") {
            i += 4;
        } else if index == 3 {
            let (code, after) = plain_integer(src, i)?;
            (after - i <= max).then_some(())?;
            details.fail_safe_status = Some(FailSafeStatus::from(code));
            i = after;
        } else if index == 4 {
            let value = b.get(i..i + 4) == Some(b"true");
            if !value && b.get(i..i + 5) != Some(b"false") {
                return None;
            }
            details.license_server_synced = Some(value);
            i += if value { 4 } else { 5 };
        } else if index == 1 || index == 2 {
            let (date, after) = plain_timestamp(src, i)?;
            (after - i - 2 <= max).then_some(())?;
            let slot = if index == 1 {
                &mut details.installation_date
            } else {
                &mut details.expiration_date
            };
            *slot = Some(date);
            i = after;
        } else {
            // Plain strings first: the common case, without the escape machinery.
            let (text, after) = match plain_string(src, i) {
                Some((text, after)) if text.len() <= max => (Cow::Borrowed(text), after),
                _ => json_string(src, i, max)?,
            };
            match index {
                0 => details.license_type = Some(LicenseType::from(&*text)),
                5 => details.installed_control_room = Some(ControlRoomId::parse(&text)),
                _ => details.license_mode = Some(LicenseMode::from(&*text)),
            }
            i = after;
        }
        i = skip_whitespace(b, i);
        match b.get(i)? {
            b',' => i = skip_whitespace(b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    // A document of unknown keys alone is not license details.
    (seen != 0 && skip_whitespace(b, i + 1) == b.len()).then_some(details)
}

/// Decodes a license-details document; the Control Room's error body is an error.
///
/// # Errors
///
/// See the crate documentation.
pub fn decode_with(input: &[u8], limits: &Limits) -> Result<LicenseDetails, Error> {
    match decode_response_with(input, limits)? {
        Response::License(details) => Ok(details),
        Response::Error(e) => Err(Error::new(
            ErrorKind::VendorError,
            format!("the Control Room answered with an error instead of license details: {e}"),
        )),
    }
}

pub(crate) fn nullable<'a, T>(
    r: &mut JsonReader<'a>,
    read: impl FnOnce(&mut JsonReader<'a>) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    if r.null()? {
        Ok(None)
    } else {
        read(r).map(Some)
    }
}

pub(crate) fn timestamp(r: &mut JsonReader<'_>) -> Result<OffsetDateTime, Error> {
    let at = r.pos_after_ws();
    let text = r.string()?;
    parse_rfc3339(&text).map_err(|e| {
        r.error_over(
            ErrorKind::InvalidValue,
            at,
            r.position(),
            format!("invalid timestamp {text:?}: {}", e.reason()),
        )
    })
}

/// A string, or `None` for any other value (which is skipped).
pub(crate) fn loose_string<'a>(r: &mut JsonReader<'a>) -> Result<Option<Cow<'a, str>>, Error> {
    if r.peek_kind()? == JsonKind::String {
        r.string().map(Some)
    } else {
        r.skip_value().map(|_| None)
    }
}

fn duplicate(r: &JsonReader<'_>, key_at: usize, key: String) -> Error {
    r.error_at(
        ErrorKind::DuplicateField,
        key_at,
        format!("duplicate key {key:?}: the object names it twice"),
    )
    .with_path(|| key)
}
