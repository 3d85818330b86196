//! pincheck: checks kernel object-lifetime proposals against scenario files.
//!
//! - [`scenario`]: scenario files (`scenarios/*.toml`) parsed into the model's `Program` and the
//!   expectations the gate checks, with positioned errors and hints.
//! - [`explore`]: one cell (scenario × proposal × kernel) under loom (iterative preemption
//!   bounds) and shuttle (PCT, random, DFS): outcome sets, shortest counterexamples, engine
//!   disagreements.
//! - [`verdict`]: pass / fail(kinds) / vacuous / bound-reached, and the expected verdict.
//! - [`check`]: the matrix, shards, the worker pool, the progress bar.
//! - [`token`], [`replay`]: replay tokens and `pincheck replay`.
//! - [`report`]: a run as the terminal matrix, JSON, JUnit, SARIF.
//! - [`gate`]: `pincheck gate`, what CI runs: the rules, the verdict certificate, baselines.
//! - [`diff`]: `pincheck diff A B`: outcomes new and gone, verdict changes, side by side.
//! - [`history`]: `pincheck history`: each historical bug without and with its fix.
//! - [`why`]: `pincheck why SCENARIO PROPOSAL@KERNEL`: the locks and references a passing verdict
//!   relies on, found by removing each one the model runs (mutation plans) and exploring again.
//! - [`snapshot`]: a cell as reviewable text (the insta snapshots in `snapshots/`).
//! - [`cli`]: the command line (`main` is a thin wrapper that prints and maps exit codes).
//! - [`error`]: the crate's error enum.
//!
//! # Limitations
//!
//! Scenario step names (`function.action` in `sometimes` goals) are checked for form only: the
//! model defines them, and a goal naming a step no thread executes is reported at check time.

pub mod check;
pub mod cli;
pub mod diff;
pub mod error;
pub mod explore;
pub mod gate;
pub mod history;
pub mod minimize;
pub mod render;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod snapshot;
pub mod token;
pub mod verdict;
pub mod why;
pub mod workers;
