//! The `licscope` command's internals. Not a stable API: this library target exists so that the
//! command's fuzz targets and tests can reach the renderers and escaping; it is not published
//! for other uses and may change in any release.

#![doc(hidden)]

mod cli;
pub mod escape;
mod fetching;
mod inputs;
mod output;
mod pin;
pub mod render;
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
