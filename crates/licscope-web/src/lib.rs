//! The web layer of `licscope serve`, as [exporter-toolkit] is the web layer of Prometheus
//! exporters: a crate of its own, so that the command only wires it.
//!
//! - [`WebConfig`]: the `--web.config.file` YAML format that `node_exporter`,
//!   `blackbox_exporter` and Prometheus read: `tls_server_config` (`cert_file`/`key_file` or
//!   inline `cert`/`key`, `client_auth_type` `NoClientCert`, `VerifyClientCertIfGiven` or
//!   `RequireAndVerifyClientCert` with `client_ca_file`/`client_ca`, `min_version` `TLS12` or
//!   `TLS13`), `basic_auth_users` (bcrypt `$2a$`, `$2b$` and htpasswd's `$2y$`) and
//!   `http_server_config.headers`. A key of the format that licscope does not support
//!   (`max_version`, `cipher_suites`, `prefer_server_cipher_suites`, `curve_preferences`,
//!   `client_allowed_sans`, `http2`, `rate_limit`, and the client authentication types that
//!   verify nothing) is refused as "not supported", so that a file written for node_exporter
//!   never half-works; a key the format does not have is refused as unknown.
//! - [`Server`]: HTTP/1.1 (hyper) on a tokio runtime of two threads; a connection is a task
//!   of a few KiB, never a thread. Bounded by [`Limits`]: connections at once, the request
//!   head's size (431) and target's length (414), the time a head (and an idle keep-alive
//!   connection) and a TLS handshake may take. With users configured every path is behind
//!   basic authentication (401 with `WWW-Authenticate: Basic`); with TLS the port speaks only
//!   TLS (plain HTTP gets Go's 400 answer). Handlers are blocking functions run on the
//!   runtime's bounded blocking pool, so the server's tasks never wait for them.
//! - [`raise_open_files_limit`]: the soft descriptor limit raised to the hard one.
//!
//! [exporter-toolkit]: https://github.com/prometheus/exporter-toolkit

mod auth;
mod config;
mod server;
pub mod text;

pub use config::{WebConfig, WebConfigError};
pub use server::{Handler, Limits, Request, Response, Server, raise_open_files_limit};
