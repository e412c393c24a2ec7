//! TLS against loopback servers with certificates made as appliances make theirs: pinned keys,
//! the appliance's own certificate as the CA file, refusals in words, and `Client::certificate`.

use licscope_fetch::{Client, Endpoint, FetchErrorKind, Pins, Target, Trust};
use licscope_testservers::{Appliance, Identity, PASSWORD, Prime, Server, seed};

use crate::{deadline, prime_target};

fn prime_over_tls(identity: &Identity) -> Server {
    let xml = seed("prime/valid/seed-sample.xml");
    Server::https(
        identity,
        Prime::new("monitor", PASSWORD, &xml, b"{}").handler(),
    )
}

/// The server's target at `host` (resolving to 127.0.0.1) instead of its address.
fn at_host(server: &Server, host: &str, trust: Trust) -> Target {
    let url = server
        .url("/webacs/api/v3/op/info/license")
        .replace("127.0.0.1", host);
    let mut target = prime_target(server, PASSWORD);
    target.endpoint = Endpoint::parse(&url, None).unwrap();
    target.with_trust(trust)
}

fn records(client: &Client, target: &Target) -> usize {
    match client.cisco_prime(target, deadline(20)) {
        Ok(response) => response.records.len(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_pin_accepts_a_self_signed_expired_certificate_made_for_another_name() {
    let identity = Identity::appliance(Appliance::Expired {
        cn: "pi-install-name",
    });
    let server = prime_over_tls(&identity);
    let pinned = Trust::system()
        .with_pins(Pins::parse(identity.pin()).unwrap())
        .unwrap();
    assert_eq!(
        records(
            &Client::new(),
            &prime_target(&server, PASSWORD).with_trust(pinned)
        ),
        2
    );
}

#[test]
fn one_of_several_pins_is_enough() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "prime" });
    let other = Identity::appliance(Appliance::SelfSigned { cn: "prime" });
    let server = prime_over_tls(&identity);
    let pins = Pins::parse(&format!("{};{}", other.pin(), identity.pin())).unwrap();
    let target =
        prime_target(&server, PASSWORD).with_trust(Trust::system().with_pins(pins).unwrap());
    assert_eq!(records(&Client::new(), &target), 2);
}

#[test]
fn a_wrong_pin_is_refused_with_the_servers_pin_and_no_request() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "prime" });
    let other = Identity::appliance(Appliance::SelfSigned { cn: "prime" });
    let server = prime_over_tls(&identity);
    let pinned = Trust::system()
        .with_pins(Pins::parse(other.pin()).unwrap())
        .unwrap();
    let error = Client::new()
        .cisco_prime(
            &prime_target(&server, PASSWORD).with_trust(pinned),
            deadline(20),
        )
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Tls);
    let host = server.host_port();
    assert!(
        error.message().starts_with(&format!(
            "the certificate of {host} was refused: its key matches none of the pinned keys"
        )),
        "{error}"
    );
    assert!(
        error
            .message()
            .ends_with(&format!("; its key is --pinned-pubkey {}", identity.pin())),
        "{error}"
    );
    assert_eq!(error.certificate().unwrap().pin, identity.pin());
    assert!(server.requests().is_empty());
}

#[test]
fn the_appliance_certificate_as_ca_file_is_trusted_for_its_own_name_only() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "localhost" });
    let server = prime_over_tls(&identity);
    let own = Trust::from_pem(identity.ca_pem.as_bytes()).unwrap();
    assert_eq!(
        records(&Client::new(), &at_host(&server, "localhost", own.clone())),
        2
    );
    // Reached by its address, the certificate (CN=localhost, no alternative name) is not for it.
    let error = Client::new()
        .cisco_prime(
            &prime_target(&server, PASSWORD).with_trust(own.clone()),
            deadline(20),
        )
        .unwrap_err();
    assert!(
        error
            .message()
            .contains("was made for another name (no alternative name; subject CN=localhost"),
        "{error}"
    );
    // A pin and the CA file must both hold.
    let other = Identity::appliance(Appliance::SelfSigned { cn: "localhost" });
    let both = own.with_pins(Pins::parse(other.pin()).unwrap()).unwrap();
    let error = Client::new()
        .cisco_prime(&at_host(&server, "localhost", both), deadline(20))
        .unwrap_err();
    assert!(
        error.message().contains("matches none of the pinned keys"),
        "{error}"
    );
}

