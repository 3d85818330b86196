//! The integration test binary of the `pincheck` crate.

mod ci;
mod parse;
mod render;
mod snapshots;
