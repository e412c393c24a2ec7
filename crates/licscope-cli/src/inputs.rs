//! Expanding FILE arguments and reading inputs within their byte limits.

use std::fs::{self, File};
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use crate::cli::SourceArg;
use crate::escape;
use crate::fetching::Fetched;

/// One input as named on the command line, after folders are expanded.
#[derive(Debug)]
pub(crate) struct Input {
    /// The name used in messages: the path as given (escaped), or `-`.
    pub(crate) name: String,
    /// The path, or `None` for standard input.
    pub(crate) path: Option<PathBuf>,
    /// Why a folder entry cannot be an input (a dangling symlink, a loop, no permission).
    pub(crate) unreadable: Option<io::Error>,
    /// What a fetched input has besides its name; `None` for a file or standard input.
    pub(crate) fetch: Option<Fetch>,
}

/// A fetched input's job, origin, API and answer.
#[derive(Debug)]
pub(crate) struct Fetch {
    /// Its fetch's index among the run's jobs.
    pub(crate) index: usize,
    /// The origin label of its records (the target's name, else the URL's host and port).
    pub(crate) label: Option<String>,
    /// The API its URL or its target names.
    pub(crate) source: SourceArg,
    /// Its answer, once taken from the fetches.
    pub(crate) answer: Option<Result<Fetched, String>>,
}

impl Input {
    fn new(path: Option<PathBuf>) -> Input {
        Input {
            name: path.as_deref().map_or_else(|| "-".to_owned(), escape::path),
            path,
            unreadable: None,
            fetch: None,
        }
    }

    /// An input fetched by job `index`: `name` as messages show it.
    pub(crate) fn fetched(name: String, index: usize, label: String, source: SourceArg) -> Input {
        Input {
            name,
            path: None,
            unreadable: None,
            fetch: Some(Fetch {
                index,
                label: Some(label),
                source,
                answer: None,
            }),
        }
    }

    /// Gives a fetched input its answer (a file or standard input has none to take).
    pub(crate) fn answer(&mut self, answer: Result<Fetched, String>) {
        if let Some(fetch) = &mut self.fetch {
            fetch.answer = Some(answer);
        }
    }

    /// The API to read the input as: its fetch's, else the run's.
    pub(crate) fn source(&self, run: SourceArg) -> SourceArg {
        self.fetch.as_ref().map_or(run, |f| f.source)
    }

    /// The default origin label: the file name without directory and extension.
    pub(crate) fn stem(&self) -> Option<String> {
        self.path
            .as_deref()
            .and_then(Path::file_stem)
            .map(|s| s.to_string_lossy().into_owned())
    }

    /// Opens the input: its reader and, for a regular file or a fetched answer, its size.
    pub(crate) fn open(&mut self) -> io::Result<(Box<dyn Read>, Option<u64>)> {
        if let Some(e) = &self.unreadable {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        if let Some(fetch) = &mut self.fetch {
            return match fetch.answer.take() {
                Some(Ok(f)) => Ok((Box::new(f.body), Some(f.size))),
                Some(Err(message)) => Err(io::Error::other(message)),
                None => Err(io::Error::other("not fetched")),
            };
        }
        let Some(path) = &self.path else {
            return Ok((Box::new(io::stdin().lock()), None));
        };
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

/// Expands the FILE arguments: `-` is standard input, a folder stands for its `*.json` and
/// `*.xml` files ([`is_payload`]; sorted, not recursive). An entry whose type cannot be read
/// (a dangling symlink, a symlink loop, no permission) is kept, to fail with its error.
pub(crate) fn expand(args: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(Input::new(None));
            continue;
        }
        let listed = fs::metadata(arg)
            .ok()
            .filter(fs::Metadata::is_dir)
            .and_then(|_| fs::read_dir(arg).ok());
        let Some(entries) = listed else {
            // A file, or a folder that cannot be listed: opening it reports the problem.
            out.push(Input::new(Some(arg.clone())));
            continue;
        };
        let mut found: Vec<Input> = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let mut input = Input::new(Some(arg.clone()));
                    input.unreadable = Some(e);
                    found.push(input);
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
                Ok(_) => found.push(Input::new(Some(path))),
                Err(e) => {
                    let mut input = Input::new(Some(path));
                    input.unreadable = Some(e);
                    found.push(input);
                }
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
    pub(crate) reader: io::Chain<Cursor<Vec<u8>>, Box<dyn Read>>,
}

/// How many bytes [`peek`] reads to tell XML from JSON.
const HEAD: usize = 8 << 10;

/// Reads up to [`HEAD`] bytes of `reader`.
pub(crate) fn peek(mut reader: Box<dyn Read>) -> io::Result<Peeked> {
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

/// Whether `text` matches the glob `pattern`: `*` any run of characters, `?` one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it matched up to: backtrack there.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

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

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("*", ""));
        assert!(glob_match("Data Center*", "Data Center Assurance"));
        assert!(glob_match("*Assurance", "Wireless Assurance"));
        assert!(glob_match("A?sur*e", "Assurance"));
        assert!(glob_match("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!glob_match("Data*", "Big Data"));
        assert!(!glob_match("?", ""));
        assert!(!glob_match("a*b", "a-b-c"));
        assert!(glob_match("é*", "élan"));
    }
}
