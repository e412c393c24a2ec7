//! What the subcommands share, below all of them: the line on standard error, the output error,
//! the byte limits of the size flags, `check`'s usage status, the command's lock.

use std::io::{self, Write as _};
use std::path::Path;

use licscope::report::{InputLimits, escape};

use crate::cli::SizeArgs;

/// Exit code of a usage error for `check`: Nagios reads 2 as CRITICAL, so it is UNKNOWN (3).
pub(crate) const CHECK_USAGE_ERROR: u8 = 3;

/// Writes one line to standard error; if that fails there is nowhere left to say so.
pub(crate) fn report(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// The error line of an output that cannot be written.
pub(crate) fn output_error(path: Option<&Path>, e: &io::Error) -> String {
    let name = path.map_or_else(|| "standard output".to_owned(), escape::path);
    format!("licscope: error: {name}: {}", escape::text(&e.to_string()))
}

/// The byte limits the size flags give.
pub(crate) fn limits(sizes: &SizeArgs) -> InputLimits {
    InputLimits::default()
        .with_max_document_size(sizes.max_document_size)
        .with_max_stream_size(sizes.max_stream_size)
}

/// Locks `mutex`, poisoned or not: every write under the command's locks is one assignment,
/// one increment or one `take`, so a holder that panicked leaves whole values behind.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
