//! `licscope serve` against loopback vendor servers, through its HTTP interface.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use licscope_testservers::{NEVER_SHOWN, PASSWORD, Server, Step, seed_control_room, seed_prime};

/// A running exporter; killed when dropped.
struct Exporter {
    child: Child,
    address: String,
    log: Arc<Mutex<String>>,
}

impl Exporter {
    /// Starts `licscope serve --config CONFIG --listen 127.0.0.1:0` and waits for its
    /// `listening` line (at most 20 s).
    fn start(config: &Path) -> Exporter {
        Exporter::start_with(config, &[])
    }

    /// As [`Exporter::start`], with more arguments.
    fn start_with(config: &Path, extra: &[&str]) -> Exporter {
        let mut child = Command::new(env!("CARGO_BIN_EXE_licscope"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .args(extra)
            .env_remove("LICSCOPE_PASSWORD")
            .env_remove("https_proxy")
            .env_remove("http_proxy")
            .env_remove("all_proxy")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let started = Instant::now();
        let address = loop {
            let text = log.lock().unwrap().clone();
            if let Some(at) = text.find("msg=listening address=") {
                let rest = &text[at + "msg=listening address=".len()..];
                break rest.split_whitespace().next().unwrap().to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no listening line: {text}"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "the exporter ended: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Exporter {
            child,
            address,
            log,
        }
    }

    /// One HTTP exchange: the status and the body.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let answer = self.exchange(method, path, headers);
        let status = answer[9..12].parse().unwrap();
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// One HTTP exchange: the whole answer, head and body.
    fn exchange(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> String {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 0\r\n",
            self.address
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &[])
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for a log line holding `text` (at most 10 s).
    fn wait_for_log(&self, text: &str) {
        let started = Instant::now();
        while !self.log().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{text} not in:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of an unlabelled sample, or of the first sample of a family with labels.
fn sample(body: &str, name: &str) -> Option<f64> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(name) && matches!(l.as_bytes().get(name.len()), Some(b' ' | b'{')))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// A config folder: the secret file and a targets file for these servers.
fn config(prime: &Server, control_room: &Server, extra: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, format!("{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(dir.path().join("wrong"), "wrong-but-secret\n").unwrap();
    std::fs::set_permissions(
        dir.path().join("wrong"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let text = format!(
        "[serve]\nmin_interval = \"5m\"\nfailure_interval = \"1m\"\n\n\
         [[target]]\nname = \"prime-campus\"\nurl = \"{}\"\nuser = \"monitor\"\npassword_file = \"secret\"\n\n\
         [[target]]\nname = \"cr-prod\"\nurl = \"{}\"\nuser = \"bot-runner\"\npassword_file = \"secret\"\n\n\
         [[target]]\nname = \"prime-wrong\"\nurl = \"{}\"\nuser = \"monitor\"\npassword_file = \"wrong\"\n{extra}",
        prime.url("/webacs/api/v3/op/info/license"),
        control_room.url("/v2/license/details"),
        prime.url("/webacs/api/v3/op/info/license"),
    );
    std::fs::write(dir.path().join("licscope.toml"), text).unwrap();
    dir
}

#[test]
fn probes_answer_the_license_metrics_from_one_fetch_then_the_cache() {
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));

    let (status, body) = exporter.get("/probe?target=prime-campus");
    assert_eq!(status, 200, "{body}");
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0));
    assert!(sample(&body, "licscope_probe_duration_seconds").is_some());
    assert!(body.contains(
        "licscope_license_devices_used{source=\"cisco-prime\",origin=\"prime-campus\",feature=\"String value\"} 1\n"
    ));
    for family in [
        "licscope_license_time_to_expiry_seconds",
        "licscope_license_status",
        "licscope_license_severity",
        "licscope_inputs_failed",
        "licscope_last_run_timestamp_seconds",
        "licscope_build_info",
    ] {
        assert!(body.contains(&format!("# TYPE {family} ")), "{family}");
    }
    let (status, body) = exporter.get("/probe?target=cr-prod");
    assert_eq!(status, 200);
    assert!(body.contains("source=\"automation360\",origin=\"cr-prod\",feature=\"control-room\""));

    // Cached: the same data, no new vendor request, one cache hit each.
    let (_, again) = exporter.get("/probe?target=prime-campus");
    let fetched_at = |b: &str| sample(b, "licscope_last_run_timestamp_seconds");
    assert_eq!(
        fetched_at(&again),
        fetched_at(&body).map(|_| fetched_at(&again).unwrap())
    );
    exporter.get("/probe?target=cr-prod");
    assert_eq!(prime.requests().len(), 1);
    assert_eq!(control_room.requests().len(), 2, "a login and one GET");
    let (_, metrics) = exporter.get("/metrics");
    assert_eq!(
        sample(&metrics, "licscope_exporter_cache_hits_total"),
        Some(2.0)
    );
    assert!(metrics.contains("licscope_exporter_probes_total{outcome=\"success\"} 4\n"));
    assert!(metrics.contains("licscope_exporter_vendor_requests_total{code=\"200\"} 3\n"));
    assert!(metrics.contains("licscope_build_info{version="));
    // Log lines are written before the answer, and read from the pipe by another thread.
    exporter.wait_for_log("msg=probe target=cr-prod");
    let log = exporter.log();
    assert_eq!(
        log.matches("msg=probe target=prime-campus outcome=success")
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains("cached=true"));
}

#[test]
fn only_configured_targets_are_probed_and_failures_are_200_with_success_0() {
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));
    for (path, says) in [
        ("/probe", "the target parameter is missing"),
        ("/probe?target=nope", "unknown target \"nope\""),
        (
            "/probe?target=http%3A%2F%2F127.0.0.1%2F",
            "unknown target \"http://127.0.0.1/\"",
        ),
        ("/probe?target=a%0Ab", "unknown target \"a\\nb\""),
    ] {
        let (status, body) = exporter.get(path);
        assert_eq!(status, 400, "{path}");
        assert!(body.contains(says), "{path}: {body}");
        assert_eq!(body.lines().count(), 1, "{body}");
    }
    let (status, body) = exporter.get("/probe?target=prime-wrong");
    assert_eq!(status, 200);
    assert_eq!(sample(&body, "licscope_probe_success"), Some(0.0));
    assert!(!body.contains("licscope_license_"), "{body}");
    // The failure is cached for failure_interval: no second request to the server.
    let (_, body) = exporter.get("/probe?target=prime-wrong");
    assert_eq!(sample(&body, "licscope_probe_success"), Some(0.0));
    assert_eq!(prime.requests().len(), 1);
    exporter.wait_for_log("target=prime-wrong outcome=failure cached=true");
    let log = exporter.log();
    assert!(
        log.contains("level=warn msg=probe target=prime-wrong outcome=failure cached=false")
            && log.contains("reason=\"authentication failed: Prime redirected to its login page"),
        "{log}"
    );
    for secret in NEVER_SHOWN {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    let (_, metrics) = exporter.get("/metrics");
    assert!(metrics.contains("licscope_exporter_probes_total{outcome=\"unknown_target\"} 4\n"));
    assert!(metrics.contains("licscope_exporter_probes_total{outcome=\"failure\"} 2\n"));
    assert!(metrics.contains("licscope_exporter_vendor_requests_total{code=\"302\"} 1\n"));
    for (method, path, status) in [
        ("GET", "/", 200),
        ("GET", "/-/healthy", 200),
        ("GET", "/-/ready", 200),
        ("POST", "/probe?target=prime-campus", 405),
        ("GET", "/-/reload", 405),
        ("GET", "/nowhere", 404),
    ] {
        assert_eq!(
            exporter.request(method, path, &[]).0,
            status,
            "{method} {path}"
        );
    }
    let (_, index) = exporter.get("/");
    assert!(index.contains("<a href=\"probe?target=prime-campus\">prime-campus</a>"));
}

#[test]
fn a_probe_answers_within_the_scrape_timeout_and_concurrent_probes_share_one_fetch() {
    let prime = Server::http(seed_prime(&[Step::Hang]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));
    // Prometheus' header: 1.5 s, so the probe has 1 s.
    let (status, body) = exporter.request(
        "GET",
        "/probe?target=prime-campus",
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1.5")],
    );
    assert_eq!(status, 200);
    assert_eq!(sample(&body, "licscope_probe_success"), Some(0.0));
    let took = sample(&body, "licscope_probe_duration_seconds").unwrap();
    assert!(
        took < 1.5,
        "the probe took {took} s, past the scrape timeout"
    );
    exporter.wait_for_log("outcome=timeout");

    // Five probes at once of a target never fetched: one login and one GET between them.
    let exporter = Arc::new(exporter);
    let probes: Vec<_> = (0..5)
        .map(|_| {
            let exporter = exporter.clone();
            std::thread::spawn(move || exporter.get("/probe?target=cr-prod"))
        })
        .collect();
    for probe in probes {
        let (status, body) = probe.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0), "{body}");
    }
    let methods: Vec<_> = control_room
        .requests()
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, ["POST", "GET"]);
}

#[test]
fn reload_keeps_the_old_config_when_the_new_one_is_invalid_and_sigterm_ends_it() {
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let file = dir.path().join("licscope.toml");
    let exporter = Exporter::start_with(&file, &["--web.enable-lifecycle"]);
    assert_eq!(exporter.get("/probe?target=prime-again").0, 400);

    // A new target, by POST /-/reload.
    let good = std::fs::read_to_string(&file).unwrap();
    let added = format!(
        "{good}\n[[target]]\nname = \"prime-again\"\nurl = \"{}\"\nuser = \"monitor\"\npassword_file = \"secret\"\n",
        prime.url("/webacs/api/v3/op/info/license.json")
    );
    std::fs::write(&file, &added).unwrap();
    assert_eq!(exporter.request("POST", "/-/reload", &[]).0, 200);
    let (status, body) = exporter.get("/probe?target=prime-again");
    assert_eq!(status, 200);
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0));

    // An invalid config: refused, the old one stays, by POST and by SIGHUP.
    std::fs::write(
        &file,
        format!("{added}\n[[target]]\nname = \"x\"\nurl = \"ftp://nowhere\"\n"),
    )
    .unwrap();
    let (status, body) = exporter.request("POST", "/-/reload", &[]);
    assert_eq!(status, 500);
    assert!(
        body.contains("failed to reload config") && body.contains(":31: target x: not an http"),
        "{body}"
    );
    exporter.signal("HUP");
    exporter.wait_for_log("trigger=SIGHUP");
    assert_eq!(exporter.get("/probe?target=prime-again").0, 200);
    let (_, metrics) = exporter.get("/metrics");
    assert_eq!(
        sample(&metrics, "licscope_exporter_config_last_reload_successful"),
        Some(0.0)
    );
    assert_eq!(sample(&metrics, "licscope_exporter_targets"), Some(4.0));

    // A valid one again, by SIGHUP.
    std::fs::write(&file, &good).unwrap();
    exporter.signal("HUP");
    exporter.wait_for_log("msg=\"config reloaded\" trigger=SIGHUP targets=3");
    assert_eq!(exporter.get("/probe?target=prime-again").0, 400);

    let mut exporter = exporter;
    exporter.signal("TERM");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = exporter.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(0));
    exporter.wait_for_log("msg=\"shutting down\"");
}

