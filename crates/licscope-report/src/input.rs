//! Inputs: files, folders, standard input, readers and fetched answers, read within byte limits.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use licscope_normalize::SourceHint;

use crate::escape;

/// The byte limits of an input: what is read whole, and what Prime XML may stream.
///
/// The defaults are the command's: 256 MiB for a whole document (JSON, and XML that is not
/// streamed), 8 GiB for Prime XML read as a stream in constant memory.
///
/// ```
/// let limits = licscope_report::InputLimits::default().with_max_document_size(1 << 20);
/// assert_eq!(limits.max_document_size, 1 << 20);
/// assert_eq!(limits.max_stream_size, 8 << 30);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InputLimits {
    /// The largest input read whole, in bytes.
    pub max_document_size: u64,
    /// The largest Cisco Prime XML input, read as a stream, in bytes.
    pub max_stream_size: u64,
}

impl Default for InputLimits {
    fn default() -> InputLimits {
        InputLimits {
            max_document_size: 256 << 20,
            max_stream_size: 8 << 30,
        }
    }
}

impl InputLimits {
    /// These limits with `bytes` as the largest whole document.
    #[must_use]
    pub fn with_max_document_size(mut self, bytes: u64) -> InputLimits {
        self.max_document_size = bytes;
        self
    }

    /// These limits with `bytes` as the largest streamed Prime XML input.
    #[must_use]
    pub fn with_max_stream_size(mut self, bytes: u64) -> InputLimits {
        self.max_stream_size = bytes;
        self
    }
}

/// One input: a file, standard input, a reader (a fetched answer, a socket, a buffer), or one
/// that cannot be read and fails with its error when it is.
///
/// An input has a name for messages (a path as given, escaped; `-` for standard input), and may
/// carry the API it is known to come from and the origin label of its records.
///
/// ```
/// use licscope_report::Input;
///
/// let input = Input::reader("inline", &b"{}"[..], Some(2)).with_origin("control-room-east");
/// assert_eq!(input.name(), "inline");
/// assert_eq!(input.origin(), Some("control-room-east"));
/// let file = Input::path("saved/prime-east.xml");
/// assert_eq!(file.stem().as_deref(), Some("prime-east"));
/// ```
pub struct Input {
    name: String,
    path: Option<PathBuf>,
    source: Option<SourceHint>,
    origin: Option<String>,
    content: Content,
    /// A second document of the same input, read after this one (a Control Room's product
    /// list beside its details).
    part: Option<Box<Input>>,
    /// Why a part of the input is missing, when one is (the input itself still succeeds).
    missing: Option<String>,
}

enum Content {
    /// `path` is opened when read.
    File,
    Stdin,
    /// A reader and its size when known; taken by the first read.
    Reader(Option<(Box<dyn Read + Send>, Option<u64>)>),
    Unreadable(io::Error),
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content = match &self.content {
            Content::File => "file",
            Content::Stdin => "standard input",
            Content::Reader(Some(_)) => "reader",
            Content::Reader(None) => "reader (read)",
            Content::Unreadable(_) => "unreadable",
        };
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("source", &self.source)
            .field("origin", &self.origin)
            .field("content", &content)
            .finish()
    }
}

impl Input {
    /// The file at `path`, named by its path (control characters escaped, bytes that are not
    /// UTF-8 as `\xHH`).
    pub fn path(path: impl Into<PathBuf>) -> Input {
        let path = path.into();
        Input {
            name: escape::path(&path),
            path: Some(path),
            source: None,
            origin: None,
            content: Content::File,
            part: None,
            missing: None,
        }
    }

    /// Standard input, named `-`.
    pub fn stdin() -> Input {
        Input {
            name: "-".to_owned(),
            path: None,
            source: None,
            origin: None,
            content: Content::Stdin,
            part: None,
            missing: None,
        }
    }

    /// The bytes of `reader`, named `name`; `size`, when known, lets a document over the limit
    /// be refused before anything is read.
    pub fn reader(
        name: impl Into<String>,
        reader: impl Read + Send + 'static,
        size: Option<u64>,
    ) -> Input {
        Input {
            name: name.into(),
            path: None,
            source: None,
            origin: None,
            content: Content::Reader(Some((Box::new(reader), size))),
            part: None,
            missing: None,
        }
    }

    /// An input named `name` that fails with `error` when read (a folder entry that cannot be
    /// listed, a fetch that failed, a deadline that passed).
    pub fn unreadable(name: impl Into<String>, error: io::Error) -> Input {
        Input {
            name: name.into(),
            path: None,
            source: None,
            origin: None,
            content: Content::Unreadable(error),
            part: None,
            missing: None,
        }
    }

