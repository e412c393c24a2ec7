//! The loop over inputs: detect each input's API over its first bytes, decode it with the
//! streaming decoders, normalize its records and hand them on one at a time.

use std::fmt;
use std::io::{self, Read, Write};

use licscope_normalize::{
    Decoded, LicenseRecord, Policy, SourceHint, decode, from_automation360,
    from_automation360_products, from_cisco_prime_record,
};
use licscope_prime::{JsonRecords, LicenseInfo, XmlStream, looks_like_xml};
use licscope_syntax::{Error, ErrorKind, Limits};

use crate::escape;
use crate::evaluate::Selection;
use crate::input::{self, Bounded, Input, InputLimits};
use crate::render::{Refusal, Renderer};

/// How inputs are read and evaluated: the API to read them as (unless an input says), their byte
/// limits, the policy that gives each record its status and severity, and which records are
/// taken.
///
/// # Example
///
/// ```
/// use licscope_normalize::{Policy, Severity};
/// use licscope_report::{Input, Pipeline};
///
/// let as_of = licscope_syntax::parse_rfc3339("2026-11-23T00:00:00Z")?;
/// let pipeline = Pipeline::new(Policy::new(as_of));
/// let xml = "<mgmtResponse><licenseInfoDTO><name>Assurance</name><status>LICENSED</status>\
///            <daysToExpire>12</daysToExpire></licenseInfoDTO></mgmtResponse>";
/// let mut input = Input::reader("prime", xml.as_bytes(), None).with_origin("prime-east");
/// let mut seen = Vec::new();
/// pipeline.each_record(&mut input, &mut |r| {
///     seen.push((r.feature.clone(), r.origin.clone(), r.severity));
///     Ok(())
/// })?;
/// assert_eq!(seen, [(Some("Assurance".into()), Some("prime-east".into()), Severity::Warning)]);
///
/// // A broken input is a value: its name, where and why.
/// let mut broken = Input::reader("broken.json", &b"{\"licenseMode\": "[..], None);
/// let e = pipeline.each_record(&mut broken, &mut |_| Ok(())).unwrap_err();
/// assert_eq!(e.input(), "broken.json");
/// assert_eq!(e.location(), Some((1, 17)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pipeline {
    source: SourceHint,
    limits: InputLimits,
    policy: Policy,
    selection: Selection,
}

/// What [`Pipeline::for_each`] hands on: a record, or the end of an input.
#[derive(Debug)]
#[non_exhaustive]
// A record is handed on by value, once: boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
pub enum Event<'a> {
    /// A normalized record of the current input, taken by the selection.
    Record(LicenseRecord),
    /// The current input is done: how many records it gave, and why it failed if it did.
    Done(InputOutcome<'a>),
}

/// What one input gave when the pipeline read it.
#[derive(Debug)]
#[non_exhaustive]
pub struct InputOutcome<'a> {
    /// The input.
    pub input: &'a Input,
    /// Its records handed to the renderer (taken by the selection).
    pub records: usize,
    /// Why it failed, if it did: its records are then dropped from the outputs that keep rows
    /// (table, Prometheus, Nagios); JSON and NDJSON have written them already.
    pub error: Option<InputError>,
}

impl Pipeline {
    /// Inputs detected from their content, with the default byte limits, every record taken.
    pub fn new(policy: Policy) -> Pipeline {
        Pipeline {
            source: SourceHint::Auto,
            limits: InputLimits::default(),
            policy,
            selection: Selection::default(),
        }
    }

    /// Reads the inputs that do not say otherwise as coming from `source`.
    #[must_use]
    pub fn with_source(mut self, source: SourceHint) -> Pipeline {
        self.source = source;
        self
    }

    /// Reads inputs within `limits`.
    #[must_use]
    pub fn with_limits(mut self, limits: InputLimits) -> Pipeline {
        self.limits = limits;
        self
    }

