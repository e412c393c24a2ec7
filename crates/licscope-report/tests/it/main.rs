//! Integration tests of the pipeline: the whole fixture corpus rendered through the library
//! matches the command's snapshots in `fixtures/cli/corpus/` byte for byte (recorded by the
//! command before the pipeline moved here; `licscope-cli`'s tests hold the command to the same
//! files).

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::io::Write as _;

use licscope_normalize::Policy;
use licscope_report::render::JsonArray;
use licscope_report::{Format, Input, Pipeline, Renderer, input};

/// What the command prints for one run, as the library makes it.
struct Run {
    stdout: Vec<u8>,
    stderr: String,
    code: u8,
}

#[derive(Clone, Copy)]
enum Mode {
    Normalize(Format),
    Check { every: bool },
    Decode,
}

fn policy() -> Policy {
    Policy::new(licscope_syntax::parse_rfc3339("2026-11-23T12:00:00Z").unwrap())
}

/// Renders `inputs` as `licscope normalize`, `check` or `decode` does with default options.
fn run(mode: Mode, inputs: Vec<Input>) -> Run {
    let pipeline = Pipeline::new(policy());
    let mut stdout = Vec::new();
    let mut stderr = String::new();
    let format = match mode {
        Mode::Decode => {
            let mut array = JsonArray::default();
            let mut failed = false;
            for mut input in inputs {
                match pipeline.decode(&mut input) {
                    Ok(entry) => array.item(&mut stdout, &entry).unwrap(),
                    Err(e) => {
                        stderr.push_str(&format!("licscope: error: {e}\n"));
                        failed = true;
                    }
                }
            }
            array.close(&mut stdout).unwrap();
            return Run {
                stdout,
                stderr,
                code: u8::from(failed),
            };
        }
        Mode::Normalize(format) => format,
        Mode::Check { .. } => Format::Nagios,
    };
    let mut renderer = Renderer::new(format, pipeline.policy());
    if let (Mode::Check { every: true }, Renderer::Nagios(n)) = (mode, &mut renderer) {
        n.show_every_record();
    }
    let streams = renderer.streams();
    let mut failed = false;
    pipeline.render(inputs, &mut renderer, &mut stdout, &mut |outcome| {
        if let Some(e) = outcome.error {
            failed = true;
            if !matches!(mode, Mode::Check { .. }) {
                let n = outcome.records;
                let mut line = format!("licscope: error: {e}");
                if streams && n > 0 {
                    let s = if n == 1 { "" } else { "s" };
                    line.push_str(&format!(" ({n} record{s} of it written before)"));
                }
                stderr.push_str(&line);
                stderr.push('\n');
            }
        }
    });
    renderer.finish(&mut stdout).unwrap();
    let code = match mode {
        Mode::Check { .. } => renderer.nagios_code(),
        _ => u8::from(failed),
    };
    Run {
        stdout,
        stderr,
        code,
    }
}

/// One snapshot entry, as `licscope-cli`'s corpus test writes it.
fn entry(title: &str, run: &Run) -> String {
    let stdout = String::from_utf8(run.stdout.clone()).unwrap();
    let stdout: String = stdout
        .split_inclusive('\n')
        .map(|line| {
            if line.starts_with("licscope_last_run_timestamp_seconds ") {
                "licscope_last_run_timestamp_seconds (the time of the run)\n"
            } else {
                line
            }
        })
        .collect();
    let mut out = format!("### {title}: exit {}\n{stdout}", run.code);
    if !run.stderr.is_empty() {
        out.push_str("### stderr\n");
        out.push_str(&run.stderr);
    }
    out
}

/// A fixture input named as the command names it when run from the repository's root.
fn fixture(relative: &str) -> Input {
    Input::path(licscope_fixtures::root().join(relative)).with_name(format!("fixtures/{relative}"))
}

