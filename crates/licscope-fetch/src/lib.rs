//! Fetches license data from Automation 360 Control Rooms and Cisco Prime Infrastructure
//! servers, with each API's login, retry and TLS rules, and returns the decoded models of
//! [`licscope_a360`] and [`licscope_prime`].
//!
//! - **Automation 360**: `POST <base>/v2/authentication` with the user and a password or API
//!   key, then `GET <base>/v2/license/details` with the token in `X-Authorization`. One login per
//!   Control Room and user for the client's life, shared by threads; a 401 after login logs in
//!   again once; a failed login is never retried. The Control Room's error body
//!   (`{code, message, details}`) is decoded and shown.
//! - **Cisco Prime**: HTTP basic authentication and `Connection: close`, as Prime's clients
//!   send. A redirect (Prime's 302 to its login page, its answer to a wrong password) or an
//!   HTML page is an authentication failure, never retried. 503, 429, and 403 where it is the
//!   rate limit (a `Retry-After` header, or a body in any format, the appliance's HTML error
//!   page included, that says "rate limit", "too many requests", "request limit" or
//!   "throttled"), are retried up to 3 times (see [`Client::with_retries`]) after the
//!   `Retry-After` delay (at most 60 s), else a random delay of 1.5 to 3.5 s. At most 5
//!   requests at once per server, across threads.
//! - **Deadlines**: every call takes an optional deadline; a target's timeout shortens it. It
//!   bounds the whole fetch: connecting, logins, retries and their delays, and the body.
//! - **TLS**: rustls. Certificates are verified against the system's trust store (so an
//!   enterprise CA installed there works), or against a given bundle only
//!   ([`Trust::from_pem`], as curl's `--cacert`; a self-signed certificate in it is trusted as
//!   the server's own, even with `CA:TRUE`, when the host matches its SAN or, having none, its
//!   CN), or by pinned keys ([`Trust::with_pins`], curl's `sha256//` format: a matching key
//!   replaces chain, name and date checks, as an SSH host key does; the handshake signature is
//!   still verified), or not at all ([`Trust::insecure`]). A refused certificate is an error in
//!   words ending with the server's own pin; [`Client::certificate`] shows what a server
//!   presents ([`PresentedCertificate`]) without verifying it or sending anything.
//! - **Proxies**: `https_proxy`, `http_proxy`, `all_proxy` and `no_proxy` are read as curl reads
//!   them (`no_proxy` takes names with their subdomains, addresses and CIDR ranges).
//! - **Secrets**: [`Secret`] never shows its value in `Debug`; no error message or
//!   [`Exchange`] holds a password, API key, token or `Authorization` header.
//!
//! # Example
//!
//! ```no_run
//! use licscope_fetch::{Client, Credentials, Endpoint, Secret, Target};
//! use std::time::{Duration, Instant};
//!
//! let endpoint = Endpoint::parse("https://prime.example.net", Some(licscope_fetch::Api::CiscoPrime))?;
//! let target = Target::new(endpoint).with_credentials(Credentials::password(
//!     "monitor",
//!     Secret::new(std::env::var("PRIME_PASSWORD").unwrap_or_default()),
//! ));
//! let client = Client::new();
//! let response = client.cisco_prime(&target, Some(Instant::now() + Duration::from_secs(20)))?;
//! for record in &response.records {
//!     println!("{:?}: {:?} days left", record.name, record.days_to_expire);
//! }
//! # Ok::<(), licscope_fetch::FetchError>(())
//! ```
//!
//! # Errors
//!
//! Every failure is a [`FetchError`] with a [`FetchErrorKind`] and, when an answer arrived,
//! its HTTP status.
//!
//! # Limits
//!
//! [`Client::open`] hands over the body as it streams in: the caller reads it within its own
//! byte limit. [`Client::automation360`] reads at most 1 MiB and [`Client::cisco_prime`] at
//! most the default [`Limits`](licscope_prime::Limits) input size (256 MiB). Error answers are
//! read up to 64 KiB to explain them, login answers up to 1 MiB.

