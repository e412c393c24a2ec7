//! The instruction-count regression gate: compares a run's counts with a committed baseline.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A committed baseline: the counts, and what they were measured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// `rustc --version` of the toolchain that produced the counts.
    pub rustc: String,
    /// A hash of `Cargo.lock`, so that a dependency change re-baselines instead of failing.
    pub lock_hash: String,
    /// Instructions per benchmark name.
    pub counts: BTreeMap<String, u64>,
}

/// What a comparison decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No benchmark regressed by more than the threshold.
    Pass,
    /// These benchmarks regressed (name, baseline, now).
    Regressed(Vec<(String, u64, u64)>),
    /// The toolchain or lock file differs from the baseline's: the counts are not comparable,
    /// and the run becomes the new baseline.
    Rebaseline(String),
}

/// The largest increase accepted, in percent.
pub const THRESHOLD_PERCENT: f64 = 3.0;

/// Compares `now` (counts of this run, measured with `rustc` and `lock_hash`) against
/// `baseline`, and writes a report of every change to `report`.
pub fn compare(
    baseline: &Baseline,
    rustc: &str,
    lock_hash: &str,
    now: &BTreeMap<String, u64>,
    report: &mut String,
) -> Verdict {
    if baseline.rustc != rustc {
        return Verdict::Rebaseline(format!(
            "the toolchain changed ({} -> {rustc})",
            baseline.rustc
        ));
    }
    if baseline.lock_hash != lock_hash {
        return Verdict::Rebaseline("Cargo.lock changed".to_owned());
    }
    let mut regressed = Vec::new();
    for (name, &count) in now {
        let Some(&old) = baseline.counts.get(name) else {
            let _ = writeln!(report, "new       {name}: {count} instructions");
            continue;
        };
        let change = (count as f64 - old as f64) / old.max(1) as f64 * 100.0;
        let line = format!("{name}: {old} -> {count} instructions ({change:+.2}%)");
        if change > THRESHOLD_PERCENT {
            let _ = writeln!(report, "REGRESSED {line}");
            regressed.push((name.clone(), old, count));
        } else if change < -THRESHOLD_PERCENT {
            let _ = writeln!(report, "improved  {line}");
        } else {
            let _ = writeln!(report, "same      {line}");
        }
    }
    for name in baseline.counts.keys().filter(|n| !now.contains_key(*n)) {
        let _ = writeln!(report, "gone      {name}");
    }
    if regressed.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Regressed(regressed)
    }
}

/// Reads the instruction counts out of gungraun's terminal output: a benchmark's header line
/// (`instructions::decoders::prime_xml_decode records_100:setup(...)`) followed by an
/// `Instructions:` line.
pub fn parse_gungraun_output(text: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if !line.starts_with(' ') && trimmed.contains("::") {
            // `file::group::function id:args`: keep `function id`.
            let name = trimmed.split("::").last().unwrap_or(trimmed);
            let name = name.split(':').next().unwrap_or(name).trim();
            current = Some(name.to_owned());
        } else if let Some(rest) = trimmed.strip_prefix("Instructions:") {
            let count = rest
                .trim()
                .split(['|', ' '])
                .next()
                .and_then(|n| n.parse().ok());
            if let (Some(name), Some(count)) = (current.take(), count) {
                counts.insert(name, count);
            }
        }
    }
    counts
}

/// The baseline file's format: `rustc`, `lock_hash`, then `name count` lines.
pub fn write_baseline(b: &Baseline) -> String {
    let mut out = format!("rustc: {}\nlock_hash: {}\n", b.rustc, b.lock_hash);
    for (name, count) in &b.counts {
        let _ = writeln!(out, "{name} = {count}");
    }
    out
}

/// Reads a baseline written by [`write_baseline`].
pub fn read_baseline(text: &str) -> Option<Baseline> {
    let mut lines = text.lines();
    let rustc = lines.next()?.strip_prefix("rustc: ")?.to_owned();
    let lock_hash = lines.next()?.strip_prefix("lock_hash: ")?.to_owned();
    let mut counts = BTreeMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let (name, count) = line.rsplit_once(" = ")?;
        counts.insert(name.to_owned(), count.trim().parse().ok()?);
    }
    Some(Baseline {
        rustc,
        lock_hash,
        counts,
    })
}

/// A stable 64-bit FNV-1a hash, in hex, to fingerprint `Cargo.lock`.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> Baseline {
        let mut counts = BTreeMap::new();
        counts.insert("prime_xml_decode records_100".to_owned(), 1_000_000);
        counts.insert("a360_decode document".to_owned(), 20_000);
        Baseline {
            rustc: "rustc 1.95.0".into(),
            lock_hash: "abc".into(),
            counts,
        }
    }

    #[test]
    fn a_run_4_percent_over_a_doctored_baseline_fails_and_names_the_benchmark() {
        let b = baseline();
        let mut now = b.counts.clone();
        now.insert("prime_xml_decode records_100".to_owned(), 1_040_000);
        let mut report = String::new();
        let verdict = compare(&b, "rustc 1.95.0", "abc", &now, &mut report);
        assert_eq!(
            verdict,
            Verdict::Regressed(vec![(
                "prime_xml_decode records_100".into(),
                1_000_000,
                1_040_000
            )])
        );
        assert!(
            report.contains("REGRESSED prime_xml_decode records_100: 1000000 -> 1040000"),
            "{report}"
        );
    }

    #[test]
    fn small_changes_pass_and_improvements_are_reported() {
        let b = baseline();
        let mut now = b.counts.clone();
        now.insert("prime_xml_decode records_100".to_owned(), 1_029_000);
        now.insert("a360_decode document".to_owned(), 15_000);
        let mut report = String::new();
        assert_eq!(
            compare(&b, "rustc 1.95.0", "abc", &now, &mut report),
            Verdict::Pass
        );
        assert!(
            report.contains("improved  a360_decode document"),
            "{report}"
        );
    }

    #[test]
    fn another_toolchain_or_lock_file_rebaselines() {
        let b = baseline();
        let mut report = String::new();
        let v = compare(&b, "rustc 1.96.0", "abc", &b.counts, &mut report);
        assert!(
            matches!(v, Verdict::Rebaseline(ref why) if why.contains("toolchain")),
            "{v:?}"
        );
        let v = compare(&b, "rustc 1.95.0", "def", &b.counts, &mut report);
        assert!(
            matches!(v, Verdict::Rebaseline(ref why) if why.contains("Cargo.lock")),
            "{v:?}"
        );
    }

    #[test]
    fn the_baseline_file_round_trips_and_gungraun_output_parses() {
        let b = baseline();
        assert_eq!(read_baseline(&write_baseline(&b)), Some(b));
        let output = "instructions::decoders::prime_xml_decode records_100:setup(xml, 100)\n  \
                      Instructions:                     1234567|N/A             (*********)\n  \
                      L1 Hits:  9|N/A\n\
                      instructions::decoders::a360_decode document:setup(a360_document, 1)\n  \
                      Instructions:                        4321|4300            (+0.5%)\n";
        let counts = parse_gungraun_output(output);
        assert_eq!(counts.get("prime_xml_decode records_100"), Some(&1_234_567));
        assert_eq!(counts.get("a360_decode document"), Some(&4321));
    }
}
