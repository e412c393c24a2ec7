//! Every output format on the same mixed batch, against hand-written expected output.

use serde_json::Value;

use crate::{AS_OF, INPUTS, expected, licscope};

fn normalize(format: &str) -> crate::Run {
    let mut args = vec!["normalize", AS_OF, "--format", format];
    args.extend(INPUTS);
    licscope(&args, b"")
}

#[test]
fn json_is_one_array_in_argument_order_and_the_bad_input_is_reported() {
    let run = normalize("json");
    let got: Value = serde_json::from_str(&run.stdout).unwrap();
    let want: Value = serde_json::from_str(&expected("normalize.json")).unwrap();
    assert_eq!(got, want);
    assert_eq!(run.stderr, expected("stderr.txt"));
    assert_eq!(run.code, 1);
}

#[test]
fn ndjson_is_one_record_per_line() {
    let run = normalize("ndjson");
    let got: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want: Vec<Value> = expected("normalize.ndjson")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got, want);
    assert_eq!(run.code, 1);
}

#[test]
fn table_is_aligned_and_worst_first() {
    let run = normalize("table");
    assert_eq!(run.stdout, expected("normalize.table.txt"));
    assert_eq!(run.code, 1);
}

#[test]
fn prometheus_text_matches_and_counts_the_failed_input() {
    let before = now();
    let run = normalize("prometheus");
    let after = now();
    // The run's own time and version, checked here, stand as NOW and VERSION in the file.
    let (head, stamp) = run
        .stdout
        .split_once("\nlicscope_last_run_timestamp_seconds ")
        .and_then(|(head, rest)| rest.split_once('\n').map(|(v, tail)| (head, (v, tail))))
        .map(|(head, (v, tail))| {
            (
                format!("{head}\nlicscope_last_run_timestamp_seconds NOW\n{tail}"),
                v,
            )
        })
        .unwrap();
    let stamp: f64 = stamp.parse().unwrap();
    assert!(
        before <= stamp && stamp <= after,
        "{before} {stamp} {after}"
    );
    let want = expected("normalize.prom").replace("VERSION", env!("CARGO_PKG_VERSION"));
    assert_eq!(head, want);
    assert_eq!(run.stderr, expected("stderr.txt"));
    assert_eq!(run.code, 1);
}

#[test]
fn check_prints_the_nagios_status_perfdata_and_long_output() {
    let mut args = vec!["check", AS_OF];
    args.extend(INPUTS);
    let run = licscope(&args, b"");
    assert_eq!(run.stdout, expected("check.txt"));
    assert_eq!(run.code, 2);
}

#[test]
fn promtool_accepts_the_metrics_without_lint_warnings() {
    // promtool comes with Debian's prometheus package; .ci/run installs it.
    let Ok(promtool) = which("promtool") else {
        assert!(std::env::var_os("CI").is_none(), "CI must install promtool");
        return;
    };
    let run = normalize("prometheus");
    let said = promtool_check_metrics(&promtool, run.stdout.as_bytes());
    assert_eq!(said, Ok(()), "promtool");
}

#[test]
fn the_readmes_example_shows_the_estate_worst_first() {
    let run = licscope(
        &[
            "normalize",
            "--format",
            "table",
            "--as-of",
            "2026-12-01T00:00:00Z",
            "examples/payloads/",
        ],
        b"",
    );
    assert_eq!(run.stdout, expected("examples.table.txt"));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("licscope: error: examples/payloads/control-room-lab.json: the Control Room answered with an error"),
        "{}",
        run.stderr
    );
    // The README shows the same rows.
    let readme = std::fs::read_to_string(licscope_fixtures::root().join("../README.md")).unwrap();
    assert!(
        readme.contains(&run.stdout),
        "README.md does not show the example's output"
    );
}

/// Runs `promtool check metrics` on `text`: `Err` with what it said unless it passed silently.
pub(crate) fn promtool_check_metrics(
    promtool: &std::path::Path,
    text: &[u8],
) -> Result<(), String> {
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(text).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && said.trim().is_empty() {
        Ok(())
    } else {
        Err(said)
    }
}

/// The renderers' seed corpus: normalized records with hostile names, origins and messages.
fn render_corpus() -> Vec<(String, String)> {
    let dir = licscope_fixtures::root().join("../fuzz/corpus-render");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn promtool_accepts_the_renderings_of_the_hostile_corpus() {
    use licscope::report::render::{Format, parse_batch, render_batch};
    let Ok(promtool) = which("promtool") else {
        assert!(std::env::var_os("CI").is_none(), "CI must install promtool");
        return;
    };
    let as_of = licscope::parse_rfc3339("2026-11-23T12:00:00Z").unwrap();
    let policy = licscope::normalize::Policy::new(as_of);
    let corpus = render_corpus();
    let mut rendered = 0;
    for (name, text) in &corpus {
        let batch = parse_batch(text).unwrap_or_else(|| panic!("{name}: not a batch"));
        let out = render_batch(&batch, Format::Prometheus, &policy);
        if let Err(said) = promtool_check_metrics(&promtool, &out.output) {
            panic!(
                "{name}: promtool: {said}\n{}",
                String::from_utf8_lossy(&out.output)
            );
        }
        rendered += 1;
    }
    assert_eq!(rendered, corpus.len());
    assert!(rendered >= 18, "only {rendered} corpus files");
}

#[test]
fn the_hostile_corpus_keeps_every_formats_structure() {
    use licscope::report::render::{Format, parse_batch, render_batch};
    let as_of = licscope::parse_rfc3339("2026-11-23T12:00:00Z").unwrap();
    let policy = licscope::normalize::Policy::new(as_of);
    for (name, text) in render_corpus() {
        let batch = parse_batch(&text).unwrap();
        let table = render_batch(&batch, Format::Table, &policy);
        let table = String::from_utf8(table.output).unwrap();
        let records: usize = batch
            .iter()
            .filter(|(_, failure)| failure.is_none())
            .map(|(r, _)| r.len())
            .sum();
        let nagios = render_batch(&batch, Format::Nagios, &policy);
        let nagios = String::from_utf8(nagios.output).unwrap();
        for out in [&table, &nagios] {
            assert!(
                !out.chars().any(|c| c.is_control() && c != '\n'),
                "{name}: a control character in {out:?}"
            );
        }
        let kept = render_batch(&batch, Format::Table, &policy).kept;
        assert!(kept <= records);
        assert_eq!(table.lines().count(), 1 + kept, "{name}: {table}");
        let lines: Vec<&str> = nagios.lines().collect();
        assert!(lines[0].starts_with("LICENSES "), "{name}: {nagios}");
        assert!(lines[0].matches('|').count() <= 1, "{name}: {}", lines[0]);
        assert!(
            lines[1..]
                .iter()
                .all(|l| !l.contains('|') && !l.starts_with("LICENSES")),
            "{name}: {nagios}"
        );
    }
}

/// Now, as a Unix timestamp in seconds.
fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

pub(crate) fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}
