//! The web layer on loopback: web configurations made at test time (rcgen certificates,
//! bcrypt hashes), each answered as exporter-toolkit answers it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use licscope_web::{Limits, Request, Response, Server, WebConfig};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// A CA and a certificate it signed, PEM.
struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = ca.self_signed(&key).unwrap();
        Pki {
            ca_pem: cert.pem(),
            ca_der: cert.der().clone(),
            issuer: Issuer::new(ca, key),
        }
    }

    /// A leaf for `names`: its certificate and key, PEM and DER.
    fn leaf(&self, names: &[&str]) -> (String, String, CertificateDer<'static>, Vec<u8>) {
        let params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (
            cert.pem(),
            key.serialize_pem(),
            cert.der().clone(),
            key.serialize_der(),
        )
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn echo(request: &Request) -> Response {
    Response::new(
        200,
        "text/plain",
        format!("{} {}\n", request.method(), request.path()),
    )
}

fn start(web: WebConfig, limits: Limits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    Server::start(listener, web, limits, echo).unwrap()
}

/// Sends `request` and reads the answer until the server closes or 5 s pass.
fn exchange(stream: &mut (impl Read + Write), request: &[u8]) -> String {
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn plain(address: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    exchange(&mut stream, request)
}

fn get(path: &str, authorization: Option<(&str, &str)>) -> Vec<u8> {
    let auth = authorization.map_or(String::new(), |(u, p)| {
        format!(
            "Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    });
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n")
        .into_bytes()
}

/// A TLS client trusting `ca`, with a client certificate if given.
fn tls(
    address: SocketAddr,
    ca: &CertificateDer<'static>,
    client: Option<(CertificateDer<'static>, Vec<u8>)>,
    request: &[u8],
) -> std::io::Result<String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(vec![cert], PrivateKeyDer::Pkcs8(key.into()))
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let connection =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let socket = TcpStream::connect(address)?;
    socket.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut stream = rustls::StreamOwned::new(connection, socket);
    stream.write_all(request)?;
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Ok(String::from_utf8_lossy(&answer).into_owned()),
        // A server that closes without close_notify after a whole answer.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() => {
            Ok(String::from_utf8_lossy(&answer).into_owned())
        }
        Err(e) => Err(e),
    }
}

fn load(dir: &Path, yaml: &str) -> Result<WebConfig, String> {
    WebConfig::load(&write(dir, "web.yml", yaml)).map_err(|e| e.to_string())
}

#[test]
fn basic_auth_guards_every_path_with_bcrypt_hashes_of_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let hash = bcrypt::hash("right password", 4).unwrap();
    // htpasswd -B writes $2y$; the bcrypt crate $2b$.
    let yaml = format!(
        "basic_auth_users:\n  prometheus: {}\n  grafana: '{}'\n",
        hash.replacen("$2b$", "$2y$", 1),
        hash
    );
    let server = start(load(dir.path(), &yaml).unwrap(), Limits::default());
    let address = server.local_addr();
    for user in ["prometheus", "grafana"] {
        let answer = plain(address, &get("/metrics", Some((user, "right password"))));
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("GET /metrics\n"), "{answer}");
    }
    for (path, auth) in [
        ("/metrics", Some(("prometheus", "wrong"))),
        ("/probe?target=x", Some(("nobody", "right password"))),
        ("/-/healthy", None),
        ("/", None),
    ] {
        let answer = plain(address, &get(path, auth));
        assert!(answer.starts_with("HTTP/1.1 401 Unauthorized"), "{answer}");
        assert!(answer.contains("www-authenticate: Basic\r\n"), "{answer}");
        assert!(!answer.contains(" /"), "the handler ran: {answer}");
    }
}

#[test]
fn tls_serves_only_tls_and_answers_plain_http_as_go_does() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("web test CA");
    let (cert, key, _, _) = pki.leaf(&["localhost"]);
    write(dir.path(), "server.crt", &cert);
    write(dir.path(), "server.key", &key);
    // Relative paths resolve against the web configuration's folder.
    let web = load(
        dir.path(),
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
    )
    .unwrap();
    assert!(web.is_tls() && !web.has_users());
    let server = start(web, Limits::default());
    let answer = tls(server.local_addr(), &pki.ca_der, None, &get("/x", None)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("GET /x\n"), "{answer}");
    let answer = plain(server.local_addr(), &get("/x", None));
    assert!(
        answer.starts_with("HTTP/1.0 400 Bad Request")
            && answer.ends_with("Client sent an HTTP request to an HTTPS server.\n"),
        "{answer}"
    );
}

