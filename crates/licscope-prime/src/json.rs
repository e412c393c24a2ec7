//! The JSON decoder, over the shared [`JsonReader`]: one pass, strings borrowed from the input.
//!
//! It reads Prime's JSON rendering of the XML envelope (attributes as `@name` keys, element text
//! beside attributes as `$`) and the variations real versions emit: one record as an object
//! instead of a one-element array, the list missing or `null`, counts as numbers or numeric
//! strings.

use std::borrow::Cow;
use std::collections::HashSet;

use licscope_syntax::{Error, ErrorKind, JsonKind, JsonReader, Limits};

use crate::layout::{self, Bounds};
use crate::model::{Document, ErrorDocument, MgmtResponse, Record, Scalar};

/// Decodes a whole JSON document.
pub(crate) fn decode_document<'a, T: Record<'a>>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Document<T>, Error> {
    decode_document_with(input, limits, None)
}

/// Decodes one record object on its own, as `licscope decode` and a normalized record's `vendor`
/// write it: the rules of a record inside a document, with paths naming the field alone.
pub(crate) fn decode_record<'a, T: Record<'a>>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<T, Error> {
    let mut r = JsonReader::new(input, limits)?;
    let record = record(&mut r, &|f| f.to_owned())?;
    r.finish()?;
    Ok(record)
}

/// Yields the records of a JSON license-info document one at a time, without building the list.
///
/// The whole document is checked first (its records decoded and dropped), so that
/// [`envelope`](JsonRecords::envelope) is complete whatever the order of its keys and any error
/// stops the document before a record is returned; the records are then decoded again as the
/// iterator is driven. The records and the error are those of
/// [`decode_json_with`](crate::decode_json_with), at twice its decoding work and in memory that
/// does not grow with the number of records. After the first error the iterator ends.
///
/// # Example
///
/// ```
/// use licscope_prime::{JsonRecords, LicenseInfo, Limits};
///
/// let body = br#"{"mgmtResponse": {"licenseInfoDTO": [{"name": "Assurance", "daysToExpire": 90}],
///                 "@rootUrl": "https://prime/webacs/api/v3/op"}}"#;
/// let mut records = JsonRecords::<LicenseInfo<'_>>::new(body, &Limits::default())?;
/// assert_eq!(records.envelope().root_url.as_deref(), Some("https://prime/webacs/api/v3/op"));
/// assert_eq!(records.next().transpose()?.and_then(|r| r.days_to_expire), Some(90));
/// assert!(records.next().is_none());
/// # Ok::<(), licscope_prime::Error>(())
/// ```
#[derive(Debug)]
pub struct JsonRecords<'a, T> {
    /// The reader standing before the records value, or `None` once done.
    reader: Option<JsonReader<'a>>,
    cursor: Cursor,
    limits: Limits,
    envelope: MgmtResponse<T>,
}

impl<'a, T: Record<'a>> JsonRecords<'a, T> {
    /// Reads the envelope and checks the document.
    ///
    /// # Errors
    ///
    /// Any error outside the records value; an `errorDocument` is an error of kind
    /// [`ErrorKind::VendorError`].
    pub fn new(input: &'a [u8], limits: &Limits) -> Result<JsonRecords<'a, T>, Error> {
        let mut reader = None;
        match decode_document_with(input, limits, Some(&mut reader))? {
            Document::Response(envelope) => Ok(JsonRecords {
                reader,
                cursor: Cursor::default(),
                limits: *limits,
                envelope,
            }),
            Document::Error(e) => Err(crate::xml::vendor_error(&e)),
        }
    }

    /// The envelope's attributes (its `records` stay empty: the iterator yields them).
    pub fn envelope(&self) -> &MgmtResponse<T> {
        &self.envelope
    }
}

