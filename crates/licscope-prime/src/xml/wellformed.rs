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
