//! `POST /v2/license/product/list`: the Control Room's licensed products, with their seat
//! counts per feature and their metered metrics.
//!
//! The shape is the one a public client models and the vendor's page names in part (see the
//! crate documentation): what is confirmed is the endpoint, `purchasedCount`,
//! `usedCountByThisCr`, `usedCountByAllCr`, `enable`, and the product and feature names; the
//! nesting (`products[].features[]`, `products[].metrics[]`), `id`, `unit` and
//! `availableCount` are the public client's, not the vendor's. So the decoder is tolerant where
//! the shape is a guess: every field may be missing or `null`, counts may be numbers or numeric
//! strings, ids strings or numbers, `enable` a boolean or the string `"true"`/`"false"`, unknown
//! keys are skipped; negative counts and use above the purchase are kept as sent (the normalizer
//! flags them). What it refuses is what no reading can make sense of: a count that is not an
//! integer, a value of the wrong type, a key twice in one object, malformed JSON.
//!
//! The shape as a JSON Schema: `schema/a360-product-list.json` in the repository (tested
//! against the fixtures).

use std::borrow::Cow;
use std::collections::HashSet;

use licscope_syntax::{Error, ErrorKind, JsonKind, JsonReader, Limits};
use serde::Serialize;
use time::OffsetDateTime;

use crate::decode::{loose_string, nullable, timestamp};
use crate::model::{ApiError, LicenseType};

/// The product list of a Control Room.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductList {
    /// `type`: the license's type, as in the license details.
    #[serde(rename = "type")]
    pub license_type: Option<LicenseType>,
    /// `installationDate`.
    #[serde(with = "licscope_syntax::plumbing::serde_rfc3339::option")]
    pub installation_date: Option<OffsetDateTime>,
    /// `expirationDate`.
    #[serde(with = "licscope_syntax::plumbing::serde_rfc3339::option")]
    pub expiration_date: Option<OffsetDateTime>,
    /// `products`, in the order sent; empty when missing or `null`.
    pub products: Vec<Product>,
}

/// One licensed product (`ControlRoom`, `Analytics`, `BotFarm`, `Cognitive`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Product {
    /// `id`, as text (a number is kept as its digits).
    pub id: Option<String>,
    /// `name`, such as `ControlRoom`.
    pub name: Option<String>,
    /// `features`: seats by feature.
    pub features: Vec<Feature>,
    /// `metrics`: metered quantities.
    pub metrics: Vec<Metric>,
}

/// Seats of one feature of a product (`Development`: Bot Creator, `Runtime`: Unattended Bot
/// Runner, `AttendedRuntime`: Attended Bot Runner, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Feature {
    /// `id`, as text.
    pub id: Option<String>,
    /// `name`, such as `Runtime`.
    pub name: Option<String>,
    /// `enable`: whether the feature is licensed on this Control Room.
    pub enable: Option<bool>,
    /// `purchasedCount`: seats bought.
    pub purchased_count: Option<i64>,
    /// `usedCountByThisCr`: seats assigned on this Control Room.
    pub used_count_by_this_cr: Option<i64>,
    /// `usedCountByAllCr`: seats assigned on every Control Room sharing the license (a cloud
    /// license); equal to `usedCountByThisCr` for a file license.
    pub used_count_by_all_cr: Option<i64>,
}

/// A metered quantity of a product (pages, documents, hours, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Metric {
    /// `name`.
    pub name: Option<String>,
    /// `unit`, such as `pages`.
    pub unit: Option<String>,
    /// `purchasedCount`.
    pub purchased_count: Option<i64>,
    /// `usedCountByThisCr`.
    pub used_count_by_this_cr: Option<i64>,
    /// `availableCount`.
    pub available_count: Option<i64>,
}