#[test]
fn the_corpus_renders_through_the_library_as_the_command_rendered_it() {
    let modes = [
        ("normalize.json.txt", Mode::Normalize(Format::Json)),
        ("normalize.ndjson.txt", Mode::Normalize(Format::Ndjson)),
        ("normalize.table.txt", Mode::Normalize(Format::Table)),
        (
            "normalize.prometheus.txt",
            Mode::Normalize(Format::Prometheus),
        ),
        ("check.txt", Mode::Check { every: false }),
        ("check-v.txt", Mode::Check { every: true }),
        ("decode.txt", Mode::Decode),
    ];
    let corpus = licscope_fixtures::inputs();
    let root = licscope_fixtures::root();
    let mut folders: Vec<&str> = corpus
        .iter()
        .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    folders.dedup();
    for (file, mode) in modes {
        let mut got = String::new();
        for relative in &corpus {
            let title = format!("fixtures/{relative}");
            got.push_str(&entry(&title, &run(mode, vec![fixture(relative)])));
        }
        // Every folder in one run, its inputs named as the command names them.
        let prefix = root.to_string_lossy().into_owned();
        let inputs: Vec<Input> =
            input::expand(&folders.iter().map(|f| root.join(f)).collect::<Vec<_>>())
                .into_iter()
                .map(|i| {
                    let name = i.name().replacen(&prefix, "fixtures", 1);
                    i.with_name(name)
                })
                .collect();
        let title: Vec<String> = folders.iter().map(|f| format!("fixtures/{f}")).collect();
        got.push_str(&entry(&title.join(" "), &run(mode, inputs)));
        let path = root.join("cli/corpus").join(file);
        let want =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            let (g, w): (Vec<&str>, Vec<&str>) = (
                got.split("\n### ").collect(),
                want.split("\n### ").collect(),
            );
            let first = g
                .iter()
                .zip(&w)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("got:\n{a}\nwant:\n{b}"))
                .unwrap_or_else(|| format!("{} entries, want {}", g.len(), w.len()));
            let _ = std::io::stderr().write_all(first.as_bytes());
            panic!("{file}: the library's output differs from the command's snapshot (above)");
        }
    }
}

/// NDJSON through the renderer, one record.
fn ndjson(record: &licscope_normalize::LicenseRecord) -> Vec<u8> {
    let mut renderer = Renderer::new(Format::Ndjson, &policy());
    let mut out = Vec::new();
    renderer.record(&mut out, record).unwrap();
    out
}

#[test]
fn ndjson_lines_are_serde_json_s_bytes_for_every_record_of_the_corpus() {
    let pipeline = Pipeline::new(policy());
    let mut seen = 0;
    for relative in licscope_fixtures::inputs() {
        let _ = pipeline.each_record(&mut fixture(&relative), &mut |record| {
            let mut want = serde_json::to_vec(&record).unwrap();
            want.push(b'\n');
            assert_eq!(
                String::from_utf8(ndjson(&record)).unwrap(),
                String::from_utf8(want).unwrap(),
                "{relative}"
            );
            seen += 1;
            Ok(())
        });
    }
    assert!(seen > 100, "{seen} records");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Prime records with any names, counts, statuses, origins and instants: the renderer's
    /// NDJSON line is serde_json's.
    #[test]
    fn ndjson_lines_are_serde_json_s_bytes_for_any_prime_record(
        name in proptest::option::of("\\PC*|[\"\\\\\\x00-\\x1f\\x7f\u{2028}é]{0,8}"),
        status in proptest::option::of("LICENSED|NOT_LICENSED|EXCEEDED|\\PC{0,6}"),
        days in proptest::option::of(proptest::num::i32::ANY),
        used in proptest::option::of(proptest::num::i32::ANY),
        remaining in proptest::option::of(proptest::num::i32::ANY),
        origin in proptest::option::of("\\PC{0,12}|\\x00\\n\""),
        seconds in -62_135_596_800_i64..253_402_300_799,
        nanos in 0_u32..1_000_000_000,
    ) {
        let json = serde_json::json!({
            "name": name, "status": status, "daysToExpire": days,
            "deviceCountUsed": used, "deviceCountRemaining": remaining,
        });
        let text = json.to_string();
        let info: licscope_prime::LicenseInfo<'_> =
            licscope_prime::decode_json_record(text.as_bytes(), &licscope_syntax::Limits::default())
                .unwrap();
        let info = info.into_owned();
        let as_of = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
            + time::Duration::nanoseconds(i64::from(nanos));
        let record = licscope_normalize::from_cisco_prime_record(
            info,
            origin.as_deref(),
            &Policy::new(as_of),
        );
        let mut want = serde_json::to_vec(&record).unwrap();
        want.push(b'\n');
        proptest::prop_assert_eq!(ndjson(&record), want);
    }
}

