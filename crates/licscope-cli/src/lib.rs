//! The `licscope` command's internals. Not a stable API: this library target exists so that the
//! binary can be a one-line `main` and the targets-file fuzz target can reach the targets file
//! reader; the pipeline (inputs, decoding, evaluation, renderers) is `licscope-report`'s.

#![doc(hidden)]

mod cli;
mod fetching;
mod output;
mod pin;
mod plan;
mod run;
mod serve;
mod shared;
pub mod targets;

pub use run::main;