    /// This input, named `name` in messages.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Input {
        self.name = name.into();
        self
    }

    /// This input, read as coming from `source` rather than the pipeline's.
    #[must_use]
    pub fn with_source(mut self, source: SourceHint) -> Input {
        self.source = Some(source);
        self
    }

    /// This input, its records labelled `origin` (over a Prime document's `rootUrl` and the
    /// file name).
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> Input {
        self.origin = Some(origin.into());
        self
    }

    /// This input with a second document, read after it as part of the same input: its records
    /// follow this input's, with its name, source and origin. A part that cannot be read or
    /// decoded does not fail the input: it is [missing](Input::missing_part).
    ///
    /// ```
    /// use licscope_normalize::Policy;
    /// use licscope_report::{Input, Pipeline};
    ///
    /// let details = br#"{"type": "PURCHASED", "expirationDate": "2027-01-01T00:00:00Z"}"#;
    /// let seats = br#"{"products": [{"name": "ControlRoom", "features": [
    ///     {"name": "Runtime", "purchasedCount": 10, "usedCountByAllCr": 4}]}]}"#;
    /// let mut input = Input::reader("cr-east", &details[..], None)
    ///     .with_part(Input::reader("cr-east", &seats[..], None));
    /// let pipeline = Pipeline::new(Policy::new(licscope_syntax::parse_rfc3339("2026-11-23T00:00:00Z")?));
    /// let mut features = Vec::new();
    /// pipeline.each_record(&mut input, &mut |r| Ok(features.extend(r.feature)))?;
    /// assert_eq!(features, ["control-room", "Control Room: Unattended Bot Runner"]);
    /// assert_eq!(input.missing_part(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_part(mut self, part: Input) -> Input {
        self.part = Some(Box::new(part));
        self
    }

    /// This input, with a part that could not be had (a fetch of it failed): `why` says which
    /// and why, as [`missing_part`](Input::missing_part) will.
    #[must_use]
    pub fn with_missing_part(mut self, why: impl Into<String>) -> Input {
        self.missing = Some(why.into());
        self
    }

    /// Why a part of the input is missing (after it was read): its product list could not be
    /// fetched or decoded. The input's own records are there.
    pub fn missing_part(&self) -> Option<&str> {
        self.missing.as_deref()
    }

    /// Takes the second document, for the pipeline to read after this one.
    pub(crate) fn take_part(&mut self) -> Option<Input> {
        self.part.take().map(|p| *p)
    }

    /// Records why the second document could not be read.
    pub(crate) fn set_missing(&mut self, why: String) {
        self.missing = Some(why);
    }

    /// This input, failing with `error` when read.
    #[must_use]
    pub fn failing(mut self, error: io::Error) -> Input {
        self.content = Content::Unreadable(error);
        self
    }

    /// The name messages give the input.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's path; `None` for standard input and readers.
    pub fn file_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The API the input is known to come from, if it was given one.
    pub fn source(&self) -> Option<SourceHint> {
        self.source
    }

    /// The origin label it was given, if any.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Whether reading it fails at once (it was made unreadable).
    pub fn is_unreadable(&self) -> bool {
        matches!(self.content, Content::Unreadable(_))
    }

    /// The default origin label of a file: its name without folder and extension.
    pub fn stem(&self) -> Option<String> {
        self.path
            .as_deref()
            .and_then(Path::file_stem)
            .map(|s| s.to_string_lossy().into_owned())
    }

    /// Opens the input: its reader and, for a regular file or a reader given one, its size.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or is a folder; the input was made unreadable; a reader's
    /// input is opened a second time.
    pub fn open(&mut self) -> io::Result<(Box<dyn Read + Send>, Option<u64>)> {
        match &mut self.content {
            Content::Unreadable(e) => Err(io::Error::new(e.kind(), e.to_string())),
            Content::Reader(reader) => reader
                .take()
                .ok_or_else(|| io::Error::other("the input was read already")),
            Content::Stdin => Ok((Box::new(Stdin), None)),
            Content::File => {
                let path = self.path.as_deref().unwrap_or(Path::new(""));
                let file = File::open(path)?;
                let meta = file.metadata()?;
                if meta.is_dir() {
                    return Err(io::Error::new(
                        io::ErrorKind::IsADirectory,
                        "is a folder that cannot be listed",
                    ));
                }
                let size = meta.is_file().then_some(meta.len());
                Ok((Box::new(file), size))
            }
        }
    }
}

/// Standard input, locked for each read (a lock guard is not `Send`).
struct Stdin;

impl Read for Stdin {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::stdin().lock().read(buf)
    }
}