#[test]
fn client_certificates_are_required_and_verified_against_the_client_ca() {
    let dir = tempfile::tempdir().unwrap();
    let servers = Pki::new("server CA");
    let clients = Pki::new("client CA");
    let strangers = Pki::new("another CA");
    let (cert, key, _, _) = servers.leaf(&["localhost"]);
    write(dir.path(), "server.crt", &cert);
    write(dir.path(), "server.key", &key);
    write(dir.path(), "clients.pem", &clients.ca_pem);
    let web = load(
        dir.path(),
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
         client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: clients.pem\n  \
         min_version: TLS13\n",
    )
    .unwrap();
    let server = start(web, Limits::default());
    let (_, _, good, good_key) = clients.leaf(&["prometheus"]);
    let answer = tls(
        server.local_addr(),
        &servers.ca_der,
        Some((good, good_key)),
        &get("/metrics", None),
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    let no_cert = tls(
        server.local_addr(),
        &servers.ca_der,
        None,
        &get("/metrics", None),
    );
    assert!(
        no_cert.as_ref().map_or(true, |a| !a.contains("200 OK")),
        "{no_cert:?}"
    );
    let (_, _, bad, bad_key) = strangers.leaf(&["prometheus"]);
    let stranger = tls(
        server.local_addr(),
        &servers.ca_der,
        Some((bad, bad_key)),
        &get("/metrics", None),
    );
    assert!(
        stranger.as_ref().map_or(true, |a| !a.contains("200 OK")),
        "{stranger:?}"
    );
}

#[test]
fn a_client_certificate_if_given_is_verified_and_none_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let servers = Pki::new("server CA");
    let clients = Pki::new("client CA");
    let strangers = Pki::new("another CA");
    let (cert, key, _, _) = servers.leaf(&["localhost"]);
    write(dir.path(), "server.crt", &cert);
    write(dir.path(), "server.key", &key);
    write(dir.path(), "clients.pem", &clients.ca_pem);
    let web = load(
        dir.path(),
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
         client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: clients.pem\n",
    )
    .unwrap();
    let server = start(web, Limits::default());
    let request = get("/metrics", None);
    let none = tls(server.local_addr(), &servers.ca_der, None, &request).unwrap();
    assert!(none.starts_with("HTTP/1.1 200 OK"), "{none}");
    let (_, _, good, good_key) = clients.leaf(&["prometheus"]);
    let given = tls(
        server.local_addr(),
        &servers.ca_der,
        Some((good, good_key)),
        &request,
    );
    assert!(
        given
            .as_ref()
            .is_ok_and(|a| a.starts_with("HTTP/1.1 200 OK")),
        "{given:?}"
    );
    let (_, _, bad, bad_key) = strangers.leaf(&["prometheus"]);
    let stranger = tls(
        server.local_addr(),
        &servers.ca_der,
        Some((bad, bad_key)),
        &request,
    );
    assert!(
        stranger.as_ref().map_or(true, |a| !a.contains("200 OK")),
        "{stranger:?}"
    );
}

