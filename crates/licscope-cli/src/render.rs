//! The output formats: JSON, NDJSON, table, Prometheus text, Nagios plugin output.
//!
//! Records arrive one at a time. `json` and `ndjson` write each at once; `table`,
//! `prometheus` and the Nagios output keep a compact row per record (or, for Nagios, counts
//! and the few worst records) and write at the end. The records of an input that fails are
//! dropped from the kept rows; the ones `json` and `ndjson` wrote stay written.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::io::{self, Write};

use hashbrown::HashTable;
use licscope::normalize::{LicenseRecord, Policy, Severity, Source, Status};
use serde::Serialize;

use crate::escape;

/// The output format of `normalize` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON array of all records.
    Json,
    /// One JSON record per line.
    Ndjson,
    /// Aligned columns for people, worst first.
    Table,
    /// Prometheus text exposition format.
    Prometheus,
    /// Nagios plugin output (`check`).
    Nagios,
}

/// Why a record was not taken.
#[derive(Debug)]
pub enum Refusal {
    /// Writing failed.
    Write(io::Error),
    /// The record makes its input fail (two Prometheus series with the same labels): the
    /// message of the input's error line.
    Input(String),
}

impl From<io::Error> for Refusal {
    fn from(e: io::Error) -> Refusal {
        Refusal::Write(e)
    }
}

/// A renderer of one format.
#[derive(Debug)]
pub enum Renderer {
    /// `json`.
    Json(JsonArray),
    /// `ndjson`: each record is serialized into the buffer, then written in one piece.
    Ndjson(Vec<u8>),
    /// `table`.
    Table(Table),
    /// `prometheus`.
    Prometheus(Prometheus),
    /// Nagios plugin output.
    Nagios(Nagios),
}

impl Renderer {
    /// A renderer for `format`; `policy` gives the Nagios thresholds.
    pub fn new(format: Format, policy: &Policy) -> Renderer {
        match format {
            Format::Json => Renderer::Json(JsonArray::default()),
            Format::Ndjson => Renderer::Ndjson(Vec::new()),
            Format::Table => Renderer::Table(Table::default()),
            Format::Prometheus => Renderer::Prometheus(Prometheus::default()),
            Format::Nagios => Renderer::Nagios(Nagios::new(policy)),
        }
    }

    /// Whether records are written as they arrive (and stay written if their input fails).
    pub fn streams(&self) -> bool {
        matches!(self, Renderer::Json(_) | Renderer::Ndjson(_))
    }

    /// Takes one record of the current input.
    ///
    /// # Errors
    ///
    /// A write error, or a refusal that makes the input fail.
    pub fn record(&mut self, out: &mut dyn Write, r: &LicenseRecord) -> Result<(), Refusal> {
        match self {
            Renderer::Json(array) => array.item(out, r)?,
            Renderer::Ndjson(scratch) => {
                scratch.clear();
                serde_json::to_writer(&mut *scratch, r).map_err(io::Error::from)?;
                scratch.push(b'\n');
                out.write_all(scratch)?;
            }
            Renderer::Table(t) => t.push(r),
            Renderer::Prometheus(p) => p.push(r)?,
            Renderer::Nagios(n) => n.push(r),
        }
        Ok(())
    }

    /// Ends the current input: its records are kept, or dropped when it failed (`failure`
    /// holds the error line's text without the program prefix).
    pub fn end_input(&mut self, failure: Option<&str>) {
        match self {
            Renderer::Json(_) | Renderer::Ndjson(_) => {}
            Renderer::Table(t) => t.end_input(failure.is_none()),
            Renderer::Prometheus(p) => p.end_input(failure.is_none()),
            Renderer::Nagios(n) => n.end_input(failure),
        }
    }

    /// Writes what was kept.
    ///
    /// # Errors
    ///
    /// A write error.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Renderer::Json(array) => array.close(out),
            Renderer::Ndjson(_) => Ok(()),
            Renderer::Table(t) => t.write(out),
            Renderer::Prometheus(p) => p.write(out),
            Renderer::Nagios(n) => out.write_all(n.render().0.as_bytes()),
        }
    }

    /// The exit status the output stands for: the Nagios state, else 0.
    pub fn nagios_code(&self) -> u8 {
        match self {
            Renderer::Nagios(n) => n.render().1,
            _ => 0,
        }
    }
}

/// A JSON array written one element at a time, pretty-printed as `serde_json` prints a whole
/// array (`[]` when empty).
#[derive(Debug, Default)]
pub struct JsonArray {
    open: bool,
    scratch: Vec<u8>,
    indented: Vec<u8>,
}

