//! Runs the `licscope` command on large and hostile inputs and checks its peak resident memory
//! (measured by GNU time's `%M`) and its outcome against the hardening targets: memory must not
//! grow with the input where the format does not keep records, and endless input must stop.
//!
//! Usage: `cli_memory [LICSCOPE] [XML_BYTES]` (defaults: `target/release/licscope`, 1 GiB).
//! Needs `/usr/bin/time` (Debian's `time` package). Inputs are generated on the fly into the
//! command's standard input, except the sparse file, made in a temporary folder.

use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use memchr::memmem;

/// Where an input comes from.
#[derive(Clone, Copy, Debug)]
enum Input {
    /// About this many bytes of Prime XML, as `stream_prime_xml` writes it.
    PrimeXml(u64),
    /// `{"mgmtResponse":{"licenseInfoDTO":[{},{},...]}}` with this many records.
    EmptyRecords(u64),
    /// This many bytes of a JSON document that never ends.
    EndlessJson(u64),
    /// A file argument instead of standard input.
    Path(&'static str),
    /// A sparse file of this many bytes, all zero.
    Sparse(u64),
}

/// What one run printed, in summary.
#[derive(Debug, Default)]
struct Seen {
    code: Option<i32>,
    stdout_bytes: u64,
    lines: u64,
    sources: u64,
    head: Vec<u8>,
    stderr: String,
    peak_kib: u64,
    records: u64,
    seconds: f64,
}

type Check = fn(&Seen) -> Result<(), String>;

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    input: Input,
    /// Peak resident memory allowed: a fixed part, plus bytes per input record.
    limit_mib: u64,
    per_record: u64,
    check: Check,
}

