//! Batches of records in the renderers' corpus format, rendered as the command renders inputs:
//! for the renderers' fuzz target and tests.

use licscope_normalize::{LicenseRecord, Policy};

use super::{Format, Refusal, Renderer};

/// One input of a batch: its records, and the message it fails with, if it fails.
pub type BatchInput = (Vec<LicenseRecord>, Option<String>);

/// Reads a batch in the renderers' corpus format (`fuzz/corpus-render/`): one normalized record
/// per line as `licscope normalize --format ndjson` writes it, inputs separated by blank lines,
/// and a line `!"MESSAGE"` (a JSON string) making its input fail with that message after its
/// records. `None` when a line is neither.
pub fn parse_batch(text: &str) -> Option<Vec<BatchInput>> {
    let mut batch = vec![(Vec::new(), None)];
    for line in text.split('\n') {
        let current = batch.last_mut()?;
        if line.is_empty() {
            if !current.0.is_empty() || current.1.is_some() {
                batch.push((Vec::new(), None));
            }
        } else if let Some(message) = line.strip_prefix('!') {
            current.1 = Some(serde_json::from_str(message).ok()?);
        } else {
            current.0.push(serde_json::from_str(line).ok()?);
        }
    }
    Some(batch)
}

/// What rendering a batch gave.
#[derive(Debug)]
#[non_exhaustive]
pub struct Rendered {
    /// The output.
    pub output: Vec<u8>,
    /// The exit status of `check` (Nagios), else 0.
    pub nagios_code: u8,
    /// Records taken, in all inputs.
    pub taken: usize,
    /// Records taken in inputs that did not fail.
    pub kept: usize,
    /// Inputs that failed (their own failure, or a refused record).
    pub failed: usize,
}

/// Renders a batch in `format` as the command would, input by input.
pub fn render_batch(batch: &[BatchInput], format: Format, policy: &Policy) -> Rendered {
    let mut renderer = Renderer::new(format, policy);
    let mut output = Vec::new();
    let (mut taken, mut kept, mut failed) = (0, 0, 0);
    for (records, failure) in batch {
        let mut mine = 0;
        let mut refusal = None;
        for r in records {
            match renderer.record(&mut output, r) {
                Ok(()) => mine += 1,
                Err(Refusal::Input(message)) => {
                    refusal = Some(message);
                    break;
                }
                Err(Refusal::Write(e)) => {
                    refusal = Some(e.to_string());
                    break;
                }
            }
        }
        taken += mine;
        match refusal.as_deref().or(failure.as_deref()) {
            Some(message) => {
                failed += 1;
                renderer.end_input(Some(message));
            }
            None => {
                kept += mine;
                renderer.end_input(None);
            }
        }
    }
    let _ = renderer.finish(&mut output);
    Rendered {
        output,
        nagios_code: renderer.nagios_code(),
        taken,
        kept,
        failed,
    }
}