    /// Takes only the records `selection` takes ([`render`](Pipeline::render) and
    /// [`for_each`](Pipeline::for_each); [`each_record`](Pipeline::each_record) hands on
    /// every record).
    #[must_use]
    pub fn with_selection(mut self, selection: Selection) -> Pipeline {
        self.selection = selection;
        self
    }

    /// The policy records are evaluated with.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The byte limits of inputs.
    pub fn limits(&self) -> InputLimits {
        self.limits
    }

    /// Decodes one input and hands its normalized records to `take` one at a time: Prime XML
    /// is streamed in constant memory within the stream limit, anything else is read whole
    /// within the document limit (refused at its first bytes when they cannot start a license
    /// document). Records are labelled by the origin rule: the input's origin, else a Prime
    /// document's `rootUrl`, else the file name without its extension.
    ///
    /// # Errors
    ///
    /// The input cannot be read, is over a limit or does not decode (the records before the
    /// error were handed on), or `take` refused a record.
    pub fn each_record(
        &self,
        input: &mut Input,
        take: &mut dyn FnMut(LicenseRecord) -> Result<(), Refusal>,
    ) -> Result<(), InputError> {
        let part = input.take_part();
        self.each_record_of(input, take)?;
        let Some(part) = part else {
            return Ok(());
        };
        let mut part = match (part.source(), input.source()) {
            (None, Some(source)) => part.with_source(source),
            _ => part,
        };
        if let Some(origin) = input.origin().or(part.origin()).map(str::to_owned) {
            part = part.with_origin(origin);
        }
        match self.each_record_of(&mut part, take) {
            Err(e) if e.kind() == InputErrorKind::Refused => Err(e),
            Err(e) => {
                let why = match e.location() {
                    Some((line, column)) => format!("{line}:{column}: {}", e.message()),
                    None => e.message().to_owned(),
                };
                input.set_missing(format!("the product list could not be read: {why}"));
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    /// [`each_record`](Pipeline::each_record) of one document.
    fn each_record_of(
        &self,
        input: &mut Input,
        take: &mut dyn FnMut(LicenseRecord) -> Result<(), Refusal>,
    ) -> Result<(), InputError> {
        let source = input.source().unwrap_or(self.source);
        let explicit = input.origin().map(str::to_owned);
        let stem = input.stem();
        let origin = |root_url: Option<&str>| -> Option<String> {
            explicit
                .as_deref()
                .or(root_url)
                .or(stem.as_deref())
                .map(str::to_owned)
        };
        let name = input.name().to_owned();
        let fail = |e: Error| InputError::decoding(&name, e);
        let refused = |r: Refusal| InputError::refused(&name, r);
        let policy = &self.policy;
        let bytes = match self.open(input, source, true)? {
            Body::XmlStream(reader) => {
                let stream = XmlStream::<_, LicenseInfo<'static>>::with_limits(
                    Bounded::new(reader, self.limits.max_stream_size),
                    &Limits::default(),
                )
                .map_err(fail)?;
                let origin = origin(stream.envelope().root_url.as_deref());
                return each_prime(stream, origin.as_deref(), policy, take, &fail, &refused);
            }
            Body::Whole(bytes) => bytes,
        };
        let xml = looks_like_xml(&bytes);
        // A plain Automation 360 document first, as detection reads it.
        if source == SourceHint::Auto
            && !xml
            && let Some(details) = licscope_a360::decode_plain(&bytes)
        {
            return take(from_automation360(
                &details,
                origin(None).as_deref(),
                policy,
            ))
            .map_err(refused);
        }
        let records = match source {
            SourceHint::CiscoPrime if !xml => Some(prime_json(&bytes)),
            SourceHint::Auto if !xml => {
                // Prime first, as detection does; a document that is not Prime's goes to
                // detection, which tries Automation 360 and words the error.
                match prime_json(&bytes) {
                    Err(e) if e.is_other_document() => None,
                    other => Some(other),
                }
            }
            _ => None,
        };
        if let Some(records) = records {
            let records = records.map_err(fail)?;
            let origin = origin(records.envelope().root_url.as_deref());
            return each_prime(records, origin.as_deref(), policy, take, &fail, &refused);
        }
        // Automation 360 (one record), or a small XML document read whole.
        match decode(&bytes, source).map_err(fail)? {
            Decoded::Automation360(details) => take(from_automation360(
                &details,
                origin(None).as_deref(),
                policy,
            ))
            .map_err(refused),
            Decoded::Automation360Products(list) => {
                let origin = origin(None);
                for record in from_automation360_products(&list, origin.as_deref(), policy) {
                    take(record).map_err(refused)?;
                }
                Ok(())
            }
            Decoded::CiscoPrime(response) => {
                let origin = origin(response.root_url.as_deref());
                for record in response.records {
                    take(from_cisco_prime_record(record, origin.as_deref(), policy))
                        .map_err(refused)?;
                }
                Ok(())
            }
            _ => Err(InputError::new(
                &name,
                InputErrorKind::Unsupported,
                "a payload of an API this version cannot evaluate",
            )),
        }
    }

    /// Reads one input whole and decodes it into its vendor model, without normalizing it:
    /// `licscope decode`'s entry for it ([`render::decoded_entry`](crate::render::decoded_entry)).
    ///
    /// ```
    /// use licscope_normalize::Policy;
    /// use licscope_report::{Input, Pipeline};
    ///
    /// let pipeline = Pipeline::new(Policy::new(licscope_syntax::parse_rfc3339("2026-11-23T00:00:00Z")?));
    /// let mut input = Input::reader("a.json", &br#"{"licenseMode": "FILE"}"#[..], None);
    /// let entry = pipeline.decode(&mut input)?;
    /// assert_eq!(entry["source"], "automation360");
    /// assert_eq!(entry["document"]["licenseMode"], "FILE");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`each_record`](Pipeline::each_record).
    pub fn decode(&self, input: &mut Input) -> Result<serde_json::Value, InputError> {
        let source = input.source().unwrap_or(self.source);
        let name = input.name().to_owned();
        match self.open(input, source, false)? {
            Body::Whole(bytes) => {
                let decoded = decode(&bytes, source).map_err(|e| InputError::decoding(&name, e))?;
                crate::render::decoded_entry(&name, &decoded)
            }
            Body::XmlStream(_) => Err(InputError::new(
                &name,
                InputErrorKind::Read,
                "not read whole",
            )),
        }
    }

    /// Every input, in order: each taken record handed to `visit` as it is decoded, then the
    /// input's outcome. Nothing of a whole fleet is held. A refusal returned for a record fails
    /// its input (the outcome says why); what is returned for an outcome is ignored.
    ///
    /// ```
    /// use licscope_normalize::Policy;
    /// use licscope_report::{Event, Input, Pipeline};
    ///
    /// let pipeline = Pipeline::new(Policy::new(licscope_syntax::parse_rfc3339("2026-11-23T00:00:00Z")?));
    /// let inputs = vec![
    ///     Input::reader("a", &b"<mgmtResponse><licenseInfoDTO><name>X</name></licenseInfoDTO></mgmtResponse>"[..], None),
    ///     Input::reader("b", &b"not a license"[..], None),
    /// ];
    /// let (mut records, mut failed) = (0, Vec::new());
    /// pipeline.for_each(inputs, &mut |event| {
    ///     match event {
    ///         Event::Record(_) => records += 1,
    ///         Event::Done(outcome) => failed.extend(outcome.error.map(|e| e.to_string())),
    ///         _ => {}
    ///     }
    ///     Ok(())
    /// });
    /// assert_eq!(records, 1);
    /// assert_eq!(failed.len(), 1);
    /// assert!(failed[0].starts_with("b:1:1: "), "{failed:?}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_each(
        &self,
        inputs: impl IntoIterator<Item = Input>,
        visit: &mut dyn FnMut(Event<'_>) -> Result<(), Refusal>,
    ) {
        for mut input in inputs {
            let (records, result) =
                self.selected(&mut input, &mut |record| visit(Event::Record(record)));
            let _ = visit(Event::Done(InputOutcome {
                input: &input,
                records,
                error: result.err(),
            }));
        }
    }

    /// Every input through `renderer` into `out`, as `licscope normalize` and `check` read
    /// them: each input's records, then its end (a failed input's records leave the outputs
    /// that keep rows); each input's outcome goes to `done` (for a log line). Then
    /// [`Renderer::finish`] writes what was kept.
    ///
    /// ```
    /// use licscope_normalize::Policy;
    /// use licscope_report::{Format, Input, Pipeline, Renderer};
    ///
    /// let policy = Policy::new(licscope_syntax::parse_rfc3339("2026-11-23T00:00:00Z")?);
    /// let pipeline = Pipeline::new(policy);
    /// let mut renderer = Renderer::new(Format::Nagios, &policy);
    /// let mut out = Vec::new();
    /// let inputs = [Input::reader("x", &b"<mgmtResponse/>"[..], None)];
    /// pipeline.render(inputs, &mut renderer, &mut out, &mut |_| {});
    /// renderer.finish(&mut out)?;
    /// assert_eq!(String::from_utf8(out)?, "LICENSES UNKNOWN - no license records\n");
    /// assert_eq!(renderer.nagios_code(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn render(
        &self,
        inputs: impl IntoIterator<Item = Input>,
        renderer: &mut Renderer,
        out: &mut dyn Write,
        done: &mut dyn FnMut(InputOutcome<'_>),
    ) {
        for mut input in inputs {
            let (records, result) =
                self.selected(&mut input, &mut |record| renderer.record(out, &record));
            if let Some(why) = input.missing_part() {
                renderer.missing_part(&format!("{}: {why}", input.name()));
            }
            match &result {
                Ok(()) => renderer.end_input(None),
                Err(e) => renderer.end_input(Some(&e.to_string())),
            }
            done(InputOutcome {
                input: &input,
                records,
                error: result.err(),
            });
        }
    }

    /// [`each_record`](Pipeline::each_record) with the selection: the records taken, and the
    /// input's outcome.
    fn selected(
        &self,
        input: &mut Input,
        visit: &mut dyn FnMut(LicenseRecord) -> Result<(), Refusal>,
    ) -> (usize, Result<(), InputError>) {
        let mut records = 0usize;
        let result = self.each_record(input, &mut |record| {
            if self.selection.takes(&record) {
                visit(record)?;
                records += 1;
            }
            Ok(())
        });
        (records, result)
    }

    /// Opens an input and reads what is needed to choose how to decode it.
    fn open(
        &self,
        input: &mut Input,
        source: SourceHint,
        stream: bool,
    ) -> Result<Body, InputError> {
        let name = input.name().to_owned();
        let io_failure = |e: io::Error| InputError::io(&name, &e);
        let (reader, size) = input.open().map_err(io_failure)?;
        let peeked = input::peek(reader).map_err(io_failure)?;
        let xml = looks_like_xml(&peeked.head);
        if !peeked.complete {
            if stream && xml && matches!(source, SourceHint::Auto | SourceHint::CiscoPrime) {
                return Ok(Body::XmlStream(peeked.reader));
            }
            // Neither JSON nor XML starts here (zero bytes, a binary file): the error is in the
            // first bytes, and the rest need not be read. Errors near the cut could be the
            // cut's, so only one well before it is taken.
            let first = peeked
                .head
                .iter()
                .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
            if !xml
                && first != Some(&b'{')
                && first != Some(&0xEF)
                && let Err(e) = decode(&peeked.head, source)
                && !matches!(e.kind(), ErrorKind::Eof | ErrorKind::LimitExceeded)
                && e.offset().is_some_and(|o| o < 1024)
            {
                return Err(InputError::decoding(&name, e));
            }
        }
        input::read_whole(peeked.reader, size, self.limits.max_document_size)
            .map(Body::Whole)
            .map_err(|m| InputError::new(&name, InputErrorKind::TooLarge, m))
    }
}

/// Evaluates the Prime records a streaming decoder yields and hands them to `take`; `origin` is
/// the label already chosen (the envelope's `rootUrl`, else the input's).
fn each_prime<'a>(
    records: impl Iterator<Item = Result<LicenseInfo<'a>, Error>>,
    origin: Option<&str>,
    policy: &Policy,
    take: &mut dyn FnMut(LicenseRecord) -> Result<(), Refusal>,
    fail: &dyn Fn(Error) -> InputError,
    refused: &dyn Fn(Refusal) -> InputError,
) -> Result<(), InputError> {
    for record in records {
        let record = record.map_err(fail)?;
        take(from_cisco_prime_record(record, origin, policy)).map_err(refused)?;
    }
    Ok(())
}

fn prime_json(bytes: &[u8]) -> Result<JsonRecords<'_, LicenseInfo<'_>>, Error> {
    JsonRecords::new(bytes, &Limits::default())
}

/// An input's content: streamed Prime XML, or a whole document.
enum Body {
    XmlStream(io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + Send>>),
    Whole(Vec<u8>),
}

/// Why an input failed: its name, where in it (line and column, for decoding errors), and why.
///
/// `Display` writes the error line of the command without its `licscope: error: ` prefix:
/// `NAME:LINE:COL: MESSAGE` or `NAME: MESSAGE`, with control characters escaped.
#[derive(Debug)]
pub struct InputError {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    input: String,
    kind: InputErrorKind,
    message: String,
    decoding: Option<Error>,
}

/// What kind of failure an [`InputError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// The input could not be opened or read (I/O, a failed fetch, a deadline).
    Read,
    /// The input is over a byte limit.
    TooLarge,
    /// The payload does not decode, or is not license data (a vendor's error document).
    Decode,
    /// A record was refused: by the renderer (two Prometheus series with the same labels) or
    /// because writing it failed.
    Refused,
    /// A payload of an API this version cannot evaluate.
    Unsupported,
}

