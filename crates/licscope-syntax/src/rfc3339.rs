//! RFC 3339 timestamps: a strict parser and the matching formatter.
//!
//! `time`'s own RFC 3339 support would need its `parsing` and `formatting` features (and their
//! dependencies) and cannot tell a caller which part of a timestamp is wrong; this one is a
//! single pass over at most 35 bytes with a precise reason for every refusal.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::{Error, ErrorKind};

/// Parses an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.F]` followed by `Z` or `±HH:MM`.
///
/// Accepts 1 to 9 fractional digits, a lower-case `t` and `z` (RFC 3339 section 5.6 allows
/// them), and `-00:00` (an unknown local offset, read as UTC). Refuses impossible dates such as
/// February 30, leap seconds (`:60`, which `time` cannot represent), more than 9 fractional digits,
/// and instants outside `0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59.999999999Z`, the range that
/// RFC 3339 can write in UTC. The offset is kept as written.
///
/// # Errors
///
/// An error of kind [`ErrorKind::InvalidValue`] without a position, whose
/// [`reason`](Error::reason) is phrased to follow "invalid timestamp `...`: ".
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, Error> {
    match parse_common(s.as_bytes()) {
        Some((value, len)) if len == s.len() => Ok(value),
        _ => parse_checked(s).map_err(|reason| Error::new(ErrorKind::InvalidValue, reason)),
    }
}

/// Reads a JSON string that holds exactly an RFC 3339 timestamp in a common form (see
/// [`parse_rfc3339`]'s fast path) from its opening quote at `quote`: returns the value and the
/// offset after the closing quote, or `None` for anything else, which a caller reads with
/// [`parse_rfc3339`] to word the error. For fast paths: the string is not scanned twice.
#[inline(always)]
pub fn plain_timestamp(src: &str, quote: usize) -> Option<(OffsetDateTime, usize)> {
    let b = src.as_bytes().get(quote..)?.strip_prefix(b"\"")?;
    let (value, len) = parse_common(b)?;
    (b.get(len) == Some(&b'"')).then_some((value, quote + len + 2))
}

/// The fast path of [`parse_rfc3339`] for the forms servers write: every digit in place, a
/// fraction of 1 to 9 digits or none, `Z` or `±HH:MM`, a year between 0001 and 9998. It reads
/// a timestamp at the start of `b` and returns it with its length; `None` for anything else,
/// valid or not, which [`parse_checked`] reads and words the error for.
#[inline]
fn parse_common(b: &[u8]) -> Option<(OffsetDateTime, usize)> {
    let h: &[u8; 19] = b.first_chunk()?;
    if h[4] != b'-'
        || h[7] != b'-'
        || !matches!(h[10], b'T' | b't')
        || h[13] != b':'
        || h[16] != b':'
    {
        return None;
    }
    // Two digits' value; `bad` is set when either byte is not a digit.
    let mut bad = false;
    let mut two = |hi: u8, lo: u8| {
        let (hi, lo) = (
            u32::from(hi.wrapping_sub(b'0')),
            u32::from(lo.wrapping_sub(b'0')),
        );
        bad |= hi > 9 || lo > 9;
        hi * 10 + lo
    };
    let year = two(h[0], h[1]) * 100 + two(h[2], h[3]);
    let (month, day) = (two(h[5], h[6]), two(h[8], h[9]));
    let (hour, minute, second) = (two(h[11], h[12]), two(h[14], h[15]), two(h[17], h[18]));
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let (fraction, end) = crate::leading_digits(b, start, 9)?;
        // At most 9 digits: below 10^9, within `u32`.
        nanos = u32::try_from(fraction).ok()?;
        i = end;
        let n = i - start;
        if n == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - n as u32);
    }
    let (offset_seconds, len) = match *b.get(i..)? {
        [b'Z' | b'z', ..] => (0, i + 1),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2, ..] => {
            let (h, m) = (two(h1, h2), two(m1, m2));
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i32;
            (if sign == b'-' { -secs } else { secs }, i + 6)
        }
        _ => return None,
    };
    if bad || !(1..=9998).contains(&year) || second == 60 {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year as i32, month, day as u8).ok()?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).ok()?;
    let offset = UtcOffset::from_whole_seconds(offset_seconds).ok()?;
    // An offset moves the instant by less than a day: years 1 to 9998 stay in range in UTC.
    Some((
        PrimitiveDateTime::new(date, time).assume_offset(offset),
        len,
    ))
}