impl<'a, T: Record<'a>> Iterator for JsonRecords<'a, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        let reader = self.reader.as_mut()?;
        let item = self
            .cursor
            .next(reader, &self.limits)
            .map_err(|e| e.with_path(|| format!("mgmtResponse.{}", T::NAME)))
            .transpose();
        if !matches!(item, Some(Ok(_))) {
            self.reader = None;
        }
        item
    }
}

impl<'a, T: Record<'a>> std::iter::FusedIterator for JsonRecords<'a, T> {}

/// Decodes a whole JSON document; with `skip`, the records value is only checked, and `skip`
/// gets a reader standing before it.
fn decode_document_with<'a, T: Record<'a>>(
    input: &'a [u8],
    limits: &Limits,
    mut skip: Option<&mut Option<JsonReader<'a>>>,
) -> Result<Document<T>, Error> {
    let mut r = JsonReader::new(input, limits)?;
    if r.peek_kind()? != JsonKind::Object {
        return Err(r.type_error("an object with a \"mgmtResponse\" key"));
    }
    r.begin_object()?;
    let mut document = None;
    let mut keys = Keys::new(&["mgmtResponse", "errorDocument"]);
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first)? {
        keys.insert(&r, &key, at, || key.to_string())?;
        match &*key {
            "mgmtResponse" | "errorDocument" if document.is_some() => {
                return Err(r.error_at(
                    ErrorKind::UnexpectedDocument,
                    at,
                    "the document holds both \"mgmtResponse\" and \"errorDocument\"",
                ));
            }
            "mgmtResponse" => {
                document = Some(Document::Response(envelope(
                    &mut r,
                    limits,
                    skip.as_deref_mut(),
                )?));
            }
            "errorDocument" => {
                let error = if r.null()? {
                    ErrorDocument::default()
                } else {
                    record::<ErrorDocument>(&mut r, &|f| format!("errorDocument.{f}"))?
                };
                document = Some(Document::Error(error));
            }
            _ => {
                r.skip_value()
                    .map_err(|e| e.with_path(|| key.to_string()))?;
            }
        }
    }
    r.finish()?;
    document.ok_or_else(|| {
        Error::new(
            ErrorKind::UnexpectedDocument,
            "expected an object with a \"mgmtResponse\" (or \"errorDocument\") key, found none",
        )
        .at_position(0, 1, 1)
    })
}

fn envelope<'a, T: Record<'a>>(
    r: &mut JsonReader<'a>,
    limits: &Limits,
    mut skip: Option<&mut Option<JsonReader<'a>>>,
) -> Result<MgmtResponse<T>, Error> {
    let mut envelope = MgmtResponse::new(Vec::new());
    if r.null()? {
        return Ok(envelope);
    }
    if r.peek_kind()? != JsonKind::Object {
        return Err(r
            .type_error("an object")
            .with_path(|| "mgmtResponse".to_owned()));
    }
    r.begin_object()?;
    let known = ["@responseType", "@requestUrl", "@rootUrl", T::NAME];
    let mut keys = Keys::new(&known);
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first)? {
        keys.insert(r, &key, at, || format!("mgmtResponse.{key}"))?;
        let path = || format!("mgmtResponse.{key}");
        let slot = match &*key {
            k if k == T::NAME => {
                match skip.as_deref_mut() {
                    Some(saved) => {
                        // The records are decoded and dropped, so that the first error is the
                        // one the whole-document decoder finds, wherever it is.
                        r.pos_after_ws();
                        *saved = Some(r.clone());
                        let mut cursor = Cursor::default();
                        while cursor
                            .next::<T>(r, limits)
                            .map_err(|e| e.with_path(path))?
                            .is_some()
                        {}
                    }
                    None => {
                        records(r, limits, &mut envelope.records).map_err(|e| e.with_path(path))?;
                    }
                }
                continue;
            }
            // Attributes are `@name` keys.
            k => match k.strip_prefix('@').and_then(|n| envelope.attribute_mut(n)) {
                Some(slot) => slot,
                None => {
                    r.skip_value().map_err(|e| e.with_path(path))?;
                    continue;
                }
            },
        };
        *slot = scalar(r)
            .map_err(|e| e.with_path(path))?
            .map(|s| s.into_text().into_owned());
    }
    Ok(envelope)
}

