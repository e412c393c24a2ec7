//! The error of a fetch.

use std::error::Error as StdError;
use std::fmt;

/// What kind of failure a [`FetchError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchErrorKind {
    /// The target cannot be fetched as given: a URL that is not HTTP(S), carries credentials,
    /// or names no API; a CA bundle without certificates; a proxy variable that is not a URL.
    InvalidTarget,
    /// No credentials for a server that needs them, or the wrong kind (an API key for Prime).
    MissingCredentials,
    /// The server could not be reached: name resolution, connection refused, reset.
    Connect,
    /// The TLS handshake failed, most often a certificate that is not trusted.
    Tls,
    /// The deadline passed before the whole answer arrived.
    Timeout,
    /// The server refused the credentials: a failed Control Room login, a 401 that a new
    /// login did not cure, Prime's 302 to its login page or an HTML login page. Never retried.
    Authentication,
    /// The server kept answering that it is rate-limited (Prime's 503, or 403 where that is
    /// its rate limit) after the allowed retries, or no time was left to retry.
    RateLimited,
    /// Another HTTP status than success; [`FetchError::status`] tells which.
    Status,
    /// The answer is longer than the byte limit.
    TooLarge,
    /// The answer arrived but is not the expected license data (see [`FetchError::source`]).
    Payload,
    /// Another input/output failure while reading the answer.
    Io,
}

/// A failed fetch: its kind, the HTTP status when there was one, and a message for people.
///
/// No message holds a password, API key, token or the `Authorization` header: what the
/// credentials were is never repeated, only that they were refused.
pub struct FetchError {
    inner: Box<Inner>,
}

struct Inner {
    kind: FetchErrorKind,
    status: Option<u16>,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
    certificate: Option<Box<crate::PresentedCertificate>>,
}

impl FetchError {
    pub(crate) fn new(kind: FetchErrorKind, message: impl Into<String>) -> FetchError {
        FetchError {
            inner: Box::new(Inner {
                kind,
                status: None,
                message: message.into(),
                source: None,
                certificate: None,
            }),
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> FetchError {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_source(
        mut self,
        source: impl StdError + Send + Sync + 'static,
    ) -> FetchError {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_certificate(
        mut self,
        certificate: crate::PresentedCertificate,
    ) -> FetchError {
        self.inner.certificate = Some(Box::new(certificate));
        self
    }

    /// The certificate the server presented, when it was refused ([`FetchErrorKind::Tls`]):
    /// its key's pin, names and dates, for a user deciding whether to trust it.
    pub fn certificate(&self) -> Option<&crate::PresentedCertificate> {
        self.inner.certificate.as_deref()
    }

    /// The kind of failure.
    pub fn kind(&self) -> FetchErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the answer that failed, if one arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The message, without a prefix: `login refused (HTTP 401): UM1117: ...`.
    pub fn message(&self) -> &str {
        &self.inner.message
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchError")
            .field("kind", &self.inner.kind)
            .field("status", &self.inner.status)
            .field("message", &self.inner.message)
            .finish()
    }
}

impl StdError for FetchError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}
