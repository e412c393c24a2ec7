//! The HTTP/1.1 server: hyper on a small tokio runtime, blocking handlers on its bounded
//! blocking pool, every connection a task bounded in number, size and time.

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::WebConfig;

/// The bounds every connection lives within. The defaults are those of the issue that asked
/// for them, and of what Prometheus' own servers allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once (default 4,096); when reached, new ones wait in the kernel's
    /// accept queue.
    pub max_connections: usize,
    /// The request head, request line and headers together (default 64 KiB, at least 8 KiB):
    /// more is answered 431 and the connection closed, without reading the rest.
    pub max_head: usize,
    /// The request target (path and query; default 8 KiB): longer is answered 414.
    pub max_target: usize,
    /// How long a request head may take to arrive (default 10 s), counted from when the
    /// connection waits for it: a slow head, and a keep-alive connection idle for that long,
    /// are closed.
    pub head_timeout: Duration,
    /// How long a TLS handshake may take (default 10 s).
    pub handshake_timeout: Duration,
    /// Threads that run handlers at once (default 64); more requests wait for one.
    pub handler_threads: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 4096,
            max_head: 64 * 1024,
            max_target: 8 * 1024,
            head_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            handler_threads: 64,
        }
    }
}

/// A request as handlers see it: its head only (bodies are not read).
pub struct Request {
    parts: hyper::http::request::Parts,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path only: headers may carry credentials.
        f.debug_struct("Request")
            .field("method", &self.method())
            .field("path", &self.path())
            .finish_non_exhaustive()
    }
}

impl Request {
    /// The method, as sent (`GET`, `POST`, ...).
    pub fn method(&self) -> &str {
        self.parts.method.as_str()
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }

    /// The query, without `?`; empty when there is none.
    pub fn query(&self) -> &str {
        self.parts.uri.query().unwrap_or("")
    }

    /// The first value of the query parameter `key`, percent-decoded (`+` is a space).
    pub fn query_param(&self, key: &str) -> Option<String> {
        crate::text::query_param(self.query(), key)
    }

    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A response: status, headers and a whole body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    /// A response with its `Content-Type`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
}

/// What answers requests. It runs on a blocking thread, so it may wait (for a fetch, a lock);
/// the server's tasks never do.
pub trait Handler: Send + Sync + 'static {
    /// The response to a request that passed authentication.
    fn handle(&self, request: &Request) -> Response;
}

impl<F: Fn(&Request) -> Response + Send + Sync + 'static> Handler for F {
    fn handle(&self, request: &Request) -> Response {
        self(request)
    }
}

struct Shared {
    web: RwLock<WebConfig>,
    limits: Limits,
    handler: Box<dyn Handler>,
    open: AtomicUsize,
}