impl JsonArray {
    /// Writes one element.
    ///
    /// # Errors
    ///
    /// A write or serialization error.
    pub fn item(&mut self, out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
        self.scratch.clear();
        serde_json::to_writer_pretty(&mut self.scratch, value)?;
        self.indented.clear();
        self.indented
            .extend_from_slice(if self.open { b",\n  " } else { b"[\n  " });
        self.open = true;
        // JSON strings hold no raw newline: every newline is pretty-printing, to indent.
        for (i, line) in self.scratch.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.indented.extend_from_slice(b"\n  ");
            }
            self.indented.extend_from_slice(line);
        }
        out.write_all(&self.indented)
    }

    /// Closes the array.
    ///
    /// # Errors
    ///
    /// A write error.
    pub fn close(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.open { b"\n]\n" } else { b"[]\n" })
    }
}

/// Text kept for rows: the rows' strings, one after another, and the origins, each once.
#[derive(Debug, Default)]
struct Strings {
    arena: String,
    origins: Vec<String>,
}

impl Strings {
    /// The index of the origin label `origin` (the last one is tried first: an input's records
    /// share theirs).
    fn origin(&mut self, origin: Option<&str>) -> u32 {
        let origin = origin.unwrap_or("");
        if let Some(last) = self.origins.iter().rposition(|o| o == origin) {
            // Origins are few (about one per input): a scan is cheaper than a map.
            return last as u32;
        }
        self.origins.push(origin.to_owned());
        (self.origins.len() - 1) as u32
    }

    fn push(&mut self, text: &str) -> (usize, u32) {
        let start = self.arena.len();
        self.arena.push_str(text);
        (start, text.len() as u32)
    }

    fn get(&self, (start, len): (usize, u32)) -> &str {
        self.arena.get(start..start + len as usize).unwrap_or("")
    }
}

/// Absent numbers in rows: `i64::MIN` (no record holds it: days and counts come from 32-bit
/// vendor integers or from dates within years 0000 to 9999).
const NONE: i64 = i64::MIN;

/// `table`: aligned columns, worst first (then soonest expiry, then input order).
#[derive(Debug, Default)]
pub struct Table {
    strings: Strings,
    rows: Vec<TableRow>,
    /// Where the current input's rows and text start.
    input_start: (usize, usize),
}

#[derive(Debug)]
struct TableRow {
    feature: (usize, u32),
    flags: (usize, u32),
    origin: u32,
    days: i64,
    used: i64,
    limit: i64,
    severity: Severity,
    status: Status,
    source: Source,
}

const TABLE_HEADER: [&str; 8] = [
    "SEVERITY", "STATUS", "DAYS", "SOURCE", "ORIGIN", "FEATURE", "USAGE", "FLAGS",
];

impl Table {
    fn push(&mut self, r: &LicenseRecord) {
        let origin = self.strings.origin(r.origin.as_deref());
        let feature = self.strings.push(r.feature.as_deref().unwrap_or("-"));
        let flags = if r.flags.is_empty() {
            self.strings.push("-")
        } else {
            let start = self.strings.arena.len();
            for (i, f) in r.flags.iter().enumerate() {
                if i > 0 {
                    self.strings.arena.push(',');
                }
                self.strings.arena.push_str(f.as_str());
            }
            (start, (self.strings.arena.len() - start) as u32)
        };
        let usage = r.usage;
        self.rows.push(TableRow {
            feature,
            flags,
            origin,
            days: r.days_to_expiry.unwrap_or(NONE),
            used: usage.and_then(|u| u.used).unwrap_or(NONE),
            limit: usage.and_then(|u| u.limit).unwrap_or(NONE),
            severity: r.severity,
            status: r.status,
            source: r.source,
        });
        if usage.is_none() {
            // No usage at all prints `-`, unlike missing counts (`?`): mark it in `used`.
            if let Some(row) = self.rows.last_mut() {
                row.used = NONE + 1;
            }
        }
    }

    fn end_input(&mut self, ok: bool) {
        if !ok {
            self.rows.truncate(self.input_start.0);
            self.strings.arena.truncate(self.input_start.1);
        }
        self.input_start = (self.rows.len(), self.strings.arena.len());
    }

