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
    prime_xml_variant(Variant::Seed, records)
}

/// The layouts of the same Prime data that the benchmarks measure: the seed's, and what real
/// servers and proxies send besides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The seed's layout, every value plain.
    Seed,
    /// The mixed payload: names cycle through six values, two of which hold an entity in XML
    /// (`Data Center &amp; Campus`, `Wireless &lt;WLC&gt;`) and one `\/` in JSON.
    Mixed,
    /// Every name holds references (XML: `&amp;`, `&#233;`) or escapes (JSON: `\/`, `\u00e9`).
    EscapesEverywhere,
    /// XML: `id` and `displayName` attributes on every record.
    RecordAttributes,
    /// JSON: the counts sent as strings (`"daysToExpire": "42"`), as some Prime versions do.
    NumbersAsStrings,
}

impl Variant {
    /// The variants that apply to XML.
    pub const XML: [Variant; 4] = [
        Variant::Seed,
        Variant::Mixed,
        Variant::EscapesEverywhere,
        Variant::RecordAttributes,
    ];
    /// The variants that apply to JSON.
    pub const JSON: [Variant; 4] = [
        Variant::Seed,
        Variant::Mixed,
        Variant::EscapesEverywhere,
        Variant::NumbersAsStrings,
    ];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Seed => "seed layout",
            Variant::Mixed => "mixed",
            Variant::EscapesEverywhere => "escapes in every name",
            Variant::RecordAttributes => "record attributes",
            Variant::NumbersAsStrings => "numbers as strings",
        }
    }

    /// Record `i`'s name as XML text and as JSON string content (the same decoded text).
    fn name_of(self, base: &str, i: usize) -> (String, String) {
        const MIXED: [(&str, &str); 6] = [
            ("Assurance", "Assurance"),
            ("Data Center &amp; Campus", "Data Center & Campus"),
            ("Lifecycle", "Lifecycle"),
            ("Wireless &lt;WLC&gt;", "Wireless <WLC>"),
            ("Network Analysis Module", "Network Analysis Module"),
            ("Routers/Switches", "Routers\\/Switches"),
        ];
        match self {
            Variant::Mixed => {
                let (xml, json) = MIXED[i % MIXED.len()];
                (format!("{xml} {i}"), format!("{json} {i}"))
            }
            Variant::EscapesEverywhere => (
                format!("R&#233;seau &amp; {base}/x"),
                format!("R\\u00e9seau & {base}\\/x"),
            ),
            _ => (base.to_owned(), base.to_owned()),
        }
    }
}

/// A Prime license-info XML document with `records` records in the layout of `variant`.
pub fn prime_xml_variant(variant: Variant, records: usize) -> String {
    let mut out = String::with_capacity(records * 250 + 300);
    out.push_str(PRIME_XML_HEAD);
    let mut rng = Rng::new(7);
    for i in 0..records {
        write_record_as(&mut rng, i, variant, &mut out);
    }
    out.push_str(PRIME_XML_TAIL);
    out
}

