//! The instruction-count regression gate.
//!
//! Runs the gungraun suite (`benches/benches/instructions.rs`, under Callgrind), compares each
//! benchmark's instruction count with `benches/instructions-baseline.txt`, prints every change,
//! and fails when one grew by more than 3%. When the toolchain or `Cargo.lock` differs from the
//! baseline's, the counts are not comparable: it says so and writes a new baseline instead.
//! `--update` writes a new baseline on purpose.
//!
//! Usage: `cargo run --release -p licscope-benches --bin instructions_gate [-- --update]`; needs
//! valgrind and `gungraun-runner` 0.20.0 (`cargo install gungraun-runner --version 0.20.0`).

use std::process::{Command, ExitCode};

use licscope_benches::gate::{
    Baseline, Verdict, compare, fingerprint, parse_gungraun_output, read_baseline, write_baseline,
};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("instructions-gate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let update = std::env::args().any(|a| a == "--update");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the benches crate has a parent folder")?
        .to_path_buf();
    // LICSCOPE_INSTRUCTIONS_BASELINE names another baseline file (CI doctors a copy to prove
    // that the gate fails).
    let baseline_path = std::env::var_os("LICSCOPE_INSTRUCTIONS_BASELINE").map_or_else(
        || root.join("benches/instructions-baseline.txt"),
        std::path::PathBuf::from,
    );
    let rustc = String::from_utf8(Command::new("rustc").arg("--version").output()?.stdout)?
        .trim()
        .to_owned();
    let lock_hash = fingerprint(&std::fs::read(root.join("Cargo.lock"))?);

    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "bench",
            "--locked",
            "-p",
            "licscope-benches",
            "--features",
            "instructions",
            "--bench",
            "instructions",
        ])
        .current_dir(&root)
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        return Err("the gungraun suite failed".into());
    }
    let now = parse_gungraun_output(&text);
    if now.is_empty() {
        print!("{text}");
        return Err("no instruction counts in gungraun's output".into());
    }
    let fresh = Baseline {
        rustc: rustc.clone(),
        lock_hash: lock_hash.clone(),
        counts: now.clone(),
    };
    let existing = std::fs::read_to_string(&baseline_path)
        .ok()
        .and_then(|t| read_baseline(&t));
    let reason = match (&existing, update) {
        (_, true) => Some("--update".to_owned()),
        (None, false) => Some("there is no baseline yet".to_owned()),
        (Some(baseline), false) => {
            let mut report = String::new();
            let verdict = compare(baseline, &rustc, &lock_hash, &now, &mut report);
            print!("{report}");
            match verdict {
                Verdict::Pass => {
                    println!("instructions-gate: no benchmark regressed by more than 3%");
                    return Ok(ExitCode::SUCCESS);
                }
                Verdict::Regressed(list) => {
                    for (name, old, new) in list {
                        eprintln!(
                            "instructions-gate: {name} regressed: {old} -> {new} instructions"
                        );
                    }
                    return Ok(ExitCode::FAILURE);
                }
                Verdict::Rebaseline(why) => Some(why),
            }
        }
    };
    if let Some(why) = reason {
        std::fs::write(&baseline_path, write_baseline(&fresh))?;
        println!(
            "instructions-gate: {why}; wrote a new baseline of {} benchmarks to {}",
            now.len(),
            baseline_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
