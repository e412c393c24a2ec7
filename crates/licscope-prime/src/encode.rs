//! Encoders that write a model back as Prime writes it, in XML and in JSON.

use std::fmt::Write as _;

use licscope_syntax::{Error, ErrorKind};

use crate::model::{ErrorDocument, MgmtResponse, Record, Scalar};

/// Writes `response` as a Prime-style XML document.
///
/// Missing fields are left out; text and attribute values are escaped so that any name
/// (`<`, `&`, quotes, `]]>`, carriage returns, tabs) decodes back unchanged.
///
/// # Errors
///
/// [`ErrorKind::InvalidValue`] when a value holds a character that XML 1.0 cannot carry at
/// all (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF).
pub fn to_xml<'a, T: Record<'a>>(response: &MgmtResponse<T>) -> Result<String, Error> {
    let mut out = String::with_capacity(128 + response.records.len() * 200);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mgmtResponse");
    for (name, value) in [
        ("responseType", &response.response_type),
        ("requestUrl", &response.request_url),
        ("rootUrl", &response.root_url),
    ] {
        if let Some(value) = value {
            write_attribute(&mut out, name, value)
                .map_err(|e| e.with_path(|| format!("mgmtResponse.@{name}")))?;
        }
    }
    out.push_str(">\n");
    for (i, record) in response.records.iter().enumerate() {
        write_xml_record(&mut out, record, "  ")
            .map_err(|e| e.with_path(|| format!("mgmtResponse.{}[{i}]", T::NAME)))?;
    }
    out.push_str("</mgmtResponse>\n");
    Ok(out)
}

/// Writes `error` as Prime's XML `errorDocument`.
///
/// # Errors
///
/// As [`to_xml`].
pub fn error_to_xml(error: &ErrorDocument) -> Result<String, Error> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_xml_record(&mut out, error, "")?;
    Ok(out)
}

/// Writes `response` as Prime's JSON rendering: `{"mgmtResponse": {"@requestUrl": ...,
/// "licenseInfoDTO": [...]}}`, records always as an array.
pub fn to_json<'a, T: Record<'a>>(response: &MgmtResponse<T>) -> String {
    let mut out = String::with_capacity(64 + response.records.len() * 160);
    out.push_str("{\"mgmtResponse\":{");
    let mut comma = false;
    for (name, value) in [
        ("@requestUrl", &response.request_url),
        ("@responseType", &response.response_type),
        ("@rootUrl", &response.root_url),
    ] {
        if let Some(value) = value {
            if comma {
                out.push(',');
            }
            comma = true;
            write_json_string(&mut out, name);
            out.push(':');
            write_json_string(&mut out, value);
        }
    }
    if comma {
        out.push(',');
    }
    write_json_string(&mut out, T::NAME);
    out.push_str(":[");
    for (i, record) in response.records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_record(&mut out, record);
    }
    out.push_str("]}}");
    out
}

/// Writes `error` as Prime's JSON `{"errorDocument": {...}}`.
pub fn error_to_json(error: &ErrorDocument) -> String {
    let mut out = String::from("{\"errorDocument\":");
    write_json_record(&mut out, error);
    out.push('}');
    out
}

fn write_xml_record<'a, T: Record<'a>>(
    out: &mut String,
    record: &T,
    indent: &str,
) -> Result<(), Error> {
    let _ = writeln!(out, "{indent}<{}>", T::NAME);
    for (index, name) in T::FIELDS.iter().enumerate() {
        if let Some(value) = record.get(index) {
            let _ = write!(out, "{indent}  <{name}>");
            write_text(out, value.as_str()).map_err(|e| e.with_path(|| (*name).to_owned()))?;
            let _ = writeln!(out, "</{name}>");
        }
    }
    let _ = writeln!(out, "{indent}</{}>", T::NAME);
    Ok(())
}

fn write_json_record<'a, T: Record<'a>>(out: &mut String, record: &T) {
    out.push('{');
    let mut comma = false;
    for (index, name) in T::FIELDS.iter().enumerate() {
        if let Some(value) = record.get(index) {
            if comma {
                out.push(',');
            }
            comma = true;
            write_json_string(out, name);
            out.push(':');
            match value {
                Scalar::Number(n) => out.push_str(&n),
                Scalar::Text(t) => write_json_string(out, &t),
            }
        }
    }
    out.push('}');
}

/// Escapes element text. `>` is escaped too, so `]]>` can never appear; `\r` as a character
/// reference, so that end-of-line normalization keeps it.
fn write_text(out: &mut String, text: &str) -> Result<(), Error> {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => push_xml_char(out, c)?,
        }
    }
    Ok(())
}

fn write_attribute(out: &mut String, name: &str, value: &str) -> Result<(), Error> {
    let _ = write!(out, " {name}=\"");
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Attribute-value normalization turns these into spaces unless they are references.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => push_xml_char(out, c)?,
        }
    }
    out.push('"');
    Ok(())
}

fn push_xml_char(out: &mut String, c: char) -> Result<(), Error> {
    let allowed =
        matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if !allowed {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            format!("character U+{:04X} cannot be written in XML 1.0", c as u32),
        ));
    }
    out.push(c);
    Ok(())
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}
