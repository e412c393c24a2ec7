//! A strict, borrowing JSON pull reader.
//!
//! The vendor decoders drive it key by key, so a document is read in one pass with no
//! intermediate tree, strings are borrowed from the input unless they hold escapes, and every
//! error knows its byte offset. It accepts exactly RFC 8259 JSON (plus one leading UTF-8
//! byte-order mark, which RFC 8259 lets a parser ignore).

use std::borrow::Cow;

use crate::{Error, ErrorKind, Limits, encoding::utf8_without_bom};

/// The JSON type of the next value, for dispatch and for "expected X, found Y" messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"`
    String,
    /// `-` or a digit
    Number,
    /// `true` or `false`
    Bool,
    /// `null`
    Null,
}

impl JsonKind {
    /// The kind with an article, as used in messages: `an object`.
    pub fn describe(self) -> &'static str {
        match self {
            JsonKind::Object => "an object",
            JsonKind::Array => "an array",
            JsonKind::String => "a string",
            JsonKind::Number => "a number",
            JsonKind::Bool => "a boolean",
            JsonKind::Null => "null",
        }
    }
}

/// A pull reader over one JSON document held in memory.
///
/// Objects are read with [`begin_object`](JsonReader::begin_object) and a loop over
/// [`next_key`](JsonReader::next_key); arrays likewise with
/// [`next_element`](JsonReader::next_element). Offsets in errors count from the first byte of
/// the input given to [`new`](JsonReader::new).
#[derive(Clone, Debug)]
pub struct JsonReader<'a> {
    src: &'a str,
    bom: usize,
    pos: usize,
    depth: u32,
    limits: Limits,
}

/// Bytes that end the fast scan of a string: the quote, the backslash and control characters.
static STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

impl<'a> JsonReader<'a> {
    /// Prepares to read `input`: checks its size, its encoding (UTF-8, an optional byte-order
    /// mark skipped) and that it is not empty.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LimitExceeded`], [`ErrorKind::Encoding`] or [`ErrorKind::Empty`].
    pub fn new(input: &'a [u8], limits: &Limits) -> Result<JsonReader<'a>, Error> {
        limits.check_input_size(input.len())?;
        let (src, bom) = utf8_without_bom(input)?;
        if src
            .bytes()
            .all(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        {
            return Err(Error::new(
                ErrorKind::Empty,
                if src.is_empty() {
                    "the input is empty, expected a JSON document"
                } else {
                    "the input holds only whitespace, expected a JSON document"
                },
            ));
        }
        Ok(JsonReader {
            src,
            bom,
            pos: 0,
            depth: 0,
            limits: *limits,
        })
    }

    /// The document text, without the byte-order mark.
    #[inline]
    pub fn source(&self) -> &'a str {
        self.src
    }

    /// The current byte offset into the document text (after the byte-order mark).
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Builds an error at `pos`, a byte offset into [`source`](JsonReader::source).
    pub fn error_at(&self, kind: ErrorKind, pos: usize, reason: impl Into<String>) -> Error {
        Error::new(kind, reason)
            .at_offset(self.src.as_bytes(), pos)
            .shifted(self.bom as u64)
    }

    /// Builds an error about the value that lies between `start` and `end`, byte offsets into
    /// [`source`](JsonReader::source): positioned at `start`, with that
    /// [`span`](Error::span).
    pub fn error_over(
        &self,
        kind: ErrorKind,
        start: usize,
        end: usize,
        reason: impl Into<String>,
    ) -> Error {
        Error::new(kind, reason)
            .at_offset(self.src.as_bytes(), start)
            .until(end.min(self.src.len()) as u64)
            .shifted(self.bom as u64)
    }

    /// Skips whitespace and tells the kind of the next value, without consuming it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Eof`] at the end of input, [`ErrorKind::Syntax`] if no value starts here.
    #[inline]
    pub fn peek_kind(&mut self) -> Result<JsonKind, Error> {
        self.skip_ws();
        match self.byte() {
            Some(b'{') => Ok(JsonKind::Object),
            Some(b'[') => Ok(JsonKind::Array),
            Some(b'"') => Ok(JsonKind::String),
            Some(b'-' | b'0'..=b'9') => Ok(JsonKind::Number),
            Some(b't' | b'f') => Ok(JsonKind::Bool),
            Some(b'n') => Ok(JsonKind::Null),
            Some(_) => Err(self.unexpected("a JSON value")),
            None => Err(self.eof("a JSON value")),
        }
    }

    /// Consumes a `null` if one comes next and says whether it did.
    ///
    /// # Errors
    ///
    /// As [`peek_kind`](JsonReader::peek_kind), or [`ErrorKind::Syntax`] for a misspelt `null`.
    #[inline]
    pub fn null(&mut self) -> Result<bool, Error> {
        self.skip_ws();
        match self.byte() {
            Some(b'n') => self.literal(b"null").map(|()| true),
            // Any other value is the caller's to read; no value is a syntax error.
            Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f') => Ok(false),
            _ => self.peek_kind().map(|_| false),
        }
    }

    /// Consumes the `{` that opens an object.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidType`] if the next value is not an object,
    /// [`ErrorKind::LimitExceeded`] past the nesting limit.
    #[inline]
    pub fn begin_object(&mut self) -> Result<(), Error> {
        self.open(JsonKind::Object, b'{')
    }

    /// Consumes the `[` that opens an array.
    ///
    /// # Errors
    ///
    /// As [`begin_object`](JsonReader::begin_object).
    #[inline]
    pub fn begin_array(&mut self) -> Result<(), Error> {
        self.open(JsonKind::Array, b'[')
    }

    /// Reads the next key of the current object and the `:` after it, or consumes the closing
    /// `}` and returns `None`. `first` must start `true` for each object; the reader clears it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] or [`ErrorKind::Eof`] for anything but a key or the end.
    #[inline]
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<(Cow<'a, str>, usize)>, Error> {
        self.skip_ws();
        if *first {
            *first = false;
            if self.byte() == Some(b'}') {
                return Ok(self.close());
            }
        } else {
            match self.byte() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => return Ok(self.close()),
                Some(_) => return Err(self.unexpected("',' or '}'")),
                None => return Err(self.eof("',' or '}'")),
            }
        }
        let at = self.pos;
        match self.byte() {
            Some(b'"') => {}
            Some(_) => return Err(self.unexpected("a string key")),
            None => return Err(self.eof("a string key")),
        }
        let key = self.string_body()?;
        self.skip_ws();
        match self.byte() {
            Some(b':') => self.pos += 1,
            Some(_) => return Err(self.unexpected("':' after the key")),
            None => return Err(self.eof("':' after the key")),
        }
        Ok(Some((key, at)))
    }

