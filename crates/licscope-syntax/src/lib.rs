//! The shared syntax layer of licscope.
//!
//! Every licscope decoder reports problems through the one [`Error`] type defined here, so a
//! tool prints and matches errors from the Automation 360 and Cisco Prime decoders alike. The
//! crate also holds the pieces those decoders share:
//!
//! - [`Error`] and [`ErrorKind`]: what went wrong, where (byte offset, 1-based line and column)
//!   and in which field (`mgmtResponse.licenseInfoDTO[2].daysToExpire`: dotted keys, 0-based
//!   indexes, as `serde_path_to_error` prints them).
//! - [`Limits`]: the explicit bounds on input size, nesting depth, string length and records.
//! - [`JsonReader`]: a strict RFC 8259 pull reader that borrows strings from the input.
//! - [`parse_rfc3339`] and [`format_rfc3339`]: timestamps with 0 to 9 fractional digits.
//! - [`utf8_without_bom`]: encoding checks that name UTF-16 and UTF-32 input.
//! - [`open_string_enum!`]: vendor enumerations that keep unknown values as `Other(String)`.
//!
//! Most users reach these types through `licscope-a360` or `licscope-prime`, which re-export
//! `Error`, `ErrorKind` and `Limits`.
//!
//! # Example
//!
//! ```
//! use licscope_syntax::{ErrorKind, JsonReader, Limits};
//!
//! let input = br#"{"daysToExpire": "soon"}"#;
//! let mut reader = JsonReader::new(input, &Limits::default())?;
//! reader.begin_object()?;
//! let mut first = true;
//! let (key, _) = reader.next_key(&mut first)?.expect("one key");
//! assert_eq!(key, "daysToExpire");
//! let err = reader.i64().unwrap_err().with_path(|| key.into_owned());
//! assert_eq!(err.kind(), ErrorKind::InvalidType);
//! assert_eq!(
//!     err.to_string(),
//!     "daysToExpire: expected a number, found a string at line 1 column 18"
//! );
//! # Ok::<(), licscope_syntax::Error>(())
//! ```
//!
//! # Limits
//!
//! See [`Limits`] for the bounds and their defaults. Skipped values are checked for syntax but
//! not for duplicate keys: only the objects a decoder interprets are checked for those.

#![deny(missing_docs)]

mod encoding;
mod error;
mod json;
mod limits;
mod open_enum;
mod rfc3339;

/// Reads the run of ASCII digits at `start` in `b`: its value and the offset after it, or `None`
/// when it is longer than `max` digits (at most 19, so the value cannot overflow). For the fast
/// paths, which give up on anything longer than they expect.
#[inline]
pub(crate) fn leading_digits(b: &[u8], start: usize, max: usize) -> Option<(u64, usize)> {
    let mut i = start;
    let mut value = 0u64;
    while let Some(&d @ b'0'..=b'9') = b.get(i) {
        if i - start == max.min(19) {
            return None;
        }
        value = value * 10 + u64::from(d - b'0');
        i += 1;
    }
    Some((value, i))
}

pub use encoding::{reject_wide_encoding, utf8_without_bom};
pub use error::{Error, ErrorKind};
pub use json::{JsonKind, JsonReader, parse_integer};
pub use limits::Limits;
pub use rfc3339::{format_rfc3339, parse_rfc3339};

/// What the licscope decoders share beyond the API: the JSON fast paths' helpers and the serde
/// adapters of the models' timestamps. Not part of the API: it may change in any release, and
/// nothing outside the licscope crates should use it.
#[doc(hidden)]
pub mod plumbing {
    pub use crate::json::{
        json_string, match_key, plain_integer, plain_string, scalar_end, skip_whitespace,
    };
    pub use crate::rfc3339::{plain_timestamp, serde_rfc3339};
}

