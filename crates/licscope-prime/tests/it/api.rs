//! The convenience API: auto-detection, vendor errors, limits.

use licscope_prime::{
    ErrorKind, LicenseInfo, Limits, XmlStream, decode, decode_json, decode_xml, decode_xml_with,
    looks_like_xml,
};

const ERROR_XML: &str = "<errorDocument><httpResponseCode>503</httpResponseCode>\
                         <message>Rate limit exceeded</message></errorDocument>";

#[test]
fn an_error_document_is_a_vendor_error_quoting_the_server() {
    let err = decode_xml(ERROR_XML.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VendorError);
    assert!(
        err.to_string().contains("HTTP 503: Rate limit exceeded"),
        "{err}"
    );
    let json = br#"{"errorDocument": {"httpResponseCode": 401, "message": "Unauthorized"}}"#;
    let err = decode_json(json).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VendorError);
    assert!(err.to_string().contains("HTTP 401: Unauthorized"), "{err}");
}

#[test]
fn decode_tells_xml_from_json() {
    assert!(looks_like_xml(b"\xEF\xBB\xBF \n<mgmtResponse/>"));
    assert!(looks_like_xml(b"\xEF\xBB\xBF\xEF\xBB\xBF<mgmtResponse/>"));
    assert!(!looks_like_xml(b" {\"mgmtResponse\": null}"));
    let xml =
        decode(b"<mgmtResponse><licenseInfoDTO><name>A</name></licenseInfoDTO></mgmtResponse>");
    let json = decode(br#"{"mgmtResponse": {"licenseInfoDTO": {"name": "A"}}}"#);
    assert_eq!(xml.unwrap(), json.unwrap());
}

#[test]
fn record_and_size_limits_have_their_own_kind() {
    let two = b"<mgmtResponse><licenseInfoDTO/><licenseInfoDTO/></mgmtResponse>";
    let err = decode_xml_with(two, &Limits::default().with_max_records(1)).unwrap_err();
    assert_eq!(
        (err.kind(), err.column()),
        (ErrorKind::LimitExceeded, Some(32))
    );
    assert!(decode_xml_with(two, &Limits::default().with_max_records(2)).is_ok());
    let err = decode_xml_with(two, &Limits::default().with_max_input_bytes(10)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let json = br#"{"mgmtResponse": {"licenseInfoDTO": [{}, {}]}}"#;
    let limits = Limits::default().with_max_records(1);
    let err = licscope_prime::decode_json_with(json, &limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn names_borrow_from_the_input_unless_escaped() {
    use std::borrow::Cow;
    let xml = b"<mgmtResponse><licenseInfoDTO><name>Plain</name></licenseInfoDTO>\
                <licenseInfoDTO><name>A &amp; B</name></licenseInfoDTO></mgmtResponse>";
    let r = decode_xml(xml).unwrap();
    assert!(matches!(r.records[0].name, Some(Cow::Borrowed("Plain"))));
    assert!(matches!(&r.records[1].name, Some(Cow::Owned(n)) if n == "A & B"));
    let json = br#"{"mgmtResponse": {"licenseInfoDTO": [{"name": "Plain"}]}}"#;
    let r = decode_json(json).unwrap();
    assert!(matches!(r.records[0].name, Some(Cow::Borrowed("Plain"))));
}

/// A decoder that counts the records of a document.
type CountRecords = fn(&[u8], &Limits) -> Result<usize, licscope_prime::Error>;

/// Records in the plain layout Prime writes (which the decoders read on their fast paths) are
/// held to the same limits, with the same errors, as any other record.
#[test]
fn limits_hold_for_records_in_the_plain_layout() {
    // Names of 20 bytes, longer than any key, for the string limit.
    let xml = b"<mgmtResponse>\n  <licenseInfoDTO><name>Plain feature name 1</name></licenseInfoDTO>\n  \
                <licenseInfoDTO><name>Plain feature name 2</name></licenseInfoDTO>\n</mgmtResponse>";
    let json = br#"{"mgmtResponse": {"licenseInfoDTO": [{"name": "Plain feature name 1"},
                   {"name": "Plain feature name 2"}]}}"#;
    let decoders: [(&[u8], CountRecords); 2] = [
        (xml, |i, l| decode_xml_with(i, l).map(|r| r.records.len())),
        (json, |i, l| {
            licscope_prime::decode_json_with(i, l).map(|r| r.records.len())
        }),
    ];
    for (input, decode) in decoders {
        let base = Limits::default();
        assert_eq!(decode(input, &base), Ok(2));
        for limits in [
            base.with_max_records(1),
            base.with_max_string_bytes(19),
            base.with_max_depth(2),
        ] {
            let err = decode(input, &limits).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
        }
        let err = decode(input, &base.with_max_string_bytes(19)).unwrap_err();
        assert_eq!(
            err.path(),
            Some("mgmtResponse.licenseInfoDTO[0].name"),
            "{err}"
        );
        assert_eq!(decode(input, &base.with_max_string_bytes(20)), Ok(2));
        assert_eq!(decode(input, &base.with_max_records(2)), Ok(2));
    }
}

#[test]
fn json_keys_given_twice_are_refused_at_every_level() {
    for (doc, path) in [
        (
            &br#"{"mgmtResponse": {}, "mgmtResponse": {}}"#[..],
            "mgmtResponse",
        ),
        (br#"{"x": 1, "mgmtResponse": {}, "x": 2}"#, "x"),
        (
            br#"{"mgmtResponse": {"@rootUrl": "a", "@rootUrl": "b"}}"#,
            "mgmtResponse.@rootUrl",
        ),
        (
            br#"{"mgmtResponse": {"@count": 1, "licenseInfoDTO": [], "@count": 1}}"#,
            "mgmtResponse.@count",
        ),
        (
            br#"{"mgmtResponse": {"licenseInfoDTO": [], "licenseInfoDTO": []}}"#,
            "mgmtResponse.licenseInfoDTO",
        ),
    ] {
        let err = decode_json(doc).unwrap_err();
        assert_eq!(
            (err.kind(), err.path()),
            (ErrorKind::DuplicateField, Some(path)),
            "{err}"
        );
    }
}

/// Unknown keys are checked for duplicates whether an object has a few of them or many.
#[test]
fn unknown_json_keys_given_twice_are_refused_however_many_there_are() {
    for count in [2, 16, 17, 40] {
        let mut keys: Vec<String> = (0..count).map(|i| format!("\"k{i}\": {i}")).collect();
        let record = format!("{{{}}}", keys.join(", "));
        let doc = format!("{{\"mgmtResponse\": {{\"licenseInfoDTO\": [{record}]}}}}");
        assert_eq!(decode_json(doc.as_bytes()).map(|r| r.records.len()), Ok(1));
        keys.push("\"k1\": 0".to_owned());
        let record = format!("{{{}}}", keys.join(", "));
        let doc = format!("{{\"mgmtResponse\": {{\"licenseInfoDTO\": [{record}]}}}}");
        let err = decode_json(doc.as_bytes()).unwrap_err();
        assert_eq!(
            (err.kind(), err.path()),
            (
                ErrorKind::DuplicateField,
                Some("mgmtResponse.licenseInfoDTO[0].k1")
            ),
            "{count}: {err}"
        );
    }
}

#[test]
fn root_attribute_values_obey_the_string_limit() {
    let limits = Limits::default().with_max_string_bytes(64);
    let long = "x".repeat(65);
    let xml = format!("<mgmtResponse rootUrl=\"{long}\"></mgmtResponse>");
    let err = licscope_prime::decode_xml_with(xml.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(err.path(), Some("mgmtResponse.@rootUrl"));
    assert_eq!((err.line(), err.column()), (Some(1), Some(1)));
    let streamed = XmlStream::<_, LicenseInfo<'static>>::with_limits(xml.as_bytes(), &limits)
        .map(drop)
        .unwrap_err();
    assert_eq!(streamed, err);
    // The same value in JSON is refused as well.
    let json = format!("{{\"mgmtResponse\": {{\"@rootUrl\": \"{long}\"}}}}");
    let err = licscope_prime::decode_json_with(json.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let fits = format!("<mgmtResponse rootUrl=\"{}\"/>", "x".repeat(64));
    assert!(licscope_prime::decode_xml_with(fits.as_bytes(), &limits).is_ok());
}

#[test]
fn one_event_is_bounded_alike_in_slices_and_streams() {
    // The bound is the string limit plus 64 KiB: a comment just over it is refused at its start
    // by both decoders, in the same words; one at the bound is read by both.
    let limits = Limits::default().with_max_string_bytes(16);
    let bound = 16 + (64 << 10);
    for (len, refused) in [(bound - 7, false), (bound - 6, true), (bound * 3, true)] {
        let xml = format!("<mgmtResponse>\n<!--{}--></mgmtResponse>", "c".repeat(len));
        let whole = licscope_prime::decode_xml_with(xml.as_bytes(), &limits).map(|r| r.records);
        let streamed = XmlStream::<_, LicenseInfo<'static>>::with_limits(
            std::io::BufReader::with_capacity(4096, xml.as_bytes()),
            &limits,
        )
        .and_then(|s| s.collect::<Result<Vec<_>, _>>());
        assert_eq!(whole, streamed, "comment of {len} bytes");
        match whole {
            Err(e) => {
                assert!(refused, "comment of {len} bytes refused: {e}");
                assert_eq!(e.kind(), ErrorKind::LimitExceeded);
                assert_eq!((e.line(), e.column()), (Some(2), Some(1)));
                assert!(
                    e.reason().contains("longer than the limit of 65552 bytes"),
                    "{e}"
                );
            }
            Ok(_) => assert!(!refused, "comment of {len} bytes accepted"),
        }
    }
}

#[test]
fn json_records_read_the_envelope_first_whatever_the_key_order() {
    let body = br#"{"mgmtResponse": {"licenseInfoDTO": [{"name": "a"}, null, {"name": "b"}],
                    "@rootUrl": "https://prime/webacs/api/v3/op"}}"#;
    let mut records =
        licscope_prime::JsonRecords::<LicenseInfo<'_>>::new(body, &Limits::default()).unwrap();
    assert_eq!(
        records.envelope().root_url.as_deref(),
        Some("https://prime/webacs/api/v3/op")
    );
    let names: Vec<_> = records
        .by_ref()
        .map(|r| r.unwrap().name.unwrap().into_owned())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert!(records.next().is_none());
    // A syntax error after the records stops the document before any record.
    let broken = br#"{"mgmtResponse": {"licenseInfoDTO": [{"name": "a"}]}, }"#;
    let err = licscope_prime::JsonRecords::<LicenseInfo<'_>>::new(broken, &Limits::default())
        .unwrap_err();
    assert_eq!(err, licscope_prime::decode_json(broken).unwrap_err());
}

#[test]
fn a_streams_read_error_keeps_its_io_kind_and_source() {
    use std::error::Error as _;
    /// Yields a document's start, then fails as a dropped connection would.
    struct Dropped(&'static [u8]);
    impl std::io::Read for Dropped {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by peer",
                ));
            }
            let n = self.0.len().min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let reader = std::io::BufReader::new(Dropped(b"<mgmtResponse>\n  <licenseInfoDTO><name>A"));
    let err = XmlStream::<_, LicenseInfo<'static>>::new(reader)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(
        err.io_error_kind(),
        Some(std::io::ErrorKind::ConnectionReset)
    );
    assert_eq!(
        err.source().map(|s| s.to_string()).as_deref(),
        Some("connection reset by peer")
    );
    assert_eq!(err.line(), Some(2));
}

