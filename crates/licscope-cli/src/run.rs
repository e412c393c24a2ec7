//! The subcommands: reading each input, decoding it record by record, rendering, exit codes.

use std::io::{self, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{CommandFactory as _, Parser as _};
use licscope::normalize::{Policy, json_schema};
use licscope::report::render::JsonArray;
use licscope::report::{Format, Pipeline, Renderer, Selection, escape};
use time::OffsetDateTime;

use crate::cli::{Cli, Command, DecodeArgs, EvalArgs, OutputFormat};
use crate::output::Output;
use crate::plan::{Plan, Watchdog, plan, take_answer};
use crate::shared::{CHECK_USAGE_ERROR, limits, output_error, report};

/// How long `check`'s status line for a usage error may grow, in bytes, before it is cut.
const USAGE_LINE_MAX: usize = 1000;
/// Exit code of a usage error for the other subcommands, as clap and most tools use.
const USAGE_ERROR: u8 = 2;

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let started = Instant::now();
    let args = arguments(std::env::args_os().collect());
    let is_check = args.get(1).is_some_and(|a| a == "check");
    let usage_error = if is_check {
        CHECK_USAGE_ERROR
    } else {
        USAGE_ERROR
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            return ExitCode::from(match e.kind() {
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
                    let _ = e.print();
                    0
                }
                _ => usage_failed(usage_error, &e),
            });
        }
    };
    let eval = match &cli.command {
        Command::Normalize(args) => Some(&args.eval),
        Command::Check(args) => Some(&args.eval),
        _ => None,
    };
    if let Some(args) = eval
        && args.warn_days < args.crit_days
    {
        return ExitCode::from(usage(
            usage_error,
            format!(
                "--warn-days ({}) is smaller than --crit-days ({}): the warning window must hold \
                 the critical one",
                args.warn_days, args.crit_days
            ),
        ));
    }
    if let Some(args) = eval
        && args.usage_warning > args.usage_critical
    {
        return ExitCode::from(usage(
            usage_error,
            format!(
                "--usage-warning ({}) is above --usage-critical ({}): use is a warning before it \
                 is critical",
                args.usage_warning, args.usage_critical
            ),
        ));
    }
    ExitCode::from(match &cli.command {
        Command::Normalize(args) => evaluate(
            &args.eval,
            format(args.format),
            args.output.as_deref(),
            Verbosity {
                records: false,
                requests: args.verbose > 0,
                inputs: false,
            },
            false,
            started,
        ),
        Command::Check(args) => evaluate(
            &args.eval,
            Format::Nagios,
            args.output.as_deref(),
            Verbosity {
                records: args.verbose > 0,
                requests: args.verbose > 0,
                inputs: args.verbose > 1,
            },
            true,
            started,
        ),
        Command::Decode(args) => decode_command(args, started),
        Command::Serve(args) => crate::serve::serve(args),
        Command::Pin(args) => crate::pin::pin(args, |m| usage(usage_error, m)),
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
            let written = Output::open(None)
                .and_then(|mut out| writeln!(out, "{schema}").and_then(|()| out.close()));
            match written {
                Ok(()) => 0,
                Err(e) => {
                    report(&output_error(None, &e));
                    1
                }
            }
        }
    })
}

/// Prints a usage error as clap does and returns `code`.
/// The command line, as `licscope check` when the program is called `check_licscope` (the
/// name monitoring plugins go by: a link `/usr/lib/nagios/plugins/check_licscope` to the
/// binary), as busybox-style tools read their name.
fn arguments(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let called = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .is_some_and(|n| n == "check_licscope");
    if called {
        args.insert(1, "check".into());
    }
    args
}

fn usage(code: u8, message: String) -> u8 {
    // With the subcommand's usage (`licscope check [OPTIONS] ...`), as clap's own errors have.
    let mut command = Cli::command();
    command.build();
    let subcommand = std::env::args_os()
        .nth(1)
        .and_then(|name| command.find_subcommand_mut(name).cloned());
    let e = subcommand
        .unwrap_or(command)
        .error(ClapErrorKind::ArgumentConflict, message);
    usage_failed(code, &e)
}

/// Prints a usage error on standard error as clap does and returns `code`; for `check`, also
/// answers UNKNOWN on standard output, as monitoring plugins answer bad arguments, so that the
/// monitoring system shows why rather than "no output".
fn usage_failed(code: u8, e: &clap::Error) -> u8 {
    let _ = e.print();
    if code == CHECK_USAGE_ERROR {
        // The message is clap's up to its first blank line (before the usage and tips), its
        // lines joined: a required argument is named on the line after the message.
        let text = e.render().to_string();
        let message = text.split("\n\n").next().unwrap_or_default();
        let message = message.strip_prefix("error: ").unwrap_or(message);
        let mut line = String::from("LICENSES UNKNOWN - usage error:");
        for part in message.lines().map(str::trim).filter(|p| !p.is_empty()) {
            line.push(' ');
            escape::push_nagios(&mut line, part);
        }
        // An argument can be long; the status line stays short (Nagios keeps about 8 KiB).
        if line.len() > USAGE_LINE_MAX {
            let mut end = USAGE_LINE_MAX;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
            line.push_str("...");
        }
        let _ = writeln!(io::stdout().lock(), "{line}");
    }
    code
}

fn format(f: OutputFormat) -> Format {
    match f {
        OutputFormat::Json => Format::Json,
        OutputFormat::Ndjson => Format::Ndjson,
        OutputFormat::Table => Format::Table,
        OutputFormat::Prometheus => Format::Prometheus,
    }
}

