//! Appliances with their own certificates: pinned keys, the appliance certificate as the CA
//! file, and `licscope pin`, against loopback servers with certificates made as appliances
//! make theirs.

use licscope_testservers::{Appliance, Identity, PASSWORD, Server, seed_prime as prime};

use crate::{AS_OF, Run, licscope_with_env};

/// A folder holding the Prime password (mode 600).
fn secret() -> (tempfile::TempDir, String) {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prime.secret");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let flag = format!("--password-file={}", file.display());
    (dir, flag)
}

/// `licscope SUBCOMMAND --user=monitor --password-file=... ARGS`.
fn run(subcommand: &str, password: &str, args: &[&str]) -> Run {
    let mut all = vec![subcommand, AS_OF, "--user=monitor", password];
    if subcommand == "normalize" {
        all.push("--format=ndjson");
    }
    all.extend_from_slice(args);
    licscope_with_env(&all, b"", &[])
}

/// The same pin with one base64 character changed: well formed, another key.
fn another(pin: &str) -> String {
    let mut other = pin.to_owned();
    let at = "sha256//".len();
    let c = if &pin[at..=at] == "A" { "B" } else { "A" };
    other.replace_range(at..=at, c);
    other
}

#[test]
fn a_pinned_key_is_trusted_whatever_the_certificate_and_a_wrong_one_is_a_failed_input() {
    // Expired, self-signed, CA:TRUE, made for a name the server is not reached by.
    let identity = Identity::appliance(Appliance::Expired { cn: "pi-install" });
    let server = Server::https(&identity, prime(&[]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    let (_dir, password) = secret();

    let pin = format!("--pinned-pubkey={}", identity.pin());
    let good = run("normalize", &password, &[&pin, &url]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert_eq!(good.stdout.lines().count(), 2, "{}", good.stdout);
    assert!(good.stderr.is_empty(), "{}", good.stderr);
    // One of several pins is enough.
    let pins = format!(
        "--pinned-pubkey={};{}",
        another(identity.pin()),
        identity.pin()
    );
    assert_eq!(run("normalize", &password, &[&pins, &url]).code, 0);
    assert_eq!(server.requests().len(), 2);

    let wrong = format!("--pinned-pubkey={}", another(identity.pin()));
    let refused = run("normalize", &password, &[&wrong, &url]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert_eq!(
        refused.stderr,
        format!(
            "licscope: error: {url}: the certificate of {} was refused: its key matches none of \
             the pinned keys (--pinned-pubkey); if the appliance's certificate was renewed with \
             a new key, check the new key on its console before pinning it; its key is \
             --pinned-pubkey {}\n",
            server.host_port(),
            identity.pin()
        )
    );
    // check: UNKNOWN, the refusal in the plugin output; -v adds how to check the pin.
    let check = run("check", &password, &["-v", &wrong, &url]);
    assert_eq!(check.code, 3, "{}", check.stdout);
    assert!(
        check.stdout.starts_with("LICENSES UNKNOWN"),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains(identity.pin()), "{}", check.stdout);
    let hint = check
        .stderr
        .lines()
        .find(|l| l.starts_with("licscope: hint: "))
        .unwrap_or_else(|| panic!("no hint in:\n{}", check.stderr));
    assert!(
        hint.contains(identity.pin()) && hint.contains("openssl dgst -sha256"),
        "{hint}"
    );
    // Without -v, no hint.
    assert!(!refused.stderr.contains("hint"));
    // Refused in the handshake: no request reached the server.
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_malformed_pin_or_a_pin_with_insecure_is_a_usage_error_before_any_connection() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "prime" });
    let server = Server::https(&identity, prime(&[]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    let (_dir, password) = secret();
    for bad in [
        "sha256//abc",
        "sha1//AAAA",
        &format!("{};md5//x", identity.pin()),
    ] {
        let flag = format!("--pinned-pubkey={bad}");
        let normalize = run("normalize", &password, &[&flag, &url]);
        assert_eq!(normalize.code, 2, "{bad}: {}", normalize.stderr);
        let named = bad.rsplit(';').next().unwrap();
        assert!(
            normalize
                .stderr
                .contains(&format!("\"{named}\" is not a pin")),
            "{bad}: {}",
            normalize.stderr
        );
        let check = run("check", &password, &[&flag, &url]);
        assert_eq!(check.code, 3, "{bad}: {}", check.stdout);
        assert!(
            check.stdout.starts_with("LICENSES UNKNOWN - usage error: ")
                && check
                    .stdout
                    .contains(&format!("\\\"{named}\\\" is not a pin"))
                    | check.stdout.contains(&format!("\"{named}\" is not a pin")),
            "{bad}: {}",
            check.stdout
        );
    }
    let pin = format!("--pinned-pubkey={}", identity.pin());
    let both = run("normalize", &password, &[&pin, "--insecure", &url]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn the_appliance_certificate_as_ca_file_is_trusted_for_its_own_name_only() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "localhost" });
    let server = Server::https(&identity, prime(&[]).handler());
    let by_name = server
        .url("/webacs/api/v3/op/info/license")
        .replace("127.0.0.1", "localhost");
    let by_address = server.url("/webacs/api/v3/op/info/license");
    let (dir, password) = secret();
    let own = dir.path().join("prime.pem");
    std::fs::write(&own, &identity.ca_pem).unwrap();
    let ca_file = format!("--ca-file={}", own.display());

    let trusted = run("normalize", &password, &[&ca_file, &by_name]);
    assert_eq!(trusted.code, 0, "{}", trusted.stderr);
    assert_eq!(trusted.stdout.lines().count(), 2);
    // The CN says localhost, not 127.0.0.1.
    let other_name = run("normalize", &password, &[&ca_file, &by_address]);
    assert_eq!(other_name.code, 1);
    assert!(
        other_name.stderr.contains(&format!(
            "the certificate of {} was made for another name (no alternative name; subject \
             CN=localhost, O=Cisco Systems)",
            server.host_port()
        )),
        "{}",
        other_name.stderr
    );
    // Another appliance's certificate as the CA file: refused, in words, with the pin.
    let stranger = Identity::appliance(Appliance::SelfSigned { cn: "localhost" });
    let theirs = dir.path().join("other.pem");
    std::fs::write(&theirs, &stranger.ca_pem).unwrap();
    let other_file = format!("--ca-file={}", theirs.display());
    let refused = run("normalize", &password, &[&other_file, &by_name]);
    assert_eq!(refused.code, 1);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is not trusted"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("Other("), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .trim_end()
            .ends_with(&format!("; its key is --pinned-pubkey {}", identity.pin())),
        "{}",
        refused.stderr
    );
    // The CA file and a pin: both must hold.
    let pin = format!("--pinned-pubkey={}", identity.pin());
    assert_eq!(
        run("normalize", &password, &[&ca_file, &pin, &by_name]).code,
        0
    );
    assert_eq!(
        run("normalize", &password, &[&other_file, &pin, &by_name]).code,
        1
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_pin_in_the_targets_file_wins_over_the_flags_and_its_errors_name_the_line() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "pi-01" });
    let server = Server::https(&identity, prime(&[]).handler());
    let url = server.url("/webacs/api/v3/op/info/license");
    let (dir, password) = secret();
    let targets = dir.path().join("targets.toml");
    std::fs::write(
        &targets,
        format!(
            "[[target]]\nname = \"pi-01\"\nurl = \"{url}\"\npinned_pubkey = \"{}\"\n",
            identity.pin()
        ),
    )
    .unwrap();
    let file = format!("--targets={}", targets.display());
    // The target's pin is its whole trust: --insecure on the command line is not used for it.
    for extra in [&[][..], &["--insecure"][..]] {
        let ok = run(
            "normalize",
            &password,
            &[&[file.as_str()][..], extra].concat(),
        );
        assert_eq!(ok.code, 0, "{}", ok.stderr);
        assert_eq!(ok.stdout.lines().count(), 2);
        assert!(!ok.stderr.contains("not verified"), "{}", ok.stderr);
    }

    std::fs::write(
        &targets,
        format!(
            "[[target]]\nname = \"pi-01\"\nurl = \"{url}\"\npinned_pubkey = \"{}\"\n",
            another(identity.pin())
        ),
    )
    .unwrap();
    let refused = run("normalize", &password, &[&file]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .starts_with("licscope: error: pi-01: the certificate of")
            && refused.stderr.trim_end().ends_with(identity.pin()),
        "{}",
        refused.stderr
    );

    std::fs::write(
        &targets,
        format!("[[target]]\nname = \"pi-01\"\nurl = \"{url}\"\n\npinned_pubkey = \"sha256//x\"\n"),
    )
    .unwrap();
    let malformed = run("normalize", &password, &[&file]);
    assert_eq!(malformed.code, 2, "{}", malformed.stderr);
    assert!(
        malformed.stderr.contains(&format!(
            "{}:5: \"sha256//x\" is not a pin",
            targets.display()
        )),
        "{}",
        malformed.stderr
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn pin_shows_the_presented_certificate_without_a_request_every_value_on_its_line() {
    let identity = Identity::appliance(Appliance::Expired {
        cn: "pi-01\nCA: no",
    });
    let server = Server::https(&identity, prime(&[]).handler());
    let shown = licscope_with_env(&["pin", &server.url("/")], b"", &[]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_eq!(
        shown.stdout,
        format!(
            "server: {}\npin: {}\nsubject: CN=pi-01\\nCA: no, O=Cisco Systems\nissuer: \
             CN=pi-01\\nCA: no, O=Cisco Systems\nnot before: 2015-01-01T00:00:00Z\nnot after: \
             2020-01-01T00:00:00Z\nalternative names: none\nCA: yes\n",
            server.host_port(),
            identity.pin()
        )
    );
    assert!(server.requests().is_empty());

    let plain = licscope_with_env(&["pin", "http://127.0.0.1:1/"], b"", &[]);
    assert_eq!(plain.code, 2, "{}", plain.stderr);
    assert!(
        plain.stderr.contains("only an https:// URL"),
        "{}",
        plain.stderr
    );
    // Nothing listens on a port just freed: no certificate, status 1.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = licscope_with_env(&["pin", &format!("https://127.0.0.1:{port}/")], b"", &[]);
    assert_eq!(closed.code, 1, "{}", closed.stderr);
    assert!(
        closed
            .stderr
            .starts_with("licscope: error: https://127.0.0.1:"),
        "{}",
        closed.stderr
    );
}
