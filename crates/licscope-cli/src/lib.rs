//! The `licscope` command's internals. Not a stable API: this library target exists so that the
//! command's fuzz targets and tests can reach the renderers and escaping; it is not published
//! for other uses and may change in any release.

#![doc(hidden)]

mod cli;
pub mod escape;
mod fetching;
mod inputs;
mod output;
pub mod render;
mod run;
mod serve;
pub mod targets;

pub use run::main;
