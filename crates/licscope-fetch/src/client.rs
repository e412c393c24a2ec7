//! The client: connections, logins, retries, deadlines, and the answer's body.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher as _, RandomState};
use std::io::{self, Cursor, Read};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use licscope_prime::{Document, LicenseInfo, LicenseResponse, Limits};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector as _, TcpConnector};
use ureq::{Agent, BodyReader, Proxy, ProxyProtocol};

use crate::proxy::proxy_for;
use crate::tls::tls_failure;
use crate::{
    Api, Credentials, Endpoint, FetchError, FetchErrorKind, PresentedCertificate, Secret, Target,
    Trust,
};

/// At most this many requests at once to one server: Prime answers 401 to a user with more
/// than five sessions.
const PER_SERVER: usize = 5;
/// How much of an error answer is read to explain it.
const ERROR_BODY: u64 = 64 << 10;
/// How much of a login answer is read for its token.
const LOGIN_BODY: u64 = 1 << 20;
/// How many bytes of a successful answer are read before it is handed over, to tell an HTML
/// login page from license data.
const HEAD: usize = 1024;
/// The longest `Retry-After` waited for; a server asking for more is answered as rate-limited.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Waits between retries. The default sleeps the thread; tests inject one that records the
/// delays and returns at once.
pub trait Sleep: Send + Sync + fmt::Debug {
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration);
}

/// [`Sleep`] with [`std::thread::sleep`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// One HTTP exchange, as the client reports it to an observer ([`Client::with_observer`]): for
/// `-v` traces and request counters. Holds no credentials: URLs never carry them, and headers
/// and bodies are not shown.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Exchange<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The URL requested.
    pub url: &'a str,
    /// How the request was authenticated, for people: `basic authentication (redacted)`.
    pub credentials: &'a str,
    /// The answer's status, or `None` when no answer arrived.
    pub status: Option<u16>,
    /// Why no answer arrived.
    pub failure: Option<&'a str>,
    /// From sending the request to the answer's headers (or the failure).
    pub elapsed: Duration,
}

type Observer = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;
/// A Control Room's token for one user, behind its own lock so that one thread logs in while
/// the others wait for its token.
type TokenSlot = Arc<Mutex<Option<Secret>>>;