/// Reads the records: an array of objects, one object, or `null`.
fn records<'a, T: Record<'a>>(
    r: &mut JsonReader<'a>,
    limits: &Limits,
    out: &mut Vec<T>,
) -> Result<(), Error> {
    let mut cursor = Cursor::default();
    while let Some(record) = cursor.next(r, limits)? {
        out.push(record);
    }
    Ok(())
}

/// Where a reader stands in the records value: an array of objects, one object, or `null`.
/// [`Cursor::next`] reads one record at a time, so that the whole-document decoder and
/// [`JsonRecords`] share one reading of the records.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cursor {
    state: CursorState,
    /// Records read so far (a `null` element is none).
    count: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum CursorState {
    /// Before the value.
    #[default]
    Start,
    /// Inside the array; `first` until its first element is read.
    Array {
        first: bool,
    },
    Done,
}

impl Cursor {
    /// The next record, or `None` after the last.
    pub(crate) fn next<'a, T: Record<'a>>(
        &mut self,
        r: &mut JsonReader<'a>,
        limits: &Limits,
    ) -> Result<Option<T>, Error> {
        let count = |r: &JsonReader<'a>, n: usize, at: usize| {
            if n >= limits.max_records() {
                Err(r.error_at(
                    ErrorKind::LimitExceeded,
                    at,
                    format!(
                        "the document holds more than the limit of {} records",
                        limits.max_records()
                    ),
                ))
            } else {
                Ok(())
            }
        };
        loop {
            match self.state {
                CursorState::Done => return Ok(None),
                CursorState::Start => match r.peek_kind()? {
                    JsonKind::Null => {
                        r.null()?;
                        self.state = CursorState::Done;
                    }
                    JsonKind::Object => {
                        self.state = CursorState::Done;
                        let at = r.position();
                        count(r, self.count, at)?;
                        self.count += 1;
                        return record(r, &|f| format!("mgmtResponse.{}.{f}", T::NAME)).map(Some);
                    }
                    JsonKind::Array => {
                        r.begin_array()?;
                        self.state = CursorState::Array { first: true };
                    }
                    _ => {
                        return Err(r.type_error("an array of records, one record object, or null"));
                    }
                },
                CursorState::Array { mut first } => {
                    let more = r.next_element(&mut first)?;
                    self.state = if more {
                        CursorState::Array { first }
                    } else {
                        CursorState::Done
                    };
                    if !more {
                        return Ok(None);
                    }
                    let index = self.count;
                    let bounds = Bounds {
                        max_text: limits.max_string_bytes(),
                    };
                    if index < limits.max_records()
                        && let Some(record) =
                            r.speculate(1, |src, at| layout::json_record::<T>(src, at, bounds))
                    {
                        self.count += 1;
                        return Ok(Some(record));
                    }
                    let at = r.pos_after_ws();
                    if r.null()? {
                        continue;
                    }
                    count(r, index, at)?;
                    self.count += 1;
                    return record(r, &|f| format!("mgmtResponse.{}[{index}].{f}", T::NAME))
                        .map(Some);
                }
            }
        }
    }
}

