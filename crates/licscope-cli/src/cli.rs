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
    Normalize(EvalArgs),
    /// Nagios/Icinga plugin: one status line with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL,
    /// 3 UNKNOWN.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(EvalArgs),
    /// Print the typed vendor model of each payload as JSON, for debugging and other tools.
    #[command(after_help = DECODE_EXAMPLES)]
    Decode(DecodeArgs),
    /// Print the JSON Schema (draft 2020-12) of the normalized record.
    #[command(after_help = "Example:\n  licscope schema > license-record.schema.json")]
    Schema,
}

const NORMALIZE_EXAMPLES: &str = "\
Examples:
  licscope normalize license-details.json prime-license.xml
  curl -s https://prime/webacs/api/v3/op/info/license.json | licscope normalize --format table -
  licscope normalize --format prometheus --exclude-feature 'Data Center*' \\
      --output /var/lib/node_exporter/textfile/licscope.prom prime.xml

Inputs: a FILE is a path, '-' for standard input, or a folder (its files, expected-result
files of the fixtures layout skipped). Exit status: 0, or 1 if any input failed.";

const CHECK_EXAMPLES: &str = "\
Examples:
  licscope check --warn-days 45 --crit-days 14 license-details.json
  licscope check --exclude-feature 'Network Analysis*' prime-license.xml

Worst wins: CRITICAL > WARNING > UNKNOWN > OK. A failed input counts as UNKNOWN; no records at
all is UNKNOWN; a usage error exits 3.";

const DECODE_EXAMPLES: &str = "\
Examples:
  licscope decode license-details.json
  licscope decode --source cisco-prime prime-license.json

Exit status: 0, or 1 if any input failed.";

/// The options of `normalize` and `check`.
#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// Evaluate at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    pub(crate) as_of: Option<OffsetDateTime>,
    /// Warn when a license expires within this many days.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub(crate) warn_days: i64,
    /// Critical when a license expires within this many days.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub(crate) crit_days: i64,
    /// Label for the server the records describe (Cisco Prime's rootUrl takes precedence);
    /// defaults to the input's file name without extension.
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
    /// Output format (`check` always prints the Nagios format).
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub(crate) format: Format,
    /// Write the output to FILE atomically (a temporary file in the same folder, then a
    /// rename), as node_exporter's textfile collector requires.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Input payloads; '-' reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<String>,
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
    /// Input payloads; '-' reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<String>,
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
pub(crate) enum Format {
    /// One JSON array of all records.
    Json,
    /// One JSON record per line.
    Ndjson,
    /// Aligned columns for people, worst first.
    Table,
    /// Prometheus text exposition format, for node_exporter's textfile collector.
    Prometheus,
}

fn parse_instant(s: &str) -> Result<OffsetDateTime, String> {
    licscope::parse_rfc3339(s).map_err(|reason| format!("invalid RFC 3339 instant: {reason}"))
}
