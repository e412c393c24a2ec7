//! The subcommands: reading each input, decoding it record by record, rendering, exit codes.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::error::ErrorKind as ClapErrorKind;
use clap::{CommandFactory as _, Parser as _};
use licscope::fetch::Endpoint;
use licscope::normalize::{Policy, SourceHint, json_schema};
use licscope::report::fetched::{FetchFailure, FetchPool};
use licscope::report::render::JsonArray;
use licscope::report::{Format, Input, InputLimits, Pipeline, Renderer, Selection, escape, input};
use time::OffsetDateTime;

use crate::cli::{Cli, Command, DecodeArgs, EvalArgs, FetchArgs, OutputFormat, SizeArgs};
use crate::fetching::{self, Setup, api_of, is_url, source_of};
use crate::output::Output;
use crate::targets;

/// Exit code of a usage error for `check`: Nagios reads 2 as CRITICAL, so it is UNKNOWN (3).
const CHECK_USAGE_ERROR: u8 = 3;
/// How long `check`'s status line for a usage error may grow, in bytes, before it is cut.
const USAGE_LINE_MAX: usize = 1000;
/// Exit code of a usage error for the other subcommands, as clap and most tools use.
const USAGE_ERROR: u8 = 2;

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let started = Instant::now();
    let is_check = std::env::args_os().nth(1).is_some_and(|a| a == "check");
    let usage_error = if is_check {
        CHECK_USAGE_ERROR
    } else {
        USAGE_ERROR
    };
    let cli = match Cli::try_parse() {
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

/// Writes one line to standard error; if that fails there is nowhere left to say so.
pub(crate) fn report(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
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
        .with_crit_days(args.crit_days);
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

/// The byte limits the size flags give.
pub(crate) fn limits(sizes: &SizeArgs) -> InputLimits {
    InputLimits::default()
        .with_max_document_size(sizes.max_document_size)
        .with_max_stream_size(sizes.max_stream_size)
}

pub(crate) fn output_error(path: Option<&Path>, e: &io::Error) -> String {
    let name = path.map_or_else(|| "standard output".to_owned(), escape::path);
    format!("licscope: error: {name}: {}", escape::text(&e.to_string()))
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

/// The inputs of a run, the fetches of its URL inputs and targets, and its deadline.
struct Plan {
    inputs: Vec<Planned>,
    fetching: Option<FetchPool>,
    /// When work stops: a little before the run's deadline.
    deadline: Option<Instant>,
    /// The run's deadline (`-t`, or the default of a run that fetches).
    budget: Option<Duration>,
}

/// Expands the FILE and URL arguments and the targets file into inputs, and starts fetching.
/// A URL or targets file that cannot be used is a usage error (its message is returned); a
/// target whose credentials or CA file cannot be read fails as an input.
fn plan(
    files: &[PathBuf],
    source: crate::cli::SourceArg,
    fetch: &FetchArgs,
    sizes: &SizeArgs,
    trace: bool,
    started: Instant,
) -> Result<Plan, String> {
    let env = |name: &str| std::env::var(name).ok();
    let mut setup = Setup::new(&fetch.credentials, &env);
    let mut inputs = Vec::new();
    let mut jobs = Vec::new();
    for arg in files {
        if !is_url(arg) {
            inputs.extend(
                input::expand(std::slice::from_ref(arg))
                    .into_iter()
                    .map(Planned::Ready),
            );
            continue;
        }
        let text = arg.to_str().ok_or("a URL argument is not UTF-8")?;
        // A URL with user information is refused without being repeated.
        let shown = if text.contains('@') {
            "a URL argument".to_owned()
        } else {
            escape::text(text)
        };
        let endpoint = Endpoint::parse(text, api_of(source))
            .map_err(|e| format!("{shown}: {}", e.message()))?;
        let planned = Planned::fetched(shown.clone(), jobs.len(), endpoint.host_port(), &endpoint);
        jobs.push(setup.job(endpoint, None, &shown));
        inputs.push(planned);
    }
    if let Some(file) = &fetch.targets {
        for spec in targets::read(file)?.targets {
            let at = format!("{}:{}", escape::path(file), spec.line);
            let name = escape::text(&spec.name);
            let api = spec.source.and_then(api_of).or(api_of(source));
            let endpoint = Endpoint::parse(&spec.url, api)
                .map_err(|e| format!("{at}: target {name}: {}", e.message()))?;
            let planned = Planned::fetched(name.clone(), jobs.len(), spec.name.clone(), &endpoint);
            jobs.push(setup.job(endpoint, Some(&spec), &name));
            inputs.push(planned);
        }
    }
    let budget = fetch
        .timeout
        .or((!jobs.is_empty()).then_some(fetching::DEFAULT_DEADLINE));
    // Work stops a little before the deadline, so that the answer is out within it.
    let deadline = budget.map(|t| started + t - (t / 10).min(Duration::from_millis(250)));
    let fetching = (!jobs.is_empty()).then(|| {
        let text = match fetch.timeout {
            Some(t) => format!("-t {}", t.as_secs_f64()),
            None => format!(
                "{} s by default, -t to change",
                fetching::DEFAULT_DEADLINE.as_secs()
            ),
        };
        FetchPool::start(
            jobs,
            usize::from(fetch.jobs),
            fetching::client(fetch, trace),
            deadline,
            text,
            limits(sizes),
        )
    });
    Ok(Plan {
        inputs,
        fetching,
        deadline,
        budget,
    })
}

/// An input of a run: a file or standard input, or a fetch whose answer is taken when the
/// input's turn comes.
enum Planned {
    Ready(Input),
    Fetch {
        name: String,
        /// Its job's index in the pool.
        index: usize,
        /// The origin label of its records: the target's name, else the URL's host and port.
        label: String,
        source: SourceHint,
        /// The server's host and port, for the pin hint.
        server: String,
    },
}

impl Planned {
    fn fetched(name: String, index: usize, label: String, endpoint: &Endpoint) -> Planned {
        Planned::Fetch {
            name,
            index,
            label,
            source: source_of(endpoint.api()),
            server: endpoint.host_port(),
        }
    }

    fn name(&self) -> &str {
        match self {
            Planned::Ready(input) => input.name(),
            Planned::Fetch { name, .. } => name,
        }
    }
}

/// The input of `planned`: a fetch's answer, waited for until the deadline; a file reached
/// after the deadline, made to fail as not read. With `hint`, a refused certificate also says
/// on standard error how to check its pin before trusting it.
fn take_answer(
    planned: Planned,
    pool: Option<&mut FetchPool>,
    deadline: Option<Instant>,
    hint: bool,
) -> Input {
    match (planned, pool) {
        (
            Planned::Fetch {
                name,
                index,
                label,
                source,
                server,
            },
            Some(pool),
        ) => {
            let input = match pool.take(index) {
                Ok(answer) => answer.into_input(name),
                Err(e) => {
                    if let FetchFailure::Fetch(e) = &e
                        && let Some(cert) = e.certificate().filter(|_| hint)
                    {
                        report(&fetching::pin_hint(&server, &cert.pin));
                    }
                    Input::unreadable(name, io::Error::other(e.to_string()))
                }
            };
            input.with_source(source).with_origin(label)
        }
        (Planned::Fetch { name, .. }, None) => {
            Input::unreadable(name, io::Error::other("not fetched"))
        }
        (Planned::Ready(input), _) => {
            if deadline.is_some_and(|d| Instant::now() >= d) && !input.is_unreadable() {
                input.failing(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "not read: the run's deadline (-t) passed",
                ))
            } else {
                input
            }
        }
    }
}

/// Ends `check` with UNKNOWN at its deadline if it is still reading an input then: an input
/// that never ends (a pipe, a FIFO) cannot block a read past it. Fetches end before the deadline
/// by themselves; this is for what the command cannot interrupt.
struct Watchdog {
    state: Arc<Mutex<Watched>>,
}

/// What the watchdog looks at when the deadline comes.
#[derive(Default)]
struct Watched {
    /// The input being read.
    reading: String,
    /// Whether the answer is being written (then the watchdog stands down).
    finishing: bool,
}

impl Watchdog {
    fn start(at: Instant, budget: Duration, to_file: bool) -> Watchdog {
        let state = Arc::new(Mutex::new(Watched::default()));
        let watchdog = Watchdog {
            state: state.clone(),
        };
        std::thread::spawn(move || {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            // Held until the process ends: the main thread cannot start writing its answer.
            let state = crate::lock(&state);
            if state.finishing {
                return;
            }
            let mut line = format!(
                "LICENSES UNKNOWN - timed out after {} s (-t) while reading ",
                budget.as_secs_f64()
            );
            escape::push_nagios(&mut line, &state.reading);
            if to_file {
                // The answer's file cannot be written in time: its temporary file goes, and the
                // line goes to standard error.
                crate::output::remove_pending();
                report(&format!("licscope: error: {line}"));
            } else {
                let _ = writeln!(io::stdout().lock(), "{line}");
            }
            std::process::exit(i32::from(CHECK_USAGE_ERROR));
        });
        watchdog
    }

    fn reading(&self, name: &str) {
        name.clone_into(&mut crate::lock(&self.state).reading);
    }

    fn finishing(&self) {
        crate::lock(&self.state).finishing = true;
    }
}
