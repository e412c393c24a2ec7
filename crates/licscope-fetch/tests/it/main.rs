//! The clients against loopback servers that answer as the vendors do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tls;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use licscope_fetch::{
    Api, Client, Credentials, Endpoint, Exchange, FetchErrorKind, Secret, Sleep, Target, Trust,
};
use licscope_testservers::{
    API_KEY, Identity, NEVER_SHOWN, PASSWORD, Prime, Server, Step, seed, seed_control_room,
    seed_prime,
};

fn prime_server(steps: &[Step]) -> Server {
    Server::http(seed_prime(steps).handler())
}

fn target(url: &str, credentials: Credentials) -> Target {
    Target::new(Endpoint::parse(url, None).unwrap()).with_credentials(credentials)
}

fn prime_target(server: &Server, password: &str) -> Target {
    target(
        &server.url("/webacs/api/v3/op/info/license"),
        Credentials::password("monitor", Secret::new(password)),
    )
}

/// Records the delays it is asked for and returns at once.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Duration>>);

impl Sleep for Recorder {
    fn sleep(&self, duration: Duration) {
        self.0.lock().unwrap().push(duration);
    }
}

fn deadline(seconds: u64) -> Option<Instant> {
    Some(Instant::now() + Duration::from_secs(seconds))
}

/// A Prime server that answers `steps` first, fetched with `retries` retries and a recorded
/// sleep: the outcome, the requests the server saw and the delays slept.
fn through_rate_limits(
    steps: &[Step],
    retries: u32,
) -> (
    Result<licscope_prime::LicenseResponse<'static>, licscope_fetch::FetchError>,
    usize,
    Vec<Duration>,
) {
    let server = prime_server(steps);
    let sleeper = Arc::new(Recorder::default());
    let client = Client::new()
        .with_sleep(sleeper.clone())
        .with_retries(retries);
    let outcome = client.cisco_prime(&prime_target(&server, PASSWORD), deadline(20));
    let delays = sleeper.0.lock().unwrap().clone();
    (outcome, server.requests().len(), delays)
}

#[test]
fn prime_answers_its_seed_payload_in_xml_and_json() {
    let server = prime_server(&[]);
    let client = Client::new();
    let xml = client
        .cisco_prime(&prime_target(&server, PASSWORD), deadline(20))
        .unwrap();
    assert_eq!(xml.records.len(), 2);
    let json = target(
        &server.url("/webacs/api/v3/op/info/license.json"),
        Credentials::password("monitor", Secret::new(PASSWORD)),
    );
    let json = client.cisco_prime(&json, deadline(20)).unwrap();
    assert_eq!(json.records, xml.records);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("accept"), Some("application/xml"));
    assert_eq!(requests[1].header("accept"), Some("application/json"));
    for r in &requests {
        assert_eq!(r.header("connection"), Some("close"));
        assert!(r.header("authorization").unwrap().starts_with("Basic "));
    }
}

#[test]
fn prime_503_twice_then_success_takes_three_requests_and_two_random_delays() {
    let (outcome, requests, delays) =
        through_rate_limits(&[Step::Unavailable, Step::Unavailable], 3);
    assert_eq!(outcome.unwrap().records.len(), 2);
    assert_eq!(requests, 3);
    assert_eq!(delays.len(), 2);
    assert!(
        delays
            .iter()
            .all(|d| (1.5..=3.5).contains(&d.as_secs_f64())),
        "{delays:?}"
    );
}

#[test]
fn prime_rate_limit_403_is_retried_and_gives_up_after_the_retries() {
    let (outcome, requests, delays) = through_rate_limits(&[Step::RateLimit403; 6], 2);
    let error = outcome.unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::RateLimited);
    assert_eq!(error.status(), Some(403));
    assert!(error.message().contains("3 requests"), "{error}");
    assert_eq!(requests, 3);
    assert_eq!(delays.len(), 2);
}

#[test]
fn prime_html_rate_limit_403_is_retried_once_and_then_answered() {
    let (outcome, requests, delays) = through_rate_limits(&[Step::RateLimitHtml403], 3);
    assert_eq!(outcome.unwrap().records.len(), 2);
    assert_eq!(requests, 2);
    assert_eq!(delays.len(), 1);
    assert!((1.5..=3.5).contains(&delays[0].as_secs_f64()), "{delays:?}");
}

#[test]
fn a_429_waits_its_retry_after() {
    let (outcome, requests, delays) = through_rate_limits(&[Step::TooManyRequests], 3);
    outcome.unwrap();
    assert_eq!(delays, [Duration::from_secs(1)]);
    assert_eq!(requests, 2);
}

