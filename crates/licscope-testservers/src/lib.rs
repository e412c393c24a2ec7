//! Loopback servers that answer as Automation 360 Control Rooms and Cisco Prime servers do,
//! for licscope's live-collection tests. Not published, not an API.
//!
//! - [`Server`]: an HTTP server on `127.0.0.1` or `::1` (tiny_http), optionally behind a TLS
//!   front (rustls) with a certificate made at start ([`Identity`], rcgen). It records every
//!   request, answers through a handler, and stops when dropped, after at most
//!   [`MAX_REQUESTS`] requests or [`MAX_LIFE`] anyway, so that a test can never leave it
//!   running or make it serve forever. It binds loopback addresses only.
//! - [`ControlRoom`] and [`Prime`]: handlers that behave as the vendors do (logins, tokens,
//!   error bodies, 302 to a login page, rate limits), scripted per test.

#![deny(missing_docs)]
#![allow(missing_debug_implementations)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A server answers at most this many requests.
pub const MAX_REQUESTS: usize = 200;
/// A server stops by itself after this long.
pub const MAX_LIFE: Duration = Duration::from_secs(120);

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`, `POST`...
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body (at most 1 MiB is kept).
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers to one request.
pub enum Reply {
    /// A status, headers and body.
    Answer {
        /// The HTTP status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body and its length.
        body: Box<dyn Read + Send>,
        /// The body's length.
        length: usize,
    },
    /// No answer at all: the connection stays open until the server stops.
    Hang,
}

impl Reply {
    /// An answer with a body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        let body = body.into();
        Reply::Answer {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            length: body.len(),
            body: Box::new(io::Cursor::new(body)),
        }
    }

    /// An answer whose body is `prefix` followed by `length - prefix.len()` spaces, streamed
    /// without being held in memory.
    pub fn long(content_type: &str, prefix: &[u8], length: usize) -> Reply {
        let rest = length.saturating_sub(prefix.len());
        Reply::Answer {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            length: prefix.len() + rest,
            body: Box::new(
                io::Cursor::new(prefix.to_vec()).chain(io::repeat(b' ').take(rest as u64)),
            ),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Answer { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = Box<dyn FnMut(&Request) -> Reply + Send>;

/// A loopback server; stops when dropped.
pub struct Server {
    address: SocketAddr,
    https: bool,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// An HTTP server on `127.0.0.1`, on a free port.
    pub fn http(handler: impl FnMut(&Request) -> Reply + Send + 'static) -> Server {
        Server::start(Ipv4Addr::LOCALHOST.into(), None, Box::new(handler))
    }

    /// An HTTP server on `::1`, on a free port.
    pub fn http_v6(handler: impl FnMut(&Request) -> Reply + Send + 'static) -> Server {
        Server::start(Ipv6Addr::LOCALHOST.into(), None, Box::new(handler))
    }

    /// An HTTPS server on `127.0.0.1` presenting `identity`'s certificate.
    pub fn https(
        identity: &Identity,
        handler: impl FnMut(&Request) -> Reply + Send + 'static,
    ) -> Server {
        Server::start(
            Ipv4Addr::LOCALHOST.into(),
            Some(identity),
            Box::new(handler),
        )
    }

    fn start(ip: std::net::IpAddr, tls: Option<&Identity>, handler: Handler) -> Server {
        let http = tiny_http::Server::http(SocketAddr::new(ip, 0)).expect("a loopback port");
        let backend = http.server_addr().to_ip().expect("an IP address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = vec![{
            let requests = requests.clone();
            let stop = stop.clone();
            std::thread::spawn(move || serve(&http, handler, &requests, &stop))
        }];
        let address = match tls {
            None => backend,
            Some(identity) => {
                let listener = TcpListener::bind(SocketAddr::new(ip, 0)).expect("a loopback port");
                let address = listener.local_addr().expect("bound");
                let config = identity.server_config();
                let stop = stop.clone();
                threads.push(std::thread::spawn(move || {
                    tls_front(&listener, &config, backend, &stop);
                }));
                address
            }
        };
        Server {
            address,
            https: tls.is_some(),
            requests,
            stop,
            threads,
        }
    }

    /// The server's URL for `path` (`http://127.0.0.1:PORT/path`).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        match self.address {
            SocketAddr::V4(a) => format!("{scheme}://{a}{path}"),
            SocketAddr::V6(a) => format!("{scheme}://[{}]:{}{path}", a.ip(), a.port()),
        }
    }

    /// The server's `host:port`, as licscope labels records fetched from it.
    pub fn host_port(&self) -> String {
        match self.address {
            SocketAddr::V4(a) => a.to_string(),
            SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        }
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn serve(
    http: &tiny_http::Server,
    mut handler: Handler,
    requests: &Mutex<Vec<Request>>,
    stop: &AtomicBool,
) {
    let started = Instant::now();
    let mut held = Vec::new();
    let mut served = 0;
    while !stop.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFE && served < MAX_REQUESTS {
        let Ok(Some(mut request)) = http.recv_timeout(Duration::from_millis(20)) else {
            continue;
        };
        served += 1;
        let mut body = Vec::new();
        let _ = request.as_reader().take(1 << 20).read_to_end(&mut body);
        let recorded = Request {
            method: request.method().as_str().to_owned(),
            path: request.url().to_owned(),
            headers: request
                .headers()
                .iter()
                .map(|h| {
                    (
                        h.field.as_str().as_str().to_ascii_lowercase(),
                        h.value.as_str().to_owned(),
                    )
                })
                .collect(),
            body,
        };
        let reply = handler(&recorded);
        requests.lock().unwrap().push(recorded);
        match reply {
            Reply::Hang => held.push(request),
            Reply::Answer {
                status,
                headers,
                body,
                length,
            } => {
                let headers = headers
                    .iter()
                    .filter_map(|(n, v)| {
                        tiny_http::Header::from_bytes(n.as_bytes(), v.as_bytes()).ok()
                    })
                    .collect();
                let response = tiny_http::Response::new(
                    tiny_http::StatusCode(status),
                    headers,
                    body,
                    Some(length),
                    None,
                );
                let _ = request.respond(response);
            }
        }
    }
    drop(held);
}

/// Terminates TLS and hands each connection's requests to the HTTP server, one exchange per
/// connection (the request is forwarded with `Connection: close`).
fn tls_front(
    listener: &TcpListener,
    config: &Arc<rustls::ServerConfig>,
    backend: SocketAddr,
    stop: &Arc<AtomicBool>,
) {
    listener.set_nonblocking(true).expect("nonblocking");
    let started = Instant::now();
    let mut connections = Vec::new();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFE {
        match listener.accept() {
            Ok((socket, _)) => {
                let config = config.clone();
                let stop = stop.clone();
                connections.push(std::thread::spawn(move || {
                    let _ = relay(socket, config, backend, &stop);
                }));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    for c in connections {
        let _ = c.join();
    }
}

fn relay(
    socket: TcpStream,
    config: Arc<rustls::ServerConfig>,
    backend: SocketAddr,
    stop: &AtomicBool,
) -> io::Result<()> {
    socket.set_nonblocking(false)?;
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let connection = rustls::ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, socket);
    // The request: its head, then as many body bytes as Content-Length says.
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&request, b"\r\n\r\n") {
            break i + 4;
        }
        match read_until_stopped(&mut tls, &mut buf, stop)? {
            Some(0) | None => return Ok(()),
            Some(n) => request.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        match read_until_stopped(&mut tls, &mut buf, stop)? {
            Some(0) | None => return Ok(()),
            Some(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let mut forwarded: String = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    forwarded.push_str("Connection: close\r\n\r\n");
    let mut upstream = TcpStream::connect(backend)?;
    upstream.write_all(forwarded.as_bytes())?;
    upstream.write_all(&request[head_end..])?;
    upstream.set_read_timeout(Some(Duration::from_millis(100)))?;
    loop {
        match read_until_stopped(&mut upstream, &mut buf, stop)? {
            Some(0) => break,
            None => return Ok(()),
            Some(n) => {
                if tls.write_all(&buf[..n]).is_err() {
                    return Ok(());
                }
            }
        }
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}

/// One read, waiting out the socket's read timeouts until data or the end arrives (`Some(n)`,
/// 0 at the end) or the server stops (`None`).
fn read_until_stopped(
    reader: &mut impl Read,
    buf: &mut [u8],
    stop: &AtomicBool,
) -> io::Result<Option<usize>> {
    loop {
        match reader.read(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A name no resolver answers (`.invalid`), for URLs that only a [`Tunnel`] can reach.
pub const TUNNELLED_HOST: &str = "prime.licscope-test.invalid";

/// An HTTP proxy on `127.0.0.1` that answers `CONNECT` (as ureq sends for every proxied
/// request) by tunnelling to one loopback server, whatever host the request names: so a test
/// can fetch `https://prime.licscope-test.invalid/...` through it without any name being
/// resolved. Records each `CONNECT` target; stops when dropped.
pub struct Tunnel {
    address: SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Tunnel {
    /// A proxy whose tunnels all lead to `backend`.
    pub fn to(backend: SocketAddr) -> Tunnel {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a loopback port");
        let address = listener.local_addr().expect("bound");
        let targets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (targets, stop) = (targets.clone(), stop.clone());
            std::thread::spawn(move || {
                listener.set_nonblocking(true).expect("nonblocking");
                let started = Instant::now();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFE {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let targets = targets.clone();
                            std::thread::spawn(move || {
                                let _ = tunnel(client, backend, &targets);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Tunnel {
            address,
            targets,
            stop,
            thread: Some(thread),
        }
    }

    /// The proxy's URL, for `https_proxy` and the like.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The `CONNECT` targets received so far.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn tunnel(
    mut client: TcpStream,
    backend: SocketAddr,
    targets: &Mutex<Vec<String>>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while find(&head, b"\r\n\r\n").is_none() && head.len() < 8192 {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut words = head.split_whitespace();
    if words.next() != Some("CONNECT") {
        client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(());
    }
    targets
        .lock()
        .unwrap()
        .push(words.next().unwrap_or_default().to_owned());
    let upstream = TcpStream::connect(backend)?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    client.set_read_timeout(None)?;
    let (mut client_in, mut upstream_out) = (client.try_clone()?, upstream.try_clone()?);
    let forward = std::thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(std::net::Shutdown::Write);
    });
    let (mut upstream_in, mut client_out) = (upstream, client);
    let _ = io::copy(&mut upstream_in, &mut client_out);
    let _ = client_out.shutdown(std::net::Shutdown::Both);
    let _ = forward.join();
    Ok(())
}

/// A test CA and a certificate it signed for `localhost`, `127.0.0.1`, `::1` and
/// [`TUNNELLED_HOST`].
pub struct Identity {
    /// The CA's certificate, PEM: what `--ca-file` is given.
    pub ca_pem: String,
    cert: rustls::pki_types::CertificateDer<'static>,
    key: Vec<u8>,
    pin: String,
}

/// `sha256//` and the base64 of the SHA-256 of the key's SubjectPublicKeyInfo.
fn pin_of(key: &rcgen::KeyPair) -> String {
    let spki = rcgen::PublicKeyData::subject_public_key_info(key);
    let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
    format!("sha256//{}", base64_bytes(digest.as_ref()))
}

/// How an appliance makes its own certificate, for [`Identity::appliance`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appliance<'a> {
    /// Self-signed, `CA:TRUE`, the host in the subject CN only, valid from 2020 to 2045.
    SelfSigned {
        /// The subject's common name.
        cn: &'a str,
    },
    /// As [`Appliance::SelfSigned`], but expired since 2020.
    Expired {
        /// The subject's common name.
        cn: &'a str,
    },
}

impl Identity {
    /// A certificate as appliances make theirs at install time (see [`Appliance`]), presented
    /// alone: its own PEM is [`Identity::ca_pem`].
    pub fn appliance(kind: Appliance<'_>) -> Identity {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let (cn, years) = match kind {
            Appliance::SelfSigned { cn } => (cn, (2020, 2045)),
            Appliance::Expired { cn } => (cn, (2015, 2020)),
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, cn);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Cisco Systems");
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Identity {
            ca_pem: cert.pem(),
            cert: cert.der().clone(),
            key: key.serialize_der(),
            pin: pin_of(&key),
        }
    }

    /// The server certificate's key pin, `sha256//BASE64` as curl's `--pinned-pubkey` takes
    /// it, computed from the key pair itself (not from a parse of the certificate).
    pub fn pin(&self) -> &str {
        &self.pin
    }

    /// Makes a new CA and server certificate.
    pub fn localhost() -> Identity {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A name of its own: two test CAs of one name would be told apart by their signatures
        // only, not as an unknown issuer.
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = MADE.fetch_add(1, Ordering::SeqCst);
        ca.distinguished_name.push(
            DnType::CommonName,
            format!("licscope test CA {} {n}", std::process::id()),
        );
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
            TUNNELLED_HOST.to_owned(),
        ];
        let leaf = CertificateParams::new(names).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        Identity {
            ca_pem: ca_cert.pem(),
            cert: leaf_cert.der().clone(),
            key: leaf_key.serialize_der(),
            pin: pin_of(&leaf_key),
        }
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.key.clone().into());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], key)
            .unwrap();
        Arc::new(config)
    }
}

/// The user and password of the [`seed_prime`] server.
pub const PRIME_USER: &str = "monitor";
/// The user of the [`seed_control_room`] server.
pub const CONTROL_ROOM_USER: &str = "bot-runner";
/// The password both seed servers accept.
pub const PASSWORD: &str = "pr1me-S3cret!";
/// The API key the [`seed_control_room`] server accepts.
pub const API_KEY: &str = "k3y-0f-the-b0t-runner";

/// What no output may show: the seed servers' secrets, the wrong password the tests use
/// (`wrong-but-secret`), the tokens a Control Room issues, a basic-authentication header, and
/// the base64 of `monitor:` with which every basic header of [`PRIME_USER`] starts.
pub const NEVER_SHOWN: [&str; 6] = [
    PASSWORD,
    API_KEY,
    "wrong-but-secret",
    "test-token",
    "Basic ",
    "bW9uaXRvcj",
];

/// A fixture's bytes (`fixtures/PATH`).
pub fn seed(path: &str) -> Vec<u8> {
    std::fs::read(licscope_fixtures::root().join(path)).unwrap()
}

/// A Prime server for [`PRIME_USER`] and [`PASSWORD`] answering the seed payload of the
/// vendor's documentation (`fixtures/prime/valid/seed-sample.{xml,json}`), after `steps`.
pub fn seed_prime(steps: &[Step]) -> Prime {
    let xml = seed("prime/valid/seed-sample.xml");
    let json = seed("prime/valid/seed-sample.json");
    Prime::new(PRIME_USER, PASSWORD, &xml, &json).script(steps)
}

/// A Control Room for [`CONTROL_ROOM_USER`] with [`PASSWORD`] or [`API_KEY`] answering the
/// seed payload (`fixtures/a360/valid/seed-cloud-license.json`), after `steps`, and the product
/// list of a shared cloud license (`fixtures/a360/products/valid/cloud-shared.json`).
pub fn seed_control_room(steps: &[Step]) -> ControlRoom {
    ControlRoom::new(
        CONTROL_ROOM_USER,
        &seed("a360/valid/seed-cloud-license.json"),
    )
    .password(PASSWORD)
    .api_key(API_KEY)
    .products(Products::Body(seed(
        "a360/products/valid/cloud-shared.json",
    )))
    .script(steps)
}

/// What a scripted server answers next; after the script, the normal answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The normal answer.
    Normal,
    /// HTTP 503, Prime's rate limit.
    Unavailable,
    /// HTTP 403 with an `errorDocument` saying the rate limit was reached.
    RateLimit403,
    /// HTTP 403 with the appliance's Tomcat HTML error page saying "Too many requests"
    /// (`fixtures/http/prime-rate-limit-403.html`).
    RateLimitHtml403,
    /// HTTP 429 with `Retry-After: 1`.
    TooManyRequests,
    /// HTTP 403 with an `errorDocument` saying the user may not do this.
    Forbidden,
    /// HTTP 200 with Prime's HTML login page.
    LoginPage,
    /// HTTP 401 (for a Control Room: its error body, as for an expired token).
    Unauthorized,
    /// No answer at all.
    Hang,
    /// A body of this many bytes, longer than any limit a test sets.
    Long(usize),
}

/// A Cisco Prime server: basic authentication, 302 to its login page for a wrong password,
/// the license payload at `/webacs/api/.../op/info/license` (XML, or JSON with `.json`).
pub struct Prime {
    user: String,
    password: String,
    xml: Vec<u8>,
    json: Vec<u8>,
    script: VecDeque<Step>,
}

impl Prime {
    /// A server for `user` and `password` answering `xml` (and `json` at `.json` paths).
    pub fn new(user: &str, password: &str, xml: &[u8], json: &[u8]) -> Prime {
        Prime {
            user: user.into(),
            password: password.into(),
            xml: xml.to_vec(),
            json: json.to_vec(),
            script: VecDeque::new(),
        }
    }

    /// Answers the license requests with these steps first, in order.
    pub fn script(mut self, steps: &[Step]) -> Prime {
        self.script = steps.iter().cloned().collect();
        self
    }

    /// The handler to give [`Server::http`] or [`Server::https`].
    pub fn handler(mut self) -> impl FnMut(&Request) -> Reply + Send + 'static {
        move |request| self.answer(request)
    }

    fn answer(&mut self, request: &Request) -> Reply {
        let expected = format!(
            "Basic {}",
            base64(&format!("{}:{}", self.user, self.password))
        );
        if request.header("authorization") != Some(expected.as_str()) {
            return Reply::new(302, "text/html", "")
                .with_header("Location", "/webacs/pages/common/login.jsp");
        }
        let path = origin_form(&request.path);
        if !path.starts_with("/webacs/api/") || !path.contains("/op/info/license") {
            return error_document(404, "No resource at this path");
        }
        let json = path.ends_with(".json");
        match self.script.pop_front().unwrap_or(Step::Normal) {
            Step::Normal if json => Reply::new(200, "application/json", self.json.clone()),
            Step::Normal => Reply::new(200, "application/xml", self.xml.clone()),
            Step::Unavailable => Reply::new(
                503,
                "text/html",
                "<html><body>503 Service Unavailable</body></html>",
            ),
            Step::RateLimit403 => {
                error_document(403, "Rate limit exceeded: too many requests for this user")
            }
            Step::RateLimitHtml403 => Reply::new(
                403,
                "text/html;charset=utf-8",
                seed("http/prime-rate-limit-403.html"),
            ),
            Step::TooManyRequests => {
                Reply::new(429, "text/plain", "Too Many Requests").with_header("Retry-After", "1")
            }
            Step::Forbidden => error_document(403, "The user is not authorized for this resource"),
            Step::LoginPage => Reply::new(
                200,
                "text/html;charset=UTF-8",
                "<!DOCTYPE html>\n<html><head><title>Cisco Prime Infrastructure</title></head><body><form action=\"j_spring_security_check\"></form></body></html>",
            ),
            Step::Unauthorized => error_document(401, "Unauthorized"),
            Step::Hang => Reply::Hang,
            Step::Long(n) => Reply::long(
                "application/xml",
                b"<?xml version=\"1.0\"?><mgmtResponse>",
                n,
            ),
        }
    }
}

/// The path of a request target, whether in origin form (`/path?query`) or in the absolute
/// form a client sends to a proxy (`http://host/path?query`).
fn origin_form(target: &str) -> &str {
    let target = target.split('?').next().unwrap_or_default();
    match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    }
}

fn error_document(status: u16, message: &str) -> Reply {
    Reply::new(
        status,
        "application/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><errorDocument><httpResponseCode>{status}</httpResponseCode><httpMethod>GET</httpMethod><message>{message}</message></errorDocument>"
        ),
    )
}

/// An Automation 360 Control Room: `POST /v2/authentication` answers a token for the right
/// user and password or API key; `GET /v2/license/details` answers the payload to a request
/// with a valid token in `X-Authorization`, `POST /v2/license/product/list` (body `{}`) the
/// product list given with [`ControlRoom::products`], the vendor's error bodies otherwise.
pub struct ControlRoom {
    user: String,
    password: Option<String>,
    api_key: Option<String>,
    details: Vec<u8>,
    products: Products,
    script: VecDeque<Step>,
    tokens: Vec<String>,
}

/// What a [`ControlRoom`] answers for its product list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Products {
    /// 404, as a release without the resource (the default).
    NotFound,
    /// 403, as for a role without the permission.
    Forbidden,
    /// 200 with this body.
    Body(Vec<u8>),
}

impl ControlRoom {
    /// A Control Room answering `details`; give it a password or API key with the builders.
    pub fn new(user: &str, details: &[u8]) -> ControlRoom {
        ControlRoom {
            user: user.into(),
            password: None,
            api_key: None,
            details: details.to_vec(),
            products: Products::NotFound,
            script: VecDeque::new(),
            tokens: Vec::new(),
        }
    }

    /// Answers the product list so.
    pub fn products(mut self, products: Products) -> ControlRoom {
        self.products = products;
        self
    }

    /// Accepts this password.
    pub fn password(mut self, password: &str) -> ControlRoom {
        self.password = Some(password.into());
        self
    }

    /// Accepts this API key.
    pub fn api_key(mut self, api_key: &str) -> ControlRoom {
        self.api_key = Some(api_key.into());
        self
    }

    /// Answers the license requests with these steps first (`Unauthorized` also forgets every
    /// token issued so far, as an expired token is).
    pub fn script(mut self, steps: &[Step]) -> ControlRoom {
        self.script = steps.iter().cloned().collect();
        self
    }

    /// The handler to give [`Server::http`] or [`Server::https`].
    pub fn handler(mut self) -> impl FnMut(&Request) -> Reply + Send + 'static {
        move |request| self.answer(request)
    }

    fn answer(&mut self, request: &Request) -> Reply {
        let path = request.path.split('?').next().unwrap_or_default();
        if request.method == "POST" && path.ends_with("/v2/authentication") {
            let body: serde_json::Value =
                serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null);
            let user_ok = body["username"].as_str() == Some(self.user.as_str());
            let password_ok =
                self.password.is_some() && body["password"].as_str() == self.password.as_deref();
            let key_ok =
                self.api_key.is_some() && body["apiKey"].as_str() == self.api_key.as_deref();
            if !(user_ok && (password_ok || key_ok)) {
                return a360_error(401, "UM1108", "Invalid credentials. Please try again.");
            }
            let token = format!("eyJ.test-token-{}.sig", self.tokens.len() + 1);
            self.tokens.push(token.clone());
            let answer = serde_json::json!({
                "token": token,
                "user": {"id": 17, "username": self.user, "roles": [{"name": "AAE_Admin"}]}
            });
            return Reply::new(200, "application/json", answer.to_string());
        }
        let valid = request
            .header("x-authorization")
            .is_some_and(|t| self.tokens.iter().any(|k| k == t));
        if request.method == "POST" && path.ends_with("/v2/license/product/list") {
            if !valid {
                return a360_error(
                    401,
                    "UM1117",
                    "Access token expected in the 'X-Authorization' header",
                );
            }
            if serde_json::from_slice::<serde_json::Value>(&request.body).ok()
                != Some(serde_json::json!({}))
            {
                return a360_error(400, "generic.bad.request", "Request body is not valid");
            }
            return match &self.products {
                Products::NotFound => a360_error(404, "generic.not.found", "Not found"),
                Products::Forbidden => a360_error(403, "UM1045", "User is not authorized"),
                Products::Body(body) => Reply::new(200, "application/json", body.clone()),
            };
        }
        if request.method == "GET" && path.ends_with("/v2/license/details") {
            if !valid {
                return a360_error(
                    401,
                    "UM1117",
                    "Access token expected in the 'X-Authorization' header",
                );
            }
            return match self.script.pop_front().unwrap_or(Step::Normal) {
                Step::Unauthorized => {
                    self.tokens.clear();
                    a360_error(401, "UM1117", "Access token expired")
                }
                Step::Forbidden => a360_error(403, "UM1045", "User is not authorized"),
                Step::Unavailable => {
                    a360_error(500, "generic.server.exception", "Internal server error")
                }
                Step::Hang => Reply::Hang,
                Step::Long(n) => Reply::long(
                    "application/json",
                    b"{\"type\": \"PURCHASED\", \"pad\": \"",
                    n,
                ),
                Step::LoginPage => {
                    Reply::new(200, "text/html", "<html><body>Sign in</body></html>")
                }
                _ => Reply::new(200, "application/json", self.details.clone()),
            };
        }
        a360_error(404, "generic.not.found", "Not found")
    }
}

fn a360_error(status: u16, code: &str, message: &str) -> Reply {
    let body = serde_json::json!({"code": code, "details": null, "message": message});
    Reply::new(status, "application/json", body.to_string())
}

/// Standard base64 with padding. Written apart from licscope-fetch's on purpose: the server
/// checks the client's header with its own encoder, not the one under test.
pub fn base64(text: &str) -> String {
    base64_bytes(text.as_bytes())
}

fn base64_bytes(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}
