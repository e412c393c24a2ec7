//! Reads any serde value back into JSON text, so that a record's `vendor` object is read by the
//! vendor crate's own decoder, whatever deserializer holds it (a string, a `serde_json::Value`,
//! a buffered `#[serde(flatten)]`).
//!
//! The text keeps what the decoders judge: keys in their order, a key given twice (which the
//! decoders refuse, where a map would keep one of them), strings escaped by serde_json, and
//! numbers as the deserializer hands them over.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// How deep the text may nest: serde_json's own recursion limit, also for deserializers that
/// have none.
const MAX_DEPTH: usize = 128;

/// The JSON text of one value.
pub(crate) struct JsonText(pub(crate) String);

impl<'de> de::Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonText, D::Error> {
        let mut out = String::new();
        Writer {
            out: &mut out,
            depth: 0,
        }
        .deserialize(d)?;
        Ok(JsonText(out))
    }
}

/// Writes one value into `out`.
struct Writer<'o> {
    out: &'o mut String,
    depth: usize,
}

impl Writer<'_> {
    fn nested(&mut self) -> Writer<'_> {
        Writer {
            out: self.out,
            depth: self.depth + 1,
        }
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format!(
                "the value nests deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn string(&mut self, v: &str) {
        // Writing a `str` into a `String` cannot fail.
        if let Ok(text) = serde_json::to_string(v) {
            self.out.push_str(&text);
        }
    }
}

impl<'de> DeserializeSeed<'de> for Writer<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Writer<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.out.push_str(&v.to_string());
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.out.push_str(&v.to_string());
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json writes non-finite numbers as `null`; JSON text never holds one.
        let text = serde_json::to_string(&v).map_err(E::custom)?;
        self.out.push_str(&text);
        Ok(())
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<(), E> {
        self.string(v);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.push_str("null");
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.enter()?;
        self.out.push('[');
        let mut first = true;
        loop {
            if !first {
                self.out.push(',');
            }
            if seq.next_element_seed(self.nested())?.is_none() {
                if !first {
                    self.out.pop();
                }
                break;
            }
            first = false;
        }
        self.out.push(']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.enter()?;
        self.out.push('{');
        let mut first = true;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !first {
                self.out.push(',');
            }
            first = false;
            self.string(&key);
            self.out.push(':');
            map.next_value_seed(self.nested())?;
        }
        self.out.push('}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(json: &str) -> Result<String, String> {
        serde_json::from_str::<JsonText>(json)
            .map(|t| t.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn keeps_order_duplicates_and_escapes() {
        assert_eq!(
            text(r#" {"b": [1, -2, 3.5, true, null, []], "a": "x\"\u00e9\n", "b": {}} "#),
            Ok(r#"{"b":[1,-2,3.5,true,null,[]],"a":"x\"é\n","b":{}}"#.to_owned())
        );
    }

    #[test]
    fn reads_a_value_tree_alike() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{"n": 18446744073709551615, "s": "t"}"#).unwrap_or_default();
        let back = JsonText::deserialize_from(value).map(|t| t.0);
        assert_eq!(back.as_deref(), Ok(r#"{"n":18446744073709551615,"s":"t"}"#));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep: serde_json::Value = (0..200).fold(serde_json::Value::Null, |v, _| {
            serde_json::Value::Array(vec![v])
        });
        let err = JsonText::deserialize_from(deep).map(|t| t.0);
        assert!(
            err.as_ref().is_err_and(|e| e.contains("deeper than 128")),
            "{err:?}"
        );
    }

    impl JsonText {
        fn deserialize_from(value: serde_json::Value) -> Result<JsonText, String> {
            <JsonText as de::Deserialize>::deserialize(value).map_err(|e| e.to_string())
        }
    }
}
