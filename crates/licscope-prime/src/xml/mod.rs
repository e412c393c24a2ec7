//! The XML decoder: one pass over quick-xml events, no serde, no tree.
//!
//! The same decoder drives two event sources: a slice (the whole document in memory; record
//! text is borrowed from it) and any `BufRead` (streaming; record text is owned, the buffer is
//! reused, memory stays constant). Every error is reported at the start of the event it concerns,
//! so both sources report the same position for the same input.

use std::borrow::Cow;
use std::io::{BufRead, Chain, Cursor, Read as _};

/// How many leading bytes a stream reads before decoding: three byte-order marks.
const HEAD: usize = 9;

use licscope_syntax::{Error, ErrorKind, Limits, reject_wide_encoding, utf8_without_bom};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::layout::Bounds;
use crate::model::{Document, ErrorDocument, MgmtResponse, Record};

// Sources and positions, and the event decoder (here); the checks quick-xml leaves out are
// `crate::wellformed`, below this module and `crate::layout` both.
mod source;

use crate::wellformed::{
    check_attributes, check_chars, check_pseudo_attributes, is_utf8_name, is_xml_whitespace,
    plain_declaration,
};
use source::{EventTooLong, Locator, Mark, SliceSource, Source, StreamSource};

/// Decodes a whole XML document held in memory.
pub(crate) fn decode_document<'a, T: Record<'a>>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Document<T>, Error> {
    limits.check_input_size(input.len())?;
    let (mut text, mut bom) = utf8_without_bom(input)?;
    if let Some(rest) = text.strip_prefix('\u{FEFF}') {
        // A doubled mark is skipped too, as roxmltree does; quick-xml would skip it without
        // counting it in its positions.
        text = rest;
        bom += 3;
        if text.starts_with('\u{FEFF}') {
            // A third one is text before the root, as the streaming source finds too.
            return Err(Error::new(
                ErrorKind::Syntax,
                "expected the root element <mgmtResponse>, found text",
            )
            .at_offset(text.as_bytes(), 0)
            .shifted(bom as u64));
        }
    }
    let mut decoder = Decoder::new(SliceSource::new(text, bom), *limits);
    match decoder.prolog::<T>()? {
        Root::Response(mut envelope) => {
            while let Some(record) = decoder.next_record()? {
                envelope.records.push(record);
            }
            Ok(Document::Response(envelope))
        }
        Root::Error(e) => Ok(Document::Error(e)),
    }
}

/// A streaming XML decoder that yields one record at a time from any `BufRead`.
///
/// Memory stays constant whatever the number of records: the reader's buffer holds one event and
/// each record is returned as soon as its end tag is read. After the first error the iterator
/// ends. The envelope's attributes are read when the stream is opened.
///
/// # Example
///
/// ```
/// use licscope_prime::{LicenseInfo, XmlStream};
///
/// let xml = "<mgmtResponse rootUrl='https://prime/webacs/api/v3/op'>\
///            <licenseInfoDTO><name>Assurance</name><daysToExpire>90</daysToExpire></licenseInfoDTO>\
///            </mgmtResponse>";
/// let mut stream = XmlStream::<_, LicenseInfo<'static>>::new(xml.as_bytes())?;
/// assert_eq!(stream.envelope().root_url.as_deref(), Some("https://prime/webacs/api/v3/op"));
/// let record = stream.next().transpose()?.expect("one record");
/// assert_eq!(record.days_to_expire, Some(90));
/// assert!(stream.next().is_none());
/// # Ok::<(), licscope_prime::Error>(())
/// ```
#[derive(Debug)]
pub struct XmlStream<R, T> {
    decoder: Decoder<'static, StreamSource<Chain<Cursor<Vec<u8>>, R>>>,
    envelope: MgmtResponse<T>,
    done: bool,
}

