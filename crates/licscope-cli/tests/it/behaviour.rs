//! Exit codes, options, standard input, atomic output, decode and schema.

use serde_json::Value;

use crate::{AS_OF, licscope};

const EAST: &str = "fixtures/cli/inputs/control-room-east.json";
const PRIME: &str = "fixtures/cli/inputs/prime-campus.xml";

#[test]
fn usage_errors_exit_3_for_check_and_2_elsewhere() {
    let run = licscope(&["check", "--warn-days", "many", EAST], b"");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(licscope(&["check"], b"").code, 3);
    assert_eq!(
        licscope(&["check", "--as-of", "yesterday", EAST], b"").code,
        3
    );
    assert_eq!(
        licscope(&["normalize", "--format", "xml", EAST], b"").code,
        2
    );
    assert_eq!(licscope(&["normalize"], b"").code, 2);
}

#[test]
fn check_answers_unknown_on_standard_output_for_a_usage_error_and_normalize_does_not() {
    let long = "x".repeat(20_000);
    for (args, says) in [
        (
            vec!["check"],
            "required arguments were not provided: <FILE\\u{7c}URL>",
        ),
        (
            vec!["check", "--bogus", EAST],
            "unexpected argument '--bogus' found",
        ),
        (
            vec!["check", "-w", "3", "-c", "9", EAST],
            "--warn-days (3) is smaller than --crit-days (9)",
        ),
        // A value that would forge a line or perfdata stays inside the one status line.
        (
            vec!["check", "--warn-days", "1|x\nOK - forged", EAST],
            "invalid value '1\\u{7c}x OK - forged'",
        ),
        (
            vec!["check", "--warn-days", &long, EAST],
            "invalid value 'xxx",
        ),
    ] {
        let run = licscope(&args, b"");
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout.lines().count(), 1, "{args:?}: {}", run.stdout);
        assert!(
            run.stdout.starts_with("LICENSES UNKNOWN - usage error: ") && run.stdout.contains(says),
            "{args:?}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains('|'), "{}", run.stdout);
        assert!(run.stdout.len() < 1100, "{} bytes", run.stdout.len());
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = licscope(&["normalize", "--bogus", EAST], b"");
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
}

#[test]
fn help_and_version_exit_0_with_examples() {
    for sub in ["normalize", "check", "decode", "schema"] {
        let run = licscope(&[sub, "--help"], b"");
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Example"), "{sub}: {}", run.stdout);
    }
    let run = licscope(&["--version"], b"");
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, concat!("licscope ", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn all_good_inputs_exit_0_and_no_records_is_an_empty_array() {
    let run = licscope(&["normalize", AS_OF, EAST, PRIME], b"");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let run = licscope(&["normalize", AS_OF, "--feature", "nothing*", PRIME], b"");
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn standard_input_is_named_dash_and_has_no_origin() {
    let body =
        std::fs::read(licscope_fixtures::root().join("cli/inputs/control-room-east.json")).unwrap();
    let run = licscope(&["normalize", AS_OF, "--format", "ndjson", "-"], &body);
    let record: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(record["origin"], Value::Null);
    let run = licscope(&["normalize", AS_OF, "-"], b"{\"type\": 1}");
    assert!(
        run.stderr
            .starts_with("licscope: error: -:1:10: type: expected a string"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
}

#[test]
fn origins_follow_one_rule_and_tell_inputs_apart() {
    let origins = |args: &[&str], stdin: &[u8]| -> (i32, Vec<Value>) {
        let mut all = vec!["normalize", AS_OF, "--format", "ndjson"];
        all.extend(args);
        let run = licscope(&all, stdin);
        let origins = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["origin"].clone())
            .collect();
        (run.code, origins)
    };
    // Without a label: the file stem, or Prime's rootUrl.
    let (code, got) = origins(&[EAST, PRIME], b"");
    assert_eq!(code, 0);
    assert_eq!(got[0], "control-room-east");
    assert_eq!(got[1], "https://prime-campus.example.com/webacs/api/v3/op");
    // An explicit label wins, even over a rootUrl.
    let (_, got) = origins(&["--origin", "prime-campus-1", PRIME], b"");
    assert_eq!(got, vec![Value::from("prime-campus-1"); 3]);
    let (_, got) = origins(&["--origin", "cr-east", EAST], b"");
    assert_eq!(got, [Value::from("cr-east")]);
    // Standard input without a label has none.
    let body =
        std::fs::read(licscope_fixtures::root().join("cli/inputs/control-room-east.json")).unwrap();
    let (_, got) = origins(&["-"], &body);
    assert_eq!(got, [Value::Null]);
    // A label for several inputs would make them alike: a usage error.
    let run = licscope(&["normalize", "--origin", "x", EAST, PRIME], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--origin labels one input"),
        "{}",
        run.stderr
    );
    let run = licscope(&["check", "--origin", "x", "fixtures/cli/inputs/"], b"");
    assert_eq!(run.code, 3);
}

#[test]
fn feature_globs_select_and_exclude() {
    let features = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["normalize", AS_OF, "--format", "ndjson"];
        args.extend(extra);
        args.push(PRIME);
        licscope(&args, b"")
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["feature"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        features(&["--exclude-feature", "Data*"]),
        ["Assurance", "Collector"]
    );
    assert_eq!(
        features(&["--feature", "*or", "--feature", "A?surance"]),
        ["Assurance", "Collector"]
    );
    assert_eq!(
        features(&["--feature", "C*", "--exclude-feature", "*tor"]),
        Vec::<String>::new()
    );
}

#[test]
fn check_without_records_is_unknown_and_a_failed_input_counts_as_unknown() {
    let run = licscope(&["check", AS_OF, "--feature", "none", PRIME], b"");
    assert_eq!(run.code, 3);
    assert!(
        run.stdout
            .starts_with("LICENSES UNKNOWN - no license records"),
        "{}",
        run.stdout
    );
    let run = licscope(
        &[
            "check",
            AS_OF,
            "--feature",
            "Assurance",
            // Assurance uses 90 of its 100 devices: a warning by the default threshold.
            "--usage-warning",
            "95",
            PRIME,
            "fixtures/cli/inputs/broken.json",
        ],
        b"",
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.starts_with(
            "LICENSES UNKNOWN - 0 critical, 0 warning, 0 unknown, 1 ok; 1 input failed"
        ),
        "{}",
        run.stdout
    );
    let run = licscope(
        &[
            "check",
            AS_OF,
            "--feature",
            "Assurance",
            "--usage-warning=95",
            PRIME,
        ],
        b"",
    );
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("LICENSES OK - 0 critical, 0 warning, 0 unknown, 1 ok |"),
        "{}",
        run.stdout
    );
}

#[test]
fn perfdata_quotes_labels_and_writes_u_for_unknown_days() {
    let body = br#"<mgmtResponse rootUrl="o'brien"><licenseInfoDTO><name>It's</name><status>LICENSED</status></licenseInfoDTO></mgmtResponse>"#;
    let run = licscope(
        &[
            "check",
            AS_OF,
            "--warn-days",
            "45",
            "--crit-days",
            "14",
            "-",
        ],
        body,
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.contains(
            " | 'cisco-prime:o''brien:It''s'=U;@~:45;@~:14 'cisco-prime:o''brien:It''s used'=U\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn duplicate_series_fail_the_later_input_in_prometheus() {
    let run = licscope(
        &["normalize", AS_OF, "--format", "prometheus", PRIME, PRIME],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("duplicate series"), "{}", run.stderr);
    assert!(run.stdout.contains("licscope_inputs_failed 1\n"));
    assert_eq!(
        run.stdout.matches("feature=\"Assurance\"} 90").count(),
        1,
        "{}",
        run.stdout
    );
    // Other formats keep both.
    let run = licscope(
        &["normalize", AS_OF, "--format", "ndjson", PRIME, PRIME],
        b"",
    );
    assert_eq!((run.code, run.stdout.lines().count()), (0, 6));
}

#[test]
fn output_is_written_atomically_to_the_named_file() {
    let dir = std::env::temp_dir().join(format!("licscope-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("licscope.prom");
    std::fs::write(&target, "old\n").unwrap();
    let target_arg = target.to_str().unwrap();
    let run = licscope(
        &[
            "normalize",
            AS_OF,
            "--format",
            "prometheus",
            "--output",
            target_arg,
            EAST,
        ],
        b"",
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains("licscope_inputs_failed 0\n"), "{written}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    let missing_dir = dir.join("no/such/dir/out.json");
    let run = licscope(
        &[
            "normalize",
            AS_OF,
            "--output",
            missing_dir.to_str().unwrap(),
            EAST,
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("licscope: error: "),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn decode_prints_the_vendor_models_and_reports_vendor_errors() {
    let run = licscope(
        &[
            "decode",
            EAST,
            PRIME,
            "fixtures/prime/vendor-error/error-document.xml",
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    let docs: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(docs[0]["source"], "automation360");
    assert_eq!(docs[0]["document"]["licenseMode"], "CloudLicense");
    assert_eq!(
        docs[1]["document"]["mgmtResponse"]["licenseInfoDTO"][2]["name"],
        "Collector"
    );
    assert!(
        run.stderr
            .contains("error-document.xml: Prime answered with an errorDocument"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("HTTP 401: Authentication is required"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_vendor_field_is_what_decode_prints() {
    let decoded: Value = serde_json::from_str(&licscope(&["decode", PRIME], b"").stdout).unwrap();
    let normalized: Value =
        serde_json::from_str(&licscope(&["normalize", AS_OF, PRIME], b"").stdout).unwrap();
    for i in 0..3 {
        assert_eq!(
            normalized[i]["vendor"],
            decoded[0]["document"]["mgmtResponse"]["licenseInfoDTO"][i]
        );
    }
}

#[test]
fn schema_prints_the_record_schema() {
    let run = licscope(&["schema"], b"");
    assert_eq!(run.code, 0);
    let schema: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema, licscope::normalize::json_schema());
    // Byte for byte the committed file (schema/README.md says how to change it).
    let committed =
        std::fs::read_to_string(licscope_fixtures::root().join("../schema/license-record.v1.json"))
            .unwrap();
    assert!(
        run.stdout == committed,
        "`licscope schema` differs from schema/license-record.v1.json: see schema/README.md"
    );
}

#[test]
fn unreadable_and_unrecognised_inputs_get_one_line_each() {
    let run = licscope(
        &[
            "normalize",
            AS_OF,
            "no/such/file.json",
            "fixtures/prime/invalid/html-login-page.html",
            EAST,
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].starts_with("licscope: error: no/such/file.json: "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "licscope: error: fixtures/prime/invalid/html-login-page.html:1:1: this is an HTML page"
        ),
        "{}",
        lines[1]
    );
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn check_takes_the_plugin_options_and_no_others() {
    let run = licscope(&["check", AS_OF, "-w", "20", "-c", "16", EAST], b"");
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains(";@~:20;@~:16"), "{}", run.stdout);
    // `check` has no --format: it would do nothing.
    let run = licscope(&["check", "--format", "json", EAST], b"");
    assert_eq!(run.code, 3);
    let help = licscope(&["check", "--help"], b"").stdout;
    assert!(!help.contains("--format"), "{help}");
    assert!(
        help.contains("-w, --warn-days") && help.contains("-v, --verbose"),
        "{help}"
    );
    let run = licscope(&["check", "-V"], b"");
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout.trim(),
        concat!("licscope-check ", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn check_verbose_lists_every_record_and_traces_on_standard_error() {
    let quiet = licscope(&["check", AS_OF, "--usage-warning=95", PRIME], b"");
    assert!(!quiet.stdout.contains("\nOK: "), "{}", quiet.stdout);
    let run = licscope(&["check", AS_OF, "--usage-warning=95", "-v", PRIME], b"");
    assert!(
        run.stdout
            .contains("\nOK: cisco-prime https://prime-campus.example.com/webacs/api/v3/op Assurance: active, 200 days left\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
    let run = licscope(&["check", AS_OF, "-vv", PRIME], b"");
    assert_eq!(
        run.stderr,
        "licscope: trace: fixtures/cli/inputs/prime-campus.xml: read, 3 records taken\n"
    );
}

#[test]
fn folders_take_their_json_and_xml_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let east = licscope_fixtures::root().join("cli/inputs/control-room-east.json");
    std::fs::copy(&east, dir.path().join("east.JSON")).unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
    std::fs::write(dir.path().join("notes.md"), "# notes\n").unwrap();
    std::fs::write(dir.path().join("east.expected.json"), "{}").unwrap();
    std::fs::create_dir(dir.path().join("sub.json")).unwrap();
    for sub in ["normalize", "decode"] {
        let run = licscope(&[sub, dir.path().to_str().unwrap()], b"");
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{sub}");
    }
    let run = licscope(&["check", AS_OF, dir.path().to_str().unwrap()], b"");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("'automation360:east:control-room'=16"),
        "{}",
        run.stdout
    );
}

#[test]
fn prometheus_says_when_and_by_what_it_was_made_and_unlicensed_features_do_not_expire() {
    let run = licscope(&["normalize", AS_OF, "--format", "prometheus", PRIME], b"");
    assert!(
        run.stdout.contains(&format!(
            "\nlicscope_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\nlicscope_last_run_timestamp_seconds ")
    );
    let expiry: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("licscope_license_time_to_expiry_seconds{"))
        .collect();
    assert_eq!(expiry.len(), 2, "{expiry:?}");
    assert!(expiry.iter().all(|l| !l.contains("Data Center")));
}

#[test]
fn called_check_licscope_it_is_the_check_command() {
    // The name monitoring plugins go by: /usr/lib/nagios/plugins/check_licscope links to it.
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("check_licscope");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_licscope"), &plugin).unwrap();
    let root = licscope_fixtures::root().join("..");
    let run = |args: &[&str]| {
        std::process::Command::new(&plugin)
            .args(args)
            .current_dir(&root)
            .output()
            .unwrap()
    };
    let out = run(&[AS_OF, "--usage-warning=95", "--feature=Assurance", PRIME]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("LICENSES OK - 0 critical, 0 warning, 0 unknown, 1 ok |"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["--no-such-option"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a plugin's usage error is UNKNOWN"
    );
    let out = run(&["-V"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        concat!("licscope-check ", env!("CARGO_PKG_VERSION"))
    );
    // Any other name is the command itself.
    let other = dir.path().join("licscope-renamed");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_licscope"), &other).unwrap();
    let out = std::process::Command::new(&other)
        .arg(PRIME)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "no subcommand: a usage error");
}
