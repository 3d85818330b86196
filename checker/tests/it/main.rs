//! The integration test binary of the `pincheck` crate.

mod parse;
mod render;
