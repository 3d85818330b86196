//! pincheck-model: a step-by-step model of RDMA uverbs, struct file and long-term GUP pin
//! lifetimes, in which the lifetime bugs of the August 2019 thread are reachable states.
//!
//! # How to read it
//!
//! The folders follow the kernel tree, one file per kernel object, named as in the kernel:
//! - [`vfs`] (`fs/`): [`vfs::file`] (`struct file`, `fput`, `__fput`), [`vfs::fdtable`] (the fd
//!   table's published slots and `file_lock`), [`vfs::process`] (`fget`, `fd_install`, `close`,
//!   `dup`, `fork`, `do_exit`), [`vfs::procfs`], [`vfs::scm`] (SCM_RIGHTS),
//!   [`vfs::data_file`] (the FS-DAX files whose pages are pinned: the inode, its block map,
//!   truncate), [`vfs::locks`] (`fs/locks.c`: the series' layout leases and the pin-time search);
//! - [`mm`]: `struct mm_struct` (`mm_users` and `mmput` → `exit_mmap`, `mm_count` and `mmdrop`),
//!   [`mm::vma`] (`mmap_region`, `munmap`, `dup_mmap`: a VMA holds its file and runs the file's
//!   `vm_ops`);
//! - [`rdma::uverbs`] (`drivers/infiniband/core/`): [`rdma::uverbs::device`]
//!   (`ib_uverbs_remove_one`), [`rdma::uverbs::ufile`] (`struct ib_uverbs_file`,
//!   `ib_uverbs_close`, `uverbs_destroy_ufile_hw`), [`rdma::uverbs::ucontext`],
//!   [`rdma::uverbs::mmap`] (`rdma_umap_priv`, the mmap entries, `uverbs_user_mmap_disassociate`),
//!   [`rdma::uverbs::uobject`] (kref + usecnt, lookups, destroy), [`rdma::uverbs::mr`],
//!   [`rdma::uverbs::umem`] (the pins);
//! - [`rdma::ucma`] (`drivers/infiniband/core/ucma.c`): [`rdma::ucma::file`] (`ucma_open`,
//!   `ucma_close`), [`rdma::ucma::context`] (create, destroy and migrate of a CM id),
//!   [`rdma::ucma::multicast`] (join and leave);
//! - [`task`] (`current` and its task_work), [`rcu`].
//!
//! The call paths follow the kernel's order step for step; every engine-visible access is a named
//! step (`destroy_ufile_hw.trylock_ucontext`, `filp_close.fput`, ...).
//!
//! [`kernel`] says which kernel: a release as it shipped (v5.3: close trylocks `ucontext_lock`;
//! v5.6: close waits for a running destroy) plus or minus named upstream patches, each fix of a
//! historical bug among them; and it holds the slabs of one execution. [`proposals`] holds the
//! lifetime designs behind one trait, one file each; what a design adds to a kernel struct is its
//! own patch ([`proposals::Ext`]), built when the kernel allocates the object. [`run`] executes a
//! [`program::Program`] (what a scenario file says).
//!
//! Underneath, naming no RDMA type: [`sync`] is the facade over loom, shuttle and std threads,
//! chosen at run time; [`heap`] is the slab with typed, generation-checked handles and slot reuse;
//! [`kref`] counts with the kernel's rules and a ref_tracker; [`oracle`] is the std-side
//! bookkeeping that finds use-after-free, double free, NULL dereferences, refcount and
//! ref_tracker errors, unpin-twice and pages released under a live HW key, leaks (with the cycle,
//! and references left to freed holders), deadlocks (lockdep's wait-for cycle, and a killable sleep
//! nobody can end), livelocks, procfs lies, the modelled kernel's own `WARN_ON`s, and FS-DAX blocks
//! freed while a pin can still DMA into them (dax-corruption), without adding a scheduling point. Every check
//! is registered with a stable id ([`oracle::check`]). A mutation plan ([`oracle::mutation`])
//! removes one lock acquisition, one holder's references or one `_unless_zero` check at run time,
//! to find what a passing verdict relies on.
//!
//! # Limitations
//!
//! What the engines cannot see:
//! - loom treats SeqCst like AcqRel; the model uses only Acquire/Release/AcqRel. Every atomic
//!   access is therefore at least acquire/release, stronger than the kernel's relaxed
//!   `atomic_read` / `atomic_set` / `READ_ONCE`: an outcome that needs a relaxed read to see a
//!   value without being ordered after its writer's earlier stores (an LKMM-only behaviour) is
//!   not explored. A check that read the latest value without an engine access (`peek`) could
//!   combine a latest value with a stale one in ways the model's own ordering forbids; such
//!   checks are engine accesses now (s19@v5.6 lost one such outcome, three WARNs without the
//!   NULL dereference, when `assert_uverbs_usecnt` became one).
//! - loom 0.7 can miss a race on a plain load that precedes the same thread's store
//!   (tokio-rs/loom#166): liveness checks are RMWs on a slot's lifecycle word ([`heap`]). The
//!   fd table's slots are read with plain loads by `fget` (as `rcu_dereference` reads them) and
//!   written with RMWs only ([`vfs::fdtable`]), so the race such a load can hide needs a
//!   thread that looked an fd up, later closes it, while a third thread looks it up too; the IDR
//!   (`xa_load`) is read the same way.
//! - loom holds at most 5 threads (the main one included); the checker falls back to shuttle.
//! - shuttle's atomics are sequentially consistent: weak-memory outcomes are loom's alone.
//! - Neither engine sees inside arc-swap or crossbeam: the published pointer ([`sync::Published`])
//!   uses arc-swap only under the std engine and an engine atomic otherwise.
//!
//! What the model leaves out:
//! - A thread group. `exit` is the whole process's and runs `close_files` at once, where the
//!   kernel's `exit_group` lets the group's other threads leave their syscalls and closes a shared
//!   `files_struct` at its last user. A sibling installing an fd after the exit's `close_files`
//!   would leave it in a freed table (a leak the kernel cannot have), so the checker refuses a
//!   scenario whose thread acts as a process another thread exits.
//! - Memory is never really freed: a freed object's memory stays readable (as freed slab memory
//!   does) and the oracle says it was freed. After a use-after-free through a reused slot the model
//!   goes on reading the freed object, not the new occupant (the finding names the alias).
//! - VMAs map files only (no anonymous memory); each uverbs mapping maps the driver's one
//!   doorbell entry; `zap_vma_ptes` and page faults are not modelled.
//! - Counterexamples relying on a weak-memory read (loom only) cannot be replayed by the
//!   sequentially consistent token scheduler; the checker prefers replayable ones and says so.
//! - Failures are fault points ([`oracle::FaultPoint`]) the checker explores where a scenario
//!   asks for them (`faults`): the driver failing REG_MR's HW key after the pages are pinned,
//!   and refusing an MR's destroy (-EBUSY, with destroy-all's retry and forced passes). GFP_ATOMIC
//!   allocation failure is not modelled; the completion channel's own HW object is not modelled.
//! - `wait_for_completion` and `wait_var_event` block in the engine (park) until the store that
//!   may end them wakes them (every store that changes the variable wakes its waiters, where the
//!   kernel wakes only where it calls `complete` / `wake_up_var`); a wait no other thread can end
//!   is reported as a hang (the hung-task detector's case) or interrupted, decided when the wait
//!   starts and whenever a thread that could end it returns or blocks, never left to the engine.
//! - The kernel's debug checks that read without ordering anything (`assert_uverbs_usecnt`,
//!   `WARN_ON(entry->object)`) and the G7 check are engine accesses although they order nothing
//!   in the kernel: their verdicts depend on other threads' writes, and a read loom cannot see
//!   would leave an unbounded search complete in name only. `assert_uverbs_usecnt` is an RMW of
//!   zero (the latest value; a load there would precede the thread's own usecnt RMW, the shape
//!   of tokio-rs/loom#166), and reads nothing for DESTROY, as the kernel's does not; the other
//!   two are loads, ordered only against the word's writes (their threads never write it after).
//!   RFC 13/19's `file_pins` check in `file_free_rcu` reads without a step: the callback owns
//!   the file, so every write it could see is ordered before the free it runs after.
//! - RCU grace periods end as early as possible (when the readers present at `call_rcu` leave).
//! - `fdget` always takes a reference (as on a shared files_struct), through `fget`'s lock-free
//!   lookup; its RCU read-side section makes no engine access (it guards one read of f_count,
//!   which the model makes without a liveness check; see [`vfs::process::__fget_files`]).
//! - Every fd-table lookup (`fget`'s, procfs's) reads the slot's latest value (an RMW of its
//!   thread's word, `sync::RcuPointer`), where an RCU reader may see an older pointer in a
//!   store-buffering cycle with no full barrier on one side; procfs listings are judged against
//!   the table at the step of the lookup.
//! - procfs verdicts are judged on the execution's happens-before order (program order, spawns
//!   and joins, and every pair of accesses of one engine object, as loom 0.7 orders them:
//!   [`oracle::order`]): a listing is a lie when some interleaving of its trace makes it one (an
//!   administrator can always order two events the trace leaves concurrent, by starting the read
//!   after seeing the other syscall return), so the verdict is the same for every interleaving
//!   of a trace and loom reaches every lie PCT reaches. A line justified by two pins together,
//!   each of which some interleaving hides, is still called a lie (each pin is judged alone).
//! - The fd table never grows (`FDS_MAX` slots, no `expand_files`).
//! - Every store (`atomic_set`, `rcu_assign_pointer`) is an exchange in the engines, because
//!   loom 0.7 lets a plain store fall inside another thread's RMW (tokio-rs/loom#254), a history
//!   no modification order has ([`sync::Atomic::store`]). An acquire that reads such a store
//!   synchronizes with the release stores before it too, an ordering the kernel's store does not
//!   give; the facade's orderings are acquire/release throughout, never LKMM's weaker ones.
//! - SRCU `disassociate_srcu` is an rw-semaphore; the RFC procfs holds no mmap_sem.
//! - A kernel thread's `delayed_fput` runs at the end of its current operation.
//! - Layout leases are the series' exclusive kind only (F_LAYOUT | F_EXCLUSIVE): no breakable
//!   lease, no SIGIO to a lease holder, no `lease_break_time`. GUP always faults its pages in
//!   under `i_mmap_sem` (no GUP-fast), pins from a file's first page, and a file's pages' pin
//!   counts are summed. A truncate is to zero; its wait for pinned pages is interrupted when no
//!   thread of the scenario can end it (observed as `blocked by ...`), never after a time.
//! - A sleep (`wait_var_event`) ends only when the condition holds or no other thread can run
//!   (a thread blocked on a lock counts as able to run while a holder of that lock can), so a
//!   timeout is not modelled.

