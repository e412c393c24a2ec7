//! The fast paths of the decoders: one record in the layout Prime writes, read straight from
//! the bytes.
//!
//! Prime writes every record the same way. In XML: whitespace, `<licenseInfoDTO>` (some
//! versions and proxies add attributes such as `id`), then each field as `<name>text</name>`
//! with text that may hold the five predefined entities and character references (`&amp;` in a
//! feature name), then `</licenseInfoDTO>`. In JSON: an object whose keys are the record's
//! fields, each once, with numbers, strings (escapes included) or `null`. [`xml_record`] and
//! [`json_record`] read exactly that and nothing else: any other construct (an attribute outside
//! the simple form `name="value"`, a comment, CDATA, an entity other than the five, a carriage
//! return or a character to check inside XML text, a fraction, a nested value, an unknown or
//! repeated field, a value the record refuses, a limit reached) makes them return `None`
//! without consuming anything, and the general decoder reads the record instead, with its full
//! checks and error messages. So a fast path never decides an error and never accepts what the
//! general decoder would refuse: for every record it accepts, the general decoder builds the
//! same record. The tests and fuzz targets hold them to that: an XML stream read through a
//! 7-byte buffer (where no record fits, so it never takes the fast path) is compared with one
//! read from a single buffer and with the whole-document decoder; a JSON record alone in the
//! list (read by the general path) is compared with the same record in an array; and both
//! decoders are compared with reference decoders (roxmltree, `serde_json`).

use std::borrow::Cow;

use licscope_syntax::plumbing::{
    json_string, match_key, plain_integer, plain_string, skip_whitespace as skip_ws,
};

use crate::model::{Record, Scalar};

/// What a fast path may read inside a record; it gives up past these bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    /// The longest text (or JSON number) a field may hold.
    pub(crate) max_text: usize,
}

/// How a byte of field text is handled: `PLAIN` bytes are taken as they are, `STOP` (`<`) ends
/// the text, `GIVE_UP` bytes need the event decoder: `&` (a reference), `\r` (line-end
/// normalization), `]` (a possible `]]>`), control characters XML forbids, and 0xEF, the lead
/// byte of U+FFFE and U+FFFF.
const PLAIN: u8 = 0;
const STOP: u8 = 1;
const GIVE_UP: u8 = 2;

static TEXT_CLASS: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut i = 0;
    while i < 0x20 {
        if i != b'\t' as usize && i != b'\n' as usize {
            table[i] = GIVE_UP;
        }
        i += 1;
    }
    table[b'<' as usize] = STOP;
    table[b'&' as usize] = GIVE_UP;
    table[b']' as usize] = GIVE_UP;
    table[0xEF] = GIVE_UP;
    table
};

/// The bytes that end a plain attribute value's scan: either quote (the caller checks which),
/// and what the value may not hold: `&`, `<`, tab and line ends, and the bytes the text scan
/// gives up on.
static ATTRIBUTE_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = TEXT_CLASS[i] != PLAIN;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[b'\t' as usize] = true;
    table[b'\n' as usize] = true;
    table
};

/// `<name>` at `i`: returns the offset after it.
#[inline(always)]
fn tag(b: &[u8], i: usize, open: &[u8], name: &[u8]) -> Option<usize> {
    let rest = b.get(i..)?.strip_prefix(open)?.strip_prefix(name)?;
    (rest.first() == Some(&b'>')).then_some(i + open.len() + name.len() + 1)
}

