//! Renderers: any batch of records (names, origins, flags, numbers and failure messages as
//! the fuzzer makes them) rendered in every format keeps that format's grammar: JSON that
//! parses with one element per record, NDJSON with one line per record, a table with one row
//! per kept record, Prometheus text that parses with one severity sample per kept record, and
//! Nagios output with one status line, perfdata that parses (days entries, and usage entries
//! with their thresholds and limit), no `|` in long output, and no more than 8 KiB. Input: the corpus format of `licscope_report::render::parse_batch`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_normalize::Policy;
use licscope_report::render::{Format, NAGIOS_MAX_OUTPUT, parse_batch, render_batch};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(batch) = parse_batch(text) else {
        return;
    };
    let as_of = licscope_syntax::parse_rfc3339("2026-11-23T12:00:00Z").expect("an instant");
    let policy = Policy::new(as_of);
    let failed_inputs = batch.iter().filter(|(_, f)| f.is_some()).count();

    let json = render_batch(&batch, Format::Json, &policy);
    let parsed: Vec<Value> = serde_json::from_slice(&json.output).expect("json output parses");
    assert_eq!(parsed.len(), json.taken);

    let ndjson = render_batch(&batch, Format::Ndjson, &policy);
    let text = std::str::from_utf8(&ndjson.output).expect("UTF-8");
    assert_eq!(text.lines().count(), ndjson.taken);
    for line in text.lines() {
        serde_json::from_str::<Value>(line).expect("each ndjson line parses");
    }
    // One answer: the renderer's own writer and serde_json write every record alike (when
    // every record was taken, the lines are the records in order).
    let mut lines = text.lines();
    let all: usize = batch.iter().map(|(records, _)| records.len()).sum();
    for (records, _) in batch.iter().filter(|_| ndjson.taken == all) {
        for r in records {
            match lines.next() {
                Some(line) => assert_eq!(line, serde_json::to_string(r).expect("serializes")),
                None => break,
            }
        }
    }

    let table = render_batch(&batch, Format::Table, &policy);
    let text = std::str::from_utf8(&table.output).expect("UTF-8");
    assert_eq!(text.lines().count(), 1 + table.kept, "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );

    let prom = render_batch(&batch, Format::Prometheus, &policy);
    let text = std::str::from_utf8(&prom.output).expect("UTF-8");
    let severities = check_prometheus(text);
    assert_eq!(severities, prom.kept, "{text}");
    assert!(
        text.contains(&format!("\nlicscope_inputs_failed {}\n", prom.failed)),
        "{text}"
    );
    assert!(prom.failed >= failed_inputs);

    let nagios = render_batch(&batch, Format::Nagios, &policy);
    let text = std::str::from_utf8(&nagios.output).expect("UTF-8");
    check_nagios(text, nagios.kept);
    assert!(nagios.nagios_code <= 3);
});

/// Parses Prometheus text exposition lines; returns the number of severity samples.
fn check_prometheus(text: &str) -> usize {
    assert!(text.ends_with('\n'));
    let mut severities = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            let kind = words.next().unwrap_or("");
            assert!(kind == "HELP" || kind == "TYPE", "{line}");
            assert!(metric_name(words.next().unwrap_or("")), "{line}");
            continue;
        }
        let brace = line.find('{').unwrap_or(line.len());
        let name = &line[..brace.min(line.find(' ').unwrap_or(line.len()))];
        assert!(metric_name(name), "{line}");
        let mut rest = &line[name.len()..];
        if let Some(labels) = rest.strip_prefix('{') {
            rest = parse_labels(labels).unwrap_or_else(|| panic!("bad labels: {line:?}"));
        }
        let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("{line:?}"));
        assert!(
            matches!(value, "NaN" | "+Inf" | "-Inf") || value.parse::<f64>().is_ok(),
            "{line:?}"
        );
        if name == "licscope_license_severity" {
            severities += 1;
        }
    }
    severities
}

