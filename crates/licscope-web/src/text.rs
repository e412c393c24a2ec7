//! Text in and out of the web layer: query parameters, the landing page's escapes, and log
//! lines in logfmt.

use std::fmt::Write as _;

/// One logfmt line, as Prometheus and its exporters log (go-kit's logfmt): `ts=... level=...
/// msg=... key=value...`, the time in RFC 3339 UTC, every value through
/// [`logfmt`] so that no value can start another line or forge a field.
pub fn log_line(level: &str, msg: &str, fields: &[(&str, String)]) -> String {
    let mut ts = String::new();
    let _ = licscope_syntax::format_rfc3339(time::OffsetDateTime::now_utc(), &mut ts);
    let mut line = format!("ts={ts} level={level} msg={}", logfmt(msg));
    for (key, value) in fields {
        let _ = write!(line, " {key}={}", logfmt(value));
    }
    line
}

/// A logfmt value: bare when it is one plain word, else quoted with `\` and `"` escaped and
/// control characters written as Rust escapes them (so a value cannot start another line).
pub fn logfmt(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '=' && c != '\\');
    if plain {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A query parameter's value, percent-decoded (`+` is a space).
pub fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == key).then(|| percent_decode(v))
    })
}

/// `text` with its `%XX` escapes decoded and `+` as a space, as HTML forms and query strings
/// encode; a `%` not followed by two hex digits stays, bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            // Two hex digits make at most 255.
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with every byte but the URL-safe ASCII letters, digits and `-_.~` as `%XX`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `text` with the HTML special characters (`&<>"'`) as character references.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An exporter's landing page, as exporter-toolkit's: its name, links to its own metrics, health
/// and readiness, and to the probe of each target (`probe?target=NAME`), every name escaped.
pub fn landing_page(title: &str, targets: &[String]) -> String {
    let title = html(title);
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>\n\
         <h1>{title}</h1>\n<ul>\n<li><a href=\"metrics\">Metrics</a> (the exporter's own)</li>\n\
         <li><a href=\"-/healthy\">Health</a>, <a href=\"-/ready\">readiness</a></li>\n</ul>\n\
         <h2>Targets</h2>\n<ul>\n"
    );
    for name in targets {
        let _ = writeln!(
            page,
            "<li><a href=\"probe?target={}\">{}</a></li>",
            html(&percent_encode(name)),
            html(name)
        );
    }
    page.push_str("</ul>\n</body></html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::{logfmt, percent_decode, percent_encode, query_param};

    #[test]
    fn query_parameters_are_percent_decoded() {
        assert_eq!(
            query_param("target=prime-east", "target").as_deref(),
            Some("prime-east")
        );
        assert_eq!(
            query_param("module=x&target=a%20b%2Bc+d", "target").as_deref(),
            Some("a b+c d")
        );
        assert_eq!(query_param("targets=x", "target"), None);
        assert_eq!(query_param("target", "target").as_deref(), Some(""));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(percent_decode(&percent_encode("a b/ü&=")), "a b/ü&=");
    }

    #[test]
    fn every_character_stays_inside_one_logfmt_value_and_survives_the_query_round_trip() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let value = format!("a{c}=b");
            let logged = logfmt(&value);
            assert!(
                !logged.chars().any(char::is_control),
                "{value:?} logged as {logged:?}"
            );
            // Quoted, and no quote inside ends the value early.
            let inner = logged
                .strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{value:?} logged unquoted as {logged:?}"));
            let mut escaped = false;
            for d in inner.chars() {
                assert!(escaped || d != '"', "{value:?} logged as {logged:?}");
                escaped = !escaped && d == '\\';
            }
            assert!(!escaped, "{value:?} logged as {logged:?}");
            assert_eq!(percent_decode(&percent_encode(&value)), value);
        }
    }

    #[test]
    fn logfmt_values_cannot_start_a_line() {
        assert_eq!(logfmt("prime-east"), "prime-east");
        assert_eq!(logfmt("two words"), "\"two words\"");
        assert_eq!(logfmt("a=b"), "\"a=b\"");
        assert_eq!(logfmt(""), "\"\"");
        assert_eq!(
            logfmt("x\nlevel=error \"y\" \\"),
            "\"x\\nlevel=error \\\"y\\\" \\\\\""
        );
    }
}
