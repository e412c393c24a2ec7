//! The subcommands: reading each input, decoding it record by record, rendering, exit codes.

use std::io::{self, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::error::ErrorKind as ClapErrorKind;
use clap::{CommandFactory as _, Parser as _};
use licscope::Limits;
use licscope::fetch::Endpoint;
use licscope::normalize::{
    Decoded, LicenseRecord, Policy, SourceHint, decode, from_automation360,
    from_cisco_prime_record, json_schema,
};
use licscope::prime::{JsonRecords, LicenseInfo, XmlStream, looks_like_xml};
use licscope::{Error, ErrorKind};
use time::OffsetDateTime;

use crate::cli::{
    Cli, Command, DecodeArgs, EvalArgs, FetchArgs, OutputFormat, SizeArgs, SourceArg,
};
use crate::escape;
use crate::fetching::{self, Fetching, Setup, api_of, is_url, source_of};
use crate::inputs::{self, Bounded, Input, glob_match};
use crate::output::Output;
use crate::render::{Format, JsonArray, Refusal, Renderer};
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

fn hint(source: SourceArg) -> SourceHint {
    match source {
        SourceArg::Auto => SourceHint::Auto,
        SourceArg::Automation360 => SourceHint::Automation360,
        SourceArg::CiscoPrime => SourceHint::CiscoPrime,
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
    let selected = |r: &LicenseRecord| {
        let feature = r.feature.as_deref().unwrap_or("");
        (args.features.is_empty() || args.features.iter().any(|g| glob_match(g, feature)))
            && !args.exclude_features.iter().any(|g| glob_match(g, feature))
    };
    // `check` answers by its deadline whatever an input does (a pipe or FIFO that never ends).
    let watchdog = budget
        .filter(|_| check)
        .map(|t| Watchdog::start(started + t, t, output.is_some()));
    let mut failed = false;
    for mut input in inputs {
        let mut written = 0usize;
        if let Some(w) = &watchdog {
            w.reading(&input.name);
        }
        take_answer(&mut input, fetching.as_mut(), deadline);
        let stem = input.stem();
        let label = input.fetch.as_mut().and_then(|f| f.label.take());
        let origin = Origin {
            explicit: args.origin.as_deref().or(label.as_deref()),
            stem: stem.as_deref(),
        };
        let source = input.source(args.source);
        let result = each_record(
            &mut input,
            source,
            &args.sizes,
            origin,
            &policy,
            &mut |record| {
                if selected(&record) {
                    renderer.record(&mut out, &record)?;
                    written += 1;
                }
                Ok(())
            },
        );
        if verbose.inputs {
            let outcome = if result.is_ok() { "read" } else { "failed" };
            report(&format!(
                "licscope: trace: {}: {outcome}, {written} record{} taken",
                input.name,
                if written == 1 { "" } else { "s" }
            ));
        }
        match result {
            Ok(()) => renderer.end_input(None),
            Err(mut detail) => {
                failed = true;
                if renderer.streams() && written > 0 {
                    let s = if written == 1 { "" } else { "s" };
                    detail.push_str(&format!(" ({written} record{s} of it written before)"));
                }
                // `check` reports failures in its own output, once.
                if !check {
                    report(&format!("licscope: error: {detail}"));
                }
                renderer.end_input(Some(&detail));
            }
        }
    }
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

/// The labels an input's records may take, by the origin rule: the explicit one, else (Prime)
/// the document's `rootUrl`, else the file stem.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin<'a> {
    pub(crate) explicit: Option<&'a str>,
    pub(crate) stem: Option<&'a str>,
}

impl<'a> Origin<'a> {
    fn of(self, root_url: Option<&'a str>) -> Option<&'a str> {
        self.explicit.or(root_url).or(self.stem)
    }
}

pub(crate) fn output_error(path: Option<&Path>, e: &io::Error) -> String {
    let name = path.map_or_else(|| "standard output".to_owned(), escape::path);
    format!("licscope: error: {name}: {}", escape::text(&e.to_string()))
}

/// Decodes one input and hands its records to `take` one at a time. Returns the failure's
/// error-line text (`NAME[:LINE:COL]: MESSAGE`, escaped).
pub(crate) fn each_record(
    input: &mut Input,
    source: SourceArg,
    sizes: &SizeArgs,
    origin: Origin<'_>,
    policy: &Policy,
    take: &mut dyn FnMut(LicenseRecord) -> Result<(), Refusal>,
) -> Result<(), String> {
    let name = &input.name.clone();
    let fail = |e: &Error| failure(name, e);
    let refused = |r: Refusal| match r {
        Refusal::Input(message) => format!("{name}: {}", escape::text(&message)),
        Refusal::Write(e) => format!("{name}: {}", escape::text(&e.to_string())),
    };
    let bytes = match open_input(input, source, sizes, true)? {
        Body::XmlStream(reader) => {
            let stream = XmlStream::<_, LicenseInfo<'static>>::with_limits(
                Bounded::new(reader, sizes.max_stream_size),
                &Limits::default(),
            )
            .map_err(|e| fail(&e))?;
            let root_url = stream.envelope().root_url.clone();
            let origin = origin.of(root_url.as_deref());
            return each_prime(stream, origin, policy, take, &fail, &refused);
        }
        Body::Whole(bytes) => bytes,
    };
    let xml = looks_like_xml(&bytes);
    // A plain Automation 360 document first, as detection reads it.
    if source == SourceArg::Auto
        && !xml
        && let Some(details) = licscope::a360::decode_plain(&bytes)
    {
        return take(from_automation360(&details, origin.of(None), policy)).map_err(refused);
    }
    let records = match hint(source) {
        SourceHint::Automation360 => None,
        SourceHint::CiscoPrime if !xml => Some(prime_json(&bytes)),
        SourceHint::Auto if !xml => {
            // Prime first, as detection does; a document that is not Prime's goes to detection,
            // which tries Automation 360 and words the error.
            match prime_json(&bytes) {
                Err(e) if e.is_other_document() => None,
                other => Some(other),
            }
        }
        _ => None,
    };
    if let Some(records) = records {
        let records = records.map_err(|e| fail(&e))?;
        let root_url = records.envelope().root_url.clone();
        let origin = origin.of(root_url.as_deref());
        return each_prime(records, origin, policy, take, &fail, &refused);
    }
    // Automation 360 (one record), or a small XML document read whole.
    match decode(&bytes, hint(source)).map_err(|e| fail(&e))? {
        Decoded::Automation360(details) => {
            take(from_automation360(&details, origin.of(None), policy)).map_err(refused)
        }
        Decoded::CiscoPrime(response) => {
            let origin = origin.of(response.root_url.as_deref());
            for record in response.records {
                take(from_cisco_prime_record(record, origin, policy)).map_err(refused)?;
            }
            Ok(())
        }
        _ => Err(format!(
            "{name}: a payload of an API this version cannot evaluate"
        )),
    }
}

/// Evaluates the Prime records a streaming decoder yields and hands them to `take`; `origin` is
/// the label already chosen (the envelope's `rootUrl`, else the input's).
fn each_prime<'a>(
    records: impl Iterator<Item = Result<LicenseInfo<'a>, Error>>,
    origin: Option<&str>,
    policy: &Policy,
    take: &mut dyn FnMut(LicenseRecord) -> Result<(), Refusal>,
    fail: &dyn Fn(&Error) -> String,
    refused: &dyn Fn(Refusal) -> String,
) -> Result<(), String> {
    for record in records {
        let record = record.map_err(|e| fail(&e))?;
        take(from_cisco_prime_record(record, origin, policy)).map_err(refused)?;
    }
    Ok(())
}

fn prime_json(bytes: &[u8]) -> Result<JsonRecords<'_, LicenseInfo<'_>>, Error> {
    JsonRecords::new(bytes, &Limits::default())
}

/// An input's content: streamed Prime XML, or a whole document.
enum Body {
    XmlStream(io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read>>),
    Whole(Vec<u8>),
}

/// Opens an input and reads what is needed to choose how to decode it: Prime XML longer than
/// the first bytes is streamed; anything else is read whole within `--max-document-size`, or
/// refused at its first bytes when they cannot start a license document.
fn open_input(
    input: &mut Input,
    source: SourceArg,
    sizes: &SizeArgs,
    stream: bool,
) -> Result<Body, String> {
    let name = &input.name.clone();
    let io_failure = |e: io::Error| format!("{name}: {}", escape::text(&e.to_string()));
    let (reader, size) = input.open().map_err(io_failure)?;
    let peeked = inputs::peek(reader).map_err(io_failure)?;
    let xml = looks_like_xml(&peeked.head);
    if !peeked.complete {
        if stream && xml && source != SourceArg::Automation360 {
            return Ok(Body::XmlStream(peeked.reader));
        }
        // Neither JSON nor XML starts here (zero bytes, a binary file): the error is in the first
        // bytes, and the rest need not be read. Errors near the cut could be the cut's, so only
        // one well before it is taken.
        let first = peeked
            .head
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        if !xml
            && first != Some(&b'{')
            && first != Some(&0xEF)
            && let Err(e) = decode(&peeked.head, hint(source))
            && !matches!(e.kind(), ErrorKind::Eof | ErrorKind::LimitExceeded)
            && e.offset().is_some_and(|o| o < 1024)
        {
            return Err(failure(name, &e));
        }
    }
    inputs::read_whole(peeked.reader, size, sizes.max_document_size)
        .map(Body::Whole)
        .map_err(|m| format!("{name}: {m}"))
}

/// The error-line text of a decoding error: `NAME:LINE:COL: MESSAGE` or `NAME: MESSAGE`.
fn failure(name: &str, e: &Error) -> String {
    match (e.line(), e.column()) {
        (Some(line), Some(column)) => format!("{name}:{line}:{column}: {}", e.message()),
        _ => format!("{name}: {}", e.message()),
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
    let mut array = JsonArray::default();
    let mut failed = false;
    for mut input in inputs {
        take_answer(&mut input, fetching.as_mut(), deadline);
        let source = input.source(args.source);
        let entry = open_input(&mut input, source, &args.sizes, false)
            .and_then(|body| match body {
                Body::Whole(bytes) => Ok(bytes),
                Body::XmlStream(_) => Err(format!("{}: not read whole", input.name)),
            })
            .and_then(|bytes| {
                let decoded = decode(&bytes, hint(source)).map_err(|e| failure(&input.name, &e))?;
                let (source, document) = match &decoded {
                    Decoded::Automation360(d) => ("automation360", serde_json::to_value(d)),
                    Decoded::CiscoPrime(r) => (
                        "cisco-prime",
                        serde_json::to_value(r).map(|v| serde_json::json!({ "mgmtResponse": v })),
                    ),
                    _ => {
                        return Err(format!(
                            "{}: a payload of an API this version cannot show",
                            input.name
                        ));
                    }
                };
                let document = document.map_err(|e| format!("{}: {e}", input.name))?;
                Ok(serde_json::json!({
                    "input": input.name,
                    "source": source,
                    "document": document,
                }))
            });
        match entry {
            Ok(entry) => {
                let _ = array.item(&mut out, &entry);
            }
            Err(detail) => {
                report(&format!("licscope: error: {detail}"));
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
    inputs: Vec<Input>,
    fetching: Option<Fetching>,
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
    source: SourceArg,
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
            inputs.extend(inputs::expand(std::slice::from_ref(arg)));
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
        let (label, api) = (endpoint.host_port(), endpoint.api());
        jobs.push(setup.job(endpoint, None, &shown));
        inputs.push(Input::fetched(shown, jobs.len() - 1, label, source_of(api)));
    }
    if let Some(file) = &fetch.targets {
        for spec in targets::read(file)?.targets {
            let at = format!("{}:{}", escape::path(file), spec.line);
            let name = escape::text(&spec.name);
            let api = spec.source.and_then(api_of).or(api_of(source));
            let endpoint = Endpoint::parse(&spec.url, api)
                .map_err(|e| format!("{at}: target {name}: {}", e.message()))?;
            let api = endpoint.api();
            jobs.push(setup.job(endpoint, Some(&spec), &name));
            inputs.push(Input::fetched(
                name,
                jobs.len() - 1,
                spec.name.clone(),
                source_of(api),
            ));
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
        Fetching::start(
            jobs,
            usize::from(fetch.jobs),
            fetching::client(fetch, trace),
            deadline,
            text,
            sizes,
            trace,
        )
    });
    Ok(Plan {
        inputs,
        fetching,
        deadline,
        budget,
    })
}

/// Gives a fetched input its answer, waiting for it until the deadline; marks a file input
/// reached after the deadline as not read.
fn take_answer(input: &mut Input, fetching: Option<&mut Fetching>, deadline: Option<Instant>) {
    match (input.fetch.as_ref().map(|f| f.index), fetching) {
        (Some(index), Some(fetching)) => input.answer(fetching.take(index)),
        _ => {
            if deadline.is_some_and(|d| Instant::now() >= d) && input.unreadable.is_none() {
                input.unreadable = Some(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "not read: the run's deadline (-t) passed",
                ));
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