/// One feature or metric of a product list, with its product and the list's license header:
/// what a normalized seat record keeps as its vendor part.
///
/// It serializes as the license-details keys of the list (`type`, `installationDate`,
/// `expirationDate`, and `failSafeStatus`, `controlRoomLicenseServerSyncStatus`,
/// `installedCrId`, `licenseMode` as `null`, which a product list does not carry), then
/// `product` (`id`, `name`) and either `feature` or `metric` with their wire names: so that a
/// reader that knows only the license-details shape still reads it, and
/// [`decode_product_usage`] reads it back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductUsage {
    /// The list's `type`.
    #[serde(rename = "type")]
    pub license_type: Option<LicenseType>,
    /// The list's `installationDate`.
    #[serde(with = "licscope_syntax::plumbing::serde_rfc3339::option")]
    pub installation_date: Option<OffsetDateTime>,
    /// The list's `expirationDate`.
    #[serde(with = "licscope_syntax::plumbing::serde_rfc3339::option")]
    pub expiration_date: Option<OffsetDateTime>,
    #[serde(serialize_with = "null")]
    fail_safe_status: (),
    #[serde(serialize_with = "null")]
    control_room_license_server_sync_status: (),
    #[serde(serialize_with = "null")]
    installed_cr_id: (),
    #[serde(serialize_with = "null")]
    license_mode: (),
    /// The product it belongs to.
    pub product: ProductName,
    /// The feature or the metric.
    #[serde(flatten)]
    pub item: UsageItem,
}

/// A product's `id` and `name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProductName {
    /// `id`, as text.
    pub id: Option<String>,
    /// `name`, such as `ControlRoom`.
    pub name: Option<String>,
}

/// What a [`ProductUsage`] counts: seats of a feature, or a metered metric.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UsageItem {
    /// Seats of a feature (`"feature"`).
    Feature(Feature),
    /// A metered metric (`"metric"`).
    Metric(Metric),
}

fn null<S: serde::Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}

impl ProductUsage {
    /// A feature or metric of `product`, under `list`'s license header.
    pub fn new(list: &ProductList, product: &Product, item: UsageItem) -> ProductUsage {
        ProductUsage {
            license_type: list.license_type.clone(),
            installation_date: list.installation_date,
            expiration_date: list.expiration_date,
            fail_safe_status: (),
            control_room_license_server_sync_status: (),
            installed_cr_id: (),
            license_mode: (),
            product: ProductName {
                id: product.id.clone(),
                name: product.name.clone(),
            },
            item,
        }
    }
}

impl ProductList {
    /// Every feature (enabled or not) and every metric, product by product in the order sent:
    /// features first, then metrics.
    pub fn usage(&self) -> impl Iterator<Item = ProductUsage> + '_ {
        self.products.iter().flat_map(move |p| {
            let features = p.features.iter().map(|f| UsageItem::Feature(f.clone()));
            let metrics = p.metrics.iter().map(|m| UsageItem::Metric(m.clone()));
            features
                .chain(metrics)
                .map(move |item| ProductUsage::new(self, p, item))
        })
    }
}

/// Whether `input` is a JSON object with a top-level `products` key: a product list, which
/// also carries the license-details keys `type`, `installationDate` and `expirationDate`, so
/// that a details reader would take it and drop its seats. Reads the top level only until the
/// key is found; anything malformed is `false` (the decoder that reads it then says why).
pub fn is_product_list(input: &[u8]) -> bool {
    has_top_level_key(input, |key| key == "products")
}

/// Whether `input` is a JSON object with a top-level `feature` or `metric` key: a
/// [`ProductUsage`] as it serializes, not license details. As [`is_product_list`] otherwise.
pub fn is_product_usage(input: &[u8]) -> bool {
    has_top_level_key(input, |key| key == "feature" || key == "metric")
}

fn has_top_level_key(input: &[u8], wanted: impl Fn(&str) -> bool) -> bool {
    let limits = crate::default_limits();
    let Ok(mut r) = JsonReader::new(input, &limits) else {
        return false;
    };
    if !matches!(r.peek_kind(), Ok(JsonKind::Object)) || r.begin_object().is_err() {
        return false;
    }
    let mut first = true;
    while let Ok(Some((key, _))) = r.next_key(&mut first) {
        if wanted(&key) {
            return true;
        }
        if r.skip_value().is_err() {
            return false;
        }
    }
    false
}

