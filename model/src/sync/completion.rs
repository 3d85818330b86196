//! `struct completion`: `complete` counts one "done", `wait_for_completion` waits for one and
//! takes it.
//!
//! The wait is a loop of engine accesses with a yield between them (as loom and shuttle model
//! spin waits), never an engine block: a wait nobody can end would otherwise leave every model
//! thread blocked, which loom treats as its own failure. Each turn first asks the oracle whether
//! any other thread can still run; when none can, the wait is a hang finding and the execution
//! is aborted (`Abort::Deadlock`), as lockdep does for lock waits.

use super::{Atomic, Step};
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

    /// `complete`: one waiter (present or future) may go on.
    pub fn complete(&self, step: Step) {
        self.done.fetch_add(step, 1);
        super::with_current(|_, oracle| oracle.completion_done(self.id));
    }

    /// `wait_for_completion`: wait until done, then take one "done".
    pub fn wait_for_completion(&self, step: Step) -> KResult<()> {
        loop {
            // An RMW, not a load: it reads the latest value (a load may read an older one under
            // loom, and a wait that saw a stale 0 would look like a hang).
            let done = self.done.fetch_add(step, 0);
            if done > 0 {
                if self.done.cmpxchg(step, done, done - 1) == done {
                    super::with_current(|_, oracle| {
                        let tid = oracle.current_tid();
                        oracle.completion_wait_end(tid);
                    });
                    return Ok(());
                }
                continue;
            }
            let (_, oracle) = super::current_oracle();
            let tid = oracle.current_tid();
            if let Err(abort) = oracle.completion_wait(tid, self.id) {
                oracle.completion_wait_end(tid);
                return Err(abort);
            }
            super::yield_now(step)?;
        }
    }
}