#[test]
fn prime_forbidden_403_is_not_a_rate_limit() {
    let server = prime_server(&[Step::Forbidden]);
    let client = Client::new().with_sleep(Arc::new(Recorder::default()));
    let error = client
        .cisco_prime(&prime_target(&server, PASSWORD), deadline(20))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Authentication);
    assert!(error.message().contains("not authorized"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn no_retry_when_the_deadline_leaves_no_time_for_the_delay() {
    let server = prime_server(&[Step::Unavailable; 4]);
    let sleeper = Arc::new(Recorder::default());
    let client = Client::new().with_sleep(sleeper.clone());
    let soon = Some(Instant::now() + Duration::from_millis(1400));
    let error = client
        .cisco_prime(&prime_target(&server, PASSWORD), soon)
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::RateLimited);
    assert!(error.message().contains("deadline"), "{error}");
    assert_eq!(server.requests().len(), 1);
    assert!(sleeper.0.lock().unwrap().is_empty());
}

#[test]
fn a_wrong_prime_password_is_a_302_and_is_not_retried() {
    let server = prime_server(&[]);
    let client = Client::new().with_sleep(Arc::new(Recorder::default()));
    let error = client
        .cisco_prime(&prime_target(&server, "wrong"), deadline(20))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Authentication);
    assert_eq!(error.status(), Some(302));
    assert!(error.message().contains("login page"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_html_login_page_is_an_authentication_failure() {
    let server = prime_server(&[Step::LoginPage]);
    let client = Client::new().with_sleep(Arc::new(Recorder::default()));
    let error = client
        .cisco_prime(&prime_target(&server, PASSWORD), deadline(20))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Authentication);
    assert!(error.message().contains("HTML"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn prime_401_is_not_retried() {
    let server = prime_server(&[Step::Unauthorized]);
    let client = Client::new().with_sleep(Arc::new(Recorder::default()));
    let error = client
        .cisco_prime(&prime_target(&server, PASSWORD), deadline(20))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Authentication);
    assert_eq!(error.status(), Some(401));
    assert_eq!(server.requests().len(), 1);
}

fn control_room(steps: &[Step]) -> Server {
    Server::http(seed_control_room(steps).handler())
}

#[test]
fn a_control_room_login_by_password_or_api_key_then_the_token_header() {
    let server = control_room(&[]);
    let url = server.url("/v2/license/details");
    for credentials in [
        Credentials::password("bot-runner", Secret::new(PASSWORD)),
        Credentials::api_key("bot-runner", Secret::new(API_KEY)),
    ] {
        let client = Client::new();
        let details = client
            .automation360(&target(&url, credentials.clone()), deadline(20))
            .unwrap();
        let expected = licscope_a360::decode(&seed("a360/valid/seed-cloud-license.json")).unwrap();
        assert_eq!(details, expected);
        // The same Control Room again: the token is reused, no second login.
        client
            .automation360(&target(&url, credentials), deadline(20))
            .unwrap();
    }
    let requests = server.requests();
    let logins: Vec<_> = requests.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(logins.len(), 2);
    assert!(String::from_utf8_lossy(&logins[0].body).contains("\"password\""));
    assert!(String::from_utf8_lossy(&logins[1].body).contains("\"apiKey\""));
    let gets: Vec<_> = requests.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 4);
    assert!(gets.iter().all(|r| {
        r.header("x-authorization")
            .is_some_and(|t| t.starts_with("eyJ."))
    }));
}

#[test]
fn a_failed_login_shows_the_error_body_and_is_not_retried() {
    let server = control_room(&[]);
    let client = Client::new();
    let error = client
        .automation360(
            &target(
                &server.url("/v2/license/details"),
                Credentials::password("bot-runner", Secret::new("wrong")),
            ),
            deadline(20),
        )
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Authentication);
    assert_eq!(error.status(), Some(401));
    assert!(
        error.message().contains("UM1108: Invalid credentials"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_401_after_login_logs_in_once_more() {
    let server = control_room(&[Step::Unauthorized]);
    let client = Client::new();
    let url = server.url("/v2/license/details");
    let credentials = Credentials::password("bot-runner", Secret::new(PASSWORD));
    client
        .automation360(&target(&url, credentials.clone()), deadline(20))
        .unwrap();
    let methods: Vec<_> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "GET", "POST", "GET"]);

    // A token refused again after the new login: an authentication failure, no third login.
    let server = control_room(&[Step::Unauthorized, Step::Unauthorized]);
    let url = server.url("/v2/license/details");
    let error = Client::new()
        .automation360(&target(&url, credentials), deadline(20))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Authentication);
    assert!(error.message().contains("UM1117"), "{error}");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn a_server_that_never_answers_fails_at_the_deadline() {
    let server = prime_server(&[Step::Hang]);
    let client = Client::new();
    let error = client
        .cisco_prime(
            &prime_target(&server, PASSWORD),
            Some(Instant::now() + Duration::from_millis(500)),
        )
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Timeout, "{error}");
    // The target's own timeout bounds it too.
    let server = prime_server(&[Step::Hang]);
    let target = prime_target(&server, PASSWORD).with_timeout(Duration::from_millis(300));
    let error = client.cisco_prime(&target, deadline(60)).unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Timeout, "{error}");
}

#[test]
fn a_body_over_the_limit_is_refused_after_reading_the_limit() {
    let server = prime_server(&[Step::Long(300 << 20)]);
    let error = Client::new()
        .cisco_prime(&prime_target(&server, PASSWORD), deadline(60))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::TooLarge, "{error}");
}

