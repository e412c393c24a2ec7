//! How text from payloads, file names and arguments is written into line-based outputs.
//!
//! One way throughout: control characters (C0, DEL and C1, `U+0000`-`U+001F` and
//! `U+007F`-`U+009F`) are written as Rust's `char::escape_debug` writes them (`\n`, `\r`, `\t`,
//! `\0`, `\u{1b}`, `\u{85}`); the decoders' error messages do the same. Nagios output also
//! writes `|` as `\u{7c}` (Nagios reads what follows a `|` as perfdata), and perfdata labels
//! write `=` as `\u{3d}` and double `'`. Bytes of a file name that are not UTF-8 are written
//! as `\xHH`. Nothing else is changed, so ordinary text reads as it was.
//!
//! ```
//! use licscope_report::escape;
//!
//! assert_eq!(escape::text("prime\neast"), "prime\\neast");
//! let mut status = String::from("LICENSES OK - ");
//! escape::push_nagios(&mut status, "a | b");
//! assert_eq!(status, "LICENSES OK - a \\u{7c} b");
//! ```

use std::path::Path;

/// Appends `text` with its control characters escaped.
pub fn push_text(out: &mut String, text: &str) {
    push_with(out, text, |_| false);
}

/// `text` with its control characters escaped.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_text(&mut out, text);
    out
}

/// Appends `text` for Nagios plugin output: control characters and `|` escaped.
pub fn push_nagios(out: &mut String, text: &str) {
    push_with(out, text, |c| c == '|');
}

/// Appends `text` as (part of) a perfdata label, without the quotes around it: as
/// [`push_nagios`], with `=` escaped and `'` doubled, as the monitoring-plugins guidelines ask.
pub fn push_label(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '|' | '=' => out.extend(c.escape_unicode()),
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
}

/// A path as messages show it: control characters escaped, bytes that are not UTF-8 as `\xHH`.
pub fn path(path: &Path) -> String {
    let mut out = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        push_text(&mut out, chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Cuts `text` to at most `max` bytes on a character boundary, ending it with `…` when cut.
pub fn truncate(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
}

fn push_with(out: &mut String, text: &str, also: impl Fn(char) -> bool) {
    // Most text has nothing to escape: copy it whole.
    if !text.chars().any(|c| c.is_control() || also(c)) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else if also(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_pipes_and_label_syntax_are_escaped() {
        assert_eq!(
            text("a\nb\u{1b}[2J\u{7f}\u{85}é"),
            "a\\nb\\u{1b}[2J\\u{7f}\\u{85}é"
        );
        let mut s = String::new();
        push_nagios(&mut s, "x | y\r");
        assert_eq!(s, "x \\u{7c} y\\r");
        let mut s = String::new();
        push_label(&mut s, "it's a=b|c\n");
        assert_eq!(s, "it''s a\\u{3d}b\\u{7c}c\\n");
    }

    #[test]
    fn paths_show_bytes_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt as _;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"dir/a\xFFb\n.json"));
        assert_eq!(path(p), "dir/a\\xFFb\\n.json");
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        let mut s = "ééééé".to_owned();
        truncate(&mut s, 6);
        assert_eq!(s, "é…");
        let mut s = "short".to_owned();
        truncate(&mut s, 5);
        assert_eq!(s, "short");
    }
}