/// A blocking client for both APIs. One client serves a whole run: it logs in to each Control
/// Room once (per user) and shares the token between targets and threads, and it holds the
/// per-server limit of five requests at once across them.
///
/// Every method takes an optional deadline (an [`Instant`]); a target's own
/// [`timeout`](Target::with_timeout) shortens it. The deadline bounds connecting, logging in,
/// retries and their delays, and reading the answer.
pub struct Client {
    retries: u32,
    sleep: Arc<dyn Sleep>,
    observer: Option<Observer>,
    proxy_env: fn(&str) -> Option<String>,
    tokens: Mutex<HashMap<(String, String), TokenSlot>>,
    servers: Arc<Servers>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("retries", &self.retries)
            .field("sleep", &self.sleep)
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl Client {
    /// A client with 3 retries of a rate-limited request, sleeping between them, proxies from
    /// the environment as curl reads them.
    pub fn new() -> Client {
        Client {
            retries: 3,
            sleep: Arc::new(ThreadSleep),
            observer: None,
            proxy_env: |name| std::env::var(name).ok(),
            tokens: Mutex::new(HashMap::new()),
            servers: Arc::new(Servers::default()),
        }
    }

    /// Sets how many times a rate-limited Prime request is retried (default 3).
    pub fn with_retries(mut self, retries: u32) -> Client {
        self.retries = retries;
        self
    }

    /// Sets what waits between retries.
    pub fn with_sleep(mut self, sleep: Arc<dyn Sleep>) -> Client {
        self.sleep = sleep;
        self
    }

    /// Calls `observer` after every HTTP exchange.
    pub fn with_observer(
        mut self,
        observer: impl Fn(&Exchange<'_>) + Send + Sync + 'static,
    ) -> Client {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Fetches the target's license resource and returns its body, after the API's login
    /// and retries. The body is the server's answer as it streams in, up to the deadline; read
    /// it within your own byte limit.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] for every failure before the answer's body (see [`FetchErrorKind`]).
    pub fn open(&self, target: &Target, deadline: Option<Instant>) -> Result<Body, FetchError> {
        let started = Instant::now();
        let deadline = match target.timeout {
            Some(t) => Some(deadline.map_or(started + t, |d| d.min(started + t))),
            None => deadline,
        };
        let call = Call {
            client: self,
            target,
            agent: self.agent(target)?,
            deadline,
            started,
        };
        match target.endpoint.api() {
            Api::Automation360 => call.automation360(),
            Api::CiscoPrime => call.cisco_prime(),
        }
    }

    /// Fetches a Control Room's product list (`POST /v2/license/product/list` with `{}`, the
    /// seats per product and feature) with the token of the details' login, and returns its
    /// body as [`Client::open`] does. Only for a target whose endpoint asks for it
    /// ([`Endpoint::products_url`]).
    ///
    /// # Errors
    ///
    /// As [`Client::open`]: a role without the permission is [`FetchErrorKind::Authentication`]
    /// with status 403, a release without the resource [`FetchErrorKind::Status`] with 404;
    /// [`FetchErrorKind::InvalidTarget`] for an endpoint that does not ask for the list.
    pub fn open_products(
        &self,
        target: &Target,
        deadline: Option<Instant>,
    ) -> Result<Body, FetchError> {
        let Some(url) = target.endpoint.products_url() else {
            return Err(FetchError::new(
                FetchErrorKind::InvalidTarget,
                "the target asks for no product list: give the Control Room's base URL",
            ));
        };
        let started = Instant::now();
        let deadline = match target.timeout {
            Some(t) => Some(deadline.map_or(started + t, |d| d.min(started + t))),
            None => deadline,
        };
        let call = Call {
            client: self,
            target,
            agent: self.agent(target)?,
            deadline,
            started,
        };
        call.a360_request(&url, Some(b"{}"), "the product list")
    }

    /// Fetches and decodes a Control Room's license details (at most 1 MiB, as
    /// [`licscope_a360::decode`] reads).
    ///
    /// # Errors
    ///
    /// As [`Client::open`]; [`FetchErrorKind::TooLarge`] or [`FetchErrorKind::Payload`] for an
    /// answer that is not license details.
    pub fn automation360(
        &self,
        target: &Target,
        deadline: Option<Instant>,
    ) -> Result<licscope_a360::LicenseDetails, FetchError> {
        let limit = licscope_a360::default_limits().max_input_bytes() as u64;
        let body = read_all(self.open(target, deadline)?, limit)?;
        licscope_a360::decode(&body).map_err(payload)
    }

    /// Fetches and decodes a Prime server's license records (XML or JSON, within the default
    /// [`Limits`]).
    ///
    /// # Errors
    ///
    /// As [`Client::automation360`].
    pub fn cisco_prime(
        &self,
        target: &Target,
        deadline: Option<Instant>,
    ) -> Result<LicenseResponse<'static>, FetchError> {
        let limits = Limits::default();
        let body = read_all(
            self.open(target, deadline)?,
            limits.max_input_bytes() as u64,
        )?;
        let response = if licscope_prime::looks_like_xml(&body) {
            licscope_prime::decode_xml_with(&body, &limits)
        } else {
            licscope_prime::decode_json_with(&body, &limits)
        };
        response.map(|r| r.into_owned()).map_err(payload)
    }

    /// The certificate `endpoint`'s server presents, read in a TLS handshake that then stops:
    /// no request is sent, so no credential either (`licscope pin`). Proxies are used as for
    /// a fetch.
    ///
    /// # Errors
    ///
    /// [`FetchErrorKind::InvalidTarget`] for an `http://` endpoint; otherwise as a fetch fails
    /// before its answer ([`FetchErrorKind::Connect`], [`FetchErrorKind::Tls`],
    /// [`FetchErrorKind::Timeout`]).
    pub fn certificate(
        &self,
        endpoint: &Endpoint,
        deadline: Option<Instant>,
    ) -> Result<PresentedCertificate, FetchError> {
        if !endpoint.is_https() {
            return Err(FetchError::new(
                FetchErrorKind::InvalidTarget,
                "an http:// server presents no certificate: give its https:// URL",
            ));
        }
        let target = Target::new(endpoint.clone()).with_trust(Trust::inspect());
        let call = Call {
            client: self,
            target: &target,
            agent: self.agent(&target)?,
            deadline,
            started: Instant::now(),
        };
        let error = match call.send("GET", &endpoint.url(), "none", &[], None) {
            Ok(_) => FetchError::new(
                FetchErrorKind::Tls,
                "the connection was not refused as it must be to read the certificate",
            ),
            Err(e) => e,
        };
        match error.certificate() {
            Some(certificate) => Ok(certificate.clone()),
            None => Err(error),
        }
    }

    fn agent(&self, target: &Target) -> Result<Agent, FetchError> {
        let endpoint = &target.endpoint;
        let proxy = match proxy_for(endpoint.is_https(), endpoint.host(), &self.proxy_env) {
            // The variable's value may hold the proxy's password: not repeated.
            Some(url) => Some(Proxy::new(&url).map_err(|_| {
                FetchError::new(
                    FetchErrorKind::InvalidTarget,
                    "the proxy named in the environment (https_proxy, http_proxy or all_proxy) \
                     is not a valid proxy URL",
                )
            })?),
            None => None,
        };
        if proxy
            .as_ref()
            .is_some_and(|p| !matches!(p.protocol(), ProxyProtocol::Http | ProxyProtocol::Https))
        {
            // ureq is built without SOCKS: such a proxy would be passed by, not used.
            return Err(FetchError::new(
                FetchErrorKind::InvalidTarget,
                "the proxy named in the environment is a SOCKS proxy, which licscope does not \
                 speak: name an HTTP proxy (CONNECT)",
            ));
        }
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(concat!("licscope/", env!("CARGO_PKG_VERSION")))
            .build();
        // ureq's own chain, with licscope's TLS step in place of ureq's rustls connector.
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(target.trust.connector()?);
        Ok(Agent::with_parts(
            config,
            connector,
            DefaultResolver::default(),
        ))
    }

    fn token_slot(&self, control_room: String, user: &str) -> TokenSlot {
        lock(&self.tokens)
            .entry((control_room, user.to_owned()))
            .or_default()
            .clone()
    }
}

/// The answer's body, as it streams in: read it within a byte limit. Holds one of the
/// server's five request places until dropped.
pub struct Body {
    head: Cursor<Vec<u8>>,
    rest: BodyReader<'static>,
    _place: Option<Place>,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body").finish_non_exhaustive()
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        self.rest.read(buf).map_err(|e| {
            if is_timeout(&e) {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    "timed out: the deadline passed while the answer was arriving",
                )
            } else {
                e
            }
        })
    }
}

