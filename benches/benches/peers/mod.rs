//! The peers licscope's decoders are measured against, shared by the criterion suite and the
//! one-run ratio table. Each reads the same bytes into records, borrowing text where its library
//! lets it, and returns a checksum of what it read (`Sum`), so that the ratio table can check
//! that every peer read the same data as licscope before timing it.
//!
//! Floors do the least a reader must: quick-xml's event loop (UTF-8 checked) and
//! `serde_json::from_slice::<IgnoredAny>`.

// A peer that fails to read its own input must stop the benchmark loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, dead_code)]

use std::borrow::Cow;

use quick_xml::events::Event;
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A checksum of decoded records: their count, the sum of their integers, and the lengths of
/// their texts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sum {
    pub(crate) records: u64,
    pub(crate) ints: i64,
    pub(crate) text: u64,
}

impl Sum {
    pub(crate) fn add(&mut self, ints: [Option<i32>; 3], name: Option<&str>, status: Option<&str>) {
        self.records += 1;
        self.ints += ints.iter().flatten().map(|&v| i64::from(v)).sum::<i64>();
        self.text += (name.map_or(0, str::len) + status.map_or(0, str::len)) as u64;
    }
}

impl Sum {
    /// Adds one of licscope's records.
    pub(crate) fn add_info(&mut self, r: &licscope_prime::LicenseInfo<'_>) {
        self.add(
            [
                r.days_to_expire,
                r.device_count_remaining,
                r.device_count_used,
            ],
            r.name.as_deref(),
            r.status.as_ref().map(|s| s.as_str()),
        );
    }
}

/// licscope's model, summed the same way.
pub(crate) fn licscope_sum(records: &[licscope_prime::LicenseInfo<'_>]) -> Sum {
    let mut sum = Sum::default();
    records.iter().for_each(|r| sum.add_info(r));
    sum
}

// ---- Prime XML ----------------------------------------------------------------------------

/// The XML floor: visit every quick-xml event and do nothing with it.
pub(crate) fn quick_xml_events(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => return events,
            _ => events += 1,
        }
    }
}

/// One record as the hand-written consumer keeps it: text borrowed unless it held a reference.
#[derive(Default)]
pub(crate) struct QxRecord<'a> {
    ints: [Option<i32>; 3],
    name: Option<Cow<'a, str>>,
    status: Option<Cow<'a, str>>,
}

/// The strongest XML peer: a hand-written, borrowing consumer of quick-xml's events, as a
/// quick-xml user would write one for this document. It resolves the five predefined entities
/// and character references, trims nothing, and parses the counts with `str::parse`.
pub(crate) fn quick_xml_handwritten(input: &[u8]) -> Vec<QxRecord<'_>> {
    let text = std::str::from_utf8(input).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut records = Vec::new();
    let mut record: Option<QxRecord<'_>> = None;
    // 0-2: the counts, 3: name, 4: status, 5: anything else.
    let mut field = 5;
    let mut value: Cow<'_, str> = Cow::Borrowed("");
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => match (&record, e.name().as_ref()) {
                (None, "licenseInfoDTO") => record = Some(QxRecord::default()),
                (Some(_), name) => {
                    field = match name {
                        "daysToExpire" => 0,
                        "deviceCountRemaining" => 1,
                        "deviceCountUsed" => 2,
                        "name" => 3,
                        "status" => 4,
                        _ => 5,
                    };
                    value = Cow::Borrowed("");
                }
                _ => {}
            },
            Event::Text(t) if field < 5 => {
                let piece = t.xml10_content();
                if value.is_empty() {
                    value = piece;
                } else {
                    value.to_mut().push_str(&piece);
                }
            }
            Event::GeneralRef(r) if field < 5 => {
                let c = match &*r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => r.resolve_char_ref().unwrap().unwrap(),
                };
                value.to_mut().push(c);
            }
            Event::End(e) => {
                if let Some(r) = &mut record {
                    if e.name().as_ref() == "licenseInfoDTO" {
                        records.extend(record.take());
                    } else {
                        let v = std::mem::take(&mut value);
                        match field {
                            0..=2 => r.ints[field] = Some(v.parse().unwrap()),
                            3 => r.name = Some(v),
                            4 => r.status = Some(v),
                            _ => {}
                        }
                        field = 5;
                    }
                }
            }
            Event::Eof => return records,
            _ => {}
        }
    }
}

