//! The web configuration file: the exporter-toolkit YAML format that `node_exporter`,
//! `blackbox_exporter` and Prometheus read with `--web.config.file`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::auth::Users;

/// A web configuration: TLS (with client certificates), basic-auth users and response
/// headers. [`WebConfig::default`] is plain HTTP for everyone, as without `--web.config.file`.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("web.yml");
/// std::fs::write(
///     &file,
///     "basic_auth_users:\n  prometheus: $2y$04$OPHK/v42oH5DP9PQXLc1pOsPiTSMdh7AKnHerYD7uTbG3qVzPH4Qy\n",
/// )?;
/// let web = licscope_web::WebConfig::load(&file)?;
/// assert!(web.has_users() && !web.is_tls());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct WebConfig {
    pub(crate) tls: Option<Arc<ServerConfig>>,
    pub(crate) users: Option<Arc<Users>>,
    pub(crate) headers: Arc<[(&'static str, String)]>,
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the key nor the hashes: only what is configured.
        f.debug_struct("WebConfig")
            .field("tls", &self.is_tls())
            .field("users", &self.users.as_ref().map_or(0, |u| u.len()))
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Why a web configuration cannot be used: the file, and the key, line or certificate path.
/// Never a password, hash or key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebConfigError {
    message: String,
}

impl WebConfigError {
    fn new(file: &Path, message: impl fmt::Display) -> WebConfigError {
        WebConfigError {
            message: format!("{}: {message}", file.display()),
        }
    }
}

impl fmt::Display for WebConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WebConfigError {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    tls_server_config: Option<TlsFile>,
    http_server_config: Option<HttpFile>,
    basic_auth_users: Option<BTreeMap<String, String>>,
    rate_limit: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    cert: Option<String>,
    key: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    client_ca: Option<String>,
    min_version: Option<String>,
    max_version: Option<IgnoredAny>,
    cipher_suites: Option<IgnoredAny>,
    prefer_server_cipher_suites: Option<IgnoredAny>,
    curve_preferences: Option<IgnoredAny>,
    client_allowed_sans: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    http2: Option<IgnoredAny>,
    headers: Option<BTreeMap<String, String>>,
}

/// The response headers the format allows, and the values it accepts where it restricts them.
const HEADERS: [(&str, Option<&[&str]>); 5] = [
    ("Content-Security-Policy", None),
    ("X-Frame-Options", Some(&["deny", "sameorigin"])),
    ("X-Content-Type-Options", Some(&["nosniff"])),
    ("X-XSS-Protection", None),
    ("Strict-Transport-Security", None),
];

impl WebConfig {
    /// Reads and checks a web configuration file. Relative paths in it resolve against its
    /// folder, as exporter-toolkit resolves them.
    ///
    /// # Errors
    ///
    /// A file that cannot be read or is not valid YAML, a key the format does not have, a key
    /// licscope does not support, a certificate or key that cannot be read or used, a client CA
    /// without a client authentication type that uses it, or a password that is not a bcrypt
    /// hash: each named with the file, and the key, line or path.
    pub fn load(path: &Path) -> Result<WebConfig, WebConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| WebConfigError::new(path, format!("cannot be read: {e}")))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        WebConfig::parse(&text, path, dir)
    }

    /// Checks a web configuration given as text; `name` names it in errors and `dir` is where
    /// its relative paths resolve.
    ///
    /// # Errors
    ///
    /// As [`WebConfig::load`].
    pub fn parse(text: &str, name: &Path, dir: &Path) -> Result<WebConfig, WebConfigError> {
        let err = |m: String| WebConfigError::new(name, m);
        let file: File = if is_empty_yaml(text) {
            File::default()
        } else {
            serde_norway::from_str(text).map_err(|e| err(e.to_string()))?
        };
        if file.rate_limit.is_some() {
            return Err(err(not_supported("rate_limit", "rate limiting")));
        }
        let http = file.http_server_config.unwrap_or_default();
        if http.http2.is_some() {
            return Err(err(not_supported(
                "http_server_config.http2",
                "licscope serves HTTP/1.1 only",
            )));
        }
        let mut headers = Vec::new();
        for (name, value) in http.headers.unwrap_or_default() {
            let Some((known, allowed)) =
                HEADERS.iter().find(|(h, _)| h.eq_ignore_ascii_case(&name))
            else {
                let names: Vec<&str> = HEADERS.iter().map(|(h, _)| *h).collect();
                return Err(err(format!(
                    "http_server_config.headers: {name:?} is not a header the web configuration \
                     may set (one of {})",
                    names.join(", ")
                )));
            };
            if value.is_empty() {
                continue;
            }
            if let Some(allowed) = allowed
                && !allowed.iter().any(|a| a.eq_ignore_ascii_case(&value))
            {
                return Err(err(format!(
                    "http_server_config.headers.{known}: {value:?} is not one of {}",
                    allowed.join(", ")
                )));
            }
            if value.bytes().any(|b| b.is_ascii_control()) {
                return Err(err(format!(
                    "http_server_config.headers.{known}: control characters are not allowed"
                )));
            }
            headers.push((*known, value));
        }
        let users = match file.basic_auth_users {
            Some(users) if !users.is_empty() => Some(Arc::new(Users::new(users).map_err(err)?)),
            _ => None,
        };
        let tls = match file.tls_server_config {
            Some(tls) => tls_config(tls, dir).map_err(err)?.map(Arc::new),
            None => None,
        };
        Ok(WebConfig {
            tls,
            users,
            headers: headers.into(),
        })
    }

    /// Whether the port speaks TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether every path is behind basic authentication.
    pub fn has_users(&self) -> bool {
        self.users.is_some()
    }
}

