//! Instruction counts of the decoders under Callgrind (gungraun): stable from run to run, unlike
//! wall time on a shared machine, so a 3% change is a real change. Inputs of at most 10,000
//! records: the seed layout, what servers send besides (the mixed payload, references or
//! escapes in every name, record attributes, numbers as strings, Automation 360 documents with
//! unknown keys), small documents of 1, 2 and 10 records, and the stream through an 8 KiB
//! `BufReader`. Run through `benches/instructions-gate` (see the README), which compares the counts
//! with the committed baseline.

// A benchmark that fails to decode its own input must stop loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

#[path = "peers/mod.rs"]
mod peers;

use gungraun::{library_benchmark, library_benchmark_group, main};
use licscope_benches::{
    Variant, a360_document, a360_document_with_unknown_keys, prime_json, prime_json_general,
    prime_json_variant, prime_xml, prime_xml_general, prime_xml_variant,
};
use licscope_normalize::{Policy, SourceHint};

fn xml(n: usize) -> Vec<u8> {
    prime_xml(n).into_bytes()
}

fn json(n: usize) -> Vec<u8> {
    prime_json(n).into_bytes()
}

// What servers send besides the seed layout (see `Variant`), 10,000 records each.
fn xml_mixed(n: usize) -> Vec<u8> {
    prime_xml_variant(Variant::Mixed, n).into_bytes()
}

fn xml_escapes(n: usize) -> Vec<u8> {
    prime_xml_variant(Variant::EscapesEverywhere, n).into_bytes()
}

fn xml_attributes(n: usize) -> Vec<u8> {
    prime_xml_variant(Variant::RecordAttributes, n).into_bytes()
}

fn json_mixed(n: usize) -> Vec<u8> {
    prime_json_variant(Variant::Mixed, n).into_bytes()
}

fn json_escapes(n: usize) -> Vec<u8> {
    prime_json_variant(Variant::EscapesEverywhere, n).into_bytes()
}

fn json_numbers_as_strings(n: usize) -> Vec<u8> {
    prime_json_variant(Variant::NumbersAsStrings, n).into_bytes()
}

fn a360_unknown(unknown: usize) -> String {
    a360_document_with_unknown_keys(1, unknown)
}

#[library_benchmark]
#[bench::records_1(setup = xml, args = (1))]
#[bench::records_2(setup = xml, args = (2))]
#[bench::records_10(setup = xml, args = (10))]
#[bench::records_100(setup = xml, args = (100))]
#[bench::records_10000(setup = xml, args = (10_000))]
#[bench::mixed_10000(setup = xml_mixed, args = (10_000))]
#[bench::escapes_10000(setup = xml_escapes, args = (10_000))]
#[bench::attributes_10000(setup = xml_attributes, args = (10_000))]
fn prime_xml_decode(input: Vec<u8>) -> usize {
    black_box(
        licscope_prime::decode_xml(black_box(&input))
            .unwrap()
            .records
            .len(),
    )
}

// Records opening with a comment: the general, event-driven path.
#[library_benchmark]
#[bench::records_10000(setup = prime_xml_general, args = (10_000))]
fn prime_xml_general_decode(input: String) -> usize {
    black_box(
        licscope_prime::decode_xml(black_box(input.as_bytes()))
            .unwrap()
            .records
            .len(),
    )
}

// Records with an `@id` key: the general path over `JsonReader`.
#[library_benchmark]
#[bench::records_10000(setup = prime_json_general, args = (10_000))]
fn prime_json_general_decode(input: String) -> usize {
    black_box(
        licscope_prime::decode_json(black_box(input.as_bytes()))
            .unwrap()
            .records
            .len(),
    )
}

// The stream through a real 8 KiB `BufReader`, on the mixed payload.
#[library_benchmark]
#[bench::mixed_10000_bufreader_8k(setup = xml_mixed, args = (10_000))]
fn prime_xml_stream_bufreader(input: Vec<u8>) -> usize {
    let reader = std::io::BufReader::with_capacity(8 << 10, &input[..]);
    let stream =
        licscope_prime::XmlStream::<_, licscope_prime::LicenseInfo<'static>>::new(reader).unwrap();
    black_box(stream.count())
}

