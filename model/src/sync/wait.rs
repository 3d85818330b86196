//! `wait_var_event`: a task sleeps until a variable satisfies a condition (`wake_up_var` is the
//! store that makes it true: the waiter reads the variable again when it is woken).
//!
//! One turn reads the variable with an engine read-modify-write; when the condition is false the
//! task asks the oracle whether another thread can still run (one that has not finished, is not
//! itself sleeping here, and is not blocked on a lock that only sleeping threads hold) and then
//! blocks in the engine (parks, see `sync::park`) until a store to the variable wakes it. When no
//! other thread can run, the wait can never end, and the kind of sleep says what happens: an
//! interruptible sleep (`TASK_INTERRUPTIBLE`, a truncate waiting for pinned pages) is interrupted,
//! as the user who started it eventually gives up; a killable one (`TASK_KILLABLE`, a close that
//! only a fatal signal may break) is the hung-task detector's finding, and the execution is
//! aborted. The question is asked when the task starts to sleep, and again whenever a thread that
//! could end the sleep returns or blocks itself: that thread wakes the sleeper for its verdict.
//!
//! Threads blocked on a lock count as able to run while a holder of that lock can: a lock wait
//! that can never end is lockdep's finding; a lock held across the sleep by a sleeper blocks its
//! waiters for as long as the sleep lasts.

use super::park::{self, Parker};
use super::{current_oracle, Atomic, Engine, Step};
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
    sleep_on(step, var, false, || {
        // An RMW, not a load: a load may return an older value under loom, and a waiter that saw
        // a stale value would take a wait that has ended for one that cannot end.
        if cond(var.fetch_add(step, 0)) {
            oracle.sleep_end(oracle.current_tid());
            return Ok(Some(Woken::Done));
        }
        let tid = oracle.current_tid();
        if oracle.sleep_turn(tid) {
            return Ok(None);
        }
        oracle.sleep_end(tid);
        match sleep {
            Sleep::Interruptible => Ok(Some(Woken::Interrupted)),
            Sleep::Killable => {
                let (object, text) = what();
                oracle.report_hung_task(tid, step, object, text);
                oracle.abort(Abort::Deadlock);
                Err(Abort::Deadlock)
            }
        }
    })
}

/// The wait both `wait_var_event` and `wait_for_completion` make: `turn` reads `var` (an engine
/// access) and asks the hang rule; `Some` ends the wait, `None` parks the thread until a store to
/// `var` (or a hang verdict: `completion` says which rule) wakes it for another turn.
pub(crate) fn sleep_on<R>(
    step: Step,
    var: &Atomic,
    completion: bool,
    mut turn: impl FnMut() -> KResult<Option<R>>,
) -> KResult<R> {
    let (engine, oracle) = current_oracle();
    let tid = oracle.current_tid();
    let register = || {
        var.wait_count(true);
        oracle.park_register(tid, var.wait_key(), completion, Parker::current(engine));
    };
    let unregister = || {
        oracle.park_unregister(tid);
        var.wait_count(false);
    };
    // OS threads run in parallel: a store between the turn's read and the registration would
    // find no waiter, so they register first (a wake-up that comes early makes the park return at
    // once). Under loom and shuttle nothing runs between the turn and the park.
    let early = engine == Engine::Std;
    loop {
        if early {
            register();
        }
        let r = turn();
        match r {
            Ok(None) if !early => register(),
            Ok(None) => {}
            _ if early => unregister(),
            _ => {}
        }
        if let Some(r) = r? {
            return Ok(r);
        }
        // This thread no longer runs: a wait only it could end is decided now.
        park::wake_hopeless();
        park::park(step);
        unregister();
    }
}
