//! The targets file (`--targets FILE`, later `licscope serve --config FILE`): TOML, one
//! `[[target]]` table per server.
//!
//! ```toml
//! [[target]]
//! name = "prime-east"            # required, unique within the file
//! url = "https://prime-east.example.net/webacs/api/v3/op/info/license"   # required
//! source = "cisco-prime"         # optional where the URL's path tells
//! user = "monitor"               # optional: else --user, else LICSCOPE_USER
//! password_file = "prime-east.secret"  # or api_key_file; else the flags, else the environment
//! ca_file = "corp-ca.pem"        # optional: a CA bundle, or the appliance's own certificate
//! pinned_pubkey = "sha256//..."  # optional: the server key's pin(s), as curl's --pinned-pubkey
//! insecure = false               # optional; not with pinned_pubkey
//! timeout = 20                   # optional, seconds; else the run's deadline
//! usage_warning = 80             # optional, percent of the limit; else [serve]'s, else 90
//! usage_critical = 100           # optional, percent of the limit; else [serve]'s, else 100
//! ```
//!
//! Relative paths resolve against the file's folder. An unknown key, a missing `name` or
//! `url`, a repeated `name`, a malformed pin or a pin with `insecure = true` is an error naming
//! the line. A target that sets any of `ca_file`, `pinned_pubkey` and `insecure` sets its whole
//! trust: the command's `--ca-file`, `--pinned-pubkey` and `--insecure` are then not used for it. The top-level `[serve]` table
//! (`listen`, `min_interval`, `failure_interval`, `usage_warning`, `usage_critical`) and a
//! target's `min_interval`, `usage_warning` and `usage_critical` are the exporter's (`normalize`
//! and `check` take `--usage-warning` and `--usage-critical`); `normalize` and `check` check them and leave them unused. A duration is a number
//! of seconds or a Prometheus-style duration (`90s`, `5m`, `1h30m`, `500ms`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use licscope::fetch::Pins;

use crate::cli::SourceArg;
use licscope::report::escape;

/// One target of the file, its paths resolved.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub name: String,
    pub url: String,
    pub(crate) source: Option<SourceArg>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub api_key_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub pinned_pubkey: Option<Pins>,
    pub insecure: bool,
    pub timeout: Option<Duration>,
    /// The line of the target's `url`, for errors found later (a URL that is not valid).
    pub line: usize,
    /// The line of the target's `name`.
    pub name_line: usize,
    /// The exporter's cache interval for this target's successes.
    pub min_interval: Option<Duration>,
    /// The exporter's usage thresholds for this target, in percent: warning, critical.
    pub usage: Thresholds,
}

/// Usage thresholds in percent of the limit, each where given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Thresholds {
    pub warning: Option<u32>,
    pub critical: Option<u32>,
}

/// A targets file: its targets and the exporter's settings.
#[derive(Debug, Clone, Default)]
pub struct TargetsFile {
    pub targets: Vec<TargetSpec>,
    pub serve: Serve,
}