/// [`parse_rfc3339`] for any input: each part checked in turn, with the reason for a refusal.
fn parse_checked(s: &str) -> Result<OffsetDateTime, String> {
    let b = s.as_bytes();
    let mut cur = Cursor { b, pos: 0 };
    let year = cur.digits(4, "a 4-digit year")?;
    cur.byte(b'-', "'-' after the year")?;
    let month = cur.digits(2, "a 2-digit month")?;
    cur.byte(b'-', "'-' after the month")?;
    let day = cur.digits(2, "a 2-digit day")?;
    if !matches!(cur.next(), Some(b'T' | b't')) {
        return Err(format!(
            "expected 'T' after the date at character {}",
            cur.pos
        ));
    }
    let hour = cur.digits(2, "a 2-digit hour")?;
    cur.byte(b':', "':' after the hour")?;
    let minute = cur.digits(2, "a 2-digit minute")?;
    cur.byte(b':', "':' after the minute")?;
    let second = cur.digits(2, "2-digit seconds")?;
    let mut nanos = 0u32;
    if cur.peek() == Some(b'.') {
        cur.pos += 1;
        let start = cur.pos;
        while let Some(d @ b'0'..=b'9') = cur.peek() {
            if cur.pos - start == 9 {
                return Err("more than 9 fractional digits (finer than nanoseconds)".into());
            }
            nanos = nanos * 10 + u32::from(d - b'0');
            cur.pos += 1;
        }
        let n = cur.pos - start;
        if n == 0 {
            return Err("expected a digit after '.'".into());
        }
        nanos *= 10u32.pow(9 - n as u32);
    }
    let offset_seconds: i32 = match cur.next() {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = cur.digits(2, "a 2-digit offset hour")?;
            cur.byte(b':', "':' in the offset")?;
            let m = cur.digits(2, "a 2-digit offset minute")?;
            if h > 23 || m > 59 {
                return Err(format!("offset {h:02}:{m:02} is out of range"));
            }
            let secs = (h * 3600 + m * 60) as i32;
            if sign == b'-' { -secs } else { secs }
        }
        _ => {
            return Err(format!(
                "expected 'Z' or an offset such as '+05:30' at character {}",
                cur.pos.saturating_sub(1)
            ));
        }
    };
    if cur.pos != b.len() {
        return Err(format!(
            "unexpected characters after the offset at character {}",
            cur.pos
        ));
    }
    if second == 60 {
        return Err("leap seconds (second 60) are not supported".into());
    }
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| format!("month {month:02} does not exist"))?;
    let date = Date::from_calendar_date(year as i32, month, day as u8)
        .map_err(|_| format!("day {day:02} does not exist in {month} {year:04}"))?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| format!("time {hour:02}:{minute:02}:{second:02} does not exist"))?;
    let offset = UtcOffset::from_whole_seconds(offset_seconds)
        .map_err(|_| "offset is out of range".to_owned())?;
    let value = PrimitiveDateTime::new(date, time).assume_offset(offset);
    match value.checked_to_offset(UtcOffset::UTC) {
        Some(utc) if (0..=9999).contains(&utc.year()) => Ok(value),
        _ => Err("the instant is outside years 0000 to 9999 once converted to UTC".into()),
    }
}