    /// Moves to the next element of the current array, or consumes the closing `]` and returns
    /// `false`. `first` must start `true` for each array; the reader clears it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] or [`ErrorKind::Eof`] for anything but an element or the end.
    #[inline]
    pub fn next_element(&mut self, first: &mut bool) -> Result<bool, Error> {
        self.skip_ws();
        if *first {
            *first = false;
            if self.byte() == Some(b']') {
                self.close::<()>();
                return Ok(false);
            }
            return Ok(true);
        }
        match self.byte() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b']') => {
                self.close::<()>();
                Ok(false)
            }
            Some(_) => Err(self.unexpected("',' or ']'")),
            None => Err(self.eof("',' or ']'")),
        }
    }

    /// Reads a string value, borrowed from the input unless it holds escapes.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidType`] for another type, [`ErrorKind::Syntax`] for a bad escape or a
    /// raw control character, [`ErrorKind::Eof`] for an unterminated string.
    #[inline]
    pub fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        self.expect(JsonKind::String)?;
        self.string_body()
    }

    /// Reads a number and returns its text, checked against the JSON grammar.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidType`] for another type, [`ErrorKind::Syntax`] for a malformed number.
    #[inline]
    pub fn number_text(&mut self) -> Result<&'a str, Error> {
        self.expect(JsonKind::Number)?;
        self.number_body()
    }

    /// Reads an integer that fits in an `i64`.
    ///
    /// # Errors
    ///
    /// As [`number_text`](JsonReader::number_text), and [`ErrorKind::InvalidValue`] for a
    /// fraction, an exponent or a value out of range.
    #[inline]
    pub fn i64(&mut self) -> Result<i64, Error> {
        let at = self.pos_after_ws();
        let text = self.number_text()?;
        parse_integer(text, i64::MIN, i64::MAX)
            .map_err(|e| self.error_over(ErrorKind::InvalidValue, at, self.pos, e.reason()))
    }

    /// Reads `true` or `false`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidType`] for another type, [`ErrorKind::Syntax`] for a misspelling.
    #[inline]
    pub fn bool(&mut self) -> Result<bool, Error> {
        self.expect(JsonKind::Bool)?;
        if self.byte() == Some(b't') {
            self.literal(b"true")?;
            Ok(true)
        } else {
            self.literal(b"false")?;
            Ok(false)
        }
    }

    /// Skips one value of any type, checking its syntax, and returns its text.
    ///
    /// # Errors
    ///
    /// Any syntax error inside the value, or [`ErrorKind::LimitExceeded`] past the nesting limit.
    pub fn skip_value(&mut self) -> Result<&'a str, Error> {
        let start = self.pos_after_ws();
        match self.peek_kind()? {
            JsonKind::Object => {
                self.begin_object()?;
                let mut first = true;
                while self.next_key(&mut first)?.is_some() {
                    self.skip_value()?;
                }
            }
            JsonKind::Array => {
                self.begin_array()?;
                let mut first = true;
                while self.next_element(&mut first)? {
                    self.skip_value()?;
                }
            }
            JsonKind::String => {
                self.string_body()?;
            }
            JsonKind::Number => {
                self.number_body()?;
            }
            JsonKind::Bool => {
                self.bool()?;
            }
            JsonKind::Null => self.literal(b"null")?,
        }
        Ok(&self.src[start..self.pos])
    }

    /// Checks that nothing but whitespace follows the document.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TrailingData`] at the first byte that follows.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.skip_ws();
        match self.byte() {
            None => Ok(()),
            Some(_) => Err(self.error_at(
                ErrorKind::TrailingData,
                self.pos,
                format!(
                    "expected the end of input after the document, found {}",
                    self.found()
                ),
            )),
        }
    }

    /// Lets a fast path read the next value straight from the bytes. Plumbing of the licscope
    /// decoders, not part of the API: it may change in any release.
    ///
    /// `read` gets the document text and the offset where the next value starts; it returns
    /// what it read and the offset just after the value, or `None` to leave the value to the
    /// reader's own methods. The reader only moves when `read` succeeds. `read` must take one
    /// whole, well-formed value nested at most `depth` levels deep (`1` for an object of
    /// scalars) and must refuse any value the reader's methods would refuse; the reader keeps
    /// the nesting limit itself: past it, `read` is not called.
    #[doc(hidden)]
    #[inline]
    pub fn speculate<T>(
        &mut self,
        depth: u32,
        read: impl FnOnce(&'a str, usize) -> Option<(T, usize)>,
    ) -> Option<T> {
        self.skip_ws();
        if self.depth.saturating_add(depth) > self.limits.max_depth() {
            return None;
        }
        let (value, end) = read(self.src, self.pos)?;
        // An end inside a character would make every later slice of the text panic.
        if end <= self.pos || !self.src.is_char_boundary(end) {
            return None;
        }
        self.pos = end;
        Some(value)
    }

    /// Skips whitespace and returns the offset where the next token starts.
    #[inline]
    pub fn pos_after_ws(&mut self) -> usize {
        self.skip_ws();
        self.pos
    }

    /// An [`ErrorKind::InvalidType`] error for the value that comes next.
    ///
    /// # Errors
    ///
    /// Returns the syntax error instead when no value starts here.
    pub fn type_error(&mut self, expected: &str) -> Error {
        match self.peek_kind() {
            Ok(kind) => self.error_at(
                ErrorKind::InvalidType,
                self.pos,
                format!("expected {expected}, found {}", kind.describe()),
            ),
            Err(e) => e,
        }
    }

    #[inline]
    fn expect(&mut self, want: JsonKind) -> Result<(), Error> {
        self.skip_ws();
        let first = match want {
            JsonKind::Object => b'{',
            JsonKind::Array => b'[',
            JsonKind::String => b'"',
            JsonKind::Null => b'n',
            JsonKind::Number | JsonKind::Bool => 0,
        };
        if first != 0 && self.byte() == Some(first) {
            return Ok(());
        }
        if self.peek_kind()? == want {
            Ok(())
        } else {
            Err(self.type_error(want.describe()))
        }
    }

    #[inline]
    fn open(&mut self, kind: JsonKind, byte: u8) -> Result<(), Error> {
        self.expect(kind)?;
        if self.depth >= self.limits.max_depth() {
            return Err(self.error_at(
                ErrorKind::LimitExceeded,
                self.pos,
                format!(
                    "nesting is deeper than the limit of {}",
                    self.limits.max_depth()
                ),
            ));
        }
        debug_assert_eq!(self.byte(), Some(byte));
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Consumes a closing bracket; returns `None` so callers can return it directly.
    #[inline]
    fn close<T>(&mut self) -> Option<T> {
        self.pos += 1;
        // A caller that closes what it never opened (`next_key` without `begin_object`) must not
        // panic: the depth only bounds recursion, so it stays at zero.
        self.depth = self.depth.saturating_sub(1);
        None
    }

    #[inline]
    fn byte(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        self.pos = skip_whitespace(self.src.as_bytes(), self.pos);
    }

    /// Describes the character at the current position for messages.
    fn found(&self) -> String {
        match self.src[self.pos..].chars().next() {
            Some(c) if c.is_control() => format!("character U+{:04X}", c as u32),
            Some('\'') => "\"'\"".to_owned(),
            Some(c) => format!("'{c}'"),
            None => "the end of input".to_owned(),
        }
    }

    fn unexpected(&self, expected: &str) -> Error {
        self.error_at(
            ErrorKind::Syntax,
            self.pos,
            format!("expected {expected}, found {}", self.found()),
        )
    }

    fn eof(&self, expected: &str) -> Error {
        self.error_at(
            ErrorKind::Eof,
            self.pos,
            format!("unexpected end of input, expected {expected}"),
        )
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), Error> {
        let b = &self.src.as_bytes()[self.pos..];
        if b.starts_with(word) {
            self.pos += word.len();
            return Ok(());
        }
        let expected = format!("'{}'", String::from_utf8_lossy(word));
        // A prefix of the word at the very end is a truncated document, not a misspelling.
        if b.len() < word.len() && word.starts_with(b) {
            self.pos += b.len();
            Err(self.eof(&expected))
        } else {
            Err(self.unexpected(&expected))
        }
    }

    /// Reads a string whose opening quote is at the current position.
    #[inline]
    fn string_body(&mut self) -> Result<Cow<'a, str>, Error> {
        let start = self.pos + 1;
        if let Some((plain, end)) = plain_string(self.src, self.pos) {
            self.check_string_len(start, end - 1)?;
            self.pos = end;
            return Ok(Cow::Borrowed(plain));
        }
        self.pos = start;
        self.string_escaped(start).map(Cow::Owned)
    }

    /// The slow path of [`string_body`]: the string holds an escape or is malformed.
    fn string_escaped(&mut self, start: usize) -> Result<String, Error> {
        let bytes = self.src.as_bytes();
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.src[start..self.pos]);
        loop {
            let run = self.pos;
            while self.pos < bytes.len() && !STRING_STOP[usize::from(bytes[self.pos])] {
                self.pos += 1;
            }
            out.push_str(&self.src[run..self.pos]);
            self.check_string_len(start, self.pos)?;
            match self.byte() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.error_at(
                        ErrorKind::Syntax,
                        self.pos,
                        format!(
                            "{} must be escaped inside a string",
                            self.found().replacen("character", "control character", 1)
                        ),
                    ));
                }
                None => return Err(self.eof("'\"' to close the string")),
            }
        }
    }

    #[inline]
    fn check_string_len(&self, start: usize, end: usize) -> Result<(), Error> {
        if end - start > self.limits.max_string_bytes() {
            return Err(self.error_at(
                ErrorKind::LimitExceeded,
                start.saturating_sub(1),
                format!(
                    "a string is longer than the limit of {} bytes",
                    self.limits.max_string_bytes()
                ),
            ));
        }
        Ok(())
    }

    /// Decodes the escape sequence at the current position (a backslash).
    fn escape(&mut self) -> Result<char, Error> {
        let at = self.pos;
        if let Some((c, after)) = escape_at(self.src.as_bytes(), at) {
            self.pos = after;
            return Ok(c);
        }
        // What follows words the error.
        self.pos += 1;
        let c = match self.byte() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let first = self.hex4()?;
                return match first {
                    0xD800..=0xDBFF => {
                        if !self.src[self.pos..].starts_with("\\u") {
                            return Err(self.lone_surrogate(at, first));
                        }
                        self.pos += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.lone_surrogate(at, first));
                        }
                        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        // The arithmetic above yields 0x10000..=0x10FFFF, all valid scalars.
                        char::from_u32(c).ok_or_else(|| self.lone_surrogate(at, first))
                    }
                    0xDC00..=0xDFFF => Err(self.lone_surrogate(at, first)),
                    // Every other BMP code point is a scalar value.
                    _ => char::from_u32(first).ok_or_else(|| self.lone_surrogate(at, first)),
                };
            }
            Some(_) => {
                return Err(self.error_at(
                    ErrorKind::Syntax,
                    at,
                    format!(
                        "invalid escape '\\{}' in a string",
                        self.found().trim_matches('\'')
                    ),
                ));
            }
            None => return Err(self.eof("an escape character")),
        };
        self.pos += 1;
        Ok(c)
    }

    fn lone_surrogate(&self, at: usize, unit: u32) -> Error {
        self.error_at(
            ErrorKind::Syntax,
            at,
            format!("escape '\\u{unit:04X}' is half of a UTF-16 surrogate pair"),
        )
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.byte() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                Some(_) => return Err(self.unexpected("a hexadecimal digit in a '\\u' escape")),
                None => return Err(self.eof("a hexadecimal digit")),
            };
            v = v * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(v)
    }

    /// Reads a number starting at the current position and returns its text.
    #[inline]
    fn number_body(&mut self) -> Result<&'a str, Error> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        if self.byte() == Some(b'-') {
            self.pos += 1;
        }
        match self.byte() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = bytes.get(self.pos) {
                    self.pos += 1;
                }
            }
            Some(_) => return Err(self.unexpected("a digit")),
            None => return Err(self.eof("a digit")),
        }
        if self.byte() == Some(b'.') {
            self.pos += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.byte() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.byte() {
                self.pos += 1;
            }
            self.digits()?;
        }
        if self.pos - start > self.limits.max_string_bytes() {
            return Err(self.error_at(ErrorKind::LimitExceeded, start, "a number is too long"));
        }
        Ok(&self.src[start..self.pos])
    }

    #[inline]
    fn digits(&mut self) -> Result<(), Error> {
        let bytes = self.src.as_bytes();
        match bytes.get(self.pos) {
            Some(b'0'..=b'9') => {}
            Some(_) => return Err(self.unexpected("a digit")),
            None => return Err(self.eof("a digit")),
        }
        while let Some(b'0'..=b'9') = bytes.get(self.pos) {
            self.pos += 1;
        }
        Ok(())
    }
}

