//! The one decode error type that every licscope decoder returns.

use std::fmt;

/// An error from decoding a vendor payload.
///
/// It says what went wrong ([`kind`](Error::kind) and [`reason`](Error::reason)), where
/// ([`line`](Error::line), [`column`](Error::column), [`offset`](Error::offset)) and in which field
/// ([`path`](Error::path)). The data is boxed so that `Result<T, Error>` stays one pointer wide.
///
/// `Display` prints `path: reason at line L column C`, leaving out the parts that are unknown.
/// Whatever the input held, the message is one line: `Display` and [`message`](Error::message)
/// write control characters (C0, DEL and C1: `U+0000`-`U+001F`, `U+007F`-`U+009F`) as Rust's
/// `char::escape_debug` does (`\n`, `\t`, `\u{1b}`...), so that a vendor message, a field name
/// or a key taken from the payload cannot start a line of its own or drive a terminal.
/// [`reason`](Error::reason) and [`path`](Error::path) return the text as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    reason: String,
    path: String,
    position: Option<Position>,
    /// The I/O error behind an error of kind [`ErrorKind::Io`], kept for
    /// [`source`](std::error::Error::source) and [`io_error_kind`](Error::io_error_kind).
    io: Option<std::sync::Arc<std::io::Error>>,
}

// Two errors are equal when they say the same thing at the same place; an I/O error behind one
// compares by its kind (`io::Error` has no equality of its own).
impl PartialEq for Inner {
    fn eq(&self, other: &Inner) -> bool {
        self.kind == other.kind
            && self.reason == other.reason
            && self.path == other.path
            && self.position == other.position
            && self.io.as_ref().map(|e| e.kind()) == other.io.as_ref().map(|e| e.kind())
    }
}

impl Eq for Inner {}

/// Where in the input an error was found: the start of the offending input (`offset`, `line`,
/// `column`) and the offset just past it (`end`, never before `offset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    offset: u64,
    line: u64,
    column: u64,
    end: u64,
}

/// The category of an [`Error`], for callers that react to some errors differently.
///
/// New kinds may be added in minor releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds no document: zero bytes, or only whitespace.
    Empty,
    /// The input is not UTF-8: UTF-16 or UTF-32 (with or without a byte-order mark), invalid
    /// UTF-8 byte sequences, or an XML declaration naming another encoding.
    Encoding,
    /// The input breaks the JSON or XML grammar.
    Syntax,
    /// The input ends in the middle of a document.
    Eof,
    /// Something other than whitespace follows the document.
    TrailingData,
    /// A value has the wrong JSON type (a string where a number belongs, an array at top level).
    InvalidType,
    /// A value has the right type but an impossible content: a date that does not exist, an
    /// integer out of range.
    InvalidValue,
    /// An object or record names the same field twice.
    DuplicateField,
    /// The document is well formed but is not the expected kind of document (wrong root
    /// element, an HTML page instead of an API response).
    UnexpectedDocument,
    /// The document is the vendor's error response, not the requested data. The reason quotes
    /// the vendor's code and message.
    VendorError,
    /// An explicit limit (input size, nesting depth, string length, record count) was exceeded.
    LimitExceeded,
    /// The document uses a feature licscope refuses on purpose, such as an XML DOCTYPE.
    Unsupported,
    /// Reading the input failed (streaming decoders only).
    Io,
}