/// Reads one XML record from the start of `s` (whitespace first, then the record's start tag)
/// and returns it with the number of bytes it took, or `None` when the record is not in the
/// plain layout. `text` makes a field's value from its text: borrowing it from a document, or
/// copying it out of a stream's buffer; text holding references is built anew.
#[inline]
pub(crate) fn xml_record<'s, 'a, T: Record<'a>>(
    s: &'s str,
    bounds: Bounds,
    text: impl Fn(&'s str) -> Cow<'a, str>,
) -> Option<(T, usize)> {
    let b = s.as_bytes();
    let start = skip_ws(b, 0);
    let name_end = start + 1 + T::NAME.len();
    let mut i = if b.get(start..name_end)?.strip_prefix(b"<")? == T::NAME.as_bytes() {
        match b.get(name_end)? {
            b'>' => name_end + 1,
            b' ' | b'\t' | b'\n' | b'\r' => record_attributes(b, name_end, bounds)?,
            _ => return None,
        }
    } else {
        return None;
    };
    let mut record = T::default();
    let mut seen = 0u64;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'<') {
            return None;
        }
        i += 1;
        if b.get(i) == Some(&b'/') {
            let end = tag(b, i, b"/", T::NAME.as_bytes())?;
            return Some((record, end));
        }
        // The field's name runs to `>`; anything else in the tag (attributes, `/`) is not
        // a field name, and neither are `!` and `?` constructs.
        let name_start = i;
        while let Some(c) = b.get(i) {
            if !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':')) {
                break;
            }
            i += 1;
        }
        if b.get(i) != Some(&b'>') {
            return None;
        }
        let name = s.get(name_start..i)?;
        let index = T::field_index(name)?;
        let bit = 1u64.checked_shl(u32::try_from(index).ok()?)?;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        i += 1;
        let text_start = i;
        // Text with references is built here from its first reference on.
        let mut built: Option<String> = None;
        let mut plain_from = i;
        loop {
            match TEXT_CLASS[usize::from(*b.get(i)?)] {
                PLAIN => i += 1,
                STOP => break,
                _ if b[i] == b'&' => {
                    let (c, after) = reference(b, i)?;
                    let out = built.get_or_insert_with(String::new);
                    out.push_str(s.get(plain_from..i)?);
                    out.push(c);
                    i = after;
                    plain_from = i;
                }
                _ => return None,
            }
        }
        if i - text_start > bounds.max_text {
            return None;
        }
        let text_end = i;
        i = tag(b, i, b"</", name.as_bytes())?;
        let value = match built {
            Some(mut out) => {
                out.push_str(s.get(plain_from..text_end)?);
                Cow::Owned(out)
            }
            // Both ends sit next to ASCII markup, so they are character boundaries.
            None if text_end > text_start => text(s.get(text_start..text_end)?),
            None => continue,
        };
        if !value.is_empty() {
            record.set(index, Scalar::Text(value)).ok()?;
        }
    }
}

/// Reads the attributes of a record's start tag from `i` (the whitespace after its name) to
/// its `>`, and returns the offset after it; `None` unless they are [`plain_attributes`]. The
/// values are not used: the general decoder checks attributes the same way and reads none of a
/// record's.
#[inline(never)]
fn record_attributes(b: &[u8], i: usize, bounds: Bounds) -> Option<usize> {
    let (_, _, end) = plain_attributes(b, i, bounds.max_text)?;
    (b.get(end) == Some(&b'>')).then_some(end + 1)
}

/// The attributes [`plain_attributes`] reads at most.
pub(crate) const MAX_PLAIN_ATTRIBUTES: usize = 8;