/// One target's fetch.
struct Call<'c> {
    client: &'c Client,
    target: &'c Target,
    agent: Agent,
    deadline: Option<Instant>,
    started: Instant,
}

/// An answer's status, headers that matter, and its body.
struct Answer {
    status: u16,
    content_type: String,
    /// `Retry-After`: its delay in seconds, or zero when it is a date or unreadable (then the
    /// usual random delay is waited); `None` when absent.
    retry_after: Option<Duration>,
    body: BodyReader<'static>,
}

impl Call<'_> {
    fn automation360(&self) -> Result<Body, FetchError> {
        self.a360_request(&self.target.endpoint.url(), None, "license details")
    }

    /// A Control Room request with the shared token (logging in for it, and once more when it
    /// has expired): `GET` without a body, `POST` of `body` as JSON with one.
    fn a360_request(
        &self,
        url: &str,
        body: Option<&[u8]>,
        what_for: &str,
    ) -> Result<Body, FetchError> {
        let endpoint = &self.target.endpoint;
        let credentials = self.credentials("a Control Room")?;
        let slot = self
            .client
            .token_slot(endpoint.control_room(), &credentials.user);
        let mut token = {
            let mut held = lock(&slot);
            match &*held {
                Some(token) => token.clone(),
                None => {
                    let token = self.login(credentials)?;
                    *held = Some(token.clone());
                    token
                }
            }
        };
        let mut logged_in_again = false;
        loop {
            let headers = [
                ("X-Authorization", token.expose()),
                ("Accept", "application/json"),
                ("Content-Type", "application/json"),
            ];
            let (method, headers) = match body {
                Some(_) => ("POST", &headers[..]),
                None => ("GET", &headers[..2]),
            };
            let answer = self.send(
                method,
                url,
                "token in X-Authorization (redacted)",
                headers,
                body,
            )?;
            match answer.status {
                200 => return self.body(answer, None),
                401 if !logged_in_again => {
                    // Tokens last 20 minutes: log in once more, unless another thread already did.
                    logged_in_again = true;
                    let mut held = lock(&slot);
                    if held.as_ref().is_none_or(|t| t.expose() == token.expose()) {
                        *held = None;
                        let fresh = self.login(credentials)?;
                        *held = Some(fresh);
                    }
                    token = held.clone().unwrap_or(token);
                }
                status => {
                    let why = a360_error_body(answer.body);
                    let kind = if matches!(status, 401 | 403) {
                        FetchErrorKind::Authentication
                    } else {
                        FetchErrorKind::Status
                    };
                    let what = match status {
                        401 => "the Control Room refused the token of a new login".to_owned(),
                        403 => format!("the user may not read {what_for}"),
                        404 if body.is_some() => {
                            format!(
                                "the Control Room does not serve {what_for} (a release before it?)"
                            )
                        }
                        _ => "the Control Room answered an error".to_owned(),
                    };
                    return Err(
                        FetchError::new(kind, format!("{what} (HTTP {status}){why}"))
                            .with_status(status),
                    );
                }
            }
        }
    }

    /// `POST /v2/authentication`: the token, or the reason the login failed. Never retried.
    fn login(&self, credentials: &Credentials) -> Result<Secret, FetchError> {
        let secret_key = match &credentials.secret {
            crate::Credential::Password(_) => "password",
            crate::Credential::ApiKey(_) => "apiKey",
        };
        let mut body = serde_json::Map::new();
        body.insert("username".into(), credentials.user.clone().into());
        body.insert(
            secret_key.into(),
            credentials.secret.secret().expose().to_owned().into(),
        );
        let body = serde_json::Value::Object(body).to_string();
        let answer = self.send(
            "POST",
            &self.target.endpoint.login_url(),
            if secret_key == "apiKey" {
                "user and API key in the body (redacted)"
            } else {
                "user and password in the body (redacted)"
            },
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            Some(body.as_bytes()),
        )?;
        let status = answer.status;
        if status != 200 && status != 201 {
            let why = a360_error_body(answer.body);
            let kind = if (400..500).contains(&status) {
                FetchErrorKind::Authentication
            } else {
                FetchErrorKind::Status
            };
            return Err(FetchError::new(
                kind,
                format!("the Control Room refused the login (HTTP {status}){why}"),
            )
            .with_status(status));
        }
        let bytes = read_limited(answer.body, LOGIN_BODY).map_err(|e| {
            FetchError::new(
                FetchErrorKind::Io,
                format!("the login answer could not be read: {e}"),
            )
        })?;
        #[derive(serde::Deserialize)]
        struct LoginAnswer {
            token: String,
        }
        match serde_json::from_slice::<LoginAnswer>(&bytes) {
            Ok(answer) if !answer.token.is_empty() => Ok(Secret::new(answer.token)),
            // serde_json's message could quote the body, which holds the token: not shown.
            _ => Err(FetchError::new(
                FetchErrorKind::Payload,
                "the Control Room's login answer has no token (expected {\"token\": ...})",
            )
            .with_status(status)),
        }
    }

    fn cisco_prime(&self) -> Result<Body, FetchError> {
        let endpoint = &self.target.endpoint;
        let credentials = self.credentials("a Cisco Prime server")?;
        let crate::Credential::Password(password) = &credentials.secret else {
            return Err(FetchError::new(
                FetchErrorKind::MissingCredentials,
                "Cisco Prime takes a user and password (HTTP basic authentication), not an API key",
            ));
        };
        let basic = Secret::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                credentials.user,
                password.expose()
            ))
        ));
        let accept = if endpoint.wants_json() {
            "application/json"
        } else {
            "application/xml"
        };
        let url = endpoint.url();
        let mut attempt = 0;
        loop {
            let wait: Option<Duration>;
            let place = self
                .client
                .servers
                .enter(endpoint.host_port(), self.deadline);
            let place = place.ok_or_else(|| self.timeout())?;
            let answer = self.send(
                "GET",
                &url,
                "basic authentication (redacted)",
                &[
                    ("Authorization", basic.expose()),
                    ("Accept", accept),
                    // As Prime's own clients do: a session per request, none left open.
                    ("Connection", "close"),
                ],
                None,
            )?;
            let status = answer.status;
            // Every answer but a rate limit ends the call here; a rate limit falls through to
            // the retry below.
            match status {
                200 => return self.body(answer, Some(place)),
                301 | 302 | 303 | 307 | 308 => {
                    return Err(FetchError::new(
                        FetchErrorKind::Authentication,
                        format!(
                            "authentication failed: Prime redirected to its login page (HTTP \
                             {status}), its answer to a wrong user or password; not retried"
                        ),
                    )
                    .with_status(status));
                }
                // Prime's rate limit is 503 (some deployments 403), and 429 is one by definition;
                // a 403 is one when it says so, whether the body is an errorDocument, the
                // appliance's Tomcat HTML page or plain text, or when it asks for a Retry-After.
                503 | 429 => {
                    wait = answer.retry_after;
                    drop(answer);
                }
                403 => {
                    wait = answer.retry_after;
                    let body = read_limited(answer.body, ERROR_BODY).unwrap_or_default();
                    if wait.is_none() && !says_rate_limit(&body) {
                        let why = prime_error_message(&body);
                        return Err(FetchError::new(
                            FetchErrorKind::Authentication,
                            format!("Prime refused the request (HTTP 403){why}"),
                        )
                        .with_status(status));
                    }
                }
                _ => {
                    let why = prime_error_body(answer.body);
                    let (kind, what) = if status == 401 {
                        (
                            FetchErrorKind::Authentication,
                            "authentication failed: the user or password was refused, or the \
                             user has more than 5 sessions open",
                        )
                    } else {
                        (FetchErrorKind::Status, "Prime answered an error")
                    };
                    return Err(
                        FetchError::new(kind, format!("{what} (HTTP {status}){why}"))
                            .with_status(status),
                    );
                }
            }
            drop(place);
            attempt += 1;
            let limited = |detail: String| {
                FetchError::new(
                    FetchErrorKind::RateLimited,
                    format!("Prime is rate-limiting (HTTP {status}) and {detail}"),
                )
                .with_status(status)
            };
            if attempt > self.client.retries {
                let n = self.client.retries + 1;
                return Err(limited(format!(
                    "answered so to {n} request{}",
                    if n == 1 { "" } else { "s" }
                )));
            }
            let delay = match wait {
                Some(asked) if asked > MAX_RETRY_AFTER => {
                    return Err(limited(format!(
                        "asks to wait {} s (Retry-After), more than the {} s licscope waits",
                        asked.as_secs(),
                        MAX_RETRY_AFTER.as_secs()
                    )));
                }
                Some(asked) if !asked.is_zero() => asked,
                _ => retry_delay(),
            };
            if self.deadline.is_some_and(|d| Instant::now() + delay >= d) {
                return Err(limited(format!(
                    "no time is left before the deadline for another attempt (after {:.1} s)",
                    delay.as_secs_f64()
                )));
            }
            self.client.sleep.sleep(delay);
        }
    }

    fn credentials(&self, server: &str) -> Result<&Credentials, FetchError> {
        self.target.credentials.as_ref().ok_or_else(|| {
            FetchError::new(
                FetchErrorKind::MissingCredentials,
                format!("no credentials for {server}: a user and a password or API key are needed"),
            )
        })
    }

    /// Sends one request within the deadline and reports it to the observer.
    fn send(
        &self,
        method: &str,
        url: &str,
        credentials: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Answer, FetchError> {
        let left = match self.deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Err(self.timeout()),
            },
            None => None,
        };
        let sent = Instant::now();
        let result = match body {
            None => {
                let mut request = self.agent.get(url);
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.config().timeout_global(left).build().call()
            }
            Some(body) => {
                let mut request = self.agent.post(url);
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.config().timeout_global(left).build().send(body)
            }
        };
        let result = result.map_err(|e| self.transport_error(e));
        if let Some(observe) = &self.client.observer {
            let failure = result.as_ref().err().map(FetchError::message);
            observe(&Exchange {
                method,
                url,
                credentials,
                status: result.as_ref().ok().map(|r| r.status().as_u16()),
                failure,
                elapsed: sent.elapsed(),
            });
        }
        let response = result?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Answer {
            status: response.status().as_u16(),
            content_type: header("content-type"),
            retry_after: response.headers().get("retry-after").map(|v| {
                v.to_str()
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(Duration::ZERO, Duration::from_secs)
            }),
            body: response.into_body().into_reader(),
        })
    }

    /// A successful answer's body, unless it is an HTML page.
    fn body(&self, answer: Answer, place: Option<Place>) -> Result<Body, FetchError> {
        let mut rest = answer.body;
        let mut head = Vec::with_capacity(HEAD);
        (&mut rest)
            .take(HEAD as u64)
            .read_to_end(&mut head)
            .map_err(|e| self.read_error(&e))?;
        if is_html(&answer.content_type, &head) {
            let error = match self.target.endpoint.api() {
                Api::CiscoPrime => FetchError::new(
                    FetchErrorKind::Authentication,
                    "authentication failed: Prime answered an HTML page (its login page), not \
                     license data: the session is not authenticated; not retried",
                ),
                Api::Automation360 => FetchError::new(
                    FetchErrorKind::Payload,
                    "the server answered an HTML page, not license data (a proxy or login page?)",
                ),
            };
            return Err(error.with_status(answer.status));
        }
        Ok(Body {
            head: Cursor::new(head),
            rest,
            _place: place,
        })
    }

    fn timeout(&self) -> FetchError {
        FetchError::new(
            FetchErrorKind::Timeout,
            format!(
                "timed out after {:.1} s: no complete answer before the deadline",
                self.started.elapsed().as_secs_f64()
            ),
        )
    }

    fn read_error(&self, e: &io::Error) -> FetchError {
        if is_timeout(e) {
            self.timeout()
        } else {
            FetchError::new(
                FetchErrorKind::Io,
                format!("the answer could not be read: {e}"),
            )
        }
    }

    fn transport_error(&self, e: ureq::Error) -> FetchError {
        let server = self.target.endpoint.host_port();
        let connect = |detail: &str| {
            FetchError::new(
                FetchErrorKind::Connect,
                format!("cannot reach {server}: {detail}"),
            )
        };
        match e {
            ureq::Error::Timeout(_) => self.timeout(),
            ureq::Error::HostNotFound => connect("host not found"),
            ureq::Error::ConnectionFailed => connect("connection failed"),
            ureq::Error::Tls(detail) => FetchError::new(
                FetchErrorKind::Tls,
                format!("TLS with {server} failed: {detail}"),
            ),
            ureq::Error::Rustls(e) => tls_failure(&server, &e),
            ureq::Error::Io(io) => {
                if let Some(e) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return tls_failure(&server, e);
                }
                match io.kind() {
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => self.timeout(),
                    io::ErrorKind::ConnectionRefused => connect("connection refused"),
                    _ => connect(&io.to_string()),
                }
            }
            other => FetchError::new(
                FetchErrorKind::Io,
                format!("the exchange with {server} failed: {other}"),
            ),
        }
    }
}

