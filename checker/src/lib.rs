//! pincheck: checks kernel object-lifetime proposals against scenario files.
//!
//! - [`scenario`]: scenario files (`scenarios/*.toml`) parsed into the model's `Program` and the
//!   expectations the gate checks, with positioned errors and hints.
//! - [`explore`]: one cell (scenario × proposal × kernel) under loom (iterative preemption
//!   bounds) and shuttle (PCT, random, DFS): outcome sets, shortest counterexamples, engine
//!   disagreements.
//! - [`verdict`]: pass / fail(kinds) / vacuous / bound-reached, and the expected verdict.
//! - [`vocabulary`]: finding kinds by long or short name, and kernels that carry a known bug.
//! - [`check`]: the matrix, shards, the worker pool, the progress bar.
//! - [`token`], [`replay`]: replay tokens and `pincheck replay`.
//! - [`report`]: a run as the terminal matrix, JSON, JUnit, SARIF.
//! - [`gate`]: `pincheck gate`, what CI runs: the rules, the verdict certificate, baselines.
//! - [`diff`]: `pincheck diff A B`: outcomes new and gone, verdict changes, side by side.
//! - [`history`]: `pincheck history`: each historical bug without and with its fix.
//! - [`redundancy`]: `pincheck redundancy SCENARIO PROPOSAL@KERNEL`: one cell's loom search
//!   with the model's access record on: executions against distinct Mazurkiewicz traces, the
//!   engine objects threads share, and where the duplicates branch off.
//! - [`why`]: `pincheck why SCENARIO PROPOSAL@KERNEL`: the locks and references a passing verdict
//!   relies on, found by removing each one the model runs (mutation plans) and exploring again.
//! - [`snapshot`]: a cell as reviewable text (the insta snapshots in `snapshots/`).
//! - [`catalogue`], [`steps`]: the model's step names (generated from its source by `build.rs`)
//!   and `pincheck steps`, which lists those each scenario thread executes.
//! - [`cli`]: the command line (`main` is a thin wrapper that prints and maps exit codes).
//! - [`error`]: the crate's error enum.
//!
//! # Limitations
//!
//! A goal's step is checked against the model's catalogue when the file is loaded; whether the
//! thread it names can execute it is only known by exploring, so a goal step its thread never ran
//! is reported at check time (a note, and the verdict `vacuous`).

pub mod catalogue;
pub mod check;
pub mod cli;
pub mod diff;
pub mod error;
pub mod explore;
pub mod gate;
pub mod history;
pub mod minimize;
pub mod redundancy;
pub mod render;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod snapshot;
pub mod steps;
pub mod token;
pub mod verdict;
pub mod vocabulary;
pub mod why;
pub mod workers;
