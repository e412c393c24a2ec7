//! `table`: aligned columns for people, worst first.

use std::cmp::Reverse;
use std::fmt::Write as _;
use std::io::{self, Write};

use licscope_normalize::{LicenseRecord, Severity, Source, Status};

use super::{NONE, Strings};
use crate::escape;

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
    pub(crate) fn push(&mut self, r: &LicenseRecord) {
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

    pub(crate) fn end_input(&mut self, ok: bool) {
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

    pub(crate) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
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