#[doc(hidden)]
pub use inventory;

mod exec_cell;
pub mod heap;
pub mod kernel;
pub mod kref;
pub mod mm;
pub mod oracle;
pub mod program;
pub mod proposals;
pub mod rcu;
pub mod rdma;
pub mod run;
pub mod sync;
pub mod task;
pub mod vfs;

/// Whether the model checks its own bookkeeping at every step (the oracle's idea of the running
/// thread, who unlocks a mutex): in debug builds, and in any build with the `self-checks` feature,
/// which the test suite turns on so that `cargo test --release` keeps these checks while the
/// release gate does without their cost (about 15% of an exploration).
pub const SELF_CHECKS: bool = cfg!(any(debug_assertions, feature = "self-checks"));

/// The kernels to list in hints and help: the releases and the short names. Any spec
/// [`kernel::Variant::resolve`] accepts may be used.
pub use kernel::KNOWN_KERNELS;

/// The lifetime proposals, by the name scenario files and the CLI use.
pub const KNOWN_PROPOSALS: &[&str] = &[
    "rfc-v2",
    "counted-backptr",
    "clear-on-close",
    "bundle",
    "context",
    "no-dax-pins",
    "mm",
    "global-table",
    "zombie-lease",
    "block-close",
];

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

/// A scenario name (`p0`, `dax0`) as the model stores it: shared, so the holders, fd intervals and
/// pin records that name it cost a reference count, not a string, per execution.
pub type Name = std::sync::Arc<str>;

/// The errno a model syscall returns to user space (not a finding: the scenario observes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Errno {
    /// Bad file descriptor.
    #[error("EBADF")]
    EBADF,
    /// Bad address (a user buffer the kernel cannot write; pages to pin that a truncate took).
    #[error("EFAULT")]
    EFAULT,
    /// No such device or address (the object is going away).
    #[error("ENXIO")]
    ENXIO,
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
    /// Operation not permitted (no owner to record the pin against; no layout lease to pin under).
    #[error("EPERM")]
    EPERM,
    /// Nothing to receive; no lease to unlock.
    #[error("EAGAIN")]
    EAGAIN,
    /// Operation not supported (v5.3 refuses long-term pins of FS-DAX pages).
    #[error("EOPNOTSUPP")]
    EOPNOTSUPP,
    /// Text file busy (an exclusive layout lease refuses a truncate).
    #[error("ETXTBSY")]
    ETXTBSY,
    /// Resource deadlock would occur (a lease holder breaking its own exclusive lease, 02/19).
    #[error("EDEADLK")]
    EDEADLK,
}
