//! The integration test binary of the `pincheck` crate.

mod ci;
mod controls;
mod history;
mod kills;
mod parse;
mod reliability;
mod render;
mod snapshots;
