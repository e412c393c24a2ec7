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
use memchr::memmem::Finder;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::layout::{self, Bounds};
use crate::model::{Document, ErrorDocument, MgmtResponse, Record};

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

/// Where an event starts: its byte offset and, for streams, its line and column.
#[derive(Clone, Copy, Debug)]
struct Mark {
    offset: u64,
    line: u64,
    column: u64,
}

/// An event source: a slice or a stream.
trait Source<'a> {
    /// How to turn a [`Mark`] into a line and column; constant for a source.
    fn locator(&self) -> Locator<'a>;
    /// Where the next event starts.
    fn mark(&self) -> Mark;
    fn next(&mut self) -> Result<Event<'_>, quick_xml::Error>;
    /// Makes reading an event longer than `max_event` bytes fail with [`EventTooLong`]. A
    /// stream fails while reading it (quick-xml would otherwise buffer it whole); both sources
    /// fail, once it is read, for exactly the events longer than that, at the same place.
    fn bound_events(&mut self, max_event: u64);

    /// Reads the next record on the fast path ([`layout::xml_record`]) and moves past it, or
    /// returns `None` and leaves the source as it was. Called only where the reader stands
    /// between two tags (after the root's start tag or a record's end tag): there quick-xml
    /// keeps no state but the open elements, which a whole record leaves as they were, and
    /// reads on from wherever its input stands.
    fn fast_record<T: Record<'a>>(&mut self, bounds: Bounds) -> Option<T>;
}

/// Locates errors: a slice source computes line and column from the text when an error is
/// built; a stream's marks already carry them.
#[derive(Clone, Copy, Debug)]
enum Locator<'a> {
    Slice { text: &'a str, bom: u64 },
    Stream,
}

impl<'a> Locator<'a> {
    /// The whole document, when it is in memory, so that text can be borrowed from it.
    fn input(self) -> Option<&'a str> {
        match self {
            Locator::Slice { text, .. } => Some(text),
            Locator::Stream => None,
        }
    }

    fn error(self, mark: Mark, kind: ErrorKind, reason: String) -> Error {
        self.place(mark, Error::new(kind, reason))
    }

    /// Gives `error` the position of `mark`.
    fn place(self, mark: Mark, error: Error) -> Error {
        match self {
            Locator::Slice { text, bom } => {
                let offset = usize::try_from(mark.offset).unwrap_or(usize::MAX);
                error.at_offset(text.as_bytes(), offset).shifted(bom)
            }
            Locator::Stream => error.at_position(mark.offset, mark.line, mark.column),
        }
    }
}

#[derive(Debug)]
struct SliceSource<'a> {
    text: &'a str,
    bom: u64,
    reader: Reader<&'a [u8]>,
    /// Bytes the fast path read past quick-xml, which counts only its own.
    skipped: u64,
    max_event: u64,
}

impl<'a> SliceSource<'a> {
    fn new(text: &'a str, bom: usize) -> SliceSource<'a> {
        SliceSource {
            text,
            bom: bom as u64,
            reader: configured(Reader::from_str(text)),
            skipped: 0,
            max_event: u64::MAX,
        }
    }
}

impl<'a> Source<'a> for SliceSource<'a> {
    fn locator(&self) -> Locator<'a> {
        Locator::Slice {
            text: self.text,
            bom: self.bom,
        }
    }

    fn mark(&self) -> Mark {
        Mark {
            offset: self.reader.buffer_position() + self.skipped,
            line: 0,
            column: 0,
        }
    }

    #[inline(always)]
    fn next(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        let start = self.reader.buffer_position();
        // The result is passed on as it is: unwrapping and wrapping the event again would move
        // it through memory once more, on the hottest loop of the general path.
        let event = self.reader.read_event();
        if self.reader.buffer_position() - start > self.max_event {
            return Err(event_too_long(self.max_event));
        }
        event
    }

    fn bound_events(&mut self, max_event: u64) {
        self.max_event = max_event;
    }

    #[inline]
    fn fast_record<T: Record<'a>>(&mut self, bounds: Bounds) -> Option<T> {
        // quick-xml's slice reader holds the unread suffix of `text`: the text there is
        // borrowed from the document.
        let unread = self.reader.get_ref().len();
        let rest = self.text.get(self.text.len().checked_sub(unread)?..)?;
        let (record, used) = layout::xml_record::<T>(rest, bounds, Cow::Borrowed)?;
        let unread = self.reader.get_mut();
        *unread = unread.get(used..).unwrap_or_default();
        self.skipped += used as u64;
        Some(record)
    }
}

#[derive(Debug)]
struct StreamSource<R> {
    reader: Reader<LineCounter<R>>,
    buf: Vec<u8>,
    /// Finds the record's end tag, `</licenseInfoDTO>`, which bounds what the fast path reads.
    end_tag: Option<Finder<'static>>,
}

