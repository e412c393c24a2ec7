//! Structured: an arbitrary license-info model, encoded to XML and to JSON, decodes back to the
//! same model from both, and the two forms agree (also through the streaming decoder).
#![no_main]

use std::borrow::Cow;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use licscope_prime::{
    LicenseInfo, LicenseStatus, MgmtResponse, XmlStream, decode_json, decode_xml, to_json, to_xml,
};

#[derive(Debug, Arbitrary)]
struct Model {
    response_type: Option<String>,
    request_url: Option<String>,
    root_url: Option<String>,
    records: Vec<Record>,
}

#[derive(Debug, Arbitrary)]
struct Record {
    days: Option<i32>,
    remaining: Option<i32>,
    used: Option<i32>,
    name: Option<String>,
    status: Option<Status>,
}

#[derive(Debug, Arbitrary)]
enum Status {
    Licensed,
    NotLicensed,
    Exceeded,
    Other(String),
}

fuzz_target!(|model: Model| {
    let records = model
        .records
        .into_iter()
        .map(|r| {
            let mut info = LicenseInfo::default();
            info.days_to_expire = r.days;
            info.device_count_remaining = r.remaining;
            info.device_count_used = r.used;
            // An empty value means missing, by design.
            info.name = r.name.filter(|n| !n.is_empty()).map(Cow::Owned);
            info.status = r.status.and_then(|s| match s {
                Status::Licensed => Some(LicenseStatus::Licensed),
                Status::NotLicensed => Some(LicenseStatus::NotLicensed),
                Status::Exceeded => Some(LicenseStatus::Exceeded),
                // Statuses are trimmed of XML whitespace; a blank one is missing.
                Status::Other(s) => {
                    let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
                    (!t.is_empty()).then(|| LicenseStatus::from(t))
                }
            });
            info
        })
        .collect();
    let mut response = MgmtResponse::new(records);
    response.response_type = model.response_type;
    response.request_url = model.request_url;
    response.root_url = model.root_url;

    let json = to_json(&response);
    assert_eq!(
        decode_json(json.as_bytes()).as_ref(),
        Ok(&response),
        "{json}"
    );
    // Text XML 1.0 cannot carry is refused by the encoder; everything else must round-trip.
    let Ok(xml) = to_xml(&response) else { return };
    assert_eq!(decode_xml(xml.as_bytes()).as_ref(), Ok(&response), "{xml}");
    let streamed: Vec<LicenseInfo<'static>> = XmlStream::new(xml.as_bytes())
        .and_then(|s| s.collect())
        .expect("the stream decodes what the whole-document decoder does");
    assert_eq!(streamed, response.records);
});