#[test]
fn tls_with_an_unknown_ca_is_refused_and_trusted_with_its_bundle_or_insecure() {
    let identity = Identity::localhost();
    let xml = seed("prime/valid/seed-sample.xml");
    let handler = Prime::new("monitor", PASSWORD, &xml, b"{}").handler();
    let server = Server::https(&identity, handler);
    let client = Client::new();
    let plain = prime_target(&server, PASSWORD);
    let error = client.cisco_prime(&plain, deadline(20)).unwrap_err();
    // The machine's own store: refused as an unknown issuer, or as an empty store on a
    // machine without CA certificates; both name --ca-file.
    assert_eq!(error.kind(), FetchErrorKind::Tls, "{error}");
    assert!(error.message().contains("--ca-file"), "{error}");

    let trusted = plain
        .clone()
        .with_trust(Trust::from_pem(identity.ca_pem.as_bytes()).unwrap());
    assert_eq!(
        client
            .cisco_prime(&trusted, deadline(20))
            .unwrap()
            .records
            .len(),
        2
    );
    let insecure = plain.with_trust(Trust::insecure());
    assert_eq!(
        client
            .cisco_prime(&insecure, deadline(20))
            .unwrap()
            .records
            .len(),
        2
    );
    // The refused handshake sent no request.
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn ipv6_loopback_and_its_origin_label() {
    let xml = seed("prime/valid/seed-sample.xml");
    let server = Server::http_v6(Prime::new("monitor", PASSWORD, &xml, b"{}").handler());
    let target = prime_target(&server, PASSWORD);
    assert_eq!(target.endpoint.host_port(), server.host_port());
    assert_eq!(
        Client::new()
            .cisco_prime(&target, deadline(20))
            .unwrap()
            .records
            .len(),
        2
    );
}

#[test]
fn at_most_five_requests_at_once_per_server() {
    // Every request hangs until its deadline: if more than five were sent at once, the server
    // would have seen more than five before the first deadline passed.
    let server = prime_server(&[Step::Hang; 8]);
    let client = Arc::new(Client::new());
    let target = prime_target(&server, PASSWORD);
    let until = Instant::now() + Duration::from_millis(800);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            let target = target.clone();
            std::thread::spawn(move || client.cisco_prime(&target, Some(until)).unwrap_err().kind())
        })
        .collect();
    let kinds: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        kinds.iter().all(|k| *k == FetchErrorKind::Timeout),
        "{kinds:?}"
    );
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn secrets_appear_in_no_error_debug_or_exchange() {
    let seen = Arc::new(Mutex::new(String::new()));
    let client = {
        let seen = seen.clone();
        Client::new()
            .with_sleep(Arc::new(Recorder::default()))
            .with_observer(move |e: &Exchange<'_>| {
                seen.lock().unwrap().push_str(&format!("{e:?}\n"));
            })
    };
    let mut texts = Vec::new();
    let server = control_room(&[Step::Unauthorized, Step::Unauthorized]);
    let url = server.url("/v2/license/details");
    for credentials in [
        Credentials::password("bot-runner", Secret::new(PASSWORD)),
        Credentials::api_key("bot-runner", Secret::new(API_KEY)),
        Credentials::password("bot-runner", Secret::new("wrong-but-secret")),
    ] {
        let target = target(&url, credentials);
        texts.push(format!("{target:?}"));
        if let Err(e) = client.automation360(&target, deadline(20)) {
            texts.push(format!("{e} {e:?}"));
        }
    }
    let prime = prime_server(&[Step::Unauthorized]);
    let target = prime_target(&prime, PASSWORD);
    texts.push(format!(
        "{:?}",
        client.cisco_prime(&target, deadline(20)).unwrap_err()
    ));
    texts.push(seen.lock().unwrap().clone());
    let all = texts.join("\n");
    assert!(
        all.contains("GET") && all.contains("POST") && all.contains("redacted"),
        "{all}"
    );
    for secret in NEVER_SHOWN {
        assert!(!all.contains(secret), "{secret} in:\n{all}");
    }
    let _ = Api::CiscoPrime;
}