impl<R: BufRead> StreamSource<R> {
    fn new(inner: R, bom: u64) -> StreamSource<R> {
        let counter = LineCounter {
            inner,
            consumed: bom,
            line: 1,
            column: 1,
            event_start: bom,
            max_event: u64::MAX,
        };
        StreamSource {
            reader: configured(Reader::from_reader(counter)),
            buf: Vec::with_capacity(256),
            end_tag: None,
        }
    }
}

impl<R: BufRead> Source<'static> for StreamSource<R> {
    fn locator(&self) -> Locator<'static> {
        Locator::Stream
    }

    fn mark(&self) -> Mark {
        let c = self.reader.get_ref();
        Mark {
            offset: c.consumed,
            line: c.line,
            column: c.column,
        }
    }

    fn next(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        // quick-xml appends each event to the buffer; without this the buffer would grow to the
        // whole document (found by the stream_memory check in benches/).
        self.buf.clear();
        let counter = self.reader.get_mut();
        counter.event_start = counter.consumed;
        let event = self.reader.read_event_into(&mut self.buf)?;
        let counter = self.reader.get_ref();
        if counter.consumed - counter.event_start > counter.max_event {
            return Err(event_too_long(counter.max_event));
        }
        Ok(event)
    }

    fn bound_events(&mut self, max_event: u64) {
        self.reader.get_mut().max_event = max_event;
    }

    fn fast_record<T: Record<'static>>(&mut self, bounds: Bounds) -> Option<T> {
        // A record that lies whole in the reader's buffer, up to its end tag, is read from
        // there, its text copied; a record cut by the buffer's end goes through events. Only
        // that much of the buffer is checked as UTF-8. quick-xml reads through the same
        // `BufRead` and holds no bytes of its own between events; `consume` counts the lines
        // and columns of what the fast path took.
        let is_end_tag = |n: &[u8]| {
            n.strip_prefix(b"</").and_then(|n| n.strip_suffix(b">")) == Some(T::NAME.as_bytes())
        };
        if !self
            .end_tag
            .as_ref()
            .is_some_and(|f| is_end_tag(f.needle()))
        {
            let tag = format!("</{}>", T::NAME);
            self.end_tag = Some(Finder::new(tag.as_bytes()).into_owned());
        }
        let finder = self.end_tag.as_ref()?;
        let counter = self.reader.get_mut();
        counter.event_start = counter.consumed;
        let available = counter.fill_buf().ok()?;
        let end = finder.find(available)? + finder.needle().len();
        let window = std::str::from_utf8(available.get(..end)?).ok()?;
        let copy = |text: &str| Cow::Owned(text.to_owned());
        let (record, used) = layout::xml_record::<T>(window, bounds, copy)?;
        counter.consume(used);
        Some(record)
    }
}

fn configured<R>(mut reader: Reader<R>) -> Reader<R> {
    let config = reader.config_mut();
    config.check_end_names = true;
    // `--` inside a comment is not well-formed XML; quick-xml checks it only on request.
    config.check_comments = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
    reader
}

/// A `BufRead` adapter that counts lines and columns of what the XML reader consumes, so that a
/// stream's errors have positions without keeping the input.
#[derive(Debug)]
struct LineCounter<R> {
    inner: R,
    consumed: u64,
    line: u64,
    column: u64,
    /// Where the event being read started, and how long it may grow: quick-xml buffers a whole
    /// event, so an endless comment or text would otherwise take memory without bound.
    event_start: u64,
    max_event: u64,
}

/// The I/O error a stream's [`LineCounter`] returns when one event grows past its bound.
#[derive(Debug)]
struct EventTooLong(u64);

impl std::fmt::Display for EventTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "one tag, text, comment or other markup is longer than the limit of {} bytes",
            self.0
        )
    }
}

impl std::error::Error for EventTooLong {}

