//! The sync facade: the only primitives model code may use, with the engine chosen at run time.
//!
//! Model code never names `std::sync`, `loom` or `shuttle`. Every primitive here is an enum with one
//! variant per engine (enum dispatch, see ARCHITECTURE.md for why not `--cfg loom`), built for the
//! engine of the execution that creates it. Every operation that the engine can schedule takes a
//! [`Step`]: the stable name under which it appears in traces, replay tokens and reports.
//!
//! What the engines do not see: the oracle's bookkeeping (log, heap metadata, lockdep, holders)
//! lives in std types behind the facade and adds no scheduling point.
//!
//! Orderings: the model uses Acquire/Release/AcqRel only. loom treats SeqCst like AcqRel, so nothing
//! here relies on SeqCst.

mod atomic;
mod completion;
mod context;
pub mod engine;
mod mutex;
mod park;
mod per_thread;
mod published;
mod rcu_pointer;
mod rwsem;
mod thread;
mod wait;

pub use atomic::Atomic;
pub use completion::Completion;
pub(crate) use context::{
    current_engine, current_oracle, engine_thread_key as engine_key, enter,
    with_oracle as with_current,
};
pub use engine::{run, Body, Cut, Engine, Limits, Mode, RunResult, LOOM_THREADS_MAX};
pub use mutex::{Mutex, MutexGuard};
pub use park::Parker;
pub use per_thread::PerThread;
pub use published::Published;
pub use rcu_pointer::RcuPointer;
pub use rwsem::{RwSem, RwSemReadGuard, RwSemWriteGuard};
pub use thread::{engine_thread_of, run_threads, spawn, yield_now, JoinHandle, ThreadFn};
pub use wait::{wait_var_event, Sleep, Woken};

/// Per-thread entries kept inline (a published pointer's engine words, a guard's held sub-locks):
/// one per scenario thread, and a loom execution has at most `LOOM_THREADS_MAX - 1` besides the
/// setup. More (shuttle, std) spill to the heap. Inline, an fd table's 16 published slots
/// allocate nothing. Not for an allocation's lifecycle words (`PerThread`): inline, the objects
/// built around them on the stack deepened the race's stacks by a page (loom maps its coroutine
/// stacks anew per execution: 1.2 more page faults per s10 execution), for no fewer
/// instructions.
pub(crate) const WORDS_INLINE_MAX: usize = LOOM_THREADS_MAX - 1;

/// One entry per scenario thread, inline up to [`WORDS_INLINE_MAX`].
pub(crate) type PerThreadVec<T> = smallvec::SmallVec<[T; WORDS_INLINE_MAX]>;

/// The stable name of one scheduling point: `function.action`, e.g. `fput.last`.
pub type Step = &'static str;
