//! The exporter's prober, apart from any HTTP serving (as blackbox_exporter keeps its `prober`
//! package apart from its handler): a target fetched, evaluated and rendered as Prometheus
//! exposition, the result cached, concurrent probes sharing one fetch.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

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
    /// The usage thresholds, in percent of the limit: warning, critical.
    usage: (u32, u32),
    stats: Option<Arc<Stats>>,
}

#[derive(Debug, Default)]
struct Cache {
    state: Mutex<CacheState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct CacheState {
    latest: Option<(Instant, ProbeResult, Missing)>,
    fetching: bool,
}

/// The rendered exposition, or why the fetch failed.
pub type ProbeResult = Result<Arc<[u8]>, Arc<str>>;

/// Why part of a successful fetch is missing (a Control Room's product list), if it is.
type Missing = Option<Arc<str>>;

/// What a probe answered.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Probe {
    /// The exposition of the target's records, or why there is none.
    pub result: ProbeResult,
    /// How the answer was got.
    pub got: Got,
    /// Why a part of a successful answer is missing: a Control Room's product list could not
    /// be fetched or decoded (its details are in `result`).
    pub missing: Option<Arc<str>>,
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
                usage: (90, 100),
                stats: None,
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

    /// Judges usage with these thresholds, in percent of the limit (default 90 and 100, as
    /// [`Policy::new`]).
    #[must_use]
    pub fn with_usage_thresholds(mut self, warning: u32, critical: u32) -> Prober {
        self.settings_mut().usage = (warning, critical);
        self
    }

    /// Counts in `stats` what its fetches miss (a Control Room's product list).
    #[must_use]
    pub fn with_stats(mut self, stats: Arc<Stats>) -> Prober {
        self.settings_mut().stats = Some(stats);
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
            if let Some((at, result, missing)) = &state.latest {
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
                        missing: missing.clone(),
                    };
                }
            }
            if !state.fetching {
                state.fetching = true;
                let (prober, client) = (self.clone(), client.clone());
                std::thread::spawn(move || {
                    let (result, missing) = match prober.fetch(&client) {
                        Ok((exposition, missing)) => (Ok(exposition), missing),
                        Err(e) => (Err(Arc::from(e)), None),
                    };
                    let mut state = lock(&prober.cache.state);
                    state.latest = Some((Instant::now(), result, missing));
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
                    missing: None,
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
    fn fetch(&self, client: &Client) -> Result<(Arc<[u8]>, Missing), String> {
        let s = &self.settings;
        let deadline = Some(Instant::now() + s.timeout);
        let fetched = crate::fetched::fetch(client, &s.target, deadline, s.limits)
            .map_err(|e| e.to_string())?;
        let mut input = fetched
            .into_input(s.name.clone())
            .with_source(s.source)
            .with_origin(s.name.clone());
        let policy = Policy::new(OffsetDateTime::now_utc())
            .with_usage_warning(s.usage.0)
            .with_usage_critical(s.usage.1);
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
        let missing = input.missing_part().map(Arc::from);
        if let (Some(stats), Some(_)) = (&s.stats, &missing) {
            stats.missing_part();
        }
        renderer.end_input(None);
        renderer.finish(&mut out).map_err(|e| e.to_string())?;
        Ok((Arc::from(out), missing))
    }
}

/// The exporter's own metrics, counted apart from HTTP: probes by outcome, answers from the
/// cache, requests to the vendors by status code, and the config's reloads.
///
/// ```
/// let stats = licscope_report::probe::Stats::default();
/// stats.probe("success");
/// stats.vendor_request(Some(200));
/// let text = stats.render(3);
/// assert!(text.contains("licscope_exporter_probes_total{outcome=\"success\"} 1\n"));
/// assert!(text.contains("licscope_exporter_vendor_requests_total{code=\"200\"} 1\n"));
/// assert!(text.contains("licscope_exporter_targets 3\n"));
/// ```
#[derive(Debug, Default)]
pub struct Stats {
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    probes: BTreeMap<&'static str, u64>,
    cache_hits: u64,
    vendor: BTreeMap<String, u64>,
    missing_parts: u64,
    reload_ok: bool,
    reload_at: f64,
}

impl Stats {
    /// Counts a probe answered with `outcome` (`success`, `failure`, `timeout`,
    /// `unknown_target`).
    pub fn probe(&self, outcome: &'static str) {
        *lock(&self.counts).probes.entry(outcome).or_default() += 1;
    }

    /// Counts a fetch that got a Control Room's license details but not its product list.
    pub fn missing_part(&self) {
        lock(&self.counts).missing_parts += 1;
    }

    /// Counts a probe answered from the cache.
    pub fn cache_hit(&self) {
        lock(&self.counts).cache_hits += 1;
    }

    /// Counts a request to a vendor's server and its status (`None`: no answer arrived).
    pub fn vendor_request(&self, status: Option<u16>) {
        let code = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
        *lock(&self.counts).vendor.entry(code).or_default() += 1;
    }

    /// Records a load of the config, and whether it succeeded.
    pub fn reloaded(&self, ok: bool) {
        let mut counts = lock(&self.counts);
        counts.reload_ok = ok;
        if ok {
            counts.reload_at = unix_now();
        }
    }

    /// The metrics in the text exposition format; `targets` is the loaded config's count.
    pub fn render(&self, targets: usize) -> String {
        let counts = lock(&self.counts);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP licscope_build_info The licscope version of this exporter.\n\
             # TYPE licscope_build_info gauge\nlicscope_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out.push_str(
            "# HELP licscope_exporter_probes_total Probes answered, by outcome.\n\
             # TYPE licscope_exporter_probes_total counter\n",
        );
        for outcome in ["success", "failure", "timeout", "unknown_target"] {
            let n = counts.probes.get(outcome).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "licscope_exporter_probes_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP licscope_exporter_cache_hits_total Probes answered from the cache, without \
             a fetch.\n# TYPE licscope_exporter_cache_hits_total counter\n\
             licscope_exporter_cache_hits_total {}",
            counts.cache_hits
        );
        out.push_str(
            "# HELP licscope_exporter_vendor_requests_total HTTP requests to the vendors' \
             servers, by status code (none: no answer arrived).\n\
             # TYPE licscope_exporter_vendor_requests_total counter\n",
        );
        for (code, n) in &counts.vendor {
            let _ = writeln!(
                out,
                "licscope_exporter_vendor_requests_total{{code=\"{code}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP licscope_exporter_missing_parts_total Fetches that got a Control Room's \
             license details but not its product list (seats): the probe succeeded without \
             them.\n# TYPE licscope_exporter_missing_parts_total counter\n\
             licscope_exporter_missing_parts_total{{part=\"products\"}} {}",
            counts.missing_parts
        );
        let _ = writeln!(
            out,
            "# HELP licscope_exporter_targets Targets in the loaded config.\n\
             # TYPE licscope_exporter_targets gauge\nlicscope_exporter_targets {}\n\
             # HELP licscope_exporter_config_last_reload_successful Whether the last config \
             load succeeded.\n# TYPE licscope_exporter_config_last_reload_successful gauge\n\
             licscope_exporter_config_last_reload_successful {}\n\
             # HELP licscope_exporter_config_last_reload_success_timestamp_seconds When the \
             config was last loaded, as a Unix timestamp in seconds.\n\
             # TYPE licscope_exporter_config_last_reload_success_timestamp_seconds gauge\n\
             licscope_exporter_config_last_reload_success_timestamp_seconds {}",
            targets,
            u8::from(counts.reload_ok),
            counts.reload_at
        );
        out
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
