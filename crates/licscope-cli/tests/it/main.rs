//! Integration tests of the `licscope` binary: they run the real executable.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod behaviour;
mod corpus;
mod hostile;
mod integrations;
mod live;
mod outputs;
mod pins;
mod seats;
mod serve;
mod targets;

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
    licscope_with_env(args, stdin, &[])
}

/// Runs `licscope ARGS` with these environment variables set, and none of the proxy or
/// credential variables of the environment the tests run in. A run still going after 60 s is
/// killed (and fails its test).
pub(crate) fn licscope_with_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let root = licscope_fixtures::root().join("..");
    let mut command = Command::new(env!("CARGO_BIN_EXE_licscope"));
    for name in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
        "LICSCOPE_USER",
        "LICSCOPE_PASSWORD",
        "LICSCOPE_API_KEY",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command
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
    let id = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            for _ in 0..600 {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watchdog.join().unwrap();
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