/// Reads attributes from `i` (whitespace before the first) up to the first `>`, `/` or the end
/// of `b`, and returns them as (name, value) byte ranges, their number, and where they stop;
/// `None` for anything but `name="value"` pairs (either quote, no whitespace around `=`),
/// separated by whitespace, with plain names (ASCII letters, digits, `_-.:`), distinct, at most
/// [`MAX_PLAIN_ATTRIBUTES`], and values free of references, markup, tabs and line ends (which
/// normalization would change) and characters to check, each at most `max_value` bytes. Such
/// attributes are what quick-xml's checked reading and normalization leave as they are.
#[inline]
#[allow(clippy::type_complexity)]
pub(crate) fn plain_attributes(
    b: &[u8],
    mut i: usize,
    max_value: usize,
) -> Option<(
    [((usize, usize), (usize, usize)); MAX_PLAIN_ATTRIBUTES],
    usize,
    usize,
)> {
    let mut found = [((0usize, 0usize), (0usize, 0usize)); MAX_PLAIN_ATTRIBUTES];
    let mut count = 0;
    loop {
        let after_ws = skip_ws(b, i);
        match b.get(after_ws) {
            None | Some(b'>' | b'/') => return Some((found, count, after_ws)),
            // Attributes are separated by whitespace.
            _ if after_ws == i => return None,
            _ => i = after_ws,
        }
        let name_start = i;
        match b.get(i)? {
            c if c.is_ascii_alphabetic() || *c == b'_' => i += 1,
            _ => return None,
        }
        while let Some(c) = b.get(i) {
            if !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':')) {
                break;
            }
            i += 1;
        }
        let name = b.get(name_start..i)?;
        let duplicate = found[..count]
            .iter()
            .any(|&((s, e), _)| b.get(s..e) == Some(name));
        if count == MAX_PLAIN_ATTRIBUTES || duplicate || b.get(i) != Some(&b'=') {
            return None;
        }
        let quote = *b.get(i + 1)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let name_end = i;
        i += 2;
        let value_start = i;
        loop {
            while i < b.len() && !ATTRIBUTE_STOP[usize::from(b[i])] {
                i += 1;
            }
            match *b.get(i)? {
                c if c == quote => break,
                // The other quote is text.
                b'"' | b'\'' => i += 1,
                _ => return None,
            }
        }
        if i - value_start > max_value {
            return None;
        }
        found[count] = ((name_start, name_end), (value_start, i));
        count += 1;
        i += 1;
    }
}

/// Resolves the reference at `i` (`&`) when it is one of the five predefined entities or a
/// character reference to a character XML allows, written plainly (`&#233;`, `&#xe9;`: no
/// leading zeros, lower-case `x`); returns the character and the offset after the `;`.
#[inline]
fn reference(b: &[u8], i: usize) -> Option<(char, usize)> {
    let rest = b.get(i + 1..)?;
    let entity = |name: &[u8], c: char| {
        (rest.get(..name.len()) == Some(name)).then_some((c, i + 1 + name.len()))
    };
    match *rest.first()? {
        b'a' => entity(b"amp;", '&').or_else(|| entity(b"apos;", '\'')),
        b'l' => entity(b"lt;", '<'),
        b'g' => entity(b"gt;", '>'),
        b'q' => entity(b"quot;", '"'),
        b'#' => {
            let (radix, digits_at) = if rest.get(1) == Some(&b'x') {
                (16, 2)
            } else {
                (10, 1)
            };
            let digits = rest.get(digits_at..)?;
            let len = digits.iter().position(|&c| c == b';')?;
            let digits = &digits[..len];
            if digits.is_empty() || digits.len() > 6 || digits[0] == b'0' {
                return None;
            }
            let mut value = 0u32;
            for &d in digits {
                value = value * radix + char::from(d).to_digit(radix)?;
            }
            let c = char::from_u32(value).filter(|&c| crate::wellformed::is_xml_char(c))?;
            Some((c, i + 1 + digits_at + len + 1))
        }
        _ => None,
    }
}

