//! Source detection: which API a payload came from.

use licscope_a360::{LicenseDetails, ProductList};
use licscope_prime::{LicenseResponse, Limits};
use licscope_syntax::{Error, ErrorKind};

use crate::record::{LicenseRecord, Source};
use crate::rules::{Policy, from_automation360, from_automation360_products, from_cisco_prime};

/// Which decoder to use for an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceHint {
    /// Detect it from the payload.
    #[default]
    Auto,
    /// Automation 360 license details (JSON), or its product list when it has a `products`
    /// key.
    Automation360,
    /// Cisco Prime license info (XML or JSON).
    CiscoPrime,
    /// The Automation 360 product list alone (JSON): what a Control Room answers to
    /// `POST /v2/license/product/list`.
    Automation360Products,
}

/// A decoded vendor payload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decoded<'a> {
    /// Automation 360 license details.
    Automation360(LicenseDetails),
    /// An Automation 360 product list (seats per product and feature).
    Automation360Products(ProductList),
    /// A Cisco Prime license-info response.
    CiscoPrime(LicenseResponse<'a>),
}

impl Decoded<'_> {
    /// Detaches the model from the input it borrows from.
    pub fn into_owned(self) -> Decoded<'static> {
        match self {
            Decoded::Automation360(d) => Decoded::Automation360(d),
            Decoded::Automation360Products(l) => Decoded::Automation360Products(l),
            Decoded::CiscoPrime(r) => Decoded::CiscoPrime(r.into_owned()),
        }
    }

    /// The API the payload came from.
    pub fn source(&self) -> Source {
        match self {
            Decoded::Automation360(_) | Decoded::Automation360Products(_) => Source::Automation360,
            Decoded::CiscoPrime(_) => Source::CiscoPrime,
        }
    }

    /// Evaluates the payload into records.
    pub fn normalize(&self, origin: Option<&str>, policy: &Policy) -> Vec<LicenseRecord> {
        match self {
            Decoded::Automation360(d) => vec![from_automation360(d, origin, policy)],
            Decoded::Automation360Products(l) => from_automation360_products(l, origin, policy),
            Decoded::CiscoPrime(r) => from_cisco_prime(r, origin, policy),
        }
    }
}

const EXPECTED: &str = "expected Cisco Prime license info (an XML <mgmtResponse> or a JSON \
                        object with a \"mgmtResponse\" key), Automation 360 license details (a \
                        JSON object with keys such as \"type\" and \"expirationDate\") or an \
                        Automation 360 product list (a JSON object with a \"products\" key)";

/// Decodes `input` as the API `hint` names, or detects it: XML is Cisco Prime; a JSON object
/// with a `mgmtResponse` (or `errorDocument`) key is Cisco Prime; one with a `products` key is
/// an Automation 360 product list (it carries license-details keys too, so this is looked at
/// first); one with the license-details keys is Automation 360 license details.
///
/// # Errors
///
/// The decoder's error; a vendor error document (Prime's `errorDocument`, the Control Room's
/// `{"code", "message"}`) is an error of kind [`ErrorKind::VendorError`] quoting the vendor's
/// message; anything else is an error of kind [`ErrorKind::UnexpectedDocument`] that names the
/// APIs licscope reads.
pub fn decode(input: &[u8], hint: SourceHint) -> Result<Decoded<'_>, Error> {
    match hint {
        SourceHint::Automation360 => automation360(input),
        SourceHint::Automation360Products => {
            licscope_a360::decode_products(input).map(Decoded::Automation360Products)
        }
        SourceHint::CiscoPrime => licscope_prime::decode(input).map(Decoded::CiscoPrime),
        SourceHint::Auto if licscope_prime::looks_like_xml(input) => {
            licscope_prime::decode_xml_with(input, &Limits::default()).map(Decoded::CiscoPrime)
        }
        // A plain Automation 360 document holds no Prime key, so Prime would refuse it: read it
        // first, and Prime's decoder never has to read it whole only to refuse it.
        SourceHint::Auto => match licscope_a360::decode_plain(input) {
            Some(details) => Ok(Decoded::Automation360(details)),
            None => decode_json(input),
        },
    }
}

/// Auto-detection between the two JSON formats: Prime first, so a document with a
/// `mgmtResponse` key is Prime's whatever other keys it holds.
fn decode_json(input: &[u8]) -> Result<Decoded<'_>, Error> {
    match licscope_prime::decode_json(input) {
        Err(e) if e.is_other_document() => match automation360(input) {
            Err(e) if e.is_other_document() => Err(Error::new(
                ErrorKind::UnexpectedDocument,
                format!("{EXPECTED}; found {}", found(&e)),
            )
            .at_position(0, 1, 1)),
            other => other,
        },
        other => other.map(Decoded::CiscoPrime),
    }
}

/// Automation 360: a product list if it has a `products` key, else license details.
fn automation360(input: &[u8]) -> Result<Decoded<'_>, Error> {
    if licscope_a360::is_product_list(input) {
        licscope_a360::decode_products(input).map(Decoded::Automation360Products)
    } else {
        licscope_a360::decode(input).map(Decoded::Automation360)
    }
}

/// Decodes and evaluates `input` in one call.
///
/// # Errors
///
/// As [`decode`].
pub fn normalize(
    input: &[u8],
    hint: SourceHint,
    origin: Option<&str>,
    policy: &Policy,
) -> Result<Vec<LicenseRecord>, Error> {
    decode(input, hint).map(|d| d.normalize(origin, policy))
}

/// What the document turned out to be, from a decoder's refusal.
fn found(e: &Error) -> String {
    match e.reason().rsplit_once(", found ") {
        Some((_, found)) => found.to_owned(),
        None => "neither".to_owned(),
    }
}