#[test]
fn a_bad_config_at_start_exits_1_where_normalize_calls_it_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[serve]\nlisten = \"127.0.0.1:0\"\nscrape_interval = 5\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(["serve", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("level=error msg=\"the config cannot be used\"")
            && stderr.contains("bad.toml:3: unknown field `scrape_interval`"),
        "{stderr}"
    );
    let targets = format!("--targets={}", file.display());
    let run = crate::licscope(&["normalize", &targets], b"");
    assert_eq!(run.code, 2);
}

#[test]
fn a_pinned_appliance_is_probed_and_a_wrong_pin_fails_with_the_servers_pin_in_the_log() {
    use licscope_testservers::{Appliance, Identity};
    let identity = Identity::appliance(Appliance::Expired { cn: "pi-install" });
    let appliance = Server::https(&identity, seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let url = appliance.url("/webacs/api/v3/op/info/license");
    let mut wrong = identity.pin().to_owned();
    let at = "sha256//".len();
    wrong.replace_range(at..=at, if &wrong[at..=at] == "A" { "B" } else { "A" });
    let extra = format!(
        "\n[[target]]\nname = \"pi-pinned\"\nurl = \"{url}\"\nuser = \"monitor\"\npassword_file = \
         \"secret\"\npinned_pubkey = \"{}\"\n\n[[target]]\nname = \"pi-other-pin\"\nurl = \
         \"{url}\"\nuser = \"monitor\"\npassword_file = \"secret\"\npinned_pubkey = \"{wrong}\"\n",
        identity.pin()
    );
    let dir = config(&appliance, &control_room, &extra);
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));
    let (status, body) = exporter.get("/probe?target=pi-pinned");
    assert_eq!(status, 200, "{body}");
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0), "{body}");
    let (status, body) = exporter.get("/probe?target=pi-other-pin");
    assert_eq!(status, 200, "{body}");
    assert_eq!(sample(&body, "licscope_probe_success"), Some(0.0), "{body}");
    // The log line is written before the answer, and read from the pipe by another thread.
    exporter.wait_for_log("target=pi-other-pin outcome=failure");
    let log = exporter.log();
    assert!(
        log.contains("target=pi-other-pin outcome=failure")
            && log.contains(&format!(
                "; its key is --pinned-pubkey {}\"",
                identity.pin()
            )),
        "{log}"
    );
    assert_eq!(appliance.requests().len(), 1);

    // A malformed pin is found when the config is loaded: the exporter does not start.
    std::fs::write(
        dir.path().join("licscope.toml"),
        format!("[[target]]\nname = \"pi\"\nurl = \"{url}\"\npinned_pubkey = \"sha256//\"\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.path().join("licscope.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("licscope.toml:4: \\\"sha256//\\\" is not a pin"),
        "{stderr}"
    );
}

