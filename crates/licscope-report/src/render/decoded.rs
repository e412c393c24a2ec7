//! The output of `licscope decode`: each input's vendor model as JSON.

use licscope_normalize::Decoded;

use crate::pipeline::{InputError, InputErrorKind};

/// One element of `licscope decode`'s array: `{"input": NAME, "source": "automation360" or
/// "cisco-prime", "document": MODEL}`, the Prime model inside its `mgmtResponse` envelope.
///
/// ```
/// use licscope_normalize::{Policy, decode, SourceHint};
///
/// let decoded = decode(b"<mgmtResponse/>", SourceHint::Auto)?;
/// let entry = licscope_report::render::decoded_entry("prime.xml", &decoded)?;
/// assert_eq!(entry["source"], "cisco-prime");
/// assert!(entry["document"]["mgmtResponse"].is_object());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A payload of an API this version cannot show, or a model that does not serialize.
pub fn decoded_entry(input: &str, decoded: &Decoded<'_>) -> Result<serde_json::Value, InputError> {
    let (source, document) = match decoded {
        Decoded::Automation360(d) => ("automation360", serde_json::to_value(d)),
        Decoded::Automation360Products(l) => ("automation360", serde_json::to_value(l)),
        Decoded::CiscoPrime(r) => (
            "cisco-prime",
            serde_json::to_value(r).map(|v| serde_json::json!({ "mgmtResponse": v })),
        ),
        _ => {
            return Err(InputError::new(
                input,
                InputErrorKind::Unsupported,
                "a payload of an API this version cannot show",
            ));
        }
    };
    let document =
        document.map_err(|e| InputError::new(input, InputErrorKind::Decode, e.to_string()))?;
    Ok(serde_json::json!({
        "input": input,
        "source": source,
        "document": document,
    }))
}
