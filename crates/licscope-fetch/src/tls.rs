//! TLS: what a target trusts ([`Trust`], [`Pins`]), licscope's certificate verifier, the ureq
//! connector that uses it, and the refusals it explains in words.
//!
//! The verifier is the security boundary. It answers one question per handshake, in this order:
//!
//! 1. With pins, the certificate's SubjectPublicKeyInfo (as webpki parses it) must hash to one of
//!    them, or the certificate is refused.
//! 2. Then the chain: the system's store (the platform verifier), a CA file (webpki; a
//!    certificate of the file presented as itself is trusted as curl trusts it, see
//!    [`Verifier::trusted_as_itself`]), nothing more when pins stand alone (the pin replaces the
//!    chain, name and dates, as an SSH host key does), or nothing at all when insecure.
//!
//! The handshake's own signature is always verified with the certificate's key, so a pin holds
//! only for the holder of the private key; nothing else about TLS is relaxed.

use std::fmt;
use std::io::{Read as _, Write as _};
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct};
use rustls::{OtherError, RootCertStore, SignatureScheme, StreamOwned};
use time::OffsetDateTime;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::{FetchError, FetchErrorKind};

/// Which server certificates are trusted: the system's store (the default), a CA file, or
/// nothing ([`Trust::insecure`]); and, on top of the first two, pinned keys
/// ([`Trust::with_pins`]).
#[derive(Clone, Default)]
pub struct Trust {
    chain: Chain,
    pins: Option<Pins>,
    /// The rustls configuration, made once per trust and shared by its clones.
    config: ConfigCache,
}

/// The cache of a trust's rustls configuration. `ClientConfig` holds trait objects and so is
/// not `RefUnwindSafe`; the cache is, as `Trust` was before it held one: it is set once with a
/// whole value, and a panic while the value is made leaves it unset, never half-written.
#[derive(Clone, Default)]
struct ConfigCache(Arc<OnceLock<Arc<ClientConfig>>>);

impl std::panic::UnwindSafe for ConfigCache {}
impl std::panic::RefUnwindSafe for ConfigCache {}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("chain", &self.chain)
            .field("pins", &self.pins)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Default)]
enum Chain {
    #[default]
    System,
    Roots(Arc<Vec<CertificateDer<'static>>>),
    Insecure,
    /// `licscope pin`: every certificate is refused, and shown.
    Inspect,
}

impl Trust {
    /// The system's trust store (the default): the platform's verifier, which reads the
    /// certificates the system trusts, an enterprise CA installed there included.
    pub fn system() -> Trust {
        Trust::default()
    }