#[test]
fn reload_over_http_needs_the_lifecycle_flag_and_a_post() {
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));
    let answer = exporter.exchange("POST", "/-/reload", &[]);
    assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    assert!(
        answer.ends_with("\r\n\r\nthe lifecycle API is not enabled (--web.enable-lifecycle)\n"),
        "{answer}"
    );
    assert!(!exporter.log().contains("config reloaded"));
    let answer = exporter.exchange("GET", "/-/reload", &[]);
    assert!(
        answer.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{answer}"
    );
    assert!(answer.contains("\r\nallow: POST\r\n"), "{answer}");
    let answer = exporter.exchange("DELETE", "/metrics", &[]);
    assert!(answer.contains("\r\nallow: GET, HEAD\r\n"), "{answer}");

    // SIGTERM with keep-alive connections open: they are closed, not waited for.
    let mut open = TcpStream::connect(&exporter.address).unwrap();
    open.write_all(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    open.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let _idle = TcpStream::connect(&exporter.address).unwrap();
    let mut exporter = exporter;
    exporter.signal("TERM");
    let started = Instant::now();
    while exporter.child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still running 1 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `Authorization: Basic` for a user and password.
fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[test]
fn a_web_configuration_puts_every_path_behind_basic_auth_and_reload_keeps_it_when_broken() {
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let web = dir.path().join("web.yml");
    // As htpasswd -nBC writes it: $2y$.
    let hash = bcrypt::hash("scrape-secret", 4)
        .unwrap()
        .replacen("$2b$", "$2y$", 1);
    std::fs::write(&web, format!("basic_auth_users:\n  prometheus: {hash}\n")).unwrap();
    let web_arg = web.to_str().unwrap();
    let exporter = Exporter::start_with(
        &dir.path().join("licscope.toml"),
        &["--web.config.file", web_arg, "--web.enable-lifecycle"],
    );
    assert!(
        exporter.log().contains("basic_auth=true"),
        "{}",
        exporter.log()
    );
    let right = basic("prometheus", "scrape-secret");
    let wrong = basic("prometheus", "guess");
    for path in ["/metrics", "/probe?target=prime-campus", "/", "/-/healthy"] {
        let answer = exporter.exchange("GET", path, &[]);
        assert!(
            answer.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
            "{path}: {answer}"
        );
        assert!(
            answer.contains("\r\nwww-authenticate: Basic\r\n"),
            "{answer}"
        );
        let (status, _) = exporter.request("GET", path, &[("Authorization", &wrong)]);
        assert_eq!(status, 401, "{path}");
        let (status, _) = exporter.request("GET", path, &[("Authorization", &right)]);
        assert_eq!(status, 200, "{path}");
    }
    let (status, body) = exporter.request(
        "GET",
        "/probe?target=prime-campus",
        &[("Authorization", &right)],
    );
    assert_eq!(status, 200);
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0), "{body}");
    // A reload without the credentials is refused like any other path.
    assert_eq!(exporter.request("POST", "/-/reload", &[]).0, 401);

    // A broken web configuration on reload: the old one stays and the error is logged.
    std::fs::write(&web, "basic_auth_users:\n  prometheus: not-a-hash\n").unwrap();
    let (status, body) = exporter.request("POST", "/-/reload", &[("Authorization", &right)]);
    assert_eq!(status, 500);
    assert!(
        body.contains("basic_auth_users.prometheus: the password is not a bcrypt hash"),
        "{body}"
    );
    exporter.wait_for_log("web configuration reload failed; the old one stays");
    assert_eq!(exporter.get("/metrics").0, 401);
    assert_eq!(
        exporter
            .request("GET", "/metrics", &[("Authorization", &right)])
            .0,
        200
    );
    // A new one is taken: no users, open again.
    std::fs::write(&web, "# nothing\n").unwrap();
    assert_eq!(
        exporter
            .request("POST", "/-/reload", &[("Authorization", &right)])
            .0,
        200
    );
    assert_eq!(exporter.get("/metrics").0, 200);
    let log = exporter.log();
    assert!(
        !log.contains("scrape-secret") && !log.contains(&hash),
        "{log}"
    );
}