/// Reads back a [`ProductUsage`] as it serializes (a normalized record's vendor part): the
/// keys of the list's header, `product`, and exactly one of `feature` and `metric`, with the
/// product list's rules for each; other keys are skipped.
///
/// ```
/// let body = br#"{"type": "PURCHASED", "product": {"id": "1", "name": "ControlRoom"},
///                 "feature": {"name": "Runtime", "purchasedCount": 10, "usedCountByAllCr": 4}}"#;
/// let usage = licscope_a360::decode_product_usage(body)?;
/// assert_eq!(usage.product.name.as_deref(), Some("ControlRoom"));
/// # Ok::<(), licscope_a360::Error>(())
/// ```
///
/// # Errors
///
/// Malformed JSON, a value of the wrong type, a key twice, or neither or both of `feature`
/// and `metric`.
pub fn decode_product_usage(input: &[u8]) -> Result<ProductUsage, Error> {
    let limits = crate::default_limits();
    let mut r = JsonReader::new(input, &limits)?;
    let mut list = ProductList::default();
    let mut product = Product::default();
    let mut items = Vec::new();
    let top = || String::new();
    members(&mut r, &top, &USAGE_KEYS, |r, index, here| match index {
        0 => nullable(r, |r| Ok(LicenseType::from(&*r.string()?))).map(|v| list.license_type = v),
        1 => nullable(r, timestamp).map(|v| list.installation_date = v),
        2 => nullable(r, timestamp).map(|v| list.expiration_date = v),
        3 => self::product(r, here).map(|p| product = p),
        4 => feature(r, here).map(|f| items.push(UsageItem::Feature(f))),
        _ => metric(r, here).map(|m| items.push(UsageItem::Metric(m))),
    })?;
    r.finish()?;
    match (items.pop(), items.pop()) {
        (Some(item), None) => Ok(ProductUsage::new(&list, &product, item)),
        _ => Err(Error::new(
            ErrorKind::UnexpectedDocument,
            "expected an Automation 360 product usage (one of \"feature\" and \"metric\")",
        )
        .at_position(0, 1, 1)),
    }
}

/// A product-list answer: the list, or the Control Room's error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ProductsResponse {
    /// The product list.
    Products(ProductList),
    /// The Control Room's error body (`{"code", "message", "details"}`).
    Error(ApiError),
}

/// Decodes a product list with [`default_limits`](crate::default_limits); the Control Room's
/// error body is an error of kind [`ErrorKind::VendorError`].
///
/// ```
/// let body = br#"{"type": "PURCHASED", "products": [{"id": "1", "name": "ControlRoom",
///   "features": [{"name": "Runtime", "enable": true, "purchasedCount": 10,
///                 "usedCountByThisCr": "4", "usedCountByAllCr": 4}]}]}"#;
/// let list = licscope_a360::decode_products(body)?;
/// let runtime = &list.products[0].features[0];
/// assert_eq!((runtime.purchased_count, runtime.used_count_by_this_cr), (Some(10), Some(4)));
/// # Ok::<(), licscope_a360::Error>(())
/// ```
///
/// # Errors
///
/// Malformed JSON, a value of the wrong type (a count that is not an integer), a key twice in
/// one object, a document that is not a product list, or the error body.
pub fn decode_products(input: &[u8]) -> Result<ProductList, Error> {
    match decode_products_response_with(input, &crate::default_limits())? {
        ProductsResponse::Products(list) => Ok(list),
        ProductsResponse::Error(e) => Err(Error::new(
            ErrorKind::VendorError,
            format!("the Control Room answered with an error instead of the product list: {e}"),
        )),
    }
}