    /// Only the certificates of a PEM bundle, as curl's `--cacert`. A certificate of the bundle
    /// that the server presents as its own is trusted even when it is a CA (`CA:TRUE`, as
    /// appliances' self-signed certificates are), within its validity dates and for the names
    /// it was made for: its subject alternative names or, where it has none, its subject's
    /// common name.
    ///
    /// # Errors
    ///
    /// [`FetchErrorKind::InvalidTarget`] when the bundle is not PEM or holds no certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Trust, FetchError> {
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => {
                    certs.push(CertificateDer::from(c.der().to_vec()));
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(FetchError::new(
                        FetchErrorKind::InvalidTarget,
                        format!("the CA bundle is not valid PEM: {e}"),
                    ));
                }
            }
        }
        if certs.is_empty() {
            return Err(FetchError::new(
                FetchErrorKind::InvalidTarget,
                "the CA bundle holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)",
            ));
        }
        Ok(Trust::of(Chain::Roots(Arc::new(certs))))
    }

    /// No verification at all: any certificate is accepted. For tests and first setups only.
    pub fn insecure() -> Trust {
        Trust::of(Chain::Insecure)
    }

    /// Pinned keys: the server's certificate must carry one of these keys. On the system's
    /// store (the default), the pin replaces chain, name and date verification, as an SSH host
    /// key does (unlike curl, which checks a pin on top of them): an appliance's self-signed,
    /// expired certificate made for another name is accepted when its key matches. With a CA
    /// file ([`Trust::from_pem`]) both must hold, as in curl.
    ///
    /// # Errors
    ///
    /// [`FetchErrorKind::InvalidTarget`] on an insecure trust: a pin means verification.
    pub fn with_pins(mut self, pins: Pins) -> Result<Trust, FetchError> {
        if matches!(self.chain, Chain::Insecure) {
            return Err(FetchError::new(
                FetchErrorKind::InvalidTarget,
                "pinned keys and insecure exclude each other: a pin is a verification",
            ));
        }
        self.pins = Some(pins);
        self.config = ConfigCache::default();
        Ok(self)
    }

    /// Whether verification is off.
    pub fn is_insecure(&self) -> bool {
        matches!(self.chain, Chain::Insecure)
    }

    /// The pinned keys, if any.
    pub fn pins(&self) -> Option<&Pins> {
        self.pins.as_ref()
    }

    pub(crate) fn inspect() -> Trust {
        Trust::of(Chain::Inspect)
    }

    fn of(chain: Chain) -> Trust {
        Trust {
            chain,
            pins: None,
            config: ConfigCache::default(),
        }
    }

    /// The connector that makes TLS connections with this trust.
    pub(crate) fn connector(&self) -> Result<TlsConnector, FetchError> {
        if let Some(config) = self.config.0.get() {
            return Ok(TlsConnector(config.clone()));
        }
        let config = Arc::new(self.client_config()?);
        // A race makes two equal configurations; either may be kept.
        let _ = self.config.0.set(config.clone());
        Ok(TlsConnector(config))
    }

    fn client_config(&self) -> Result<ClientConfig, FetchError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = self.verifier(&provider)?;
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(setup_error)
            .map(|builder| {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth()
            })
    }

    fn verifier(&self, provider: &Arc<CryptoProvider>) -> Result<Verifier, FetchError> {
        let chain = match &self.chain {
            Chain::System if self.pins.is_some() => Checked::Nothing,
            Chain::System => Checked::System(Arc::new(
                rustls_platform_verifier::Verifier::new(provider.clone()).map_err(store_error)?,
            )),
            Chain::Roots(certs) => {
                let mut store = RootCertStore::empty();
                let (_, ignored) = store.add_parsable_certificates(certs.iter().cloned());
                if store.is_empty() {
                    return Err(FetchError::new(
                        FetchErrorKind::InvalidTarget,
                        format!(
                            "no certificate of the CA bundle can be used ({ignored} cannot be read)"
                        ),
                    ));
                }
                let webpki =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                        .build()
                        .map_err(|e| {
                            FetchError::new(
                                FetchErrorKind::InvalidTarget,
                                format!("the CA bundle cannot be used: {e}"),
                            )
                        })?;
                Checked::Roots {
                    webpki,
                    certs: certs.clone(),
                }
            }
            Chain::Insecure => Checked::Nothing,
            Chain::Inspect => Checked::Refuse,
        };
        Ok(Verifier {
            chain,
            pins: self.pins.clone(),
            algorithms: provider.signature_verification_algorithms,
        })
    }
}

/// The system's trust store could not be used: on Linux, the platform verifier refuses to start
/// with no CA certificate at all (no `ca-certificates` package, or `SSL_CERT_FILE` naming an empty
/// file).
fn store_error(e: rustls::Error) -> FetchError {
    let text = match &e {
        rustls::Error::General(text)
            if text.to_ascii_lowercase().contains("no ca certificates") =>
        {
            "the system's trust store is empty: install the CA certificates (the ca-certificates \
             package), or give a CA bundle with --ca-file, or pin the server's key"
                .to_owned()
        }
        rustls::Error::General(text) => {
            format!(
                "the system's trust store cannot be used: {}",
                shown(text, 200)
            )
        }
        other => format!(
            "the system's trust store cannot be used: {}",
            words_of(&format!("{other:?}"))
        ),
    };
    FetchError::new(FetchErrorKind::Tls, text)
}

