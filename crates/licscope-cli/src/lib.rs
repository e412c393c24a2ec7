//! The `licscope` command's internals. Not a stable API: this library target exists so that the
//! binary can be a one-line `main` and the targets-file fuzz target can reach the targets file
//! reader; the pipeline (inputs, decoding, evaluation, renderers) is `licscope-report`'s.

#![doc(hidden)]

mod cli;
mod fetching;
mod output;
mod pin;
mod run;
mod serve;
pub mod targets;

pub use run::main;

/// Locks `mutex`, poisoned or not: every write under the command's locks is one assignment,
/// one increment or one `take`, so a holder that panicked leaves whole values behind.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