impl<R: BufRead, T: Record<'static>> XmlStream<R, T> {
    /// Opens a stream with the default [`Limits`] (the input-size limit does not apply to streams).
    ///
    /// # Errors
    ///
    /// Any error in the document up to and including the root element's start tag; an
    /// `errorDocument` root is an error of kind [`ErrorKind::VendorError`].
    pub fn new(reader: R) -> Result<XmlStream<R, T>, Error> {
        XmlStream::with_limits(reader, &Limits::default())
    }

    /// Opens a stream with the given limits.
    ///
    /// # Errors
    ///
    /// As [`new`](XmlStream::new).
    pub fn with_limits(mut reader: R, limits: &Limits) -> Result<XmlStream<R, T>, Error> {
        // Read the first bytes whatever the reader's buffer size: the encoding checks and the
        // byte-order marks need up to nine. What follows the marks is put back in front.
        let mut head = Vec::with_capacity(HEAD);
        while head.len() < HEAD {
            let available = reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            let n = available.len().min(HEAD - head.len());
            head.extend_from_slice(&available[..n]);
            reader.consume(n);
        }
        reject_wide_encoding(&head)?;
        let mut bom = 0;
        // One mark, or a doubled one, as in `decode_document`; a third is text before the root.
        while bom < 9 && head[bom..].starts_with(b"\xEF\xBB\xBF") {
            bom += 3;
        }
        if bom == 9 {
            return Err(Error::new(
                ErrorKind::Syntax,
                "expected the root element <mgmtResponse>, found text",
            )
            .at_position(6, 1, 1));
        }
        let reader = std::io::Cursor::new(head.split_off(bom)).chain(reader);
        let mut decoder = Decoder::new(StreamSource::new(reader, bom as u64), *limits);
        match decoder.prolog::<T>()? {
            Root::Response(envelope) => Ok(XmlStream {
                decoder,
                envelope,
                done: false,
            }),
            Root::Error(e) => Err(vendor_error(&e)),
        }
    }

    /// The envelope's attributes (its `records` stay empty: the stream yields them).
    pub fn envelope(&self) -> &MgmtResponse<T> {
        &self.envelope
    }
}

impl<R: BufRead, T: Record<'static>> Iterator for XmlStream<R, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        if self.done {
            return None;
        }
        let item = self.decoder.next_record().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

impl<R: BufRead, T: Record<'static>> std::iter::FusedIterator for XmlStream<R, T> {}

/// The error for an `errorDocument` where data was asked for.
pub(crate) fn vendor_error(e: &ErrorDocument) -> Error {
    Error::new(
        ErrorKind::VendorError,
        format!("Prime answered with an errorDocument instead of data: {e}"),
    )
}

/// What the document's root element turned out to be.
enum Root<T> {
    Response(MgmtResponse<T>),
    Error(ErrorDocument),
}

/// The event-driven decoder, shared by both sources.
#[derive(Debug)]
struct Decoder<'a, S> {
    src: S,
    locator: Locator<'a>,
    limits: Limits,
    records: usize,
    finished: bool,
}