#[library_benchmark]
#[bench::records_10000(setup = xml, args = (10_000))]
fn prime_xml_stream(input: Vec<u8>) -> usize {
    let stream =
        licscope_prime::XmlStream::<_, licscope_prime::LicenseInfo<'static>>::new(&input[..])
            .unwrap();
    black_box(stream.count())
}

#[library_benchmark]
#[bench::records_1(setup = json, args = (1))]
#[bench::records_100(setup = json, args = (100))]
#[bench::records_10000(setup = json, args = (10_000))]
#[bench::mixed_10000(setup = json_mixed, args = (10_000))]
#[bench::escapes_10000(setup = json_escapes, args = (10_000))]
#[bench::numbers_as_strings_10000(setup = json_numbers_as_strings, args = (10_000))]
fn prime_json_decode(input: Vec<u8>) -> usize {
    black_box(
        licscope_prime::decode_json(black_box(&input))
            .unwrap()
            .records
            .len(),
    )
}

#[library_benchmark]
#[bench::document(setup = a360_document, args = (1))]
#[bench::unknown_keys_1(setup = a360_unknown, args = (1))]
#[bench::unknown_keys_5(setup = a360_unknown, args = (5))]
fn a360_decode(input: String) -> bool {
    black_box(licscope_a360::decode(black_box(input.as_bytes())).is_ok())
}

#[library_benchmark]
#[bench::records_10000(setup = xml, args = (10_000))]
fn normalize_prime_xml(input: Vec<u8>) -> usize {
    let as_of = licscope_syntax::parse_rfc3339("2026-11-23T12:00:00Z").unwrap();
    let records = licscope_normalize::normalize(
        black_box(&input),
        SourceHint::Auto,
        None,
        &Policy::new(as_of),
    );
    black_box(records.unwrap().len())
}

// The floors and the strongest peers on the headline inputs, so that the ratio table of
// benches/RESULTS.md has instruction ratios from the same run beside its wall-time ratios.
#[library_benchmark]
#[bench::records_1(setup = xml, args = (1))]
#[bench::mixed_10000(setup = xml_mixed, args = (10_000))]
fn peer_xml_floor(input: Vec<u8>) -> usize {
    black_box(peers::quick_xml_events(black_box(&input)))
}

#[library_benchmark]
#[bench::records_1(setup = xml, args = (1))]
#[bench::mixed_10000(setup = xml_mixed, args = (10_000))]
fn peer_xml_handwritten(input: Vec<u8>) -> usize {
    black_box(peers::quick_xml_handwritten(black_box(&input)).len())
}

#[library_benchmark]
#[bench::records_1(setup = json, args = (1))]
#[bench::mixed_10000(setup = json_mixed, args = (10_000))]
fn peer_json_floor(input: Vec<u8>) {
    peers::serde_json_ignored_any(black_box(&input));
}

#[library_benchmark]
#[bench::records_1(setup = json, args = (1))]
#[bench::mixed_10000(setup = json_mixed, args = (10_000))]
fn peer_json_derive(input: Vec<u8>) -> bool {
    black_box(peers::serde_derive_plain(black_box(&input)).is_some())
}

#[library_benchmark]
#[bench::document(setup = a360_document, args = (1))]
#[bench::unknown_keys_5(setup = a360_unknown, args = (5))]
fn peer_a360_derive(input: String) -> bool {
    black_box(peers::a360_derive(black_box(input.as_bytes())).2.is_some())
}

library_benchmark_group!(
    name = peers_group;
    benchmarks = peer_xml_floor, peer_xml_handwritten, peer_json_floor, peer_json_derive,
        peer_a360_derive
);

library_benchmark_group!(
    name = decoders;
    benchmarks = prime_xml_decode, prime_xml_general_decode, prime_xml_stream,
        prime_xml_stream_bufreader, prime_json_decode, prime_json_general_decode, a360_decode,
        normalize_prime_xml
);

main!(library_benchmark_groups = decoders, peers_group);