/// What `-v` shows.
#[derive(Clone, Copy, Debug)]
struct Verbosity {
    /// Every record in `check`'s long output.
    records: bool,
    /// Every HTTP exchange, on standard error.
    requests: bool,
    /// Every input's outcome, on standard error.
    inputs: bool,
}

/// `normalize` and `check`: every input, record by record, into one renderer.
fn evaluate(
    args: &EvalArgs,
    format: Format,
    output: Option<&Path>,
    verbose: Verbosity,
    check: bool,
    started: Instant,
) -> u8 {
    let io_error = if check { CHECK_USAGE_ERROR } else { 1 };
    let usage_error = if check {
        CHECK_USAGE_ERROR
    } else {
        USAGE_ERROR
    };
    let plan = match plan(
        &args.files,
        args.source,
        &args.fetch,
        &args.sizes,
        verbose.requests,
        started,
    ) {
        Ok(plan) => plan,
        Err(message) => return usage(usage_error, message),
    };
    let Plan {
        inputs,
        mut fetching,
        deadline,
        budget,
    } = plan;
    if args.origin.is_some() && inputs.len() > 1 {
        return usage(
            usage_error,
            format!(
                "--origin labels one input, and the arguments name {}: leave it out to label \
                 each by its rootUrl or file name",
                inputs.len()
            ),
        );
    }
    let policy = Policy::new(args.as_of.unwrap_or_else(OffsetDateTime::now_utc))
        .with_warn_days(args.warn_days)
        .with_crit_days(args.crit_days)
        .with_usage_warning(args.usage_warning)
        .with_usage_critical(args.usage_critical);
    let mut out = match Output::open(output) {
        Ok(out) => out,
        Err(e) => {
            report(&output_error(output, &e));
            return io_error;
        }
    };
    let mut renderer = Renderer::new(format, &policy);
    if verbose.records
        && let Renderer::Nagios(n) = &mut renderer
    {
        n.show_every_record();
    }
    let selection = args
        .features
        .iter()
        .fold(Selection::new(), |s, g| s.include(g.as_str()));
    let selection = args
        .exclude_features
        .iter()
        .fold(selection, |s, g| s.exclude(g.as_str()));
    let pipeline = Pipeline::new(policy)
        .with_source(args.source.hint())
        .with_limits(limits(&args.sizes))
        .with_selection(selection);
    // `check` answers by its deadline whatever an input does (a pipe or FIFO that never ends).
    let watchdog = budget
        .filter(|_| check)
        .map(|t| Watchdog::start(started + t, t, output.is_some()));
    let inputs = inputs.into_iter().map(|planned| {
        if let Some(w) = &watchdog {
            w.reading(planned.name());
        }
        let input = take_answer(planned, fetching.as_mut(), deadline, verbose.requests);
        match &args.origin {
            Some(origin) => input.with_origin(origin.as_str()),
            None => input,
        }
    });
    let streams = renderer.streams();
    let mut failed = false;
    pipeline.render(inputs, &mut renderer, &mut out, &mut |outcome| {
        let written = outcome.records;
        if verbose.inputs {
            let result = if outcome.error.is_none() {
                "read"
            } else {
                "failed"
            };
            report(&format!(
                "licscope: trace: {}: {result}, {written} record{} taken",
                outcome.input.name(),
                if written == 1 { "" } else { "s" }
            ));
        }
        if let Some(why) = outcome.input.missing_part().filter(|_| !check) {
            report(&format!(
                "licscope: warning: {}: {}",
                outcome.input.name(),
                why
            ));
        }
        if let Some(e) = outcome.error {
            failed = true;
            // `check` reports failures in its own output, once.
            if !check {
                let mut detail = e.to_string();
                if streams && written > 0 {
                    let s = if written == 1 { "" } else { "s" };
                    detail.push_str(&format!(" ({written} record{s} of it written before)"));
                }
                report(&format!("licscope: error: {detail}"));
            }
        }
    });
    if let Some(w) = &watchdog {
        w.finishing();
    }
    let code = if check {
        renderer.nagios_code()
    } else {
        u8::from(failed)
    };
    match renderer.finish(&mut out).and_then(|()| out.close()) {
        Ok(()) => code,
        Err(e) => {
            report(&output_error(output, &e));
            io_error
        }
    }
}

/// `decode`: each input's vendor model, as one JSON array written input by input.
fn decode_command(args: &DecodeArgs, started: Instant) -> u8 {
    let Plan {
        inputs,
        mut fetching,
        deadline,
        ..
    } = match plan(
        &args.files,
        args.source,
        &args.fetch,
        &args.sizes,
        args.verbose > 0,
        started,
    ) {
        Ok(plan) => plan,
        Err(message) => return usage(USAGE_ERROR, message),
    };
    let mut out = match Output::open(args.output.as_deref()) {
        Ok(out) => out,
        Err(e) => {
            report(&output_error(args.output.as_deref(), &e));
            return 1;
        }
    };
    let pipeline = Pipeline::new(Policy::new(OffsetDateTime::now_utc()))
        .with_source(args.source.hint())
        .with_limits(limits(&args.sizes));
    let mut array = JsonArray::default();
    let mut failed = false;
    for planned in inputs {
        let mut input = take_answer(planned, fetching.as_mut(), deadline, args.verbose > 0);
        match pipeline.decode(&mut input) {
            Ok(entry) => {
                let _ = array.item(&mut out, &entry);
            }
            Err(e) => {
                report(&format!("licscope: error: {e}"));
                failed = true;
            }
        }
    }
    match array.close(&mut out).and_then(|()| out.close()) {
        Ok(()) => u8::from(failed),
        Err(e) => {
            report(&output_error(args.output.as_deref(), &e));
            1
        }
    }
}