const AS_OF: &str = "--as-of=2026-12-01T00:00:00Z";
const EMPTY_RECORDS: u64 = 5_000_000;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let licscope = args
        .next()
        .unwrap_or_else(|| "target/release/licscope".to_owned());
    let xml_bytes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1 << 30);
    let cases = [
        Case {
            name: "xml ndjson",
            args: &["normalize", AS_OF, "--format", "ndjson", "-"],
            input: Input::PrimeXml(xml_bytes),
            limit_mib: 64,
            per_record: 0,
            check: |s| {
                ok(s, 0)?;
                same(s.lines, s.records, "lines")
            },
        },
        Case {
            name: "xml json",
            args: &["normalize", AS_OF, "--format", "json", "-"],
            input: Input::PrimeXml(xml_bytes),
            limit_mib: 64,
            per_record: 0,
            check: |s| {
                ok(s, 0)?;
                same(s.sources, s.records, "records")
            },
        },
        Case {
            name: "xml prometheus",
            args: &["normalize", AS_OF, "--format", "prometheus", "-"],
            input: Input::PrimeXml(xml_bytes),
            limit_mib: 64,
            per_record: 128,
            check: |s| {
                ok(s, 0)?;
                // One severity sample per record, among the others.
                (s.lines > s.records * 9)
                    .then_some(())
                    .ok_or_else(|| format!("only {} lines", s.lines))
            },
        },
        Case {
            name: "xml table",
            args: &["normalize", AS_OF, "--format", "table", "-"],
            input: Input::PrimeXml(xml_bytes),
            limit_mib: 64,
            per_record: 128,
            check: |s| {
                ok(s, 0)?;
                same(s.lines, s.records + 1, "lines")
            },
        },
        Case {
            name: "empty records json",
            args: &["normalize", AS_OF, "--format", "json", "-"],
            input: Input::EmptyRecords(EMPTY_RECORDS),
            limit_mib: 256,
            per_record: 0,
            check: |s| {
                ok(s, 0)?;
                same(s.sources, EMPTY_RECORDS, "records")
            },
        },
        Case {
            name: "empty records ndjson",
            args: &["normalize", AS_OF, "--format", "ndjson", "-"],
            input: Input::EmptyRecords(EMPTY_RECORDS),
            limit_mib: 256,
            per_record: 0,
            check: |s| {
                ok(s, 0)?;
                same(s.lines, EMPTY_RECORDS, "lines")
            },
        },
        Case {
            name: "empty records check",
            args: &["check", AS_OF, "-"],
            input: Input::EmptyRecords(EMPTY_RECORDS),
            limit_mib: 256,
            per_record: 0,
            check: |s| {
                ok(s, 3)?;
                let head = String::from_utf8_lossy(&s.head);
                if !head.starts_with("LICENSES UNKNOWN - 0 critical, 0 warning, 5000000 unknown") {
                    return Err(format!("status line {head:?}"));
                }
                (s.stdout_bytes < 8192)
                    .then_some(())
                    .ok_or_else(|| format!("{} bytes of plugin output", s.stdout_bytes))
            },
        },
        Case {
            name: "empty records table",
            args: &["normalize", AS_OF, "--format", "table", "-"],
            input: Input::EmptyRecords(EMPTY_RECORDS),
            limit_mib: 700,
            per_record: 0,
            check: |s| {
                ok(s, 0)?;
                same(s.lines, EMPTY_RECORDS + 1, "lines")
            },
        },
        Case {
            name: "empty records prometheus",
            args: &["normalize", AS_OF, "--format", "prometheus", "-"],
            input: Input::EmptyRecords(EMPTY_RECORDS),
            limit_mib: 256,
            per_record: 0,
            check: |s| {
                ok(s, 1)?;
                expect_error(s, "duplicate series")
            },
        },
        Case {
            name: "/dev/zero",
            args: &["normalize"],
            input: Input::Path("/dev/zero"),
            limit_mib: 300,
            per_record: 0,
            check: |s| {
                ok(s, 1)?;
                expect_error(s, "licscope: error: /dev/zero")
            },
        },
        Case {
            name: "4 GiB sparse file",
            args: &["normalize"],
            input: Input::Sparse(4 << 30),
            limit_mib: 300,
            per_record: 0,
            check: |s| {
                ok(s, 1)?;
                expect_error(s, "licscope: error: ")
            },
        },
        Case {
            name: "2 GiB of JSON on standard input",
            args: &["normalize", "-"],
            input: Input::EndlessJson(2 << 30),
            limit_mib: 300,
            per_record: 0,
            check: |s| {
                ok(s, 1)?;
                expect_error(s, "more than the limit of 268435456 bytes")
            },
        },
    ];
    let mut failed = 0;
    for case in &cases {
        match run(&licscope, case) {
            Ok(seen) => {
                let limit_kib = case.limit_mib * 1024 + case.per_record * seen.records / 1024;
                let verdict = (case.check)(&seen).and_then(|()| {
                    (seen.peak_kib <= limit_kib).then_some(()).ok_or_else(|| {
                        format!("peak {} KiB is over {limit_kib} KiB", seen.peak_kib)
                    })
                });
                println!(
                    "cli_memory: {:<32} {:>9} records {:>7.2} s  peak {:>7} KiB (limit {} KiB) {}",
                    case.name,
                    seen.records,
                    seen.seconds,
                    seen.peak_kib,
                    limit_kib,
                    verdict
                        .as_ref()
                        .map_or_else(|e| format!("FAILED: {e}"), |()| "ok".to_owned())
                );
                if verdict.is_err() {
                    eprintln!(
                        "cli_memory: {}: stderr: {}",
                        case.name,
                        seen.stderr.trim_end()
                    );
                    failed += 1;
                }
            }
            Err(e) => {
                println!("cli_memory: {}: FAILED: {e}", case.name);
                failed += 1;
            }
        }
    }
    if failed > 0 {
        eprintln!("cli_memory: {failed} case(s) failed");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn ok(s: &Seen, code: i32) -> Result<(), String> {
    if s.code == Some(code) {
        Ok(())
    } else {
        Err(format!("exit status {:?}, expected {code}", s.code))
    }
}

fn same(got: u64, want: u64, what: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{got} {what}, expected {want}"))
    }
}

