//! NDJSON's hot path: a record written as `serde_json::to_writer` writes it, byte for byte,
//! without serde's per-value calls (serialization was 58% of `normalize --format ndjson` on
//! Prime JSON). A record it does not cover (an Automation 360 vendor record, a date RFC 3339
//! cannot write) goes to serde_json, so the bytes are the same either way; the corpus, a
//! property test and the `render` fuzz target hold the two to that.

use std::io::{self, Write};

use licscope_normalize::{LicenseRecord, VendorRecord};
use time::OffsetDateTime;

/// `ndjson`: one record per line, each serialized into a buffer and written in one piece.
#[derive(Debug, Default)]
pub struct Ndjson {
    line: Vec<u8>,
    /// The last instant written and its text: a run's records share their `as_of`.
    date: Option<(OffsetDateTime, String)>,
}

impl Ndjson {
    /// Writes `r` as one line.
    pub(crate) fn line(&mut self, out: &mut dyn Write, r: &LicenseRecord) -> io::Result<()> {
        self.line.clear();
        if !write_record(&mut self.line, &mut self.date, r) {
            serde_json::to_writer(&mut self.line, r).map_err(io::Error::from)?;
        }
        self.line.push(b'\n');
        out.write_all(&self.line)
    }
}

/// Appends `r` as compact JSON to `out`; `false` (with `out` as it was) when it must go to
/// serde_json instead.
fn write_record(
    out: &mut Vec<u8>,
    date: &mut Option<(OffsetDateTime, String)>,
    r: &LicenseRecord,
) -> bool {
    let VendorRecord::CiscoPrime(v) = &r.vendor else {
        return false;
    };
    let start = out.len();
    out.extend_from_slice(b"{\"source\":");
    name(out, r.source.as_str());
    out.extend_from_slice(b",\"origin\":");
    option_string(out, r.origin.as_deref());
    out.extend_from_slice(b",\"feature\":");
    option_string(out, r.feature.as_deref());
    out.extend_from_slice(b",\"status\":");
    name(out, r.status.as_str());
    out.extend_from_slice(b",\"severity\":");
    name(out, r.severity.as_str());
    out.extend_from_slice(b",\"expires_at\":");
    if !option_date(out, date, r.expires_at) {
        out.truncate(start);
        return false;
    }
    out.extend_from_slice(b",\"days_to_expiry\":");
    option_integer(out, r.days_to_expiry);
    out.extend_from_slice(b",\"usage\":");
    match r.usage {
        None => out.extend_from_slice(b"null"),
        Some(u) => {
            out.extend_from_slice(b"{\"used\":");
            option_integer(out, u.used);
            out.extend_from_slice(b",\"remaining\":");
            option_integer(out, u.remaining);
            out.extend_from_slice(b",\"limit\":");
            option_integer(out, u.limit);
            out.push(b'}');
        }
    }
    out.extend_from_slice(b",\"flags\":[");
    for (i, f) in r.flags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        name(out, f.as_str());
    }
    out.extend_from_slice(b"],\"vendor\":{\"daysToExpire\":");
    option_integer(out, v.days_to_expire.map(i64::from));
    out.extend_from_slice(b",\"deviceCountRemaining\":");
    option_integer(out, v.device_count_remaining.map(i64::from));
    out.extend_from_slice(b",\"deviceCountUsed\":");
    option_integer(out, v.device_count_used.map(i64::from));
    out.extend_from_slice(b",\"name\":");
    option_string(out, v.name.as_deref());
    out.extend_from_slice(b",\"status\":");
    option_string(out, v.status.as_ref().map(|s| s.as_str()));
    out.extend_from_slice(b"},\"as_of\":");
    if !option_date(out, date, Some(r.as_of)) {
        out.truncate(start);
        return false;
    }
    out.push(b'}');
    true
}

fn option_integer(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
}

fn option_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A date as the record's serde adapter writes it (`last` keeps the last one's text); `false`
/// when RFC 3339 cannot hold it.
fn option_date(
    out: &mut Vec<u8>,
    last: &mut Option<(OffsetDateTime, String)>,
    d: Option<OffsetDateTime>,
) -> bool {
    let Some(d) = d else {
        out.extend_from_slice(b"null");
        return true;
    };
    if let Some((at, text)) = last
        && *at == d
        && at.offset() == d.offset()
    {
        string(out, text);
        return true;
    }
    let mut text = String::with_capacity(35);
    if licscope_syntax::format_rfc3339(d, &mut text).is_err() {
        return false;
    }
    string(out, &text);
    *last = Some((d, text));
    true
}

/// A name of the record's own vocabulary (a source, status, severity or flag): lower-case
/// ASCII words and hyphens, which JSON writes as they are.
fn name(out: &mut Vec<u8>, s: &str) {
    debug_assert!(
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    );
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Whether some byte of `bytes` needs an escape: `"`, `\` or a control character below U+0020.
/// Eight bytes at a time (the classic "has a byte below n / equal to c" tests on a `u64`).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else {
            return true;
        };
        let x = u64::from_le_bytes(eight);
        // Below 0x20: x - 0x20 per byte borrows into the high bit of a byte that was below it
        // (bytes with their own high bit set are UTF-8 and masked out by `!x`).
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
        if below || zero(x ^ (ONES * u64::from(b'"'))) || zero(x ^ (ONES * u64::from(b'\\'))) {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// A JSON string as serde_json writes one: `"` and `\` escaped, the control characters below
/// U+0020 as `\b \t \n \f \r` or `\u00XX` (lower-case hex), everything else as it is.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut plain = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(escape);
        }
        plain = i + 1;
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::{needs_escape, string};

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for c in (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .step_by(7)
            .chain([
                '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\0', '\u{1f}', '\u{7f}', '\u{2028}',
            ])
        {
            let text = format!("a{c}b{c}");
            let mut out = Vec::new();
            string(&mut out, &text);
            assert_eq!(out, serde_json::to_vec(&text).unwrap(), "{c:?}");
        }
    }

    #[test]
    fn the_eight_byte_scan_finds_every_byte_that_needs_an_escape_anywhere() {
        for b in 0..=255u8 {
            let want = b < 0x20 || b == b'"' || b == b'\\';
            for len in 1..=24 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(needs_escape(&bytes), want, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        assert!(!needs_escape("é€😀 plain".as_bytes()));
    }
}
