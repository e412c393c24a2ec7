//! Automation 360 seats: the product list fetched beside the details with one token, read from
//! a saved file alike, its failure a missing part; the usage thresholds on the command line.

use licscope_testservers::{
    API_KEY, NEVER_SHOWN, Products, Server, seed, seed_control_room as control_room,
};

use crate::{AS_OF, Run, licscope, licscope_with_env};

const ENV: [(&str, &str); 2] = [
    ("LICSCOPE_USER", "bot-runner"),
    ("LICSCOPE_API_KEY", API_KEY),
];

fn records(run: &Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect()
}

fn features(run: &Run) -> Vec<String> {
    records(run)
        .iter()
        .map(|r| r["feature"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn assert_no_secret(run: &Run) {
    let all = format!("{}\n{}", run.stdout, run.stderr);
    for secret in NEVER_SHOWN {
        assert!(!all.contains(secret), "{secret} printed:\n{all}");
    }
}

const SEATS: [&str; 4] = [
    "Control Room: Bot Creator",
    "Control Room: Unattended Bot Runner",
    "Cognitive: Unattended Bot Runner",
    "Cognitive: Document Pages",
];

#[test]
fn a_control_rooms_base_url_gives_its_details_and_its_seats_with_one_login() {
    let server = Server::http(control_room(&[]).handler());
    let url = server.url("");
    let args = [
        "normalize",
        "--format=ndjson",
        AS_OF,
        "--source=automation360",
        "--origin=cr",
        &url,
    ];
    let run = licscope_with_env(&args, b"", &ENV);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let mut want = vec!["control-room"];
    want.extend(SEATS);
    assert_eq!(features(&run), want);
    assert!(records(&run).iter().all(|r| r["origin"] == "cr"));
    assert_no_secret(&run);
    let requests = server.requests();
    let seen: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        seen,
        [
            "POST /v2/authentication",
            "GET /v2/license/details",
            "POST /v2/license/product/list"
        ]
    );
    // The list is asked for with the details' token and an empty JSON object.
    assert_eq!(
        requests[1].header("x-authorization"),
        requests[2].header("x-authorization")
    );
    assert_eq!(requests[2].body, b"{}");
    assert_eq!(requests[2].header("content-type"), Some("application/json"));

    // A URL naming the details asks for the details alone.
    let details = server.url("/v2/license/details");
    let args = [
        "normalize",
        "--format=ndjson",
        AS_OF,
        "--origin=cr",
        &details,
    ];
    let run = licscope_with_env(&args, b"", &ENV);
    assert_eq!(
        (run.code, features(&run)),
        (0, vec!["control-room".to_owned()]),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 3 + 2);
}

#[test]
fn a_saved_product_list_gives_the_records_a_fetched_one_gives() {
    let server = Server::http(control_room(&[]).handler());
    let url = server.url("");
    let fetched = licscope_with_env(
        &[
            "normalize",
            "--format=ndjson",
            AS_OF,
            "--source=automation360",
            "--origin=cr",
            &url,
        ],
        b"",
        &ENV,
    );
    let saved = licscope(
        &["normalize", "--format=ndjson", AS_OF, "--origin=cr", "-"],
        &seed("a360/products/valid/cloud-shared.json"),
    );
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    assert_eq!(records(&fetched)[1..], records(&saved)[..]);
}

#[test]
fn a_product_list_refused_or_missing_still_reports_the_details() {
    for (products, status, why) in [
        (
            Products::Forbidden,
            403,
            "the user may not read the product list",
        ),
        (
            Products::NotFound,
            404,
            "the Control Room does not serve the product list (a release before it?)",
        ),
    ] {
        let server = Server::http(control_room(&[]).products(products).handler());
        let url = server.url("");
        let args = [
            "normalize",
            "--format=ndjson",
            AS_OF,
            "--source=automation360",
            "--origin=cr",
            &url,
        ];
        let run = licscope_with_env(&args, b"", &ENV);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(features(&run), ["control-room"]);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", run.stderr);
        assert!(
            lines[0].starts_with(&format!(
                "licscope: warning: {url}: the product list could not be fetched: {why} (HTTP {status})"
            )),
            "{}",
            lines[0]
        );
        assert_no_secret(&run);

        // check: the state is the details', and the long output says the seats are missing.
        let with = licscope_with_env(&["check", AS_OF, "--source=automation360", &url], b"", &ENV);
        let details = server.url("/v2/license/details");
        let without = licscope_with_env(&["check", AS_OF, &details], b"", &ENV);
        assert_eq!(
            with.code, without.code,
            "{}\n{}",
            with.stdout, without.stdout
        );
        let head = with.stdout.lines().next().unwrap_or_default();
        assert!(head.contains("; seats missing for 1 input"), "{head}");
        assert!(
            with.stdout.contains(&format!(
                "\nMISSING: {url}: the product list could not be fetched: {why} (HTTP {status})"
            )),
            "{}",
            with.stdout
        );
        assert_eq!(with.stderr, "");
        assert_no_secret(&with);
    }
}

#[test]
fn a_product_list_that_does_not_decode_is_a_missing_part_too() {
    let server = Server::http(
        control_room(&[])
            .products(Products::Body(
                br#"{"products": [{"features": 7}]}"#.to_vec(),
            ))
            .handler(),
    );
    let url = server.url("");
    let args = [
        "normalize",
        "--format=ndjson",
        AS_OF,
        "--source=automation360",
        &url,
    ];
    let run = licscope_with_env(&args, b"", &ENV);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(features(&run), ["control-room"]);
    assert!(
        run.stderr.starts_with(&format!(
            "licscope: warning: {url}: the product list could not be read: 1:28: products[0].features: expected an array, found a number\n"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_thresholds_judge_seats_and_devices_and_are_checked() {
    let list = seed("a360/products/valid/cloud-shared.json");
    let severities = |extra: &[&str]| {
        let mut args = vec!["normalize", "--format=ndjson", AS_OF];
        args.extend(extra);
        args.push("-");
        let run = licscope(&args, &list);
        assert_eq!(run.code, 0, "{}", run.stderr);
        records(&run)
            .iter()
            .map(|r| r["severity"].as_str().unwrap_or("?").to_owned())
            .collect::<Vec<_>>()
    };
    // 71/100, 188/200, 9/10, 120450/500000.
    assert_eq!(severities(&[]), ["ok", "warning", "warning", "ok"]);
    assert_eq!(
        severities(&["--usage-warning=70", "--usage-critical=90"]),
        ["warning", "critical", "warning", "ok"]
    );
    assert_eq!(
        severities(&["--usage-warning", "95%"]),
        ["ok", "ok", "ok", "ok"]
    );
    // Perfdata per feature: used, the thresholds as shares of the purchase, the purchase as max.
    let run = licscope(&["check", AS_OF, "--origin=cr", "-"], &list);
    assert!(
        run.stdout.contains(
            "'automation360:cr:Control Room: Unattended Bot Runner used'=188;@180:;200;0;200"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("Unattended Bot Runner'="),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    for (args, says) in [
        (
            vec!["--usage-warning=95", "--usage-critical=90"],
            "--usage-warning (95) is above --usage-critical (90)",
        ),
        (
            vec!["--usage-warning=ninety"],
            "expected a whole percentage of the limit such as 90",
        ),
        (
            vec!["--usage-critical=1001"],
            "a usage threshold is at most 1000 %",
        ),
    ] {
        let mut all = vec!["normalize", AS_OF];
        all.extend(args);
        all.push("-");
        let run = licscope(&all, &list);
        assert_eq!(run.code, 2, "{all:?}");
        assert!(run.stderr.contains(says), "{}", run.stderr);
        let mut check = all.clone();
        check[0] = "check";
        let run = licscope(&check, &list);
        assert_eq!(run.code, 3, "{check:?}: check's usage errors are UNKNOWN");
    }
}