impl ErrorKind {
    /// A stable, lower-case, hyphenated name for the kind, used in fixtures and machine output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::Encoding => "encoding",
            ErrorKind::Syntax => "syntax",
            ErrorKind::Eof => "eof",
            ErrorKind::TrailingData => "trailing-data",
            ErrorKind::InvalidType => "invalid-type",
            ErrorKind::InvalidValue => "invalid-value",
            ErrorKind::DuplicateField => "duplicate-field",
            ErrorKind::UnexpectedDocument => "unexpected-document",
            ErrorKind::VendorError => "vendor-error",
            ErrorKind::LimitExceeded => "limit-exceeded",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The constructors are the decoders' plumbing: hidden, not part of the API, and they may
/// change in any release. Other crates get errors from the decoders (or `From<io::Error>`).
impl Error {
    /// Creates an error with no position and no path yet.
    ///
    /// Decoders add the position with [`at_offset`](Error::at_offset) or
    /// [`at_position`](Error::at_position) and the field with [`with_path`](Error::with_path).
    #[doc(hidden)]
    pub fn new(kind: ErrorKind, reason: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                reason: reason.into(),
                path: String::new(),
                position: None,
                io: None,
            }),
        }
    }

    /// Sets the position from a byte offset into `input`, computing the 1-based line and column.
    ///
    /// Lines end at `\n` (a `\r\n` pair counts once); columns count Unicode scalar values, so
    /// that they match what an editor shows. Offsets past the end are clamped to the end.
    #[must_use]
    #[doc(hidden)]
    pub fn at_offset(mut self, input: &[u8], offset: usize) -> Error {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        // Count characters, not bytes: UTF-8 continuation bytes (10xxxxxx) do not start one.
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        // The span is empty until `until` widens it: streaming decoders, which see only the
        // start, then give the same error as slice decoders.
        self.inner.position = Some(Position {
            offset: offset as u64,
            line: line as u64,
            column: column as u64,
            end: offset as u64,
        });
        self
    }

    /// Sets a position that the caller computed (streaming decoders track it as they go).
    #[must_use]
    #[doc(hidden)]
    pub fn at_position(mut self, offset: u64, line: u64, column: u64) -> Error {
        self.inner.position = Some(Position {
            offset,
            line,
            column,
            end: offset,
        });
        self
    }

    /// Ends the span at `end`, an offset in the coordinates of the position already set (before
    /// [`shifted`](Error::shifted)): for an error about a whole value, the offset just past it.
    /// An `end` before the start leaves the span as it is.
    #[must_use]
    #[doc(hidden)]
    pub fn until(mut self, end: u64) -> Error {
        if let Some(p) = &mut self.inner.position
            && end >= p.offset
        {
            p.end = end;
        }
        self
    }

    /// Moves the position forward by `bytes`, for errors found in a part of a larger input.
    #[must_use]
    #[doc(hidden)]
    pub fn shifted(mut self, bytes: u64) -> Error {
        if let Some(p) = &mut self.inner.position {
            p.offset += bytes;
            p.end += bytes;
        }
        self
    }

    /// Sets the field path (`mgmtResponse.licenseInfoDTO[2].daysToExpire`) unless one is set.
    ///
    /// The innermost decoder knows the most precise path, so the first path set wins.
    #[must_use]
    #[doc(hidden)]
    pub fn with_path(mut self, path: impl FnOnce() -> String) -> Error {
        if self.inner.path.is_empty() {
            self.inner.path = path();
        }
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// What was expected and what was found, without the path or position.
    pub fn reason(&self) -> &str {
        &self.inner.reason
    }

    /// The field path in dotted form with 0-based indexes, or `None` for errors that concern
    /// the document as a whole.
    pub fn path(&self) -> Option<&str> {
        Some(self.inner.path.as_str()).filter(|p| !p.is_empty())
    }

    /// Whether the decoder refused the document as a whole for being another kind of document
    /// (an unexpected root or top-level type, no field path): detection between the APIs then
    /// tries the next one, as [`licscope_normalize::decode`] does with `SourceHint::Auto`.
    ///
    /// [`licscope_normalize::decode`]: https://docs.rs/licscope-normalize/latest/licscope_normalize/fn.decode.html
    pub fn is_other_document(&self) -> bool {
        self.path().is_none()
            && matches!(
                self.kind(),
                ErrorKind::UnexpectedDocument | ErrorKind::InvalidType
            )
    }

    /// The byte offset into the input, counted from its first byte (a byte-order mark included).
    pub fn offset(&self) -> Option<u64> {
        self.inner.position.map(|p| p.offset)
    }

    /// The bytes of the input the error is about, as offsets counted like
    /// [`offset`](Error::offset): the whole value for an error about a value (a date that does
    /// not exist, an integer out of range, a field's text its record refuses), and an empty
    /// range at the error's start for the others (a syntax error, a missing value, a limit).
    /// `None` when the error has no position. Slice and streaming decoders give the same span
    /// for the same error.
    ///
    /// ```
    /// use licscope_syntax::{JsonReader, Limits};
    ///
    /// let input = b"[ 12345678901234567890 ]";
    /// let mut reader = JsonReader::new(input, &Limits::default())?;
    /// reader.begin_array()?;
    /// assert!(reader.next_element(&mut true)?);
    /// let err = reader.i64().unwrap_err();
    /// let span = err.span().unwrap();
    /// assert_eq!(&input[span.start as usize..span.end as usize], b"12345678901234567890");
    /// # Ok::<(), licscope_syntax::Error>(())
    /// ```
    pub fn span(&self) -> Option<std::ops::Range<u64>> {
        self.inner.position.map(|p| p.offset..p.end)
    }

    /// An error of kind [`ErrorKind::InvalidValue`] about a value, for code that checks values
    /// on the decoders' behalf, such as an implementation of `licscope_prime::Record::set`.
    /// `reason` says what was expected and what was found ("expected an integer, found
    /// \"ten\""); the decoder that called the check adds the path and the position.
    pub fn invalid_value(reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidValue, reason)
    }

    /// The 1-based line.
    pub fn line(&self) -> Option<u64> {
        self.inner.position.map(|p| p.line)
    }

    /// The 1-based column, in Unicode scalar values.
    pub fn column(&self) -> Option<u64> {
        self.inner.position.map(|p| p.column)
    }

    /// For an error of kind [`ErrorKind::Io`], the kind of the I/O error behind it (as
    /// serde_json's `io_error_kind`), so that a caller can tell, say, a broken pipe from a
    /// missing file. The I/O error itself is [`source`](std::error::Error::source).
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        self.inner.io.as_ref().map(|e| e.kind())
    }

    /// The path and reason, without the position: `expirationDate: expected a string, found a
    /// number`. This is the message that tools print after their own `FILE:LINE:COL:` prefix.
    /// Control characters are escaped, as in `Display`.
    pub fn message(&self) -> String {
        let mut out = String::with_capacity(self.inner.path.len() + self.inner.reason.len() + 2);
        if let Some(path) = self.path() {
            push_escaped(&mut out, path);
            out.push_str(": ");
        }
        push_escaped(&mut out, &self.inner.reason);
        out
    }
}

