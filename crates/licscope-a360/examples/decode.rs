//! Decodes Automation 360 license-details files and prints each model as JSON.
//!
//! Usage: `cargo run -p licscope-a360 --example decode -- PATH...`, where a PATH is a file or a
//! folder (whose fixture inputs are decoded, expected-result files skipped). Errors go to
//! standard error as `licscope: error: FILE:LINE:COL: MESSAGE`; the exit status is 1 if any
//! input failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut inputs = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let path = PathBuf::from(arg);
        if path.is_dir() {
            match inputs_in(&path) {
                Ok(found) => inputs.extend(found),
                Err(e) => {
                    eprintln!("licscope: error: {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        } else {
            inputs.push(path);
        }
    }
    let mut failed = false;
    for path in &inputs {
        let result = std::fs::read(path)
            .map_err(licscope_a360::Error::from)
            .and_then(|bytes| licscope_a360::decode_response(&bytes));
        match result {
            Ok(response) => match serde_json::to_string(&response) {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("licscope: error: {}: {e}", path.display());
                    failed = true;
                }
            },
            Err(e) => {
                match (e.line(), e.column()) {
                    (Some(l), Some(c)) => {
                        eprintln!(
                            "licscope: error: {}:{l}:{c}: {}",
                            path.display(),
                            e.message()
                        );
                    }
                    _ => eprintln!("licscope: error: {}: {}", path.display(), e.message()),
                }
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The files of a folder that are inputs, not expected results, in name order.
fn inputs_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file() && name.ends_with(".json") && !name.ends_with(".expected.json") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}
