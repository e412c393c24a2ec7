//! `licscope serve`: a Prometheus exporter for the targets of a config file, in the
//! multi-target pattern of blackbox_exporter and snmp_exporter.
//!
//! - `GET /probe?target=NAME`: the target's metrics (the families of `normalize --format
//!   prometheus`) and `licscope_probe_success`, `licscope_probe_duration_seconds`. A success is
//!   cached for `min_interval`, a failure for `failure_interval`; concurrent probes of a
//!   target wait for one fetch. A probe answers by the scrape's deadline (the
//!   `X-Prometheus-Scrape-Timeout-Seconds` header less 0.5 s, 9.5 s without it); a fetch still
//!   running then goes on in the background and fills the cache.
//! - `GET /metrics` (the exporter's own), `GET /`, `GET /-/healthy`, `GET /-/ready`,
//!   `POST /-/reload` (with `--web.enable-lifecycle` only, else 403).
//! - The web layer is `licscope-web`: the `--web.config.file` of exporter-toolkit (TLS, client
//!   certificates, basic auth), connection, size and time limits; handlers run on its bounded
//!   blocking pool, and a probe waits there for its fetch, which runs on a thread of its own.
//! - SIGHUP re-reads the config (the old one stays if the new one is invalid); SIGTERM and
//!   SIGINT end the process at once. One logfmt line per probe outcome on standard error.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use licscope::fetch::{Client, Endpoint, Exchange};
use licscope::report::escape;
use licscope::report::probe::{Got, Prober, Stats};
use licscope_web::text;

use crate::cli::ServeArgs;
use crate::fetching::{self, Setup, api_of};
use crate::shared::report;
use crate::targets::{self, Serve};

/// Where the exporter listens unless told: loopback, on a port none of the well-known
/// exporters uses.
pub(crate) const DEFAULT_LISTEN: std::net::SocketAddr = std::net::SocketAddr::V4(
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 9841),
);
const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(300);
const DEFAULT_FAILURE_INTERVAL: Duration = Duration::from_secs(30);
/// The scrape timeout assumed without Prometheus' header, and what is kept back from it.
const DEFAULT_SCRAPE_TIMEOUT: f64 = 10.0;
const SCRAPE_OFFSET: f64 = 0.5;
const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Runs the exporter until SIGTERM or SIGINT; 1 for a config or listening error at start.
pub(crate) fn serve(args: &ServeArgs) -> u8 {
    // As Go programs such as Prometheus: the connection limit, not the descriptor limit, is
    // what bounds the server.
    if let Err(e) = licscope_web::raise_open_files_limit() {
        log(
            "warn",
            "cannot raise the open files limit",
            &[("error", e.to_string())],
        );
    }
    let exporter = match Exporter::new(args) {
        Ok(exporter) => Arc::new(exporter),
        Err(message) => {
            log("error", "the config cannot be used", &[("error", message)]);
            return 1;
        }
    };
    let web = match exporter.load_web() {
        Ok(web) => web,
        Err(message) => {
            log(
                "error",
                "the web configuration cannot be used",
                &[("error", message)],
            );
            return 1;
        }
    };
    let listen = args
        .listen
        .or(exporter.config().serve.listen)
        .unwrap_or(DEFAULT_LISTEN);
    let limits = licscope_web::Limits {
        max_connections: args.web_max_connections as usize,
        ..licscope_web::Limits::default()
    };
    let (tls, users) = (web.is_tls(), web.has_users());
    let handler = {
        let exporter = exporter.clone();
        move |request: &licscope_web::Request| exporter.handle(request)
    };
    let server =
        match listener(listen).and_then(|l| licscope_web::Server::start(l, web, limits, handler)) {
            Ok(server) => Arc::new(server),
            Err(e) => {
                log(
                    "error",
                    "cannot listen",
                    &[("address", listen.to_string()), ("error", e.to_string())],
                );
                return 1;
            }
        };
    let _ = exporter.server.set(Arc::downgrade(&server));
    let signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ]);
    let mut signals = match signals {
        Ok(signals) => signals,
        Err(e) => {
            log(
                "error",
                "cannot handle signals",
                &[("error", e.to_string())],
            );
            return 1;
        }
    };
    log(
        "info",
        "listening",
        &[
            ("address", server.local_addr().to_string()),
            ("targets", exporter.config().names.len().to_string()),
            ("tls", tls.to_string()),
            ("basic_auth", users.to_string()),
        ],
    );
    for signal in signals.forever() {
        if signal == signal_hook::consts::SIGHUP {
            let _ = exporter.reload("SIGHUP");
        } else {
            log("info", "shutting down", &[("signal", signal.to_string())]);
            // Open connections are closed with the server, not waited for; probes still
            // waiting end with the process.
            drop(server);
            return 0;
        }
    }
    0
}