fn metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses `name="value",...}`; returns what follows the closing brace.
fn parse_labels(mut s: &str) -> Option<&str> {
    loop {
        let eq = s.find('=')?;
        let name = &s[..eq];
        let mut chars = name.chars();
        if !chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        s = s[eq + 1..].strip_prefix('"')?;
        let mut escaped = false;
        let mut end = None;
        for (i, c) in s.char_indices() {
            match (escaped, c) {
                (true, '\\' | '"' | 'n') => escaped = false,
                (true, _) => return None,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                (false, '\n') => return None,
                _ => {}
            }
        }
        s = &s[end? + 1..];
        if let Some(rest) = s.strip_prefix('}') {
            return Some(rest);
        }
        s = s.strip_prefix(',')?;
    }
}

/// Checks the Nagios output's structure and that its perfdata parses.
fn check_nagios(text: &str, kept: usize) {
    assert!(
        text.len() < 8192 && text.len() <= NAGIOS_MAX_OUTPUT,
        "{} bytes",
        text.len()
    );
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let first = lines[0];
    assert!(first.starts_with("LICENSES "), "{first}");
    for line in &lines[1..] {
        assert!(
            !line.contains('|') && !line.starts_with("LICENSES "),
            "{line}"
        );
    }
    let mut entries = 0;
    if let Some((_, perfdata)) = first.split_once(" | ") {
        assert!(!perfdata.contains('|'), "{perfdata}");
        let mut s = perfdata;
        // The label of the last days entry, for the usage entry of the same record.
        let mut previous: Option<String> = None;
        while !s.is_empty() {
            s = s
                .strip_prefix('\'')
                .unwrap_or_else(|| panic!("unquoted label: {s}"));
            // The label: `''` is a quote, a lone `'` ends it.
            let mut end = None;
            let bytes = s.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            let end = end.unwrap_or_else(|| panic!("unterminated label: {s}"));
            let label = &s[..end];
            assert!(!label.contains('='), "{label}");
            s = s[end + 1..].strip_prefix('=').expect("=");
            let value_end = s.find(' ').unwrap_or(s.len());
            let mut parts = s[..value_end].split(';');
            let value = parts.next().unwrap_or("");
            assert!(value == "U" || value.parse::<i64>().is_ok(), "{value}");
            let thresholds: Vec<&str> = parts.collect();
            // Days entries always carry their two `@~:` ranges; a feature may itself end in
            // " used", so the thresholds, not the label, tell the kinds apart.
            let days = thresholds.first().is_some_and(|t| t.starts_with("@~:"));
            match label.strip_suffix(" used").filter(|_| !days) {
                // A usage entry: USED;@WARN:;CRIT;0;LIMIT (shares of the limit, at most two
                // decimals), or the value alone when there is no limit to draw.
                Some(record) => {
                    if !thresholds.is_empty() {
                        assert_eq!(thresholds.len(), 4, "{label}: {thresholds:?}");
                        let warn = thresholds[0]
                            .strip_prefix('@')
                            .and_then(|t| t.strip_suffix(':'))
                            .expect("@WARN:");
                        assert!(warn.parse::<f64>().is_ok(), "{warn}");
                        assert!(thresholds[1].parse::<f64>().is_ok(), "{}", thresholds[1]);
                        assert_eq!(thresholds[2], "0");
                        assert!(
                            thresholds[3].parse::<i64>().is_ok_and(|l| l > 0),
                            "{}",
                            thresholds[3]
                        );
                    }
                    // A record's usage follows its days entry; a seat has the usage alone.
                    if previous.as_deref() != Some(record) {
                        entries += 1;
                    }
                    previous = None;
                }
                None => {
                    for threshold in &thresholds {
                        let n = threshold.strip_prefix("@~:").expect("a range");
                        assert!(n.parse::<i64>().is_ok(), "{threshold}");
                    }
                    entries += 1;
                    previous = Some(label.to_owned());
                }
            }
            s = s[value_end..].strip_prefix(' ').unwrap_or("");
        }
    }
    // Every kept record is in the perfdata or counted on the last line.
    let left: usize = lines
        .last()
        .and_then(|l| l.split_once(" more record"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0);
    assert_eq!(entries + left, kept, "{text}");
}
