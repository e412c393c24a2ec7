//! Where the decoder's events come from: a slice or a `BufRead` stream, and how each locates
//! an event (byte offset, line, column) so that both report the same position.

use std::borrow::Cow;
use std::io::BufRead;

use licscope_syntax::{Error, ErrorKind};
use memchr::memmem::Finder;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::layout::{self, Bounds};
use crate::model::Record;

/// Where an event starts: its byte offset and, for streams, its line and column.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mark {
    pub(super) offset: u64,
    pub(super) line: u64,
    pub(super) column: u64,
}

/// An event source: a slice or a stream.
pub(super) trait Source<'a> {
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
pub(super) enum Locator<'a> {
    Slice { text: &'a str, bom: u64 },
    Stream,
}

impl<'a> Locator<'a> {
    /// The whole document, when it is in memory, so that text can be borrowed from it.
    pub(super) fn input(self) -> Option<&'a str> {
        match self {
            Locator::Slice { text, .. } => Some(text),
            Locator::Stream => None,
        }
    }

    pub(super) fn error(self, mark: Mark, kind: ErrorKind, reason: String) -> Error {
        self.place(mark, Error::new(kind, reason))
    }

    /// Gives `error` the position of `mark`.
    pub(super) fn place(self, mark: Mark, error: Error) -> Error {
        self.place_over(mark, mark, error)
    }

    /// Gives `error` the position of `start` and a span up to `end`.
    pub(super) fn place_over(self, start: Mark, end: Mark, error: Error) -> Error {
        match self {
            Locator::Slice { text, bom } => {
                let offset = usize::try_from(start.offset).unwrap_or(usize::MAX);
                error
                    .at_offset(text.as_bytes(), offset)
                    .until(end.offset)
                    .shifted(bom)
            }
            Locator::Stream => error
                .at_position(start.offset, start.line, start.column)
                .until(end.offset),
        }
    }
}

#[derive(Debug)]
pub(super) struct SliceSource<'a> {
    text: &'a str,
    bom: u64,
    reader: Reader<&'a [u8]>,
    max_event: u64,
}

impl<'a> SliceSource<'a> {
    pub(super) fn new(text: &'a str, bom: usize) -> SliceSource<'a> {
        SliceSource {
            text,
            bom: bom as u64,
            reader: configured(Reader::from_str(text)),
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
            offset: self.reader.buffer_position(),
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
        // `stream()` is quick-xml's documented way to take bytes past its events: it moves the
        // reader and its position together.
        self.reader.stream().consume(used);
        Some(record)
    }
}

#[derive(Debug)]
pub(super) struct StreamSource<R> {
    reader: Reader<LineCounter<R>>,
    /// quick-xml's event buffer (the tests check that it stays one event long).
    pub(super) buf: Vec<u8>,
    /// Finds the record's end tag, `</licenseInfoDTO>`, which bounds what the fast path reads.
    end_tag: Option<Finder<'static>>,
}

impl<R: BufRead> StreamSource<R> {
    pub(super) fn new(inner: R, bom: u64) -> StreamSource<R> {
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
        // Read and taken through `stream()`, quick-xml's documented way to take bytes past its
        // events, so that its position moves with them.
        let mut stream = self.reader.stream();
        let available = stream.fill_buf().ok()?;
        let end = finder.find(available)? + finder.needle().len();
        let window = std::str::from_utf8(available.get(..end)?).ok()?;
        let copy = |text: &str| Cow::Owned(text.to_owned());
        let (record, used) = layout::xml_record::<T>(window, bounds, copy)?;
        stream.consume(used);
        Some(record)
    }
}

pub(super) fn configured<R>(mut reader: Reader<R>) -> Reader<R> {
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
pub(super) struct LineCounter<R> {
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
pub(super) struct EventTooLong(u64);

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
pub(super) fn event_too_long(max_event: u64) -> quick_xml::Error {
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