impl InputError {
    pub(crate) fn new(input: &str, kind: InputErrorKind, message: impl Into<String>) -> InputError {
        InputError {
            inner: Box::new(Inner {
                input: input.to_owned(),
                kind,
                message: message.into(),
                decoding: None,
            }),
        }
    }

    fn io(input: &str, e: &io::Error) -> InputError {
        InputError::new(input, InputErrorKind::Read, escape::text(&e.to_string()))
    }

    fn decoding(input: &str, e: Error) -> InputError {
        let mut error = InputError::new(input, InputErrorKind::Decode, e.message());
        error.inner.decoding = Some(e);
        error
    }

    fn refused(input: &str, r: Refusal) -> InputError {
        let message = match r {
            Refusal::Input(message) => escape::text(&message),
            Refusal::Write(e) => escape::text(&e.to_string()),
        };
        InputError::new(input, InputErrorKind::Refused, message)
    }

    /// The input's name.
    pub fn input(&self) -> &str {
        &self.inner.input
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> InputErrorKind {
        self.inner.kind
    }

    /// Why, without the input's name and position.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The 1-based line and column of a decoding error, when it has a position.
    pub fn location(&self) -> Option<(u64, u64)> {
        let e = self.inner.decoding.as_ref()?;
        Some((e.line()?, e.column()?))
    }

    /// The decoder's error, with its kind, byte offset and field path.
    pub fn decoding_error(&self) -> Option<&Error> {
        self.inner.decoding.as_ref()
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location() {
            Some((line, column)) => {
                write!(f, "{}:{line}:{column}: {}", self.input(), self.message())
            }
            None => write!(f, "{}: {}", self.input(), self.message()),
        }
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .decoding
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
