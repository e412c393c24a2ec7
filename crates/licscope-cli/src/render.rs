//! The output formats: JSON, NDJSON, table, Prometheus text, Nagios plugin output.

use std::fmt::Write as _;

use licscope::normalize::{LicenseRecord, Policy, Severity, Status};

/// One JSON array of all records (`[]` when none), pretty-printed.
pub(crate) fn json(records: &[LicenseRecord]) -> String {
    let mut out = serde_json::to_string_pretty(records).unwrap_or_else(|_| "[]".to_owned());
    out.push('\n');
    out
}

/// One JSON record per line.
pub(crate) fn ndjson(records: &[LicenseRecord]) -> String {
    let mut out = String::new();
    for r in records {
        // Records hold only strings, numbers and well-formed timestamps: serialization cannot
        // fail; a failure would drop the line rather than corrupt the stream.
        if let Ok(line) = serde_json::to_string(r) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Aligned columns for people, worst first (then soonest expiry, then input order).
pub(crate) fn table(records: &[LicenseRecord]) -> String {
    let mut sorted: Vec<&LicenseRecord> = records.iter().collect();
    sorted.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.severity.rank()),
            r.days_to_expiry.unwrap_or(i64::MAX),
        )
    });
    let header = [
        "SEVERITY", "STATUS", "DAYS", "SOURCE", "ORIGIN", "FEATURE", "USAGE", "FLAGS",
    ];
    let rows: Vec<[String; 8]> = sorted
        .iter()
        .map(|r| {
            [
                r.severity.as_str().to_owned(),
                r.status.as_str().to_owned(),
                r.days_to_expiry
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                r.source.as_str().to_owned(),
                r.origin.clone().unwrap_or_else(|| "-".to_owned()),
                r.feature.clone().unwrap_or_else(|| "-".to_owned()),
                r.usage.map_or_else(
                    || "-".to_owned(),
                    |u| {
                        let n =
                            |v: Option<i64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
                        format!("{}/{}", n(u.used), n(u.limit))
                    },
                ),
                if r.flags.is_empty() {
                    "-".to_owned()
                } else {
                    r.flags
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                },
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    out
}

/// The Prometheus text exposition format, one metric family after another.
pub(crate) fn prometheus(records: &[LicenseRecord], inputs_failed: usize) -> String {
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: &mut dyn Iterator<Item = (String, f64)>| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{{{labels}}} {}", number(value));
        }
    };
    family(
        "licscope_license_expiration_timestamp_seconds",
        "When the license expires, as a Unix timestamp in seconds.",
        &mut records.iter().filter_map(|r| {
            let e = r.expires_at?;
            Some((
                labels(r),
                e.unix_timestamp() as f64 + f64::from(e.nanosecond()) / 1e9,
            ))
        }),
    );
    family(
        "licscope_license_time_to_expiry_seconds",
        "Seconds from evaluation to expiry; negative once expired.",
        &mut records.iter().filter_map(|r| {
            let seconds = match r.expires_at {
                Some(e) => (e - r.as_of).as_seconds_f64(),
                None => r.days_to_expiry? as f64 * 86_400.0,
            };
            Some((labels(r), seconds))
        }),
    );
    family(
        "licscope_license_devices_used",
        "Devices counted against the license.",
        &mut records
            .iter()
            .filter_map(|r| Some((labels(r), r.usage?.used? as f64))),
    );
    family(
        "licscope_license_devices_remaining",
        "Devices that may still be added within the license.",
        &mut records
            .iter()
            .filter_map(|r| Some((labels(r), r.usage?.remaining? as f64))),
    );
    family(
        "licscope_license_status",
        "The license status, one-hot: 1 for the record's status, 0 for the others.",
        &mut records.iter().flat_map(|r| {
            let base = labels(r);
            Status::ALL.into_iter().map(move |s| {
                (
                    format!("{base},status=\"{}\"", s.as_str()),
                    f64::from(u8::from(s == r.status)),
                )
            })
        }),
    );
    family(
        "licscope_license_severity",
        "The license severity as a Nagios code: 0 ok, 1 warning, 2 critical, 3 unknown.",
        &mut records
            .iter()
            .map(|r| (labels(r), f64::from(r.severity.nagios_code()))),
    );
    let _ = writeln!(
        out,
        "# HELP licscope_inputs_failed Inputs that could not be read or decoded."
    );
    let _ = writeln!(out, "# TYPE licscope_inputs_failed gauge");
    let _ = writeln!(out, "licscope_inputs_failed {inputs_failed}");
    out
}

/// The label set that identifies a record's series.
pub(crate) fn series_key(r: &LicenseRecord) -> (String, String, String) {
    (
        r.source.as_str().to_owned(),
        r.origin.clone().unwrap_or_default(),
        r.feature.clone().unwrap_or_default(),
    )
}

