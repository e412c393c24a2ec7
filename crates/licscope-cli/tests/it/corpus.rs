//! The command's output for the whole fixture corpus, in every format, against the snapshots in
//! `fixtures/cli/corpus/` (recorded before the pipeline moved into `licscope-report`, so that the
//! move is provably a move; `licscope-report`'s tests render the same corpus through the
//! library against the same files).
//!
//! `LICSCOPE_BLESS_CORPUS=1 cargo test -p licscope-cli --test it corpus` rewrites them: only on
//! purpose, with the change reviewed in the diff.

use crate::{AS_OF, Run, licscope};

/// Each snapshot: its file name under `fixtures/cli/corpus/` and the subcommand's arguments.
const MODES: [(&str, &[&str]); 7] = [
    (
        "normalize.json.txt",
        &["normalize", "--format", "json", AS_OF],
    ),
    (
        "normalize.ndjson.txt",
        &["normalize", "--format", "ndjson", AS_OF],
    ),
    (
        "normalize.table.txt",
        &["normalize", "--format", "table", AS_OF],
    ),
    (
        "normalize.prometheus.txt",
        &["normalize", "--format", "prometheus", AS_OF],
    ),
    ("check.txt", &["check", AS_OF]),
    ("check-v.txt", &["check", "-v", AS_OF]),
    ("decode.txt", &["decode"]),
];

/// One snapshot entry: what a run printed, as the snapshot files hold it.
fn entry(title: &str, run: &Run) -> String {
    // The one value that changes with the clock.
    let stdout: String = run
        .stdout
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

/// The snapshot of one mode: every input alone, then the folders of the corpus in one run.
fn snapshot(args: &[&str]) -> String {
    let inputs = licscope_fixtures::inputs();
    let paths: Vec<String> = inputs.iter().map(|i| format!("fixtures/{i}")).collect();
    let mut entries: Vec<String> = vec![String::new(); paths.len()];
    std::thread::scope(|scope| {
        for (chunk, out) in paths.chunks(16).zip(entries.chunks_mut(16)) {
            scope.spawn(move || {
                for (path, slot) in chunk.iter().zip(out) {
                    let mut argv = args.to_vec();
                    argv.push(path);
                    *slot = entry(path, &licscope(&argv, b""));
                }
            });
        }
    });
    let mut folders: Vec<String> = paths
        .iter()
        .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir.to_owned()))
        .collect();
    folders.dedup();
    let mut argv = args.to_vec();
    argv.extend(folders.iter().map(String::as_str));
    entries.push(entry(&folders.join(" "), &licscope(&argv, b"")));
    entries.concat()
}

#[test]
fn the_corpus_renders_as_its_snapshots_in_every_format() {
    let dir = licscope_fixtures::root().join("cli/corpus");
    let bless = std::env::var_os("LICSCOPE_BLESS_CORPUS").is_some_and(|v| v == "1");
    for (file, args) in MODES {
        let got = snapshot(args);
        let path = dir.join(file);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            let split = |s: &str| s.split("\n### ").map(str::to_owned).collect::<Vec<_>>();
            let (got, want) = (split(&got), split(&want));
            let first = got
                .iter()
                .zip(&want)
                .find(|(g, w)| g != w)
                .map(|(g, w)| format!("got:\n{g}\nwant:\n{w}"))
                .unwrap_or_else(|| format!("{} entries, want {}", got.len(), want.len()));
            panic!("{file}: the output differs from the snapshot; first difference:\n{first}");
        }
    }
}
