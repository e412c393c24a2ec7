//! Fetched answers as inputs: each answer spooled within the byte limits (in memory up to 1 MiB,
//! then in an anonymous temporary file), and a pool that fetches many targets at once within a
//! deadline, answers taken in input order.

use std::fmt;
use std::io::{self, Read, Seek, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Instant;

use licscope_fetch::{Api, Client, FetchError, Target};
use licscope_normalize::SourceHint;
use licscope_prime::looks_like_xml;
use tempfile::SpooledTempFile;

use crate::input::{Input, InputLimits};

/// How large a fetched answer is held in memory before it moves to a temporary file.
const IN_MEMORY: usize = 1 << 20;

/// A fetched answer, held within the byte limits, ready to be read as an [`Input`].
#[derive(Debug)]
pub struct Fetched {
    body: SpooledTempFile,
    size: u64,
    /// A Control Room's product list, when the target asks for it: its answer, or why there
    /// is none (escaped text).
    products: Option<Result<Box<Fetched>, String>>,
}

impl Fetched {
    /// The answer's length in bytes (the product list's apart).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Why the product list is missing, when the target asked for it and it could not be
    /// fetched (403 for a role without the permission, 404 on an older release), with control
    /// characters escaped.
    pub fn products_failure(&self) -> Option<&str> {
        self.products
            .as_ref()
            .and_then(|p| p.as_ref().err())
            .map(String::as_str)
    }

    /// The answer as an input named `name`, read as coming from the API its target names; a
    /// product list fetched beside it is [its part](Input::with_part), one that failed [its
    /// missing part](Input::with_missing_part).
    pub fn into_input(self, name: impl Into<String>) -> Input {
        let name = name.into();
        let input = Input::reader(name.clone(), self.body, Some(self.size));
        match self.products {
            None => input,
            Some(Ok(list)) => input.with_part(
                Input::reader(name, list.body, Some(list.size))
                    .with_source(SourceHint::Automation360Products),
            ),
            Some(Err(why)) => {
                input.with_missing_part(format!("the product list could not be fetched: {why}"))
            }
        }
    }
}

/// Why a target's answer is not there.
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchFailure {
    /// The fetch failed: connection, TLS, login, HTTP status (with the certificate a refused
    /// server presented, for its pin).
    Fetch(FetchError),
    /// The answer is over its limit or could not be held, the deadline passed, or the target
    /// could not be set up (the message says which).
    Other(String),
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchFailure::Fetch(e) => f.write_str(e.message()),
            FetchFailure::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FetchFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchFailure::Fetch(e) => Some(e),
            FetchFailure::Other(_) => None,
        }
    }
}

/// Fetches one target and holds its answer within `limits`: Prime XML within the stream
/// limit, anything else within the document limit; a longer answer is read only up to the
/// limit and refused. A Control Room given by its base URL is asked for its product list too,
/// with the same token and deadline ([`Endpoint::products_url`](licscope_fetch::Endpoint::products_url)).
///
/// ```no_run
/// use licscope_fetch::{Client, Endpoint, Target};
/// use licscope_report::{InputLimits, fetched};
///
/// let target = Target::new(Endpoint::parse("https://prime.example.net", None)?);
/// let answer = fetched::fetch(&Client::new(), &target, None, InputLimits::default())?;
/// let input = answer.into_input("prime.example.net");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// The fetch failed, or its answer is over the limit or could not be held.
pub fn fetch(
    client: &Client,
    target: &Target,
    deadline: Option<Instant>,
    limits: InputLimits,
) -> Result<Fetched, FetchFailure> {
    let body = client.open(target, deadline).map_err(FetchFailure::Fetch)?;
    let mut fetched = hold(body, target, limits)?;
    if target.endpoint.products_url().is_some() {
        // The details are there: the product list's failure is a missing part, not the target's.
        let list = client
            .open_products(target, deadline)
            .map_err(FetchFailure::Fetch)
            .and_then(|body| hold(body, target, limits).map(Box::new))
            .map_err(|e| crate::escape::text(&e.to_string()));
        fetched.products = Some(list);
    }
    Ok(fetched)
}