/// Appends `text` with its control characters (C0, DEL, C1) escaped as `char::escape_debug`
/// writes them.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())?;
        if let Some(p) = self.inner.position {
            write!(f, " at line {} column {}", p.line, p.column)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("reason", &self.inner.reason);
        if let Some(path) = self.path() {
            d.field("path", &path);
        }
        if let Some(p) = self.inner.position {
            d.field("offset", &p.offset)
                .field("line", &p.line)
                .field("column", &p.column);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .io
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// An error of kind [`ErrorKind::Io`] whose message is the I/O error's and whose
/// [`source`](std::error::Error::source) is the I/O error.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::from(std::sync::Arc::new(e))
    }
}

/// As `From<io::Error>`, for an I/O error that is shared (quick-xml hands its I/O errors on in an
/// `Arc`).
impl From<std::sync::Arc<std::io::Error>> for Error {
    fn from(e: std::sync::Arc<std::io::Error>) -> Error {
        let mut error = Error::new(ErrorKind::Io, e.to_string());
        error.inner.io = Some(e);
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(
            std::mem::size_of::<Result<(), Error>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn only_a_pathless_root_or_type_refusal_is_another_document() {
        let root = || Error::new(ErrorKind::UnexpectedDocument, "expected mgmtResponse");
        assert!(root().is_other_document());
        assert!(Error::new(ErrorKind::InvalidType, "expected an object").is_other_document());
        assert!(
            !root()
                .with_path(|| "mgmtResponse".into())
                .is_other_document()
        );
        assert!(!Error::new(ErrorKind::Syntax, "bad").is_other_document());
    }

    #[test]
    fn line_and_column_count_characters() {
        let input = "{\n  \"é\": x".as_bytes();
        let offset = input.iter().position(|&b| b == b'x').unwrap_or(0);
        let e = Error::new(ErrorKind::Syntax, "bad").at_offset(input, offset);
        assert_eq!((e.line(), e.column()), (Some(2), Some(8)));
    }

    #[test]
    fn display_reads_like_a_compiler_message() {
        let e = Error::new(ErrorKind::InvalidType, "expected a string, found a number")
            .at_offset(b"{\"a\": 1}", 6)
            .with_path(|| "a".to_owned())
            .with_path(|| "ignored".to_owned());
        assert_eq!(
            e.to_string(),
            "a: expected a string, found a number at line 1 column 7"
        );
        assert_eq!(e.message(), "a: expected a string, found a number");
    }

    #[test]
    fn io_errors_keep_their_kind_and_source() {
        use std::error::Error as _;
        let e = Error::from(std::io::Error::new(
            std::io::ErrorKind::BrokenPipe,
            "the reader went away",
        ))
        .at_position(10, 2, 3);
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(e.io_error_kind(), Some(std::io::ErrorKind::BrokenPipe));
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("the reader went away")
        );
        assert_eq!(e.to_string(), "the reader went away at line 2 column 3");
        assert_eq!(Error::new(ErrorKind::Io, "x").io_error_kind(), None);
        assert!(Error::new(ErrorKind::Io, "x").source().is_none());
        assert_eq!(e.clone(), e);
    }

    #[test]
    fn messages_are_one_line_whatever_the_input_held() {
        let e = Error::new(
            ErrorKind::VendorError,
            "boom\nCRITICAL: x | a=1\u{1b}]0;t\u{7}\u{85}",
        )
        .with_path(|| "a\rb".to_owned());
        assert_eq!(
            e.to_string(),
            "a\\rb: boom\\nCRITICAL: x | a=1\\u{1b}]0;t\\u{7}\\u{85}"
        );
        assert_eq!(e.message(), e.to_string());
        assert_eq!(e.reason(), "boom\nCRITICAL: x | a=1\u{1b}]0;t\u{7}\u{85}");
    }
}