/// [`prime_xml`] with a comment opening every record: the same data, in a layout the
/// decoder's fast path leaves to its general, event-driven path, which this measures.
pub fn prime_xml_general(records: usize) -> String {
    replace_each(&prime_xml(records), "<licenseInfoDTO>", |i| {
        format!("<licenseInfoDTO><!-- {i} -->")
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
    write_record_as(rng, i, Variant::Seed, out);
}

fn write_record_as(rng: &mut Rng, i: usize, variant: Variant, out: &mut String) {
    let f = feature(rng, i);
    let (name, _) = variant.name_of(&f.name, i);
    let attributes = if variant == Variant::RecordAttributes {
        format!(" id=\"{i}\" displayName=\"License {i}\"")
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "  <licenseInfoDTO{attributes}>\n    <daysToExpire>{}</daysToExpire>\n    \
         <deviceCountRemaining>{}</deviceCountRemaining>\n    \
         <deviceCountUsed>{}</deviceCountUsed>\n    <name>{name}</name>\n    \
         <status>{}</status>\n  </licenseInfoDTO>\n",
        f.days, f.remaining, f.used, f.status
    );
}

/// The JSON twin of [`prime_xml`]: the same records in Prime's JSON rendering.
pub fn prime_json(records: usize) -> String {
    prime_json_variant(Variant::Seed, records)
}

/// The JSON twin of [`prime_xml_variant`] (a variant for XML alone gives the seed layout).
pub fn prime_json_variant(variant: Variant, records: usize) -> String {
    let mut out = String::with_capacity(records * 160 + 300);
    out.push_str(
        "{\n  \"mgmtResponse\" : {\n    \"@requestUrl\" : \"https://prime.example.com/webacs/api/v3/op/info/license\",\n    \
         \"@responseType\" : \"operation\",\n    \"@rootUrl\" : \"https://prime.example.com/webacs/api/v3/op\",\n    \
         \"licenseInfoDTO\" : [",
    );
    let mut rng = Rng::new(7);
    for i in 0..records {
        let f = feature(&mut rng, i);
        let (_, name) = variant.name_of(&f.name, i);
        let q = if variant == Variant::NumbersAsStrings {
            "\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "{} {{\n      \"daysToExpire\" : {q}{}{q},\n      \"deviceCountRemaining\" : {q}{}{q},\n      \
             \"deviceCountUsed\" : {q}{}{q},\n      \"name\" : \"{name}\",\n      \"status\" : \"{}\"\n    }}",
            if i == 0 { "" } else { "," },
            f.days,
            f.remaining,
            f.used,
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

/// [`a360_document`] with `unknown` more keys (at most 5) with scalar values, spread among the
/// known ones, as newer Control Room releases add them.
pub fn a360_document_with_unknown_keys(seed: u64, unknown: usize) -> String {
    const EXTRA: [&str; 5] = [
        "\"xMaxBotRunners\": 25",
        "\"xEdition\": \"Enterprise\"",
        "\"xTrial\": false",
        "\"xRenewalDate\": null",
        "\"xRatio\": 0.75",
    ];
    let doc = a360_document(seed);
    let mut lines: Vec<String> = doc.lines().map(str::to_owned).collect();
    for (k, extra) in EXTRA.iter().take(unknown).enumerate() {
        // After the first, third... known key: `{`, then key lines ending with `,`.
        let at = 1 + 2 * k;
        lines.insert(at + 1, format!("    {extra},"));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
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
        assert_eq!(xml.matches("<!-- ").count(), n);
        assert_eq!(json.matches("\"@id\"").count(), n);
        assert_eq!(plain.as_ref().map(|r| r.records.len()), Ok(n));
        assert_eq!(licscope_prime::decode_xml(xml.as_bytes()), plain);
        assert_eq!(licscope_prime::decode_json(json.as_bytes()), plain);
    }

    #[test]
    fn every_variant_holds_the_same_data_in_both_formats() {
        let n = 30;
        for variant in [
            Variant::Seed,
            Variant::Mixed,
            Variant::EscapesEverywhere,
            Variant::RecordAttributes,
            Variant::NumbersAsStrings,
        ] {
            let (xml, json) = (
                prime_xml_variant(variant, n),
                prime_json_variant(variant, n),
            );
            let xml = licscope_prime::decode_xml(xml.as_bytes());
            let json = licscope_prime::decode_json(json.as_bytes());
            assert_eq!(xml.as_ref().map(|r| r.records.len()), Ok(n), "{variant:?}");
            assert_eq!(xml, json, "{variant:?}");
        }
        let mixed = prime_xml_variant(Variant::Mixed, 12);
        assert_eq!(
            mixed.matches("&amp;").count() + mixed.matches("&lt;").count(),
            4
        );
        let mixed = prime_json_variant(Variant::Mixed, 12);
        assert_eq!(mixed.matches("\\/").count(), 2);
        let one = prime_xml_variant(Variant::EscapesEverywhere, 1);
        let names = licscope_prime::decode_xml(one.as_bytes());
        let name = names.map(|r| r.records[0].name.as_deref().map(str::to_owned));
        assert_eq!(name, Ok(Some("Réseau & Assurance 0/x".to_owned())));
    }

    #[test]
    fn a360_documents_with_unknown_keys_decode_alike() {
        for unknown in [0, 1, 5] {
            let doc = a360_document_with_unknown_keys(3, unknown);
            assert_eq!(doc.matches("\"x").count(), unknown, "{doc}");
            assert_eq!(
                licscope_a360::decode(doc.as_bytes()),
                licscope_a360::decode(a360_document(3).as_bytes())
            );
        }
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