/// Reads a string without escapes whose opening quote is at `quote`: returns its contents and
/// the offset after its closing quote, or `None` when it holds an escape or a control character
/// or is not closed (which [`JsonReader`]'s own methods handle). For fast paths.
#[inline]
pub fn plain_string(src: &str, quote: usize) -> Option<(&str, usize)> {
    let bytes = src.as_bytes();
    if bytes.get(quote) != Some(&b'"') {
        return None;
    }
    let start = quote + 1;
    let mut i = skip_plain(bytes, start);
    while i < bytes.len() && !STRING_STOP[usize::from(bytes[i])] {
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    // Both ends sit next to ASCII quotes, so they are character boundaries.
    Some((src.get(start..i)?, i + 1))
}

/// Reads a string whose opening quote is at `quote`, escapes included: returns its contents
/// (borrowed when it holds no escape), the offset after its closing quote, and `None` for a
/// string that [`JsonReader`] would refuse (a control character, an invalid escape, a lone
/// surrogate, no closing quote) or that is longer than `max_raw` bytes between its quotes (the
/// reader's string limit counts those bytes, escapes as written). For fast paths.
#[inline]
pub fn json_string(src: &str, quote: usize, max_raw: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = src.as_bytes();
    if bytes.get(quote) != Some(&b'"') {
        return None;
    }
    let start = quote + 1;
    // One scan: plain runs are skipped eight bytes at a time; the text is built only from the
    // first escape on.
    let mut out: Option<String> = None;
    let mut run = start;
    let mut i = start;
    loop {
        i = skip_plain(bytes, i);
        while i < bytes.len() && !STRING_STOP[usize::from(bytes[i])] {
            i += 1;
        }
        if i - start > max_raw {
            return None;
        }
        match *bytes.get(i)? {
            b'"' => {
                // Both ends sit next to ASCII quotes or escapes: character boundaries.
                let text = match out {
                    None => Cow::Borrowed(src.get(start..i)?),
                    Some(mut out) => {
                        out.push_str(src.get(run..i)?);
                        Cow::Owned(out)
                    }
                };
                return Some((text, i + 1));
            }
            b'\\' => {
                let (c, after) = escape_at(bytes, i)?;
                let out = out.get_or_insert_with(|| String::with_capacity(i - start + 32));
                out.push_str(src.get(run..i)?);
                out.push(c);
                i = after;
                run = i;
            }
            _ => return None,
        }
    }
}

/// Decodes the escape at `at` (a backslash): the character and the offset after the escape, or
/// `None` for an escape JSON does not allow or a lone surrogate.
#[inline]
fn escape_at(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let simple = match *bytes.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex4 = |i: usize| -> Option<u32> {
                let digits = bytes.get(i..i + 4)?;
                digits
                    .iter()
                    .try_fold(0u32, |v, &d| Some(v * 16 + char::from(d).to_digit(16)?))
            };
            let first = hex4(at + 2)?;
            return match first {
                0xD800..=0xDBFF => {
                    if bytes.get(at + 6..at + 8) != Some(b"\\u") {
                        return None;
                    }
                    let second = hex4(at + 8)?;
                    if !(0xDC00..=0xDFFF).contains(&second) {
                        return None;
                    }
                    let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    Some((char::from_u32(c)?, at + 12))
                }
                _ => Some((char::from_u32(first)?, at + 6)),
            };
        }
        _ => return None,
    };
    Some((simple, at + 2))
}

