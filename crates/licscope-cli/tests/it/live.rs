//! Live collection: the command against loopback servers that answer as the vendors do.

use std::path::Path;

use licscope_testservers::{
    API_KEY, Identity, NEVER_SHOWN, PASSWORD, Server, Step, TUNNELLED_HOST, Tunnel,
    seed_control_room as control_room, seed_prime as prime,
};

use crate::{AS_OF, Run, licscope_with_env};

/// A folder with secret files (mode 600) and whatever a test writes there.
fn secrets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("prime.secret", format!("{PASSWORD}\n")),
        ("cr.key", format!("{API_KEY}\r\n")),
    ] {
        write_secret(&dir.path().join(name), &text, 0o600);
    }
    dir
}

fn write_secret(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_owned()
}

fn records(run: &Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect()
}

/// No secret of these tests in anything a run printed.
fn assert_no_secret(run: &Run) {
    let all = format!("{}\n{}", run.stdout, run.stderr);
    for secret in NEVER_SHOWN {
        assert!(!all.contains(secret), "{secret} printed:\n{all}");
    }
}

#[test]
fn a_prime_url_is_fetched_with_basic_authentication_and_labelled_by_host_and_port() {
    let server = Server::http(prime(&[]).handler());
    let dir = secrets();
    for (url, source) in [
        (server.url("/webacs/api/v3/op/info/license"), None),
        (server.url("/webacs/api/v3/op/info/license.json"), None),
        // No path: the API's default resource, with --source.
        (server.url(""), Some("--source=cisco-prime")),
    ] {
        let mut args = vec!["normalize", "--format=ndjson", AS_OF, "--user=monitor"];
        let password = format!("--password-file={}", path(&dir, "prime.secret"));
        args.push(&password);
        args.extend(source);
        args.push(&url);
        let run = licscope_with_env(&args, b"", &[]);
        assert_eq!(run.code, 0, "{url}: {}", run.stderr);
        let records = records(&run);
        assert_eq!(records.len(), 2, "{url}");
        assert!(
            records
                .iter()
                .all(|r| r["origin"] == server.host_port().as_str())
        );
        assert_eq!(records[0]["source"], "cisco-prime");
        assert_eq!(records[0]["feature"], "String value");
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/webacs/api/v3/op/info/license",
            "/webacs/api/v3/op/info/license.json",
            "/webacs/api/v3/op/info/license"
        ]
    );
}

#[test]
fn a_control_room_logs_in_by_password_or_api_key_from_files_or_the_environment() {
    let server = Server::http(control_room(&[]).handler());
    let url = server.url("/v2/license/details");
    let dir = secrets();
    let key_file = format!("--api-key-file={}", path(&dir, "cr.key"));
    let password_file = format!("--password-file={}", path(&dir, "prime.secret"));
    for (args, env) in [
        (vec![key_file.as_str(), "--user=bot-runner"], vec![]),
        (
            vec![password_file.as_str()],
            vec![("LICSCOPE_USER", "bot-runner")],
        ),
        (
            vec![],
            vec![
                ("LICSCOPE_USER", "bot-runner"),
                ("LICSCOPE_API_KEY", API_KEY),
            ],
        ),
        (
            vec![],
            vec![
                ("LICSCOPE_USER", "bot-runner"),
                ("LICSCOPE_PASSWORD", PASSWORD),
            ],
        ),
    ] {
        let mut all = vec!["normalize", "--format=ndjson", AS_OF, "--origin=cr-prod"];
        all.extend(args);
        all.push(&url);
        let run = licscope_with_env(&all, b"", &env);
        assert_eq!(run.code, 0, "{all:?}: {}", run.stderr);
        let records = records(&run);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["source"], "automation360");
        assert_eq!(records[0]["origin"], "cr-prod");
        assert_no_secret(&run);
    }
    let requests = server.requests();
    let logins: Vec<String> = requests
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            format!(
                "{}:{}",
                body["username"],
                if body.get("apiKey").is_some() {
                    "apiKey"
                } else {
                    "password"
                }
            )
        })
        .collect();
    assert_eq!(
        logins,
        [
            "\"bot-runner\":apiKey",
            "\"bot-runner\":password",
            "\"bot-runner\":apiKey",
            "\"bot-runner\":password"
        ]
    );
    assert!(requests.iter().filter(|r| r.method == "GET").all(|r| {
        r.header("x-authorization")
            .is_some_and(|t| t.contains("test-token"))
    }));
}

