//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::OffsetDateTime;

/// Read, check and compare software-license data from Automation 360 and Cisco Prime
/// Infrastructure.
#[derive(Debug, Parser)]
#[command(name = "licscope", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Evaluate license payloads into vendor-neutral records (JSON, NDJSON, a table, or
    /// Prometheus metrics).
    #[command(after_help = NORMALIZE_EXAMPLES)]
    Normalize(NormalizeArgs),
    /// Nagios/Icinga plugin: one status line with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL,
    /// 3 UNKNOWN.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Print the typed vendor model of each payload as JSON, for debugging and other tools.
    #[command(after_help = DECODE_EXAMPLES)]
    Decode(DecodeArgs),
    /// Print the JSON Schema (draft 2020-12) of the normalized record.
    #[command(after_help = "Example:\n  licscope schema > license-record.schema.json")]
    Schema,
}

/// The rule every subcommand follows for its FILE arguments (`--help` and the README say it).
macro_rules! files_rule {
    () => {
        "Inputs: a FILE is a path, '-' for standard input, or a folder: its *.json and *.xml files
(any case), sorted, not recursive; hidden files and the fixtures' *.expected.json files are
left out. A folder entry that cannot be read fails like any input."
    };
}

/// The rule for the origin label of a record.
macro_rules! origin_rule {
    () => {
        "
Origin of a record: --origin (one input only), else a Cisco Prime document's rootUrl, else
the file name without its extension; standard input without --origin has none."
    };
}

const NORMALIZE_EXAMPLES: &str = concat!(
    "\
Examples:
  licscope normalize --format table examples/payloads/
  curl -s https://prime/webacs/api/v3/op/info/license.json | licscope normalize --format table -
  licscope normalize --format prometheus --exclude-feature 'Data Center*' \\
      --output /var/lib/node_exporter/textfile/licscope.prom prime.xml

Exit status: 0, or 1 if any input failed or the output could not be written; 2 for a usage
error.

",
    files_rule!(),
    origin_rule!()
);

const CHECK_EXAMPLES: &str = concat!(
    "\
Examples:
  licscope check -w 45 -c 14 license-details.json
  licscope check --exclude-feature 'Network Analysis*' prime-license.xml

Worst wins: CRITICAL > WARNING > UNKNOWN > OK. A failed input counts as UNKNOWN and is reported
in the plugin output; no records at all is UNKNOWN; a usage error exits 3. The output stays
under 8 KiB (worst records first; a last line counts what was left out). Perfdata:
'source:origin:feature'=DAYS;@~:WARN;@~:CRIT, U when unknown.

",
    files_rule!(),
    origin_rule!()
);

const DECODE_EXAMPLES: &str = concat!(
    "\
Examples:
  licscope decode license-details.json
  licscope decode --source cisco-prime prime-license.json

Exit status: 0, or 1 if any input failed.

",
    files_rule!()
);

/// What `normalize` and `check` share: how inputs are read, labelled, evaluated and selected.
#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// Evaluate at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    pub(crate) as_of: Option<OffsetDateTime>,
    /// Warn when a license expires within this many days (at least --crit-days).
    #[arg(short = 'w', long, value_name = "DAYS", default_value_t = 30,
          allow_negative_numbers = true, value_parser = parse_days)]
    pub(crate) warn_days: i64,
    /// Critical when a license expires within this many days.
    #[arg(short = 'c', long, value_name = "DAYS", default_value_t = 7,
          allow_negative_numbers = true, value_parser = parse_days)]
    pub(crate) crit_days: i64,
    /// Label for the server the records describe; wins over a Cisco rootUrl and the file
    /// name. With one input only.
    #[arg(long, value_name = "LABEL")]
    pub(crate) origin: Option<String>,
    /// Which API the inputs come from.
    #[arg(long, value_enum, default_value_t = SourceArg::Auto)]
    pub(crate) source: SourceArg,
    /// Keep only records whose feature matches this glob (`*`, `?`); repeatable.
    #[arg(long = "feature", value_name = "GLOB")]
    pub(crate) features: Vec<String>,
    /// Drop records whose feature matches this glob; repeatable.
    #[arg(long = "exclude-feature", value_name = "GLOB")]
    pub(crate) exclude_features: Vec<String>,
    #[command(flatten)]
    pub(crate) sizes: SizeArgs,
    /// Input payloads; '-' reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
}

/// The options of `normalize`.
#[derive(Debug, Args)]
pub(crate) struct NormalizeArgs {
    #[command(flatten)]
    pub(crate) eval: EvalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub(crate) format: OutputFormat,
    /// Write the output to FILE atomically (a temporary file in the same folder, then a
    /// rename), as node_exporter's textfile collector requires; a device such as /dev/null is
    /// written directly.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// The options of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) eval: EvalArgs,
    /// More detail: -v lists every record in the long output (within its size cap), -vv also
    /// traces each input on standard error.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Write the plugin output to FILE (replaced atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// The options of `decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Which API the inputs come from.
    #[arg(long, value_enum, default_value_t = SourceArg::Auto)]
    pub(crate) source: SourceArg,
    /// Write the output to FILE atomically.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) sizes: SizeArgs,
    /// Input payloads; '-' reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
}

/// The byte limits on inputs.
#[derive(Debug, Args)]
pub(crate) struct SizeArgs {
    /// The largest input read whole (JSON, and XML that `--source` or detection does not
    /// stream), in bytes; suffixes KiB, MiB, GiB.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub(crate) max_document_size: u64,
    /// The largest Cisco Prime XML input, read as a stream in constant memory; suffixes KiB,
    /// MiB, GiB.
    #[arg(long, value_name = "SIZE", default_value = "8GiB", value_parser = parse_size)]
    pub(crate) max_stream_size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SourceArg {
    /// Detect each input's API from its content.
    Auto,
    /// Automation 360 license details.
    Automation360,
    /// Cisco Prime Infrastructure license info.
    CiscoPrime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// One JSON array of all records.
    Json,
    /// One JSON record per line.
    Ndjson,
    /// Aligned columns for people, worst first.
    Table,
    /// Prometheus text exposition format, for node_exporter's textfile collector.
    Prometheus,
}

fn parse_days(s: &str) -> Result<i64, String> {
    match s.parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("a window is zero or more days, not {n}")),
        Ok(n) if n > 3_700_000 => Err(format!("{n} days is more than 10,000 years")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a whole number of days, found {s:?}")),
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let shift = match unit {
        "" | "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        "TiB" => 40,
        _ => return Err(format!("expected a size such as 256MiB, found {s:?}")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("expected a size such as 256MiB, found {s:?}"))
}

fn parse_instant(s: &str) -> Result<OffsetDateTime, String> {
    licscope::parse_rfc3339(s).map_err(|reason| format!("invalid RFC 3339 instant: {reason}"))
}
