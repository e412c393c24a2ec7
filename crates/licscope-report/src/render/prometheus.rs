//! `prometheus`: the text exposition format, for node_exporter's textfile collector and the
//! exporter's probes.

use std::hash::BuildHasher;
use std::io::{self, Write};

use hashbrown::HashTable;
use licscope_a360::UsageItem;
use licscope_normalize::{LicenseRecord, Severity, Source, Status, VendorRecord};

use super::{Refusal, Strings};

/// `prometheus`: the metric families of the README, for node_exporter's textfile collector.
#[derive(Debug, Default)]
pub struct Prometheus {
    strings: Strings,
    rows: Vec<PromRow>,
    /// The rows by label set, to refuse a second series with the same labels.
    series: HashTable<u32>,
    hasher: std::hash::RandomState,
    input_start: (usize, usize),
    inputs_failed: usize,
}

#[derive(Debug)]
struct PromRow {
    feature: (usize, u32),
    origin: u32,
    source: Source,
    status: Status,
    severity: Severity,
    expiration: f64,
    time_to_expiry: f64,
    /// What `used`, `remaining` and `limit` count, and so which families they go to.
    counted: Counted,
    used: f64,
    remaining: f64,
    limit: f64,
}

/// What a record's usage counts: its families' names give the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counted {
    /// No usage (Automation 360 license details).
    Nothing,
    /// Cisco Prime devices: `licscope_license_devices_*`.
    Devices,
    /// Automation 360 seats of a feature: `licscope_license_seats_*`.
    Seats,
    /// An Automation 360 metric, with its unit (in `strings`): `licscope_license_metered_*`.
    Metered((usize, u32)),
}

impl PromRow {
    /// `value` if the row counts `what`, else none (NaN: no sample).
    fn of(&self, what: Counted, value: f64) -> f64 {
        if self.counted == what {
            value
        } else {
            f64::NAN
        }
    }

    /// `value` if the row is a metric.
    fn metered(&self, value: f64) -> f64 {
        if matches!(self.counted, Counted::Metered(_)) {
            value
        } else {
            f64::NAN
        }
    }
}

impl Prometheus {
    pub(crate) fn push(&mut self, r: &LicenseRecord) -> Result<(), Refusal> {
        let origin = self.strings.origin(r.origin.as_deref());
        let feature = r.feature.as_deref().unwrap_or("");
        let hash = self.hasher.hash_one((r.source.as_str(), origin, feature));
        // The table holds indexes of `rows` only: a failed input's entries leave it before its
        // rows are truncated (`end_input`), so indexing with them cannot fail.
        let (rows, strings) = (&self.rows, &self.strings);
        let same = |&i: &u32| {
            let row = &rows[i as usize];
            row.source == r.source && row.origin == origin && strings.get(row.feature) == feature
        };
        if self.series.find(hash, same).is_some() {
            return Err(Refusal::Input(format!(
                "duplicate series source={:?} origin={:?} feature={feature:?}: an earlier record \
                 has the same labels",
                r.source.as_str(),
                r.origin.as_deref().unwrap_or("")
            )));
        }
        let index = self.rows.len() as u32;
        let feature = self.strings.push(feature);
        let nan = |v: Option<i64>| v.map_or(f64::NAN, |v| v as f64);
        let counted = match &r.vendor {
            VendorRecord::CiscoPrime(_) => Counted::Devices,
            VendorRecord::Automation360Usage(u) => match &u.item {
                UsageItem::Feature(_) => Counted::Seats,
                UsageItem::Metric(m) => {
                    Counted::Metered(self.strings.push(m.unit.as_deref().unwrap_or("")))
                }
            },
            _ => Counted::Nothing,
        };
        // A feature that was never licensed has no expiry: Prime's `daysToExpire` of 0 there
        // would make it look like one that expires now.
        let expires = r.status != Status::Unlicensed;
        self.rows.push(PromRow {
            feature,
            origin,
            source: r.source,
            status: r.status,
            severity: r.severity,
            expiration: match r.expires_at {
                Some(e) if expires => e.unix_timestamp() as f64 + f64::from(e.nanosecond()) / 1e9,
                _ => f64::NAN,
            },
            time_to_expiry: match r.expires_at {
                _ if !expires => f64::NAN,
                Some(e) => (e - r.as_of).as_seconds_f64(),
                None => nan(r.days_to_expiry) * 86_400.0,
            },
            counted,
            used: nan(r.usage.and_then(|u| u.used)),
            remaining: nan(r.usage.and_then(|u| u.remaining)),
            limit: nan(r.usage.and_then(|u| u.limit)),
        });
        let (rows, strings, hasher) = (&self.rows, &self.strings, &self.hasher);
        self.series.insert_unique(hash, index, |&i| {
            let row = &rows[i as usize];
            hasher.hash_one((row.source.as_str(), row.origin, strings.get(row.feature)))
        });
        Ok(())
    }

    pub(crate) fn end_input(&mut self, ok: bool) {
        if !ok {
            self.inputs_failed += 1;
            for i in self.input_start.0..self.rows.len() {
                let row = &self.rows[i];
                let hash = self.hasher.hash_one((
                    row.source.as_str(),
                    row.origin,
                    self.strings.get(row.feature),
                ));
                if let Ok(entry) = self.series.find_entry(hash, |&j| j as usize == i) {
                    entry.remove();
                }
            }
            self.rows.truncate(self.input_start.0);
            self.strings.arena.truncate(self.input_start.1);
        }
        self.input_start = (self.rows.len(), self.strings.arena.len());
    }