    fn cells(&self, row: &TableRow) -> [String; 8] {
        let number = |v: i64| {
            if v == NONE {
                "?".to_owned()
            } else {
                v.to_string()
            }
        };
        let origin = self
            .strings
            .origins
            .get(row.origin as usize)
            .map_or("", String::as_str);
        [
            row.severity.as_str().to_owned(),
            row.status.as_str().to_owned(),
            if row.days == NONE {
                "-".to_owned()
            } else {
                row.days.to_string()
            },
            row.source.as_str().to_owned(),
            if origin.is_empty() {
                "-".to_owned()
            } else {
                escape::text(origin)
            },
            escape::text(self.strings.get(row.feature)),
            if row.used == NONE + 1 {
                "-".to_owned()
            } else {
                format!("{}/{}", number(row.used), number(row.limit))
            },
            self.strings.get(row.flags).to_owned(),
        ]
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        // `order` holds the indexes of `rows`, so indexing with them cannot fail.
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        order.sort_unstable_by_key(|&i| {
            let r = &self.rows[i as usize];
            let days = if r.days == NONE { i64::MAX } else { r.days };
            (Reverse(r.severity.rank()), days, i)
        });
        let mut widths = TABLE_HEADER.map(|h| h.chars().count());
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(self.cells(row)) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut line = String::new();
        let mut write_line = |cells: &[&str], out: &mut dyn Write| {
            line.clear();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i + 1 == cells.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<w$}  ");
                }
            }
            let trimmed = line.trim_end();
            out.write_all(trimmed.as_bytes())?;
            out.write_all(b"\n")
        };
        write_line(&TABLE_HEADER, out)?;
        for i in order {
            let cells = self.cells(&self.rows[i as usize]);
            write_line(&cells.each_ref().map(String::as_str), out)?;
        }
        Ok(())
    }
}

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
    used: f64,
    remaining: f64,
}

