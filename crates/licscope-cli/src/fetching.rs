//! Live collection in the command: URL arguments and targets files become targets, fetched by
//! `licscope_report::fetched` within the run's deadline. Credentials come from the target, else
//! the flags, else the environment, and never from the command line itself.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use licscope::fetch::{Api, Client, Credentials, Endpoint, Exchange, Pins, Secret, Target, Trust};
use licscope::normalize::SourceHint;
use licscope::report::escape;

use crate::cli::{CredentialArgs, FetchArgs, SourceArg};
use crate::targets::TargetSpec;

/// The deadline of a run that fetches and was given no `-t`.
pub(crate) const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// Whether a command-line argument is a URL to fetch.
pub(crate) fn is_url(arg: &Path) -> bool {
    let bytes = arg.as_os_str().as_encoded_bytes();
    let starts = |p: &[u8]| bytes.len() >= p.len() && bytes[..p.len()].eq_ignore_ascii_case(p);
    starts(b"http://") || starts(b"https://")
}

/// The API `--source` (or a target's `source`) names, if it names one.
pub(crate) fn api_of(source: SourceArg) -> Option<Api> {
    match source {
        SourceArg::Auto => None,
        SourceArg::Automation360 => Some(Api::Automation360),
        SourceArg::CiscoPrime => Some(Api::CiscoPrime),
    }
}

/// How to read what an API answers.
pub(crate) fn source_of(api: Api) -> SourceHint {
    match api {
        Api::Automation360 => SourceHint::Automation360,
        _ => SourceHint::CiscoPrime,
    }
}

/// Builds the targets' credentials, trust and timeouts from the targets file, the flags and
/// the environment, in that order; warns once per secret file readable by group or others.
pub(crate) struct Setup<'a> {
    args: &'a CredentialArgs,
    env: &'a dyn Fn(&str) -> Option<String>,
    warned: HashSet<PathBuf>,
}

impl<'a> Setup<'a> {
    pub(crate) fn new(
        args: &'a CredentialArgs,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Setup<'a> {
        Setup {
            args,
            env,
            warned: HashSet::new(),
        }
    }

    /// The target for `endpoint`, with what `spec` (a targets-file entry) sets, or why it
    /// cannot be fetched. `name` is how messages name the target.
    pub(crate) fn job(
        &mut self,
        endpoint: Endpoint,
        spec: Option<&TargetSpec>,
        name: &str,
    ) -> Result<Target, String> {
        let api = endpoint.api();
        let mut target = Target::new(endpoint);
        let user = spec
            .and_then(|s| s.user.clone())
            .or_else(|| self.args.user.clone())
            .or_else(|| (self.env)("LICSCOPE_USER").filter(|u| !u.is_empty()))
            .ok_or("no user to log in as: give --user, LICSCOPE_USER or the target's user")?;
        let secret = self.secret(api, spec)?;
        target = target.with_credentials(secret.into_credentials(user));
        // A target that says anything of its trust says all of it.
        let trust =
            match spec.filter(|s| s.ca_file.is_some() || s.pinned_pubkey.is_some() || s.insecure) {
                Some(s) => trust_of(s.ca_file.as_deref(), s.pinned_pubkey.as_ref(), s.insecure)?,
                None => trust_of(
                    self.args.ca_file.as_deref(),
                    self.args.pinned_pubkey.as_ref(),
                    self.args.insecure,
                )?,
            };
        if let Some(trust) = trust {
            if trust.is_insecure() {
                crate::shared::report(&format!(
                    "licscope: warning: {}: TLS certificates are not verified (insecure): anyone \
                     on the path can read the credentials and forge the answer",
                    escape::text(name)
                ));
            }
            target = target.with_trust(trust);
        }
        if let Some(timeout) = spec.and_then(|s| s.timeout) {
            target = target.with_timeout(timeout);
        }
        Ok(target)
    }

    fn secret(&mut self, api: Api, spec: Option<&TargetSpec>) -> Result<Kind, String> {
        let wanted = match api {
            Api::CiscoPrime => {
                "a password: --password-file, LICSCOPE_PASSWORD or the target's password_file"
            }
            _ => {
                "a password or API key: --password-file, --api-key-file, LICSCOPE_PASSWORD, \
                  LICSCOPE_API_KEY or the target's password_file or api_key_file"
            }
        };
        if let Some(spec) = spec {
            if let Some(file) = &spec.password_file {
                return self.read(file).map(Kind::Password);
            }
            if let Some(file) = &spec.api_key_file {
                return self.read(file).map(Kind::ApiKey);
            }
        }
        if let Some(file) = &self.args.password_file {
            return self.read(file).map(Kind::Password);
        }
        if let Some(file) = &self.args.api_key_file {
            return self.read(file).map(Kind::ApiKey);
        }
        let var = |name| (self.env)(name).filter(|v| !v.is_empty()).map(Secret::new);
        let key = if api == Api::Automation360 {
            var("LICSCOPE_API_KEY").map(Kind::ApiKey)
        } else {
            None
        };
        key.or_else(|| var("LICSCOPE_PASSWORD").map(Kind::Password))
            .ok_or_else(|| format!("no secret to log in with: give {wanted}"))
    }

    /// Reads a secret file: its first line, without the line end.
    fn read(&mut self, path: &Path) -> Result<Secret, String> {
        let shown = escape::path(path);
        let (secret, shared) = Secret::read_file(path).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => format!("the secret file {shown} {e}"),
            _ => format!(
                "the secret file {shown} cannot be read: {}",
                escape::text(&e.to_string())
            ),
        })?;
        if let Some(mode) = shared
            && self.warned.insert(path.to_owned())
        {
            crate::shared::report(&format!(
                "licscope: warning: the secret file {shown} is readable by group or others \
                 (mode {mode:03o}): chmod 600 it"
            ));
        }
        Ok(secret)
    }
}

