//! Just enough DER to tell people what a certificate is: its subject and issuer, validity dates,
//! names and whether it is a CA. The TLS verifiers never trust this reader: chains, names and
//! signatures are webpki's; only two things here decide anything, both in the one case webpki
//! cannot (a certificate of the `--ca-file` bundle presented as itself): its validity dates, and
//! its subject's common name where it has no subject alternative name.
//!
//! Every read is bounds-checked and returns `None` on anything unexpected; no input can make it
//! panic (the `x509` unit tests feed it every truncation and one-byte change of a certificate).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// What a certificate says, as read from its DER.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    /// The subject, `C=US, O=Cisco, CN=prime.example.net` (in the certificate's order).
    pub(crate) subject: String,
    /// The issuer, in the same form.
    pub(crate) issuer: String,
    /// The subject's last common name (the most specific), if any.
    pub(crate) common_name: Option<String>,
    pub(crate) not_before: Option<OffsetDateTime>,
    pub(crate) not_after: Option<OffsetDateTime>,
    /// The DNS names and IP addresses of the subject alternative name extension, as text.
    pub(crate) alt_names: Vec<String>,
    /// Whether it has a subject alternative name extension at all.
    pub(crate) has_alt_names: bool,
    /// `basicConstraints` says `CA:TRUE`.
    pub(crate) ca: bool,
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VERSION: u8 = 0xa0;
const EXTENSIONS: u8 = 0xa3;

const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// Reads a certificate's fields, or `None` if it is not a certificate this reader follows.
pub(crate) fn fields(der: &[u8]) -> Option<Fields> {
    let mut input = der;
    let (tag, certificate) = tlv(&mut input)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut certificate = certificate;
    let (tag, mut tbs) = tlv(&mut certificate)?;
    if tag != SEQUENCE {
        return None;
    }
    if tbs.first() == Some(&VERSION) {
        tlv(&mut tbs)?;
    }
    let _serial = tlv(&mut tbs)?;
    let _signature = tlv(&mut tbs)?;
    let issuer = expect(&mut tbs, SEQUENCE)?;
    let mut validity = expect(&mut tbs, SEQUENCE)?;
    let subject = expect(&mut tbs, SEQUENCE)?;
    let _key = expect(&mut tbs, SEQUENCE)?;
    let mut fields = Fields {
        subject: name_text(subject)?,
        issuer: name_text(issuer)?,
        common_name: common_name(subject),
        not_before: time_value(&mut validity),
        not_after: time_value(&mut validity),
        ..Fields::default()
    };
    // Optional unique identifiers ([1], [2]) may come before the extensions ([3]).
    while let Some((tag, value)) = tlv(&mut tbs) {
        if tag == EXTENSIONS {
            extensions(value, &mut fields);
        }
    }
    Some(fields)
}

/// One tag-length-value; the input moves past it. Tags are single bytes (as in every
/// certificate); lengths take at most four bytes.
fn tlv<'a>(input: &mut &'a [u8]) -> Option<(u8, &'a [u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, after) = rest.split_at(n);
        rest = after;
        bytes.iter().fold(0usize, |l, &b| l << 8 | usize::from(b))
    };
    if rest.len() < length {
        return None;
    }
    let (value, after) = rest.split_at(length);
    *input = after;
    Some((tag, value))
}

fn expect<'a>(input: &mut &'a [u8], wanted: u8) -> Option<&'a [u8]> {
    let (tag, value) = tlv(input)?;
    (tag == wanted).then_some(value)
}

/// The attributes of a Name (an RDNSequence's contents), in order.
fn attributes(name: &[u8]) -> impl Iterator<Item = (&[u8], String)> {
    let mut rdns = name;
    let mut set: &[u8] = &[];
    std::iter::from_fn(move || {
        loop {
            if set.is_empty() {
                set = expect(&mut rdns, SET)?;
                continue;
            }
            let mut pair = expect(&mut set, SEQUENCE)?;
            let oid = expect(&mut pair, OID)?;
            let (tag, value) = tlv(&mut pair)?;
            return Some((oid, string_value(tag, value)));
        }
    })
}

fn name_text(name: &[u8]) -> Option<String> {
    let mut out = String::new();
    // A name that does not read to its end is not shown in part.
    let mut rest = name;
    while !rest.is_empty() {
        let mut set = expect(&mut rest, SET)?;
        while !set.is_empty() {
            let mut pair = expect(&mut set, SEQUENCE)?;
            expect(&mut pair, OID)?;
            tlv(&mut pair)?;
        }
    }
    for (oid, value) in attributes(name) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&attribute_name(oid));
        out.push('=');
        out.push_str(&value);
    }
    Some(out)
}

fn common_name(name: &[u8]) -> Option<String> {
    attributes(name)
        .filter(|(oid, _)| *oid == COMMON_NAME)
        .map(|(_, value)| value)
        .last()
}

fn attribute_name(oid: &[u8]) -> String {
    let short = match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        _ => return dotted(oid),
    };
    short.to_owned()
}

/// An OID in dotted form (`2.5.4.3`).
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    for &b in oid {
        value = value.saturating_mul(128) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    let text: Vec<String> = arcs.iter().map(u128::to_string).collect();
    text.join(".")
}

