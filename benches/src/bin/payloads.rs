//! Writes the benchmark payloads to files, for benchmarks of the whole command against
//! programs outside Rust (`benches/command/compare.sh`).
//!
//! Usage: `payloads RECORDS DIR`: writes `DIR/prime-RECORDS.xml` and its JSON twin
//! `DIR/prime-RECORDS.json`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(records), Some(dir)) = (
        args.next().and_then(|a| a.parse::<usize>().ok()),
        args.next(),
    ) else {
        eprintln!("usage: payloads RECORDS DIR");
        return ExitCode::from(2);
    };
    let dir = std::path::Path::new(&dir);
    let written = std::fs::write(
        dir.join(format!("prime-{records}.xml")),
        licscope_benches::prime_xml(records),
    )
    .and_then(|()| {
        std::fs::write(
            dir.join(format!("prime-{records}.json")),
            licscope_benches::prime_json(records),
        )
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("payloads: {e}");
            ExitCode::FAILURE
        }
    }
}