/// The listening socket on `address`, without Nagle's algorithm (accepted sockets set it too):
/// an answer's head and body may go in two writes, and with Nagle the body would wait for the
/// client's delayed ACK.
fn listener(address: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(address)?;
    rustix::net::sockopt::set_tcp_nodelay(&listener, true)?;
    Ok(listener)
}

/// The exporter: its config (replaced on reload), the shared client, counters.
struct Exporter {
    args: ServeSettings,
    config: RwLock<Arc<Config>>,
    client: Arc<Client>,
    counters: Arc<Stats>,
    /// The web server, for a reload to hand it a new web configuration (weak: the server holds
    /// the exporter as its handler).
    server: OnceLock<Weak<licscope_web::Server>>,
}

/// What the command line says, kept for reloads.
struct ServeSettings {
    path: std::path::PathBuf,
    web: Option<std::path::PathBuf>,
    lifecycle: bool,
    credentials: crate::cli::CredentialArgs,
    limits: licscope::report::InputLimits,
}

/// One loaded config.
struct Config {
    targets: HashMap<String, Probed>,
    /// Target names in file order, for the index page.
    names: Vec<String>,
    serve: Serve,
}

/// A configured target and its prober (which holds the cache).
struct Probed {
    prober: Prober,
    /// What a reload compares to keep the cache: the target's settings, not its secrets.
    fingerprint: String,
}