fn expect_error(s: &Seen, needle: &str) -> Result<(), String> {
    if s.stderr.lines().count() == 1 && s.stderr.contains(needle) {
        Ok(())
    } else {
        Err(format!("expected one error line with {needle:?}"))
    }
}

fn run(licscope: &str, case: &Case) -> Result<Seen, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let peak_file = dir.path().join("peak");
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&peak_file)
        .arg(licscope)
        .args(case.args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match case.input {
        Input::Path(path) => {
            command.arg(path).stdin(Stdio::null());
        }
        Input::Sparse(bytes) => {
            let path = dir.path().join("sparse.json");
            std::fs::File::create(&path)?.set_len(bytes)?;
            command.arg(path).stdin(Stdio::null());
        }
        _ => {
            command.stdin(Stdio::piped());
        }
    }
    let start = Instant::now();
    let mut child = command.spawn()?;
    let stdin = child.stdin.take();
    let input = case.input;
    let feeder = std::thread::spawn(move || -> u64 {
        let Some(stdin) = stdin else { return 0 };
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdin);
        // The command may stop reading early (a limit): a broken pipe ends the input.
        feed(input, &mut out).unwrap_or(0)
    });
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let counter = std::thread::spawn(move || -> std::io::Result<Seen> {
        let mut seen = Seen::default();
        let finder = memmem::Finder::new(b"\"source\"");
        let mut buf = vec![0u8; 1 << 16];
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = stdout.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            if seen.head.len() < 512 {
                let take = (512 - seen.head.len()).min(n);
                seen.head.extend_from_slice(&chunk[..take]);
            }
            seen.stdout_bytes += n as u64;
            seen.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
            // A key that spans two chunks starts in the last 7 bytes of the earlier one, which
            // are too few to hold one whole: each match is counted once.
            carry.extend_from_slice(chunk);
            seen.sources += finder.find_iter(&carry).count() as u64;
            carry.drain(..carry.len().saturating_sub(7));
        }
        Ok(seen)
    });
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .ok_or("no stderr")?
        .read_to_string(&mut stderr)?;
    let status = child.wait()?;
    let records = feeder.join().map_err(|_| "the feeder panicked")?;
    let mut seen = counter.join().map_err(|_| "the counter panicked")??;
    seen.seconds = start.elapsed().as_secs_f64();
    seen.code = status.code();
    seen.stderr = stderr;
    seen.records = records;
    seen.peak_kib = std::fs::read_to_string(&peak_file)?
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("no peak memory from /usr/bin/time")?;
    Ok(seen)
}

/// Writes the input; returns the number of records in it.
fn feed(input: Input, out: &mut impl Write) -> std::io::Result<u64> {
    match input {
        Input::PrimeXml(bytes) => {
            let (_, records) = licscope_benches::stream_prime_xml(bytes, out)?;
            out.flush()?;
            Ok(records)
        }
        Input::EmptyRecords(n) => {
            out.write_all(b"{\"mgmtResponse\":{\"licenseInfoDTO\":[{}")?;
            let chunk = ",{}".repeat(4096);
            let mut left = n - 1;
            while left > 0 {
                let k = left.min(4096);
                out.write_all(&chunk.as_bytes()[..3 * k as usize])?;
                left -= k;
            }
            out.write_all(b"]}}")?;
            out.flush()?;
            Ok(n)
        }
        Input::EndlessJson(bytes) => {
            out.write_all(b"{\"mgmtResponse\":{\"licenseInfoDTO\":[{}")?;
            let chunk = ",{}".repeat(1 << 14);
            let mut written = 0;
            while written < bytes {
                out.write_all(chunk.as_bytes())?;
                written += chunk.len() as u64;
            }
            out.flush()?;
            Ok(0)
        }
        Input::Path(_) | Input::Sparse(_) => Ok(0),
    }
}
