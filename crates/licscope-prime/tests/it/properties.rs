//! Property tests: generated models encode to XML and JSON and decode back to the same model;
//! hand-rendered documents (any field order, entities or CDATA, whitespace, comments) decode to
//! the model they were rendered from, in both formats and by both XML decoders; a document with
//! one broken field fails with an error naming its path.

use std::borrow::Cow;

use licscope_prime::{
    LicenseInfo, LicenseResponse, LicenseStatus, Limits, MgmtResponse, decode_json,
    decode_json_record, decode_xml, to_json, to_xml,
};
use proptest::prelude::*;

/// Text XML 1.0 can carry: no control characters but tab and line feed (a carriage return
/// would be normalized away unless escaped, which the renderers below do not do on purpose).
fn xml_text(min: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[^\\x00-\\x08\\x0B-\\x1F\\u{{FFFE}}\\u{{FFFF}}\\r]{{{min},24}}"
    ))
    .expect("a valid regex")
}

fn status() -> impl Strategy<Value = LicenseStatus> {
    prop_oneof![
        3 => proptest::sample::select(vec!["LICENSED", "NOT_LICENSED", "EXCEEDED"]).prop_map(LicenseStatus::from),
        1 => "[A-Za-z_]{1,12}".prop_map(|s| LicenseStatus::from(s.as_str())),
    ]
}

fn record() -> impl Strategy<Value = LicenseInfo<'static>> {
    (
        proptest::option::weighted(0.8, any::<i32>()),
        proptest::option::weighted(0.8, any::<i32>()),
        proptest::option::weighted(0.8, any::<i32>()),
        proptest::option::weighted(0.8, xml_text(1)),
        proptest::option::weighted(0.8, status()),
    )
        .prop_map(|(d, r, u, name, status)| {
            let mut record = LicenseInfo::default();
            record.days_to_expire = d;
            record.device_count_remaining = r;
            record.device_count_used = u;
            record.name = name.map(Cow::Owned);
            record.status = status;
            record
        })
}

fn response() -> impl Strategy<Value = LicenseResponse<'static>> {
    (
        proptest::option::of(xml_text(0)),
        proptest::option::of(xml_text(0)),
        proptest::option::of(xml_text(0)),
        prop::collection::vec(record(), 0..6),
    )
        .prop_map(|(rt, req, root, records)| {
            let mut r = MgmtResponse::new(records);
            r.response_type = rt;
            r.request_url = req;
            r.root_url = root;
            r
        })
}

/// How a hand-rendered document is laid out.
#[derive(Clone, Debug)]
struct Layout {
    seed: u64,
    pretty: bool,
    cdata: bool,
    comments: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (any::<u64>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(seed, pretty, cdata, comments)| Layout {
            seed,
            pretty,
            cdata,
            comments,
        },
    )
}

const FIELDS: [&str; 5] = [
    "daysToExpire",
    "deviceCountRemaining",
    "deviceCountUsed",
    "name",
    "status",
];

/// The fields of a record as `(name, text)`, in an order chosen by the seed; `broken` replaces
/// one field's text.
fn fields(
    record: &LicenseInfo<'_>,
    seed: u64,
    broken: Option<(usize, &str)>,
) -> Vec<(&'static str, String)> {
    let values = [
        record.days_to_expire.map(|v| v.to_string()),
        record.device_count_remaining.map(|v| v.to_string()),
        record.device_count_used.map(|v| v.to_string()),
        record.name.as_deref().map(str::to_owned),
        record.status.as_ref().map(|s| s.as_str().to_owned()),
    ];
    let mut out: Vec<(&'static str, String)> = FIELDS
        .iter()
        .zip(values)
        .enumerate()
        .filter_map(|(i, (f, v))| match broken {
            Some((b, text)) if b == i => Some((*f, text.to_owned())),
            _ => v.map(|v| (*f, v)),
        })
        .collect();
    let mut s = seed;
    for i in (1..out.len()).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.swap(i, (s >> 33) as usize % (i + 1));
    }
    out
}

fn escape_xml(text: &str, cdata: bool) -> String {
    if cdata && !text.contains("]]>") {
        format!("<![CDATA[{text}]]>")
    } else {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&#62;")
    }
}

