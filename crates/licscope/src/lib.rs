//! licscope reads, checks and compares software-license data from enterprise management APIs.
//!
//! This is the facade a tool adds as its one dependency. It re-exports:
//!
//! - [`a360`]: the Automation Anywhere Automation 360 Control Room license-details model and
//!   decoder (feature `a360`).
//! - [`prime`]: the Cisco Prime Infrastructure `mgmtResponse` model, XML and JSON decoders and
//!   encoders (feature `prime`).
//! - [`normalize`]: the vendor-neutral [`LicenseRecord`](normalize::LicenseRecord), source
//!   detection and the record's JSON Schema (feature `normalize`).
//! - [`report`]: the pipeline of the `licscope` command as a library: inputs (files, folders,
//!   readers, fetched answers) within byte limits, detection over a stream, one
//!   record-at-a-time loop over any input with failed inputs as values, evaluation into a check
//!   state, and the renderers of every output format (feature `report`).
//! - [`fetch`]: blocking clients that fetch license data from Control Rooms and Prime servers
//!   (feature `fetch`: ureq with rustls).
//! - [`Error`], [`ErrorKind`] and [`Limits`], shared by every decoder.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "normalize")] {
//! use licscope::normalize::{Policy, SourceHint, Status, normalize};
//!
//! let body = b"<mgmtResponse rootUrl='https://prime/webacs/api/v3/op'>
//!   <licenseInfoDTO><daysToExpire>120</daysToExpire><deviceCountRemaining>5</deviceCountRemaining>
//!   <deviceCountUsed>95</deviceCountUsed><name>Assurance</name><status>LICENSED</status></licenseInfoDTO>
//! </mgmtResponse>";
//! let as_of = licscope::parse_rfc3339("2026-11-23T00:00:00Z").expect("valid");
//! let records = normalize(body, SourceHint::Auto, None, &Policy::new(as_of))?;
//! assert_eq!(records[0].status, Status::Active);
//! assert_eq!(records[0].origin.as_deref(), Some("https://prime/webacs/api/v3/op"));
//! # }
//! # Ok::<(), licscope::Error>(())
//! ```
//!
//! # Features
//!
//! All on by default: `a360`, `prime`, `normalize` (which needs the other two), `report`
//! (which needs `normalize`) and `fetch` (which needs `a360` and `prime`, and gives `report`
//! its fetched inputs and prober). A tool that only decodes turns `fetch` off and keeps no
//! HTTP or TLS code in its tree.

#![deny(missing_docs)]

pub use licscope_syntax::{Error, ErrorKind, Limits, format_rfc3339, parse_rfc3339};

/// The Automation 360 license-details model and decoder: see [`licscope_a360`].
#[cfg(feature = "a360")]
pub use licscope_a360 as a360;

/// The Cisco Prime `mgmtResponse` model, decoders and encoders: see [`licscope_prime`].
#[cfg(feature = "prime")]
pub use licscope_prime as prime;

/// The vendor-neutral record: see [`licscope_normalize`].
#[cfg(feature = "normalize")]
pub use licscope_normalize as normalize;

/// The pipeline as a library: inputs, the record loop, evaluation and renderers: see
/// [`licscope_report`].
#[cfg(feature = "report")]
pub use licscope_report as report;

/// Live collection: blocking clients that fetch and decode license data from Control Rooms
/// and Prime servers: see [`licscope_fetch`].
#[cfg(feature = "fetch")]
pub use licscope_fetch as fetch;