/// A running server; dropping it stops it at once, open connections closed, not waited for.
///
/// ```
/// use licscope_web::{Limits, Response, Server, WebConfig};
/// use std::io::{Read as _, Write as _};
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let server = Server::start(listener, WebConfig::default(), Limits::default(), |r: &licscope_web::Request| {
///     Response::new(200, "text/plain", format!("you asked for {}\n", r.path()))
/// })?;
/// let mut client = std::net::TcpStream::connect(server.local_addr())?;
/// client.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
/// let mut answer = String::new();
/// client.read_to_string(&mut answer)?;
/// assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.ends_with("you asked for /hello\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    shared: Arc<Shared>,
    address: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Serves `listener` with `web` and `limits` on two runtime threads of its own, until
    /// dropped.
    ///
    /// # Errors
    ///
    /// When the runtime cannot start or the listener cannot be used.
    pub fn start(
        listener: std::net::TcpListener,
        web: WebConfig,
        limits: Limits,
        handler: impl Handler,
    ) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(limits.handler_threads.max(1))
            .thread_name("licscope-web")
            .enable_io()
            .enable_time()
            .build()?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let shared = Arc::new(Shared {
            web: RwLock::new(web),
            limits,
            handler: Box::new(handler),
            open: AtomicUsize::new(0),
        });
        runtime.spawn(accept(listener, shared.clone()));
        Ok(Server {
            shared,
            address,
            runtime: Some(runtime),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Replaces the web configuration: new connections take its TLS, every request from now
    /// its users and headers.
    pub fn set_web(&self, web: WebConfig) {
        *self
            .shared
            .web
            .write()
            .unwrap_or_else(PoisonError::into_inner) = web;
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.shared.open.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let places = Arc::new(Semaphore::new(shared.limits.max_connections.max(1)));
    loop {
        let Ok(place) = places.clone().acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    shared.open.fetch_add(1, Ordering::Relaxed);
                    connection(stream, &shared).await;
                    shared.open.fetch_sub(1, Ordering::Relaxed);
                    drop(place);
                });
            }
            // Out of file descriptors, or a connection reset before it was accepted: wait a
            // little rather than spin, as Go's servers do.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn connection(stream: TcpStream, shared: &Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let tls = shared
        .web
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .tls
        .clone();
    let Some(tls) = tls else {
        return http(stream, shared).await;
    };
    let handshake = async {
        let mut first = [0u8; 1];
        match stream.peek(&mut first).await {
            // 0x16: a TLS handshake record.
            Ok(1) if first[0] == 0x16 => {}
            Ok(1) => {
                // As Go's servers answer plain HTTP on a TLS port.
                let mut stream = stream;
                let _ = stream
                    .write_all(
                        b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: \
                          close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
                    )
                    .await;
                return None;
            }
            _ => return None,
        }
        tokio_rustls::TlsAcceptor::from(tls)
            .accept(stream)
            .await
            .ok()
    };
    if let Ok(Some(stream)) = tokio::time::timeout(shared.limits.handshake_timeout, handshake).await
    {
        http(stream, shared).await;
    }
}

async fn http<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(stream: S, shared: &Arc<Shared>) {
    let limits = &shared.limits;
    let service = {
        let shared = shared.clone();
        service_fn(move |request: hyper::Request<Incoming>| {
            let shared = shared.clone();
            async move { Ok::<_, Infallible>(respond(shared, request).await) }
        })
    };
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        // hyper's smallest read buffer is 8 KiB.
        .max_buf_size(limits.max_head.max(8192))
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn respond(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    // The body is never read: dropping it closes the connection after the answer if one was
    // sent.
    drop(body);
    let web = shared
        .web
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let extra = web.headers.clone();
    let target = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    let request = Request { parts };
    let response = if target > shared.limits.max_target {
        Response::new(414, "text/plain", "the request target is too long\n")
            .with_header("Connection", "close")
    } else {
        let handled = tokio::task::spawn_blocking(move || {
            let authorized = web.users.as_ref().is_none_or(|users| {
                users.allows(
                    request
                        .parts
                        .headers
                        .get("authorization")
                        .map(|v| v.as_bytes()),
                )
            });
            if authorized {
                shared.handler.handle(&request)
            } else {
                Response::new(401, "text/plain; charset=utf-8", "Unauthorized\n")
                    .with_header("WWW-Authenticate", "Basic")
            }
        })
        .await;
        handled.unwrap_or_else(|_| {
            Response::new(500, "text/plain", "the request could not be answered\n")
        })
    };
    to_hyper(response, &extra)
}

fn to_hyper(response: Response, extra: &[(&'static str, String)]) -> hyper::Response<Full<Bytes>> {
    let mut built = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *built.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = built.headers_mut();
    let all = response
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(extra.iter().map(|(n, v)| (*n, v.as_str())));
    for (name, value) in all {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::try_from(name),
            hyper::header::HeaderValue::try_from(value),
        ) {
            headers.append(name, value);
        }
    }
    built
}

/// Raises the soft limit of open files to the hard limit, as Go programs such as Prometheus
/// do at start, so that the connection limit, not the descriptor limit, is what bounds the
/// server. Returns the new soft limit (`None`: unlimited).
///
/// # Errors
///
/// When the limits cannot be read or set.
pub fn raise_open_files_limit() -> io::Result<Option<u64>> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit)?;
    }
    Ok(limit.current)
}