impl<'a, S: Source<'a>> Decoder<'a, S> {
    fn new(mut src: S, limits: Limits) -> Decoder<'a, S> {
        src.bound_events(max_event(&limits));
        Decoder {
            locator: src.locator(),
            src,
            limits,
            records: 0,
            finished: false,
        }
    }

    fn fail(&self, mark: Mark, kind: ErrorKind, reason: impl Into<String>) -> Error {
        self.locator.error(mark, kind, reason.into())
    }

    /// Reads the next event, turning quick-xml's errors into ours at `mark`.
    ///
    /// Character data, comments and processing instructions are checked for characters XML 1.0
    /// forbids, which quick-xml does not check; element names and the attributes of skipped
    /// elements are left to quick-xml.
    #[inline(always)]
    fn event(&mut self, mark: Mark) -> Result<Event<'_>, Error> {
        self.event_with(mark, true)
    }

    /// [`event`](Self::event), with the attribute check optional: the root's attributes are
    /// checked by [`root`](Self::root), which knows their paths.
    #[inline(always)]
    fn event_with(&mut self, mark: Mark, attributes: bool) -> Result<Event<'_>, Error> {
        let locator = self.locator;
        let event = self.src.next().map_err(|e| match e {
            // The reader's own I/O error is kept, for `source` and `io_error_kind`.
            quick_xml::Error::Io(io) if !io.get_ref().is_some_and(|i| i.is::<EventTooLong>()) => {
                locator.place(mark, Error::from(io))
            }
            e => {
                let (kind, reason) = describe(&e);
                locator.error(mark, kind, reason)
            }
        })?;
        let checked = match &event {
            Event::Text(t) => check_chars(t),
            Event::CData(c) => check_chars(c),
            Event::Comment(c) => check_chars(c),
            Event::PI(p) => check_chars(p),
            Event::Start(e) | Event::Empty(e) if attributes => check_attributes(e),
            _ => Ok(()),
        };
        checked.map_err(|reason| locator.error(mark, ErrorKind::Syntax, reason))?;
        Ok(event)
    }

    /// Reads up to the root element's start tag and its attributes; for an `errorDocument`,
    /// reads the whole document.
    // Once per document: kept out of line so that growing it does not move the record loop's
    // code generation (the declaration check once cost the loop 3% in instructions).
    #[inline(never)]
    fn prolog<T: Record<'a>>(&mut self) -> Result<Root<T>, Error> {
        let mut first = true;
        let mut blank = true;
        loop {
            let mark = self.src.mark();
            let (start, empty) = match self.event_with(mark, false)? {
                Event::Decl(decl) => {
                    if !first {
                        return Err(self.fail(
                            mark,
                            ErrorKind::Syntax,
                            "the XML declaration must come first in the document",
                        ));
                    }
                    // The form documents are written in, read at once; anything else goes
                    // through the checks below, which word the errors.
                    if let Some(encoding) = plain_declaration(&decl) {
                        if let Some(name) = encoding.filter(|e| !is_utf8_name(e)) {
                            let name = name.to_owned();
                            return Err(self.foreign_encoding(mark, &name));
                        }
                        first = false;
                        blank = false;
                        continue;
                    }
                    // quick-xml reads the pseudo-attributes lazily and checks no characters.
                    let version = decl.version().map(|v| v.into_owned());
                    let valid_version = version.as_ref().is_ok_and(|v| {
                        v.strip_prefix("1.")
                            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                    });
                    let malformed = if !valid_version {
                        Some("expected version=\"1.x\"".to_owned())
                    } else if let Some(Err(e)) = decl.encoding() {
                        Some(format!("malformed encoding: {e}"))
                    } else {
                        check_chars(&decl)
                            .and_then(|()| check_pseudo_attributes(&decl))
                            .err()
                    };
                    if let Some(reason) = malformed {
                        return Err(self.fail(
                            mark,
                            ErrorKind::Syntax,
                            format!("malformed XML declaration: {reason}"),
                        ));
                    }
                    let encoding = decl.encoding().and_then(Result::ok).map(|e| e.into_owned());
                    if let Some(name) = encoding.filter(|e| !is_utf8_name(e)) {
                        return Err(self.foreign_encoding(mark, &name));
                    }
                    first = false;
                    blank = false;
                    continue;
                }
                Event::DocType(doctype) => {
                    let is_html = doctype
                        .trim_start()
                        .get(..4)
                        .is_some_and(|s| s.eq_ignore_ascii_case("html"));
                    return Err(if is_html {
                        self.fail(mark, ErrorKind::UnexpectedDocument, HTML_PAGE)
                    } else {
                        self.fail(
                            mark,
                            ErrorKind::Unsupported,
                            "a DOCTYPE declaration is refused: licscope never processes DTDs \
                             or expands entities",
                        )
                    });
                }
                Event::Text(t) => {
                    if !is_xml_whitespace(&t) {
                        return Err(self.fail(
                            mark,
                            ErrorKind::Syntax,
                            "expected the root element <mgmtResponse>, found text",
                        ));
                    }
                    first = false;
                    continue;
                }
                Event::Comment(_) | Event::PI(_) => {
                    first = false;
                    blank = false;
                    continue;
                }
                Event::Eof => {
                    return Err(if blank {
                        Error::new(
                            ErrorKind::Empty,
                            "the input is empty or only whitespace, expected an XML document",
                        )
                    } else {
                        self.fail(
                            mark,
                            ErrorKind::Eof,
                            "unexpected end of input, expected the root element <mgmtResponse>",
                        )
                    });
                }
                Event::Start(e) => (e.into_owned(), false),
                Event::Empty(e) => (e.into_owned(), true),
                Event::End(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(self.fail(
                        mark,
                        ErrorKind::Syntax,
                        "expected the root element <mgmtResponse>, found character data",
                    ));
                }
            };
            return self.root(mark, &start, empty);
        }
    }

    /// Reads the envelope's attributes when they are plain (see [`crate::layout::plain_attributes`]:
    /// what quick-xml's checks and normalization leave unchanged), without quick-xml's attribute
    /// iterator; `false` leaves them to [`root_attributes`](Self::root_attributes).
    fn plain_root_attributes<T>(
        &self,
        start: &BytesStart<'_>,
        envelope: &mut MgmtResponse<T>,
    ) -> bool {
        let raw = start.attributes_raw();
        let limit = self.limits.max_string_bytes();
        let Some((found, count, end)) = crate::layout::plain_attributes(raw.as_bytes(), 0, limit)
        else {
            return false;
        };
        if end != raw.len() {
            return false;
        }
        for &((name_start, name_end), (value_start, value_end)) in &found[..count] {
            if let Some(slot) = envelope.attribute_mut(&raw[name_start..name_end]) {
                *slot = Some(raw[value_start..value_end].to_owned());
            }
        }
        true
    }

    /// Reads and checks the envelope's attributes through quick-xml, wording any error.
    fn root_attributes<T>(
        &self,
        mark: Mark,
        start: &BytesStart<'_>,
        envelope: &mut MgmtResponse<T>,
    ) -> Result<(), Error> {
        for attr in start.attributes() {
            let attr = attr.map_err(|e| {
                self.fail(mark, ErrorKind::Syntax, format!("malformed attribute: {e}"))
                    .with_path(|| "mgmtResponse".to_owned())
            })?;
            // Every attribute is checked, read or not.
            let path = || format!("mgmtResponse.@{}", attr.key.as_ref());
            let limit = self.limits.max_string_bytes();
            if attr.value.len() > limit {
                return Err(self
                    .fail(
                        mark,
                        ErrorKind::LimitExceeded,
                        format!(
                            "the value of attribute {} is longer than the limit of {limit} \
                                 bytes",
                            attr.key.as_ref()
                        ),
                    )
                    .with_path(path));
            }
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| format!("malformed value of attribute {}: {e}", attr.key.as_ref()))
                .and_then(|v| check_chars(&v).map(|()| v))
                .map_err(|reason| self.fail(mark, ErrorKind::Syntax, reason).with_path(path))?;
            if let Some(slot) = envelope.attribute_mut(attr.key.as_ref()) {
                *slot = Some(value.into_owned());
            }
        }
        Ok(())
    }

    fn root<T: Record<'a>>(
        &mut self,
        mark: Mark,
        start: &BytesStart<'_>,
        empty: bool,
    ) -> Result<Root<T>, Error> {
        let name = start.name();
        let name = name.as_ref();
        if name == "mgmtResponse" {
            let mut envelope = MgmtResponse::new(Vec::new());
            if !self.plain_root_attributes(start, &mut envelope) {
                self.root_attributes(mark, start, &mut envelope)?;
            }
            if empty {
                self.finished = true;
                self.epilogue()?;
            }
            return Ok(Root::Response(envelope));
        }
        if name == "errorDocument" {
            check_attributes(start).map_err(|reason| self.fail(mark, ErrorKind::Syntax, reason))?;
            let error = if empty {
                ErrorDocument::default()
            } else {
                self.record::<ErrorDocument>(&|field| format!("errorDocument.{field}"), 1)?
            };
            self.finished = true;
            self.epilogue()?;
            return Ok(Root::Error(error));
        }
        Err(if name.eq_ignore_ascii_case("html") {
            self.fail(mark, ErrorKind::UnexpectedDocument, HTML_PAGE)
        } else {
            self.fail(
                mark,
                ErrorKind::UnexpectedDocument,
                format!(
                    "expected the root element <mgmtResponse> (or <errorDocument>), found <{name}>"
                ),
            )
        })
    }

    /// Reads the next record of the envelope, or checks the end of the document and returns
    /// `None`.
    fn next_record<T: Record<'a>>(&mut self) -> Result<Option<T>, Error> {
        if self.finished {
            return Ok(None);
        }
        let max_depth = self.limits.max_depth();
        // The reader stands after a tag here: the root's start tag or a record's end tag.
        if max_depth >= 3
            && self.records < self.limits.max_records()
            && let Some(record) = self.src.fast_record::<T>(Bounds {
                max_text: self.limits.max_string_bytes(),
            })
        {
            self.records += 1;
            return Ok(Some(record));
        }
        loop {
            let mark = self.src.mark();
            let index = self.records;
            match self.event(mark)? {
                Event::Start(e) => {
                    if 2 > max_depth {
                        return Err(self.too_deep(mark));
                    }
                    if e.name().as_ref() == T::NAME {
                        self.count_record(mark)?;
                        let path =
                            |field: &str| format!("mgmtResponse.{}[{index}].{field}", T::NAME);
                        return self.record(&path, 2).map(Some);
                    }
                    self.skip_subtree(2)?;
                }
                Event::Empty(e) => {
                    if e.name().as_ref() == T::NAME {
                        self.count_record(mark)?;
                        return Ok(Some(T::default()));
                    }
                }
                Event::End(_) => {
                    self.finished = true;
                    self.epilogue()?;
                    return Ok(None);
                }
                Event::GeneralRef(r) => {
                    let r = r.into_owned();
                    self.resolve(mark, &r)?;
                }
                Event::Eof => return Err(self.unclosed(mark, "mgmtResponse")),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.misplaced(mark));
                }
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
            }
        }
    }

    fn count_record(&mut self, mark: Mark) -> Result<(), Error> {
        self.records += 1;
        if self.records > self.limits.max_records() {
            return Err(self.fail(
                mark,
                ErrorKind::LimitExceeded,
                format!(
                    "the document holds more than the limit of {} records",
                    self.limits.max_records()
                ),
            ));
        }
        Ok(())
    }

    /// Reads a record's fields up to its end tag. `depth` is the record element's depth.
    fn record<T: Record<'a>>(
        &mut self,
        path: &dyn Fn(&str) -> String,
        depth: u32,
    ) -> Result<T, Error> {
        let input = self.locator.input();
        let mut record = T::default();
        let mut seen = 0u64;
        loop {
            let mark = self.src.mark();
            let (index, nil, empty) = match self.event(mark)? {
                Event::Start(e) => match T::field_index(e.name().as_ref()) {
                    Some(i) => (i, is_nil(&e), false),
                    None => {
                        self.skip_subtree(depth + 1)?;
                        continue;
                    }
                },
                Event::Empty(e) => match T::field_index(e.name().as_ref()) {
                    Some(i) => (i, true, true),
                    None => continue,
                },
                Event::End(_) => return Ok(record),
                Event::GeneralRef(r) => {
                    let r = r.into_owned();
                    self.resolve(mark, &r)?;
                    continue;
                }
                Event::Eof => return Err(self.unclosed(mark, T::NAME)),
                Event::Decl(_) | Event::DocType(_) => return Err(self.misplaced(mark)),
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => continue,
            };
            let field = T::FIELDS.get(index).copied().unwrap_or("?");
            if index < 64 && seen & (1 << index) != 0 {
                return Err(self
                    .fail(
                        mark,
                        ErrorKind::DuplicateField,
                        format!("<{field}> is given twice in one <{}>", T::NAME),
                    )
                    .with_path(|| path(field)));
            }
            seen |= 1u64.checked_shl(index as u32).unwrap_or(0);
            if depth + 1 > self.limits.max_depth() {
                return Err(self.too_deep(mark));
            }
            if empty {
                continue;
            }
            let text_mark = self.src.mark();
            let (text, end) = self
                .text(input, field)
                .map_err(|e| e.with_path(|| path(field)))?;
            if nil || text.is_empty() {
                continue;
            }
            record
                .set(index, crate::model::Scalar::Text(text))
                .map_err(|e| {
                    self.locator
                        .place_over(text_mark, end, e)
                        .with_path(|| path(field))
                })?;
        }
    }

    /// Reads the character data of a field up to its end tag: text, CDATA and references,
    /// with comments and processing instructions dropped; and where the end tag starts.
    fn text(&mut self, input: Option<&'a str>, field: &str) -> Result<(Cow<'a, str>, Mark), Error> {
        let mut acc: Cow<'a, str> = Cow::Borrowed("");
        loop {
            let mark = self.src.mark();
            let limit = self.limits.max_string_bytes();
            let piece: Cow<'a, str> = match self.event(mark)? {
                Event::Text(t) => promote(input, t.xml10_content()),
                Event::CData(c) => promote(input, c.xml10_content()),
                Event::GeneralRef(r) => {
                    let r = r.into_owned();
                    Cow::Owned(self.resolve(mark, &r)?.to_string())
                }
                Event::End(_) => return Ok((acc, mark)),
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Start(e) | Event::Empty(e) => {
                    let child = e.name().as_ref().to_owned();
                    return Err(self.fail(
                        mark,
                        ErrorKind::InvalidType,
                        format!("expected text in <{field}>, found the element <{child}>"),
                    ));
                }
                Event::Eof => return Err(self.unclosed(mark, field)),
                Event::Decl(_) | Event::DocType(_) => return Err(self.misplaced(mark)),
            };
            if acc.len() + piece.len() > limit {
                return Err(self.fail(
                    mark,
                    ErrorKind::LimitExceeded,
                    format!("the text of <{field}> is longer than the limit of {limit} bytes"),
                ));
            }
            if acc.is_empty() {
                acc = piece;
            } else {
                acc.to_mut().push_str(&piece);
            }
        }
    }

    /// Skips the content of an element whose start tag was just read, at `depth`.
    fn skip_subtree(&mut self, depth: u32) -> Result<(), Error> {
        let mut open = 1u32;
        loop {
            let mark = self.src.mark();
            match self.event(mark)? {
                Event::Start(_) => {
                    open += 1;
                    // The element just opened sits at depth `depth + open - 1`.
                    if depth + open - 1 > self.limits.max_depth() {
                        return Err(self.too_deep(mark));
                    }
                }
                Event::End(_) => {
                    open -= 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
                Event::GeneralRef(r) => {
                    let r = r.into_owned();
                    self.resolve(mark, &r)?;
                }
                Event::Eof => return Err(self.unclosed(mark, "an element")),
                Event::Decl(_) | Event::DocType(_) => return Err(self.misplaced(mark)),
                _ => {}
            }
        }
    }

    /// Checks what follows the root element: whitespace, comments and processing instructions.
    fn epilogue(&mut self) -> Result<(), Error> {
        loop {
            let mark = self.src.mark();
            match self.event(mark)? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_xml_whitespace(&t) => {}
                _ => {
                    return Err(self.fail(
                        mark,
                        ErrorKind::TrailingData,
                        "expected the end of the document after the root element",
                    ));
                }
            }
        }
    }

    /// Resolves a reference: one of the five predefined entities or a character reference.
    fn resolve(&self, mark: Mark, r: &BytesRef<'_>) -> Result<char, Error> {
        let c = match &**r {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ if r.is_char_ref() => r
                .resolve_char_ref()
                .ok()
                .flatten()
                .filter(|c| crate::wellformed::is_xml_char(*c)),
            _ => {
                return Err(self.fail(
                    mark,
                    ErrorKind::Syntax,
                    format!(
                        "unknown entity &{};: only the five predefined entities and character \
                         references are allowed",
                        &**r
                    ),
                ));
            }
        };
        c.ok_or_else(|| {
            self.fail(
                mark,
                ErrorKind::Syntax,
                format!("&{}; is not a valid character reference", &**r),
            )
        })
    }

    fn foreign_encoding(&self, mark: Mark, name: &str) -> Error {
        self.fail(
            mark,
            ErrorKind::Encoding,
            format!(
                "the XML declaration names encoding {name:?}; licscope reads UTF-8 only: convert \
                 the document (for example `iconv -f {name} -t UTF-8`)"
            ),
        )
    }

    fn unclosed(&self, mark: Mark, what: &str) -> Error {
        self.fail(
            mark,
            ErrorKind::Eof,
            format!("unexpected end of input: <{what}> is not closed"),
        )
    }

    fn misplaced(&self, mark: Mark) -> Error {
        self.fail(
            mark,
            ErrorKind::Syntax,
            "an XML or DOCTYPE declaration may only start the document",
        )
    }

    fn too_deep(&self, mark: Mark) -> Error {
        self.fail(
            mark,
            ErrorKind::LimitExceeded,
            format!(
                "elements are nested deeper than the limit of {}",
                self.limits.max_depth()
            ),
        )
    }
}

