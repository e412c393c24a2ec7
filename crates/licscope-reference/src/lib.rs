//! A slow, obviously correct reference decoder for the license-info XML, built on roxmltree.
//!
//! It shares no decoding code with the fast decoder: it parses the whole document into
//! roxmltree's tree (a separate, conforming XML parser) and reads the model off it with plain
//! lookups and `str::parse`. Tests, benches and fuzz targets compare the two decoders; they must
//! accept the same documents and agree on them.
//!
//! Deliberate differences: the reference reports errors as plain text without positions, and
//! names no error kinds.
//!
//! Test support, not published: it was the `reference` feature of `licscope-prime`, which made a
//! test tool part of that crate's public API.

#![deny(missing_docs)]

use std::borrow::Cow;

use roxmltree::{Node, ParsingOptions};

use licscope_prime::{Document, ErrorDocument, LicenseInfo, LicenseStatus, MgmtResponse};

/// roxmltree's messages, in lower case, for the well-formedness and namespace rules that
/// quick-xml leaves unchecked (name syntax, namespace prefixes, characters in tags of skipped
/// elements): a document the reference refuses for one of them may be accepted by licscope, a
/// documented difference (`fuzz/README.md`).
pub const UNCHECKED_BY_QUICK_XML: &[&str] = &[
    "invalid name",
    "unknown namespace prefix",
    "namespace",
    // "the 'xmlns' prefix is used at 7:7, but it must not be" (fixture
    // prime/valid/fuzz-xmlns-prefixed-element-skipped).
    "prefix is used",
    "invalid attribute",
    "a non-xml character",
    "'<' is not allowed",
    "]]>",
    "unexpected character",
    "xml declaration",
    "duplicated attribute",
    "expected",
];

/// Whether the reference's refusal `reason` is one of [`UNCHECKED_BY_QUICK_XML`].
pub fn is_unchecked_by_quick_xml(reason: &str) -> bool {
    let reason = reason.to_lowercase();
    UNCHECKED_BY_QUICK_XML.iter().any(|m| reason.contains(m))
}

/// Decodes a license-info XML document, or Prime's `errorDocument`.
///
/// # Errors
///
/// A description of the first problem found.
pub fn decode_xml(input: &[u8]) -> Result<Document<LicenseInfo<'static>>, String> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some(declaration) = text.strip_prefix("<?xml") {
        // roxmltree does not check the version; XML 1.0 requires `1.` and digits.
        // The version comes first, after whitespace (XML 1.0, production 23).
        let first = declaration.trim_start_matches([' ', '\t', '\n', '\r']);
        if !first.starts_with("version") || first.len() == declaration.len() {
            return Err("the XML declaration must start with its version".to_owned());
        }
        let version = pseudo_attribute(text, "version").unwrap_or("");
        let valid = version
            .strip_prefix("1.")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            return Err(format!("invalid XML declaration version {version:?}"));
        }
        // roxmltree takes a name that merely starts with `encoding` for it (found by
        // prime_xml_differential): the names must be version, encoding, standalone, in order.
        check_pseudo_attribute_names(declaration)?;
    }
    // roxmltree does not check the standalone value either (found by prime_xml_differential).
    if let Some(standalone) = pseudo_attribute(text, "standalone")
        && !matches!(standalone, "yes" | "no")
    {
        return Err(format!("standalone must be yes or no, not {standalone:?}"));
    }
    if let Some(encoding) = pseudo_attribute(text, "encoding") {
        let utf8 = ["utf-8", "utf8", "us-ascii", "ascii"]
            .iter()
            .any(|n| encoding.eq_ignore_ascii_case(n));
        if !utf8 {
            return Err(format!("declared encoding {encoding} is not UTF-8"));
        }
    }
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    // XML 1.0, section 2.11: line ends are normalized on input, before parsing (`\r\n` and a
    // lone `\r` become `\n`; a `&#13;` reference stays). roxmltree leaves a lone `\r` before a
    // reference or at the end of a text that holds one (found by prime_xml_differential,
    // fixture prime/valid/fuzz-carriage-return-before-character-reference), so the reference
    // normalizes first; only positions, which the tests do not compare, move.
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| e.to_string())?;
    // After roxmltree, so that its own diagnosis (a reference inside a tag name is a bad name)
    // comes first.
    check_character_references(text)?;
    check_end_tags(&doc, text)?;
    let root = doc.root_element();
    match root.tag_name().name() {
        "mgmtResponse" if root.tag_name().namespace().is_none() => {
            let attribute = |name: &str| root.attribute(name).map(str::to_owned);
            let mut response = MgmtResponse::new(Vec::new());
            response.response_type = attribute("responseType");
            response.request_url = attribute("requestUrl");
            response.root_url = attribute("rootUrl");
            for (i, node) in elements(root, "licenseInfoDTO").enumerate() {
                response
                    .records
                    .push(license_info(node).map_err(|e| format!("licenseInfoDTO[{i}]: {e}"))?);
            }
            Ok(Document::Response(response))
        }
        "errorDocument" if root.tag_name().namespace().is_none() => {
            error_document(root).map(Document::Error)
        }
        other => Err(format!("unexpected root element {other}")),
    }
}