#[test]
fn a_bad_web_configuration_at_start_exits_1_naming_the_file_and_key() {
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let web = dir.path().join("web.yml");
    std::fs::write(&web, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [x]\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.path().join("licscope.toml"))
        .arg("--web.config.file")
        .arg(&web)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the web configuration cannot be used"),
        "{stderr}"
    );
    assert!(
        stderr.contains("web.yml: tls_server_config.cipher_suites is not supported"),
        "{stderr}"
    );
}

/// The exporter's threads and resident memory, from /proc.
fn threads_and_rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("Threads:"), field("VmRSS:") * 1024)
}

#[test]
fn under_slow_and_idle_connection_floods_a_scrape_is_still_answered_and_resources_stay_bounded() {
    // The test itself holds over 2,300 sockets.
    licscope_web::raise_open_files_limit().unwrap();
    let prime = Server::http(seed_prime(&[]).handler());
    let control_room = Server::http(seed_control_room(&[]).handler());
    let dir = config(&prime, &control_room, "");
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));
    let pid = exporter.child.id();
    let (status, body) = exporter.get("/probe?target=prime-campus");
    assert_eq!(status, 200);
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0), "{body}");
    let bounded = |what: &str| {
        let started = Instant::now();
        let (status, body) = exporter.get("/probe?target=prime-campus");
        let took = started.elapsed();
        assert_eq!(status, 200, "{what}");
        assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0), "{what}");
        assert!(
            took < Duration::from_secs(1),
            "{what}: the scrape took {took:?}"
        );
        let (threads, rss) = threads_and_rss(pid);
        assert!(threads < 200, "{what}: {threads} threads");
        assert!(rss < 200 << 20, "{what}: {rss} bytes resident");
    };

    // 300 clients that trickle their request heads, a byte at a time.
    let mut slow: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&exporter.address).unwrap())
        .collect();
    for round in 0..5 {
        for stream in &mut slow {
            let byte = b"GET /probe?target=prime-campus HTTP/1.1\r\n"[round];
            let _ = stream.write_all(&[byte]);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bounded("300 slow heads");
    drop(slow);

    // 2,000 connections that send nothing.
    let idle: Vec<TcpStream> = (0..2000)
        .map(|_| TcpStream::connect(&exporter.address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    bounded("2,000 idle connections");
    drop(idle);

    // 400 probes at once of the cached target: all 200, no vendor request.
    let before = prime.requests().len();
    let exporter = Arc::new(exporter);
    let probes: Vec<_> = (0..400)
        .map(|_| {
            let exporter = exporter.clone();
            std::thread::spawn(move || exporter.get("/probe?target=prime-campus"))
        })
        .collect();
    for probe in probes {
        let (status, body) = probe.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0), "{body}");
    }
    assert_eq!(prime.requests().len(), before);
    assert_eq!(before, 1);
}

#[test]
fn a_control_room_by_its_base_url_gives_seats_and_a_refused_list_is_a_counted_missing_part() {
    use licscope_testservers::Products;
    let prime = Server::http(seed_prime(&[]).handler());
    let full = Server::http(seed_control_room(&[]).handler());
    let refused = Server::http(
        seed_control_room(&[])
            .products(Products::Forbidden)
            .handler(),
    );
    let extra = format!(
        "\n[[target]]\nname = \"cr-seats\"\nurl = \"{}\"\nsource = \"automation360\"\n\
         user = \"bot-runner\"\npassword_file = \"secret\"\nusage_warning = 70\n\n\
         [[target]]\nname = \"cr-refused\"\nurl = \"{}\"\nsource = \"automation360\"\n\
         user = \"bot-runner\"\npassword_file = \"secret\"\n",
        full.url(""),
        refused.url("")
    );
    let dir = config(&prime, &full, &extra);
    let exporter = Exporter::start(&dir.path().join("licscope.toml"));

    let (status, body) = exporter.get("/probe?target=cr-seats");
    assert_eq!(status, 200, "{body}");
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0));
    let labels = "source=\"automation360\",origin=\"cr-seats\",feature=\"Control Room: Unattended Bot Runner\"";
    for (family, value) in [
        ("licscope_license_seats_used", 188.0),
        ("licscope_license_seats_remaining", 12.0),
        ("licscope_license_seats_purchased", 200.0),
    ] {
        assert!(
            body.contains(&format!("{family}{{{labels}}} {value}\n")),
            "{family}: {body}"
        );
    }
    assert!(body.contains(
        "licscope_license_metered_used{source=\"automation360\",origin=\"cr-seats\",feature=\"Cognitive: Document Pages\",unit=\"pages\"} 120450\n"
    ));
    // Seats are not devices, and a seat raises no expiry of its own.
    assert!(!body.contains("licscope_license_devices_used{source=\"automation360\""));
    assert!(!body.contains(&format!(
        "licscope_license_time_to_expiry_seconds{{{labels}}}"
    )));
    // The target's threshold: Bot Creator at 71 of 100 is a warning from 70 %.
    assert!(body.contains(
        "licscope_license_severity{source=\"automation360\",origin=\"cr-seats\",feature=\"Control Room: Bot Creator\"} 1\n"
    ));
    match crate::outputs::which("promtool") {
        Ok(promtool) => assert_eq!(
            crate::outputs::promtool_check_metrics(&promtool, body.as_bytes()),
            Ok(())
        ),
        Err(()) => assert!(std::env::var_os("CI").is_none(), "CI must install promtool"),
    }

    let (status, body) = exporter.get("/probe?target=cr-refused");
    assert_eq!(status, 200, "{body}");
    assert_eq!(sample(&body, "licscope_probe_success"), Some(1.0));
    assert!(body.contains("origin=\"cr-refused\",feature=\"control-room\""));
    assert!(!body.contains("licscope_license_seats_used{"));
    let (_, metrics) = exporter.get("/metrics");
    assert_eq!(
        sample(&metrics, "licscope_exporter_missing_parts_total"),
        Some(1.0)
    );
    // Answered from the cache: still one missing part counted, one fetch of each resource.
    exporter.get("/probe?target=cr-refused");
    let (_, metrics) = exporter.get("/metrics");
    assert_eq!(
        sample(&metrics, "licscope_exporter_missing_parts_total"),
        Some(1.0)
    );
    let paths: Vec<String> = refused.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/v2/authentication",
            "/v2/license/details",
            "/v2/license/product/list"
        ]
    );
    exporter.wait_for_log("msg=probe target=cr-refused");
    let log = exporter.log();
    assert!(
        log.contains("level=warn msg=probe target=cr-refused outcome=success"),
        "{log}"
    );
    assert!(log.contains("missing=\"the product list could not be fetched: the user may not read the product list (HTTP 403)"), "{log}");
}