fn render_xml(r: &LicenseResponse<'_>, l: &Layout, broken: Option<(usize, usize, &str)>) -> String {
    let nl = if l.pretty { "\n  " } else { "" };
    let mut out = String::from("<?xml version=\"1.0\"?>");
    if l.comments {
        out.push_str("<!-- rendered by a test -->");
    }
    out.push_str("<mgmtResponse");
    for (k, v) in [
        ("rootUrl", &r.root_url),
        ("requestUrl", &r.request_url),
        ("responseType", &r.response_type),
    ] {
        if let Some(v) = v {
            let v = v
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('"', "&quot;")
                .replace('\t', "&#9;")
                .replace('\n', "&#xA;");
            out.push_str(&format!(" {k}=\"{v}\""));
        }
    }
    out.push('>');
    for (i, record) in r.records.iter().enumerate() {
        let b = broken.filter(|(bi, _, _)| *bi == i).map(|(_, f, t)| (f, t));
        out.push_str(&format!("{nl}<licenseInfoDTO>"));
        for (f, text) in fields(record, l.seed ^ i as u64, b) {
            let text = if f == "name" {
                escape_xml(&text, l.cdata)
            } else {
                escape_xml(&text, false)
            };
            out.push_str(&format!("{nl}  <{f}>{text}</{f}>"));
            if l.comments {
                out.push_str("<?pi?><!-- c -->");
            }
        }
        out.push_str(&format!("{nl}</licenseInfoDTO>"));
    }
    out.push_str("\n</mgmtResponse>\n");
    out
}

fn render_json(
    r: &LicenseResponse<'_>,
    l: &Layout,
    broken: Option<(usize, usize, &str)>,
) -> String {
    let s = |v: &str| serde_json::to_string(v).unwrap();
    let mut members = Vec::new();
    for (k, v) in [
        ("@rootUrl", &r.root_url),
        ("@requestUrl", &r.request_url),
        ("@responseType", &r.response_type),
    ] {
        if let Some(v) = v {
            members.push(format!("{}: {}", s(k), s(v)));
        }
    }
    let records: Vec<String> = r
        .records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let b = broken.filter(|(bi, _, _)| *bi == i).map(|(_, f, t)| (f, t));
            render_json_record(record, l, l.seed ^ i as u64, b)
        })
        .collect();
    // One record is sometimes rendered as an object instead of a one-element array.
    if records.len() == 1 && l.pretty {
        members.push(format!("\"licenseInfoDTO\": {}", records[0]));
    } else {
        members.push(format!("\"licenseInfoDTO\": [{}]", records.join(",\n")));
    }
    format!("{{\"mgmtResponse\": {{{}}}}}", members.join(", "))
}

