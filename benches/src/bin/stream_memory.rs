//! Decodes a generated Prime XML stream through `XmlStream` and reports throughput and peak
//! resident memory, failing when memory exceeds a hard limit: streaming must never quietly become
//! read-everything-first.
//!
//! Usage: `stream_memory [BYTES] [MAX_RSS_MIB]` (defaults: 1 GiB, 64 MiB). The document is
//! generated on the fly by a second thread into a pipe, never into a file.

use std::io::{BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use licscope_prime::{LicenseInfo, XmlStream};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let bytes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1 << 30);
    let limit_mib: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    match run(bytes) {
        Ok((records, written, seconds)) => {
            let peak = peak_rss_kib().map_or(0, |k| k / 1024);
            let mb_per_s = written as f64 / 1e6 / seconds;
            println!(
                "stream_memory: {records} records, {written} bytes in {seconds:.2} s \
                 ({mb_per_s:.0} MB/s); peak resident memory {peak} MiB (limit {limit_mib} MiB)"
            );
            if peak > limit_mib {
                eprintln!("stream_memory: peak resident memory {peak} MiB is over {limit_mib} MiB");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stream_memory: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(bytes: u64) -> Result<(u64, u64, f64), Box<dyn std::error::Error>> {
    let (reader, writer) = std::io::pipe()?;
    let producer = std::thread::spawn(move || -> std::io::Result<u64> {
        let mut out = BufWriter::with_capacity(1 << 16, writer);
        let (n, _) = licscope_benches::stream_prime_xml(bytes, &mut out)?;
        out.flush()?;
        Ok(n)
    });
    let start = Instant::now();
    let stream =
        XmlStream::<_, LicenseInfo<'static>>::new(BufReader::with_capacity(1 << 16, reader))?;
    let mut records = 0u64;
    for record in stream {
        record?;
        records += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    let written = producer
        .join()
        .map_err(|_| "the generator thread panicked")??;
    Ok((records, written, seconds))
}

/// The peak resident set size (`VmHWM`) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