/// Expands the FILE arguments of a command line into inputs: `-` is standard input, a folder
/// stands for its `*.json` and `*.xml` files (any case; sorted, not recursive; hidden files and
/// the fixtures' `*.expected.json` left out). An entry whose type cannot be read (a dangling
/// symlink, a symlink loop, no permission) is kept, to fail with its error.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("licscope-expand-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("b.xml"), "")?;
/// # std::fs::write(dir.join("a.json"), "")?;
/// # std::fs::write(dir.join("notes.md"), "")?;
/// let inputs = licscope_report::input::expand(&[dir.clone(), "-".into()]);
/// let names: Vec<_> = inputs.iter().map(|i| i.file_path().and_then(|p| p.file_name())).collect();
/// assert_eq!(names, [Some("a.json".as_ref()), Some("b.xml".as_ref()), None]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn expand(args: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(Input::stdin());
            continue;
        }
        let listed = fs::metadata(arg)
            .ok()
            .filter(fs::Metadata::is_dir)
            .and_then(|_| fs::read_dir(arg).ok());
        let Some(entries) = listed else {
            // A file, or a folder that cannot be listed: opening it reports the problem.
            out.push(Input::path(arg.clone()));
            continue;
        };
        let mut found: Vec<Input> = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    found.push(Input::path(arg.clone()).failing(e));
                    continue;
                }
            };
            let path = entry.path();
            if !is_payload(&path) {
                continue;
            }
            // Follows symlinks: a dangling one or a loop fails here.
            match fs::metadata(&path) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => found.push(Input::path(path)),
                Err(e) => found.push(Input::path(path).failing(e)),
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(found);
    }
    out
}

/// Whether a folder entry is taken: a `*.json` or `*.xml` file (any case), not hidden, not a
/// fixture's expected result.
fn is_payload(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.as_encoded_bytes())
        .unwrap_or(b"");
    let ends = |suffix: &[u8]| {
        name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    !name.starts_with(b".") && (ends(b".json") || ends(b".xml")) && !ends(b".expected.json")
}

/// The first bytes of an input, and a reader that yields the whole input again.
pub(crate) struct Peeked {
    pub(crate) head: Vec<u8>,
    /// Whether `head` is the whole input.
    pub(crate) complete: bool,
    pub(crate) reader: io::Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>,
}

/// How many bytes [`peek`] reads to tell XML from JSON.
const HEAD: usize = 8 << 10;

/// Reads up to [`HEAD`] bytes of `reader`.
pub(crate) fn peek(mut reader: Box<dyn Read + Send>) -> io::Result<Peeked> {
    let mut head = Vec::with_capacity(HEAD);
    let n = (&mut reader).take(HEAD as u64).read_to_end(&mut head)?;
    Ok(Peeked {
        complete: n < HEAD,
        reader: Cursor::new(head.clone()).chain(reader),
        head,
    })
}

/// Reads a whole document of at most `max` bytes; `size` is a regular file's size, checked
/// before anything is read. A longer input is read only up to `max + 1` bytes.
pub(crate) fn read_whole(
    mut reader: impl Read,
    size: Option<u64>,
    max: u64,
) -> Result<Vec<u8>, String> {
    if let Some(size) = size
        && size > max
    {
        return Err(format!(
            "the input is {size} bytes, more than the limit of {max} bytes for a whole document \
             (--max-document-size)"
        ));
    }
    let mut bytes = Vec::with_capacity(size.map_or(HEAD, |s| s as usize + 1));
    (&mut reader)
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "the input is more than the limit of {max} bytes for a whole document \
             (--max-document-size)"
        ));
    }
    Ok(bytes)
}

/// A reader that fails once more than `max` bytes were read: the byte limit of streamed XML.
pub(crate) struct Bounded<R> {
    inner: R,
    left: u64,
    max: u64,
}

impl<R: Read> Bounded<R> {
    pub(crate) fn new(inner: R, max: u64) -> BufReader<Bounded<R>> {
        BufReader::with_capacity(
            64 << 10,
            Bounded {
                inner,
                left: max.saturating_add(1),
                max,
            },
        )
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other(format!(
                "the input is longer than the limit of {} bytes for streamed XML \
                 (--max-stream-size)",
                self.max
            )));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn folders_take_json_and_xml_files_only() {
        use std::path::Path;
        for (name, taken) in [
            ("a.json", true),
            ("b.XML", true),
            ("c.Json", true),
            ("case.expected.json", false),
            (".hidden.json", false),
            ("Cargo.toml", false),
            ("notes.md", false),
            ("case.error.txt", false),
            ("login.html", false),
            ("json", false),
        ] {
            assert_eq!(super::is_payload(Path::new(name)), taken, "{name}");
        }
    }
}