fn setup_error(e: rustls::Error) -> FetchError {
    FetchError::new(
        FetchErrorKind::Tls,
        format!("TLS cannot be set up: {}", words_of(&format!("{e:?}"))),
    )
}

/// A value of the user's as messages quote it: at most `max` characters, control characters
/// escaped.
fn shown(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Pinned public keys, in curl's `--pinned-pubkey` form: `sha256//BASE64` of the SHA-256 of a
/// certificate's SubjectPublicKeyInfo, several separated by `;`; one match is enough.
///
/// ```
/// let pins = licscope_fetch::Pins::parse(
///     "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=;sha256//t62CeU2tQiqkexU74Gxa2eg7fRbEgoChTociMee9wno=",
/// )?;
/// assert_eq!(pins.to_string().matches("sha256//").count(), 2);
/// # Ok::<(), licscope_fetch::FetchError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Pins(Arc<Vec<[u8; 32]>>);

impl Pins {
    /// Reads `sha256//BASE64[;sha256//BASE64...]`.
    ///
    /// # Errors
    ///
    /// [`FetchErrorKind::InvalidTarget`] naming the pin that is not `sha256//` and 44 base64
    /// characters (a SHA-256 digest).
    pub fn parse(text: &str) -> Result<Pins, FetchError> {
        let mut pins = Vec::new();
        for pin in text.split(';') {
            let digest = pin
                .strip_prefix("sha256//")
                .filter(|b64| b64.len() == 44)
                .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
            match digest {
                Some(digest) => pins.push(digest),
                None => {
                    return Err(FetchError::new(
                        FetchErrorKind::InvalidTarget,
                        format!(
                            "{:?} is not a pin: expected sha256// and the 44 base64 characters of \
                             a SHA-256 digest (several separated by ;)",
                            shown(pin, 120)
                        ),
                    ));
                }
            }
        }
        Ok(Pins(Arc::new(pins)))
    }

    fn contains(&self, digest: &[u8; 32]) -> bool {
        self.0.iter().any(|pin| pin == digest)
    }
}

impl fmt::Display for Pins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, digest) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            f.write_str(&pin_text(digest))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pins({self})")
    }
}

/// What a server presented: its certificate's key pin, names and dates, for people deciding
/// whether to trust it (`licscope pin`) and for the message of a refused certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresentedCertificate {
    /// The key's pin, `sha256//BASE64`, as `--pinned-pubkey` takes it.
    pub pin: String,
    /// The subject, `C=US, O=Cisco, CN=prime.example.net`, in the certificate's order.
    pub subject: String,
    /// The issuer, in the same form; equal to the subject for a self-signed certificate.
    pub issuer: String,
    /// The start of its validity.
    pub not_before: Option<OffsetDateTime>,
    /// The end of its validity.
    pub not_after: Option<OffsetDateTime>,
    /// Its subject alternative names (DNS names and IP addresses).
    pub alt_names: Vec<String>,
    /// Whether it is a CA certificate (`CA:TRUE`).
    pub ca: bool,
}

impl PresentedCertificate {
    /// Reads a certificate, or `None` when webpki cannot parse it.
    fn of(der: &CertificateDer<'_>) -> Option<PresentedCertificate> {
        let pin = pin_text(&key_digest(der)?);
        let fields = crate::x509::fields(der).unwrap_or_default();
        Some(PresentedCertificate {
            pin,
            subject: fields.subject,
            issuer: fields.issuer,
            not_before: fields.not_before,
            not_after: fields.not_after,
            alt_names: fields.alt_names,
            ca: fields.ca,
        })
    }
}

/// The SHA-256 of the certificate's SubjectPublicKeyInfo, as webpki reads it.
fn key_digest(der: &CertificateDer<'_>) -> Option<[u8; 32]> {
    let parsed = ParsedCertificate::try_from(der).ok()?;
    let spki = parsed.subject_public_key_info();
    let digest = ring::digest::digest(&ring::digest::SHA256, spki.as_ref());
    <[u8; 32]>::try_from(digest.as_ref()).ok()
}

