//! `struct completion`: `complete` counts one "done", `wait_for_completion` waits for one and
//! takes it.
//!
//! The waiter blocks in the engine (see `sync::park`) and `complete`'s store wakes it. A turn that
//! finds nothing done first asks the oracle whether any other thread can still run (not finished,
//! not waiting for a completion, a held lock, a thread, or asleep); when none can, the wait is a
//! hang finding and the execution is aborted (`Abort::Deadlock`), as lockdep does for lock
//! waits. A waiter already blocked is woken for that verdict by the thread whose return or own
//! block made its wait hopeless, so that no model thread is left blocked for ever (which loom
//! would take for its own failure).

use super::{wait::sleep_on, Atomic, Step};
use crate::oracle::CompletionId;
use crate::KResult;

/// A kernel completion, named as in the kernel (`ctx->comp`, `uverbs_dev->comp`).
pub struct Completion {
    id: CompletionId,
    done: Atomic,
}

impl Completion {
    /// `init_completion`: not done. Creating one is not a step.
    pub fn new(name: &'static str) -> Completion {
        let (_, oracle) = super::current_oracle();
        Completion {
            id: oracle.completion_register(name),
            done: Atomic::new(0),
        }
    }

    /// `complete`: one waiter (present or future) may go on. The waiters can run again from
    /// here (the oracle's view), and the store wakes them: each tries to take the "done".
    pub fn complete(&self, step: Step) {
        super::with_current(|_, oracle| oracle.completion_done(self.id));
        self.done.fetch_add(step, 1);
    }

    /// `wait_for_completion`: wait until done, then take one "done".
    pub fn wait_for_completion(&self, step: Step) -> KResult<()> {
        let (_, oracle) = super::current_oracle();
        let tid = oracle.current_tid();
        sleep_on(step, &self.done, true, || {
            if self.try_take(step) {
                oracle.completion_wait_end(tid);
                return Ok(Some(()));
            }
            if let Err(abort) = oracle.completion_wait(tid, self.id) {
                oracle.completion_wait_end(tid);
                return Err(abort);
            }
            Ok(None)
        })
    }

    /// One turn of the wait: take a "done" if there is one. The kernel checks and decrements
    /// `x->done` in one critical section under `x->wait.lock`, so this is one engine access: a
    /// cmpxchg from the last value written (`done - 1`), or, when that value is 0, an RMW of
    /// zero that confirms it (an RMW, not a load: a load may read an older value under loom,
    /// and a wait that saw a stale 0 would look like a hang). Under loom and shuttle no access
    /// of another thread falls between the facade's write and the next access, so the guess is
    /// the value the access reads and the cmpxchg does not fail; under std threads a failed
    /// cmpxchg returns the value found and the turn goes on from it. The previous two accesses
    /// (an RMW read, then the cmpxchg) let loom put the other thread's accesses of `done`
    /// between them, orders the kernel's one critical section does not have.
    fn try_take(&self, step: Step) -> bool {
        let mut done = self.done.peek();
        if done <= 0 {
            done = self.done.fetch_add(step, 0);
        }
        while done > 0 {
            let found = self.done.cmpxchg(step, done, done - 1);
            if found == done {
                return true;
            }
            done = found;
        }
        false
    }
}
