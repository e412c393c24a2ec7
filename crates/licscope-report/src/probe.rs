//! The exporter's prober, apart from any HTTP serving (as blackbox_exporter keeps its `prober`
//! package apart from its handler): a target fetched, evaluated and rendered as Prometheus
//! exposition, the result cached, concurrent probes sharing one fetch.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use licscope_fetch::{Api, Client, Target};
use licscope_normalize::{Policy, SourceHint};
use time::OffsetDateTime;

use crate::input::InputLimits;
use crate::pipeline::Pipeline;
use crate::render::{Format, Renderer};

/// A success is served from the cache this long unless told otherwise.
const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(300);
/// A failure is served from the cache this long unless told otherwise.
const DEFAULT_FAILURE_INTERVAL: Duration = Duration::from_secs(30);
/// How long a fetch may run when its target sets no timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// One target as the exporter probes it: fetched at most once per `min_interval` after a
/// success and per `failure_interval` after a failure, evaluated at the time of the fetch with
/// `check`'s default windows (30 and 7 days), its records rendered as
/// `normalize --format prometheus` renders them.
///
/// Cloning shares the cache.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use licscope_fetch::{Client, Endpoint, Target};
/// use licscope_report::probe::Prober;
///
/// let target = Target::new(Endpoint::parse("https://prime.example.net", None)?);
/// let prober = Prober::new("prime-east", target).with_min_interval(Duration::from_secs(600));
/// let client = Arc::new(Client::new());
/// let probe = prober.probe(&client, Instant::now() + Duration::from_secs(9));
/// match probe.result {
///     Ok(exposition) => print!("{}", String::from_utf8_lossy(&exposition)),
///     Err(reason) => eprintln!("prime-east: {reason}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Prober {
    settings: Arc<Settings>,
    cache: Arc<Cache>,
}

#[derive(Clone, Debug)]
struct Settings {
    name: String,
    target: Target,
    source: SourceHint,
    min_interval: Duration,
    failure_interval: Duration,
    timeout: Duration,
    limits: InputLimits,
}

#[derive(Debug, Default)]
struct Cache {
    state: Mutex<CacheState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct CacheState {
    latest: Option<(Instant, ProbeResult)>,
    fetching: bool,
}

/// The rendered exposition, or why the fetch failed.
pub type ProbeResult = Result<Arc<[u8]>, Arc<str>>;

/// What a probe answered.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Probe {
    /// The exposition of the target's records, or why there is none.
    pub result: ProbeResult,
    /// How the answer was got.
    pub got: Got,
}

/// How a probe got its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Got {
    /// From the cache, without waiting.
    Cached,
    /// From a fetch that this probe started or waited for.
    Fetched,
    /// No answer by the deadline; the fetch goes on and fills the cache.
    TimedOut,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every write under the lock is one assignment: a holder that panicked leaves whole values.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Prober {
    /// A prober of `target`, named `name` (the origin label of its records), with the default
    /// intervals (5 minutes, 30 seconds), timeout (60 s unless the target has one) and limits.
    pub fn new(name: impl Into<String>, target: Target) -> Prober {
        let source = match target.endpoint.api() {
            Api::Automation360 => SourceHint::Automation360,
            _ => SourceHint::CiscoPrime,
        };
        let timeout = target.timeout.unwrap_or(DEFAULT_TIMEOUT);
        Prober {
            settings: Arc::new(Settings {
                name: name.into(),
                target,
                source,
                min_interval: DEFAULT_MIN_INTERVAL,
                failure_interval: DEFAULT_FAILURE_INTERVAL,
                timeout,
                limits: InputLimits::default(),
            }),
            cache: Arc::default(),
        }
    }

    fn settings_mut(&mut self) -> &mut Settings {
        // Settings are set before the prober is shared; a shared one gets its own copy.
        Arc::make_mut(&mut self.settings)
    }

    /// Serves a success from the cache for `interval`.
    #[must_use]
    pub fn with_min_interval(mut self, interval: Duration) -> Prober {
        self.settings_mut().min_interval = interval;
        self
    }

    /// Serves a failure from the cache for `interval`.
    #[must_use]
    pub fn with_failure_interval(mut self, interval: Duration) -> Prober {
        self.settings_mut().failure_interval = interval;
        self
    }

    /// Reads answers within `limits`.
    #[must_use]
    pub fn with_limits(mut self, limits: InputLimits) -> Prober {
        self.settings_mut().limits = limits;
        self
    }

    /// The name it was given.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// Takes over the cache of `other` (a reload that left the target unchanged).
    pub fn share_cache(&mut self, other: &Prober) {
        self.cache = other.cache.clone();
    }

    /// The latest result if still fresh; else the result of a fetch (started here, or by a
    /// concurrent probe), waited for until `deadline`. The fetch runs on a thread of its own
    /// and fills the cache even when the deadline passes first.
    pub fn probe(&self, client: &Arc<Client>, deadline: Instant) -> Probe {
        let cache = &self.cache;
        let mut state = lock(&cache.state);
        let mut waited = false;
        loop {
            if let Some((at, result)) = &state.latest {
                let interval = if result.is_ok() {
                    self.settings.min_interval
                } else {
                    self.settings.failure_interval
                };
                if at.elapsed() < interval {
                    let got = if waited { Got::Fetched } else { Got::Cached };
                    return Probe {
                        result: result.clone(),
                        got,
                    };
                }
            }
            if !state.fetching {
                state.fetching = true;
                let (prober, client) = (self.clone(), client.clone());
                std::thread::spawn(move || {
                    let result = prober.fetch(&client).map_err(Arc::from);
                    let mut state = lock(&prober.cache.state);
                    state.latest = Some((Instant::now(), result));
                    state.fetching = false;
                    prober.cache.changed.notify_all();
                });
            }
            waited = true;
            let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
            else {
                return Probe {
                    result: Err(Arc::from(
                        "timed out: no answer within the scrape's deadline; the fetch goes on and \
                         fills the cache",
                    )),
                    got: Got::TimedOut,
                };
            };
            state = cache
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Fetches the target and renders its records.
    fn fetch(&self, client: &Client) -> Result<Arc<[u8]>, String> {
        let s = &self.settings;
        let deadline = Some(Instant::now() + s.timeout);
        let fetched = crate::fetched::fetch(client, &s.target, deadline, s.limits)
            .map_err(|e| e.to_string())?;
        let mut input = fetched
            .into_input(s.name.clone())
            .with_source(s.source)
            .with_origin(s.name.clone());
        let policy = Policy::new(OffsetDateTime::now_utc());
        let pipeline = Pipeline::new(policy).with_limits(s.limits);
        let mut renderer = Renderer::new(Format::Prometheus, &policy);
        let mut out = Vec::new();
        // The error's "NAME: " prefix is the target's name, which the probe's log line has.
        pipeline
            .each_record(&mut input, &mut |record| renderer.record(&mut out, &record))
            .map_err(|e| match e.location() {
                None => e.message().to_owned(),
                Some(_) => e.to_string(),
            })?;
        renderer.end_input(None);
        renderer.finish(&mut out).map_err(|e| e.to_string())?;
        Ok(Arc::from(out))
    }
}
