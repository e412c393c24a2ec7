//! `licscope pin URL`: what a server presents in TLS (its key's pin, subject, issuer, dates,
//! names), read in the handshake, which is then refused: no request and no credential is sent.

use std::io::Write as _;
use std::time::{Duration, Instant};

use licscope::fetch::{Api, Client, Endpoint, PresentedCertificate};
use time::OffsetDateTime;

use crate::cli::PinArgs;
use crate::output::Output;
use licscope::report::escape;

/// The deadline of `licscope pin` without `-t`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `licscope pin`: 0 when the certificate is shown, 1 when none could be read, 2 for a
/// URL that cannot be read or is not https.
pub(crate) fn pin(args: &PinArgs, usage: impl FnOnce(String) -> u8) -> u8 {
    let shown = if args.url.contains('@') {
        "the URL".to_owned()
    } else {
        escape::text(&args.url)
    };
    // Any path will do: only the server is reached.
    let endpoint = match Endpoint::parse(&args.url, Some(Api::CiscoPrime)) {
        Ok(endpoint) if endpoint.is_https() => endpoint,
        Ok(_) => return usage(format!("{shown}: only an https:// URL has a certificate")),
        Err(e) => return usage(format!("{shown}: {}", e.message())),
    };
    let deadline = Instant::now() + args.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let cert = match Client::new().certificate(&endpoint, Some(deadline)) {
        Ok(cert) => cert,
        Err(e) => {
            crate::shared::report(&format!("licscope: error: {shown}: {}", e.message()));
            return 1;
        }
    };
    let written = Output::open(args.output.as_deref()).and_then(|mut out| {
        out.write_all(text(&endpoint.host_port(), &cert).as_bytes())
            .and_then(|()| out.close())
    });
    match written {
        Ok(()) => 0,
        Err(e) => {
            crate::shared::report(&crate::shared::output_error(args.output.as_deref(), &e));
            1
        }
    }
}

/// The lines `licscope pin` prints, every value escaped as all output is.
fn text(server: &str, cert: &PresentedCertificate) -> String {
    let date = |d: Option<OffsetDateTime>| {
        let mut out = String::new();
        match d.map(|d| licscope::format_rfc3339(d, &mut out)) {
            Some(Ok(())) => out,
            _ => "unreadable".to_owned(),
        }
    };
    let names = if cert.alt_names.is_empty() {
        "none".to_owned()
    } else {
        cert.alt_names.join(", ")
    };
    format!(
        "server: {}\npin: {}\nsubject: {}\nissuer: {}\nnot before: {}\nnot after: {}\n\
         alternative names: {}\nCA: {}\n",
        escape::text(server),
        cert.pin,
        escape::text(&cert.subject),
        escape::text(&cert.issuer),
        date(cert.not_before),
        date(cert.not_after),
        escape::text(&names),
        if cert.ca { "yes" } else { "no" },
    )
}