/// Appends `value` to `out` as RFC 3339, in its own offset: `2021-06-30T18:29:59.999Z`.
///
/// Fractional seconds are written only when non-zero, without trailing zeros, so a value parsed
/// by [`parse_rfc3339`] and formatted again reads back equal. A zero offset is written `Z`.
///
/// # Errors
///
/// Fails when the local year is outside 0000 to 9999 or the offset has a seconds part: RFC 3339
/// cannot write either.
pub fn format_rfc3339(value: OffsetDateTime, out: &mut String) -> Result<(), String> {
    let year = value.year();
    if !(0..=9999).contains(&year) {
        return Err(format!("year {year} cannot be written in RFC 3339"));
    }
    let (oh, om, os) = value.offset().as_hms();
    if os != 0 {
        return Err("an offset with seconds cannot be written in RFC 3339".into());
    }
    // Digits are written by hand: `core::fmt` took most of the time of serializing a record.
    let (month, day) = (u8::from(value.month()), value.day());
    let (hour, minute, second) = (value.hour(), value.minute(), value.second());
    // `year` lies within 0..=9999 (checked above): four digits.
    push_digits(out, year.unsigned_abs(), 4);
    out.push('-');
    push_digits(out, u32::from(month), 2);
    out.push('-');
    push_digits(out, u32::from(day), 2);
    out.push('T');
    push_digits(out, u32::from(hour), 2);
    out.push(':');
    push_digits(out, u32::from(minute), 2);
    out.push(':');
    push_digits(out, u32::from(second), 2);
    let nanos = value.nanosecond();
    if nanos != 0 {
        let mut digits = 9;
        let mut n = nanos;
        while n.is_multiple_of(10) {
            n /= 10;
            digits -= 1;
        }
        out.push('.');
        push_digits(out, n, digits);
    }
    if value.offset().is_utc() {
        out.push('Z');
    } else {
        out.push(if oh < 0 || om < 0 { '-' } else { '+' });
        push_digits(out, u32::from(oh.unsigned_abs()), 2);
        out.push(':');
        push_digits(out, u32::from(om.unsigned_abs()), 2);
    }
    Ok(())
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    let mut divisor = 10u32.pow(width.saturating_sub(1).min(9));
    for _ in 0..width {
        out.push(char::from(b'0' + ((n / divisor) % 10) as u8));
        divisor = (divisor / 10).max(1);
    }
}

