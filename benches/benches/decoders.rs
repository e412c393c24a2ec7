//! licscope's decoders against their peers, in one run, on the same bytes.
//!
//! Groups (throughput in bytes): `prime_xml/N`, `prime_json/N` for N records, `a360`,
//! `normalize`, `fixtures`. Inputs of 1,000,000 records are skipped under `--test`.

// A benchmark that fails to decode its own input must stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use licscope_benches::{
    a360_document, prime_json, prime_json_general, prime_xml, prime_xml_general,
};
use licscope_normalize::{Policy, SourceHint};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn sizes() -> Vec<usize> {
    let quick = std::env::args().any(|a| a == "--test");
    if quick {
        vec![1, 100, 10_000]
    } else {
        vec![1, 100, 10_000, 1_000_000]
    }
}

// ---- Prime XML peers ---------------------------------------------------------------------

/// The floor: visit every quick-xml event and do nothing with it.
fn quick_xml_events(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => return events,
            _ => events += 1,
        }
    }
}

#[derive(Deserialize)]
struct QxEnvelope {
    #[serde(rename = "@responseType")]
    _response_type: Option<String>,
    #[serde(rename = "@requestUrl")]
    _request_url: Option<String>,
    #[serde(rename = "@rootUrl")]
    _root_url: Option<String>,
    #[serde(rename = "licenseInfoDTO", default)]
    records: Vec<QxRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QxRecord {
    _days_to_expire: Option<i32>,
    _device_count_remaining: Option<i32>,
    _device_count_used: Option<i32>,
    _name: Option<String>,
    _status: Option<String>,
}

fn quick_xml_serde(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).unwrap();
    quick_xml::de::from_str::<QxEnvelope>(text)
        .unwrap()
        .records
        .len()
}

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
            b.iter(|| quick_xml_events(black_box(i)));
        });
        group.bench_with_input(BenchmarkId::new("quick_xml_serde", n), &input, |b, i| {
            b.iter(|| quick_xml_serde(black_box(i)));
        });
        group.bench_with_input(BenchmarkId::new("roxmltree", n), &input, |b, i| {
            b.iter(|| licscope_reference::decode_xml(black_box(i)).unwrap());
        });
    }
    group.finish();
}

// ---- Prime JSON peers --------------------------------------------------------------------

#[derive(Deserialize)]
struct SjDocument<'a> {
    #[serde(rename = "mgmtResponse", borrow)]
    envelope: SjEnvelope<'a>,
}

#[derive(Deserialize)]
struct SjEnvelope<'a> {
    #[serde(rename = "@responseType", borrow)]
    _response_type: Option<Cow<'a, str>>,
    #[serde(rename = "@requestUrl", borrow)]
    _request_url: Option<Cow<'a, str>>,
    #[serde(rename = "@rootUrl", borrow)]
    _root_url: Option<Cow<'a, str>>,
    #[serde(rename = "licenseInfoDTO", default, borrow)]
    records: Vec<SjRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SjRecord<'a> {
    _days_to_expire: Option<i32>,
    _device_count_remaining: Option<i32>,
    _device_count_used: Option<i32>,
    #[serde(borrow)]
    _name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    _status: Option<Cow<'a, str>>,
}

type Extracted = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn value_extract(input: &[u8]) -> Vec<Extracted> {
    let v: Value = serde_json::from_slice(input).unwrap();
    let records = &v["mgmtResponse"]["licenseInfoDTO"];
    let one = |r: &Value| -> Extracted {
        (
            r["daysToExpire"].as_i64(),
            r["deviceCountRemaining"].as_i64(),
            r["deviceCountUsed"].as_i64(),
            r["name"].as_str().map(str::to_owned),
            r["status"].as_str().map(str::to_owned),
        )
    };
    match records {
        Value::Array(a) => a.iter().map(one).collect(),
        Value::Object(_) => vec![one(records)],
        _ => Vec::new(),
    }
}

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
                b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(i)).unwrap());
            },
        );
        group.bench_with_input(
            BenchmarkId::new("serde_derive_borrowed", n),
            &input,
            |b, i| {
                b.iter(|| {
                    serde_json::from_slice::<SjDocument<'_>>(black_box(i))
                        .unwrap()
                        .envelope
                        .records
                        .len()
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("serde_json_value", n), &input, |b, i| {
            b.iter(|| value_extract(black_box(i)).len());
        });
    }
    group.finish();
}

// ---- Automation 360 peers ----------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct A360Derive<'a> {
    #[serde(rename = "type", borrow)]
    license_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    installation_date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    expiration_date: Option<Cow<'a, str>>,
    fail_safe_status: Option<i64>,
    control_room_license_server_sync_status: Option<bool>,
    #[serde(borrow)]
    installed_cr_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    license_mode: Option<Cow<'a, str>>,
}

/// The same fields as licscope's model, with `time`'s own RFC 3339 parser for the dates.
type A360Fields = (
    Option<String>,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    Option<String>,
);

fn parse_date(s: Option<&str>) -> Option<OffsetDateTime> {
    s.map(|s| OffsetDateTime::parse(s, &Rfc3339).unwrap())
}

fn a360_derive(input: &[u8]) -> A360Fields {
    let d: A360Derive<'_> = serde_json::from_slice(input).unwrap();
    (
        d.license_type.map(Cow::into_owned),
        parse_date(d.installation_date.as_deref()),
        parse_date(d.expiration_date.as_deref()),
        d.fail_safe_status,
        d.control_room_license_server_sync_status,
        d.installed_cr_id.map(Cow::into_owned),
        d.license_mode.map(Cow::into_owned),
    )
}

fn a360_value(input: &[u8]) -> A360Fields {
    let v: Value = serde_json::from_slice(input).unwrap();
    let s = |k: &str| v[k].as_str().map(str::to_owned);
    (
        s("type"),
        parse_date(v["installationDate"].as_str()),
        parse_date(v["expirationDate"].as_str()),
        v["failSafeStatus"].as_i64(),
        v["controlRoomLicenseServerSyncStatus"].as_bool(),
        s("installedCrId"),
        s("licenseMode"),
    )
}

fn bench_a360(c: &mut Criterion) {
    let mut group = c.benchmark_group("a360");
    let input = a360_document(1).into_bytes();
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("licscope", |b| {
        b.iter(|| licscope_a360::decode(black_box(&input)).unwrap())
    });
    group.bench_function("serde_derive_time_rfc3339", |b| {
        b.iter(|| a360_derive(black_box(&input)))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| a360_value(black_box(&input)))
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
    bench_normalize,
    bench_fixtures
);
criterion_main!(benches);
