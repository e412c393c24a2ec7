//! The shipped integrations against the command they drive: the Icinga 2 CheckCommand's
//! options are `check`'s, and the Grafana dashboard queries only series licscope exports.
//! (.ci/integrations has Icinga 2 and Nagios load them; .ci/prometheus-e2e runs every query of
//! the dashboard against a real Prometheus.)

use std::collections::BTreeSet;

use crate::licscope;

fn read(path: &str) -> String {
    std::fs::read_to_string(licscope_fixtures::root().join("..").join(path)).unwrap()
}

/// The long options of `licscope check --help`.
fn check_options() -> BTreeSet<String> {
    let help = licscope(&["check", "--help"], b"").stdout;
    help.split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_owned()
        })
        .filter(|w| help.contains(&format!("  {w}")) || help.contains(&format!(", {w}")))
        .collect()
}

#[test]
fn the_icinga_check_command_has_every_check_option_that_a_service_sets() {
    let conf = read("examples/icinga2/command.conf");
    let given: BTreeSet<String> = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"--"))
        .filter_map(|l| l.split('"').next())
        .map(|o| format!("--{o}"))
        .collect();
    let options = check_options();
    assert!(options.contains("--usage-warning"), "{options:?}");
    // What a monitoring system does not set: the clock, output files, help.
    let not_for_services = [
        "--as-of",
        "--output",
        "--help",
        "--version",
        "--max-stream-size",
    ];
    for option in &options {
        if !not_for_services.contains(&option.as_str()) {
            assert!(
                given.contains(option),
                "examples/icinga2/command.conf lacks {option}"
            );
        }
    }
    for option in &given {
        assert!(
            options.contains(option),
            "{option} is not an option of licscope check"
        );
    }
    // Secrets reach the plugin in its environment, never in its arguments.
    assert!(conf.contains("LICSCOPE_PASSWORD = \"$licscope_password$\""));
    assert!(conf.contains("LICSCOPE_API_KEY = \"$licscope_api_key$\""));
    assert!(!conf.contains("\"--password\""));
    // Every custom variable is named licscope_*.
    for var in conf.split('$').skip(1).step_by(2) {
        assert!(var.starts_with("licscope_"), "${var}$");
    }
}

#[test]
fn the_grafana_dashboard_queries_only_exported_series_through_its_variables() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("examples/grafana/licscope.json")).unwrap();
    assert!(
        dashboard["schemaVersion"].as_u64().unwrap() >= 38,
        "Grafana 10 or later"
    );
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(variables, ["datasource", "instance"]);
    // What licscope exports: the families of the exposition and the exporter's own.
    let mut exported: BTreeSet<String> = BTreeSet::new();
    let run = licscope(
        &[
            "normalize",
            "--format=prometheus",
            "fixtures/cli/inputs/prime-campus.xml",
        ],
        b"",
    );
    let exporter = read("crates/licscope-report/src/probe.rs");
    let serve = read("crates/licscope-cli/src/serve.rs");
    for text in [run.stdout.as_str(), &exporter, &serve] {
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("licscope_") {
                exported.insert(word.to_owned());
            }
        }
    }
    assert!(
        exported.contains("licscope_license_seats_used"),
        "{exported:?}"
    );
    let mut queries = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        if panel["type"] == "row" {
            continue;
        }
        let title = panel["title"].as_str().unwrap();
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "{title}");
        assert!(
            panel["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{title}"
        );
        for target in panel["targets"].as_array().unwrap() {
            assert_eq!(target["datasource"]["uid"], "${datasource}", "{title}");
            let expr = target["expr"].as_str().unwrap();
            queries += 1;
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if word.starts_with("licscope_") {
                    assert!(exported.contains(word), "{title}: {word} is not exported");
                }
            }
            // Per-server series are filtered by the server variable.
            if expr.contains("licscope_license_") || expr.contains("licscope_probe_") {
                assert!(expr.contains("instance=~\"$instance\""), "{title}: {expr}");
            }
        }
    }
    assert!(queries >= 20, "{queries} queries");
}