/// One record as a JSON object; `broken` replaces one field's text.
fn render_json_record(
    record: &LicenseInfo<'_>,
    l: &Layout,
    seed: u64,
    broken: Option<(usize, &str)>,
) -> String {
    let s = |v: &str| serde_json::to_string(v).unwrap();
    let fs: Vec<String> = fields(record, seed, broken)
        .into_iter()
        .map(|(f, text)| {
            // Counts as numbers or numeric strings, as Prime versions differ.
            let numeric = f.starts_with("day") || f.starts_with("device");
            let value = if numeric && !l.cdata && text.parse::<i64>().is_ok() {
                text
            } else {
                s(&text)
            };
            format!("{}: {value}", s(f))
        })
        .collect();
    format!("{{{}}}", fs.join(", "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn models_round_trip_through_both_encoders(r in response()) {
        let xml = to_xml(&r).expect("generated text is XML-safe");
        let from_xml = decode_xml(xml.as_bytes());
        prop_assert_eq!(from_xml.as_ref(), Ok(&r), "{}", xml);
        let json = to_json(&r);
        let from_json = decode_json(json.as_bytes());
        prop_assert_eq!(from_json.as_ref(), Ok(&r), "{}", json);
    }

    #[test]
    fn rendered_documents_decode_to_their_model_in_both_formats(r in response(), l in layout()) {
        let xml = render_xml(&r, &l, None);
        let json = render_json(&r, &l, None);
        let from_xml = decode_xml(xml.as_bytes());
        let from_json = decode_json(json.as_bytes());
        prop_assert_eq!(from_xml.as_ref(), Ok(&r), "{}", xml);
        prop_assert_eq!(from_json.as_ref(), Ok(&r), "{}", json);
        let streamed = crate::stream(xml.as_bytes()).ok();
        prop_assert_eq!(streamed.as_ref(), Some(&r.records));
        let by_reference = licscope_reference::decode_xml(xml.as_bytes());
        prop_assert_eq!(by_reference, Ok(licscope_prime::Document::Response(r.clone())));
    }

    /// A record in an array (where the decoder takes its fast path when it can) and the same
    /// record alone as the list's one object (read by the general path) decode alike: to the
    /// same record, or to the same error.
    #[test]
    fn json_records_decode_alike_on_both_paths(
        record in record(),
        l in layout(),
        broken in proptest::option::of((0usize..5, proptest::sample::select(vec![
            "soon", "2147483648", "-2147483649", "1.5", "1e3", "-0", "007", "", " 5", "a\\\"b",
        ]))),
    ) {
        let text = render_json_record(&record, &l, l.seed, broken);
        let in_array = format!("{{\"mgmtResponse\": {{\"licenseInfoDTO\": [{text}]}}}}");
        let alone = format!("{{\"mgmtResponse\": {{\"licenseInfoDTO\": {text}}}}}");
        let from_array = decode_json(in_array.as_bytes()).map(|r| r.records);
        let from_alone = decode_json(alone.as_bytes()).map(|r| r.records);
        match (&from_array, &from_alone) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.kind(), b.kind());
                prop_assert_eq!(a.message().replace("licenseInfoDTO[0]", "licenseInfoDTO"), b.message());
                // The array's `[` comes before the record.
                prop_assert_eq!(a.offset(), b.offset().map(|o| o + 1), "{}", in_array);
            }
            _ => prop_assert!(false, "{:?} and {:?} differ for {}", from_array, from_alone, text),
        }
        // The record on its own, through `decode_json_record`: the same answer, with the
        // envelope's part of the path and of the offset taken off.
        let prefix = "{\"mgmtResponse\": {\"licenseInfoDTO\": ";
        let on_its_own = decode_json_record::<LicenseInfo<'_>>(text.as_bytes(), &Limits::default());
        match (&from_alone, &on_its_own) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, &vec![b.clone()]),
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.kind(), b.kind());
                let a_message = a.message();
                let rest = a_message.strip_prefix("mgmtResponse.licenseInfoDTO").unwrap_or(&a_message);
                let rest = rest.strip_prefix(": ").or_else(|| rest.strip_prefix('.')).unwrap_or(rest);
                prop_assert_eq!(rest, b.message());
                prop_assert_eq!(a.offset(), b.offset().map(|o| o + prefix.len() as u64), "{}", text);
            }
            _ => prop_assert!(false, "{:?} and {:?} differ for {}", from_alone, on_its_own, text),
        }
        if broken.is_none() {
            prop_assert_eq!(from_array, Ok(vec![record]));
        }
    }

    #[test]
    fn one_broken_field_is_named_in_the_error(
        r in response().prop_filter("a record", |r| !r.records.is_empty()),
        l in layout(),
        pick in any::<prop::sample::Index>(),
        field in 0usize..3,
        bad in proptest::sample::select(vec!["soon", "2147483648", "-2147483649", "1.5", "12abc"]),
    ) {
        let i = pick.index(r.records.len());
        let path = format!("mgmtResponse.licenseInfoDTO[{i}].{}", FIELDS[field]);
        let single = r.records.len() == 1 && l.pretty;
        let json_path = if single { format!("mgmtResponse.licenseInfoDTO.{}", FIELDS[field]) } else { path.clone() };
        let xml = render_xml(&r, &l, Some((i, field, bad)));
        let err = decode_xml(xml.as_bytes()).err();
        prop_assert_eq!(err.as_ref().and_then(|e| e.path()), Some(path.as_str()), "{}", xml);
        let json = render_json(&r, &l, Some((i, field, bad)));
        let err = decode_json(json.as_bytes()).err();
        prop_assert_eq!(err.as_ref().and_then(|e| e.path()), Some(json_path.as_str()), "{}", json);
    }
}
