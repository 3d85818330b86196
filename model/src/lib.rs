//! pincheck-model: a step-by-step model of RDMA uverbs, struct file and long-term GUP pin
//! lifetimes, in which the lifetime bugs of the August 2019 thread are reachable states.
//!
//! Placeholder root; the manual is written with the objects.

pub mod oracle;
pub mod program;
pub mod heap;
pub mod kref;
pub mod sync;

/// The kernel variants, by the name scenario files and the CLI use.
pub const KNOWN_KERNELS: &[&str] =
    &["k53", "k56", "k53-double-destroy", "k53-fput-before-unlock", "sync-fput"];

/// The lifetime proposals, by the name scenario files and the CLI use.
pub const KNOWN_PROPOSALS: &[&str] =
    &["rfc-v2", "counted-backptr", "clear-on-close", "bundle", "context"];

/// Why an execution stopped early. Model code propagates it with `?` so that guards drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Abort {
    /// A wait would never end; the deadlock is a finding.
    Deadlock,
    /// The execution ran past its step budget; the livelock is a finding.
    Livelock,
}

/// The result of a model kernel function: `Err` only when the execution is aborted.
pub type KResult<T> = Result<T, Abort>;
