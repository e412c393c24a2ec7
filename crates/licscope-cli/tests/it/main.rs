//! Integration tests of the `licscope` binary: they run the real executable.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod behaviour;
mod hostile;
mod outputs;

use std::io::Write;
use std::process::{Command, Stdio};

/// What one run printed and how it ended.
pub(crate) struct Run {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: i32,
}

/// Runs `licscope ARGS` from the repository root, feeding `stdin`.
pub(crate) fn licscope(args: &[&str], stdin: &[u8]) -> Run {
    let root = licscope_fixtures::root().join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(args)
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Fed from a thread, so that a large input and a large output cannot block each other; a
    // command that stops reading early (a limit, an error) closes the pipe, which is fine.
    let mut pipe = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// The expected output file `fixtures/cli/NAME`.
pub(crate) fn expected(name: &str) -> String {
    std::fs::read_to_string(licscope_fixtures::root().join("cli").join(name)).unwrap()
}

/// The inputs of the CLI fixtures, in argument order: two good Automation 360 documents, a Prime
/// document with three records, and one broken input.
pub(crate) const INPUTS: [&str; 4] = [
    "fixtures/cli/inputs/control-room-east.json",
    "fixtures/cli/inputs/control-room-west.json",
    "fixtures/cli/inputs/prime-campus.xml",
    "fixtures/cli/inputs/broken.json",
];

pub(crate) const AS_OF: &str = "--as-of=2026-11-23T12:00:00Z";
