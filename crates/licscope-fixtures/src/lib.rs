//! Test support for licscope: finds and reads the cases of the shared `fixtures/` tree, so that
//! tests, benches and fuzz corpora all read the same files and none is copied into a crate.
//!
//! The case format is documented in `fixtures/README.md`. In short, each source has a `valid/`
//! folder of inputs beside `NAME.expected.json` (the decoded model, written by hand) and an
//! `invalid/` folder of inputs beside `NAME.error.txt` (the expected error).
//!
//! # Example
//!
//! ```
//! let cases = licscope_fixtures::cases("a360", licscope_fixtures::Outcome::Valid);
//! assert!(cases.iter().all(|c| c.expected.is_some()));
//! ```

#![deny(missing_docs)]
// Test support: a broken fixture tree must stop the test run loudly, with the file named.
#![allow(clippy::panic, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

/// Whether a case must decode or must fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Cases under `valid/`: each input has `NAME.expected.json`.
    Valid,
    /// Cases under `invalid/`: each input has `NAME.error.txt`.
    Invalid,
    /// Cases under `vendor-error/`: the vendor's own error document (well formed, but not the
    /// requested data); each input has `NAME.expected.json`, the decoded error document.
    VendorError,
}

/// One fixture case.
#[derive(Clone, Debug)]
pub struct Case {
    /// The input's file name without its extension.
    pub name: String,
    /// The input file.
    pub path: PathBuf,
    /// The input's bytes.
    pub input: Vec<u8>,
    /// The expected result's text: JSON for valid cases, `key: value` lines for invalid ones.
    pub expected: Option<String>,
}

/// The expected error of an invalid case, read from `NAME.error.txt`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedError {
    /// The error kind's stable name (`invalid-value`).
    pub kind: String,
    /// The 1-based line, or `None` for errors without a position.
    pub line: Option<u64>,
    /// The 1-based column, or `None` for errors without a position.
    pub column: Option<u64>,
    /// The field path, or `None` for errors about the whole document.
    pub path: Option<String>,
    /// Text the error message must contain, if given.
    pub contains: Option<String>,
}

/// The `fixtures/` folder at the root of the repository.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The committed minimized fuzz corpus: `(family, file name, bytes)` for every file under
/// `fuzz/corpus-min/FAMILY/`, sorted.
///
/// # Panics
///
/// When a folder is unreadable.
pub fn fuzz_corpus() -> Vec<(String, String, Vec<u8>)> {
    let dir = root().join("../fuzz/corpus-min");
    let mut out = Vec::new();
    let Ok(targets) = fs::read_dir(&dir) else {
        return out;
    };
    for target in targets.map(|e| e.expect("directory entry").path()) {
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        for file in fs::read_dir(&target).unwrap_or_else(|e| panic!("{}: {e}", target.display())) {
            let file = file.expect("directory entry").path();
            let bytes = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let file_name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            out.push((name.clone(), file_name, bytes));
        }
    }
    out.sort();
    out
}

/// Whether `path` is a fixture input, as opposed to an expected result or documentation.
pub fn is_input(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.is_file()
        && !name.ends_with(".expected.json")
        && !name.ends_with(".records.txt")
        && !name.ends_with(".error.txt")
        && !name.ends_with(".md")
        && !name.starts_with('.')
}

/// Every input of the tree that a command or a pipeline can be given, as paths relative to
/// [`root`] (`a360/valid/details.json`), sorted: the vendor folders' inputs (valid, invalid and
/// vendor-error cases, the Automation 360 product lists' too), the HTTP bodies and the command's own inputs (`cli/inputs/`). The
/// corpus snapshots (`cli/corpus/`) are made of these.
///
/// # Panics
///
/// When a folder is unreadable.
pub fn inputs() -> Vec<String> {
    let mut out = Vec::new();
    let folders = ["a360", "prime", "a360/products"]
        .iter()
        .flat_map(|s| ["valid", "invalid", "vendor-error"].map(|o| format!("{s}/{o}")))
        .chain(["http".to_owned(), "cli/inputs".to_owned()]);
    for folder in folders {
        let Ok(entries) = fs::read_dir(root().join(&folder)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if is_input(&path) {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("UTF-8 name");
                out.push(format!("{folder}/{name}"));
            }
        }
    }
    out.sort();
    out
}

/// Every case of `source` (`a360`, `prime`) with the given outcome, sorted by file name.
///
/// # Panics
///
/// When the folder is unreadable, or an input has no expected result beside it.
pub fn cases(source: &str, outcome: Outcome) -> Vec<Case> {
    let dir = root().join(source).join(match outcome {
        Outcome::Valid => "valid",
        Outcome::Invalid => "invalid",
        Outcome::VendorError => "vendor-error",
    });
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| is_input(p))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 name");
            let name = file
                .split_once('.')
                .map_or(file, |(stem, _)| stem)
                .to_owned();
            let expected_path = dir.join(match outcome {
                Outcome::Valid | Outcome::VendorError => format!("{name}.expected.json"),
                Outcome::Invalid => format!("{name}.error.txt"),
            });
            let expected = fs::read_to_string(&expected_path)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
            Case {
                input: fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                name,
                path,
                expected: Some(expected),
            }
        })
        .collect()
}

impl ExpectedError {
    /// Compares an error's kind name, line, column, path and message with this expectation;
    /// `Err` says what differs.
    ///
    /// # Errors
    ///
    /// A description of every difference.
    pub fn check(
        &self,
        kind: &str,
        line: Option<u64>,
        column: Option<u64>,
        path: Option<&str>,
        message: &str,
    ) -> Result<(), String> {
        let got = (kind, line, column, path);
        let want = (
            self.kind.as_str(),
            self.line,
            self.column,
            self.path.as_deref(),
        );
        let mut problems = Vec::new();
        if got != want {
            problems.push(format!("got {got:?}, expected {want:?} ({message})"));
        }
        if let Some(needle) = &self.contains
            && !message.contains(needle.as_str())
        {
            problems.push(format!("{message:?} does not say {needle:?}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Case {
    /// Parses the expected error of an invalid case.
    ///
    /// # Panics
    ///
    /// When the file is not in the documented format.
    pub fn expected_error(&self) -> ExpectedError {
        let text = self.expected.as_deref().unwrap_or("");
        let mut kind = None;
        let mut line = None;
        let mut column = None;
        let mut path = None;
        let mut contains = None;
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let (key, value) = l
                .split_once(':')
                .unwrap_or_else(|| panic!("{}: not `key: value`: {l}", self.name));
            let value = value.trim();
            let optional = (value != "-").then(|| value.to_owned());
            match key.trim() {
                "kind" => kind = Some(value.to_owned()),
                "line" => line = Some(optional.map(|v| v.parse().expect("line number"))),
                "column" => column = Some(optional.map(|v| v.parse().expect("column number"))),
                "path" => path = Some(optional),
                "contains" => contains = Some(value.to_owned()),
                other => panic!("{}: unknown key {other}", self.name),
            }
        }
        let name = &self.name;
        fn need<T>(name: &str, what: &str) -> T {
            panic!("{name}: the error file lacks `{what}:`")
        }
        ExpectedError {
            kind: kind.unwrap_or_else(|| need(name, "kind")),
            line: line.unwrap_or_else(|| need(name, "line")),
            column: column.unwrap_or_else(|| need(name, "column")),
            path: path.unwrap_or_else(|| need(name, "path")),
            contains,
        }
    }
}