#[test]
fn login_failures_show_the_vendor_error_and_are_not_retried() {
    let server = Server::http(control_room(&[]).handler());
    let url = server.url("/v2/license/details");
    let run = licscope_with_env(
        &["check", &url],
        b"",
        &[
            ("LICSCOPE_USER", "bot-runner"),
            ("LICSCOPE_PASSWORD", "wrong-but-secret"),
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(run.stdout.starts_with("LICENSES UNKNOWN"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the Control Room refused the login (HTTP 401): UM1108: Invalid credentials"),
        "{}",
        run.stdout
    );
    assert_eq!(server.requests().len(), 1);
    assert_no_secret(&run);
}

#[test]
fn prime_302_and_html_login_pages_are_authentication_failures_without_retry() {
    let dir = secrets();
    let password = format!("--password-file={}", path(&dir, "prime.secret"));
    for (steps, password, says) in [
        (
            vec![],
            "--password-file=/dev/null",
            "the secret file /dev/null is empty",
        ),
        (
            vec![Step::LoginPage],
            password.as_str(),
            "HTML page (its login page)",
        ),
    ] {
        let server = Server::http(prime(&steps).handler());
        let url = server.url("/webacs/api/v3/op/info/license");
        let run = licscope_with_env(&["check", "--user=monitor", password, &url], b"", &[]);
        assert_eq!(run.code, 3, "{}", run.stdout);
        assert!(
            run.stdout.contains(says) || run.stderr.contains(says),
            "{}{}",
            run.stdout,
            run.stderr
        );
    }
    let server = Server::http(prime(&[]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    write_secret(
        &dir.path().join("wrong.secret"),
        "wrong-but-secret\n",
        0o600,
    );
    let wrong = format!("--password-file={}", path(&dir, "wrong.secret"));
    let run = licscope_with_env(&["normalize", "--user=monitor", &wrong, &url], b"", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "[]\n");
    let line = format!(
        "licscope: error: {url}: authentication failed: Prime redirected to its login page (HTTP 302), \
         its answer to a wrong user or password; not retried\n"
    );
    assert_eq!(run.stderr, line);
    assert_eq!(server.requests().len(), 1);
    assert_no_secret(&run);
}

#[test]
fn a_503_is_retried_after_a_delay_and_a_rate_limit_403_gives_up_after_the_retries() {
    let dir = secrets();
    let password = format!("--password-file={}", path(&dir, "prime.secret"));
    let server = Server::http(prime(&[Step::Unavailable]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    let run = licscope_with_env(
        &[
            "normalize",
            "--format=ndjson",
            "--user=monitor",
            &password,
            &url,
        ],
        b"",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(records(&run).len(), 2);
    assert_eq!(server.requests().len(), 2);

    let server = Server::http(prime(&[Step::RateLimit403; 3]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    let run = licscope_with_env(
        &[
            "normalize",
            "--retries=0",
            "--user=monitor",
            &password,
            &url,
        ],
        b"",
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("Prime is rate-limiting (HTTP 403) and answered so to 1 request"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_server_that_never_answers_fails_at_the_deadline_and_check_still_answers() {
    let dir = secrets();
    let password = format!("--password-file={}", path(&dir, "prime.secret"));
    let hanging = Server::http(prime(&[Step::Hang]).handler());
    let fine = Server::http(prime(&[]).handler());
    let run = licscope_with_env(
        &[
            "check",
            AS_OF,
            "-t",
            "1.5",
            "--user=monitor",
            &password,
            &hanging.url("/webacs/api/v3/op/info/license"),
            &fine.url("/webacs/api/v3/op/info/license"),
        ],
        b"",
        &[],
    );
    // The fine server's records are evaluated (one expires within a day: CRITICAL), the
    // hanging one is reported in the output.
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("LICENSES CRITICAL"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("timed out"), "{}", run.stdout);
    assert_eq!(hanging.requests().len(), 1);
}

#[test]
fn an_answer_over_the_byte_limit_is_refused() {
    let server = Server::http(control_room(&[Step::Long(200_000)]).handler());
    let run = licscope_with_env(
        &[
            "normalize",
            "--max-document-size=64KiB",
            &server.url("/v2/license/details"),
        ],
        b"",
        &[
            ("LICSCOPE_USER", "bot-runner"),
            ("LICSCOPE_API_KEY", API_KEY),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("the answer is longer than the limit of 65536 bytes for a whole document (--max-document-size)"),
        "{}",
        run.stderr
    );
}

#[test]
fn tls_unknown_ca_is_refused_then_trusted_by_ca_file_or_insecure_with_a_warning() {
    let identity = Identity::localhost();
    let server = Server::https(&identity, prime(&[]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    let dir = secrets();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &identity.ca_pem).unwrap();
    let password = format!("--password-file={}", path(&dir, "prime.secret"));
    let base = [
        "normalize",
        "--format=ndjson",
        "--user=monitor",
        password.as_str(),
    ];

    // The system's store, made hermetic: rustls-native-certs (under the platform verifier)
    // reads SSL_CERT_FILE and SSL_CERT_DIR. A store with another CA refuses the server...
    let other = dir.path().join("other-ca.pem");
    std::fs::write(&other, Identity::localhost().ca_pem).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let store = |file: &Path| {
        [
            ("SSL_CERT_FILE", file.to_str().unwrap().to_owned()),
            ("SSL_CERT_DIR", empty.path().to_str().unwrap().to_owned()),
        ]
    };
    let env = store(&other);
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let run = licscope_with_env(&[&base[..], &[url.as_str()]].concat(), b"", &env);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("is not trusted: no CA of the system's trust store signed it")
            && run.stderr.contains("--ca-file")
            && run.stderr.contains("; its key is --pinned-pubkey sha256//"),
        "{}",
        run.stderr
    );
    // An empty store refuses it too.
    let none = empty.path().join("none.pem");
    std::fs::write(&none, "").unwrap();
    let env = store(&none);
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let run = licscope_with_env(&[&base[..], &[url.as_str()]].concat(), b"", &env);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("the system's trust store is empty")
            && run.stderr.contains("--ca-file"),
        "{}",
        run.stderr
    );
    // ... and a store with the server's CA installed (an enterprise CA) trusts it, no flag.
    let env = store(&ca);
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let run = licscope_with_env(&[&base[..], &[url.as_str()]].concat(), b"", &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(records(&run).len(), 2);

    let ca_file = format!("--ca-file={}", ca.display());
    let run = licscope_with_env(
        &[&base[..], &[ca_file.as_str(), url.as_str()]].concat(),
        b"",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(records(&run).len(), 2);
    assert!(run.stderr.is_empty());

    let run = licscope_with_env(
        &[&base[..], &["--insecure", url.as_str()]].concat(),
        b"",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(records(&run).len(), 2);
    assert!(
        run.stderr.contains("warning") && run.stderr.contains("not verified"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn verbose_traces_requests_with_credentials_redacted() {
    let cr = Server::http(control_room(&[Step::Unauthorized]).handler());
    let prime_server = Server::http(prime(&[Step::Unavailable]).handler());
    let dir = secrets();
    let targets = dir.path().join("targets.toml");
    std::fs::write(
        &targets,
        format!(
            "[[target]]\nname = \"cr\"\nurl = \"{}\"\nuser = \"bot-runner\"\napi_key_file = \"cr.key\"\n\n\
             [[target]]\nname = \"prime\"\nurl = \"{}\"\nuser = \"monitor\"\npassword_file = \"prime.secret\"\n",
            cr.url("/v2/license/details"),
            prime_server.url("/webacs/api/v3/op/info/license")
        ),
    )
    .unwrap();
    let targets_arg = format!("--targets={}", targets.display());
    let run = licscope_with_env(&["check", "-v", AS_OF, &targets_arg], b"", &[]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    for expected in [
        "licscope: trace: POST ",
        "/v2/authentication [user and API key in the body (redacted)]: HTTP 200",
        "/v2/license/details [token in X-Authorization (redacted)]: HTTP 401",
        "/webacs/api/v3/op/info/license [basic authentication (redacted)]: HTTP 503",
        "/webacs/api/v3/op/info/license [basic authentication (redacted)]: HTTP 200",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected} not in:\n{}",
            run.stderr
        );
    }
    assert_no_secret(&run);
}

#[test]
fn a_targets_file_with_one_failing_target_among_several() {
    let cr = Server::http(control_room(&[]).handler());
    let prime_server = Server::http(prime(&[]).handler());
    let dir = secrets();
    write_secret(
        &dir.path().join("wrong.secret"),
        "wrong-but-secret\n",
        0o600,
    );
    let targets = dir.path().join("fleet.toml");
    std::fs::write(
        &targets,
        format!(
            "[serve]\nlisten = \"127.0.0.1:9841\"\n\n\
             [[target]]\nname = \"cr-prod\"\nurl = \"{cr}\"\nuser = \"bot-runner\"\napi_key_file = \"cr.key\"\nmin_interval = 600\n\n\
             [[target]]\nname = \"prime-east\"\nurl = \"{prime}\"\nsource = \"cisco-prime\"\npassword_file = \"prime.secret\"\ntimeout = 20\n\n\
             [[target]]\nname = \"prime-west\"\nurl = \"{path}\"\npassword_file = \"wrong.secret\"\n",
            cr = cr.url("/v2/license/details"),
            prime = prime_server.url(""),
            path = prime_server.url("/webacs/api/v3/op/info/license"),
        ),
    )
    .unwrap();
    let targets_arg = format!("--targets={}", targets.display());
    let run = licscope_with_env(
        &[
            "normalize",
            "--format=ndjson",
            AS_OF,
            "--user=monitor",
            &targets_arg,
        ],
        b"",
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let records = records(&run);
    let origins: Vec<_> = records
        .iter()
        .map(|r| r["origin"].as_str().unwrap())
        .collect();
    assert_eq!(origins, ["cr-prod", "prime-east", "prime-east"]);
    assert_eq!(
        run.stderr,
        "licscope: error: prime-west: authentication failed: Prime redirected to its login page \
         (HTTP 302), its answer to a wrong user or password; not retried\n"
    );
    assert_no_secret(&run);
}

#[test]
fn usage_errors_for_urls_and_targets_files_do_not_echo_credentials() {
    for (command, code) in [("normalize", 2), ("check", 3)] {
        let run = licscope_with_env(
            &[
                command,
                "https://monitor:wrong-but-secret@prime.example.net/webacs/api/v3/op/info/license",
            ],
            b"",
            &[],
        );
        assert_eq!(run.code, code);
        assert!(run.stderr.contains("carries credentials"), "{}", run.stderr);
        assert!(
            !run.stderr.contains("wrong-but-secret") && !run.stderr.contains("monitor"),
            "{}",
            run.stderr
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    for (text, says) in [
        (
            "[[target]]\nname = \"a\"\nurl = \"https://p/webacs/api/v3/op/info/license\"\npasword_file = \"x\"\n",
            ":4: unknown field `pasword_file`",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"https://u:wrong-but-secret@p/webacs/api/v3/op/info/license\"\n",
            ":3: target a: the URL carries credentials",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"https://p/x\"\n[[target]]\nname = \"a\"\nurl = \"https://q/x\"\n",
            ":5: the target name \"a\" is used twice",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let arg = format!("--targets={}", file.display());
        for (command, code) in [("normalize", 2), ("check", 3)] {
            let run = licscope_with_env(&[command, &arg], b"", &[]);
            assert_eq!(run.code, code, "{text}");
            assert!(run.stderr.contains(says), "{says} not in {}", run.stderr);
            assert!(!run.stderr.contains("wrong-but-secret"));
        }
    }
}

#[test]
fn a_secret_file_readable_by_others_is_used_with_a_warning() {
    let server = Server::http(prime(&[]).handler());
    let dir = secrets();
    write_secret(
        &dir.path().join("open.secret"),
        &format!("{PASSWORD}\n"),
        0o644,
    );
    let password = format!("--password-file={}", path(&dir, "open.secret"));
    let run = licscope_with_env(
        &[
            "normalize",
            "--format=ndjson",
            "--user=monitor",
            &password,
            &server.url("/webacs/api/v3/op/info/license"),
        ],
        b"",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is readable by group or others (mode 644): chmod 600 it"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run);
}

#[test]
fn proxies_are_taken_from_the_environment_as_curl_takes_them() {
    let dir = secrets();
    let password = format!("--password-file={}", path(&dir, "prime.secret"));
    let identity = Identity::localhost();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &identity.ca_pem).unwrap();
    let ca_file = format!("--ca-file={}", ca.display());
    let server = Server::https(&identity, prime(&[]).handler());
    // Every tunnel leads to the loopback server; the name in the URL is never resolved
    // (.invalid cannot be), only the proxy is reached.
    let proxy = Tunnel::to(server.address());
    let proxy_url = proxy.url();
    let tunnelled = format!("https://{TUNNELLED_HOST}/webacs/api/v3/op/info/license");
    let direct = server.url("/webacs/api/v3/op/info/license");
    let proxied = |url: &str, env: &[(&str, &str)]| {
        let args = [
            "normalize",
            "--format=ndjson",
            "--user=monitor",
            &password,
            &ca_file,
            url,
        ];
        let run = licscope_with_env(&args, b"", env);
        assert_eq!(run.code, 0, "{env:?}: {}", run.stderr);
        assert_eq!(records(&run).len(), 2);
    };
    let proxy_url = proxy_url.as_str();
    proxied(&tunnelled, &[("https_proxy", proxy_url)]);
    proxied(
        &tunnelled,
        &[
            ("HTTPS_PROXY", proxy_url),
            ("no_proxy", "example.org,10.0.0.0/8"),
        ],
    );
    proxied(&tunnelled, &[("ALL_PROXY", proxy_url)]);
    assert_eq!(proxy.targets(), vec![format!("{TUNNELLED_HOST}:443"); 3]);

    // no_proxy bypasses the proxy for the names and addresses it lists; http_proxy is not
    // read for https:// URLs.
    proxied(
        &direct,
        &[
            ("https_proxy", proxy_url),
            ("no_proxy", "example.org, 127.0.0.0/8"),
        ],
    );
    proxied(&direct, &[("ALL_PROXY", proxy_url), ("NO_PROXY", "*")]);
    proxied(&direct, &[("http_proxy", proxy_url)]);
    assert_eq!(proxy.targets().len(), 3);
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn check_answers_unknown_at_its_deadline_while_an_input_never_ends() {
    use std::process::{Command, Stdio};
    // Standard input stays open and empty: the read can never finish.
    for (extra, to_file) in [(None, false), (Some("--output"), true)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("check.txt");
        let mut command = Command::new(env!("CARGO_BIN_EXE_licscope"));
        command.args(["check", "-t", "1"]);
        if let Some(flag) = extra {
            command.arg(flag).arg(&file);
        }
        let mut child = command
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        let (stdout, stderr) = (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        );
        assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
        let said = if to_file { &stderr } else { &stdout };
        assert!(
            said.contains("LICENSES UNKNOWN - timed out after 1 s (-t) while reading -"),
            "{stdout}{stderr}"
        );
        if to_file {
            // No answer file, and no temporary file left beside it.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }
}