fn pin_text(digest: &[u8; 32]) -> String {
    format!(
        "sha256//{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Why the verifier refused a certificate; carried to the client inside rustls' error.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) reason: Reason,
    /// Where trust was looked for: `the system's trust store` or `the --ca-file bundle`.
    pub(crate) store: &'static str,
    pub(crate) certificate: Option<PresentedCertificate>,
}

#[derive(Debug)]
pub(crate) enum Reason {
    /// Its key matches none of the pins.
    Pin,
    /// `licscope pin`: shown, not trusted.
    Inspected,
    /// The chain, name or dates.
    Certificate(CertificateError),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain("the server"))
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// One sentence: what was refused on `host`, why, what to do, and the server's own pin.
    pub(crate) fn explain(&self, host: &str) -> String {
        let cert = self.certificate.as_ref();
        let date = |d: Option<OffsetDateTime>| d.map_or_else(|| "an unreadable date".into(), day);
        let mut text = match &self.reason {
            Reason::Inspected => format!("the certificate of {host} was shown, not trusted"),
            Reason::Pin => format!(
                "the certificate of {host} was refused: its key matches none of the pinned keys \
                 (--pinned-pubkey); if the appliance's certificate was renewed with a new key, \
                 check the new key on its console before pinning it"
            ),
            Reason::Certificate(e) => match e {
                CertificateError::UnknownIssuer => format!(
                    "the certificate of {host} is not trusted: no CA of {} signed it (for an \
                     appliance's self-signed certificate, give that certificate with --ca-file \
                     or pin its key)",
                    self.store
                ),
                CertificateError::Other(other)
                    if format!("{other:?}").contains("CaUsedAsEndEntity") =>
                {
                    self.ca_as_end_entity(host)
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
                    "the certificate of {host} expired on {}: renew it on the server, or pin its \
                     key, which does not look at dates",
                    date(cert.and_then(|c| c.not_after))
                ),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    format!(
                        "the certificate of {host} is not valid before {}: check both machines' \
                         clocks",
                        date(cert.and_then(|c| c.not_before))
                    )
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => format!(
                    "the certificate of {host} was made for another name ({}): use a URL with \
                     one of its names, or pin its key",
                    cert.map_or_else(|| "unreadable".into(), names_of)
                ),
                CertificateError::Revoked => format!("the certificate of {host} is revoked"),
                other => format!(
                    "the certificate of {host} was refused: {}",
                    words_of(&format!("{other:?}"))
                ),
            },
        };
        if let Some(cert) = cert {
            text.push_str("; its key is --pinned-pubkey ");
            text.push_str(&cert.pin);
        }
        text
    }

    fn ca_as_end_entity(&self, host: &str) -> String {
        format!(
            "the certificate of {host} is not trusted: it is a CA certificate (CA:TRUE) \
             presented as the server's own, as appliances' self-signed certificates are, and \
             {} does not hold it (give that certificate with --ca-file, or pin its key)",
            self.store
        )
    }
}

/// `its names: a, b` or `its only name: CN=x`.
fn names_of(cert: &PresentedCertificate) -> String {
    if cert.alt_names.is_empty() {
        format!("no alternative name; subject {}", cert.subject)
    } else {
        format!("it names {}", cert.alt_names.join(", "))
    }
}