/// The offset after the JSON scalar at `at`: a string (escapes included, at most `max_raw`
/// bytes between its quotes), a number as JSON writes it (at most `max_raw` bytes), `true`,
/// `false` or `null`; `None` for anything else (an object, an array, a malformed or longer
/// value), which [`JsonReader`]'s own methods handle. For fast paths that skip unknown keys.
#[inline]
pub fn scalar_end(src: &str, at: usize, max_raw: usize) -> Option<usize> {
    let b = src.as_bytes();
    match *b.get(at)? {
        b'"' => json_string(src, at, max_raw).map(|(_, end)| end),
        b't' => (b.get(at..at + 4) == Some(b"true")).then_some(at + 4),
        b'f' => (b.get(at..at + 5) == Some(b"false")).then_some(at + 5),
        b'n' => (b.get(at..at + 4) == Some(b"null")).then_some(at + 4),
        b'-' | b'0'..=b'9' => {
            let digits = |mut i: usize| {
                let first = i;
                while let Some(b'0'..=b'9') = b.get(i) {
                    i += 1;
                }
                (i > first).then_some(i)
            };
            let mut i = at + usize::from(b[at] == b'-');
            i = match b.get(i)? {
                b'0' => i + 1,
                b'1'..=b'9' => digits(i)?,
                _ => return None,
            };
            if b.get(i) == Some(&b'.') {
                i = digits(i + 1)?;
            }
            if let Some(b'e' | b'E') = b.get(i) {
                i += 1;
                if let Some(b'+' | b'-') = b.get(i) {
                    i += 1;
                }
                i = digits(i)?;
            }
            (i - at <= max_raw).then_some(i)
        }
        _ => None,
    }
}