    /// Writes `source="..",origin="..",feature=".."` for `row` into `out` (cleared first).
    fn labels(&self, row: &PromRow, out: &mut String) {
        let origin = self
            .strings
            .origins
            .get(row.origin as usize)
            .map_or("", String::as_str);
        out.clear();
        out.push_str("source=\"");
        out.push_str(row.source.as_str());
        out.push_str("\",origin=\"");
        push_label_value(out, origin);
        out.push_str("\",feature=\"");
        push_label_value(out, self.strings.get(row.feature));
        out.push('"');
    }

    pub(crate) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        type Value = fn(&PromRow) -> f64;
        let families: [(&str, &str, Value); 11] = [
            (
                "licscope_license_expiration_timestamp_seconds",
                "When the license expires, as a Unix timestamp in seconds.",
                |r| r.expiration,
            ),
            (
                "licscope_license_time_to_expiry_seconds",
                "Seconds from evaluation to expiry; negative once expired.",
                |r| r.time_to_expiry,
            ),
            (
                "licscope_license_devices_used",
                "Cisco Prime: devices counted against the license.",
                |r| r.of(Counted::Devices, r.used),
            ),
            (
                "licscope_license_devices_remaining",
                "Cisco Prime: devices that may still be added within the license.",
                |r| r.of(Counted::Devices, r.remaining),
            ),
            (
                "licscope_license_devices_limit",
                "Cisco Prime: the devices the license allows (used plus remaining).",
                |r| r.of(Counted::Devices, r.limit),
            ),
            (
                "licscope_license_seats_used",
                "Automation 360: seats of the feature assigned, on every Control Room sharing \
                 the license.",
                |r| r.of(Counted::Seats, r.used),
            ),
            (
                "licscope_license_seats_remaining",
                "Automation 360: seats of the feature purchased and not assigned; negative \
                 beyond the purchase.",
                |r| r.of(Counted::Seats, r.remaining),
            ),
            (
                "licscope_license_seats_purchased",
                "Automation 360: seats of the feature purchased (the limit).",
                |r| r.of(Counted::Seats, r.limit),
            ),
            (
                "licscope_license_metered_used",
                "Automation 360: units of the metric used by this Control Room.",
                |r| r.metered(r.used),
            ),
            (
                "licscope_license_metered_remaining",
                "Automation 360: units of the metric purchased and not used.",
                |r| r.metered(r.remaining),
            ),
            (
                "licscope_license_metered_purchased",
                "Automation 360: units of the metric purchased (the limit).",
                |r| r.metered(r.limit),
            ),
        ];
        let mut labels = String::new();
        for (name, help, value) in families {
            writeln!(out, "# HELP {name} {help}")?;
            writeln!(out, "# TYPE {name} gauge")?;
            for row in &self.rows {
                let v = value(row);
                if !v.is_nan() {
                    self.labels(row, &mut labels);
                    if let Counted::Metered(unit) = row.counted {
                        labels.push_str(",unit=\"");
                        push_label_value(&mut labels, self.strings.get(unit));
                        labels.push('"');
                    }
                    writeln!(out, "{name}{{{labels}}} {}", number(v))?;
                }
            }
        }
        let name = "licscope_license_status";
        writeln!(
            out,
            "# HELP {name} The license status, one-hot: 1 for the record's status, 0 for the \
             others."
        )?;
        writeln!(out, "# TYPE {name} gauge")?;
        for row in &self.rows {
            self.labels(row, &mut labels);
            for s in Status::ALL {
                writeln!(
                    out,
                    "{name}{{{labels},status=\"{}\"}} {}",
                    s.as_str(),
                    u8::from(s == row.status)
                )?;
            }
        }
        writeln!(
            out,
            "# HELP licscope_license_severity The license severity as a Nagios code: 0 ok, 1 \
             warning, 2 critical, 3 unknown."
        )?;
        writeln!(out, "# TYPE licscope_license_severity gauge")?;
        for row in &self.rows {
            self.labels(row, &mut labels);
            writeln!(
                out,
                "licscope_license_severity{{{labels}}} {}",
                row.severity.nagios_code()
            )?;
        }
        writeln!(
            out,
            "# HELP licscope_inputs_failed Inputs that could not be read or decoded."
        )?;
        writeln!(out, "# TYPE licscope_inputs_failed gauge")?;
        writeln!(out, "licscope_inputs_failed {}", self.inputs_failed)?;
        // When the output was made, so that an alert can tell a stale textfile.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        writeln!(
            out,
            "# HELP licscope_last_run_timestamp_seconds When licscope made this output, as a \
             Unix timestamp in seconds."
        )?;
        writeln!(out, "# TYPE licscope_last_run_timestamp_seconds gauge")?;
        writeln!(out, "licscope_last_run_timestamp_seconds {}", number(now))?;
        writeln!(
            out,
            "# HELP licscope_build_info The licscope version that made this output."
        )?;
        writeln!(out, "# TYPE licscope_build_info gauge")?;
        writeln!(
            out,
            "licscope_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// Appends a label value as the Prometheus text format escapes it: `\`, `"` and newline.
fn push_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
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
