//! Reads a folder of saved payloads (Automation 360 license details, Cisco Prime license info,
//! in XML or JSON) and prints one line per license that needs attention, worst first, and one
//! per input that could not be read. Exit status 1 when anything needs attention.
//!
//! ```text
//! cargo run -p licscope --example attention -- examples/payloads/
//! ```

use std::process::ExitCode;

use licscope::normalize::{Policy, Severity};
use licscope::report::{Event, Pipeline, Summary, input};

fn main() -> ExitCode {
    let folders: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if folders.is_empty() {
        eprintln!("usage: attention FOLDER...");
        return ExitCode::from(2);
    }
    let now = std::time::SystemTime::now();
    let pipeline = Pipeline::new(Policy::new(now.into()));
    let (mut lines, mut failures, mut summary) = (Vec::new(), Vec::new(), Summary::new());
    pipeline.for_each(input::expand(&folders), &mut |event| {
        match event {
            Event::Record(r) => {
                summary.add_record(&r);
                if r.severity != Severity::Ok {
                    let days = r
                        .days_to_expiry
                        .map_or_else(|| "-".to_owned(), |d| format!("{d} days"));
                    lines.push((
                        std::cmp::Reverse(r.severity.rank()),
                        format!(
                            "{:<8} {:<12} {} {}: {days}",
                            r.severity.as_str(),
                            r.status.as_str(),
                            r.origin.as_deref().unwrap_or("-"),
                            r.feature.as_deref().unwrap_or("(unnamed)"),
                        ),
                    ));
                }
            }
            Event::Done(outcome) => {
                if let Some(e) = outcome.error {
                    summary.add_failed_input();
                    failures.push(format!("failed   {e}"));
                }
            }
            _ => {}
        }
        Ok(())
    });
    lines.sort();
    for (_, line) in &lines {
        println!("{line}");
    }
    for line in &failures {
        println!("{line}");
    }
    println!(
        "{}: {} records, {} need attention, {} inputs failed",
        summary.state().as_str(),
        summary.records(),
        lines.len(),
        summary.failed_inputs()
    );
    ExitCode::from(u8::from(!lines.is_empty() || !failures.is_empty()))
}