impl Exporter {
    fn new(args: &ServeArgs) -> Result<Exporter, String> {
        let settings = ServeSettings {
            path: args.config.clone(),
            web: args.web_config_file.clone(),
            lifecycle: args.web_enable_lifecycle,
            credentials: args.credentials.clone(),
            limits: crate::shared::limits(&args.sizes),
        };
        let counters = Arc::new(Stats::default());
        let config = load(&settings, &counters)?;
        counters.reloaded(true);
        let observed = counters.clone();
        let trace = args.verbose > 0;
        let client =
            Client::new()
                .with_retries(args.retries)
                .with_observer(move |e: &Exchange<'_>| {
                    observed.vendor_request(e.status);
                    if trace {
                        fetching::trace_exchange(e);
                    }
                });
        Ok(Exporter {
            args: settings,
            config: RwLock::new(Arc::new(config)),
            client: Arc::new(client),
            counters,
            server: OnceLock::new(),
        })
    }

    /// The web configuration of `--web.config.file`; plain HTTP for everyone without it.
    fn load_web(&self) -> Result<licscope_web::WebConfig, String> {
        match &self.args.web {
            Some(path) => licscope_web::WebConfig::load(path).map_err(|e| e.to_string()),
            None => Ok(licscope_web::WebConfig::default()),
        }
    }

    fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Re-reads the config; keeps the old one (and says why) if the new one cannot be used.
    fn reload(&self, why: &str) -> Result<(), String> {
        // The web configuration first: a renewed certificate is taken without a restart, and a
        // broken file keeps the old one, as a broken targets file keeps the old targets.
        match self.load_web() {
            Ok(web) => {
                if let Some(server) = self.server.get().and_then(Weak::upgrade) {
                    server.set_web(web);
                }
            }
            Err(message) => {
                self.counters.reloaded(false);
                log(
                    "error",
                    "web configuration reload failed; the old one stays",
                    &[("trigger", why.to_owned()), ("error", message.clone())],
                );
                return Err(message);
            }
        }
        match load(&self.args, &self.counters) {
            Ok(mut fresh) => {
                let old = self.config();
                for (name, probed) in &mut fresh.targets {
                    if let Some(before) = old.targets.get(name)
                        && before.fingerprint == probed.fingerprint
                    {
                        probed.prober.share_cache(&before.prober);
                    }
                }
                let count = fresh.names.len();
                *self.config.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
                self.counters.reloaded(true);
                log(
                    "info",
                    "config reloaded",
                    &[("trigger", why.to_owned()), ("targets", count.to_string())],
                );
                Ok(())
            }
            Err(message) => {
                self.counters.reloaded(false);
                log(
                    "error",
                    "config reload failed; the old config stays",
                    &[("trigger", why.to_owned()), ("error", message.clone())],
                );
                Err(message)
            }
        }
    }

    fn handle(&self, request: &licscope_web::Request) -> licscope_web::Response {
        let started = Instant::now();
        let path = request.path();
        let read = matches!(request.method(), "GET" | "HEAD");
        let (status, content_type, body): (u16, &str, Vec<u8>) = match path {
            "/probe" if read => self.probe(request, started),
            "/metrics" if read => (
                200,
                METRICS_TYPE,
                self.counters.render(self.config().names.len()).into(),
            ),
            "/" if read => (
                200,
                "text/html; charset=utf-8",
                text::landing_page("licscope exporter", &self.config().names).into(),
            ),
            "/-/healthy" if read => (200, "text/plain", "licscope is Healthy.\n".into()),
            "/-/ready" if read => (200, "text/plain", "licscope is Ready.\n".into()),
            // As Prometheus: what changes state answers only with --web.enable-lifecycle.
            "/-/reload" if request.method() == "POST" && !self.args.lifecycle => (
                403,
                "text/plain",
                "the lifecycle API is not enabled (--web.enable-lifecycle)\n".into(),
            ),
            "/-/reload" if request.method() == "POST" => match self.reload("POST /-/reload") {
                Ok(()) => (200, "text/plain", Vec::new()),
                Err(m) => (
                    500,
                    "text/plain",
                    format!("failed to reload config: {}\n", escape::text(&m)).into(),
                ),
            },
            "/-/reload" => {
                return licscope_web::Response::new(405, "text/plain", "method not allowed\n")
                    .with_header("Allow", "POST");
            }
            "/probe" | "/metrics" | "/" | "/-/healthy" | "/-/ready" => {
                return licscope_web::Response::new(405, "text/plain", "method not allowed\n")
                    .with_header("Allow", "GET, HEAD");
            }
            _ => (404, "text/plain", "not found\n".into()),
        };
        licscope_web::Response::new(status, content_type, body)
    }

    fn probe(
        &self,
        request: &licscope_web::Request,
        started: Instant,
    ) -> (u16, &'static str, Vec<u8>) {
        let Some(name) = request.query_param("target") else {
            self.counters.probe("unknown_target");
            return (
                400,
                "text/plain",
                b"the target parameter is missing: /probe?target=NAME\n".to_vec(),
            );
        };
        let config = self.config();
        let Some(probed) = config.targets.get(&name) else {
            self.counters.probe("unknown_target");
            return (
                400,
                "text/plain",
                // Debug quotes the name and escapes quotes and control characters: one line.
                format!("unknown target {name:?}: only the targets of the config can be probed\n")
                    .into(),
            );
        };
        let scrape = request
            .header("X-Prometheus-Scrape-Timeout-Seconds")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(DEFAULT_SCRAPE_TIMEOUT)
            .min(86_400.0);
        let budget = if scrape > 2.0 * SCRAPE_OFFSET {
            scrape - SCRAPE_OFFSET
        } else {
            scrape / 2.0
        };
        let deadline = started + Duration::from_secs_f64(budget);
        let probe = probed.prober.probe(&self.client, deadline);
        let (result, got) = (probe.result, probe.got);
        let seconds = started.elapsed().as_secs_f64();
        let mut body = Vec::with_capacity(result.as_ref().map_or(0, |m| m.len()) + 320);
        let (success, outcome) = match (&result, got) {
            (Ok(metrics), _) => {
                body.extend_from_slice(metrics);
                (1, "success")
            }
            (Err(_), Got::TimedOut) => (0, "timeout"),
            (Err(_), _) => (0, "failure"),
        };
        self.counters.probe(outcome);
        if got == Got::Cached {
            self.counters.cache_hit();
        }
        let _ = std::io::Write::write_fmt(
            &mut body,
            format_args!(
                "# HELP licscope_probe_success Whether the target's license data was fetched and \
             decoded.\n# TYPE licscope_probe_success gauge\nlicscope_probe_success {success}\n\
             # HELP licscope_probe_duration_seconds How long the probe took.\n\
             # TYPE licscope_probe_duration_seconds gauge\nlicscope_probe_duration_seconds {seconds}\n"
            ),
        );
        let mut fields = vec![
            ("target", probed.prober.name().to_owned()),
            ("outcome", outcome.to_owned()),
            ("cached", (got == Got::Cached).to_string()),
            ("duration_seconds", format!("{seconds:.3}")),
        ];
        if let Err(reason) = &result {
            fields.push(("reason", reason.to_string()));
        }
        if let Some(why) = &probe.missing {
            fields.push(("missing", why.to_string()));
        }
        let level = if success == 1 && probe.missing.is_none() {
            "info"
        } else {
            "warn"
        };
        log(level, "probe", &fields);
        (200, METRICS_TYPE, body)
    }
}