/// Whether a read failed on the deadline: ureq reports its timeouts inside `io::Error`s whose
/// text names them.
fn is_timeout(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::TimedOut || e.to_string().contains("timeout")
}

fn payload(e: licscope_syntax::Error) -> FetchError {
    FetchError::new(FetchErrorKind::Payload, e.to_string()).with_source(e)
}

/// Reads a whole body of at most `limit` bytes.
fn read_all(body: Body, limit: u64) -> Result<Vec<u8>, FetchError> {
    let bytes = read_limited(body, limit).map_err(|e| {
        let kind = if e.kind() == io::ErrorKind::TimedOut {
            FetchErrorKind::Timeout
        } else {
            FetchErrorKind::Io
        };
        FetchError::new(kind, e.to_string())
    })?;
    if bytes.len() as u64 > limit {
        return Err(FetchError::new(
            FetchErrorKind::TooLarge,
            format!("the answer is longer than the limit of {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// Reads at most `limit + 1` bytes, so that a caller can tell an answer over the limit.
fn read_limited(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `: CODE: message` from a Control Room's error body, or nothing.
fn a360_error_body(body: BodyReader<'static>) -> String {
    let Ok(bytes) = read_limited(body, ERROR_BODY) else {
        return String::new();
    };
    match licscope_a360::decode_response(&bytes) {
        Ok(licscope_a360::Response::Error(e)) => format!(": {}", one_line(&e.to_string())),
        _ => String::new(),
    }
}

/// `: message` from Prime's `errorDocument`, or nothing.
fn prime_error_body(body: BodyReader<'static>) -> String {
    read_limited(body, ERROR_BODY)
        .map(|bytes| prime_error_message(&bytes))
        .unwrap_or_default()
}

/// `: message` from the bytes of Prime's `errorDocument`, or nothing.
fn prime_error_message(bytes: &[u8]) -> String {
    let limits = Limits::default();
    let document = if licscope_prime::looks_like_xml(bytes) {
        licscope_prime::decode_xml_document::<LicenseInfo<'_>>(bytes, &limits)
    } else {
        licscope_prime::decode_json_document::<LicenseInfo<'_>>(bytes, &limits)
    };
    match document {
        Ok(Document::Error(e)) => e
            .message
            .as_deref()
            .map(|m| format!(": {}", one_line(m)))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Whether an error answer's body says it is a rate limit, in any case and any format.
fn says_rate_limit(body: &[u8]) -> bool {
    const WORDS: [&[u8]; 6] = [
        b"rate limit",
        b"rate-limit",
        b"ratelimit",
        b"too many requests",
        b"request limit",
        b"throttl",
    ];
    let lower = body.to_ascii_lowercase();
    WORDS
        .iter()
        .any(|w| lower.windows(w.len()).any(|window| window == *w))
}

/// A vendor's message as one line of at most 300 characters: control characters escaped.
fn one_line(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(300) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether an answer is an HTML page: by its type, or by its first bytes.
fn is_html(content_type: &str, head: &[u8]) -> bool {
    let content_type = content_type.trim_start().to_ascii_lowercase();
    if content_type.starts_with("text/html") || content_type.starts_with("application/xhtml") {
        return true;
    }
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    let starts = |prefix: &[u8]| {
        head.len() >= prefix.len() && head[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    starts(b"<!doctype html") || starts(b"<html")
}

/// A random delay between 1.5 and 3.5 s, as Prime's API clients wait before a retry.
fn retry_delay() -> Duration {
    let random = RandomState::new().hash_one(Instant::now());
    let unit = (random >> 11) as f64 / (1u64 << 53) as f64;
    Duration::from_secs_f64(1.5 + 2.0 * unit)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A thread that panicked while holding the lock left whole values behind (every write
    // is one assignment), so the data is still good.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many requests are open per server.
#[derive(Debug, Default)]
struct Servers {
    open: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

/// One of a server's request places, given back when dropped.
struct Place {
    servers: Arc<Servers>,
    server: String,
}

impl Servers {
    /// Waits for one of `server`'s places until the deadline; `None` if it passed.
    fn enter(self: &Arc<Servers>, server: String, deadline: Option<Instant>) -> Option<Place> {
        let mut open = lock(&self.open);
        loop {
            let n = open.entry(server.clone()).or_insert(0);
            if *n < PER_SERVER {
                *n += 1;
                return Some(Place {
                    servers: self.clone(),
                    server,
                });
            }
            open = match deadline {
                None => self
                    .freed
                    .wait(open)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    let left = d.checked_duration_since(Instant::now())?;
                    self.freed
                        .wait_timeout(open, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = lock(&self.servers.open);
        if let Some(n) = open.get_mut(&self.server) {
            *n = n.saturating_sub(1);
        }
        self.servers.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::{is_html, retry_delay, says_rate_limit};
    use std::time::Duration;

    #[test]
    fn retry_delays_lie_between_1_5_and_3_5_seconds() {
        let delays: Vec<Duration> = (0..200).map(|_| retry_delay()).collect();
        assert!(
            delays
                .iter()
                .all(|d| (1.5..=3.5).contains(&d.as_secs_f64()))
        );
        // Random, not one value: 200 draws from 2 s of range are not all equal.
        assert!(delays.iter().any(|d| *d != delays[0]));
    }

    #[test]
    fn rate_limits_are_told_in_any_format() {
        let page = licscope_fixtures::root().join("http/prime-rate-limit-403.html");
        assert!(says_rate_limit(&std::fs::read(page).unwrap()));
        assert!(says_rate_limit(b"Rate Limit exceeded"));
        assert!(says_rate_limit(b"<message>Too many requests</message>"));
        assert!(!says_rate_limit(
            b"The user is not authorized for this resource"
        ));
        assert!(!says_rate_limit(b""));
    }

    #[test]
    fn html_pages_are_told_by_type_or_first_bytes() {
        assert!(is_html("text/html; charset=UTF-8", b"{}"));
        assert!(is_html("", b"\n  <!DOCTYPE html><html>"));
        assert!(is_html("application/xml", b"<HTML><body>Login</body>"));
        assert!(!is_html(
            "application/xml",
            b"<?xml version='1.0'?><mgmtResponse/>"
        ));
        assert!(!is_html("application/json", b"{\"mgmtResponse\":{}}"));
    }
}