/// Reads one record object. `path` turns a field name into the field's path.
fn record<'a, T: Record<'a>>(
    r: &mut JsonReader<'a>,
    path: &dyn Fn(&str) -> String,
) -> Result<T, Error> {
    if r.peek_kind()? != JsonKind::Object {
        let what = format!("an object (a {} record)", T::NAME);
        return Err(r.type_error(&what).with_path(|| {
            let p = path("");
            p.trim_end_matches('.').to_owned()
        }));
    }
    r.begin_object()?;
    let mut record = T::default();
    let mut seen = 0u64;
    let mut unknown = Keys::default();
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first)? {
        let Some(index) = T::field_index(&key) else {
            unknown.insert(r, &key, at, || path(&key))?;
            r.skip_value().map_err(|e| e.with_path(|| path(&key)))?;
            continue;
        };
        let bit = 1u64.checked_shl(index as u32).unwrap_or(0);
        if seen & bit != 0 {
            return Err(duplicate(r, at, &key, &path(&key)));
        }
        seen |= bit;
        let value_at = r.pos_after_ws();
        let value = scalar(r).map_err(|e| e.with_path(|| path(&key)))?;
        if let Some(value) = value.filter(|v| !v.as_str().is_empty()) {
            record.set(index, value).map_err(|e| {
                r.error_over(e.kind(), value_at, r.position(), e.reason())
                    .with_path(|| path(&key))
            })?;
        }
    }
    Ok(record)
}

/// Reads a scalar: a string, a number, `null` (`None`), or an object whose `$` key holds the
/// text (Prime's rendering of an element with attributes).
fn scalar<'a>(r: &mut JsonReader<'a>) -> Result<Option<Scalar<'a>>, Error> {
    match r.peek_kind()? {
        JsonKind::Null => r.null().map(|_| None),
        JsonKind::String => r.string().map(|s| Some(Scalar::Text(s))),
        JsonKind::Number => r
            .number_text()
            .map(|n| Some(Scalar::Number(Cow::Borrowed(n)))),
        JsonKind::Object => {
            r.begin_object()?;
            let mut text = None;
            let mut first = true;
            while let Some((key, _)) = r.next_key(&mut first)? {
                if key == "$" {
                    text = scalar(r)?;
                } else {
                    r.skip_value()?;
                }
            }
            Ok(text)
        }
        _ => Err(r.type_error("a string or a number")),
    }
}

/// The keys of one object, to refuse duplicates: a bit for each of the `known` keys; other keys
/// in a short list, moved to a hash set (whose hasher costs more to seed than a few comparisons)
/// once the object has more than [`LINEAR`] of them.
#[derive(Default)]
struct Keys<'k> {
    known: &'k [&'k str],
    bits: u64,
    few: Vec<Cow<'k, str>>,
    many: Option<HashSet<Cow<'k, str>>>,
}

/// How many other keys an object may have before [`Keys`] moves them to a hash set.
const LINEAR: usize = 16;

impl<'k> Keys<'k> {
    fn new(known: &'k [&'k str]) -> Keys<'k> {
        Keys {
            known,
            ..Keys::default()
        }
    }

    /// Adds an unknown key; `false` when it was there already. (The key is cloned as a `Cow`: a
    /// borrowed key stays a borrowed pointer.)
    #[allow(clippy::ptr_arg)]
    fn insert_other(&mut self, key: &Cow<'k, str>) -> bool {
        if let Some(set) = &mut self.many {
            return set.insert(key.clone());
        }
        if self.few.contains(key) {
            return false;
        }
        self.few.push(key.clone());
        if self.few.len() > LINEAR {
            self.many = Some(self.few.drain(..).collect());
        }
        true
    }

    // The key is cloned into the set as a `Cow`: a borrowed key stays a borrowed pointer.
    #[allow(clippy::ptr_arg)]
    fn insert(
        &mut self,
        r: &JsonReader<'_>,
        key: &Cow<'k, str>,
        at: usize,
        path: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        let fresh = match self.known.iter().position(|k| *k == key) {
            Some(i) if i < 64 => {
                let fresh = self.bits & (1 << i) == 0;
                self.bits |= 1 << i;
                fresh
            }
            _ => self.insert_other(key),
        };
        if fresh {
            Ok(())
        } else {
            Err(duplicate(r, at, key, &path()))
        }
    }
}

fn duplicate(r: &JsonReader<'_>, at: usize, key: &str, path: &str) -> Error {
    r.error_at(
        ErrorKind::DuplicateField,
        at,
        format!("duplicate key {key:?}: the object names it twice"),
    )
    .with_path(|| path.to_owned())
}