#[test]
fn every_bad_web_configuration_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("CA");
    let (cert, key, _, _) = pki.leaf(&["localhost"]);
    let (other_cert, _, _, _) = pki.leaf(&["localhost"]);
    write(dir.path(), "server.crt", &cert);
    write(dir.path(), "server.key", &key);
    write(dir.path(), "other.crt", &other_cert);
    write(dir.path(), "ca.pem", &pki.ca_pem);
    let tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
    let file = dir.path().join("web.yml").display().to_string();
    let cases: Vec<(String, &str)> = vec![
        (
            "tls_server_config:\n  cert_fil: x\n".into(),
            "unknown field `cert_fil`",
        ),
        (
            "basic_auth_user:\n  a: b\n".into(),
            "unknown field `basic_auth_user`",
        ),
        (
            format!("{tls}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
            "tls_server_config.cipher_suites is not supported",
        ),
        (
            format!("{tls}  max_version: TLS13\n"),
            "tls_server_config.max_version is not supported",
        ),
        (
            format!("{tls}  curve_preferences: [X25519]\n"),
            "tls_server_config.curve_preferences is not supported",
        ),
        (
            format!("{tls}  prefer_server_cipher_suites: true\n"),
            "tls_server_config.prefer_server_cipher_suites is not supported",
        ),
        (
            format!("{tls}  client_allowed_sans: [a]\n"),
            "tls_server_config.client_allowed_sans is not supported",
        ),
        (
            "http_server_config:\n  http2: false\n".into(),
            "http_server_config.http2 is not supported",
        ),
        (
            "rate_limit:\n  interval: 1s\n  burst: 5\n".into(),
            "rate_limit is not supported",
        ),
        (
            format!("{tls}  min_version: TLS10\n"),
            "min_version: TLS10 is not supported",
        ),
        (
            format!("{tls}  min_version: TLS14\n"),
            "unknown TLS version \"TLS14\"",
        ),
        (
            format!("{tls}  client_auth_type: RequireAnyClientCert\n  client_ca_file: ca.pem\n"),
            "RequireAnyClientCert is not supported",
        ),
        (
            format!("{tls}  client_auth_type: Sometimes\n"),
            "unknown value \"Sometimes\"",
        ),
        (
            format!("{tls}  client_ca_file: ca.pem\n"),
            "client_auth_type is NoClientCert",
        ),
        (
            format!("{tls}  client_auth_type: RequireAndVerifyClientCert\n"),
            "needs client_ca_file",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n".into(),
            "tls_server_config.cert_file: ",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n".into(),
            "key_file (or key) is missing",
        ),
        (
            "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n".into(),
            "holds no certificate",
        ),
        (
            "tls_server_config:\n  cert_file: other.crt\n  key_file: server.key\n".into(),
            "cannot be used together",
        ),
        (
            "basic_auth_users:\n  prometheus: secret123\n".into(),
            "basic_auth_users.prometheus: the password is not a bcrypt hash",
        ),
        (
            "http_server_config:\n  headers:\n    X-Frame-Options: allow\n".into(),
            "X-Frame-Options: \"allow\" is not one of deny, sameorigin",
        ),
        (
            "http_server_config:\n  headers:\n    X-Powered-By: me\n".into(),
            "\"X-Powered-By\" is not a header",
        ),
        ("tls_server_config: [\n".into(), "line 1"),
    ];
    for (yaml, expected) in cases {
        let e = load(dir.path(), &yaml).unwrap_err();
        assert!(e.starts_with(&format!("{file}: ")), "{yaml}: {e}");
        assert!(e.contains(expected), "{yaml}: {e}");
        assert!(
            !e.contains("secret123") && !e.contains("PRIVATE KEY"),
            "{e}"
        );
    }
    // The line of an unknown key is named.
    let e = load(dir.path(), "# comment\nbasic_auth_users: {}\nextra: 1\n").unwrap_err();
    assert!(e.contains("line 3"), "{e}");
    let missing = WebConfig::load(&dir.path().join("nope.yml"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("nope.yml: cannot be read"), "{missing}");
    // Empty files and empty sections are plain HTTP for everyone, as in exporter-toolkit.
    for yaml in [
        "",
        "# nothing\n",
        "tls_server_config:\n",
        "basic_auth_users: {}\n",
    ] {
        let web = load(dir.path(), yaml).unwrap();
        assert!(!web.is_tls() && !web.has_users(), "{yaml}");
    }
}

#[test]
fn configured_headers_are_on_every_answer() {
    let dir = tempfile::tempdir().unwrap();
    let web = load(
        dir.path(),
        "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n    \
         Content-Security-Policy: default-src 'self'\n",
    )
    .unwrap();
    let server = start(web, Limits::default());
    let answer = plain(server.local_addr(), &get("/", None));
    assert!(
        answer.contains("x-content-type-options: nosniff\r\n"),
        "{answer}"
    );
    assert!(
        answer.contains("content-security-policy: default-src 'self'\r\n"),
        "{answer}"
    );
}

#[test]
fn a_new_web_configuration_applies_to_the_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(WebConfig::default(), Limits::default());
    assert!(plain(server.local_addr(), &get("/", None)).starts_with("HTTP/1.1 200"));
    let hash = bcrypt::hash("pw", 4).unwrap();
    server.set_web(load(dir.path(), &format!("basic_auth_users:\n  p: {hash}\n")).unwrap());
    assert!(plain(server.local_addr(), &get("/", None)).starts_with("HTTP/1.1 401"));
    assert!(plain(server.local_addr(), &get("/", Some(("p", "pw")))).starts_with("HTTP/1.1 200"));
}