#[test]
fn another_hosts_certificate_as_ca_file_is_refused_in_words() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "localhost" });
    let another = Identity::appliance(Appliance::SelfSigned { cn: "localhost" });
    let server = prime_over_tls(&identity);
    let trust = Trust::from_pem(another.ca_pem.as_bytes()).unwrap();
    let error = Client::new()
        .cisco_prime(&at_host(&server, "localhost", trust), deadline(20))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Tls);
    let port = server.address().port();
    assert!(
        error.message().starts_with(&format!(
            "the certificate of localhost:{port} is not trusted: "
        )),
        "{error}"
    );
    assert!(error.message().contains("the --ca-file bundle"), "{error}");
    assert!(!error.message().contains("Other("), "a Debug dump: {error}");
    assert!(error.message().ends_with(identity.pin()), "{error}");
}

#[test]
fn an_appliance_certificate_against_the_system_store_says_what_it_is() {
    let identity = Identity::appliance(Appliance::SelfSigned { cn: "prime" });
    let server = prime_over_tls(&identity);
    let error = Client::new()
        .cisco_prime(&prime_target(&server, PASSWORD), deadline(20))
        .unwrap_err();
    // webpki refuses a CA:TRUE certificate presented as the server's own before it looks for
    // its issuer; on a machine whose store lacks it, either is said in words.
    let message = error.message();
    assert!(
        message.contains("it is a CA certificate (CA:TRUE) presented as the server's own")
            || message.contains("no CA of the system's trust store signed it"),
        "{error}"
    );
    assert!(
        message.contains("--ca-file") && message.contains("pin its key"),
        "{error}"
    );
    assert!(!message.contains("OtherError"), "a Debug dump: {error}");
}

#[test]
fn an_expired_certificate_in_the_ca_file_is_refused_with_its_date() {
    let identity = Identity::appliance(Appliance::Expired { cn: "localhost" });
    let server = prime_over_tls(&identity);
    let trust = Trust::from_pem(identity.ca_pem.as_bytes()).unwrap();
    let error = Client::new()
        .cisco_prime(&at_host(&server, "localhost", trust), deadline(20))
        .unwrap_err();
    assert!(
        error
            .message()
            .contains("expired on 2020-01-01 00:00:00 UTC: renew it on the server, or pin its key"),
        "{error}"
    );
}

#[test]
fn plain_http_on_the_tls_port_is_said_so() {
    use std::io::{Read as _, Write as _};
    // One connection, answered as an HTTP server answers bytes it cannot read.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let server = std::thread::spawn(move || {
        // At most ten seconds of waiting, so that a client that never comes fails the test.
        let started = std::time::Instant::now();
        let mut socket = loop {
            match listener.accept() {
                Ok((socket, _)) => break socket,
                Err(_) if started.elapsed() < std::time::Duration::from_secs(10) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => panic!("no connection came: {e}"),
            }
        };
        socket.set_nonblocking(false).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let _ = socket.read(&mut [0; 1024]);
        let _ = socket.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    let url = format!("https://127.0.0.1:{port}/webacs/api/v3/op/info/license");
    let endpoint = Endpoint::parse(&url, None).unwrap();
    let error = Client::new()
        .certificate(&endpoint, deadline(10))
        .unwrap_err();
    assert_eq!(error.kind(), FetchErrorKind::Tls, "{error}");
    server.join().unwrap();
    assert_eq!(
        error.message(),
        format!(
            "127.0.0.1:{port} did not answer in TLS: if it serves plain HTTP on this port, use \
             an http:// URL"
        )
    );
}

#[test]
fn the_presented_certificate_is_read_without_a_request() {
    let identity = Identity::appliance(Appliance::Expired { cn: "pi-01" });
    let server = prime_over_tls(&identity);
    let endpoint = Endpoint::parse(&server.url("/webacs/api/v3/op/info/license"), None).unwrap();
    let cert = Client::new().certificate(&endpoint, deadline(20)).unwrap();
    assert_eq!(cert.pin, identity.pin());
    assert_eq!(cert.subject, "CN=pi-01, O=Cisco Systems");
    assert_eq!(cert.issuer, cert.subject);
    assert!(cert.ca);
    assert_eq!(cert.not_after.unwrap().year(), 2020);
    assert!(cert.alt_names.is_empty());
    assert!(server.requests().is_empty());
    let plain = Endpoint::parse("http://127.0.0.1:1/webacs/api/v3/op/info/license", None).unwrap();
    assert_eq!(
        Client::new()
            .certificate(&plain, deadline(5))
            .unwrap_err()
            .kind(),
        FetchErrorKind::InvalidTarget
    );
}