const HTML_PAGE: &str = "this is an HTML page, not a Prime API response: Prime answers with its \
                         login page when the session is not authenticated; check the credentials \
                         and log in again";

/// The longest event a decoder reads: the longest text, with room for the markup around it.
fn max_event(limits: &Limits) -> u64 {
    (limits.max_string_bytes() as u64).saturating_add(64 << 10)
}

/// The kind and message for one of quick-xml's errors.
fn describe(e: &quick_xml::Error) -> (ErrorKind, String) {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match e {
        quick_xml::Error::Io(io)
            if io.get_ref().is_some_and(|inner| inner.is::<EventTooLong>()) =>
        {
            (ErrorKind::LimitExceeded, io.to_string())
        }
        quick_xml::Error::Io(io) => (ErrorKind::Io, io.to_string()),
        quick_xml::Error::Encoding(_) => (
            ErrorKind::Encoding,
            "invalid UTF-8 in the document (is it Latin-1 or another legacy encoding?)".to_owned(),
        ),
        quick_xml::Error::Syntax(
            s @ (SyntaxError::UnclosedTag
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedPI
            | SyntaxError::UnclosedXmlDecl
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue),
        ) => (ErrorKind::Eof, format!("unexpected end of input: {s}")),
        quick_xml::Error::IllFormed(IllFormedError::MissingEndTag(name)) => (
            ErrorKind::Eof,
            format!("unexpected end of input: <{name}> is not closed"),
        ),
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => (
            ErrorKind::Syntax,
            format!("mismatched end tag: expected </{expected}>, found </{found}>"),
        ),
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => (
            ErrorKind::Syntax,
            format!("end tag </{name}> has no start tag"),
        ),
        other => (ErrorKind::Syntax, other.to_string()),
    }
}

