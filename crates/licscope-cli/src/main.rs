//! `licscope`: read, check and compare license data from Automation 360 and Cisco Prime.
//!
//! Subcommands: `normalize` (records as JSON, NDJSON, a table or Prometheus metrics), `check`
//! (a Nagios/Icinga plugin), `decode` (the typed vendor model), `serve` (a Prometheus exporter)
//! and `schema` (the record's JSON Schema). Inputs are files, folders, standard input, or
//! http(s):// URLs and targets files, fetched from the servers. Every failing input gets one
//! line on standard error, `licscope: error: FILE:LINE:COL: MESSAGE`, and the other inputs are
//! still processed.

fn main() -> std::process::ExitCode {
    licscope_cli::main()
}