/// A directory string as text: UTF-8, PrintableString and IA5String as they are, BMPString
/// from UTF-16, TeletexString and the rest as Latin-1; what is not valid is replaced.
fn string_value(tag: u8, value: &[u8]) -> String {
    match tag {
        0x0c | 0x13 | 0x16 => String::from_utf8_lossy(value).into_owned(),
        0x1e => {
            let units = value
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        _ => value.iter().map(|&b| char::from(b)).collect(),
    }
}

fn time_value(input: &mut &[u8]) -> Option<OffsetDateTime> {
    let (tag, value) = tlv(input)?;
    let text = std::str::from_utf8(value).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
    let (year, rest) = match (tag, digits.len()) {
        // RFC 5280 4.1.2.5.1: YY of 50 and above is 19YY.
        (UTC_TIME, 12) => {
            let yy = number(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (GENERALIZED_TIME, 14) => (number(0..4)?, 4),
        _ => return None,
    };
    let field = |i: usize| number(rest + 2 * i..rest + 2 * i + 2);
    let month = Month::try_from(u8::try_from(field(0)?).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::try_from(year).ok()?, month, field(1)? as u8).ok()?;
    let time = Time::from_hms(field(2)? as u8, field(3)? as u8, field(4)? as u8).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn extensions(value: &[u8], fields: &mut Fields) {
    let mut outer = value;
    let Some(mut list) = expect(&mut outer, SEQUENCE) else {
        return;
    };
    while let Some(mut extension) = expect(&mut list, SEQUENCE) {
        let Some(oid) = expect(&mut extension, OID) else {
            return;
        };
        if extension.first() == Some(&BOOLEAN) {
            tlv(&mut extension);
        }
        let Some(mut content) = expect(&mut extension, OCTET_STRING) else {
            return;
        };
        if oid == SUBJECT_ALT_NAME {
            fields.has_alt_names = true;
            if let Some(mut names) = expect(&mut content, SEQUENCE) {
                while let Some((tag, name)) = tlv(&mut names) {
                    match tag {
                        // dNSName [2]
                        0x82 => fields
                            .alt_names
                            .push(String::from_utf8_lossy(name).into_owned()),
                        // iPAddress [7]
                        0x87 => fields.alt_names.extend(ip_text(name)),
                        _ => {}
                    }
                }
            }
        } else if oid == BASIC_CONSTRAINTS
            && let Some(mut constraints) = expect(&mut content, SEQUENCE)
            && let Some((BOOLEAN, ca)) = tlv(&mut constraints)
        {
            fields.ca = ca.first().is_some_and(|&b| b != 0);
        }
    }
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    let ip: std::net::IpAddr = match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok()?.into(),
        16 => <[u8; 16]>::try_from(bytes).ok()?.into(),
        _ => return None,
    };
    Some(ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::{dotted, fields};
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

    fn appliance() -> Vec<u8> {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CountryName, "US");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Cisco Systems");
        params
            .distinguished_name
            .push(DnType::CommonName, "prime-01.example.net");
        params.not_before = rcgen::date_time_ymd(2019, 3, 4);
        params.not_after = rcgen::date_time_ymd(2049, 3, 1);
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn an_appliance_certificate_reads_as_openssl_shows_it() {
        let der = appliance();
        let f = fields(&der).unwrap();
        // rcgen writes the common name first; `openssl x509 -noout -subject -inform der` on the
        // same bytes prints `CN = prime-01.example.net, C = US, O = Cisco Systems` (checked on 2026-12-06).
        assert_eq!(f.subject, "CN=prime-01.example.net, C=US, O=Cisco Systems");
        assert_eq!(f.issuer, f.subject);
        assert_eq!(f.common_name.as_deref(), Some("prime-01.example.net"));
        assert!(f.ca);
        assert!(!f.has_alt_names);
        assert_eq!(f.not_before.unwrap().year(), 2019);
        assert_eq!(
            f.not_after.unwrap().to_string(),
            "2049-03-01 0:00:00.0 +00:00:00"
        );
    }

    #[test]
    fn alternative_names_and_leaf_constraints_are_read() {
        let mut params =
            CertificateParams::new(vec!["cr.example.net".to_owned(), "10.0.0.7".to_owned()])
                .unwrap();
        params.is_ca = IsCa::ExplicitNoCa;
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let f = fields(&der).unwrap();
        assert!(f.has_alt_names);
        assert_eq!(f.alt_names, ["cr.example.net", "10.0.0.7"]);
        assert!(!f.ca);
    }

    #[test]
    fn no_truncation_or_changed_byte_makes_it_panic() {
        let der = appliance();
        for end in 0..der.len() {
            let _ = fields(&der[..end]);
        }
        for i in 0..der.len() {
            for b in [0x00, 0x7f, 0x80, 0x84, 0xff] {
                let mut changed = der.clone();
                changed[i] = b;
                let _ = fields(&changed);
            }
        }
        assert!(fields(&der[..der.len() - 1]).is_none());
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(dotted(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]),
            "1.2.840.113549.1.9.1"
        );
    }
}
