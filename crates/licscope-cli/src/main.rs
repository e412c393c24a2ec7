//! `licscope`: read, check and compare license data from Automation 360 and Cisco Prime.
//!
//! Subcommands: `normalize` (records as JSON, NDJSON, a table or Prometheus metrics), `check`
//! (a Nagios/Icinga plugin), `decode` (the typed vendor model) and `schema` (the record's JSON
//! Schema). Every failing input gets one line on standard error,
//! `licscope: error: FILE:LINE:COL: MESSAGE`, and the other inputs are still processed.

use std::collections::HashSet;
use std::process::ExitCode;

use clap::Parser as _;
use clap::error::ErrorKind as ClapErrorKind;
use licscope::normalize::{Decoded, LicenseRecord, Policy, SourceHint, decode, json_schema};
use time::OffsetDateTime;

mod cli;
mod inputs;
mod render;

use cli::{Cli, Command, DecodeArgs, EvalArgs, Format, SourceArg};
use inputs::{Input, error_line, expand, glob_match, write_output};

/// Exit code of a usage error for `check`: Nagios reads 2 as CRITICAL, so it is UNKNOWN (3).
const CHECK_USAGE_ERROR: u8 = 3;
/// Exit code of a usage error for the other subcommands, as clap and most tools use.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let is_check = std::env::args_os().nth(1).is_some_and(|a| a == "check");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => 0,
                _ if is_check => CHECK_USAGE_ERROR,
                _ => USAGE_ERROR,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(match cli.command {
        Command::Normalize(args) => normalize(&args),
        Command::Check(args) => check(&args),
        Command::Decode(args) => decode_command(&args),
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
            finish(None, &format!("{schema}\n"), 0, 1)
        }
    })
}

/// The outcome of one input: its records, or the message of its error line.
struct Outcome {
    input: Input,
    result: Result<Vec<LicenseRecord>, String>,
}

fn hint(source: SourceArg) -> SourceHint {
    match source {
        SourceArg::Auto => SourceHint::Auto,
        SourceArg::Automation360 => SourceHint::Automation360,
        SourceArg::CiscoPrime => SourceHint::CiscoPrime,
    }
}

fn policy(args: &EvalArgs) -> Policy {
    Policy::new(args.as_of.unwrap_or_else(OffsetDateTime::now_utc))
        .with_warn_days(args.warn_days)
        .with_crit_days(args.crit_days)
}

/// Reads, decodes, evaluates and filters every input, printing an error line for each failure.
fn evaluate(args: &EvalArgs, policy: &Policy) -> Vec<Outcome> {
    let selected = |r: &LicenseRecord| {
        let feature = r.feature.as_deref().unwrap_or("");
        (args.features.is_empty() || args.features.iter().any(|g| glob_match(g, feature)))
            && !args.exclude_features.iter().any(|g| glob_match(g, feature))
    };
    expand(&args.files)
        .into_iter()
        .map(|input| {
            let result = read_and_decode(&input, args.source).map(|decoded| {
                let origin = args.origin.clone().or_else(|| input.stem());
                let mut records = decoded.normalize(origin.as_deref(), policy);
                records.retain(selected);
                records
            });
            if let Err(line) = &result {
                eprintln!("{line}");
            }
            Outcome { input, result }
        })
        .collect()
}

fn read_and_decode(input: &Input, source: SourceArg) -> Result<Decoded<'static>, String> {
    let bytes = input
        .read()
        .map_err(|e| format!("licscope: error: {}: {e}", input.name))?;
    // The decoded model borrows from the bytes, which this function owns.
    decode(&bytes, hint(source))
        .map(Decoded::into_owned)
        .map_err(|e| error_line(&input.name, &e))
}

fn normalize(args: &EvalArgs) -> u8 {
    let policy = policy(args);
    let mut outcomes = evaluate(args, &policy);
    if args.format == Format::Prometheus {
        reject_duplicate_series(&mut outcomes);
    }
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let records: Vec<LicenseRecord> = outcomes
        .into_iter()
        .filter_map(|o| o.result.ok())
        .flatten()
        .collect();
    let text = match args.format {
        Format::Json => render::json(&records),
        Format::Ndjson => render::ndjson(&records),
        Format::Table => render::table(&records),
        Format::Prometheus => render::prometheus(&records, failed),
    };
    finish(args.output.as_deref(), &text, u8::from(failed > 0), 1)
}

/// Two records with the same labels would be two identical series, which Prometheus rejects:
/// the later input fails instead.
fn reject_duplicate_series(outcomes: &mut [Outcome]) {
    let mut seen = HashSet::new();
    for outcome in outcomes {
        let Ok(records) = &outcome.result else {
            continue;
        };
        let mut mine = HashSet::new();
        let clash = records
            .iter()
            .map(render::series_key)
            .find(|key| seen.contains(key) || !mine.insert(key.clone()));
        match clash {
            Some((source, origin, feature)) => {
                let line = format!(
                    "licscope: error: {}: duplicate series source={source:?} origin={origin:?} \
                     feature={feature:?}: an earlier record has the same labels",
                    outcome.input.name
                );
                eprintln!("{line}");
                outcome.result = Err(line);
            }
            None => seen.extend(mine),
        }
    }
}

fn check(args: &EvalArgs) -> u8 {
    let policy = policy(args);
    let outcomes = evaluate(args, &policy);
    let mut records = Vec::new();
    let mut failures = Vec::new();
    for o in outcomes {
        match o.result {
            Ok(r) => records.extend(r),
            Err(line) => {
                // The error line without its program prefix: `FILE[:LINE:COL]: MESSAGE`.
                let detail = line.strip_prefix("licscope: error: ").unwrap_or(&line);
                failures.push(detail.to_owned());
            }
        }
    }
    let (text, code) = render::nagios(&records, &failures, &policy);
    finish(args.output.as_deref(), &text, code, CHECK_USAGE_ERROR)
}

fn decode_command(args: &DecodeArgs) -> u8 {
    let mut documents = Vec::new();
    let mut failed = false;
    for input in expand(&args.files) {
        match read_and_decode(&input, args.source) {
            Ok(decoded) => {
                let (source, document) = match &decoded {
                    Decoded::Automation360(d) => ("automation360", serde_json::to_value(d)),
                    Decoded::CiscoPrime(r) => (
                        "cisco-prime",
                        serde_json::to_value(r).map(|v| serde_json::json!({ "mgmtResponse": v })),
                    ),
                    _ => continue,
                };
                match document {
                    Ok(document) => documents.push(serde_json::json!({
                        "input": input.name,
                        "source": source,
                        "document": document,
                    })),
                    Err(e) => {
                        eprintln!("licscope: error: {}: {e}", input.name);
                        failed = true;
                    }
                }
            }
            Err(line) => {
                eprintln!("{line}");
                failed = true;
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&documents).unwrap_or_else(|_| "[]".to_owned());
    text.push('\n');
    finish(args.output.as_deref(), &text, u8::from(failed), 1)
}

/// Writes the output and returns `code`, or `io_error_code` if writing failed.
fn finish(output: Option<&std::path::Path>, text: &str, code: u8, io_error_code: u8) -> u8 {
    match write_output(output, text) {
        Ok(()) => code,
        Err(e) => {
            let name =
                output.map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
            eprintln!("licscope: error: {name}: {e}");
            io_error_code
        }
    }
}