fn day(d: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// A Rust identifier as words: `UnknownIssuer` becomes `unknown issuer`; what follows the name
/// (a variant's fields) is left out.
pub(crate) fn words_of(debug: &str) -> String {
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(if c == '_' {
            ' '
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// How the chain is checked once the pins (if any) hold.
#[derive(Debug)]
enum Checked {
    System(Arc<rustls_platform_verifier::Verifier>),
    Roots {
        webpki: Arc<WebPkiServerVerifier>,
        certs: Arc<Vec<CertificateDer<'static>>>,
    },
    /// Pins alone, or insecure.
    Nothing,
    /// `licscope pin`.
    Refuse,
}

/// licscope's certificate verifier (see the module's docs).
#[derive(Debug)]
struct Verifier {
    chain: Checked,
    pins: Option<Pins>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl Verifier {
    fn store(&self) -> &'static str {
        match self.chain {
            Checked::Roots { .. } => "the --ca-file bundle",
            _ => "the system's trust store",
        }
    }

    fn refuse(&self, reason: Reason, end_entity: &CertificateDer<'_>) -> rustls::Error {
        let refusal = Refusal {
            reason,
            store: self.store(),
            certificate: PresentedCertificate::of(end_entity),
        };
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(refusal))))
    }

    /// A certificate of the CA file presented as the server's own, as `curl --cacert` trusts
    /// it: the same bytes, within its validity dates, for the name asked: its subject
    /// alternative names (webpki) or, where it has none, its subject's common name (webpki
    /// never reads the CN: this is the one place licscope does).
    fn trusted_as_itself(
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), CertificateError> {
        let fields = crate::x509::fields(end_entity).ok_or(CertificateError::BadEncoding)?;
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        match (fields.not_before, fields.not_after) {
            (Some(from), _) if now < from.unix_timestamp() => {
                return Err(CertificateError::NotValidYet);
            }
            (_, Some(until)) if now > until.unix_timestamp() => {
                return Err(CertificateError::Expired);
            }
            (Some(_), Some(_)) => {}
            _ => return Err(CertificateError::BadEncoding),
        }
        if fields.has_alt_names {
            let parsed = ParsedCertificate::try_from(end_entity)
                .map_err(|_| CertificateError::BadEncoding)?;
            return rustls::client::verify_server_name(&parsed, server_name)
                .map_err(|_| CertificateError::NotValidForName);
        }
        let matches = match (server_name, fields.common_name.as_deref()) {
            (ServerName::DnsName(dns), Some(cn)) => dns.as_ref().eq_ignore_ascii_case(cn),
            (ServerName::IpAddress(ip), Some(cn)) => cn
                .parse::<std::net::IpAddr>()
                .is_ok_and(|cn| std::net::IpAddr::from(*ip) == cn),
            _ => false,
        };
        if matches {
            Ok(())
        } else {
            Err(CertificateError::NotValidForName)
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(pins) = &self.pins {
            let digest = key_digest(end_entity).ok_or_else(|| {
                self.refuse(
                    Reason::Certificate(CertificateError::BadEncoding),
                    end_entity,
                )
            })?;
            if !pins.contains(&digest) {
                return Err(self.refuse(Reason::Pin, end_entity));
            }
        }
        let refused = |e: rustls::Error| match e {
            rustls::Error::InvalidCertificate(e) => self.refuse(Reason::Certificate(e), end_entity),
            other => other,
        };
        match &self.chain {
            Checked::Nothing => Ok(ServerCertVerified::assertion()),
            Checked::Refuse => Err(self.refuse(Reason::Inspected, end_entity)),
            Checked::System(v) => v
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map_err(refused),
            Checked::Roots { webpki, certs } => {
                match webpki.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ) {
                    Ok(verified) => Ok(verified),
                    Err(_) if certs.iter().any(|c| c.as_ref() == end_entity.as_ref()) => {
                        Verifier::trusted_as_itself(end_entity, server_name, now)
                            .map(|()| ServerCertVerified::assertion())
                            .map_err(|e| self.refuse(Reason::Certificate(e), end_entity))
                    }
                    Err(e) => Err(refused(e)),
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The TLS step of licscope's ureq connector chain: rustls with the trust's configuration.
#[derive(Debug)]
pub(crate) struct TlsConnector(Arc<ClientConfig>);

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails<'_>,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Err(ureq::Error::ConnectionFailed);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("the URL has no host"))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(host)
            .map_err(|_| ureq::Error::Tls("the host is not a valid DNS name or IP address"))?
            .to_owned();
        let mut connection = ClientConnection::new(self.0.clone(), name)?;
        let mut socket = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        socket.set_timeout(details.timeout);
        connection
            .complete_io(&mut socket)
            .map_err(|e| match ureq::Error::from(e) {
                ureq::Error::Io(io) if io.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
                    match io.into_inner().map(|i| i.downcast::<rustls::Error>()) {
                        Some(Ok(e)) => ureq::Error::Rustls(*e),
                        _ => ureq::Error::Tls("the TLS handshake failed"),
                    }
                }
                other => other,
            })?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned::new(connection, socket),
        })))
    }
}

