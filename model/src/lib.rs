//! pincheck-model: a step-by-step model of RDMA uverbs, struct file and long-term GUP pin
//! lifetimes, in which the lifetime bugs of the August 2019 thread are reachable states.
//!
//! Placeholder root; the manual is written with the objects.

pub mod data_file;
pub mod device;
pub mod file;
pub mod heap;
pub mod kernel;
pub mod kref;
pub mod mm;
pub mod mr;
pub mod oracle;
pub mod pin_record;
pub mod process;
pub mod procfs;
pub mod program;
pub mod proposals;
pub mod rcu;
pub mod run;
pub mod scm;
pub mod sync;
pub mod task;
pub mod ucontext;
pub mod ufile;
pub mod umem;
pub mod uobject;

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

/// The errno a model syscall returns to user space (not a finding: the scenario observes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Errno {
    /// Bad file descriptor.
    #[error("EBADF")]
    EBADF,
    /// Device or resource busy (usecnt held).
    #[error("EBUSY")]
    EBUSY,
    /// Invalid argument.
    #[error("EINVAL")]
    EINVAL,
    /// I/O error (device disassociated, destroy-all running).
    #[error("EIO")]
    EIO,
    /// No such object.
    #[error("ENOENT")]
    ENOENT,
    /// No such device.
    #[error("ENODEV")]
    ENODEV,
    /// Out of memory (a named limit of the model).
    #[error("ENOMEM")]
    ENOMEM,
    /// No such process.
    #[error("ESRCH")]
    ESRCH,
    /// Too many open files.
    #[error("EMFILE")]
    EMFILE,
    /// Operation not permitted (no owner to record the pin against).
    #[error("EPERM")]
    EPERM,
    /// Nothing to receive.
    #[error("EAGAIN")]
    EAGAIN,
}