/// A value its record refuses is spanned whole, in both formats and from a stream alike; other
/// errors have an empty span at their position.
#[test]
fn a_refused_value_is_spanned_whole() {
    let bom = "\u{feff}";
    let xml = format!(
        "{bom}<mgmtResponse>\n<licenseInfoDTO><name>A</name>\
         <daysToExpire> 99999999999 <!-- c --></daysToExpire></licenseInfoDTO></mgmtResponse>"
    );
    let text = |e: &licscope_prime::Error, input: &str| {
        let span = e.span().unwrap();
        input[span.start as usize..span.end as usize].to_owned()
    };
    let err = decode_xml(xml.as_bytes()).unwrap_err();
    assert_eq!(
        err.path(),
        Some("mgmtResponse.licenseInfoDTO[0].daysToExpire")
    );
    assert_eq!(text(&err, &xml), " 99999999999 <!-- c -->");
    assert_eq!(crate::stream(xml.as_bytes()).unwrap_err(), err);

    let json = format!(
        "{bom}{{\"mgmtResponse\": {{\"licenseInfoDTO\": [\n{{\"deviceCountUsed\": \"ten\", \"name\": \"A\"}}]}}}}"
    );
    let err = decode_json(json.as_bytes()).unwrap_err();
    assert_eq!(
        err.path(),
        Some("mgmtResponse.licenseInfoDTO[0].deviceCountUsed")
    );
    assert_eq!(text(&err, &json), "\"ten\"");
    let err = decode_json(b"{\"mgmtResponse\": [}").unwrap_err();
    assert_eq!(err.span(), err.offset().map(|o| o..o));
}

/// The two fuzz findings of `prime_json_record` (both in the harness, kept here as cases): a
/// byte-order mark may open a record read alone, and a key named "" leaves no path.
#[test]
fn a_record_alone_takes_a_byte_order_mark_and_names_no_empty_key() {
    use licscope_prime::decode_json_record;
    let limits = Limits::default();
    let record = decode_json_record::<LicenseInfo<'_>>(b"\xEF\xBB\xBF{\"name\": \"A\"}", &limits);
    assert_eq!(
        record.map(|r| r.name.map(|n| n.into_owned())),
        Ok(Some("A".to_owned()))
    );
    let err = decode_json_record::<LicenseInfo<'_>>(br#"{"": 1, "": 2}"#, &limits).unwrap_err();
    assert_eq!(
        (err.kind(), err.path(), err.offset()),
        (ErrorKind::DuplicateField, None, Some(8))
    );
}