/// Reads and checks the config: every target's URL, credentials and CA file.
fn load(settings: &ServeSettings, counters: &Arc<Stats>) -> Result<Config, String> {
    let file = targets::read(&settings.path)?;
    let env = |name: &str| std::env::var(name).ok();
    let mut setup = Setup::new(&settings.credentials, &env);
    let min_default = file.serve.min_interval.unwrap_or(DEFAULT_MIN_INTERVAL);
    let failure_interval = file
        .serve
        .failure_interval
        .unwrap_or(DEFAULT_FAILURE_INTERVAL);
    let mut targets = HashMap::new();
    let mut names = Vec::new();
    for spec in &file.targets {
        let at = format!("{}:{}", escape::path(&settings.path), spec.line);
        let name = escape::text(&spec.name);
        let endpoint = Endpoint::parse(&spec.url, spec.source.and_then(api_of))
            .map_err(|e| format!("{at}: target {name}: {}", e.message()))?;
        let target = setup
            .job(endpoint, Some(spec), &name)
            .map_err(|m| format!("{at}: target {name}: {m}"))?;
        let usage = (
            spec.usage
                .warning
                .or(file.serve.usage.warning)
                .unwrap_or(90),
            spec.usage
                .critical
                .or(file.serve.usage.critical)
                .unwrap_or(100),
        );
        if usage.0 > usage.1 {
            return Err(format!(
                "{at}: target {name}: its usage_warning ({}) is above its usage_critical ({}), \
                 with [serve]'s: use is a warning before it is critical",
                usage.0, usage.1
            ));
        }
        let fingerprint = format!(
            "{:?}",
            (
                &spec.url,
                spec.source,
                &spec.user,
                &spec.password_file,
                &spec.api_key_file,
                &spec.ca_file,
                &spec.pinned_pubkey,
                spec.insecure,
                spec.timeout,
                usage
            )
        );
        names.push(spec.name.clone());
        let prober = Prober::new(spec.name.clone(), target)
            .with_min_interval(spec.min_interval.unwrap_or(min_default))
            .with_failure_interval(failure_interval)
            .with_limits(settings.limits)
            .with_usage_thresholds(usage.0, usage.1)
            .with_stats(counters.clone());
        targets.insert(
            spec.name.clone(),
            Probed {
                prober,
                fingerprint,
            },
        );
    }
    Ok(Config {
        targets,
        names,
        serve: file.serve,
    })
}

/// One logfmt line on standard error: `ts=... level=... msg=... key=value...`.
fn log(level: &str, msg: &str, fields: &[(&str, String)]) {
    report(&licscope_web::text::log_line(level, msg, fields));
}