/// Decodes a product-list answer: the list or the Control Room's error body.
///
/// # Errors
///
/// As [`decode_products`], the error body aside.
pub fn decode_products_response_with(
    input: &[u8],
    limits: &Limits,
) -> Result<ProductsResponse, Error> {
    let mut r = JsonReader::new(input, limits)?;
    if r.peek_kind()? != JsonKind::Object {
        return Err(r.type_error("an object (an Automation 360 product list)"));
    }
    let mut list = ProductList::default();
    let (mut has_products, mut code, mut message, mut details) = (false, None, None, None);
    let top = || String::new();
    members(&mut r, &top, &TOP_KEYS, |r, index, here| match index {
        0 => nullable(r, |r| Ok(LicenseType::from(&*r.string()?))).map(|v| list.license_type = v),
        1 => nullable(r, timestamp).map(|v| list.installation_date = v),
        2 => nullable(r, timestamp).map(|v| list.expiration_date = v),
        3 => {
            has_products = true;
            array(r, here, product).map(|v| list.products = v)
        }
        4 => loose_string(r).map(|v| code = v.map(Cow::into_owned)),
        5 => loose_string(r).map(|v| message = v.map(Cow::into_owned)),
        _ => r.skip_value().map(|v| details = Some(v)),
    })?;
    r.finish()?;
    if has_products {
        return Ok(ProductsResponse::Products(list));
    }
    if let Some(code) = code {
        let mut error = ApiError::new(code, message);
        if let Some(text) = details {
            // The reader has checked this text as JSON; serde_json's only other refusal is
            // nesting past its own limit of 128.
            error.details = serde_json::from_str(text).map_err(|e| {
                Error::new(ErrorKind::LimitExceeded, format!("details: {e}"))
                    .with_path(|| "details".to_owned())
            })?;
        }
        return Ok(ProductsResponse::Error(error));
    }
    Err(Error::new(
        ErrorKind::UnexpectedDocument,
        "expected an Automation 360 product list (a \"products\" key), found an object without one",
    )
    .at_position(0, 1, 1))
}

/// The keys of the top level, of a product, of a feature and of a metric, each in the order
/// its reader's `match` gives their indexes.
const TOP_KEYS: [&str; 7] = [
    "type",
    "installationDate",
    "expirationDate",
    "products",
    "code",
    "message",
    "details",
];
const USAGE_KEYS: [&str; 6] = [
    "type",
    "installationDate",
    "expirationDate",
    "product",
    "feature",
    "metric",
];
const PRODUCT_KEYS: [&str; 4] = ["id", "name", "features", "metrics"];
const FEATURE_KEYS: [&str; 6] = [
    "id",
    "name",
    "enable",
    "purchasedCount",
    "usedCountByThisCr",
    "usedCountByAllCr",
];
const METRIC_KEYS: [&str; 5] = [
    "name",
    "unit",
    "purchasedCount",
    "usedCountByThisCr",
    "availableCount",
];

/// How an error names where it is: built only when there is an error. The innermost decoder
/// sets the whole path (the first path set wins), so each level hands its own down.
type Path<'p> = &'p dyn Fn() -> String;

/// An array of `item`s at `path` (`null` is empty).
fn array<'a, T>(
    r: &mut JsonReader<'a>,
    path: Path<'_>,
    item: fn(&mut JsonReader<'a>, Path<'_>) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let mut items = Vec::new();
    if r.null()? {
        return Ok(items);
    }
    if r.peek_kind()? != JsonKind::Array {
        return Err(r.type_error("an array").with_path(path));
    }
    r.begin_array()?;
    let mut first = true;
    while r.next_element(&mut first).map_err(|e| e.with_path(path))? {
        let index = items.len();
        let here = || format!("{}[{index}]", path());
        items.push(item(r, &here).map_err(|e| e.with_path(here))?);
    }
    Ok(items)
}

/// Reads the members of the object at `path`: a key of `known` goes to `read` with its index,
/// any other is skipped (its value syntax-checked); a key twice is refused, escaped or not.
/// Known keys are tracked by bit, unknown ones in a set made only when one appears.
fn members<'a>(
    r: &mut JsonReader<'a>,
    path: Path<'_>,
    known: &[&str],
    mut read: impl FnMut(&mut JsonReader<'a>, usize, Path<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let in_path = |e: Error| {
        if path().is_empty() {
            e
        } else {
            e.with_path(path)
        }
    };
    if r.peek_kind()? != JsonKind::Object {
        return Err(in_path(r.type_error("an object")));
    }
    r.begin_object()?;
    let mut seen = 0u32;
    let mut unknown: Option<HashSet<Cow<'a, str>>> = None;
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first).map_err(in_path)? {
        let here = || {
            let outer = path();
            if outer.is_empty() {
                key.to_string()
            } else {
                format!("{outer}.{key}")
            }
        };
        let index = known.iter().position(|k| *k == key);
        let again = match index {
            Some(i) => {
                let before = seen;
                seen |= 1 << i;
                before & (1 << i) != 0
            }
            // Cloning a borrowed key copies a pointer; escaped keys are rare.
            None => !unknown.get_or_insert_with(HashSet::new).insert(key.clone()),
        };
        if again {
            return Err(r
                .error_at(
                    ErrorKind::DuplicateField,
                    at,
                    format!("duplicate key {key:?}: the object names it twice"),
                )
                .with_path(here));
        }
        let result = match index {
            Some(i) => read(r, i, &here),
            None => r.skip_value().map(drop),
        };
        result.map_err(|e| e.with_path(here))?;
    }
    Ok(())
}

