//! The inputs of a run: FILE and URL arguments and the targets file expanded, fetches started
//! in a pool, each fetched answer taken when its input's turn comes, and `check`'s watchdog for
//! the run's deadline.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use licscope::fetch::Endpoint;
use licscope::normalize::SourceHint;
use licscope::report::fetched::{FetchFailure, FetchPool};
use licscope::report::{Input, escape, input};

use crate::cli::{FetchArgs, SizeArgs, SourceArg};
use crate::fetching::{self, Setup, api_of, is_url, source_of};
use crate::shared::{CHECK_USAGE_ERROR, limits, report};
use crate::targets;

/// The inputs of a run, the fetches of its URL inputs and targets, and its deadline.
pub(crate) struct Plan {
    pub(crate) inputs: Vec<Planned>,
    pub(crate) fetching: Option<FetchPool>,
    /// When work stops: a little before the run's deadline.
    pub(crate) deadline: Option<Instant>,
    /// The run's deadline (`-t`, or the default of a run that fetches).
    pub(crate) budget: Option<Duration>,
}

/// Expands the FILE and URL arguments and the targets file into inputs, and starts fetching.
/// A URL or targets file that cannot be used is a usage error (its message is returned); a
/// target whose credentials or CA file cannot be read fails as an input.
pub(crate) fn plan(
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
pub(crate) enum Planned {
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

    pub(crate) fn name(&self) -> &str {
        match self {
            Planned::Ready(input) => input.name(),
            Planned::Fetch { name, .. } => name,
        }
    }
}

/// The input of `planned`: a fetch's answer, waited for until the deadline; a file reached
/// after the deadline, made to fail as not read. With `hint`, a refused certificate also says
/// on standard error how to check its pin before trusting it.
pub(crate) fn take_answer(
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
pub(crate) struct Watchdog {
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
    pub(crate) fn start(at: Instant, budget: Duration, to_file: bool) -> Watchdog {
        let state = Arc::new(Mutex::new(Watched::default()));
        let watchdog = Watchdog {
            state: state.clone(),
        };
        std::thread::spawn(move || {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            // Held until the process ends: the main thread cannot start writing its answer.
            let state = crate::shared::lock(&state);
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

    pub(crate) fn reading(&self, name: &str) {
        name.clone_into(&mut crate::shared::lock(&self.state).reading);
    }

    pub(crate) fn finishing(&self) {
        crate::shared::lock(&self.state).finishing = true;
    }
}