/// Matches the string whose opening quote is at `quote` against `keys` (plain names, without
/// quotes or backslashes): returns the index of the key it equals and the offset after its
/// closing quote, or `None` when it equals none of them (or holds an escape that might make it
/// equal one), which [`JsonReader`]'s own methods handle. For fast paths: it compares the known
/// names instead of scanning the string.
#[inline]
pub fn match_key(src: &str, quote: usize, keys: &[&str]) -> Option<(usize, usize)> {
    let rest = src.as_bytes().get(quote..)?.strip_prefix(b"\"")?;
    let first = *rest.first()?;
    keys.iter().enumerate().find_map(|(index, key)| {
        let k = key.as_bytes();
        (k.first() == Some(&first) && rest.get(k.len()) == Some(&b'"') && rest.starts_with(k))
            .then_some((index, quote + k.len() + 2))
    })
}

/// Reads a JSON integer (`-?(0|[1-9][0-9]*)`) of at most 18 digits starting at `at`: returns
/// its value and the offset after it, or `None` for anything else (a fraction, an exponent, a
/// longer number, no number), which [`JsonReader`]'s own methods handle. For fast paths.
#[inline]
pub fn plain_integer(src: &str, at: usize) -> Option<(i64, usize)> {
    let b = src.as_bytes();
    let negative = b.get(at) == Some(&b'-');
    let first = at + usize::from(negative);
    let (value, i) = crate::leading_digits(b, first, 18)?;
    // At most 18 digits: below 10^18, within `i64`.
    let value = i64::try_from(value).ok()?;
    let digits = i - first;
    if digits == 0 || (digits > 1 && b[first] == b'0') {
        return None;
    }
    match b.get(i) {
        Some(b'.' | b'e' | b'E') => None,
        _ => Some((if negative { -value } else { value }, i)),
    }
}

