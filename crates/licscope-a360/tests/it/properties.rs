//! Property tests: generated payloads, as real Control Rooms vary them, decode to the model they
//! were built from; the model round-trips; a payload with one thing broken names that field.

use licscope_a360::{
    ControlRoomId, FailSafeStatus, LicenseDetails, LicenseMode, LicenseType, Uuid, decode,
};
use proptest::prelude::*;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

const KEYS: [&str; 7] = [
    "type",
    "installationDate",
    "expirationDate",
    "failSafeStatus",
    "controlRoomLicenseServerSyncStatus",
    "installedCrId",
    "licenseMode",
];

/// A generated document: its members as `(key, JSON text)` in order, and the model it means.
#[derive(Clone, Debug)]
struct Doc {
    members: Vec<(String, String)>,
    expected: LicenseDetails,
}

impl Doc {
    fn render(&self, pretty: bool) -> String {
        let sep = if pretty { ",\n  " } else { "," };
        let body: Vec<String> = self
            .members
            .iter()
            .map(|(k, v)| format!("{}:{}{v}", json_string(k), if pretty { " " } else { "" }))
            .collect();
        if pretty {
            format!("{{\n  {}\n}}\n", body.join(sep))
        } else {
            format!("{{{}}}", body.join(sep))
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

/// A timestamp with the precision and spelling it is written in.
fn timestamp() -> impl Strategy<Value = (String, OffsetDateTime)> {
    (
        (1i32..=9998, 1u8..=12, 1u8..=31),
        (0u8..24, 0u8..60, 0u8..60),
        (0usize..=9, any::<u32>()),
        prop_oneof![Just(0i32), -(23 * 60 + 59)..=(23 * 60 + 59)],
        any::<(bool, bool)>(),
    )
        .prop_filter_map(
            "the day exists in that month",
            |((y, mo, d), (h, mi, s), (digits, frac_seed), offset_min, (lower_t, lower_z))| {
                let date = Date::from_calendar_date(y, Month::try_from(mo).ok()?, d).ok()?;
                let frac = if digits == 0 {
                    0
                } else {
                    frac_seed % 10u32.pow(digits as u32)
                };
                let nanos = frac * 10u32.pow(9 - digits as u32);
                let time = Time::from_hms_nano(h, mi, s, nanos).ok()?;
                let offset = UtcOffset::from_whole_seconds(offset_min * 60).ok()?;
                let value = PrimitiveDateTime::new(date, time).assume_offset(offset);
                let mut text = format!(
                    "{y:04}-{mo:02}-{d:02}{}{h:02}:{mi:02}:{s:02}",
                    if lower_t { 't' } else { 'T' }
                );
                if digits > 0 {
                    text.push_str(&format!(".{frac:0digits$}"));
                }
                if offset_min == 0 && lower_z {
                    text.push('z');
                } else if offset_min == 0 {
                    text.push('Z');
                } else {
                    let sign = if offset_min < 0 { '-' } else { '+' };
                    let m = offset_min.unsigned_abs();
                    text.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
                }
                Some((json_string(&text), value))
            },
        )
}

fn open_value(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(known).prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
}

fn uuid() -> impl Strategy<Value = (String, Uuid)> {
    (any::<[u8; 16]>(), any::<bool>()).prop_map(|(bytes, upper)| {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let text = format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
        let text = if upper { text.to_uppercase() } else { text };
        (text, Uuid::from_bytes(bytes))
    })
}

/// Any JSON value, for the unknown keys that real payloads carry.
fn any_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        "\\PC{0,12}".prop_map(|s| json_string(&s)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..4).prop_map(|m| {
                let mut seen = std::collections::HashSet::new();
                let members: Vec<String> = m
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .map(|(k, v)| format!("{}: {v}", json_string(&k)))
                    .collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

/// How a field appears: absent, `null`, or with a value (most often).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presence {
    Missing,
    Null,
    Present,
}

fn presence() -> impl Strategy<Value = Presence> {
    prop_oneof![1 => Just(Presence::Missing), 1 => Just(Presence::Null), 6 => Just(Presence::Present)]
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        (
            open_value(&["PURCHASED", "TRIAL"]),
            timestamp(),
            timestamp(),
        ),
        (any::<i64>(), any::<bool>()),
        prop_oneof![
            Just((String::new(), ControlRoomId::Unassigned)),
            uuid().prop_map(|(t, u)| (t, ControlRoomId::Uuid(u))),
            "\\PC{1,20}".prop_map(|s| (s.clone(), ControlRoomId::Other(s))),
        ],
        open_value(&["FileLicense", "CloudLicense"]),
        prop::array::uniform7(presence()),
        prop::collection::vec(("[a-zA-Z]{1,12}", any_json()), 0..4),
        any::<u64>(),
    )
        .prop_filter_map(
            "at least one license key, unique unknown keys",
            |((ty, inst, exp), (fs, sync), (crid_text, crid), mode, present, extra, order)| {
                if present.iter().all(|p| *p == Presence::Missing) {
                    return None;
                }
                let mut expected = LicenseDetails::default();
                let values = [
                    json_string(&ty),
                    inst.0.clone(),
                    exp.0.clone(),
                    fs.to_string(),
                    sync.to_string(),
                    json_string(&crid_text),
                    json_string(&mode),
                ];
                let mut members = Vec::new();
                for (i, p) in present.iter().enumerate() {
                    match p {
                        Presence::Missing => continue,
                        Presence::Null => members.push((KEYS[i].to_owned(), "null".to_owned())),
                        Presence::Present => {
                            members.push((KEYS[i].to_owned(), values[i].clone()));
                            match i {
                                0 => expected.license_type = Some(LicenseType::from(ty.as_str())),
                                1 => expected.installation_date = Some(inst.1),
                                2 => expected.expiration_date = Some(exp.1),
                                3 => expected.fail_safe_status = Some(FailSafeStatus::from(fs)),
                                4 => expected.license_server_synced = Some(sync),
                                5 => expected.installed_control_room = Some(crid.clone()),
                                _ => expected.license_mode = Some(LicenseMode::from(mode.as_str())),
                            }
                        }
                    }
                }
                // A generated non-UUID id that happens to parse as one is not "Other".
                if let Some(ControlRoomId::Other(s)) = &expected.installed_control_room
                    && s.parse::<Uuid>().is_ok()
                {
                    return None;
                }
                for (k, v) in extra {
                    let taken = KEYS.contains(&k.as_str())
                        || ["code", "message", "details"].contains(&k.as_str())
                        || members.iter().any(|(m, _)| *m == k);
                    if !taken {
                        members.push((k, v));
                    }
                }
                // A deterministic shuffle from the seed: any key order.
                let mut seed = order;
                for i in (1..members.len()).rev() {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    members.swap(i, (seed >> 33) as usize % (i + 1));
                }
                Some(Doc { members, expected })
            },
        )
}

fn same(a: &LicenseDetails, b: &LicenseDetails) -> bool {
    // `OffsetDateTime` equality compares instants; the serialized form also compares offsets.
    a == b && serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A UUID with one byte replaced: it parses exactly when a naive reading of the
    /// 8-4-4-4-12 form accepts it, and then to the bytes that reading gives.
    #[test]
    fn uuids_parse_as_a_naive_reading_does(
        (text, _) in uuid(),
        at in 0usize..36,
        byte in prop_oneof![Just(b'-'), Just(b'g'), Just(b'G'), Just(b'/'), Just(b':'), Just(b'@'), 0x20u8..0x7F],
    ) {
        let mut bytes = text.into_bytes();
        bytes[at] = byte;
        let text = String::from_utf8(bytes).unwrap();
        let naive = || -> Option<[u8; 16]> {
            let groups: Vec<&str> = text.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            if lengths != [8, 4, 4, 4, 12] {
                return None;
            }
            let hex = groups.concat();
            let mut out = [0u8; 16];
            for (i, o) in out.iter_mut().enumerate() {
                *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
            }
            // `from_str_radix` takes a leading '+'; a UUID digit never is one.
            (!hex.contains('+')).then_some(out)
        };
        prop_assert_eq!(text.parse::<Uuid>().ok().map(|u| *u.as_bytes()), naive());
    }

    #[test]
    fn generated_documents_decode_to_their_model(doc in doc(), pretty in any::<bool>()) {
        let text = doc.render(pretty);
        let decoded = decode(text.as_bytes());
        prop_assert!(
            decoded.as_ref().is_ok_and(|d| same(d, &doc.expected)),
            "{text}\ndecoded {decoded:?}\nexpected {:?}", doc.expected
        );
    }

    /// The fast path against the general decoder forced on the same bytes: generated documents
    /// (plain ones take the fast path; escapes, unknown keys and nulls in other places do not),
    /// and the same documents with one byte changed, errors included.
    #[test]
    fn the_fast_path_answers_as_the_general_decoder(
        doc in doc(),
        pretty in any::<bool>(),
        flip in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
    ) {
        let mut bytes = doc.render(pretty).into_bytes();
        if let Some((at, byte)) = flip {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let limits = licscope_a360::default_limits();
        let general = licscope_a360::decode_response_general(&bytes, &limits);
        let public = licscope_a360::decode_response_with(&bytes, &limits);
        prop_assert_eq!(&public, &general, "{}", String::from_utf8_lossy(&bytes));
        if let Some(plain) = licscope_a360::decode_plain(&bytes) {
            prop_assert_eq!(Ok(licscope_a360::Response::License(plain)), general);
        }
    }

    #[test]
    fn models_round_trip_through_their_serialized_form(doc in doc()) {
        let bytes = serde_json::to_vec(&doc.expected).expect("serializes");
        let decoded = decode(&bytes);
        prop_assert!(decoded.as_ref().is_ok_and(|d| same(d, &doc.expected)), "{decoded:?}");
    }

    #[test]
    fn one_broken_field_is_named_in_the_error(doc in doc(), pick in any::<prop::sample::Index>(), variant in 0usize..2) {
        let known: Vec<usize> = doc
            .members
            .iter()
            .enumerate()
            .filter(|(_, (k, v))| KEYS.contains(&k.as_str()) && v != "null")
            .map(|(i, _)| i)
            .collect();
        prop_assume!(!known.is_empty());
        let mut broken = doc.clone();
        let at = known[pick.index(known.len())];
        let key = broken.members[at].0.clone();
        let bad = match (key.as_str(), variant) {
            ("installationDate" | "expirationDate", 0) => "\"2021-02-30T00:00:00Z\"",
            ("installationDate" | "expirationDate", _) => "1625077799999",
            ("failSafeStatus", 0) => "\"0\"",
            ("failSafeStatus", _) => "1.5",
            ("controlRoomLicenseServerSyncStatus", 0) => "\"true\"",
            ("controlRoomLicenseServerSyncStatus", _) => "1",
            (_, 0) => "12",
            (_, _) => "[\"PURCHASED\"]",
        };
        broken.members[at].1 = bad.to_owned();
        let text = broken.render(variant == 0);
        match decode(text.as_bytes()) {
            Ok(d) => prop_assert!(false, "{text} was accepted as {d:?}"),
            Err(e) => prop_assert_eq!(e.path(), Some(key.as_str()), "{}", e),
        }
    }
}

#[test]
fn an_impossible_date_is_spanned_whole() {
    let input =
        "\u{feff}{\"type\": \"PURCHASED\",\n \"expirationDate\" : \"2021-02-30T00:00:00Z\" }";
    let err = decode(input.as_bytes()).unwrap_err();
    let span = err.span().unwrap();
    assert_eq!(
        &input[span.start as usize..span.end as usize],
        "\"2021-02-30T00:00:00Z\""
    );
}

/// Newer Control Rooms add keys: a document with unknown scalar keys stays on the fast path.
#[test]
fn unknown_scalar_keys_stay_on_the_fast_path() {
    let path = licscope_fixtures::root().join("a360/valid/fast-path-five-unknown-scalar-keys.json");
    let bytes = std::fs::read(path).unwrap();
    assert!(licscope_a360::decode_plain(&bytes).is_some());
    assert_eq!(licscope_a360::decode_plain(&bytes), decode(&bytes).ok());
    // A nested unknown value and another API's root key are left to the general decoder.
    assert_eq!(
        licscope_a360::decode_plain(br#"{"type": "TRIAL", "x": [1]}"#),
        None
    );
    assert_eq!(
        licscope_a360::decode_plain(br#"{"type": "TRIAL", "mgmtResponse": 1}"#),
        None
    );
}
