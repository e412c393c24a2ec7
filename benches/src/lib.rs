//! Deterministic payload generators for the benchmarks: Prime XML and JSON twins of the same
//! data at any size, and Automation 360 documents. Nothing large is ever committed: the
//! benchmarks build their inputs with these functions.

#![deny(missing_docs)]

pub mod gate;

use std::fmt::Write as _;
use std::io::{self, Write};

const FEATURES: [&str; 16] = [
    "Assurance",
    "Lifecycle",
    "Collector",
    "Data Center",
    "Wireless Assurance",
    "Switch Lifecycle",
    "Router Lifecycle",
    "Network Analysis Module",
    "Compliance",
    "Plug and Play",
    "APIC-EM Integration",
    "Base",
    "Branch Router Lifecycle",
    "Wireless LAN Controller",
    "Unified Access",
    "Context Aware",
];

/// A small deterministic generator (a 64-bit linear congruential generator): the same seed
/// gives the same payloads on every machine.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// One generated `licenseInfoDTO`.
#[derive(Debug)]
struct Feature {
    days: i64,
    remaining: i64,
    used: i64,
    name: String,
    status: &'static str,
}

fn feature(rng: &mut Rng, i: usize) -> Feature {
    let status = match rng.below(10) {
        0 => "NOT_LICENSED",
        1 => "EXCEEDED",
        _ => "LICENSED",
    };
    Feature {
        days: rng.below(4000) as i64 - 30,
        remaining: rng.below(5000) as i64 - 50,
        used: rng.below(5000) as i64,
        name: format!("{} {i}", FEATURES[i % FEATURES.len()]),
        status,
    }
}

/// A Prime license-info XML document with `records` records, as Prime writes it.
pub fn prime_xml(records: usize) -> String {
    let mut out = String::with_capacity(records * 230 + 300);
    out.push_str(PRIME_XML_HEAD);
    let mut rng = Rng::new(7);
    for i in 0..records {
        write_record(&mut rng, i, &mut out);
    }
    out.push_str(PRIME_XML_TAIL);
    out
}

/// [`prime_xml`] with an `id` attribute on every record: the same data, in a layout the
/// decoder's fast path leaves to its general, event-driven path, which this measures.
pub fn prime_xml_general(records: usize) -> String {
    replace_each(&prime_xml(records), "<licenseInfoDTO>", |i| {
        format!("<licenseInfoDTO id=\"{i}\">")
    })
}

/// [`prime_json`] with an `@id` key first in every record: the same data, in a layout the
/// decoder's fast path leaves to its general path, which this measures.
pub fn prime_json_general(records: usize) -> String {
    replace_each(&prime_json(records), "{\n      \"daysToExpire\"", |i| {
        format!("{{\n      \"@id\" : \"{i}\",\n      \"daysToExpire\"")
    })
}

/// `text` with the `i`-th occurrence of `pattern` (counted from 1) replaced by `with(i)`.
fn replace_each(text: &str, pattern: &str, with: impl Fn(usize) -> String) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, part) in text.split(pattern).enumerate() {
        if i > 0 {
            out.push_str(&with(i));
        }
        out.push_str(part);
    }
    out
}

const PRIME_XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
    <mgmtResponse responseType=\"operation\" \
    requestUrl=\"https://prime.example.com/webacs/api/v3/op/info/license\" \
    rootUrl=\"https://prime.example.com/webacs/api/v3/op\">\n";
const PRIME_XML_TAIL: &str = "</mgmtResponse>\n";

fn write_record(rng: &mut Rng, i: usize, out: &mut String) {
    let f = feature(rng, i);
    let _ = write!(
        out,
        "  <licenseInfoDTO>\n    <daysToExpire>{}</daysToExpire>\n    \
         <deviceCountRemaining>{}</deviceCountRemaining>\n    \
         <deviceCountUsed>{}</deviceCountUsed>\n    <name>{}</name>\n    \
         <status>{}</status>\n  </licenseInfoDTO>\n",
        f.days, f.remaining, f.used, f.name, f.status
    );
}