/// A file with nothing but comments and blank lines: no configuration, as exporter-toolkit
/// takes an empty file.
fn is_empty_yaml(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#') || l == "---")
}

fn not_supported(key: &str, why: &str) -> String {
    format!("{key} is not supported by licscope ({why}); remove it")
}

fn tls_config(tls: TlsFile, dir: &Path) -> Result<Option<ServerConfig>, String> {
    for (present, key, why) in [
        (
            tls.max_version.is_some(),
            "max_version",
            "rustls offers TLS 1.2 and 1.3",
        ),
        (
            tls.cipher_suites.is_some(),
            "cipher_suites",
            "rustls offers only its safe cipher suites",
        ),
        (
            tls.prefer_server_cipher_suites.is_some(),
            "prefer_server_cipher_suites",
            "rustls chooses the cipher suite",
        ),
        (
            tls.curve_preferences.is_some(),
            "curve_preferences",
            "rustls chooses the key exchange groups",
        ),
        (
            tls.client_allowed_sans.is_some(),
            "client_allowed_sans",
            "any client certificate that the client CA signed is accepted",
        ),
    ] {
        if present {
            return Err(not_supported(&format!("tls_server_config.{key}"), why));
        }
    }
    let nothing = tls.cert_file.is_none()
        && tls.key_file.is_none()
        && tls.cert.is_none()
        && tls.key.is_none()
        && tls.client_ca_file.is_none()
        && tls.client_ca.is_none()
        && tls.client_auth_type.is_none();
    if nothing {
        // As exporter-toolkit: an empty tls_server_config is plain HTTP.
        return Ok(None);
    }
    let resolve = |p: &Path| {
        if p.is_absolute() {
            p.to_owned()
        } else {
            dir.join(p)
        }
    };
    let cert_pem = pem_of(
        tls.cert_file.as_deref().map(resolve),
        tls.cert,
        "cert_file",
        "cert",
    )?
    .ok_or("tls_server_config: cert_file (or cert) is missing")?;
    let key_pem = pem_of(
        tls.key_file.as_deref().map(resolve),
        tls.key,
        "key_file",
        "key",
    )?
    .ok_or("tls_server_config: key_file (or key) is missing")?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem.bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate: {e}", cert_pem.named))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            cert_pem.named
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem.bytes)
        .map_err(|e| format!("{}: no private key can be read: {e}", key_pem.named))?;
    let versions: &[&rustls::SupportedProtocolVersion] = match tls.min_version.as_deref() {
        None | Some("TLS12") => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Some("TLS13") => &[&rustls::version::TLS13],
        Some(old @ ("TLS10" | "TLS11")) => {
            return Err(format!(
                "tls_server_config.min_version: {old} is not supported (rustls speaks TLS 1.2 and \
                 1.3 only); give TLS12 or TLS13"
            ));
        }
        Some(other) => {
            return Err(format!(
                "tls_server_config.min_version: unknown TLS version {other:?} (one of TLS10, \
                 TLS11, TLS12, TLS13)"
            ));
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client_ca = pem_of(
        tls.client_ca_file.as_deref().map(resolve),
        tls.client_ca,
        "client_ca_file",
        "client_ca",
    )?;
    let kind = tls.client_auth_type.as_deref().unwrap_or("NoClientCert");
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| format!("tls_server_config: TLS cannot be set up: {e}"))?;
    let builder = match (kind, client_ca) {
        ("NoClientCert", None) => builder.with_no_client_auth(),
        ("NoClientCert", Some(_)) => {
            return Err(
                "tls_server_config: client_ca_file is given but client_auth_type is \
                        NoClientCert: give client_auth_type RequireAndVerifyClientCert (or \
                        VerifyClientCertIfGiven), or remove the client CA"
                    .to_owned(),
            );
        }
        ("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven", None) => {
            return Err(format!(
                "tls_server_config: client_auth_type {kind} needs client_ca_file (or client_ca)"
            ));
        }
        ("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven", Some(pem)) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&pem.bytes) {
                let cert =
                    cert.map_err(|e| format!("{}: not a PEM certificate: {e}", pem.named))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: a certificate cannot be used: {e}", pem.named))?;
            }
            if roots.is_empty() {
                return Err(format!("{}: holds no certificate", pem.named));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if kind == "VerifyClientCertIfGiven" {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|e| format!("{}: cannot verify clients: {e}", pem.named))?;
            builder.with_client_cert_verifier(verifier)
        }
        ("RequestClientCert" | "RequireAnyClientCert", _) => {
            return Err(format!(
                "tls_server_config.client_auth_type: {kind} is not supported (it accepts \
                 certificates that nothing verifies); give RequireAndVerifyClientCert with \
                 client_ca_file"
            ));
        }
        (other, _) => {
            return Err(format!(
                "tls_server_config.client_auth_type: unknown value {other:?} (one of \
                 NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, \
                 RequireAndVerifyClientCert)"
            ));
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        format!(
            "{} and {}: the certificate and key cannot be used together: {e}",
            cert_pem.named, key_pem.named
        )
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(config))
}

/// PEM text from a file or given inline, and how errors name it (the path, never the text).
struct Pem {
    bytes: Vec<u8>,
    named: String,
}

fn pem_of(
    path: Option<PathBuf>,
    inline: Option<String>,
    file_key: &str,
    inline_key: &str,
) -> Result<Option<Pem>, String> {
    match (path, inline) {
        (Some(_), Some(_)) => Err(format!(
            "tls_server_config: {file_key} and {inline_key} are both given; give one"
        )),
        (Some(path), None) => {
            let bytes = std::fs::read(&path).map_err(|e| {
                format!(
                    "tls_server_config.{file_key}: {} cannot be read: {e}",
                    path.display()
                )
            })?;
            Ok(Some(Pem {
                bytes,
                named: format!("tls_server_config.{file_key} {}", path.display()),
            }))
        }
        (None, Some(text)) => Ok(Some(Pem {
            bytes: text.into_bytes(),
            named: format!("tls_server_config.{inline_key}"),
        })),
        (None, None) => Ok(None),
    }
}