/// A TLS connection, as ureq's own rustls transport is.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

/// A TLS failure in words, with the host and what to do, and the certificate presented if one
/// was refused.
pub(crate) fn tls_failure(host: &str, e: &rustls::Error) -> FetchError {
    use rustls::AlertDescription as Alert;
    let (message, certificate) = match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
            match other.0.downcast_ref::<Refusal>() {
                Some(refusal) => (refusal.explain(host), refusal.certificate.clone()),
                None => (
                    format!(
                        "the certificate of {host} was refused: {}",
                        words_of(&format!("{other:?}"))
                    ),
                    None,
                ),
            }
        }
        rustls::Error::InvalidCertificate(other) => (
            format!(
                "the certificate of {host} was refused: {}",
                words_of(&format!("{other:?}"))
            ),
            None,
        ),
        rustls::Error::AlertReceived(Alert::ProtocolVersion)
        | rustls::Error::PeerIncompatible(_) => (
            format!(
                "{host} speaks no TLS version or cipher suite that licscope speaks (TLS 1.2 and \
                 1.3 with current suites): upgrade the server's TLS settings"
            ),
            None,
        ),
        rustls::Error::AlertReceived(Alert::HandshakeFailure) => (
            format!(
                "the TLS handshake with {host} failed: the server found no TLS version, cipher \
                 suite or key exchange in common with licscope (TLS 1.2 and 1.3)"
            ),
            None,
        ),
        rustls::Error::AlertReceived(Alert::CertificateRequired) => (
            format!(
                "{host} asks for a client certificate, which licscope does not send: allow the \
                 API without one on the server"
            ),
            None,
        ),
        rustls::Error::AlertReceived(alert) => (
            format!(
                "{host} ended the TLS handshake with the alert \"{}\"",
                words_of(&format!("{alert:?}"))
            ),
            None,
        ),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => (
            format!(
                "{host} did not answer in TLS: if it serves plain HTTP on this port, use an \
                 http:// URL"
            ),
            None,
        ),
        other => (
            format!(
                "the TLS handshake with {host} failed: {}",
                words_of(&format!("{other:?}"))
            ),
            None,
        ),
    };
    let error = FetchError::new(FetchErrorKind::Tls, message);
    match certificate {
        Some(c) => error.with_certificate(c),
        None => error,
    }
}

#[cfg(test)]
mod tests {
    //! The verifier on its own, with certificates made here.

    use super::{Pins, Trust, Verifier, words_of};
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    use rustls::client::danger::ServerCertVerifier as _;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use std::time::Duration;

    /// A trust (and a `Target`, which holds one) may cross threads and `catch_unwind`, as it
    /// could before it cached a rustls configuration (cargo-semver-checks holds that promise).
    #[test]
    fn a_trust_is_send_sync_and_unwind_safe() {
        fn promised<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
        let trust = Trust::system();
        let _ = trust.connector();
        promised(&trust);
        promised(&crate::Target::new(
            crate::Endpoint::parse("https://prime.example.net", Some(crate::Api::CiscoPrime))
                .unwrap(),
        ));
    }

    struct Made {
        der: CertificateDer<'static>,
        pem: String,
        pin: String,
    }

