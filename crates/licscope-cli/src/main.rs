//! `licscope`: read, check and compare license data from Automation 360 and Cisco Prime.
//!
//! Subcommands: `normalize` (records as JSON, NDJSON, a table or Prometheus metrics), `check`
//! (a Nagios/Icinga plugin), `decode` (the typed vendor model) and `schema` (the record's JSON
//! Schema). Every failing input gets one line on standard error,
//! `licscope: error: FILE:LINE:COL: MESSAGE`, and the other inputs are still processed.

fn main() -> std::process::ExitCode {
    licscope_cli::main()
}
