//! The ratio table of `benches/RESULTS.md`: licscope and its peers timed interleaved in one
//! process, on the payloads servers send (the seed layout and its variants, documents of 1 to
//! 10,000 records, the stream through a real `BufReader`), each ratio from the same run.
//!
//! `cargo bench -p licscope-benches --bench ratios` measures and prints the markdown table;
//! with `-- --test` (as `.ci/run` runs every benchmark) or under `cargo test --benches` it
//! checks, once per input, that every peer read the same data as licscope, and times nothing.
//!
//! Timing: for every input, R rounds; in each round every function runs a batch of iterations
//! sized to about 2 ms, in turn, so that a slow period of the machine touches all of them alike;
//! the figure is the median of the rounds' per-iteration times.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "peers/mod.rs"]
mod peers;

use std::hint::black_box;
use std::io::BufReader;
use std::time::{Duration, Instant};

use licscope_benches::{
    Variant, a360_document, a360_document_with_unknown_keys, prime_json_variant, prime_xml_variant,
};
use licscope_prime::{LicenseInfo, XmlStream};
use peers::Sum;

const ROUNDS: usize = 21;
/// What a job returns when its library refuses the input (derive, for numbers sent as strings):
/// it is not timed, and the floor alone judges.
const REFUSED: u64 = u64::MAX;
const BATCH: Duration = Duration::from_millis(2);

type Job<'a> = (&'static str, Box<dyn Fn() -> u64 + 'a>);

/// Times `jobs` interleaved; returns the median nanoseconds per iteration of each (NaN for a
/// job that refuses the input).
fn measure(jobs: &[Job<'_>]) -> Vec<f64> {
    let refused: Vec<bool> = jobs.iter().map(|(_, f)| f() == REFUSED).collect();
    // Calibrate each job's batch to about BATCH.
    let batches: Vec<u32> = jobs
        .iter()
        .map(|(_, f)| {
            let start = Instant::now();
            let mut n = 0u32;
            while start.elapsed() < BATCH / 4 || n == 0 {
                black_box(f());
                n += 1;
            }
            (n * 4).max(1)
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(ROUNDS); jobs.len()];
    for _ in 0..ROUNDS {
        for (k, (_, f)) in jobs.iter().enumerate() {
            if refused[k] {
                samples[k].push(f64::NAN);
                continue;
            }
            let start = Instant::now();
            for _ in 0..batches[k] {
                black_box(f());
            }
            samples[k].push(start.elapsed().as_nanos() as f64 / f64::from(batches[k]));
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

fn h(sum: Sum) -> u64 {
    sum.records ^ (sum.ints as u64).rotate_left(17) ^ sum.text.rotate_left(41)
}

/// One row: the input, then each job's time and its ratio to the floor (the job named first
/// after licscope's ones is the floor).
struct Row {
    input: String,
    records: usize,
    bytes: usize,
    names: Vec<&'static str>,
    ns: Vec<f64>,
}

fn xml_jobs(input: &[u8]) -> Vec<Job<'_>> {
    let mut jobs: Vec<Job<'_>> = vec![
        (
            "licscope",
            Box::new(move || {
                h(peers::licscope_sum(
                    &licscope_prime::decode_xml(input).unwrap().records,
                ))
            }),
        ),
        (
            "floor: quick-xml events",
            Box::new(move || {
                black_box(peers::quick_xml_events(input));
                0
            }),
        ),
        (
            "quick-xml hand-written",
            Box::new(move || h(peers::handwritten_sum(&peers::quick_xml_handwritten(input)))),
        ),
        (
            "roxmltree",
            Box::new(move || h(peers::roxmltree_extract(input))),
        ),
        (
            "quick-xml serde",
            Box::new(move || h(peers::quick_xml_serde(input))),
        ),
        (
            "licscope reference (roxmltree, strict)",
            Box::new(
                move || match licscope_reference::decode_xml(input).unwrap() {
                    licscope_prime::Document::Response(r) => h(peers::licscope_sum(&r.records)),
                    _ => 0,
                },
            ),
        ),
    ];
    {
        for capacity in [8 << 10, 64 << 10] {
            let name = if capacity == 8 << 10 {
                "licscope stream, 8 KiB BufReader"
            } else {
                "licscope stream, 64 KiB BufReader"
            };
            jobs.push((
                name,
                Box::new(move || {
                    let reader = BufReader::with_capacity(capacity, input);
                    let mut sum = Sum::default();
                    for r in XmlStream::<_, LicenseInfo<'static>>::new(reader).unwrap() {
                        sum.add_info(&r.unwrap());
                    }
                    h(sum)
                }),
            ));
        }
    }
    jobs
}

fn json_jobs(input: &[u8]) -> Vec<Job<'_>> {
    vec![
        (
            "licscope",
            Box::new(move || {
                h(peers::licscope_sum(
                    &licscope_prime::decode_json(input).unwrap().records,
                ))
            }),
        ),
        (
            "floor: serde_json IgnoredAny",
            Box::new(move || {
                peers::serde_json_ignored_any(input);
                0
            }),
        ),
        (
            "serde derive (natural types)",
            Box::new(move || peers::serde_derive_plain(input).map_or(REFUSED, h)),
        ),
        (
            "serde derive (all Option)",
            Box::new(move || peers::serde_derive_options(input).map_or(REFUSED, h)),
        ),
        (
            "serde_json Value",
            Box::new(move || h(peers::serde_json_value(input))),
        ),
    ]
}

fn a360_jobs(input: &[u8]) -> Vec<Job<'_>> {
    vec![
        (
            "licscope",
            Box::new(move || {
                u64::from(
                    licscope_a360::decode(input)
                        .unwrap()
                        .expiration_date
                        .is_some(),
                )
            }),
        ),
        (
            "floor: serde_json IgnoredAny",
            Box::new(move || {
                serde_json::from_slice::<serde::de::IgnoredAny>(input).unwrap();
                0
            }),
        ),
        (
            "serde derive + time",
            Box::new(move || u64::from(peers::a360_derive(input).2.is_some())),
        ),
        (
            "serde_json Value + time",
            Box::new(move || u64::from(peers::a360_value(input).2.is_some())),
        ),
    ]
}

