//! Explicit bounds on what a decoder accepts.

/// Bounds that protect a decoder from hostile or runaway input. Exceeding one is an error of
/// kind [`LimitExceeded`](crate::ErrorKind::LimitExceeded), never a crash or an unbounded
/// allocation.
///
/// The defaults are generous for real payloads: a Control Room license document is under 1 KiB
/// and a Prime license list has tens of records.
///
/// | limit | default |
/// |---|---|
/// | input size (whole-document decoders) | 256 MiB |
/// | nesting depth of objects, arrays or elements | 128 (at most 1,024) |
/// | one string, name or text | 1 MiB |
/// | records in one document | 10,000,000 |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_input_bytes: usize,
    max_depth: u32,
    max_string_bytes: usize,
    max_records: usize,
}

/// The largest nesting depth a caller may allow; skipping nested values recurses, so this keeps
/// the stack bounded (a few hundred KiB at most).
const DEPTH_CEILING: u32 = 1024;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_input_bytes: 256 << 20,
            max_depth: 128,
            max_string_bytes: 1 << 20,
            max_records: 10_000_000,
        }
    }
}

impl Limits {
    /// Sets the largest input, in bytes, that a whole-document decoder accepts.
    #[must_use]
    pub fn with_max_input_bytes(mut self, n: usize) -> Limits {
        self.max_input_bytes = n;
        self
    }

    /// Sets the deepest nesting accepted; values above 1,024 are lowered to 1,024.
    #[must_use]
    pub fn with_max_depth(mut self, n: u32) -> Limits {
        self.max_depth = n.min(DEPTH_CEILING);
        self
    }

    /// Sets the longest string, element name or text accepted, in bytes as written in the input.
    #[must_use]
    pub fn with_max_string_bytes(mut self, n: usize) -> Limits {
        self.max_string_bytes = n;
        self
    }

    /// Sets the most records accepted in one document.
    #[must_use]
    pub fn with_max_records(mut self, n: usize) -> Limits {
        self.max_records = n;
        self
    }

    /// Checks a whole input's size against [`max_input_bytes`](Limits::max_input_bytes).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded), without a position.
    pub fn check_input_size(&self, len: usize) -> Result<(), crate::Error> {
        if len > self.max_input_bytes {
            return Err(crate::Error::new(
                crate::ErrorKind::LimitExceeded,
                format!(
                    "the input is {len} bytes, more than the limit of {} bytes",
                    self.max_input_bytes
                ),
            ));
        }
        Ok(())
    }

    /// The largest input accepted, in bytes.
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
    }

    /// The deepest nesting accepted.
    pub fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// The longest string accepted, in bytes.
    pub fn max_string_bytes(&self) -> usize {
        self.max_string_bytes
    }

    /// The most records accepted in one document.
    pub fn max_records(&self) -> usize {
        self.max_records
    }
}