fn product(r: &mut JsonReader<'_>, path: Path<'_>) -> Result<Product, Error> {
    let mut p = Product::default();
    members(r, path, &PRODUCT_KEYS, |r, index, here| {
        match index {
            0 => p.id = id(r)?,
            1 => p.name = text(r)?,
            2 => p.features = array(r, here, feature)?,
            _ => p.metrics = array(r, here, metric)?,
        }
        Ok(())
    })?;
    Ok(p)
}

fn feature(r: &mut JsonReader<'_>, path: Path<'_>) -> Result<Feature, Error> {
    let mut f = Feature::default();
    members(r, path, &FEATURE_KEYS, |r, index, _| {
        match index {
            0 => f.id = id(r)?,
            1 => f.name = text(r)?,
            2 => f.enable = flag(r)?,
            3 => f.purchased_count = count(r)?,
            4 => f.used_count_by_this_cr = count(r)?,
            _ => f.used_count_by_all_cr = count(r)?,
        }
        Ok(())
    })?;
    Ok(f)
}

fn metric(r: &mut JsonReader<'_>, path: Path<'_>) -> Result<Metric, Error> {
    let mut m = Metric::default();
    members(r, path, &METRIC_KEYS, |r, index, _| {
        match index {
            0 => m.name = text(r)?,
            1 => m.unit = text(r)?,
            2 => m.purchased_count = count(r)?,
            3 => m.used_count_by_this_cr = count(r)?,
            _ => m.available_count = count(r)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn text(r: &mut JsonReader<'_>) -> Result<Option<String>, Error> {
    nullable(r, |r| r.string().map(Cow::into_owned))
}

/// An id: a string, or a number kept as its text.
fn id(r: &mut JsonReader<'_>) -> Result<Option<String>, Error> {
    nullable(r, |r| match r.peek_kind()? {
        JsonKind::Number => r.number_text().map(str::to_owned),
        JsonKind::String => r.string().map(Cow::into_owned),
        _ => Err(r.type_error("a string or a number")),
    })
}

/// A count: an integer, or a string holding one (surrounding spaces allowed).
fn count(r: &mut JsonReader<'_>) -> Result<Option<i64>, Error> {
    nullable(r, |r| {
        let at = r.pos_after_ws();
        match r.peek_kind()? {
            JsonKind::Number => r.i64(),
            JsonKind::String => {
                let text = r.string()?;
                text.trim().parse::<i64>().map_err(|_| {
                    r.error_over(
                        ErrorKind::InvalidValue,
                        at,
                        r.position(),
                        format!("expected a count, found {text:?}: not an integer"),
                    )
                })
            }
            _ => Err(r.type_error("an integer count")),
        }
    })
}

/// `enable`: a boolean, or the string `"true"` or `"false"` (any case).
fn flag(r: &mut JsonReader<'_>) -> Result<Option<bool>, Error> {
    nullable(r, |r| {
        let at = r.pos_after_ws();
        match r.peek_kind()? {
            JsonKind::Bool => r.bool(),
            JsonKind::String => {
                let text = r.string()?;
                match text.trim().to_ascii_lowercase().as_str() {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err(r.error_over(
                        ErrorKind::InvalidValue,
                        at,
                        r.position(),
                        format!("expected true or false, found {text:?}"),
                    )),
                }
            }
            _ => Err(r.type_error("a boolean")),
        }
    })
}
