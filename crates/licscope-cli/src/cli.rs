//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use licscope::fetch::Pins;
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
    /// Prometheus exporter: /probe?target=NAME fetches a configured target (cached), as
    /// blackbox_exporter probes; /metrics has the exporter's own metrics.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Show the certificate an https:// server presents: its key's pin for --pinned-pubkey,
    /// its subject, issuer, dates and names. Sends no request and no credential.
    #[command(after_help = PIN_EXAMPLES)]
    Pin(PinArgs),
    /// Print the JSON Schema (draft 2020-12) of the normalized record.
    #[command(after_help = "Example:\n  licscope schema > license-record.schema.json")]
    Schema,
}

/// The rule every subcommand follows for its FILE arguments (`--help` and the README say it).
macro_rules! files_rule {
    () => {
        "Inputs: a FILE is a path, '-' for standard input, or a folder: its *.json and *.xml files
(any case), sorted, not recursive; hidden files and the fixtures' *.expected.json files are
left out. A folder entry that cannot be read fails like any input.

An http:// or https:// URL is fetched: .../v2/license/details is Automation 360, a path
under /webacs/api/ is Cisco Prime, a URL without a path needs --source. --targets FILE adds
the targets of a TOML file. Credentials: --user or LICSCOPE_USER, and --password-file,
--api-key-file, LICSCOPE_PASSWORD or LICSCOPE_API_KEY (never on the command line); a target's
own keys win over the flags, the flags over the environment. -t bounds the whole run (30 s by
default when fetching); --jobs targets at once; TLS is verified against the system's trust
store unless --ca-file (a CA bundle, or an appliance's own certificate), --pinned-pubkey (the
server key's pin, in place of the chain, name and date checks) or --insecure."
    };
}

/// The rule for the origin label of a record.
macro_rules! origin_rule {
    () => {
        "

Origin of a record: --origin (one input only), else a fetched target's name or its URL's
host:port, else a Cisco Prime document's rootUrl, else the file name without its extension;
standard input without --origin has none."
    };
}

const NORMALIZE_EXAMPLES: &str = concat!(
    "\
Examples:
  licscope normalize --format table examples/payloads/
  licscope normalize --format prometheus --targets /etc/licscope/targets.toml
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
  LICSCOPE_USER=monitor licscope check -t 20 --password-file /etc/licscope/prime.secret \\
      https://prime.example.net --source cisco-prime
  licscope check --exclude-feature 'Network Analysis*' prime-license.xml

Worst wins: CRITICAL > WARNING > UNKNOWN > OK. A failed input counts as UNKNOWN and is reported
in the plugin output; no records at all is UNKNOWN; a usage error answers
LICENSES UNKNOWN - usage error: MESSAGE and exits 3. The output stays
under 8 KiB (worst records first; a last line counts what was left out). Perfdata:
'source:origin:feature'=DAYS;@~:WARN;@~:CRIT, U when unknown.

",
    files_rule!(),
    origin_rule!()
);

const SERVE_EXAMPLES: &str = "\
Examples:
  licscope serve --config /etc/licscope/targets.toml
  curl 'http://127.0.0.1:9841/probe?target=prime-east'

Only the targets named in the config can be probed. A successful result is cached for
min_interval (default 5m, [serve] or per target), a failure for failure_interval (default
30s); concurrent probes of a target share one fetch. A probe answers within the
X-Prometheus-Scrape-Timeout-Seconds header less 0.5 s (9.5 s without it). SIGHUP or
POST /-/reload re-reads the config, keeping the old one if the new one is invalid; SIGTERM
ends it. A bad config at start exits 1. Logs: one logfmt line per probe on standard error.
See examples/prometheus/ for the scrape configuration and alerting rules.";

const PIN_EXAMPLES: &str = "\
Examples:
  licscope pin https://prime.example.net
  licscope pin https://10.0.0.5:8443/ -t 5

The TLS handshake is ended as soon as the certificate is read: nothing is verified and nothing
is sent, so compare the pin with the one the appliance's console shows before trusting it
(README: Collecting from an appliance with a self-signed certificate). Proxies are used as for
fetching (HTTPS_PROXY, NO_PROXY).

Exit status: 0 when the certificate is shown, 1 when none could be read, 2 for a usage error.";

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
    /// Warn when use reaches this share of the limit (seats purchased, Prime's device limit),
    /// in percent (at most --usage-critical).
    #[arg(long, value_name = "PERCENT", default_value_t = 90, value_parser = parse_percent)]
    pub(crate) usage_warning: u32,
    /// Critical when use is above this share of the limit, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 100, value_parser = parse_percent)]
    pub(crate) usage_critical: u32,
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
    #[command(flatten)]
    pub(crate) fetch: FetchArgs,
    /// Input payloads: files, folders, '-' for standard input, or http(s):// URLs to fetch.
    #[arg(value_name = "FILE|URL", required_unless_present = "targets")]
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
    /// Trace each HTTP request and its answer's status on standard error (credentials and
    /// tokens redacted).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// The options of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) eval: EvalArgs,
    /// More detail: -v lists every record in the long output (within its size cap) and traces
    /// each HTTP request on standard error (credentials redacted), -vv also traces each input.
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
    /// Trace each HTTP request and its answer's status on standard error (credentials and
    /// tokens redacted).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    #[command(flatten)]
    pub(crate) sizes: SizeArgs,
    #[command(flatten)]
    pub(crate) fetch: FetchArgs,
    /// Input payloads: files, folders, '-' for standard input, or http(s):// URLs to fetch.
    #[arg(value_name = "FILE|URL", required_unless_present = "targets")]
    pub(crate) files: Vec<PathBuf>,
}