#![deny(missing_docs)]

mod client;
mod endpoint;
mod error;
mod proxy;
mod tls;
mod x509;

use std::fmt;
use std::time::Duration;

pub use client::{Body, Client, Exchange, Sleep, ThreadSleep};
pub use endpoint::{Api, Endpoint};
pub use error::{FetchError, FetchErrorKind};
pub use tls::{Pins, PresentedCertificate, Trust};

/// One server to fetch from: its endpoint, credentials, TLS trust and timeout.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Target {
    /// What to request.
    pub endpoint: Endpoint,
    /// The user and secret, if the server needs them (both APIs do).
    pub credentials: Option<Credentials>,
    /// Which certificates are trusted.
    pub trust: Trust,
    /// A bound on this target alone, retries included, within the call's deadline.
    pub timeout: Option<Duration>,
}

impl Target {
    /// A target without credentials, trusting the system's store, without its own timeout.
    pub fn new(endpoint: Endpoint) -> Target {
        Target {
            endpoint,
            credentials: None,
            trust: Trust::system(),
            timeout: None,
        }
    }

    /// Sets the credentials.
    pub fn with_credentials(mut self, credentials: Credentials) -> Target {
        self.credentials = Some(credentials);
        self
    }

    /// Sets the trusted certificates.
    pub fn with_trust(mut self, trust: Trust) -> Target {
        self.trust = trust;
        self
    }

    /// Sets the target's own timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Target {
        self.timeout = Some(timeout);
        self
    }
}

/// A password, API key or token. Its `Debug` shows no part of it, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads a secret file as the `*_file` options of curl and Prometheus read one: its first
    /// line without the line end (at most 64 KiB of the file are read), with the file's
    /// permission bits when group or others may read it, for a warning.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("licscope-secret-doc-{}", std::process::id()));
    /// std::fs::write(&path, "s3cret\nignored\n")?;
    /// let (secret, _shared_mode) = licscope_fetch::Secret::read_file(&path)?;
    /// assert_eq!(secret.expose(), "s3cret");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read; or (kind `InvalidData`, the message saying which) it
    /// is not UTF-8 text or its first line is empty.
    pub fn read_file(path: &std::path::Path) -> std::io::Result<(Secret, Option<u32>)> {
        use std::io::{Error, ErrorKind, Read as _};
        let file = std::fs::File::open(path)?;
        #[cfg(unix)]
        let shared = {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = file.metadata()?.permissions().mode() & 0o777;
            (mode & 0o044 != 0).then_some(mode)
        };
        #[cfg(not(unix))]
        let shared = None;
        let mut bytes = Vec::new();
        file.take(64 << 10).read_to_end(&mut bytes)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::new(ErrorKind::InvalidData, "is not UTF-8 text"))?;
        match text.lines().next() {
            Some(line) if !line.is_empty() => Ok((Secret::new(line), shared)),
            _ => Err(Error::new(ErrorKind::InvalidData, "is empty")),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A user and a password or API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    user: String,
    secret: Credential,
}

/// Which kind of secret a [`Credentials`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Credential {
    Password(Secret),
    ApiKey(Secret),
}

impl Credential {
    fn secret(&self) -> &Secret {
        match self {
            Credential::Password(s) | Credential::ApiKey(s) => s,
        }
    }
}

impl Credentials {
    /// A user and password: Prime's basic authentication, or a Control Room login.
    pub fn password(user: impl Into<String>, password: Secret) -> Credentials {
        Credentials {
            user: user.into(),
            secret: Credential::Password(password),
        }
    }

    /// A user and API key: a Control Room login (`{"username", "apiKey"}`).
    pub fn api_key(user: impl Into<String>, api_key: Secret) -> Credentials {
        Credentials {
            user: user.into(),
            secret: Credential::ApiKey(api_key),
        }
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }
}