/// Checks that every end tag repeats its start tag's name as written (XML 1.0, "Element Type
/// Match"): roxmltree compares names after resolving prefixes, so it pairs `<:a>` with `</a>`
/// (found by the `prime_xml_differential` fuzz target, fixture `fuzz-empty-prefix-end-tag`).
fn check_end_tags(doc: &roxmltree::Document<'_>, text: &str) -> Result<(), String> {
    let is_name_end = |c: char| c.is_ascii_whitespace() || c == '/' || c == '>';
    for node in doc.descendants().filter(Node::is_element) {
        let raw = text.get(node.range()).unwrap_or("");
        if raw.ends_with("/>") {
            continue;
        }
        let start = raw.get(1..).unwrap_or("");
        let start = &start[..start.find(is_name_end).unwrap_or(start.len())];
        let end = raw
            .rfind("</")
            .and_then(|at| raw.get(at + 2..raw.len().saturating_sub(1)))
            .unwrap_or("")
            .trim_end_matches(|c: char| c.is_ascii_whitespace());
        if start != end {
            return Err(format!(
                "end tag </{end}> does not match start tag <{start}>"
            ));
        }
    }
    Ok(())
}

fn license_info(node: Node<'_, '_>) -> Result<LicenseInfo<'static>, String> {
    // The models are `#[non_exhaustive]`: built field by field from a default.
    let mut info = LicenseInfo::default();
    info.days_to_expire = int(node, "daysToExpire")?;
    info.device_count_remaining = int(node, "deviceCountRemaining")?;
    info.device_count_used = int(node, "deviceCountUsed")?;
    info.name = field(node, "name")?.map(|v| Cow::Owned(v.into_owned()));
    info.status = field(node, "status")?
        .map(|v| trim(&v).to_owned())
        .filter(|v| !v.is_empty())
        .map(|v| LicenseStatus::from(v.as_str()));
    Ok(info)
}

fn error_document(node: Node<'_, '_>) -> Result<ErrorDocument, String> {
    let text = |name| field(node, name).map(|v| v.map(Cow::into_owned));
    let mut error = ErrorDocument::default();
    error.http_response_code = int(node, "httpResponseCode")?;
    error.http_method = text("httpMethod")?;
    error.message = text("message")?;
    error.id = text("id")?;
    error.uri_path = text("uriPath")?;
    error.query_params = text("queryParams")?;
    Ok(error)
}

/// The text of the one child element `name`: `None` when absent, empty, or `xsi:nil`.
fn field<'a>(node: Node<'a, '_>, name: &str) -> Result<Option<Cow<'a, str>>, String> {
    let mut found = elements(node, name);
    let Some(element) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(format!("{name} is given twice"));
    }
    if element.children().any(|c| c.is_element()) {
        return Err(format!("{name} holds an element"));
    }
    let nil = element.attributes().any(|a| {
        a.name() == "nil" && a.namespace().is_some() && matches!(trim(a.value()), "true" | "1")
    });
    let text: String = element
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    Ok(if nil || text.is_empty() {
        None
    } else {
        Some(Cow::Owned(text))
    })
}