/// Checks that every peer read what licscope read (jobs that return 0 read nothing to compare:
/// the floors, and derive where it refuses the input).
fn check(label: &str, jobs: &[Job<'_>]) {
    let expected = (jobs[0].1)();
    for (name, f) in &jobs[1..] {
        let got = f();
        assert!(
            got == expected || got == 0 || got == REFUSED,
            "{label}: {name} read other data than licscope"
        );
    }
}

fn main() {
    // `cargo bench -- --test` (as `.ci/run` does) and `cargo test --benches` only check.
    let args: Vec<String> = std::env::args().collect();
    let measure_now = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
    let sizes = [1usize, 2, 10, 100, 10_000];
    let mut xml_rows = Vec::new();
    let mut json_rows = Vec::new();
    let mut a360_rows = Vec::new();
    let run = |rows: &mut Vec<Row>, label: String, n: usize, bytes: usize, jobs: Vec<Job<'_>>| {
        check(&label, &jobs);
        if measure_now {
            let ns = measure(&jobs);
            eprintln!("measured {label}");
            rows.push(Row {
                input: label,
                records: n,
                bytes,
                names: jobs.iter().map(|(name, _)| *name).collect(),
                ns,
            });
        }
    };
    for variant in Variant::XML {
        for n in sizes {
            let input = prime_xml_variant(variant, n).into_bytes();
            run(
                &mut xml_rows,
                format!("XML, {}", variant.name()),
                n,
                input.len(),
                xml_jobs(&input),
            );
        }
    }
    for variant in Variant::JSON {
        for n in sizes {
            let input = prime_json_variant(variant, n).into_bytes();
            run(
                &mut json_rows,
                format!("JSON, {}", variant.name()),
                n,
                input.len(),
                json_jobs(&input),
            );
        }
    }
    for unknown in [0, 1, 5] {
        let input = if unknown == 0 {
            a360_document(1)
        } else {
            a360_document_with_unknown_keys(1, unknown)
        }
        .into_bytes();
        let label = match unknown {
            0 => "Automation 360, seed layout".to_owned(),
            k => format!(
                "Automation 360, {k} unknown key{}",
                if k > 1 { "s" } else { "" }
            ),
        };
        run(&mut a360_rows, label, 1, input.len(), a360_jobs(&input));
    }
    if !measure_now {
        println!(
            "ratios: every peer read the same data as licscope (run with --bench to time them)"
        );
        return;
    }
    for rows in [&xml_rows, &json_rows, &a360_rows] {
        print_table(rows);
    }
}

/// A markdown table: licscope's time, then every job's time as a ratio to the floor (the second
/// job), and licscope's ratio to the fastest peer that extracts the records.
fn print_table(rows: &[Row]) {
    let Some(first) = rows.first() else { return };
    let mut header = String::from("| input | records | bytes | licscope | ");
    for name in &first.names[1..] {
        header.push_str(name);
        header.push_str(" | ");
    }
    println!("\n{header}licscope / floor | licscope / strongest peer |");
    println!("|{}", "---|".repeat(first.names.len() + 5));
    for row in rows {
        let floor = row.ns[1];
        let mut line = format!(
            "| {} | {} | {} | {} | ",
            row.input,
            row.records,
            row.bytes,
            time(row.ns[0])
        );
        for ns in &row.ns[1..] {
            if ns.is_nan() {
                line.push_str("refuses | ");
            } else {
                line.push_str(&format!("{} ({:.2}x) | ", time(*ns), ns / floor));
            }
        }
        // The strongest peer: the fastest job that is neither licscope's nor the floor.
        let (peer, peer_ns) = row
            .names
            .iter()
            .zip(&row.ns)
            .skip(2)
            .filter(|(name, ns)| !name.starts_with("licscope") && !ns.is_nan())
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(n, t)| (*n, *t))
            .unwrap_or(("-", f64::NAN));
        line.push_str(&format!(
            "{:.2}x | {:.2}x ({peer}) |",
            row.ns[0] / floor,
            row.ns[0] / peer_ns
        ));
        println!("{line}");
    }
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