#[cold]
#[inline(never)]
fn event_too_long(max_event: u64) -> quick_xml::Error {
    quick_xml::Error::Io(std::sync::Arc::new(std::io::Error::other(EventTooLong(
        max_event,
    ))))
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.consumed - self.event_start > self.max_event {
            return Err(std::io::Error::other(EventTooLong(self.max_event)));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // `fill_buf` returns the bytes about to be consumed without reading again; an error here
        // cannot happen for a buffer that still holds them, and would only cost the position.
        if let Ok(chunk) = self.inner.fill_buf() {
            let chunk = &chunk[..amount.min(chunk.len())];
            let after_newline = match memchr::memrchr(b'\n', chunk) {
                Some(last) => {
                    self.line += memchr::memchr_iter(b'\n', chunk).count() as u64;
                    self.column = 1;
                    &chunk[last + 1..]
                }
                None => chunk,
            };
            // Columns count characters: UTF-8 continuation bytes do not start one.
            self.column += after_newline.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64;
        }
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
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
                        return Err(self.fail(
                            mark,
                            ErrorKind::Encoding,
                            format!(
                                "the XML declaration names encoding {name:?}; licscope reads \
                                 UTF-8 only: convert the document (for example `iconv -f \
                                 {name} -t UTF-8`)"
                            ),
                        ));
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
                let slot = match attr.key.as_ref() {
                    "responseType" => &mut envelope.response_type,
                    "requestUrl" => &mut envelope.request_url,
                    "rootUrl" => &mut envelope.root_url,
                    _ => continue,
                };
                *slot = Some(value.into_owned());
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
            let text = self
                .text(input, field)
                .map_err(|e| e.with_path(|| path(field)))?;
            if nil || text.is_empty() {
                continue;
            }
            record
                .set(index, crate::model::Scalar::Text(text))
                .map_err(|reason| {
                    self.fail(text_mark, ErrorKind::InvalidValue, reason)
                        .with_path(|| path(field))
                })?;
        }
    }

    /// Reads the character data of a field up to its end tag: text, CDATA and references,
    /// with comments and processing instructions dropped.
    fn text(&mut self, input: Option<&'a str>, field: &str) -> Result<Cow<'a, str>, Error> {
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
                Event::End(_) => return Ok(acc),
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
                .filter(|c| is_xml_char(*c)),
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

/// Checks that `s` holds only characters XML 1.0 allows; quick-xml leaves this to its users.
#[inline]
fn check_chars(s: &str) -> Result<(), String> {
    // Fast path: no control character, and no 0xEF lead byte that could start U+FFFE or U+FFFF.
    let suspicious = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0xEF;
    if !s.as_bytes().iter().any(suspicious) {
        return Ok(());
    }
    match s.chars().find(|c| !is_xml_char(*c)) {
        None => Ok(()),
        Some(c) => Err(format!(
            "character U+{:04X} is not allowed in XML 1.0",
            c as u32
        )),
    }
}

/// Checks every attribute of a tag, whether licscope reads it or not: unique names, well-formed
/// values (references resolved) and characters XML allows. quick-xml parses attributes only on
/// request; tags without attributes cost nothing here.
fn check_attributes(e: &BytesStart<'_>) -> Result<(), String> {
    if e.attributes_raw().trim_start().is_empty() {
        return Ok(());
    }
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("malformed attribute: {err}"))?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("malformed value of attribute {}: {err}", attr.key.as_ref()))?;
        check_chars(&value)?;
    }
    Ok(())
}

/// Checks the XML declaration's pseudo-attributes (`xml version=... encoding=... standalone=...`,
/// the content between `<?` and `?>`): `version` first, then optionally `encoding` and
/// `standalone`, in that order, each once, quoted, `standalone` `yes` or `no` (XML 1.0,
/// production 23). quick-xml reads them on request and skips any others.
fn check_pseudo_attributes(content: &str) -> Result<(), String> {
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let mut rest = content.strip_prefix("xml").unwrap_or(content);
    let mut allowed: &[&str] = &["version", "encoding", "standalone"];
    loop {
        let trimmed = rest.trim_start_matches(is_ws);
        if trimmed.is_empty() {
            return Ok(());
        }
        if trimmed.len() == rest.len() {
            return Err("expected whitespace between pseudo-attributes".to_owned());
        }
        let name_end = trimmed
            .find(|c: char| c == '=' || is_ws(c))
            .unwrap_or(trimmed.len());
        let name = &trimmed[..name_end];
        let at = allowed
            .iter()
            .position(|n| *n == name)
            .filter(|&at| at == 0 || allowed.len() < 3)
            .ok_or_else(|| format!("unexpected pseudo-attribute {name:?}"))?;
        allowed = &allowed[at + 1..];
        let value = trimmed[name_end..]
            .trim_start_matches(is_ws)
            .strip_prefix('=')
            .map(|v| v.trim_start_matches(is_ws))
            .ok_or_else(|| format!("expected '=' after {name}"))?;
        let quote = value
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '\''))
            .ok_or_else(|| format!("expected a quoted value for {name}"))?;
        let body = &value[1..];
        let end = body
            .find(quote)
            .ok_or_else(|| format!("unclosed value of {name}"))?;
        if name == "standalone" && !matches!(&body[..end], "yes" | "no") {
            return Err("standalone must be \"yes\" or \"no\"".to_owned());
        }
        rest = &body[end + 1..];
    }
}

fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// `Char` of the XML 1.0 grammar: what a character reference may name.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_utf8_name(encoding: &str) -> bool {
    ["utf-8", "utf8", "us-ascii", "ascii"]
        .iter()
        .any(|n| encoding.eq_ignore_ascii_case(n))
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
