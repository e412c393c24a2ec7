//! Reading inputs, reporting their errors, and writing outputs.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use licscope::Error;

/// One input as named on the command line, after folders are expanded.
#[derive(Debug)]
pub(crate) struct Input {
    /// The name used in messages: the path as given, or `-`.
    pub(crate) name: String,
    /// The path, or `None` for standard input.
    pub(crate) path: Option<PathBuf>,
}

impl Input {
    /// The default origin label: the file name without directory and extension.
    pub(crate) fn stem(&self) -> Option<String> {
        self.path
            .as_deref()
            .and_then(Path::file_stem)
            .map(|s| s.to_string_lossy().into_owned())
    }

    pub(crate) fn read(&self) -> io::Result<Vec<u8>> {
        match &self.path {
            Some(p) => fs::read(p),
            None => {
                let mut buf = Vec::new();
                io::stdin().lock().read_to_end(&mut buf)?;
                Ok(buf)
            }
        }
    }
}

/// Expands the FILE arguments: `-` is standard input, a folder stands for its files (sorted;
/// not recursive; the fixtures layout's expected-result files and hidden files skipped).
pub(crate) fn expand(args: &[String]) -> Vec<Input> {
    let mut out = Vec::new();
    for arg in args {
        if arg == "-" {
            out.push(Input {
                name: "-".to_owned(),
                path: None,
            });
            continue;
        }
        let path = PathBuf::from(arg);
        let listed = path
            .is_dir()
            .then(|| fs::read_dir(&path))
            .and_then(Result::ok);
        match listed {
            Some(entries) => {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && is_payload(p))
                    .collect();
                files.sort();
                out.extend(files.into_iter().map(|p| Input {
                    name: p.display().to_string(),
                    path: Some(p),
                }));
            }
            // A file, or a folder that cannot be listed: reading it reports the problem.
            None => out.push(Input {
                name: arg.clone(),
                path: Some(path),
            }),
        }
    }
    out
}

fn is_payload(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !(name.starts_with('.')
        || name.ends_with(".expected.json")
        || name.ends_with(".error.txt")
        || name.ends_with(".md"))
}

/// The error line for one failed input: `licscope: error: FILE:LINE:COL: MESSAGE`, or
/// `licscope: error: FILE: MESSAGE` when the error has no position.
pub(crate) fn error_line(name: &str, error: &Error) -> String {
    match (error.line(), error.column()) {
        (Some(line), Some(column)) => {
            format!(
                "licscope: error: {name}:{line}:{column}: {}",
                error.message()
            )
        }
        _ => format!("licscope: error: {name}: {}", error.message()),
    }
}

/// Writes `text` to `path` atomically (a temporary file beside it, then a rename), or to
/// standard output.
pub(crate) fn write_output(path: Option<&Path>, text: &str) -> io::Result<()> {
    let Some(path) = path else {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        return out.flush();
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the output path names no file")
    })?;
    let temporary = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = fs::File::create(&temporary).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    renamed
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
