//! The Nagios plugin output of `check`: a status line with perfdata, long output, under 8 KiB.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use licscope_a360::UsageItem;
use licscope_normalize::{Flag, LicenseRecord, Policy, Severity, Status, Usage, VendorRecord};

use crate::escape;

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
    /// The usage thresholds, in percent of the limit.
    usage: (u32, u32),
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
    /// Lines for inputs whose product list is missing (their records are counted).
    missing: Vec<String>,
    missing_total: usize,
    input_missing: Option<String>,
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
    pub(crate) fn new(policy: &Policy) -> Nagios {
        Nagios {
            warn_days: policy.warn_days(),
            crit_days: policy.crit_days(),
            usage: (policy.usage_warning(), policy.usage_critical()),
            counts: [0; 4],
            input_counts: [0; 4],
            worst: BinaryHeap::new(),
            input_worst: BinaryHeap::new(),
            seen: 0,
            failures: Vec::new(),
            failures_total: 0,
            missing: Vec::new(),
            missing_total: 0,
            input_missing: None,
            every: false,
        }
    }

    /// Gives ok records a long-output line too (`check -v`), within the size cap.
    pub fn show_every_record(&mut self) {
        self.every = true;
    }

    pub(crate) fn push(&mut self, r: &LicenseRecord) {
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
        self.input_worst.push(candidate(
            r,
            key,
            (self.warn_days, self.crit_days),
            self.usage,
        ));
        if self.input_worst.len() > NAGIOS_KEPT {
            self.input_worst.pop();
        }
    }

    pub(crate) fn missing_part(&mut self, why: &str) {
        let mut line = "MISSING: ".to_owned();
        escape::push_nagios(&mut line, why);
        escape::truncate(&mut line, 400);
        self.input_missing = Some(line);
    }

    pub(crate) fn end_input(&mut self, failure: Option<&str>) {
        let pending = std::mem::take(&mut self.input_worst);
        let counts = std::mem::take(&mut self.input_counts);
        let missing = self.input_missing.take();
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
        if let Some(line) = missing {
            self.missing_total += 1;
            if self.missing.len() < 64 {
                self.missing.push(line);
            }
        }
        for c in pending {
            self.worst.push(c);
            if self.worst.len() > NAGIOS_KEPT {
                self.worst.pop();
            }
        }
    }

    /// The output and the exit code.
    pub(crate) fn render(&self) -> (String, u8) {
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
        if self.missing_total > 0 {
            let n = self.missing_total;
            let _ = write!(
                summary,
                "; seats missing for {n} input{}",
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
        let mut missing = 0;
        for line in &self.missing {
            if missing > 0 && used + line.len() + 1 > NAGIOS_MAX_OUTPUT * 3 / 8 + head.len() {
                break;
            }
            used += line.len() + 1;
            missing += 1;
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
        for line in self.failures[..failures]
            .iter()
            .chain(&self.missing[..missing])
        {
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

fn candidate(
    r: &LicenseRecord,
    key: (Reverse<u8>, i64, u64),
    (warn, crit): (i64, i64),
    usage: (u32, u32),
) -> Candidate {
    let cut = |s: Option<&str>| {
        let mut s = s.unwrap_or("").to_owned();
        escape::truncate(&mut s, NAGIOS_FIELD);
        s
    };
    let (origin, feature) = (cut(r.origin.as_deref()), cut(r.feature.as_deref()));
    let what = describe(r);
    let label = format!("{}:{origin}:{feature}", r.source.as_str());
    let mut perf = String::new();
    // Seats and metrics have no expiry of their own: the details record graphs it.
    if !matches!(r.vendor, VendorRecord::Automation360Usage(_)) {
        perf.push('\'');
        escape::push_label(&mut perf, &label);
        // A feature never licensed has no expiry to graph, whatever days Prime reports for it.
        let value = match r.days_to_expiry {
            Some(d) if r.status != Status::Unlicensed => d.to_string(),
            _ => "U".to_owned(),
        };
        let _ = write!(perf, "'={value};@~:{warn};@~:{crit}");
    }
    match r.usage {
        Some(u) => usage_perf(&mut perf, &label, u, usage),
        // A seat's only entry is its usage: unknown when the record has none.
        None if perf.is_empty() => usage_perf(&mut perf, &label, Usage::default(), usage),
        None => {}
    }
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

/// The usage entry `'LABEL used'=USED;@WARN:;CRIT;0;LIMIT`: warning from the warning share of
/// the limit (`@x:` is "x or more"), critical above the critical share, the limit as max.
fn usage_perf(perf: &mut String, label: &str, u: Usage, (warn, crit): (u32, u32)) {
    if !perf.is_empty() {
        perf.push(' ');
    }
    perf.push('\'');
    escape::push_label(perf, &format!("{label} used"));
    perf.push_str("'=");
    match u.used {
        Some(used) => {
            let _ = write!(perf, "{used}");
        }
        None => perf.push('U'),
    }
    // Nothing of nothing is ok: a limit of none has no thresholds to draw.
    if let Some(limit) = u.limit.filter(|&l| l > 0) {
        let _ = write!(
            perf,
            ";@{}:;{};0;{limit}",
            share(limit, warn),
            share(limit, crit)
        );
    }
}

/// `percent` % of `limit`, exactly, in decimal (at most two places).
fn share(limit: i64, percent: u32) -> String {
    let hundredths = i128::from(limit) * i128::from(percent);
    let (whole, part) = (hundredths / 100, (hundredths % 100).abs());
    let sign = if hundredths < 0 && whole == 0 {
        "-"
    } else {
        ""
    };
    match part {
        0 => format!("{sign}{whole}"),
        p if p % 10 == 0 => format!("{sign}{whole}.{}", p / 10),
        p => format!("{sign}{whole}.{p:02}"),
    }
}

/// What a record's usage counts, for people.
fn unit(r: &LicenseRecord) -> &str {
    match &r.vendor {
        VendorRecord::Automation360Usage(u) => match &u.item {
            UsageItem::Feature(_) => "seats",
            UsageItem::Metric(m) => m.unit.as_deref().unwrap_or("units"),
        },
        _ => "devices",
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

/// `12 of 10 seats used`.
fn of_limit(u: Usage, unit: &str) -> String {
    let n = |v: Option<i64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
    format!("{} of {} {unit} used", n(u.used), n(u.limit))
}

/// A few words on why a record is not ok, with the days left where known, and its flags.
fn describe(r: &LicenseRecord) -> String {
    let what = match (r.status, r.days_to_expiry) {
        (Status::Expired, Some(d)) if d < 0 => format!("expired {} days ago", -d),
        (Status::Expired, _) => "expired".to_owned(),
        (Status::Expiring, Some(1)) => "expires in 1 day".to_owned(),
        (Status::Expiring, Some(d)) => format!("expires in {d} days"),
        (Status::Unlicensed, _) => "not licensed".to_owned(),
        (Status::OverLimit, _) => match (r.usage, &r.vendor) {
            (Some(u), VendorRecord::Automation360Usage(_)) => {
                format!("over its purchase ({})", of_limit(u, unit(r)))
            }
            (Some(u), _) => format!(
                "over its device limit ({} used, {} remaining)",
                u.used.map_or_else(|| "?".to_owned(), |v| v.to_string()),
                u.remaining
                    .map_or_else(|| "?".to_owned(), |v| v.to_string())
            ),
            (None, _) => "over its device limit".to_owned(),
        },
        (Status::Degraded, _) => "in fail-safe mode (license server unreachable)".to_owned(),
        (Status::Suspended, _) => "suspended (fail-safe expired)".to_owned(),
        (Status::Unknown, _) => "status unknown".to_owned(),
        (status, days) => match (days, r.usage) {
            (Some(d), Some(u))
                if r.flags
                    .iter()
                    .any(|f| matches!(f, Flag::HighUsage | Flag::AtCapacity)) =>
            {
                format!(
                    "{}, {d} days left, {}",
                    status.as_str(),
                    of_limit(u, unit(r))
                )
            }
            (Some(d), _) => format!("{}, {d} days left", status.as_str()),
            (None, Some(u)) if u.used.is_some() && u.limit.is_some() => {
                format!("{}, {}", status.as_str(), of_limit(u, unit(r)))
            }
            (None, _) => status.as_str().to_owned(),
        },
    };
    if r.flags.is_empty() {
        what
    } else {
        let flags: Vec<&str> = r.flags.iter().map(|f| f.as_str()).collect();
        format!("{what} [{}]", flags.join(", "))
    }
}
