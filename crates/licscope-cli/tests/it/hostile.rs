//! The command under hostile input: forged lines, output files, limits, output failures,
//! unreadable folder entries, and the smaller contract points of the hardening issue.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::{AS_OF, licscope};

const EAST: &str = "fixtures/cli/inputs/control-room-east.json";

/// A fresh folder for one test.
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("licscope-hostile-")
        .tempdir()
        .unwrap()
}

/// A Prime XML document with `n` records named `feature-I`, expiring in `I % 400` days.
fn prime_xml(n: usize) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?>\n<mgmtResponse rootUrl=\"https://prime.test/webacs/api/v3/op\">\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "  <licenseInfoDTO><daysToExpire>{}</daysToExpire><deviceCountRemaining>5\
             </deviceCountRemaining><deviceCountUsed>5</deviceCountUsed><name>feature-{i}</name>\
             <status>LICENSED</status></licenseInfoDTO>\n",
            i % 400
        ));
    }
    s.push_str("</mgmtResponse>\n");
    s
}

/// The lines of `check` output, asserting the Nagios structure: one status line first.
fn nagios_lines(stdout: &str) -> Vec<&str> {
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("LICENSES "), "{stdout}");
    assert!(
        lines[1..].iter().all(|l| !l.starts_with("LICENSES ")),
        "a second status line: {stdout}"
    );
    // Perfdata only after the status line's first `|`, and no `|` in long output.
    assert!(lines[0].matches('|').count() <= 1, "{}", lines[0]);
    assert!(lines[1..].iter().all(|l| !l.contains('|')), "{stdout}");
    lines
}

#[test]
fn a_vendor_message_cannot_forge_a_status_line_or_perfdata() {
    let body = br#"{"code":"X","message":"boom\nCRITICAL: injected | a=1","details":null}"#;
    let run = licscope(&["check", AS_OF, EAST, "-"], body);
    let lines = nagios_lines(&run.stdout);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("UNKNOWN: -: ")
            && l.contains("boom\\nCRITICAL: injected \\u{7c} a=1")),
        "{}",
        run.stdout
    );
    // `check` reports failures in its output only.
    assert_eq!(run.stderr, "");
    let run = licscope(&["normalize", AS_OF, "-"], body);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("boom\\nCRITICAL"), "{}", run.stderr);
}

#[test]
fn a_feature_name_cannot_forge_lines_in_check_or_table() {
    let xml = "<mgmtResponse><licenseInfoDTO><name>B&#10;LICENSES OK - fine | x=1</name>\
               <status>NOT_LICENSED</status></licenseInfoDTO></mgmtResponse>";
    let json = r#"{"mgmtResponse": {"licenseInfoDTO": [{"status": "LICENSED", "daysToExpire": 3,
                   "name": "\u001b]0;pwned\u0007\u001b[2J it's=1"}]}}"#;
    let dir = scratch();
    let (a, b) = (dir.path().join("a.xml"), dir.path().join("b.json"));
    std::fs::write(&a, xml).unwrap();
    std::fs::write(&b, json).unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let run = licscope(&["check", AS_OF, a, b], b"");
    let lines = nagios_lines(&run.stdout);
    assert_eq!(run.code, 2);
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    // Perfdata labels: quoted, `'` doubled, `=` and `|` escaped, control characters escaped.
    assert!(
        lines[0].contains("'cisco-prime:b:\\u{1b}]0;pwned\\u{7}\\u{1b}[2J it''s\\u{3d}1'=3;"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("'cisco-prime:a:B\\nLICENSES OK - fine \\u{7c} x\\u{3d}1'=U;"),
        "{}",
        lines[0]
    );
    let run = licscope(&["normalize", AS_OF, "--format", "table", a, b], b"");
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'));
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J it's=1"),
        "{}",
        run.stdout
    );
    // JSON keeps the name exactly, escaped as JSON.
    let run = licscope(&["normalize", AS_OF, "--format", "ndjson", a, b], b"");
    let first: Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["feature"], "B\nLICENSES OK - fine | x=1");
}

#[test]
fn unknown_keys_and_file_names_are_escaped_in_error_lines() {
    let dir = scratch();
    let name = dir.path().join("bad\nname.json");
    std::fs::write(&name, b"{\"mgmtResponse\": {\"a\\nb\": 1, \"a\\nb\": 2}}").unwrap();
    let run = licscope(&["normalize", name.to_str().unwrap()], b"");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("bad\\nname.json"), "{}", run.stderr);
    assert!(run.stderr.contains("a\\nb"), "{}", run.stderr);
}

