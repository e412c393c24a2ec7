//! Telling UTF-8 from what only looks like text.

use crate::{Error, ErrorKind};

/// Checks that `input` is UTF-8 and returns it without a leading byte-order mark, with the
/// number of bytes the mark took (0 or 3).
///
/// UTF-16 and UTF-32 (PowerShell's `Out-File` writes UTF-16 by default) are recognised by their
/// byte-order mark or, without one, by the zero bytes around the first ASCII character, and get
/// an error that names the encoding instead of a confusing syntax error.
///
/// # Errors
///
/// [`ErrorKind::Encoding`] for UTF-16, UTF-32 or invalid UTF-8, at the first bad byte.
pub fn utf8_without_bom(input: &[u8]) -> Result<(&str, usize), Error> {
    reject_wide_encoding(input)?;
    let (bom, rest) = match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, input),
    };
    match std::str::from_utf8(rest) {
        Ok(s) => Ok((s, bom)),
        Err(e) => {
            let at = e.valid_up_to();
            let byte = rest.get(at).copied().unwrap_or(0);
            Err(Error::new(
                ErrorKind::Encoding,
                format!("invalid UTF-8: byte 0x{byte:02X} does not continue a valid sequence"),
            )
            .at_offset(rest, at)
            .shifted(bom as u64))
        }
    }
}

/// Checks the first bytes of an input (at least four, where the input has them) for UTF-16 or
/// UTF-32, for streaming decoders that cannot see the whole input.
///
/// # Errors
///
/// [`ErrorKind::Encoding`] at line 1, column 1, naming the encoding.
pub fn reject_wide_encoding(prefix: &[u8]) -> Result<(), Error> {
    match sniff_wide_encoding(prefix) {
        None => Ok(()),
        Some(name) => Err(Error::new(
            ErrorKind::Encoding,
            format!(
                "the input is {name}, not UTF-8; convert it first \
                 (for example `iconv -f {} -t UTF-8`)",
                name.split(' ').next().unwrap_or(name)
            ),
        )
        .at_position(0, 1, 1)),
    }
}

/// Names the wide encoding `input` is in, if it looks like UTF-16 or UTF-32.
fn sniff_wide_encoding(input: &[u8]) -> Option<&'static str> {
    match input {
        [0x00, 0x00, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian, with a byte-order mark)"),
        [0xFF, 0xFE, 0x00, 0x00, ..] => Some("UTF-32 (little-endian, with a byte-order mark)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian, with a byte-order mark)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian, with a byte-order mark)"),
        // Without a mark, the first character of a JSON or XML document is ASCII, so its
        // zero high bytes give the encoding away.
        [0x00, 0x00, 0x00, a, ..] if *a != 0 => Some("UTF-32 (big-endian)"),
        [a, 0x00, 0x00, 0x00, ..] if *a != 0 => Some("UTF-32 (little-endian)"),
        [0x00, a, ..] if *a != 0 => Some("UTF-16 (big-endian)"),
        [a, 0x00, ..] if *a != 0 => Some("UTF-16 (little-endian)"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_wide_encodings() {
        let le: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (input, needle) in [
            (&le[..], "UTF-16 (little-endian)"),
            (&be[..], "UTF-16 (big-endian)"),
            (b"\xFF\xFE{\x00", "UTF-16 (little-endian, with"),
            (
                b"{\x00\x00\x00",
                "UTF-32 (little-endian), not UTF-8; convert it first (for example `iconv -f UTF-32 -t",
            ),
            (b"\x00\x00\x00{", "iconv -f UTF-32 -t UTF-8"),
            (&le[..], "iconv -f UTF-16 -t UTF-8"),
            (
                b"\xFF\xFE\x00\x00{\x00\x00\x00",
                "UTF-32 (little-endian, with",
            ),
        ] {
            let e = utf8_without_bom(input).err().map(|e| e.to_string());
            assert!(e.as_deref().is_some_and(|e| e.contains(needle)), "{e:?}");
        }
    }

    #[test]
    fn strips_a_utf8_bom_and_reports_bad_bytes_where_they_are() {
        assert_eq!(utf8_without_bom(b"\xEF\xBB\xBF{}").ok(), Some(("{}", 3)));
        let e = utf8_without_bom(b"\xEF\xBB\xBF{\n \xC3}").err();
        assert_eq!(e.as_ref().and_then(Error::offset), Some(6));
        assert_eq!(e.as_ref().and_then(Error::line), Some(2));
        assert_eq!(e.as_ref().and_then(Error::column), Some(2));
    }
}