/// Borrows `text` from the input when it lies inside it (a slice source's text and CDATA
/// events do), and copies it otherwise.
#[inline]
fn promote<'a>(input: Option<&'a str>, text: Cow<'_, str>) -> Cow<'a, str> {
    if let (Some(input), Cow::Borrowed(s)) = (input, &text) {
        let base = input.as_ptr() as usize;
        let start = s.as_ptr() as usize;
        if let Some(offset) = start.checked_sub(base)
            && let Some(borrowed) = input.get(offset..offset + s.len())
            && borrowed.as_ptr() == s.as_ptr()
        {
            return Cow::Borrowed(borrowed);
        }
    }
    Cow::Owned(text.into_owned())
}

fn is_nil(e: &BytesStart<'_>) -> bool {
    if e.attributes_raw().trim().is_empty() {
        return false;
    }
    e.attributes().with_checks(false).flatten().any(|a| {
        a.key.local_name().as_ref() == "nil"
            && a.key.prefix().is_some()
            && matches!(a.value.trim(), "true" | "1")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LicenseInfo;

    /// The stream's event buffer must hold one event, not the document (it once held the
    /// whole document, found by `benches/`'s stream_memory check).
    #[test]
    fn the_stream_buffer_stays_one_event_long() {
        let mut doc = String::from("<mgmtResponse>");
        for i in 0..2000 {
            doc.push_str(&format!(
                "<licenseInfoDTO><daysToExpire>{i}</daysToExpire><name>Feature {i}</name></licenseInfoDTO>"
            ));
        }
        doc.push_str("</mgmtResponse>");
        let mut stream = XmlStream::<_, LicenseInfo<'static>>::new(doc.as_bytes()).unwrap();
        let mut n = 0;
        for record in stream.by_ref() {
            assert_eq!(record.map(|r| r.days_to_expire), Ok(Some(n)));
            n += 1;
        }
        assert_eq!(n, 2000);
        let capacity = stream.decoder.src.buf.capacity();
        assert!(capacity < 1024, "the buffer grew to {capacity} bytes");
    }
}
