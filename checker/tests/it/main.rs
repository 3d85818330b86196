//! The integration test binary of the `pincheck` crate.

mod ci;
mod cli;
mod controls;
mod docs;
mod goals;
mod history;
mod kills;
mod parse;
mod redundancy;
mod reliability;
mod render;
mod snapshots;
