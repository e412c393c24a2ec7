//! licscope's pipeline as a library: what the `licscope` command does between its arguments
//! and its output, for tools that build on licscope (a Telegraf input, a Zabbix module, a
//! ticketing bot, a notebook).
//!
//! - [`Input`]: a file, standard input, any reader or a fetched answer, read within
//!   [`InputLimits`]; [`input::expand`] turns command-line paths and folders into inputs.
//! - [`Pipeline`]: detects each input's API over its first bytes, decodes it with the
//!   streaming decoders (Prime XML in constant memory), normalizes each record with a
//!   [`Policy`](licscope_normalize::Policy) and hands the records on one at a time; a failed
//!   input is an [`InputError`] value beside the records, naming the input, where and why.
//! - [`Selection`] (feature globs) and [`Summary`] (the worst-wins state of `licscope check`).
//! - [`Renderer`]: every output format of the command ([`Format`]: JSON, NDJSON, the table,
//!   Prometheus exposition, Nagios plugin output) into any `io::Write`;
//!   [`render::decoded_entry`] is `licscope decode`'s. [`escape`] is how text goes into
//!   line-based outputs.
//! - With the `fetch` feature (on by default): [`fetched`], answers fetched by
//!   `licscope-fetch` as inputs and a pool that fetches many targets within a deadline, and
//!   [`probe`], the exporter's cached prober.
//!
//! Why a crate of its own: the decoders, the normalized record and the clients are each a
//! crate that a tool may take alone; this one ties them together the way the command does,
//! below the command and beside nothing else, so that the command and the exporter are thin
//! layers over it and a tool author gets the same outputs byte for byte. The facade re-exports
//! it as `licscope::report`.
//!
//! # Example
//!
//! Every license of a folder of saved payloads that needs attention, one line each:
//!
//! ```
//! use licscope_normalize::{Policy, Severity};
//! use licscope_report::{Event, Pipeline, input};
//!
//! # let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cli/inputs");
//! let as_of = licscope_syntax::parse_rfc3339("2026-11-23T12:00:00Z")?;
//! let pipeline = Pipeline::new(Policy::new(as_of));
//! let (mut attention, mut failed) = (Vec::new(), Vec::new());
//! pipeline.for_each(input::expand(&[folder]), &mut |event| {
//!     match event {
//!         Event::Record(r) if r.severity != Severity::Ok => {
//!             let feature = r.feature.as_deref().unwrap_or("?");
//!             attention.push(format!("{} {feature}: {}", r.severity.as_str(), r.status.as_str()));
//!         }
//!         Event::Done(outcome) => failed.extend(outcome.error.map(|e| e.to_string())),
//!         _ => {}
//!     }
//!     Ok(())
//! });
//! assert!(!attention.is_empty());
//! assert!(failed.len() == 1 && failed[0].contains("broken.json"), "{failed:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//!
//! An input that fails is an [`InputError`] (`std::error::Error + Send + Sync`), and the other
//! inputs are still read. A renderer refuses a record with a [`Refusal`] (a write error, or a
//! Prometheus series that an earlier record of the run already has), which fails its input.
//! Nothing panics on any input.
//!
//! # Limits
//!
//! [`InputLimits`]: 256 MiB for a document read whole, 8 GiB for Prime XML read as a stream
//! (in constant memory), by default; the decoders' own limits (nesting, string length,
//! records) are [`licscope_syntax::Limits`]' defaults. The table and Prometheus renderers keep
//! a compact row per record until the end (the Nagios one keeps counts and the 512 worst);
//! JSON and NDJSON keep nothing.
//!
//! # Features
//!
//! `fetch` (default): [`fetched`] and [`probe`], on `licscope-fetch` (ureq, rustls) and
//! `tempfile`. Without it the crate has no HTTP or TLS code in its tree.

#![deny(missing_docs)]

pub mod escape;
mod evaluate;
#[cfg(feature = "fetch")]
pub mod fetched;
pub mod input;
mod pipeline;
#[cfg(feature = "fetch")]
pub mod probe;
pub mod render;

pub use evaluate::{Selection, Summary};
pub use input::{Input, InputLimits};
pub use pipeline::{Event, InputError, InputErrorKind, InputOutcome, Pipeline};
pub use render::{Format, Refusal, Renderer};