#[test]
fn oversized_heads_and_targets_are_refused_and_the_connection_closed() {
    let server = start(WebConfig::default(), Limits::default());
    // 70 KiB of headers, over the 64 KiB limit: 431 before the rest is read.
    let mut request = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..700 {
        request.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "a".repeat(90)).as_bytes());
    }
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(&request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{answer}"
    );
    let long = format!("/probe?target={}", "a".repeat(9000));
    let answer = plain(server.local_addr(), &get(&long, None));
    assert!(answer.starts_with("HTTP/1.1 414 URI Too Long"), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
}

#[test]
fn a_slow_head_and_an_idle_keep_alive_connection_are_closed_after_the_head_timeout() {
    let limits = Limits {
        head_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = start(WebConfig::default(), limits);
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let waited = started.elapsed();
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{answer:?}"
    );
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
    // Keep-alive: one answer, then the connection closes when idle for the head timeout.
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // Ok only when the server closes: the read timeout (5 s) would be an error.
    stream.read_to_end(&mut answer).unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("GET /a\n"),
        "{answer}"
    );
    // The server counts the connection closed just after the client sees it closed.
    let started = Instant::now();
    while server.connections() != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{} open",
            server.connections()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_tls_handshake_that_never_comes_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("CA");
    let (cert, key, _, _) = pki.leaf(&["localhost"]);
    let yaml = format!(
        "tls_server_config:\n  cert: |\n{}  key: |\n{}",
        indent(&cert),
        indent(&key)
    );
    let web = load(dir.path(), &yaml).unwrap();
    let limits = Limits {
        handshake_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = start(web, limits);
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The first byte of a handshake record, and nothing more.
    stream.write_all(&[0x16]).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(answer.is_empty(), "{answer:?}");
}

fn indent(pem: &str) -> String {
    pem.lines().map(|l| format!("    {l}\n")).collect()
}

#[test]
fn connections_beyond_the_limit_wait_and_handlers_never_block_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let server = Server::start(listener, WebConfig::default(), limits, |r: &Request| {
        if r.path() == "/slow" {
            std::thread::sleep(Duration::from_millis(1500));
        }
        echo(r)
    })
    .unwrap();
    let address = server.local_addr();
    // A slow handler does not hold up another request.
    let slow = std::thread::spawn(move || plain(address, &get("/slow", None)));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    assert!(plain(address, &get("/fast", None)).ends_with("GET /fast\n"));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(slow.join().unwrap().ends_with("GET /slow\n"));
    // Two idle connections hold both places: a third is not served until one closes.
    let first = TcpStream::connect(address).unwrap();
    let _second = TcpStream::connect(address).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.connections(), 2);
    let mut third = TcpStream::connect(address).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    third.write_all(&get("/third", None)).unwrap();
    let mut buf = [0u8; 64];
    assert!(third.read(&mut buf).is_err(), "served beyond the limit");
    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = third.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).ends_with("GET /third\n"));
}

#[test]
fn the_open_files_limit_is_raised_to_the_hard_limit() {
    let raised = licscope_web::raise_open_files_limit().unwrap();
    let again = licscope_web::raise_open_files_limit().unwrap();
    assert_eq!(raised, again);
    assert!(raised.is_none_or(|n| n >= 1024), "{raised:?}");
}

/// Arbitrary bytes as a request head, and heads that go wrong after a valid start: every
/// answer is an HTTP status line (or none: the connection closed), and the server answers a
/// good request afterwards.
#[test]
fn arbitrary_bytes_as_a_request_head_get_an_http_answer_or_a_close_never_a_hang() {
    use proptest::prelude::*;
    let limits = Limits {
        head_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let server = start(WebConfig::default(), limits);
    let address = server.local_addr();
    let heads = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        proptest::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
            let mut head = b"GET /probe?target=x HTTP/1.1\r\nHost: x\r\n".to_vec();
            head.extend(tail);
            head.extend_from_slice(b"\r\n\r\n");
            head
        }),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&heads, |head| {
            let mut stream = TcpStream::connect(address).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let _ = stream.write_all(&head);
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let mut answer = Vec::new();
            let started = Instant::now();
            let _ = stream.read_to_end(&mut answer);
            prop_assert!(
                started.elapsed() < Duration::from_secs(4),
                "no answer, no close"
            );
            prop_assert!(
                answer.is_empty() || answer.starts_with(b"HTTP/1."),
                "{:?}",
                String::from_utf8_lossy(&answer)
            );
            Ok(())
        })
        .unwrap();
    assert!(plain(address, &get("/after", None)).ends_with("GET /after\n"));
}