#[doc(hidden)]
pub use serde as __serde;

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str) -> Result<String, Error> {
        let mut r = JsonReader::new(input.as_bytes(), &Limits::default())?;
        let text = r.skip_value()?;
        r.finish()?;
        Ok(text.to_owned())
    }

    fn kind_at(input: &str) -> (ErrorKind, Option<u64>, Option<u64>) {
        match read_all(input) {
            Ok(v) => panic!("{input:?} was accepted as {v:?}"),
            Err(e) => (e.kind(), e.line(), e.column()),
        }
    }

    #[test]
    fn accepts_every_json_form() {
        for doc in [
            "{}",
            "[]",
            " {\"a\" : [1, -0, 0.5, 1e10, -2.5E-3, true, false, null, \"x\\u00e9\\n\\ud83d\\ude00\"]}\n",
            "\"just a string\"",
            "42",
        ] {
            assert_eq!(read_all(doc).ok().as_deref(), Some(doc.trim()), "{doc}");
        }
    }

    #[test]
    fn refuses_malformed_json_where_it_breaks() {
        use ErrorKind::*;
        assert_eq!(kind_at("{\"a\": 1,}"), (Syntax, Some(1), Some(9)));
        assert_eq!(kind_at("{\"a\" 1}"), (Syntax, Some(1), Some(6)));
        assert_eq!(kind_at("{\"a\": 01}"), (Syntax, Some(1), Some(8)));
        assert_eq!(kind_at("[1 2]"), (Syntax, Some(1), Some(4)));
        assert_eq!(kind_at("{\"a\": tru"), (Eof, Some(1), Some(10)));
        assert_eq!(kind_at("{\"a\": trUe}"), (Syntax, Some(1), Some(7)));
        assert_eq!(kind_at("{\"a\": \"b\n\"}"), (Syntax, Some(1), Some(9)));
        assert_eq!(kind_at("{\"a\": \"\\x\"}"), (Syntax, Some(1), Some(8)));
        assert_eq!(kind_at("\"\\ud800\""), (Syntax, Some(1), Some(2)));
        assert_eq!(kind_at("\"\\udc00\\ud800\""), (Syntax, Some(1), Some(2)));
        assert_eq!(
            kind_at("{\n\"a\": \"unterminated"),
            (Eof, Some(2), Some(19))
        );
        assert_eq!(kind_at("{} {}"), (TrailingData, Some(1), Some(4)));
        assert_eq!(kind_at("-"), (Eof, Some(1), Some(2)));
        assert_eq!(kind_at("1."), (Eof, Some(1), Some(3)));
        assert_eq!(kind_at(""), (Empty, None, None));
        assert_eq!(kind_at(" \n"), (Empty, None, None));
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        let e = read_all(&deep).err();
        assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::LimitExceeded));
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(read_all(&ok).is_ok());
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut r = JsonReader::new(br#"["plain", "esc\"aped"]"#, &Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut first = true;
        assert!(matches!(r.begin_array(), Ok(())));
        assert!(matches!(r.next_element(&mut first), Ok(true)));
        assert!(matches!(
            r.string(),
            Ok(std::borrow::Cow::Borrowed("plain"))
        ));
        assert!(matches!(r.next_element(&mut first), Ok(true)));
        let s = r.string().ok();
        assert!(matches!(s, Some(std::borrow::Cow::Owned(ref s)) if s == "esc\"aped"));
    }

    #[test]
    fn integers_refuse_fractions_and_overflow() {
        assert_eq!(parse_integer("-12", -100, 100), Ok(-12));
        assert!(
            parse_integer("1.0", i64::MIN, i64::MAX).is_err_and(|e| e.reason().contains("integer"))
        );
        assert!(
            parse_integer("2147483648", -2147483648, 2147483647)
                .is_err_and(|e| e.reason().contains("out of range"))
        );
        assert!(parse_integer("99999999999999999999", i64::MIN, i64::MAX).is_err());
        assert!(parse_integer("007", i64::MIN, i64::MAX).is_err());
        assert!(parse_integer("", i64::MIN, i64::MAX).is_err());
    }

    #[test]
    fn string_limit_is_enforced() {
        let limits = Limits::default().with_max_string_bytes(4);
        let mut r = JsonReader::new(br#""12345""#, &limits).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.string().err().map(|e| e.kind()),
            Some(ErrorKind::LimitExceeded)
        );
        let mut r = JsonReader::new(br#""1234""#, &limits).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.string().ok().as_deref(), Some("1234"));
    }
}