fn labels(r: &LicenseRecord) -> String {
    let (source, origin, feature) = series_key(r);
    format!(
        "source=\"{}\",origin=\"{}\",feature=\"{}\"",
        escape_label(&source),
        escape_label(&origin),
        escape_label(&feature)
    )
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as Prometheus (and Go's `ParseFloat`) reads it.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

/// The Nagios plugin output and its exit code.
pub(crate) fn nagios(
    records: &[LicenseRecord],
    failures: &[String],
    policy: &Policy,
) -> (String, u8) {
    let count = |s: Severity| records.iter().filter(|r| r.severity == s).count();
    let mut state = records
        .iter()
        .map(|r| r.severity)
        .fold(Severity::Ok, Severity::worst);
    if !failures.is_empty() || records.is_empty() {
        state = state.worst(Severity::Unknown);
    }
    let mut summary = if records.is_empty() {
        "no license records".to_owned()
    } else {
        format!(
            "{} critical, {} warning, {} unknown, {} ok",
            count(Severity::Critical),
            count(Severity::Warning),
            count(Severity::Unknown),
            count(Severity::Ok)
        )
    };
    if !failures.is_empty() {
        let n = failures.len();
        let _ = write!(
            summary,
            "; {n} input{} failed",
            if n == 1 { "" } else { "s" }
        );
    }
    let mut worst: Vec<&LicenseRecord> = records
        .iter()
        .filter(|r| r.severity != Severity::Ok)
        .collect();
    worst.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.severity.rank()),
            r.days_to_expiry.unwrap_or(i64::MAX),
        )
    });
    if !worst.is_empty() {
        let shown: Vec<String> = worst
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "{} {}",
                    r.feature.as_deref().unwrap_or("(unnamed)"),
                    describe(r)
                )
            })
            .collect();
        let _ = write!(summary, ": {}", shown.join(", "));
        if worst.len() > 3 {
            let _ = write!(summary, ", and {} more", worst.len() - 3);
        }
    }
    let perfdata: Vec<String> = records
        .iter()
        .map(|r| {
            let (source, origin, feature) = series_key(r);
            let label = format!("{source}:{origin}:{feature}").replace('\'', "''");
            let value = r
                .days_to_expiry
                .map_or_else(|| "U".to_owned(), |d| d.to_string());
            format!(
                "'{label}'={value};@~:{};@~:{}",
                policy.warn_days(),
                policy.crit_days()
            )
        })
        .collect();
    let mut out = format!("LICENSES {} - {summary}", state_name(state));
    if !perfdata.is_empty() {
        let _ = write!(out, " | {}", perfdata.join(" "));
    }
    out.push('\n');
    for r in &worst {
        let (source, origin, feature) = series_key(r);
        let _ = writeln!(
            out,
            "{}: {source} {origin} {feature}: {}",
            state_name(r.severity),
            describe(r)
        );
    }
    for detail in failures {
        let _ = writeln!(out, "UNKNOWN: {detail}");
    }
    (out, state.nagios_code())
}

fn state_name(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "OK",
        Severity::Warning => "WARNING",
        Severity::Critical => "CRITICAL",
        _ => "UNKNOWN",
    }
}

/// A few words on why a record is not ok, with the days left where known, and its flags.
fn describe(r: &LicenseRecord) -> String {
    let what = match (r.status, r.days_to_expiry) {
        (Status::Expired, Some(d)) if d < 0 => format!("expired {} days ago", -d),
        (Status::Expired, _) => "expired".to_owned(),
        (Status::Expiring, Some(1)) => "expires in 1 day".to_owned(),
        (Status::Expiring, Some(d)) => format!("expires in {d} days"),
        (Status::Unlicensed, _) => "not licensed".to_owned(),
        (Status::OverLimit, _) => match r.usage {
            Some(u) => format!(
                "over its device limit ({} used, {} remaining)",
                u.used.map_or_else(|| "?".to_owned(), |v| v.to_string()),
                u.remaining
                    .map_or_else(|| "?".to_owned(), |v| v.to_string())
            ),
            None => "over its device limit".to_owned(),
        },
        (Status::Degraded, _) => "in fail-safe mode (license server unreachable)".to_owned(),
        (Status::Suspended, _) => "suspended (fail-safe expired)".to_owned(),
        (Status::Unknown, _) => "status unknown".to_owned(),
        (status, days) => match days {
            Some(d) => format!("{}, {d} days left", status.as_str()),
            None => status.as_str().to_owned(),
        },
    };
    if r.flags.is_empty() {
        what
    } else {
        let flags: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
        format!("{what} [{}]", flags.join(", "))
    }
}