pub(crate) fn handwritten_sum(records: &[QxRecord<'_>]) -> Sum {
    let mut sum = Sum::default();
    for r in records {
        sum.add(r.ints, r.name.as_deref(), r.status.as_deref());
    }
    sum
}

/// roxmltree as its users write it: parse, then walk the record elements and read their
/// fields' text.
pub(crate) fn roxmltree_extract(input: &[u8]) -> Sum {
    let text = std::str::from_utf8(input).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    let mut records = Vec::new();
    for record in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("licenseInfoDTO"))
    {
        let mut ints = [None; 3];
        let (mut name, mut status) = (None, None);
        for field in record.children().filter(roxmltree::Node::is_element) {
            let value = field.text();
            match field.tag_name().name() {
                "daysToExpire" => ints[0] = value.map(|v| v.parse::<i32>().unwrap()),
                "deviceCountRemaining" => ints[1] = value.map(|v| v.parse::<i32>().unwrap()),
                "deviceCountUsed" => ints[2] = value.map(|v| v.parse::<i32>().unwrap()),
                "name" => name = value,
                "status" => status = value,
                _ => {}
            }
        }
        records.push((ints, name, status));
    }
    let mut sum = Sum::default();
    for (ints, name, status) in &records {
        sum.add(*ints, *name, *status);
    }
    sum
}

#[derive(Deserialize)]
struct QsEnvelope {
    #[serde(rename = "licenseInfoDTO", default)]
    records: Vec<QsRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QsRecord {
    days_to_expire: Option<i32>,
    device_count_remaining: Option<i32>,
    device_count_used: Option<i32>,
    name: Option<String>,
    status: Option<String>,
}

/// quick-xml's serde mode, into owned fields (its deserializer hands out owned text).
pub(crate) fn quick_xml_serde(input: &[u8]) -> Sum {
    let text = std::str::from_utf8(input).unwrap();
    let envelope: QsEnvelope = quick_xml::de::from_str(text).unwrap();
    let mut sum = Sum::default();
    for r in &envelope.records {
        sum.add(
            [
                r.days_to_expire,
                r.device_count_remaining,
                r.device_count_used,
            ],
            r.name.as_deref(),
            r.status.as_deref(),
        );
    }
    sum
}

// ---- Prime JSON ---------------------------------------------------------------------------

/// The JSON floor.
pub(crate) fn serde_json_ignored_any(input: &[u8]) {
    serde_json::from_slice::<serde::de::IgnoredAny>(input).unwrap();
}

#[derive(Deserialize)]
struct PlainDocument<'a> {
    #[serde(rename = "mgmtResponse", borrow)]
    envelope: PlainEnvelope<'a>,
}

#[derive(Deserialize)]
struct PlainEnvelope<'a> {
    #[serde(rename = "licenseInfoDTO", borrow)]
    records: Vec<PlainRecord<'a>>,
}

/// The record as a serde user would declare it for this API: natural types, text borrowed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainRecord<'a> {
    days_to_expire: i32,
    device_count_remaining: i32,
    device_count_used: i32,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
}

/// Plain serde derive (natural types, borrowed text, `from_slice`); `None` where derive refuses
/// the input (numbers sent as strings), where the floor alone judges.
pub(crate) fn serde_derive_plain(input: &[u8]) -> Option<Sum> {
    let doc: PlainDocument<'_> = serde_json::from_slice(input).ok()?;
    let mut sum = Sum::default();
    for r in &doc.envelope.records {
        sum.add(
            [
                Some(r.days_to_expire),
                Some(r.device_count_remaining),
                Some(r.device_count_used),
            ],
            Some(&r.name),
            Some(&r.status),
        );
    }
    Some(sum)
}

#[derive(Deserialize)]
struct OptionDocument<'a> {
    #[serde(rename = "mgmtResponse", borrow)]
    envelope: OptionEnvelope<'a>,
}

#[derive(Deserialize)]
struct OptionEnvelope<'a> {
    #[serde(rename = "licenseInfoDTO", default, borrow)]
    records: Vec<OptionRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptionRecord<'a> {
    days_to_expire: Option<i32>,
    device_count_remaining: Option<i32>,
    device_count_used: Option<i32>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
}