/// A password or API key, before the user is known.
enum Kind {
    Password(Secret),
    ApiKey(Secret),
}

impl Kind {
    fn into_credentials(self, user: String) -> Credentials {
        match self {
            Kind::Password(s) => Credentials::password(user, s),
            Kind::ApiKey(s) => Credentials::api_key(user, s),
        }
    }
}

/// The trust of a CA file, pins and `insecure` (which the command line and the targets file do
/// not let come with pins), or `None` for the system's store.
pub(crate) fn trust_of(
    ca_file: Option<&Path>,
    pins: Option<&Pins>,
    insecure: bool,
) -> Result<Option<Trust>, String> {
    let trust = match (ca_file, insecure) {
        (Some(file), _) => ca_bundle(file)?,
        (None, true) => Trust::insecure(),
        (None, false) if pins.is_some() => Trust::system(),
        (None, false) => return Ok(None),
    };
    match pins {
        Some(pins) => trust
            .with_pins(pins.clone())
            .map(Some)
            .map_err(|e| e.message().to_owned()),
        None => Ok(Some(trust)),
    }
}

fn ca_bundle(path: &Path) -> Result<Trust, String> {
    let shown = escape::path(path);
    let pem = std::fs::read(path).map_err(|e| {
        format!(
            "the CA file {shown} cannot be read: {}",
            escape::text(&e.to_string())
        )
    })?;
    Trust::from_pem(&pem).map_err(|e| format!("the CA file {shown}: {}", e.message()))
}

/// How to check a refused server's pin before trusting it, in one line.
pub(crate) fn pin_hint(server: &str, pin: &str) -> String {
    format!(
        "licscope: hint: {}: before you pin {pin}, check that it is the appliance's own key: on \
         its console (or with its certificate file), openssl x509 -in CERT.pem -pubkey -noout | \
         openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64 \
         must print the same base64 after sha256//",
        escape::text(server)
    )
}

/// The client of a run: its retries, and `-v`'s trace of every exchange.
pub(crate) fn client(args: &FetchArgs, trace: bool) -> Client {
    let client = Client::new().with_retries(args.retries);
    if trace {
        client.with_observer(trace_exchange)
    } else {
        client
    }
}

/// `-v`'s trace of one exchange, on standard error.
pub(crate) fn trace_exchange(e: &Exchange<'_>) {
    let outcome = match (e.status, e.failure) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(failure)) => format!("failed: {failure}"),
        (None, None) => "failed".to_owned(),
    };
    crate::shared::report(&format!(
        "licscope: trace: {} {} [{}]: {outcome} after {:.3} s",
        e.method,
        escape::text(e.url),
        e.credentials,
        e.elapsed.as_secs_f64()
    ));
}
