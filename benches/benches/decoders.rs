//! licscope's decoders against their peers, in one run, on the same bytes.
//!
//! Groups (throughput in bytes): `prime_xml/N`, `prime_json/N` for N records, `a360`,
//! `a360_products`,
//! `normalize`, `fixtures`. Inputs of 1,000,000 records are skipped under `--test`.

// A benchmark that fails to decode its own input must stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use licscope_benches::{
    a360_document, prime_json, prime_json_general, prime_xml, prime_xml_general,
};
use licscope_normalize::{Policy, SourceHint};

fn sizes() -> Vec<usize> {
    let quick = std::env::args().any(|a| a == "--test");
    if quick {
        vec![1, 100, 10_000]
    } else {
        vec![1, 100, 10_000, 1_000_000]
    }
}

#[path = "peers/mod.rs"]
mod peers;

fn bench_prime_xml(c: &mut Criterion) {
    let mut group = c.benchmark_group("prime_xml");
    for n in sizes() {
        let input = prime_xml(n).into_bytes();
        group.throughput(Throughput::Bytes(input.len() as u64));
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("licscope", n), &input, |b, i| {
            b.iter(|| {
                licscope_prime::decode_xml(black_box(i))
                    .unwrap()
                    .records
                    .len()
            });
        });
        if n < 1_000_000 {
            let general = prime_xml_general(n).into_bytes();
            group.bench_with_input(BenchmarkId::new("licscope_general", n), &general, |b, i| {
                b.iter(|| {
                    licscope_prime::decode_xml(black_box(i))
                        .unwrap()
                        .records
                        .len()
                });
            });
        }
        group.bench_with_input(BenchmarkId::new("licscope_stream", n), &input, |b, i| {
            b.iter(|| {
                licscope_prime::XmlStream::<_, licscope_prime::LicenseInfo<'static>>::new(
                    &black_box(i)[..],
                )
                .unwrap()
                .count()
            });
        });
        group.bench_with_input(BenchmarkId::new("quick_xml_events", n), &input, |b, i| {
            b.iter(|| peers::quick_xml_events(black_box(i)));
        });
        group.bench_with_input(
            BenchmarkId::new("quick_xml_handwritten", n),
            &input,
            |b, i| {
                b.iter(|| peers::quick_xml_handwritten(black_box(i)).len());
            },
        );
        group.bench_with_input(BenchmarkId::new("quick_xml_serde", n), &input, |b, i| {
            b.iter(|| peers::quick_xml_serde(black_box(i)));
        });
        group.bench_with_input(BenchmarkId::new("roxmltree", n), &input, |b, i| {
            b.iter(|| peers::roxmltree_extract(black_box(i)));
        });
        group.bench_with_input(
            BenchmarkId::new("licscope_reference_roxmltree_strict", n),
            &input,
            |b, i| {
                b.iter(|| licscope_reference::decode_xml(black_box(i)).unwrap());
            },
        );
    }
    group.finish();
}

// ---- Prime JSON -------------------------------------------------------------------------

fn bench_prime_json(c: &mut Criterion) {
    let mut group = c.benchmark_group("prime_json");
    for n in sizes() {
        let input = prime_json(n).into_bytes();
        group.throughput(Throughput::Bytes(input.len() as u64));
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("licscope", n), &input, |b, i| {
            b.iter(|| {
                licscope_prime::decode_json(black_box(i))
                    .unwrap()
                    .records
                    .len()
            });
        });
        if n < 1_000_000 {
            let general = prime_json_general(n).into_bytes();
            group.bench_with_input(BenchmarkId::new("licscope_general", n), &general, |b, i| {
                b.iter(|| {
                    licscope_prime::decode_json(black_box(i))
                        .unwrap()
                        .records
                        .len()
                });
            });
        }
        group.bench_with_input(
            BenchmarkId::new("serde_json_ignored_any", n),
            &input,
            |b, i| {
                b.iter(|| peers::serde_json_ignored_any(black_box(i)));
            },
        );
        group.bench_with_input(BenchmarkId::new("serde_derive_plain", n), &input, |b, i| {
            b.iter(|| peers::serde_derive_plain(black_box(i)).unwrap());
        });
        group.bench_with_input(
            BenchmarkId::new("serde_derive_all_option", n),
            &input,
            |b, i| {
                b.iter(|| peers::serde_derive_options(black_box(i)).unwrap());
            },
        );
        group.bench_with_input(BenchmarkId::new("serde_json_value", n), &input, |b, i| {
            b.iter(|| peers::serde_json_value(black_box(i)));
        });
    }
    group.finish();
}