/// Reads one JSON record object starting at `start` in `s` and returns it with the offset just
/// after its closing brace, or `None` when the record is not in the plain layout.
#[inline]
pub(crate) fn json_record<'a, T: Record<'a>>(
    s: &'a str,
    start: usize,
    bounds: Bounds,
) -> Option<(T, usize)> {
    let b = s.as_bytes();
    if b.get(start) != Some(&b'{') {
        return None;
    }
    let mut i = skip_ws(b, start + 1);
    let mut record = T::default();
    if b.get(i) == Some(&b'}') {
        return Some((record, i + 1));
    }
    let mut seen = 0u64;
    loop {
        let (index, after) = match_key(s, i, T::FIELDS)?;
        let bit = 1u64.checked_shl(u32::try_from(index).ok()?)?;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        i = skip_ws(b, after);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        match *b.get(i)? {
            b'"' => {
                // Plain strings first: the common case, without the escape machinery.
                let (text, after) = match plain_string(s, i) {
                    Some((text, after)) if text.len() <= bounds.max_text => {
                        (Cow::Borrowed(text), after)
                    }
                    _ => json_string(s, i, bounds.max_text)?,
                };
                if !text.is_empty() {
                    record.set(index, Scalar::Text(text)).ok()?;
                }
                i = after;
            }
            b'-' | b'0'..=b'9' => {
                let (value, end) = plain_integer(s, i)?;
                if end - i > bounds.max_text {
                    return None;
                }
                record.set_integer(index, s.get(i..end)?, value).ok()?;
                i = end;
            }
            b'n' if b.get(i..i + 4) == Some(b"null") => i += 4,
            _ => return None,
        }
        i = skip_ws(b, i);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return Some((record, i + 1)),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LicenseInfo;

    const BOUNDS: Bounds = Bounds { max_text: 1 << 20 };

    fn xml(s: &str) -> Option<(LicenseInfo<'_>, usize)> {
        xml_record::<LicenseInfo<'_>>(s, BOUNDS, Cow::Borrowed)
    }

    #[test]
    fn reads_the_plain_layout_and_stops_after_the_end_tag() {
        let s = "\n  <licenseInfoDTO>\n    <daysToExpire>-3</daysToExpire>\n    \
                 <name>Data Center 1</name><status>LICENSED</status></licenseInfoDTO>\n  <x>";
        let (r, used) = xml(s).unwrap();
        assert_eq!(r.days_to_expire, Some(-3));
        assert_eq!(r.name.as_deref(), Some("Data Center 1"));
        assert!(matches!(r.name, Some(Cow::Borrowed(_))));
        assert_eq!(&s[used..], "\n  <x>");
    }

    #[test]
    fn gives_up_on_anything_outside_the_plain_layout() {
        for s in [
            "<licenseInfoDTO><name>a&unknown;b</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>a&amp b</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#0;</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#065;</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#X41;</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#xD800;</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#;</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#x;</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>&#1114111;</name></licenseInfoDTO>",
            "<licenseInfoDTO id='1' id='2'></licenseInfoDTO>",
            "<licenseInfoDTO id='1'x='2'></licenseInfoDTO>",
            "<licenseInfoDTO id = '1'></licenseInfoDTO>",
            "<licenseInfoDTO id=1></licenseInfoDTO>",
            "<licenseInfoDTO id='a&amp;b'></licenseInfoDTO>",
            "<licenseInfoDTO id='a<b'></licenseInfoDTO>",
            "<licenseInfoDTO id='a\tb'></licenseInfoDTO>",
            "<licenseInfoDTO id='1'/>",
            "<licenseInfoDTO 1d='1'></licenseInfoDTO>",
            "<licenseInfoDTO id='1></licenseInfoDTO>",
            "<licenseInfoDTO><name>a\rb</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>a]]>b</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>a\u{1}b</name></licenseInfoDTO>",
            "<licenseInfoDTO><name>\u{FFFE}</name></licenseInfoDTO>",
            "<licenseInfoDTO><name a='1'>x</name></licenseInfoDTO>",
            "<licenseInfoDTO><name/></licenseInfoDTO>",
            "<licenseInfoDTO><name>x</name ></licenseInfoDTO>",
            "<licenseInfoDTO><name>x</nam></licenseInfoDTO>",
            "<licenseInfoDTO><name>x</name><name>y</name></licenseInfoDTO>",
            "<licenseInfoDTO><other>x</other></licenseInfoDTO>",
            "<licenseInfoDTO><!-- c --></licenseInfoDTO>",
            "<licenseInfoDTO>text<name>x</name></licenseInfoDTO>",
            "<licenseInfoDTO><daysToExpire>ten</daysToExpire></licenseInfoDTO>",
            "<licenseInfoDTO><name>x</name>",
            "<licenseInfoDTO><name>x",
            "<licenseInfoDTO/>",
            "</mgmtResponse>",
            "",
        ] {
            assert!(xml(s).is_none(), "{s:?}");
        }
    }

    #[test]
    fn reads_references_and_record_attributes() {
        let s = "<licenseInfoDTO id=\"7\" displayName='Data \"DC\"'\n xmlns:a=\"u\" >\
                 <name>Data Center &amp; Campus &lt;&#233;&#x10000;&gt;</name>\
                 <status>LICENSED</status></licenseInfoDTO>";
        let (r, used) = xml(s).unwrap_or_default();
        assert_eq!(r.name.as_deref(), Some("Data Center & Campus <é\u{10000}>"));
        assert_eq!(used, s.len());
        let none = "<licenseInfoDTO\n><name>&amp;</name></licenseInfoDTO>";
        assert_eq!(
            xml(none).map(|(r, _)| r.name),
            Some(Some(Cow::Borrowed("&")))
        );
    }

    #[test]
    fn gives_up_on_text_over_the_limit() {
        let s = "<licenseInfoDTO><name>abcd</name></licenseInfoDTO>";
        let read = |max_text| xml_record::<LicenseInfo<'_>>(s, Bounds { max_text }, Cow::Borrowed);
        assert!(read(3).is_none());
        assert!(read(4).is_some());
    }

    fn json(s: &str) -> Option<(LicenseInfo<'_>, usize)> {
        json_record::<LicenseInfo<'_>>(s, 0, BOUNDS)
    }

    #[test]
    fn reads_a_plain_json_record_and_stops_after_the_brace() {
        let s = "{ \"daysToExpire\" : -3, \"name\":\"Base 1\",\n \"status\" : null,\
                 \"deviceCountUsed\": 0 } ,";
        let (r, used) = json(s).unwrap();
        assert_eq!(r.days_to_expire, Some(-3));
        assert_eq!(r.device_count_used, Some(0));
        assert_eq!(r.name.as_deref(), Some("Base 1"));
        assert_eq!(r.status, None);
        assert_eq!(&s[used..], " ,");
        assert_eq!(json("{ }"), Some((LicenseInfo::default(), 3)));
        let strings = r#"{"daysToExpire" : "-3", "deviceCountUsed" : "+0012", "status" : "X"}"#;
        let (r, used) = json(strings).unwrap_or_default();
        assert_eq!(
            (r.days_to_expire, r.device_count_used),
            (Some(-3), Some(12))
        );
        assert_eq!(used, strings.len());
        let escaped =
            r#"{"name":"Data Center\/Campus \u00e9\ud83d\ude00\"\\","status":"LICENSED"}"#;
        let (r, used) = json(escaped).unwrap_or_default();
        assert_eq!(r.name.as_deref(), Some("Data Center/Campus é😀\"\\"));
        assert_eq!(used, escaped.len());
    }

    #[test]
    fn json_gives_up_on_anything_outside_the_plain_layout() {
        for s in [
            r#"{"name":"a\u0041\uD800"}"#,
            r#"{"name":"a\x"}"#,
            "{\"name\":\"a\u{1}\"}",
            r#"{"daysToExpire":1.0}"#,
            r#"{"daysToExpire":1e3}"#,
            r#"{"daysToExpire":01}"#,
            r#"{"daysToExpire":-}"#,
            r#"{"daysToExpire":"x"}"#,
            r#"{"daysToExpire":99999999999}"#,
            r#"{"status":7}"#,
            r#"{"name":{"$":"x"}}"#,
            r#"{"name":["x"]}"#,
            r#"{"name":true}"#,
            r#"{"name":nul}"#,
            r#"{"name":"x","name":"y"}"#,
            r#"{"other":1}"#,
            r#"{"name":"x",}"#,
            r#"{"name":"x""#,
            r#"{"name" "x"}"#,
            r#"{,}"#,
            "[]",
            "",
        ] {
            assert!(json(s).is_none(), "{s:?}");
        }
    }
}
