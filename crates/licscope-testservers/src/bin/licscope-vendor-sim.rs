//! Loopback vendor servers for end-to-end tests outside Rust (the Prometheus test of
//! `.ci/run`): a Cisco Prime server answering `examples/payloads/prime-campus.xml` and a
//! Control Room answering `examples/payloads/control-room-dr.json` (its details) and
//! `control-room-dr-seats.json` (its product list), both on `127.0.0.1`, for the users and
//! secrets of `licscope_testservers` (PRIME_USER / CONTROL_ROOM_USER, PASSWORD). Prints
//! `prime=URL control_room=URL` on one line (the Control Room's base URL: its details and its
//! seats), then serves until killed or until SECONDS (default 90, at most 120) have passed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::time::Duration;

use licscope_testservers::{
    CONTROL_ROOM_USER, ControlRoom, MAX_LIFE, PASSWORD, PRIME_USER, Prime, Products, Server,
};

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(90)
        .min(MAX_LIFE.as_secs());
    let root = licscope_fixtures::root().join("../examples/payloads");
    let read = |name: &str| std::fs::read(root.join(name)).unwrap();
    let prime = Server::http(
        Prime::new(
            PRIME_USER,
            PASSWORD,
            &read("prime-campus.xml"),
            &read("prime-branch.json"),
        )
        .handler(),
    );
    let control_room = Server::http(
        ControlRoom::new(CONTROL_ROOM_USER, &read("control-room-dr.json"))
            .password(PASSWORD)
            .products(Products::Body(read("control-room-dr-seats.json")))
            .handler(),
    );
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "prime={} control_room={}",
        prime.url("/webacs/api/v3/op/info/license"),
        control_room.url("")
    )
    .unwrap();
    out.flush().unwrap();
    drop(out);
    std::thread::sleep(Duration::from_secs(seconds));
}