/// The offset of the first byte at or after `i` that is not JSON (or XML) whitespace: space,
/// tab, line feed or carriage return.
#[inline]
pub fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    // Eight bytes at a time was measured slower here: the runs are short (an indentation).
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(i) {
        i += 1;
    }
    i
}

/// Skips, eight bytes at a time, the bytes of a string that need no attention, and returns the
/// offset of the first quote, backslash or control character, or of the last partial word
/// (fewer than eight bytes before the end of the input), which the caller finishes byte by
/// byte.
#[inline]
fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // A byte of `x ^ c*ONES` is zero where `x` holds `c`; `(y - ONES) & !y & HIGHS` is
        // non-zero when a byte of `y` is zero, and `(x - 0x20*ONES) & !x & HIGHS` when a byte
        // of `x` is below 0x20.
        let quote = x ^ (u64::from(b'"') * ONES);
        let backslash = x ^ (u64::from(b'\\') * ONES);
        let special = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(0x20 * ONES) & !x);
        let special = special & HIGHS;
        if special != 0 {
            // A flag can be wrong only above a true one (a borrow carries upwards): the lowest
            // flag marks the first special byte.
            return i + special.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i
}

/// Parses the text of a JSON number (or of a string that should hold one) as an integer in
/// `min..=max`.
///
/// # Errors
///
/// An error of kind [`ErrorKind::InvalidValue`] without a position, whose reason reads such as
/// "expected an integer, found 1.5" or "integer 3000000000 is out of range".
pub fn parse_integer(text: &str, min: i64, max: i64) -> Result<i64, Error> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    let invalid = |reason: String| Error::new(ErrorKind::InvalidValue, reason);
    if !well_formed {
        return Err(invalid(format!("expected an integer, found {text}")));
    }
    text.parse::<i64>()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| invalid(format!("integer {text} is out of range ({min} to {max})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a byte-by-byte scan stops: the first quote, backslash or control character.
    fn naive(bytes: &[u8], start: usize) -> usize {
        (start..bytes.len())
            .find(|&i| STRING_STOP[usize::from(bytes[i])])
            .unwrap_or(bytes.len())
    }

    #[test]
    fn misused_calls_do_not_panic() {
        let limits = Limits::default();
        // `next_key` on `}` without `begin_object`.
        let mut r = JsonReader::new(b"}", &limits).unwrap();
        let mut first = true;
        assert_eq!(r.next_key(&mut first).ok(), Some(None));
        // A `speculate` closure that ends inside a character is refused, and reading goes on.
        let mut r = JsonReader::new("\"é\"".as_bytes(), &limits).unwrap();
        assert_eq!(r.speculate(1, |_, at| Some(((), at + 2))), None);
        assert_eq!(r.string().ok().as_deref(), Some("é"));
    }

    #[test]
    fn skip_plain_stops_at_the_first_special_byte() {
        let plain = [b'a', b' ', 0x7F, 0x80, 0xA0, 0xFF, b'!', b'#'];
        let mut specials: Vec<u8> = (0..0x20).collect();
        specials.extend([b'"', b'\\']);
        for len in 0..24 {
            for at in 0..len {
                for &special in &specials {
                    for (k, &fill) in plain.iter().enumerate() {
                        // Plain bytes of every kind before and after, a second special later.
                        let mut bytes: Vec<u8> = (0..len).map(|i| plain[(i + k) % 8]).collect();
                        bytes[at] = special;
                        if at + 3 < len {
                            bytes[at + 3] = b'"';
                        }
                        bytes[0] = if at == 0 { special } else { fill };
                        for start in 0..=at {
                            let got = skip_plain(&bytes, start);
                            let want = naive(&bytes, start);
                            // Exact, or short of it in the last partial word.
                            assert!(
                                got == want || (got < want && bytes.len() - got < 8),
                                "{bytes:?} from {start}: {got}, expected {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn match_key_finds_exact_names_only() {
        let keys = ["name", "nameX", "status", ""];
        assert_eq!(match_key(r#"{"name":1}"#, 1, &keys), Some((0, 7)));
        assert_eq!(match_key(r#""nameX""#, 0, &keys), Some((1, 7)));
        assert_eq!(match_key(r#""status""#, 0, &keys), Some((2, 8)));
        // The empty key is never matched: its first byte is the closing quote.
        for (src, at) in [
            (r#""nam""#, 0),
            (r#""names""#, 0),
            (r#""nam\u0065""#, 0),
            (r#""name"#, 0),
            ("\"\"", 0),
            (r#"name""#, 0),
            (r#""name""#, 9),
        ] {
            assert_eq!(match_key(src, at, &keys), None, "{src}");
        }
    }

    #[test]
    fn plain_integer_takes_up_to_18_digits_and_never_overflows() {
        let eighteen = "999999999999999999";
        assert_eq!(
            plain_integer(eighteen, 0),
            Some((999_999_999_999_999_999, 18))
        );
        assert_eq!(plain_integer("-42,", 0), Some((-42, 3)));
        assert_eq!(plain_integer("0}", 0), Some((0, 1)));
        assert_eq!(plain_integer("-0", 0), Some((0, 2)));
        for s in [
            "9999999999999999999",
            "99999999999999999999999",
            "-9999999999999999999",
            "01",
            "-",
            "1.5",
            "1e3",
            "x",
            "",
        ] {
            assert_eq!(plain_integer(s, 0), None, "{s}");
        }
    }

    #[test]
    fn plain_string_reads_strings_without_escapes_only() {
        let src = r#"x"abc" "a\"b" "tab	" "open"#;
        assert_eq!(plain_string(src, 1), Some(("abc", 6)));
        assert_eq!(plain_string(src, 7), None);
        assert_eq!(plain_string(src, 14), None);
        assert_eq!(plain_string(src, 21), None);
        assert_eq!(plain_string(src, 0), None);
    }

    proptest::proptest! {
        /// The fast paths' string and scalar readers agree with the reader on whatever they
        /// take (strings with escapes, numbers, literals, one byte changed), take every string
        /// the reader takes within the bound, and never take what the reader refuses.
        #[test]
        fn fast_path_scalars_answer_as_the_reader(
            text in "[a-z\\\\/\"\u{e9}\u{1F600}\t]{0,12}",
            escape_all in proptest::bool::ANY,
            number in "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
            change in proptest::option::of((0usize..24, proptest::num::u8::ANY)),
            max in 0usize..24,
        ) {
            let mut quoted = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => quoted.push_str("\\\""),
                    '\\' => quoted.push_str("\\\\"),
                    '\t' => quoted.push_str("\\t"),
                    '/' => quoted.push_str("\\/"),
                    '\u{1F600}' => quoted.push_str("\\ud83d\\ude00"),
                    c if escape_all => quoted.push_str(&format!("\\u{:04x}", c as u32)),
                    c => quoted.push(c),
                }
            }
            quoted.push('"');
            for value in [quoted, number, "true".to_owned(), "null".to_owned()] {
                let mut bytes = format!("[{value} ]").into_bytes();
                // A byte of the value (or the one after it) changed, not the array around it.
                if let Some((at, byte)) = change {
                    bytes[1 + at % (value.len() + 1)] = byte;
                }
                let Ok(src) = std::str::from_utf8(&bytes) else { continue };
                let limits = Limits::default().with_max_string_bytes(max);
                let by_reader = JsonReader::new(src.as_bytes(), &limits).and_then(|mut r| {
                    r.begin_array()?;
                    r.next_element(&mut true)?;
                    let kind = r.peek_kind()?;
                    let text = if kind == JsonKind::String { Some(r.string()?) } else { None };
                    if kind != JsonKind::String {
                        r.skip_value()?;
                    }
                    Ok((text, r.position()))
                });
                let at = skip_whitespace(src.as_bytes(), 1);
                if let Some(end) = scalar_end(src, at, max) {
                    let reader = by_reader.as_ref().map(|(_, end)| *end);
                    proptest::prop_assert_eq!(reader, Ok(end), "{}", src);
                }
                if src.as_bytes().get(at) == Some(&b'"') {
                    let fast = json_string(src, at, max);
                    match (&fast, &by_reader) {
                        (Some((t, end)), Ok((Some(r), r_end))) => {
                            proptest::prop_assert_eq!(t, r);
                            proptest::prop_assert_eq!(end, r_end);
                        }
                        (Some(_), _) => proptest::prop_assert!(false, "{} taken: {:?} / {:?}", src, fast, by_reader),
                        (None, Ok((Some(_), _))) => proptest::prop_assert!(false, "{} left: {:?}", src, by_reader),
                        (None, _) => {}
                    }
                }
            }
        }
    }
}
