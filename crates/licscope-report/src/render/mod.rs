//! The output formats: JSON, NDJSON, table, Prometheus text, Nagios plugin output.
//!
//! Records arrive one at a time. `json` and `ndjson` write each at once; `table`,
//! `prometheus` and the Nagios output keep a compact row per record (or, for Nagios, counts
//! and the few worst records) and write at the end. The records of an input that fails are
//! dropped from the kept rows; the ones `json` and `ndjson` wrote stay written.

use std::io::{self, Write};

use licscope_normalize::{LicenseRecord, Policy};
use serde::Serialize;

mod batch;
mod decoded;
mod json;
mod nagios;
mod prometheus;
mod table;

pub use batch::{BatchInput, Rendered, parse_batch, render_batch};
pub use decoded::decoded_entry;
pub use json::Ndjson;
pub use nagios::{NAGIOS_MAX_OUTPUT, Nagios};
pub use prometheus::Prometheus;
pub use table::Table;

/// The output format of `normalize` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
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

/// A renderer of one format: records go in one at a time, input by input; what a format keeps
/// to the end (the table's order, Prometheus' families, Nagios' worst records) is written by
/// [`finish`](Renderer::finish).
///
/// ```
/// use licscope_normalize::{Policy, SourceHint, normalize};
/// use licscope_report::{Format, Renderer};
///
/// let policy = Policy::new(licscope_syntax::parse_rfc3339("2026-11-23T00:00:00Z")?);
/// let body = b"<mgmtResponse><licenseInfoDTO><name>Assurance</name><status>LICENSED</status>\
///              <daysToExpire>3</daysToExpire></licenseInfoDTO></mgmtResponse>";
/// let mut renderer = Renderer::new(Format::Table, &policy);
/// let mut out = Vec::new();
/// for record in normalize(body, SourceHint::Auto, Some("prime-east"), &policy)? {
///     renderer.record(&mut out, &record).map_err(|r| format!("{r:?}"))?;
/// }
/// renderer.end_input(None);
/// renderer.finish(&mut out)?;
/// let table = String::from_utf8(out)?;
/// assert!(table.lines().nth(1).is_some_and(|l| l.starts_with("critical  expiring  3")), "{table}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Renderer {
    /// `json`.
    Json(JsonArray),
    /// `ndjson`: each record is serialized into a buffer, then written in one piece.
    Ndjson(Ndjson),
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
            Format::Ndjson => Renderer::Ndjson(Ndjson::default()),
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
            Renderer::Ndjson(n) => n.line(out, r)?,
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

    /// Notes that part of the current input is missing (its product list: `why` holds the
    /// whole line's text, the input's name first); call before [`end_input`](Renderer::end_input).
    /// The Nagios output says so in its long output, without changing its state; the other
    /// formats hold records only.
    pub fn missing_part(&mut self, why: &str) {
        if let Renderer::Nagios(n) = self {
            n.missing_part(why);
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
pub(crate) struct Strings {
    pub(crate) arena: String,
    pub(crate) origins: Vec<String>,
}

impl Strings {
    /// The index of the origin label `origin` (the last one is tried first: an input's records
    /// share theirs).
    pub(crate) fn origin(&mut self, origin: Option<&str>) -> u32 {
        let origin = origin.unwrap_or("");
        if let Some(last) = self.origins.iter().rposition(|o| o == origin) {
            // Origins are few (about one per input): a scan is cheaper than a map.
            return last as u32;
        }
        self.origins.push(origin.to_owned());
        (self.origins.len() - 1) as u32
    }

    pub(crate) fn push(&mut self, text: &str) -> (usize, u32) {
        let start = self.arena.len();
        self.arena.push_str(text);
        (start, text.len() as u32)
    }

    pub(crate) fn get(&self, (start, len): (usize, u32)) -> &str {
        self.arena.get(start..start + len as usize).unwrap_or("")
    }
}

/// Absent numbers in rows: `i64::MIN` (no record holds it: days and counts come from 32-bit
/// vendor integers or from dates within years 0000 to 9999).
pub(crate) const NONE: i64 = i64::MIN;