/// Serde support for RFC 3339 timestamps through [`parse_rfc3339`] and [`format_rfc3339`]:
/// `#[serde(with = "licscope_syntax::serde_rfc3339")]` on an `OffsetDateTime`, or
/// `#[serde(with = "licscope_syntax::serde_rfc3339::option")]` on an `Option<OffsetDateTime>`
/// (`null` for `None`).
pub mod serde_rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::Error as _};
    use time::OffsetDateTime;

    use super::{format_rfc3339, parse_rfc3339};

    /// Writes `value` as an RFC 3339 string.
    ///
    /// # Errors
    ///
    /// When the value cannot be written in RFC 3339 (see [`format_rfc3339`]).
    pub fn serialize<S: Serializer>(value: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(35);
        format_rfc3339(*value, &mut text).map_err(S::Error::custom)?;
        s.serialize_str(&text)
    }

    /// Reads an RFC 3339 string.
    ///
    /// # Errors
    ///
    /// When the value is not a string or not a valid timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        parse_rfc3339(&text)
            .map_err(|e| D::Error::custom(format!("invalid timestamp {text:?}: {}", e.reason())))
    }

    /// The same for `Option<OffsetDateTime>`, with `null` for `None`.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        /// Writes `value` as an RFC 3339 string, or `null`.
        ///
        /// # Errors
        ///
        /// When the value cannot be written in RFC 3339.
        pub fn serialize<S: Serializer>(
            value: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                None => s.serialize_none(),
                Some(v) => super::serialize(v, s),
            }
        }

        /// Reads an RFC 3339 string or `null`.
        ///
        /// # Errors
        ///
        /// When the value is neither `null` nor a valid timestamp string.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] OffsetDateTime);
            Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(v)| v))
        }
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.pos += 1;
        c
    }

    #[inline(always)]
    fn byte(&mut self, want: u8, what: &str) -> Result<(), String> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {what} at character {}", self.pos))
        }
    }

    #[inline(always)]
    fn digits(&mut self, n: usize, what: &str) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(d - b'0');
                    self.pos += 1;
                }
                _ => return Err(format!("expected {what} at character {}", self.pos)),
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast path takes every common form and agrees with the checked parser on whatever
        /// it takes, including strings with one byte changed.
        #[test]
        fn the_fast_path_agrees_with_the_checked_parser(
            year in 0u32..=9999, month in 0u32..=13, day in 0u32..=32,
            hour in 0u32..=24, minute in 0u32..=60, second in 0u32..=60,
            fraction in proptest::option::of("[0-9]{1,10}"),
            offset in proptest::option::of((any::<bool>(), 0u32..=24, 0u32..=60)),
            lower in any::<bool>(),
            change in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
        ) {
            let mut s = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
            if let Some(f) = &fraction {
                s.push('.');
                s.push_str(f);
            }
            match offset {
                None => s.push('Z'),
                Some((east, h, m)) => s.push_str(&format!("{}{h:02}:{m:02}", if east { '+' } else { '-' })),
            }
            if lower {
                s = s.replace('T', "t").replace('Z', "z");
            }
            let mut bytes = s.into_bytes();
            if let Some((at, byte)) = change {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            let checked = std::str::from_utf8(&bytes).map(parse_checked);
            match parse_common(&bytes).filter(|(_, len)| *len == bytes.len()) {
                Some((v, _)) => prop_assert_eq!(checked, Ok(Ok(v))),
                // Only the unusual is left to the checked parser.
                None => prop_assert!(
                    change.is_some() || checked.as_ref().map_or(true, Result::is_err)
                        || year == 0 || year == 9999,
                    "{:?}", String::from_utf8_lossy(&bytes)
                ),
            }
        }
    }

    fn round_trip(s: &str) -> String {
        let v = parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let mut out = String::new();
        format_rfc3339(v, &mut out).unwrap_or_else(|e| panic!("{s}: {e}"));
        out
    }

    #[test]
    fn plain_timestamp_reads_a_whole_json_string_only() {
        let src = r#"{"d": "2021-06-30T18:29:59.999Z", "e": "2021-06-30T18:29:59Zx"}"#;
        let quote = src.find("\"2021").unwrap_or(0);
        let (value, after) = plain_timestamp(src, quote).unwrap();
        assert_eq!(Ok(value), parse_rfc3339("2021-06-30T18:29:59.999Z"));
        assert_eq!(&src[after..after + 2], ", ");
        let second = src.rfind("\"2021").unwrap_or(0);
        assert_eq!(plain_timestamp(src, second), None);
        assert_eq!(plain_timestamp(src, 0), None);
        assert_eq!(
            plain_timestamp(r#""2021-06-30T18:29:59+05:30""#, 0).map(|(_, n)| n),
            Some(27)
        );
        assert_eq!(plain_timestamp(r#""2021-02-30T18:29:59Z""#, 0), None);
    }

    #[test]
    fn accepts_every_precision_and_offset_form() {
        assert_eq!(round_trip("2020-09-14T18:30:00Z"), "2020-09-14T18:30:00Z");
        assert_eq!(
            round_trip("2020-09-09T15:06:05.211Z"),
            "2020-09-09T15:06:05.211Z"
        );
        assert_eq!(
            round_trip("2020-05-10T23:59:59.999999999Z"),
            "2020-05-10T23:59:59.999999999Z"
        );
        assert_eq!(
            round_trip("2020-05-10t23:59:59.5z"),
            "2020-05-10T23:59:59.5Z"
        );
        assert_eq!(
            round_trip("2020-05-10T23:59:59.10+05:30"),
            "2020-05-10T23:59:59.1+05:30"
        );
        assert_eq!(
            round_trip("2020-05-10T23:59:59-00:00"),
            "2020-05-10T23:59:59Z"
        );
        assert_eq!(
            round_trip("2020-05-10T23:59:59-09:30"),
            "2020-05-10T23:59:59-09:30"
        );
    }

    #[test]
    fn refuses_impossible_and_unrepresentable_values() {
        for (input, needle) in [
            ("2021-02-30T00:00:00Z", "day 30 does not exist"),
            ("2021-13-01T00:00:00Z", "month 13"),
            ("2021-01-01T24:00:00Z", "does not exist"),
            ("2016-12-31T23:59:60Z", "leap seconds"),
            ("9999-12-31T23:59:59-01:00", "outside years"),
            ("0000-01-01T00:00:00+00:01", "outside years"),
            ("2021-01-01T00:00:00.1234567891Z", "more than 9"),
            ("2021-01-01T00:00:00.Z", "digit after '.'"),
            ("2021-01-01 00:00:00Z", "expected 'T'"),
            ("2021-01-01T00:00:00", "expected 'Z'"),
            ("2021-01-01T00:00:00+24:00", "out of range"),
            ("2021-01-01T00:00:00Zjunk", "unexpected characters"),
            ("21-01-01T00:00:00Z", "4-digit year"),
            ("", "4-digit year"),
        ] {
            match parse_rfc3339(input) {
                Ok(v) => panic!("{input} was accepted as {v}"),
                Err(e) => assert!(e.reason().contains(needle), "{input}: {e}"),
            }
        }
    }
}
