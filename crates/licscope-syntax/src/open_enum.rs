//! Open string enumerations: vendor values that grow over time.

/// Defines an enum of the string values a vendor documents, plus an `Other(String)` variant that
/// keeps any value licscope does not know yet, verbatim.
///
/// The generated type has `as_str`, `is_known`, `From<&str>`, `Display`, and `Serialize` as a
/// plain string. It has no `Deserialize`: the vendor crates' decoders are the one way to read
/// their models (see their crate documentation). A value built with `From<&str>` never holds a
/// known value in `Other`, so equality matches the text.
#[macro_export]
macro_rules! open_string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value that this version of licscope does not know, kept as the vendor sent it.
            Other(String),
        }

        impl $name {
            /// The value as the vendor writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }

            /// Whether this is one of the documented values (not [`Other`](Self::Other)).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl ::core::convert::From<&str> for $name {
            #[inline]
            fn from(s: &str) -> $name {
                match s {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