/// The JSON twin of [`prime_xml`]: the same records in Prime's JSON rendering.
pub fn prime_json(records: usize) -> String {
    let mut out = String::with_capacity(records * 160 + 300);
    out.push_str(
        "{\n  \"mgmtResponse\" : {\n    \"@requestUrl\" : \"https://prime.example.com/webacs/api/v3/op/info/license\",\n    \
         \"@responseType\" : \"operation\",\n    \"@rootUrl\" : \"https://prime.example.com/webacs/api/v3/op\",\n    \
         \"licenseInfoDTO\" : [",
    );
    let mut rng = Rng::new(7);
    for i in 0..records {
        let f = feature(&mut rng, i);
        let _ = write!(
            out,
            "{} {{\n      \"daysToExpire\" : {},\n      \"deviceCountRemaining\" : {},\n      \
             \"deviceCountUsed\" : {},\n      \"name\" : \"{}\",\n      \"status\" : \"{}\"\n    }}",
            if i == 0 { "" } else { "," },
            f.days,
            f.remaining,
            f.used,
            f.name,
            f.status
        );
    }
    out.push_str(" ]\n  }\n}\n");
    out
}

/// An Automation 360 license-details document, as a Control Room writes it.
pub fn a360_document(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let cloud = rng.below(2) == 0;
    format!(
        "{{\n    \"type\": \"PURCHASED\",\n    \"installationDate\": \"2025-{:02}-{:02}T15:06:05.211Z\",\n    \
         \"expirationDate\": \"2026-{:02}-{:02}T18:29:59.999Z\",\n    \"failSafeStatus\": {},\n    \
         \"controlRoomLicenseServerSyncStatus\": {},\n    \"installedCrId\": \"{}\",\n    \
         \"licenseMode\": \"{}\"\n}}\n",
        1 + rng.below(12),
        1 + rng.below(28),
        1 + rng.below(12),
        1 + rng.below(28),
        if cloud { rng.below(3) } else { 0 },
        rng.below(4) != 0,
        if cloud {
            "b96edac7-b7e3-57bf-b857-ad14ac754674"
        } else {
            ""
        },
        if cloud { "CloudLicense" } else { "FileLicense" },
    )
}

/// Writes a Prime XML document of about `bytes` bytes to `out`, one record at a time, without
/// holding more than one record in memory. Returns the number of bytes and of records written.
///
/// # Errors
///
/// Any error of `out`.
pub fn stream_prime_xml(bytes: u64, out: &mut impl Write) -> io::Result<(u64, u64)> {
    let mut written = 0u64;
    out.write_all(PRIME_XML_HEAD.as_bytes())?;
    written += PRIME_XML_HEAD.len() as u64;
    let mut rng = Rng::new(7);
    let mut record = String::with_capacity(256);
    let mut i = 0;
    while written < bytes {
        record.clear();
        write_record(&mut rng, i, &mut record);
        out.write_all(record.as_bytes())?;
        written += record.len() as u64;
        i += 1;
    }
    out.write_all(PRIME_XML_TAIL.as_bytes())?;
    Ok((written + PRIME_XML_TAIL.len() as u64, i as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_decode_to_the_same_model() {
        let xml = prime_xml(50);
        let json = prime_json(50);
        let from_xml = licscope_prime::decode_xml(xml.as_bytes());
        let from_json = licscope_prime::decode_json(json.as_bytes());
        assert!(from_xml.is_ok());
        assert_eq!(from_xml, from_json);
        assert_eq!(from_xml.map(|r| r.records.len()), Ok(50));
    }

    #[test]
    fn general_variants_hold_the_same_records_in_another_layout() {
        let n = 40;
        let source = prime_xml(n);
        let plain = licscope_prime::decode_xml(source.as_bytes());
        let xml = prime_xml_general(n);
        let json = prime_json_general(n);
        assert_eq!(xml.matches(" id=").count(), n);
        assert_eq!(json.matches("\"@id\"").count(), n);
        assert_eq!(plain.as_ref().map(|r| r.records.len()), Ok(n));
        assert_eq!(licscope_prime::decode_xml(xml.as_bytes()), plain);
        assert_eq!(licscope_prime::decode_json(json.as_bytes()), plain);
    }

    #[test]
    fn generated_a360_documents_decode() {
        for seed in 0..20 {
            let doc = a360_document(seed);
            assert!(licscope_a360::decode(doc.as_bytes()).is_ok(), "{doc}");
        }
    }

    #[test]
    fn the_stream_generator_writes_what_prime_xml_writes() {
        let mut out = Vec::new();
        let (n, count) = stream_prime_xml(10_000, &mut out).unwrap_or((0, 0));
        assert_eq!(n, out.len() as u64);
        let decoded = licscope_prime::decode_xml(&out).map(|r| r.records.len());
        let records = decoded.unwrap_or(0);
        assert!(records > 30, "{records}");
        assert_eq!(records as u64, count);
        assert_eq!(prime_xml(records).as_bytes(), &out[..]);
    }
}