    /// A certificate as appliances make them: self-signed, CA:TRUE, the host in the CN only.
    fn appliance(cn: &str, years: (i32, i32)) -> Made {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, cn);
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        made(&params)
    }

    fn made(params: &CertificateParams) -> Made {
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        // The pin from the key itself, not from the certificate's parse.
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            &rcgen::PublicKeyData::subject_public_key_info(&key),
        );
        Made {
            der: cert.der().clone(),
            pem: cert.pem(),
            pin: super::pin_text(&digest.as_ref().try_into().unwrap()),
        }
    }

    fn verifier(trust: &Trust) -> Verifier {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        trust.verifier(&provider).unwrap()
    }

    fn verify(trust: &Trust, cert: &Made, host: &str) -> Result<(), String> {
        let now = UnixTime::since_unix_epoch(Duration::from_secs(1_796_000_000)); // 2026-11
        let name = ServerName::try_from(host.to_owned()).unwrap();
        verifier(trust)
            .verify_server_cert(&cert.der, &[], &name, &[], now)
            .map(|_| ())
            .map_err(|e| super::tls_failure(host, &e).message().to_owned())
    }

    #[test]
    fn a_pin_alone_accepts_a_self_signed_expired_certificate_for_another_name() {
        let cert = appliance("prime-install-name", (2015, 2020));
        let trust = Trust::system()
            .with_pins(Pins::parse(&cert.pin).unwrap())
            .unwrap();
        assert_eq!(verify(&trust, &cert, "prime.example.net"), Ok(()));
    }

    #[test]
    fn one_of_several_pins_is_enough_and_none_is_refused_with_the_servers_pin() {
        let cert = appliance("prime", (2020, 2040));
        let other = appliance("other", (2020, 2040));
        let both = Pins::parse(&format!("{};{}", other.pin, cert.pin)).unwrap();
        assert_eq!(
            verify(&Trust::system().with_pins(both).unwrap(), &cert, "prime"),
            Ok(())
        );
        let wrong = Trust::system()
            .with_pins(Pins::parse(&other.pin).unwrap())
            .unwrap();
        let message = verify(&wrong, &cert, "prime").unwrap_err();
        assert!(message.starts_with("the certificate of prime was refused: its key matches none"));
        assert!(message.ends_with(&format!("; its key is --pinned-pubkey {}", cert.pin)));
    }

    #[test]
    fn the_appliance_certificate_as_ca_file_is_trusted_for_its_cn_only() {
        let cert = appliance("prime.example.net", (2020, 2040));
        let trust = Trust::from_pem(cert.pem.as_bytes()).unwrap();
        assert_eq!(verify(&trust, &cert, "prime.example.net"), Ok(()));
        assert_eq!(verify(&trust, &cert, "PRIME.example.net"), Ok(()));
        let message = verify(&trust, &cert, "other.example.net").unwrap_err();
        assert!(message.contains("was made for another name"), "{message}");
        // Another host's certificate in the CA file does not make this one trusted.
        let another = appliance("prime.example.net", (2020, 2040));
        let message = verify(
            &Trust::from_pem(another.pem.as_bytes()).unwrap(),
            &cert,
            "prime.example.net",
        )
        .unwrap_err();
        assert!(
            message.contains("CA certificate (CA:TRUE)") || message.contains("not trusted"),
            "{message}"
        );
        assert!(message.ends_with(&cert.pin), "{message}");
    }

    #[test]
    fn the_ca_file_certificate_is_refused_outside_its_dates_and_a_pin_must_hold_too() {
        let expired = appliance("prime", (2015, 2020));
        let trust = Trust::from_pem(expired.pem.as_bytes()).unwrap();
        let message = verify(&trust, &expired, "prime").unwrap_err();
        assert!(
            message.contains("expired on 2020-01-01 00:00:00 UTC"),
            "{message}"
        );
        let cert = appliance("prime", (2020, 2040));
        let other = appliance("prime", (2020, 2040));
        let both = Trust::from_pem(cert.pem.as_bytes())
            .unwrap()
            .with_pins(Pins::parse(&other.pin).unwrap())
            .unwrap();
        assert!(
            verify(&both, &cert, "prime")
                .unwrap_err()
                .contains("matches none")
        );
        let both = Trust::from_pem(other.pem.as_bytes())
            .unwrap()
            .with_pins(Pins::parse(&cert.pin).unwrap())
            .unwrap();
        assert!(verify(&both, &cert, "prime").is_err());
    }

    #[test]
    fn alternative_names_win_over_the_cn() {
        let mut params = CertificateParams::new(vec!["cr.example.net".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "cr-old");
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2040, 1, 1);
        let cert = made(&params);
        let trust = Trust::from_pem(cert.pem.as_bytes()).unwrap();
        assert_eq!(verify(&trust, &cert, "cr.example.net"), Ok(()));
        let message = verify(&trust, &cert, "cr-old").unwrap_err();
        assert!(message.contains("it names cr.example.net"), "{message}");
    }

    #[test]
    fn pins_are_read_as_curl_writes_them() {
        let good = "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=";
        assert_eq!(Pins::parse(good).unwrap().to_string(), good);
        for bad in [
            "",
            "YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=",
            "sha1//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=",
            "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMw=",
            "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE",
            "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMw!=",
            &format!("{good};"),
        ] {
            let e = Pins::parse(bad).unwrap_err();
            assert!(
                e.message().contains("is not a pin"),
                "{bad}: {}",
                e.message()
            );
        }
        assert!(
            Trust::insecure()
                .with_pins(Pins::parse(good).unwrap())
                .is_err()
        );
    }

    #[test]
    fn every_handshake_failure_is_one_sentence_with_the_host_and_what_to_do() {
        use rustls::{AlertDescription, Error, InvalidMessage, PeerIncompatible};
        let cases = [
            (
                Error::AlertReceived(AlertDescription::ProtocolVersion),
                "pi.example.net speaks no TLS version or cipher suite that licscope speaks (TLS \
                 1.2 and 1.3 with current suites): upgrade the server's TLS settings",
            ),
            (
                Error::PeerIncompatible(PeerIncompatible::Tls12NotOffered),
                "pi.example.net speaks no TLS version or cipher suite that licscope speaks (TLS \
                 1.2 and 1.3 with current suites): upgrade the server's TLS settings",
            ),
            (
                Error::AlertReceived(AlertDescription::HandshakeFailure),
                "the TLS handshake with pi.example.net failed: the server found no TLS version, \
                 cipher suite or key exchange in common with licscope (TLS 1.2 and 1.3)",
            ),
            (
                Error::AlertReceived(AlertDescription::CertificateRequired),
                "pi.example.net asks for a client certificate, which licscope does not send: \
                 allow the API without one on the server",
            ),
            (
                Error::AlertReceived(AlertDescription::InternalError),
                "pi.example.net ended the TLS handshake with the alert \"internal error\"",
            ),
            (
                Error::InvalidMessage(InvalidMessage::InvalidContentType),
                "pi.example.net did not answer in TLS: if it serves plain HTTP on this port, use \
                 an http:// URL",
            ),
            (
                Error::InvalidCertificate(rustls::CertificateError::BadSignature),
                "the certificate of pi.example.net was refused: bad signature",
            ),
        ];
        for (error, text) in cases {
            let failure = super::tls_failure("pi.example.net", &error);
            assert_eq!(failure.kind(), crate::FetchErrorKind::Tls);
            assert_eq!(failure.message(), text, "{error:?}");
            assert!(
                !failure.message().contains(['{', '\n']),
                "a Debug dump: {failure}"
            );
        }
    }

    #[test]
    fn identifiers_read_as_words() {
        assert_eq!(words_of("UnknownIssuer"), "unknown issuer");
        assert_eq!(
            words_of("NotValidForNameContext { expected: x }"),
            "not valid for name context"
        );
    }

    #[test]
    fn a_verifier_knows_its_store() {
        let cert = appliance("x", (2020, 2040));
        let roots = Trust::from_pem(cert.pem.as_bytes()).unwrap();
        let v = Verifier {
            chain: super::Checked::Nothing,
            pins: None,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        };
        assert_eq!(v.store(), "the system's trust store");
        assert!(format!("{roots:?}").contains("Roots"));
    }
}
