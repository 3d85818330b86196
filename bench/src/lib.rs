//! pincheck-bench's library: the programs the overhead bench runs, and the generator of the bare
//! loom and shuttle models it compares pincheck against (`cargo run -p pincheck-bench --bin
//! bare-models`).

pub mod bare;
mod error;
pub mod programs;

pub use error::Error;