#[test]
fn errors_are_std_errors_that_cross_threads() {
    fn check<E: std::error::Error + Send + Sync + 'static>() {}
    check::<licscope_report::InputError>();
    check::<licscope_report::fetched::FetchFailure>();
    fn sendable<T: Send>() {}
    sendable::<Input>();
    sendable::<Renderer>();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any bytes, as any source: records or one error naming the input, never a panic; and
    /// every renderer takes what came.
    #[test]
    fn any_bytes_give_records_or_an_error_naming_the_input(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        prefix in "|<mgmtResponse>|\\{\"mgmtResponse\":\\{\"licenseInfoDTO\":\\[|\\{\"licenseMode\":",
        source in 0..3u8,
    ) {
        let mut input_bytes = prefix.into_bytes();
        input_bytes.extend_from_slice(&bytes);
        let source = [
            licscope_normalize::SourceHint::Auto,
            licscope_normalize::SourceHint::Automation360,
            licscope_normalize::SourceHint::CiscoPrime,
        ][usize::from(source)];
        for format in [Format::Json, Format::Ndjson, Format::Table, Format::Prometheus, Format::Nagios] {
            let pipeline = Pipeline::new(policy()).with_source(source);
            let mut renderer = Renderer::new(format, pipeline.policy());
            let mut out = Vec::new();
            let input = Input::reader("fuzzed", std::io::Cursor::new(input_bytes.clone()), None);
            let mut errors = Vec::new();
            pipeline.render([input], &mut renderer, &mut out, &mut |outcome| {
                errors.extend(outcome.error.map(|e| e.to_string()));
            });
            renderer.finish(&mut out).unwrap();
            proptest::prop_assert!(errors.iter().all(|e| e.starts_with("fuzzed")), "{errors:?}");
            proptest::prop_assert!(std::str::from_utf8(&out).is_ok());
        }
    }
}

/// Every record has a perfdata entry, a seat record without usage too (`'LABEL used'=U`): a
/// fuzz finding (fuzz/corpus-render/fuzz-seat-without-usage.ndjson), where the entry was empty
/// and the perfdata held two spaces running.
#[test]
fn a_seat_record_without_usage_has_an_unknown_usage_entry() {
    let text = std::fs::read_to_string(
        licscope_fixtures::root().join("../fuzz/corpus-render/fuzz-seat-without-usage.ndjson"),
    )
    .unwrap();
    let batch = licscope_report::render::parse_batch(&text).expect("the corpus format");
    let out = licscope_report::render::render_batch(&batch, Format::Nagios, &policy());
    let text = String::from_utf8(out.output).unwrap();
    let perfdata = text.lines().next().unwrap().split_once(" | ").unwrap().1;
    assert!(
        !perfdata.contains("  ") && !perfdata.ends_with(' '),
        "{perfdata}"
    );
    assert!(
        perfdata.starts_with("'automation360:: used'=U '"),
        "{perfdata}"
    );
    assert_eq!(perfdata.matches("'=").count(), 3, "{perfdata}");
}