/// How targets log in and what they trust, unless a target of the targets file says.
#[derive(Clone, Debug, Args)]
pub(crate) struct CredentialArgs {
    /// The user to log in as; else LICSCOPE_USER. A target's own user wins.
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Read the password from FILE (one line); else LICSCOPE_PASSWORD. Never on the command
    /// line.
    #[arg(long, value_name = "FILE", conflicts_with = "api_key_file")]
    pub(crate) password_file: Option<PathBuf>,
    /// Read an Automation 360 API key from FILE (one line); else LICSCOPE_API_KEY.
    #[arg(long, value_name = "FILE")]
    pub(crate) api_key_file: Option<PathBuf>,
    /// Trust only the certificates of this PEM bundle (as curl's --cacert) instead of the
    /// system's trust store.
    #[arg(long, value_name = "PEM", conflicts_with = "insecure")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Trust the server whose certificate's public key has one of these pins, as curl's
    /// --pinned-pubkey writes them: sha256//BASE64 of the SHA-256 of its SubjectPublicKeyInfo,
    /// several separated by ';'. The pin replaces the chain, name and date checks (as an SSH
    /// host key does; curl checks both); with --ca-file, both must hold. `licscope pin URL`
    /// shows a server's pin.
    #[arg(long, value_name = "PINS", conflicts_with = "insecure", value_parser = parse_pins)]
    pub(crate) pinned_pubkey: Option<Pins>,
    /// Do not verify TLS certificates at all (said on standard error).
    #[arg(long)]
    pub(crate) insecure: bool,
}

/// The options of `pin`.
#[derive(Debug, Args)]
pub(crate) struct PinArgs {
    /// The server: an https:// URL (its path is not used).
    #[arg(value_name = "URL")]
    pub(crate) url: String,
    /// Give up after this many seconds (default 10).
    #[arg(short = 't', long = "timeout", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) timeout: Option<std::time::Duration>,
    /// Write the lines to FILE (replaced atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// The options of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The targets file (TOML: [[target]] tables as for --targets, and a [serve] table with
    /// listen, min_interval, failure_interval).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// Where to listen (an IP address and port); else [serve] listen, else 127.0.0.1:9841.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
    /// Retry a rate-limited Prime request this many times, within the probe's deadline.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=20))]
    pub(crate) retries: u32,
    #[command(flatten)]
    pub(crate) sizes: SizeArgs,
    /// Log each HTTP request to the vendors on standard error, besides the probe outcomes.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// The web configuration (exporter-toolkit's YAML, as node_exporter reads it): TLS, client
    /// certificates, basic-auth users with bcrypt hashes, response headers. Re-read on reload.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub(crate) web_config_file: Option<PathBuf>,
    /// Answer POST /-/reload (without it: 403), as Prometheus' --web.enable-lifecycle.
    #[arg(long = "web.enable-lifecycle")]
    pub(crate) web_enable_lifecycle: bool,
    /// Connections open at once; more wait in the kernel's queue until one closes.
    #[arg(long = "web.max-connections", value_name = "N", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) web_max_connections: u32,
}

/// Live collection: fetching URL inputs and the targets of a targets file.
#[derive(Debug, Args)]
pub(crate) struct FetchArgs {
    /// Fetch the targets of this TOML file (see the README: [[target]] tables with name, url,
    /// source, user, password_file or api_key_file, ca_file, pinned_pubkey, insecure, timeout).
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
    /// The whole run's deadline in seconds, as Nagios plugins take it: a target still running
    /// then fails with a timeout (default 30 when anything is fetched; none for files only).
    #[arg(short = 't', long = "timeout", value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) timeout: Option<std::time::Duration>,
    /// Fetch this many targets at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) jobs: u16,
    /// Retry a rate-limited Prime request (503, or its rate-limit 403) this many times, after a
    /// random delay of 1.5 to 3.5 s.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=20))]
    pub(crate) retries: u32,
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

impl SourceArg {
    /// How the pipeline reads an input of this source.
    pub(crate) fn hint(self) -> licscope::normalize::SourceHint {
        use licscope::normalize::SourceHint;
        match self {
            SourceArg::Auto => SourceHint::Auto,
            SourceArg::Automation360 => SourceHint::Automation360,
            SourceArg::CiscoPrime => SourceHint::CiscoPrime,
        }
    }
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

/// A usage threshold: a whole percentage of the limit, `90` or `90%`, from 0 to 1000.
pub(crate) fn parse_percent(s: &str) -> Result<u32, String> {
    match s.strip_suffix('%').unwrap_or(s).trim().parse::<u32>() {
        Ok(n) if n <= 1000 => Ok(n),
        Ok(n) => Err(format!("a usage threshold is at most 1000 %, not {n}")),
        Err(_) => Err(format!(
            "expected a whole percentage of the limit such as 90, found {s:?}"
        )),
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

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    match s.parse::<f64>() {
        Ok(n) if n > 0.0 && n <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(n)),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most 86400, found {s:?}"
        )),
    }
}

fn parse_pins(s: &str) -> Result<Pins, String> {
    Pins::parse(s).map_err(|e| e.message().to_owned())
}

fn parse_instant(s: &str) -> Result<OffsetDateTime, String> {
    licscope::parse_rfc3339(s).map_err(|reason| format!("invalid RFC 3339 instant: {reason}"))
}