// ---- Automation 360 product list ----------------------------------------------------------

fn bench_a360_products(c: &mut Criterion) {
    let mut group = c.benchmark_group("a360_products");
    // A Control Room's answer as the fixtures hold it (products, features and counts).
    let input =
        std::fs::read(licscope_fixtures::root().join("a360/products/valid/file-license.json"))
            .unwrap();
    assert_eq!(
        peers::products_licscope(&input),
        peers::products_derive(&input)
    );
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("licscope", |b| {
        b.iter(|| peers::products_licscope(black_box(&input)))
    });
    group.bench_function("serde_derive_time_rfc3339", |b| {
        b.iter(|| peers::products_derive(black_box(&input)))
    });
    group.finish();
}

// ---- Automation 360 -----------------------------------------------------------------------

fn bench_a360(c: &mut Criterion) {
    let mut group = c.benchmark_group("a360");
    let input = a360_document(1).into_bytes();
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("licscope", |b| {
        b.iter(|| licscope_a360::decode(black_box(&input)).unwrap())
    });
    group.bench_function("serde_derive_time_rfc3339", |b| {
        b.iter(|| peers::a360_derive(black_box(&input)))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| peers::a360_value(black_box(&input)))
    });
    group.finish();
}

// ---- Normalization and the whole path ----------------------------------------------------

fn bench_normalize(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalize");
    let as_of = licscope_syntax::parse_rfc3339("2026-11-23T12:00:00Z").unwrap();
    let policy = Policy::new(as_of);
    let xml = prime_xml(10_000).into_bytes();
    let decoded = licscope_prime::decode_xml(&xml).unwrap();
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("prime_records_10000", |b| {
        b.iter(|| licscope_normalize::from_cisco_prime(black_box(&decoded), None, &policy).len());
    });
    group.bench_function("prime_xml_bytes_to_records_10000", |b| {
        b.iter(|| {
            licscope_normalize::normalize(black_box(&xml), SourceHint::Auto, None, &policy)
                .unwrap()
                .len()
        });
    });
    let a360 = a360_document(1).into_bytes();
    let details = licscope_a360::decode(&a360).unwrap();
    group.throughput(Throughput::Bytes(a360.len() as u64));
    group.bench_function("a360_record", |b| {
        b.iter(|| licscope_normalize::from_automation360(black_box(&details), Some("cr"), &policy));
    });
    group.bench_function("a360_bytes_to_record", |b| {
        b.iter(|| {
            licscope_normalize::normalize(black_box(&a360), SourceHint::Auto, None, &policy)
                .unwrap()
                .len()
        });
    });
    group.finish();
}

/// Every valid fixture, decoded by its decoder: the shared test payloads as a workload.
fn bench_fixtures(c: &mut Criterion) {
    use licscope_fixtures::{Outcome, cases};
    let mut group = c.benchmark_group("fixtures");
    let prime = cases("prime", Outcome::Valid);
    let a360 = cases("a360", Outcome::Valid);
    let bytes: usize = prime.iter().chain(&a360).map(|c| c.input.len()).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("all_valid", |b| {
        b.iter(|| {
            let mut records = 0;
            for case in &prime {
                records += licscope_prime::decode(black_box(&case.input))
                    .unwrap()
                    .records
                    .len();
            }
            for case in &a360 {
                records += usize::from(licscope_a360::decode(black_box(&case.input)).is_ok());
            }
            records
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_prime_xml,
    bench_prime_json,
    bench_a360,
    bench_a360_products,
    bench_normalize,
    bench_fixtures
);
criterion_main!(benches);
