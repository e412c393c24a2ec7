//! The targets file reader: every key, the durations, the errors that name the line.

use licscope_cli::targets::{parse, parse_duration};

#[test]
fn durations_as_prometheus_writes_them() {
    for (text, ms) in [
        ("90s", Some(90_000)),
        ("5m", Some(300_000)),
        ("1h30m", Some(5_400_000)),
        ("2d", Some(172_800_000)),
        ("500ms", Some(500)),
        ("1m30s500ms", Some(90_500)),
        ("0s", None),
        ("30", None),
        ("m", None),
        ("5m1h", None),
        ("1s1s", None),
        ("1.5s", None),
        ("-1s", None),
        ("400d", None),
        ("", None),
    ] {
        assert_eq!(parse_duration(text).map(|d| d.as_millis()), ms, "{text}");
    }
}
use std::path::Path;
use std::time::Duration;

#[test]
fn a_full_file_with_the_exporters_keys_ignored() {
    let text = r#"
[serve]
listen = "127.0.0.1:9841"
min_interval = "5m"
usage_warning = 85

[[target]]
name = "prime-east"
url = "https://prime-east.example.net/webacs/api/v3/op/info/license"
source = "cisco-prime"
user = "monitor"
password_file = "prime-east.secret"
ca_file = "/etc/ssl/corp-ca.pem"
pinned_pubkey = "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
insecure = false
timeout = 20
min_interval = 600

[[target]]
name = "cr-prod"
url = "https://cr.example.net"
source = "automation360"
api_key_file = "keys/cr.key"
timeout = 2.5
usage_warning = "80%"
usage_critical = 95
"#;
    let file = parse(text, Path::new("/etc/licscope")).expect("valid");
    assert_eq!(
        file.serve.listen,
        Some("127.0.0.1:9841".parse().expect("an address"))
    );
    assert_eq!(file.serve.min_interval, Some(Duration::from_secs(300)));
    assert_eq!(file.targets[0].min_interval, Some(Duration::from_secs(600)));
    assert_eq!(
        (file.serve.usage.warning, file.serve.usage.critical),
        (Some(85), None)
    );
    assert_eq!(
        (
            file.targets[1].usage.warning,
            file.targets[1].usage.critical
        ),
        (Some(80), Some(95))
    );
    assert_eq!(file.targets[0].usage.warning, None);
    let specs = file.targets;
    assert_eq!(specs.len(), 2);
    assert_eq!(specs[0].name, "prime-east");
    assert_eq!(specs[0].line, 9);
    assert_eq!(
        specs[0].password_file.as_deref(),
        Some(Path::new("/etc/licscope/prime-east.secret"))
    );
    assert_eq!(
        specs[0].ca_file.as_deref(),
        Some(Path::new("/etc/ssl/corp-ca.pem"))
    );
    assert_eq!(specs[0].timeout, Some(Duration::from_secs(20)));
    assert_eq!(
        specs[0]
            .pinned_pubkey
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(
            "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\
             sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        )
    );
    assert!(specs[1].pinned_pubkey.is_none());
    assert_eq!(
        specs[1].api_key_file.as_deref(),
        Some(Path::new("/etc/licscope/keys/cr.key"))
    );
    assert_eq!(specs[1].timeout, Some(Duration::from_millis(2500)));
    assert!(!specs[1].insecure);
}

#[test]
fn errors_name_their_line() {
    for (text, line, says) in [
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\npasword_file = \"p\"\n",
            4,
            "unknown field `pasword_file`",
        ),
        ("[[target]]\nname = \"a\"\n", 1, "missing field `url`"),
        (
            "[[target]]\nurl = \"http://x\"\n",
            1,
            "missing field `name`",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\n\n[[target]]\nname = \"a\"\nurl = \"http://y\"\n",
            6,
            "used twice (first at line 2)",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\ntimeout = -1\n",
            4,
            "above 0",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\ntimeout = \"20s\"\n",
            4,
            "invalid type",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\nsource = \"sap\"\n",
            4,
            "unknown source",
        ),
        ("[listen]\n", 1, "unknown field `listen`"),
        (
            "[serve]\nlisten = \"localhost\"\n",
            2,
            "IP address and port",
        ),
        (
            "[serve]\nfailure_interval = \"5 minutes\"\n",
            2,
            "a duration",
        ),
        ("[serve]\nmin_interval = 0\n", 2, "a duration"),
        ("[serve]\nscrape = 1\n", 2, "unknown field `scrape`"),
        (
            "[serve]\nusage_critical = 90\nusage_warning = 95\n",
            3,
            "usage_warning (95) is above usage_critical (90)",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\nusage_warning = 90.5\n",
            4,
            "expected a whole percentage of the limit such as 90, found \"90.5\"",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\nusage_critical = true\n",
            4,
            "found \"a TOML boolean\"",
        ),
        ("[serve]\nusage_warning = 2000\n", 2, "at most 1000 %"),
        (
            "[[target]]\nname = \"a\"\nurl = \"http://x\"\npassword_file = \"p\"\napi_key_file = \"k\"\n",
            2,
            "both",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"https://x\"\npinned_pubkey = \"sha256//abc\"\n",
            4,
            "\"sha256//abc\" is not a pin",
        ),
        (
            "[[target]]\nname = \"a\"\nurl = \"https://x\"\ninsecure = true\n\npinned_pubkey = \"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"\n",
            6,
            "both pinned_pubkey and insecure = true",
        ),
        ("[[target]\n", 1, ""),
    ] {
        let (at, message) = parse(text, Path::new(".")).expect_err(text);
        assert_eq!(at, line, "{text}: {message}");
        assert!(message.contains(says), "{text}: {message}");
    }
}
