//! Replays the committed minimized fuzz corpus (`fuzz/corpus-min/`) through every decoder, with
//! the fuzz targets' main invariants, so that what a campaign found stays covered by
//! `cargo test`.

use licscope_normalize::{Policy, SourceHint, normalize};
use licscope_prime::{Document, ErrorKind, LicenseInfo, Limits, XmlStream};

use crate::at;

#[test]
fn the_minimized_fuzz_corpus_replays_cleanly() {
    let corpus = licscope_fixtures::fuzz_corpus();
    assert!(corpus.len() > 100, "only {} corpus files", corpus.len());
    let policy = Policy::new(at("2026-11-23T12:00:00Z"));
    for (target, name, data) in &corpus {
        let context = format!("fuzz/corpus-min/{target}/{name}");
        if let Ok(licscope_a360::Response::License(d)) = licscope_a360::decode_response(data) {
            let again = licscope_a360::decode(&serde_json::to_vec(&d).unwrap());
            assert_eq!(again.as_ref(), Ok(&d), "{context}");
        }
        let whole =
            licscope_prime::decode_xml_document::<LicenseInfo<'_>>(data, &Limits::default());
        if let Ok(Document::Response(r)) = &whole {
            if let Ok(xml) = licscope_prime::to_xml(r) {
                assert_eq!(
                    licscope_prime::decode_xml(xml.as_bytes()).as_ref(),
                    Ok(r),
                    "{context}"
                );
            }
            let streamed: Result<Vec<LicenseInfo<'static>>, _> =
                XmlStream::new(&data[..]).and_then(|s| s.collect());
            assert_eq!(streamed.as_ref().ok(), Some(&r.records), "{context}");
        }
        if let Err(e) = &whole {
            let streamed: Result<Vec<LicenseInfo<'static>>, _> =
                XmlStream::new(&data[..]).and_then(|s| s.collect());
            if let Err(s) = streamed {
                let encoding = e.kind() == ErrorKind::Encoding && s.offset() <= e.offset();
                assert!(encoding || &s == e, "{context}: stream {s:?}, whole {e:?}");
            }
        }
        if let Ok(Document::Response(r)) =
            licscope_prime::decode_json_document::<LicenseInfo<'_>>(data, &Limits::default())
        {
            let json = licscope_prime::to_json(&r);
            assert_eq!(
                licscope_prime::decode_json(json.as_bytes()).as_ref(),
                Ok(&r),
                "{context}"
            );
        }
        if let Ok(records) = normalize(data, SourceHint::Auto, Some("corpus"), &policy) {
            for record in records {
                let json = serde_json::to_string(&record).unwrap();
                let back: licscope_normalize::LicenseRecord = serde_json::from_str(&json).unwrap();
                assert_eq!(back, record, "{context}");
            }
        }
    }
}