/// The `[serve]` table.
#[derive(Debug, Clone, Default)]
pub struct Serve {
    pub listen: Option<std::net::SocketAddr>,
    pub min_interval: Option<Duration>,
    pub failure_interval: Option<Duration>,
    pub usage: Thresholds,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    target: Vec<TargetToml>,
    #[serde(default)]
    serve: Option<ServeToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeToml {
    listen: Option<Spanned<String>>,
    min_interval: Option<Spanned<toml::Value>>,
    failure_interval: Option<Spanned<toml::Value>>,
    usage_warning: Option<Spanned<toml::Value>>,
    usage_critical: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetToml {
    name: Spanned<String>,
    url: Spanned<String>,
    source: Option<Spanned<String>>,
    user: Option<String>,
    password_file: Option<PathBuf>,
    api_key_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    pinned_pubkey: Option<Spanned<String>>,
    insecure: Option<bool>,
    timeout: Option<Spanned<f64>>,
    min_interval: Option<Spanned<toml::Value>>,
    usage_warning: Option<Spanned<toml::Value>>,
    usage_critical: Option<Spanned<toml::Value>>,
}

/// Reads a targets file. Errors are whole messages: `FILE:LINE: what`.
pub fn read(path: &Path) -> Result<TargetsFile, String> {
    let shown = escape::path(path);
    let text =
        std::fs::read(path).map_err(|e| format!("{shown}: {}", escape::text(&e.to_string())))?;
    let text = String::from_utf8(text).map_err(|e| {
        let line = line_of(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        format!("{shown}:{line}: the file is not UTF-8")
    })?;
    parse(&text, path.parent().unwrap_or(Path::new(".")))
        .map_err(|(line, message)| format!("{shown}:{line}: {}", escape::text(&message)))
}

/// The line and URL of each target of a targets file's text, or the line and message of its
/// error: for the `targets_file` fuzz target.
///
/// # Errors
///
/// As the command reports them, without the file name.
pub fn urls(text: &str) -> Result<Vec<(usize, String)>, (usize, String)> {
    parse(text, Path::new("."))
        .map(|file| file.targets.into_iter().map(|s| (s.line, s.url)).collect())
}

/// Parses the file's text; relative paths resolve against `folder`.
#[doc(hidden)]
pub fn parse(text: &str, folder: &Path) -> Result<TargetsFile, (usize, String)> {
    let file: FileToml = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        (line, e.message().trim().to_owned())
    })?;
    let resolve = |p: PathBuf| if p.is_relative() { folder.join(p) } else { p };
    let mut specs: Vec<TargetSpec> = Vec::with_capacity(file.target.len());
    for t in file.target {
        let line = line_of(text, t.name.span().start);
        let name = t.name.into_inner();
        if name.trim().is_empty() {
            return Err((line, "a target's name is empty".into()));
        }
        if let Some(first) = specs.iter().find(|s| s.name == name) {
            return Err((
                line,
                format!(
                    "the target name {name:?} is used twice (first at line {}): names must be unique",
                    first.name_line
                ),
            ));
        }
        let source = match t.source {
            None => None,
            Some(s) => {
                let at = line_of(text, s.span().start);
                Some(match s.into_inner().as_str() {
                    "automation360" => SourceArg::Automation360,
                    "cisco-prime" => SourceArg::CiscoPrime,
                    "auto" => SourceArg::Auto,
                    other => {
                        return Err((
                            at,
                            format!(
                                "unknown source {other:?}: expected \"automation360\" or \"cisco-prime\""
                            ),
                        ));
                    }
                })
            }
        };
        if t.password_file.is_some() && t.api_key_file.is_some() {
            return Err((
                line,
                format!("target {name:?} has both password_file and api_key_file: give one"),
            ));
        }
        let timeout = match t.timeout {
            None => None,
            Some(s) => {
                let at = line_of(text, s.span().start);
                let seconds = *s.get_ref();
                if !(seconds > 0.0 && seconds <= 86_400.0) {
                    return Err((
                        at,
                        format!(
                            "a timeout is a number of seconds above 0 and at most 86400, not {seconds}"
                        ),
                    ));
                }
                Some(Duration::from_secs_f64(seconds))
            }
        };
        let pinned_pubkey = match t.pinned_pubkey {
            None => None,
            Some(pins) => {
                let at = line_of(text, pins.span().start);
                if t.insecure == Some(true) {
                    return Err((
                        at,
                        format!(
                            "target {name:?} has both pinned_pubkey and insecure = true: a pin \
                             verifies the server, insecure verifies nothing; give one"
                        ),
                    ));
                }
                Some(Pins::parse(pins.get_ref()).map_err(|e| (at, e.message().to_owned()))?)
            }
        };
        let url_line = line_of(text, t.url.span().start);
        let min_interval = t.min_interval.map(|d| duration(text, d)).transpose()?;
        let usage = thresholds(text, t.usage_warning, t.usage_critical)?;
        specs.push(TargetSpec {
            name,
            url: t.url.into_inner(),
            source,
            user: t.user,
            password_file: t.password_file.map(resolve),
            api_key_file: t.api_key_file.map(resolve),
            ca_file: t.ca_file.map(resolve),
            pinned_pubkey,
            insecure: t.insecure.unwrap_or(false),
            timeout,
            line: url_line,
            name_line: line,
            min_interval,
            usage,
        });
    }
    let serve = match file.serve {
        None => Serve::default(),
        Some(serve) => Serve {
            listen: serve
                .listen
                .map(|l| {
                    let at = line_of(text, l.span().start);
                    l.get_ref().parse().map_err(|_| {
                        (
                            at,
                            format!(
                                "listen is an IP address and port such as \"127.0.0.1:9841\" or \
                                 \"[::]:9841\", not {:?}",
                                l.get_ref()
                            ),
                        )
                    })
                })
                .transpose()?,
            min_interval: serve.min_interval.map(|d| duration(text, d)).transpose()?,
            failure_interval: serve
                .failure_interval
                .map(|d| duration(text, d))
                .transpose()?,
            usage: thresholds(text, serve.usage_warning, serve.usage_critical)?,
        },
    };
    Ok(TargetsFile {
        targets: specs,
        serve,
    })
}

/// The usage thresholds of a table: whole percentages (`90`, or `"90%"`) from 0 to 1000, the
/// warning at most the critical.
fn thresholds(
    text: &str,
    warning: Option<Spanned<toml::Value>>,
    critical: Option<Spanned<toml::Value>>,
) -> Result<Thresholds, (usize, String)> {
    let line = warning
        .as_ref()
        .map_or(1, |w| line_of(text, w.span().start));
    let percent = |value: Spanned<toml::Value>| {
        let at = line_of(text, value.span().start);
        let text = match value.get_ref() {
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::String(s) => s.clone(),
            toml::Value::Float(f) => f.to_string(),
            other => format!("a TOML {}", other.type_str()),
        };
        crate::cli::parse_percent(&text).map_err(|m| (at, m))
    };
    let usage = Thresholds {
        warning: warning.map(percent).transpose()?,
        critical: critical.map(percent).transpose()?,
    };
    if let (Some(w), Some(c)) = (usage.warning, usage.critical)
        && w > c
    {
        return Err((
            line,
            format!(
                "usage_warning ({w}) is above usage_critical ({c}): use is a warning before it is critical"
            ),
        ));
    }
    Ok(usage)
}

/// A duration: a number of seconds, or a Prometheus-style duration string.
fn duration(text: &str, value: Spanned<toml::Value>) -> Result<Duration, (usize, String)> {
    let at = line_of(text, value.span().start);
    let bad = |what: String| {
        (
            at,
            format!(
                "a duration is a number of seconds above 0 or a string such as \"90s\", \"5m\" \
                 or \"1h30m\", not {what}"
            ),
        )
    };
    let seconds = match value.get_ref() {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(f) => *f,
        toml::Value::String(s) => return parse_duration(s).ok_or_else(|| bad(format!("{s:?}"))),
        other => return Err(bad(other.type_str().to_owned())),
    };
    if seconds > 0.0 && seconds <= 31_622_400.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(bad(seconds.to_string()))
    }
}

/// `1h30m`, `90s`, `500ms`, `2d`: units in decreasing order, each once, as Prometheus writes
/// durations; at most a year and more than zero.
#[doc(hidden)]
pub fn parse_duration(text: &str) -> Option<Duration> {
    const UNITS: [(&str, u64); 6] = [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
        ("", 0),
    ];
    let mut rest = text;
    let mut total: u64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let i = UNITS[next_unit..].iter().position(|(u, _)| *u == unit)? + next_unit;
        if UNITS[i].1 == 0 {
            return None;
        }
        total = total.checked_add(n.checked_mul(UNITS[i].1)?)?;
        next_unit = i + 1;
    }
    (total > 0 && total <= 366 * 86_400_000).then(|| Duration::from_millis(total))
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