/// Holds an answer's body within its limit.
fn hold(
    mut body: licscope_fetch::Body,
    target: &Target,
    limits: InputLimits,
) -> Result<Fetched, FetchFailure> {
    let read_failed = |e: io::Error| FetchFailure::Other(e.to_string());
    let mut head = Vec::with_capacity(8 << 10);
    (&mut body)
        .take(8 << 10)
        .read_to_end(&mut head)
        .map_err(read_failed)?;
    let stream = looks_like_xml(&head) && target.endpoint.api() == Api::CiscoPrime;
    let (limit, what) = if stream {
        (limits.max_stream_size, "streamed XML (--max-stream-size)")
    } else {
        (
            limits.max_document_size,
            "a whole document (--max-document-size)",
        )
    };
    let mut spool = tempfile::spooled_tempfile(IN_MEMORY);
    let spooled = |e: io::Error| FetchFailure::Other(format!("the answer could not be held: {e}"));
    spool.write_all(&head).map_err(spooled)?;
    let rest = limit.saturating_add(1).saturating_sub(head.len() as u64);
    io::copy(&mut (&mut body).take(rest), &mut spool).map_err(read_failed)?;
    let size = spool.stream_position().map_err(spooled)?;
    if size > limit {
        return Err(FetchFailure::Other(format!(
            "the answer is longer than the limit of {limit} bytes for {what}"
        )));
    }
    spool.rewind().map_err(spooled)?;
    Ok(Fetched {
        body: spool,
        size,
        products: None,
    })
}

/// Targets fetched on a few worker threads within one deadline; answers are taken in any order
/// (a command takes them in input order, so output follows its arguments).
///
/// A fetch still running at the deadline is abandoned with its thread, which ends with the
/// process.
#[derive(Debug)]
pub struct FetchPool {
    answers: Receiver<(usize, Result<Fetched, FetchFailure>)>,
    arrived: Vec<Option<Result<Fetched, FetchFailure>>>,
    deadline: Option<Instant>,
    /// What the deadline was, for the timeout message.
    deadline_text: String,
}

impl FetchPool {
    /// Starts fetching `jobs` (a target, or why it cannot be fetched) on at most `threads`
    /// threads. `deadline` bounds every fetch; `deadline_text` says in messages what it was
    /// (`-t 30`).
    pub fn start(
        jobs: Vec<Result<Target, String>>,
        threads: usize,
        client: Client,
        deadline: Option<Instant>,
        deadline_text: impl Into<String>,
        limits: InputLimits,
    ) -> FetchPool {
        let (send, answers) = mpsc::channel();
        let count = jobs.len();
        let jobs = Arc::new(jobs);
        let client = Arc::new(client);
        let next = Arc::new(AtomicUsize::new(0));
        for _ in 0..threads.max(1).min(count) {
            let (jobs, client, next, send) =
                (jobs.clone(), client.clone(), next.clone(), send.clone());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let answer = match job {
                        Ok(target) => fetch(&client, target, deadline, limits),
                        Err(e) => Err(FetchFailure::Other(e.clone())),
                    };
                    if send.send((i, answer)).is_err() {
                        break;
                    }
                }
            });
        }
        FetchPool {
            answers,
            arrived: (0..count).map(|_| None).collect(),
            deadline,
            deadline_text: deadline_text.into(),
        }
    }

    /// The answer of job `index`, waiting for it until the deadline.
    ///
    /// # Errors
    ///
    /// The job's failure; no answer by the deadline; an index taken twice or out of range.
    pub fn take(&mut self, index: usize) -> Result<Fetched, FetchFailure> {
        loop {
            if let Some(answer) = self.arrived.get_mut(index).and_then(Option::take) {
                return answer;
            }
            let received = match self.deadline {
                None => self
                    .answers
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => self
                    .answers
                    .recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            match received {
                Ok((i, answer)) => {
                    if let Some(slot) = self.arrived.get_mut(i) {
                        *slot = Some(answer);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(FetchFailure::Other(format!(
                        "timed out: no complete answer within the run's deadline ({})",
                        self.deadline_text
                    )));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(FetchFailure::Other(
                        "the fetch ended without an answer".to_owned(),
                    ));
                }
            }
        }
    }
}
