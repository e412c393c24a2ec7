//! The Prime JSON decoder against plain `serde_json::Value` extraction on raw bytes: when
//! licscope accepts a document, serde_json accepts it too and holds the same records.
//!
//! Deliberate differences: as for Automation 360 (byte-order mark, duplicate keys, nesting), and
//! licscope's leniency that plain extraction lacks (numeric strings, `{"$": ...}` values, a
//! single record as an object), which this target extracts the same lenient way.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_prime::decode_json;
use serde_json::Value;

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("$").and_then(text),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fuzz_target!(|data: &[u8]| {
    let Ok(response) = decode_json(data) else {
        return;
    };
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        // serde_json's recursion limit is its own, and it refuses numbers beyond f64's range,
        // which the JSON grammar allows and licscope skips in values it does not read.
        Err(e) if e.to_string().contains("recursion limit") => return,
        Err(e) if e.to_string().contains("number out of range") => return,
        Err(e) => panic!("licscope accepted what serde_json refuses: {e}"),
    };
    let envelope = &value["mgmtResponse"];
    let records: Vec<&Value> = match &envelope["licenseInfoDTO"] {
        Value::Array(a) => a.iter().filter(|r| !r.is_null()).collect(),
        Value::Object(_) => vec![&envelope["licenseInfoDTO"]],
        _ => Vec::new(),
    };
    assert_eq!(records.len(), response.records.len());
    for (got, want) in response.records.iter().zip(records) {
        // A name given as a number keeps its JSON text in licscope (`-1e124`); serde_json
        // writes the number its own way (`-1e+124`): compare the values instead.
        let name = &want["name"];
        let as_number = |v: &Value| v.as_f64().or_else(|| v.get("$").and_then(Value::as_f64));
        if let Some(n) = as_number(name) {
            assert_eq!(
                got.name.as_deref().and_then(|s| s.parse::<f64>().ok()),
                Some(n)
            );
        } else {
            assert_eq!(got.name.as_deref(), text(name).as_deref());
        }
        let status = text(&want["status"]);
        let status = status
            .as_deref()
            .map(|s| s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')));
        assert_eq!(
            got.status.as_ref().map(|s| s.as_str()),
            status.filter(|s| !s.is_empty())
        );
    }
    // A number keeps its JSON text in licscope (`40.50`, fuzz-number-text-kept.json);
    // serde_json writes it its own way (`40.5`): compare numbers by value.
    let root_url = &envelope["@rootUrl"];
    if let Some(n) = root_url.as_f64() {
        assert_eq!(
            response
                .root_url
                .as_deref()
                .and_then(|s| s.parse::<f64>().ok()),
            Some(n)
        );
    } else {
        assert_eq!(
            response.root_url,
            text(root_url).or_else(|| root_url.as_str().map(str::to_owned))
        );
    }
});
