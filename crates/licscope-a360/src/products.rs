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
    r.begin_object()?;
    let mut list = ProductList::default();
    let (mut has_products, mut code, mut message, mut details) = (false, None, None, None);
    let mut keys = Keys::default();
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first)? {
        // Cloning a borrowed key copies a pointer; escaped keys are rare.
        keys.insert(&r, key.clone(), at, || key.to_string())?;
        let read = match &*key {
            "type" => nullable(&mut r, |r| Ok(LicenseType::from(&*r.string()?)))
                .map(|v| list.license_type = v),
            "installationDate" => nullable(&mut r, timestamp).map(|v| list.installation_date = v),
            "expirationDate" => nullable(&mut r, timestamp).map(|v| list.expiration_date = v),
            "products" => {
                has_products = true;
                array(&mut r, &|| "products".to_owned(), product).map(|v| list.products = v)
            }
            "code" => loose_string(&mut r).map(|v| code = v.map(Cow::into_owned)),
            "message" => loose_string(&mut r).map(|v| message = v.map(Cow::into_owned)),
            "details" => r.skip_value().map(|v| details = Some(v)),
            _ => r.skip_value().map(drop),
        };
        read.map_err(|e| e.with_path(|| key.into_owned()))?;
    }
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

/// The keys of one object, to refuse one named twice (escaped or not).
#[derive(Default)]
struct Keys<'a> {
    seen: HashSet<Cow<'a, str>>,
}

impl<'a> Keys<'a> {
    /// Takes `key` (at byte `at`, named `path` in an error), or refuses it as named twice.
    fn insert(
        &mut self,
        r: &JsonReader<'a>,
        key: Cow<'a, str>,
        at: usize,
        path: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        if !self.seen.contains(&*key) {
            self.seen.insert(key);
            return Ok(());
        }
        Err(r
            .error_at(
                ErrorKind::DuplicateField,
                at,
                format!("duplicate key {key:?}: the object names it twice"),
            )
            .with_path(path))
    }
}

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

/// Reads the object at `path` with `field`, which returns `false` for a key it does not know
/// (then skipped).
fn object<'a>(
    r: &mut JsonReader<'a>,
    path: Path<'_>,
    mut field: impl FnMut(&mut JsonReader<'a>, &str, Path<'_>) -> Result<bool, Error>,
) -> Result<(), Error> {
    if r.peek_kind()? != JsonKind::Object {
        return Err(r.type_error("an object").with_path(path));
    }
    r.begin_object()?;
    let mut keys = Keys::default();
    let mut first = true;
    while let Some((key, at)) = r.next_key(&mut first).map_err(|e| e.with_path(path))? {
        let here = || format!("{}.{key}", path());
        keys.insert(r, key.clone(), at, here)?;
        let read = match field(r, &key, &here) {
            Ok(true) => Ok(()),
            Ok(false) => r.skip_value().map(drop),
            Err(e) => Err(e),
        };
        read.map_err(|e| e.with_path(here))?;
    }
    Ok(())
}

fn product(r: &mut JsonReader<'_>, path: Path<'_>) -> Result<Product, Error> {
    let mut p = Product::default();
    object(r, path, |r, key, here| {
        match key {
            "id" => p.id = id(r)?,
            "name" => p.name = text(r)?,
            "features" => p.features = array(r, here, feature)?,
            "metrics" => p.metrics = array(r, here, metric)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(p)
}

fn feature(r: &mut JsonReader<'_>, path: Path<'_>) -> Result<Feature, Error> {
    let mut f = Feature::default();
    object(r, path, |r, key, _| {
        match key {
            "id" => f.id = id(r)?,
            "name" => f.name = text(r)?,
            "enable" => f.enable = flag(r)?,
            "purchasedCount" => f.purchased_count = count(r)?,
            "usedCountByThisCr" => f.used_count_by_this_cr = count(r)?,
            "usedCountByAllCr" => f.used_count_by_all_cr = count(r)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(f)
}

fn metric(r: &mut JsonReader<'_>, path: Path<'_>) -> Result<Metric, Error> {
    let mut m = Metric::default();
    object(r, path, |r, key, _| {
        match key {
            "name" => m.name = text(r)?,
            "unit" => m.unit = text(r)?,
            "purchasedCount" => m.purchased_count = count(r)?,
            "usedCountByThisCr" => m.used_count_by_this_cr = count(r)?,
            "availableCount" => m.available_count = count(r)?,
            _ => return Ok(false),
        }
        Ok(true)
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