impl Prometheus {
    fn push(&mut self, r: &LicenseRecord) -> Result<(), Refusal> {
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
            used: nan(r.usage.and_then(|u| u.used)),
            remaining: nan(r.usage.and_then(|u| u.remaining)),
        });
        let (rows, strings, hasher) = (&self.rows, &self.strings, &self.hasher);
        self.series.insert_unique(hash, index, |&i| {
            let row = &rows[i as usize];
            hasher.hash_one((row.source.as_str(), row.origin, strings.get(row.feature)))
        });
        Ok(())
    }

    fn end_input(&mut self, ok: bool) {
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

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        type Value = fn(&PromRow) -> f64;
        let families: [(&str, &str, Value); 4] = [
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
                "Devices counted against the license.",
                |r| r.used,
            ),
            (
                "licscope_license_devices_remaining",
                "Devices that may still be added within the license.",
                |r| r.remaining,
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

/// The most bytes of Nagios output: Nagios keeps 8 KiB of a plugin's output by default.
pub const NAGIOS_MAX_OUTPUT: usize = 8000;

/// How many of the worst records the Nagios output keeps: more could not fit in
/// [`NAGIOS_MAX_OUTPUT`] (a perfdata entry takes 20 bytes or more).
const NAGIOS_KEPT: usize = 512;

/// The Nagios plugin output: counts for every record, and the worst records in detail.
#[derive(Debug)]
pub struct Nagios {
    warn_days: i64,
    crit_days: i64,
    /// Records by severity, indexed by the Nagios code; the current input's apart.
    counts: [usize; 4],
    input_counts: [usize; 4],
    /// The worst records kept, and the current input's.
    worst: BinaryHeap<Candidate>,
    input_worst: BinaryHeap<Candidate>,
    /// Records seen, for their input order.
    seen: u64,
    failures: Vec<String>,
    failures_total: usize,
    /// Whether ok records get a long-output line too (`-v`).
    every: bool,
}

/// One record as the Nagios output shows it. Ordered worst first: higher severity rank, then
/// fewer days left, then input order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    key: (Reverse<u8>, i64, u64),
    severity_code: u8,
    /// The perfdata entry.
    perf: String,
    /// `FEATURE DESCRIPTION`, for the status line.
    summary: String,
    /// The long-output line, for records that are not ok.
    detail: String,
}

impl Nagios {
    fn new(policy: &Policy) -> Nagios {
        Nagios {
            warn_days: policy.warn_days(),
            crit_days: policy.crit_days(),
            counts: [0; 4],
            input_counts: [0; 4],
            worst: BinaryHeap::new(),
            input_worst: BinaryHeap::new(),
            seen: 0,
            failures: Vec::new(),
            failures_total: 0,
            every: false,
        }
    }

    /// Gives ok records a long-output line too (`check -v`), within the size cap.
    pub fn show_every_record(&mut self) {
        self.every = true;
    }

    fn push(&mut self, r: &LicenseRecord) {
        let code = r.severity.nagios_code();
        self.input_counts[usize::from(code)] += 1;
        let key = (
            Reverse(r.severity.rank()),
            r.days_to_expiry.unwrap_or(i64::MAX),
            self.seen,
        );
        self.seen += 1;
        if self.input_worst.len() >= NAGIOS_KEPT
            && self
                .input_worst
                .peek()
                .is_some_and(|least| key >= least.key)
        {
            return;
        }
        self.input_worst
            .push(candidate(r, key, self.warn_days, self.crit_days));
        if self.input_worst.len() > NAGIOS_KEPT {
            self.input_worst.pop();
        }
    }

    fn end_input(&mut self, failure: Option<&str>) {
        let pending = std::mem::take(&mut self.input_worst);
        let counts = std::mem::take(&mut self.input_counts);
        if let Some(failure) = failure {
            self.failures_total += 1;
            // The failures shown are bounded by the output's size; these are enough.
            if self.failures.len() < 64 {
                let mut line = "UNKNOWN: ".to_owned();
                escape::push_nagios(&mut line, failure);
                escape::truncate(&mut line, 400);
                self.failures.push(line);
            }
            return;
        }
        for (total, n) in self.counts.iter_mut().zip(counts) {
            *total += n;
        }
        for c in pending {
            self.worst.push(c);
            if self.worst.len() > NAGIOS_KEPT {
                self.worst.pop();
            }
        }
    }

    /// The output and the exit code.
    fn render(&self) -> (String, u8) {
        let [ok, warning, critical, unknown] = self.counts;
        let records = ok + warning + critical + unknown;
        let state = if critical > 0 {
            Severity::Critical
        } else if warning > 0 {
            Severity::Warning
        } else if unknown > 0 || self.failures_total > 0 || records == 0 {
            Severity::Unknown
        } else {
            Severity::Ok
        };
        let mut candidates: Vec<&Candidate> = self.worst.iter().collect();
        candidates.sort();
        let mut summary = if records == 0 {
            "no license records".to_owned()
        } else {
            format!("{critical} critical, {warning} warning, {unknown} unknown, {ok} ok")
        };
        if self.failures_total > 0 {
            let n = self.failures_total;
            let _ = write!(
                summary,
                "; {n} input{} failed",
                if n == 1 { "" } else { "s" }
            );
        }
        let not_ok: Vec<&&Candidate> = candidates.iter().filter(|c| c.severity_code != 0).collect();
        if !not_ok.is_empty() {
            let shown: Vec<&str> = not_ok.iter().take(3).map(|c| c.summary.as_str()).collect();
            let _ = write!(summary, ": {}", shown.join(", "));
            let more = records - ok - shown.len();
            if more > 0 {
                let _ = write!(summary, ", and {more} more");
            }
        }
        let head = format!("LICENSES {} - {summary}", state_name(state));

        // What fits: the head, the failures (up to a quarter of the room), then records worst
        // first, each with its perfdata entry and, when not ok, its line; room is kept for the
        // last line that counts what was left out.
        const LAST_LINE_ROOM: usize = 120;
        let mut used = head.len() + 1 + LAST_LINE_ROOM;
        let mut failures = 0;
        for line in &self.failures {
            if failures > 0 && used + line.len() + 1 > NAGIOS_MAX_OUTPUT / 4 + head.len() {
                break;
            }
            used += line.len() + 1;
            failures += 1;
        }
        let mut chosen: Vec<&Candidate> = Vec::new();
        for c in &candidates {
            let mut cost = c.perf.len() + if chosen.is_empty() { 3 } else { 1 };
            if c.severity_code != 0 || self.every {
                cost += c.detail.len() + 1;
            }
            if used + cost > NAGIOS_MAX_OUTPUT {
                break;
            }
            used += cost;
            chosen.push(c);
        }
        let mut out = head;
        if !chosen.is_empty() {
            let mut by_input: Vec<&&Candidate> = chosen.iter().collect();
            by_input.sort_by_key(|c| c.key.2);
            out.push_str(" |");
            for c in by_input {
                out.push(' ');
                out.push_str(&c.perf);
            }
        }
        out.push('\n');
        for c in chosen.iter().filter(|c| c.severity_code != 0 || self.every) {
            out.push_str(&c.detail);
            out.push('\n');
        }
        for line in &self.failures[..failures] {
            out.push_str(line);
            out.push('\n');
        }
        let records_left = records - chosen.len();
        let failures_left = self.failures_total - failures;
        if records_left > 0 || failures_left > 0 {
            let _ = writeln!(
                out,
                "{records_left} more record{} and {failures_left} more failed input{} not shown \
                 (the output stays under 8 KiB)",
                if records_left == 1 { "" } else { "s" },
                if failures_left == 1 { "" } else { "s" },
            );
        }
        (out, state.nagios_code())
    }
}

/// The longest feature or origin shown in Nagios output, in bytes before escaping.
const NAGIOS_FIELD: usize = 120;

fn candidate(r: &LicenseRecord, key: (Reverse<u8>, i64, u64), warn: i64, crit: i64) -> Candidate {
    let cut = |s: Option<&str>| {
        let mut s = s.unwrap_or("").to_owned();
        escape::truncate(&mut s, NAGIOS_FIELD);
        s
    };
    let (origin, feature) = (cut(r.origin.as_deref()), cut(r.feature.as_deref()));
    let what = describe(r);
    let mut perf = "'".to_owned();
    escape::push_label(
        &mut perf,
        &format!("{}:{origin}:{feature}", r.source.as_str()),
    );
    // A feature never licensed has no expiry to graph, whatever days Prime reports for it.
    let value = match r.days_to_expiry {
        Some(d) if r.status != Status::Unlicensed => d.to_string(),
        _ => "U".to_owned(),
    };
    let _ = write!(perf, "'={value};@~:{warn};@~:{crit}");
    let mut summary = String::new();
    escape::push_nagios(
        &mut summary,
        if r.feature.is_some() {
            &feature
        } else {
            "(unnamed)"
        },
    );
    let _ = write!(summary, " {what}");
    let mut detail = format!("{}: {} ", state_name(r.severity), r.source.as_str());
    escape::push_nagios(&mut detail, &origin);
    detail.push(' ');
    escape::push_nagios(&mut detail, &feature);
    let _ = write!(detail, ": {what}");
    Candidate {
        key,
        severity_code: r.severity.nagios_code(),
        perf,
        summary,
        detail,
    }
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

/// One input of a batch: its records, and the message it fails with, if it fails.
pub type BatchInput = (Vec<LicenseRecord>, Option<String>);

/// Reads a batch in the renderers' corpus format (`fuzz/corpus-render/`): one normalized record
/// per line as `licscope normalize --format ndjson` writes it, inputs separated by blank lines,
/// and a line `!"MESSAGE"` (a JSON string) making its input fail with that message after its
/// records. `None` when a line is neither.
pub fn parse_batch(text: &str) -> Option<Vec<BatchInput>> {
    let mut batch = vec![(Vec::new(), None)];
    for line in text.split('\n') {
        let current = batch.last_mut()?;
        if line.is_empty() {
            if !current.0.is_empty() || current.1.is_some() {
                batch.push((Vec::new(), None));
            }
        } else if let Some(message) = line.strip_prefix('!') {
            current.1 = Some(serde_json::from_str(message).ok()?);
        } else {
            current.0.push(serde_json::from_str(line).ok()?);
        }
    }
    Some(batch)
}

/// What rendering a batch gave.
#[derive(Debug)]
pub struct Rendered {
    /// The output.
    pub output: Vec<u8>,
    /// The exit status of `check` (Nagios), else 0.
    pub nagios_code: u8,
    /// Records taken, in all inputs.
    pub taken: usize,
    /// Records taken in inputs that did not fail.
    pub kept: usize,
    /// Inputs that failed (their own failure, or a refused record).
    pub failed: usize,
}

/// Renders a batch in `format` as the command would, input by input.
pub fn render_batch(batch: &[BatchInput], format: Format, policy: &Policy) -> Rendered {
    let mut renderer = Renderer::new(format, policy);
    let mut output = Vec::new();
    let (mut taken, mut kept, mut failed) = (0, 0, 0);
    for (records, failure) in batch {
        let mut mine = 0;
        let mut refusal = None;
        for r in records {
            match renderer.record(&mut output, r) {
                Ok(()) => mine += 1,
                Err(Refusal::Input(message)) => {
                    refusal = Some(message);
                    break;
                }
                Err(Refusal::Write(e)) => {
                    refusal = Some(e.to_string());
                    break;
                }
            }
        }
        taken += mine;
        match refusal.as_deref().or(failure.as_deref()) {
            Some(message) => {
                failed += 1;
                renderer.end_input(Some(message));
            }
            None => {
                kept += mine;
                renderer.end_input(None);
            }
        }
    }
    let _ = renderer.finish(&mut output);
    Rendered {
        output,
        nagios_code: renderer.nagios_code(),
        taken,
        kept,
        failed,
    }
}