#[test]
fn file_names_that_are_not_utf8_are_read_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = scratch();
    let name = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"cr-\xFF.json"));
    std::fs::write(&name, b"{\"type\": 1}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .arg("normalize")
        .arg(&name)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cr-\\xFF.json:1:10: type"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn output_follows_a_symlink_and_keeps_the_replaced_files_mode() {
    let dir = scratch();
    let real = dir.path().join("real.prom");
    std::fs::write(&real, "old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.prom");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let run = licscope(
        &[
            "normalize",
            AS_OF,
            "--format",
            "prometheus",
            "--output",
            link.to_str().unwrap(),
            EAST,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.contains("licscope_license_severity"), "{text}");
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(leftovers(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn a_new_output_file_is_readable_by_others_as_the_umask_allows() {
    let dir = scratch();
    let target = dir.path().join("new.prom");
    // The test's own umask decides; 022 is the usual one.
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" normalize --format prometheus --output \"$1\" \"$2\"")
        .arg(env!("CARGO_BIN_EXE_licscope"))
        .arg(&target)
        .arg(licscope_fixtures::root().join("cli/inputs/control-room-east.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn output_to_a_device_writes_it_in_place_and_a_folder_is_an_error() {
    let run = licscope(&["normalize", "--output", "/dev/null", EAST], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let dir = scratch();
    let run = licscope(
        &["normalize", "--output", dir.path().to_str().unwrap(), EAST],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is a folder"), "{}", run.stderr);
    let run = licscope(
        &["check", "--output", dir.path().to_str().unwrap(), EAST],
        b"",
    );
    assert_eq!(run.code, 3);
}

/// Temporary files left in `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".licscope-"))
        .collect()
}

#[test]
fn sigterm_during_the_run_leaves_no_temporary_file() {
    let dir = scratch();
    let target = dir.path().join("out.prom");
    let mut child = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(["normalize", "--format", "prometheus", "--output"])
        .arg(&target)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The temporary file exists while the command waits for standard input.
    let mut waited = 0;
    while leftovers(dir.path()).is_empty() && waited < 500 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    assert_eq!(leftovers(dir.path()).len(), 1);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stdin = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    use std::os::unix::process::ExitStatusExt as _;
    assert_eq!(
        (out.status.signal(), out.status.code()),
        (Some(15), None),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(leftovers(dir.path()), Vec::<PathBuf>::new());
    assert!(!target.exists());
}

#[test]
fn a_regular_file_over_the_document_limit_is_refused_before_reading() {
    let dir = scratch();
    let big = dir.path().join("big.json");
    let mut body = b"{\"type\": \"PURCHASED\", \"pad\": \"".to_vec();
    body.resize(4000, b'x');
    body.extend_from_slice(b"\"}");
    std::fs::write(&big, &body).unwrap();
    let run = licscope(
        &[
            "normalize",
            "--max-document-size",
            "1KiB",
            big.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the input is 4002 bytes, more than the limit of 1024 bytes"),
        "{}",
        run.stderr
    );
}

#[test]
fn standard_input_is_read_only_up_to_the_limit() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(["normalize", "--max-document-size", "1MiB", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = [b' '; 64 << 10];
        let mut sent = 0u64;
        let _ = stdin.write_all(b"{\"a\": [");
        // At most 64 MiB: the command must stop reading long before.
        while sent < 64 << 20 {
            match stdin.write(&chunk) {
                Ok(n) => sent += n as u64,
                Err(_) => break,
            }
        }
        sent
    });
    let out = child.wait_with_output().unwrap();
    let sent = writer.join().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("more than the limit of 1048576 bytes"),
        "{stderr}"
    );
    assert!(sent < 4 << 20, "{sent} bytes were read");
}

#[test]
fn zero_bytes_are_refused_at_the_first_bytes() {
    let run = licscope(&["normalize", "/dev/zero"], b"");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("licscope: error: /dev/zero:1:1: "),
        "{}",
        run.stderr
    );
}

#[test]
fn long_xml_is_streamed_within_its_own_limit() {
    let xml = prime_xml(2000);
    let run = licscope(
        &["normalize", AS_OF, "--format", "ndjson", "-"],
        xml.as_bytes(),
    );
    assert_eq!(
        (run.code, run.stdout.lines().count()),
        (0, 2000),
        "{}",
        run.stderr
    );
    let run = licscope(
        &[
            "normalize",
            AS_OF,
            "--format",
            "ndjson",
            "--max-stream-size",
            "64KiB",
            "--max-document-size",
            "1KiB",
            "-",
        ],
        xml.as_bytes(),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("longer than the limit of 65536 bytes for streamed XML"),
        "{}",
        run.stderr
    );
    // What came before the limit was written, and the error line says how much.
    let written = run.stdout.lines().count();
    assert!(written > 0 && written < 2000);
    assert!(
        run.stderr
            .contains(&format!("({written} records of it written before)")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failing_streamed_input_keeps_the_records_written_and_says_how_many() {
    let xml = prime_xml(100).replace(
        "<daysToExpire>60</daysToExpire>",
        "<daysToExpire>sixty</daysToExpire>",
    );
    let run = licscope(
        &["normalize", AS_OF, "--format", "json", "-"],
        xml.as_bytes(),
    );
    assert_eq!(run.code, 1);
    let records: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 60);
    assert!(
        run.stderr
            .contains("-:63:33: mgmtResponse.licenseInfoDTO[60].daysToExpire: expected an integer"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(60 records of it written before)"));
    // Formats that keep rows add no records of a failed input.
    let run = licscope(
        &["normalize", AS_OF, "--format", "table", "-"],
        xml.as_bytes(),
    );
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    // A JSON document is checked whole before its first record: nothing is written.
    let body = br#"{"mgmtResponse": {"licenseInfoDTO": [{"name": "a", "daysToExpire": 1},
        {"name": "c", "daysToExpire": "x"}]}}"#;
    let run = licscope(&["normalize", AS_OF, "--format", "ndjson", "-"], body);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(!run.stderr.contains("written before"), "{}", run.stderr);
}

#[test]
fn a_failed_write_to_standard_error_does_not_panic() {
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" normalize /nonexistent 2>/dev/full")
        .arg(env!("CARGO_BIN_EXE_licscope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn closed_standard_output_is_a_write_failure() {
    let root = licscope_fixtures::root().join("..");
    for (sub, code) in [("normalize", 1), ("check", 3)] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" {sub} {EAST} >&-"))
            .arg(env!("CARGO_BIN_EXE_licscope"))
            .current_dir(&root)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{sub}: {stderr}");
        assert!(
            stderr.starts_with("licscope: error: standard output: "),
            "{stderr}"
        );
    }
}

#[test]
fn a_broken_pipe_ends_the_run_quietly_with_its_status() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_licscope"))
        .args(["normalize", AS_OF, "--format", "ndjson", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let xml = prime_xml(20_000);
    let writer = std::thread::spawn(move || stdin.write_all(xml.as_bytes()));
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unreadable_folder_entries_fail_with_an_error_line() {
    let dir = scratch();
    std::fs::copy(
        licscope_fixtures::root().join("cli/inputs/control-room-east.json"),
        dir.path().join("east.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink("nowhere.json", dir.path().join("dangling.json")).unwrap();
    std::os::unix::fs::symlink("loop.json", dir.path().join("loop.json")).unwrap();
    let run = licscope(
        &[
            "normalize",
            AS_OF,
            "--format",
            "prometheus",
            dir.path().to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(run.stderr.contains("dangling.json: "), "{}", run.stderr);
    assert!(run.stderr.contains("loop.json: "), "{}", run.stderr);
    assert!(run.stdout.contains("licscope_inputs_failed 2\n"));
    assert!(run.stdout.contains("feature=\"control-room\""));
}

#[test]
fn day_windows_must_be_non_negative_and_nested() {
    let run = licscope(&["normalize", "--warn-days", "-5", EAST], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("a window is zero or more days, not -5"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("-- -5"), "{}", run.stderr);
    let run = licscope(
        &["check", "--warn-days", "5", "--crit-days", "10", EAST],
        b"",
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("--warn-days (5) is smaller than --crit-days (10)"),
        "{}",
        run.stderr
    );
    let run = licscope(
        &["normalize", "--warn-days", "5", "--crit-days", "10", EAST],
        b"",
    );
    assert_eq!(run.code, 2);
}

#[test]
fn check_output_stays_under_8_kib_and_counts_what_it_left_out() {
    let xml = prime_xml(10_000);
    let run = licscope(
        &["check", AS_OF, "-", "/nonexistent/a", "/nonexistent/b"],
        xml.as_bytes(),
    );
    assert!(run.stdout.len() < 8192, "{} bytes", run.stdout.len());
    let lines = nagios_lines(&run.stdout);
    assert_eq!(run.code, 2);
    assert!(
        lines[0].starts_with(
            "LICENSES CRITICAL - 200 critical, 575 warning, 0 unknown, 9225 ok; 2 inputs failed: \
         feature-0 expired"
        ),
        "{}",
        lines[0]
    );
    // Worst first: the expired ones lead the details.
    assert!(
        lines[1].starts_with(
            "CRITICAL: cisco-prime https://prime.test/webacs/api/v3/op feature-0: expired"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("UNKNOWN: /nonexistent/a: "))
    );
    let last = lines.last().unwrap();
    // One days entry per record shown, and its usage entry.
    let shown = lines[0].matches("'=").count() - lines[0].matches(" used'=").count();
    assert!(
        last.starts_with(&format!(
            "{} more records and 0 more failed inputs not shown",
            10_000 - shown
        )),
        "{last}"
    );
}

#[test]
fn duplicate_series_stop_an_input_at_the_second_record() {
    let mut body = String::from("{\"mgmtResponse\":{\"licenseInfoDTO\":[");
    for i in 0..1000 {
        body.push_str(if i == 0 { "{}" } else { ",{}" });
    }
    body.push_str("]}}");
    let run = licscope(
        &["normalize", "--format", "prometheus", "-"],
        body.as_bytes(),
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("duplicate series"), "{}", run.stderr);
    assert!(run.stdout.contains("licscope_inputs_failed 1\n"));
    assert!(!run.stdout.contains("licscope_license_severity{"));
}