/// serde derive with every field optional, as the API's optional fields need (a stricter
/// peer than [`serde_derive_plain`]).
pub(crate) fn serde_derive_options(input: &[u8]) -> Option<Sum> {
    let doc: OptionDocument<'_> = serde_json::from_slice(input).ok()?;
    let mut sum = Sum::default();
    for r in &doc.envelope.records {
        sum.add(
            [
                r.days_to_expire,
                r.device_count_remaining,
                r.device_count_used,
            ],
            r.name.as_deref(),
            r.status.as_deref(),
        );
    }
    Some(sum)
}

/// `serde_json::Value`, then extraction by key (counts as numbers or numeric strings).
pub(crate) fn serde_json_value(input: &[u8]) -> Sum {
    let v: Value = serde_json::from_slice(input).unwrap();
    let records = &v["mgmtResponse"]["licenseInfoDTO"];
    let int = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(|v| i32::try_from(v).unwrap())
    };
    let mut sum = Sum::default();
    let mut one = |r: &Value| {
        sum.add(
            [
                int(&r["daysToExpire"]),
                int(&r["deviceCountRemaining"]),
                int(&r["deviceCountUsed"]),
            ],
            r["name"].as_str(),
            r["status"].as_str(),
        );
    };
    match records {
        Value::Array(a) => a.iter().for_each(&mut one),
        Value::Object(_) => one(records),
        _ => {}
    }
    sum
}

// ---- Automation 360 -----------------------------------------------------------------------

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
pub(crate) type A360Fields = (
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

/// serde derive (borrowed text, unknown keys ignored) and `time`'s RFC 3339 parser.
pub(crate) fn a360_derive(input: &[u8]) -> A360Fields {
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

/// `serde_json::Value`, then extraction by key and `time`'s RFC 3339 parser.
pub(crate) fn a360_value(input: &[u8]) -> A360Fields {
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

// ---- Automation 360 product list ----------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductsDerive<'a> {
    #[serde(rename = "type", borrow)]
    license_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    installation_date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    expiration_date: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    products: Vec<ProductDerive<'a>>,
}

#[derive(Deserialize)]
struct ProductDerive<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    features: Vec<FeatureDerive<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeatureDerive<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    enable: Option<bool>,
    purchased_count: Option<i64>,
    used_count_by_this_cr: Option<i64>,
    used_count_by_all_cr: Option<i64>,
}

/// What both product-list readers give: the feature count, the sum of every count, and the
/// dates (so that none of the work is optimized away).
pub(crate) type ProductsFields = (usize, i64, Option<OffsetDateTime>, Option<OffsetDateTime>);

/// serde derive (borrowed text, unknown keys ignored, numbers only: the floor, not as lenient
/// as licscope's decoder) and `time`'s RFC 3339 parser; products' ids and names owned as the
/// model owns them.
pub(crate) fn products_derive(input: &[u8]) -> ProductsFields {
    let d: ProductsDerive<'_> = serde_json::from_slice(input).unwrap();
    let mut sum = 0;
    let mut features = 0;
    for p in d.products {
        let _owned = (p.id.map(Cow::into_owned), p.name.map(Cow::into_owned));
        for f in p.features {
            let _owned = (
                f.id.map(Cow::into_owned),
                f.name.map(Cow::into_owned),
                f.enable,
            );
            features += 1;
            sum += f.purchased_count.unwrap_or(0)
                + f.used_count_by_this_cr.unwrap_or(0)
                + f.used_count_by_all_cr.unwrap_or(0);
        }
    }
    let _ = d.license_type.map(Cow::into_owned);
    (
        features,
        sum,
        parse_date(d.installation_date.as_deref()),
        parse_date(d.expiration_date.as_deref()),
    )
}

/// licscope's product-list decoder, summed as [`products_derive`] sums.
pub(crate) fn products_licscope(input: &[u8]) -> ProductsFields {
    let list = licscope_a360::decode_products(input).unwrap();
    let mut sum = 0;
    let mut features = 0;
    for p in &list.products {
        for f in &p.features {
            features += 1;
            sum += f.purchased_count.unwrap_or(0)
                + f.used_count_by_this_cr.unwrap_or(0)
                + f.used_count_by_all_cr.unwrap_or(0);
        }
    }
    (features, sum, list.installation_date, list.expiration_date)
}