fn elements<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// The integer field `name`, as Java's `Integer.parseInt` reads it; only whitespace is missing.
fn int(node: Node<'_, '_>, name: &str) -> Result<Option<i32>, String> {
    match field(node, name)? {
        Some(text) if !trim(&text).is_empty() => trim(&text)
            .parse::<i32>()
            .map(Some)
            .map_err(|e| format!("{name}: {text:?} is not an int: {e}")),
        _ => Ok(None),
    }
}

/// Refuses character references to characters XML does not allow, which roxmltree turns into
/// U+FFFD. Comments, CDATA sections and processing instructions hold no references.
fn check_character_references(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        rest = &rest[i..];
        fn skip_to<'t>(open: &str, close: &str, rest: &'t str) -> Option<&'t str> {
            rest.strip_prefix(open)
                .map(|r| r.find(close).map_or("", |end| &r[end + close.len()..]))
        }
        // roxmltree reads `<?xml ...?>` after the start as a processing instruction, whose target
        // `xml` is reserved (XML 1.0, production 17).
        if let Some(pi) = rest.strip_prefix("<?")
            && !std::ptr::eq(rest, text)
            && pi.get(..3).is_some_and(|t| t.eq_ignore_ascii_case("xml"))
            && pi[3..].starts_with([' ', '\t', '\n', '\r', '?'])
        {
            return Err("an XML declaration or a PI named xml after the start".to_owned());
        }
        if let Some(after) = skip_to("<!--", "-->", rest)
            .or_else(|| skip_to("<![CDATA[", "]]>", rest))
            .or_else(|| skip_to("<?", "?>", rest))
        {
            rest = after;
        } else if let Some(reference) = rest.strip_prefix("&#") {
            let end = reference
                .find(';')
                .ok_or("unterminated character reference")?;
            let number = &reference[..end];
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => number.parse::<u32>(),
            };
            let allowed = code.ok().and_then(char::from_u32).is_some_and(|c| {
                matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            });
            if !allowed {
                return Err(format!("&#{number}; names no XML character"));
            }
            rest = &reference[end..];
        } else {
            rest = &rest[1..];
        }
    }
    Ok(())
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Checks that the pseudo-attributes of a declaration (the text after `<?xml`) are named
/// `version`, then optionally `encoding`, then optionally `standalone` (XML 1.0, production 23).
fn check_pseudo_attribute_names(declaration: &str) -> Result<(), String> {
    let body = declaration
        .find("?>")
        .map_or(declaration, |end| &declaration[..end]);
    let mut allowed: &[&str] = &["version", "encoding", "standalone"];
    let mut rest = body;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if rest.is_empty() {
            return Ok(());
        }
        let end = rest
            .find(['=', ' ', '\t', '\n', '\r'])
            .unwrap_or(rest.len());
        let name = &rest[..end];
        // (The caller has checked that `version` comes first.)
        match allowed.iter().position(|a| *a == name) {
            Some(i) => allowed = &allowed[i + 1..],
            None => return Err(format!("unexpected pseudo-attribute {name:?}")),
        }
        // Past `= 'value'` or `= "value"`.
        let after = rest[end..].trim_start_matches([' ', '\t', '\n', '\r']);
        let after = after
            .strip_prefix('=')
            .ok_or("a pseudo-attribute without a value")?
            .trim_start_matches([' ', '\t', '\n', '\r']);
        let quote = match after.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err("a pseudo-attribute value without quotes".to_owned()),
        };
        let value = &after[1..];
        rest = &value[value
            .find(quote)
            .ok_or("an unclosed pseudo-attribute value")?
            + 1..];
    }
}

/// A pseudo-attribute (`version`, `encoding`) of the XML declaration, if the document starts
/// with one that has it.
fn pseudo_attribute<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let decl = text.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    // The name as a whole word: after whitespace, before whitespace or `=` (not `ingencoding`,
    // found by prime_xml_differential).
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let at = decl.match_indices(name).map(|(at, _)| at).find(|&at| {
        decl[..at].ends_with(is_ws)
            && decl[at + name.len()..].starts_with(|c: char| c == '=' || is_ws(c))
    })?;
    let rest = &decl[at + name.len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    let rest = rest.get(1..)?;
    Some(&rest[..rest.find(quote)?])
}
