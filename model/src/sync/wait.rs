//! `wait_var_event`: a task sleeps until a variable satisfies a condition (`wake_up_var` is the
//! store that makes it true: the waiter reads the variable again on every turn).
//!
//! The wait is a loop of engine read-modify-writes with a yield between them, as loom and shuttle
//! model a spin wait, never an engine block: a wait nobody can end would otherwise leave every
//! model thread blocked, which loom treats as its own failure. Each turn first asks the oracle
//! whether another thread can still run (one that has not finished and is not itself sleeping
//! here). When none can, the wait can never end, and the kind of sleep says what happens: an
//! interruptible sleep (`TASK_INTERRUPTIBLE`, a truncate waiting for pinned pages) is interrupted,
//! as the user who started it eventually gives up; a killable one (`TASK_KILLABLE`, a close that
//! only a fatal signal may break) is the hung-task detector's finding, and the execution is
//! aborted.
//!
//! Threads blocked on a lock count as able to run: a lock wait that can never end is lockdep's
//! finding, and a lock held across the sleep by the sleeper itself shows as a livelock.

use super::{current_oracle, yield_now, Atomic, Step};
use crate::{Abort, KResult};

/// How a task sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sleep {
    /// `TASK_INTERRUPTIBLE`: a wait nobody can end is interrupted (the caller returns `-EINTR`).
    Interruptible,
    /// `TASK_KILLABLE`: only a fatal signal ends it; a wait nobody can end is a hung task.
    Killable,
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Woken {
    /// The condition held.
    Done,
    /// The sleep was interrupted: the condition could never become true.
    Interrupted,
}

/// Sleep in `step` until `cond` holds of `var`. `what` names the object waited on and says what
/// the task waits for, for the hung-task report.
pub fn wait_var_event(
    step: Step,
    var: &Atomic,
    sleep: Sleep,
    what: impl Fn() -> (Option<String>, String),
    cond: impl Fn(i64) -> bool,
) -> KResult<Woken> {
    let (_, oracle) = current_oracle();
    loop {
        // An RMW, not a load: a load may return an older value under loom, and a waiter that saw
        // a stale value would take a wait that has ended for one that cannot end.
        if cond(var.fetch_add(step, 0)) {
            oracle.sleep_end(oracle.current_tid());
            return Ok(Woken::Done);
        }
        let tid = oracle.current_tid();
        if !oracle.sleep_turn(tid) {
            oracle.sleep_end(tid);
            return match sleep {
                Sleep::Interruptible => Ok(Woken::Interrupted),
                Sleep::Killable => {
                    let (object, text) = what();
                    oracle.report_hung_task(tid, step, object, text);
                    oracle.abort(Abort::Deadlock);
                    Err(Abort::Deadlock)
                }
            };
        }
        if let Err(e) = yield_now(step) {
            oracle.sleep_end(tid);
            return Err(e);
        }
    }
}
