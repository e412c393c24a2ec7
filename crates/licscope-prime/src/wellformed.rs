//! The well-formedness checks quick-xml leaves to its users: characters XML 1.0 allows,
//! attributes (checked whether read or not), the declaration's pseudo-attributes.

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;

/// Checks that `s` holds only characters XML 1.0 allows; quick-xml leaves this to its users.
#[inline]
pub(super) fn check_chars(s: &str) -> Result<(), String> {
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
pub(super) fn check_attributes(e: &BytesStart<'_>) -> Result<(), String> {
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
pub(super) fn check_pseudo_attributes(content: &str) -> Result<(), String> {
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

/// Reads an XML declaration's content in the form documents are written in: `xml
/// version="1.x"`, then optionally `encoding="NAME"` (an `EncName`) and `standalone="yes"` or
/// `"no"`, single spaces before each, either quote, spaces at the end. Returns the encoding
/// (`Some(None)` when none is named), or `None` for any other form, which the checks of
/// quick-xml's declaration, [`check_chars`] and [`check_pseudo_attributes`] then read and word.
/// Whatever it accepts, those accept too.
pub(super) fn plain_declaration(content: &str) -> Option<Option<&str>> {
    fn value<'c>(rest: &'c str, name: &str) -> Option<(&'c str, &'c str)> {
        let rest = rest
            .strip_prefix(' ')?
            .strip_prefix(name)?
            .strip_prefix('=')?;
        let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
        let body = &rest[1..];
        let end = body.find(quote)?;
        Some((&body[..end], &body[end + 1..]))
    }
    let (version, mut rest) = value(content.strip_prefix("xml")?, "version")?;
    let minor = version.strip_prefix("1.")?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut encoding = None;
    if let Some((name, after)) = value(rest, "encoding") {
        let mut bytes = name.bytes();
        let first_is_letter = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
        if !first_is_letter
            || !bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return None;
        }
        encoding = Some(name);
        rest = after;
    }
    if let Some((standalone, after)) = value(rest, "standalone") {
        if !matches!(standalone, "yes" | "no") {
            return None;
        }
        rest = after;
    }
    rest.bytes().all(|b| b == b' ').then_some(encoding)
}

pub(super) fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// `Char` of the XML 1.0 grammar: what a character reference may name.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

pub(super) fn is_utf8_name(encoding: &str) -> bool {
    ["utf-8", "utf8", "us-ascii", "ascii"]
        .iter()
        .any(|n| encoding.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod plain_declaration_tests {
    use super::*;

    #[test]
    fn the_plain_form_is_read_and_nothing_else() {
        for (content, encoding) in [
            ("xml version=\"1.0\"", None),
            ("xml version='1.0' encoding='UTF-8'", Some("UTF-8")),
            (
                "xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"  ",
                Some("utf-8"),
            ),
            ("xml version=\"1.10\" standalone='no'", None),
            (
                "xml version=\"1.0\" encoding=\"ISO-8859-1\"",
                Some("ISO-8859-1"),
            ),
        ] {
            assert_eq!(plain_declaration(content), Some(encoding), "{content}");
            // What it reads, the full checks take too.
            assert_eq!(check_chars(content), Ok(()));
            assert_eq!(check_pseudo_attributes(content), Ok(()));
        }
        for content in [
            "xml version=\"2.0\"",
            "xml version=\"1.\"",
            "xml  version=\"1.0\"",
            "xml version = \"1.0\"",
            "xml version=\"1.0\"encoding=\"UTF-8\"",
            "xml version=\"1.0\" encodingB=\"UTF-8\"",
            "xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"",
            "xml version=\"1.0\" encoding=\"8bit\"",
            "xml version=\"1.0\" encoding=\"UTF 8\"",
            "xml version=\"1.0\" standalone=\"maybe\"",
            "xml version=\"1.0\"\t",
            "xml version=\"1.0\" encoding=\"UTF-8\" encoding=\"UTF-8\"",
            "xml version=\"1.0",
            "xml",
        ] {
            assert_eq!(plain_declaration(content), None, "{content}");
        }
    }
}
