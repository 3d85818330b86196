//! Sleeping in the engine: how a waiting model thread blocks (`park`) and how the thread that
//! ends its wait wakes it (`unpark`), for `wait_for_completion` and `wait_var_event`.
//!
//! Why park/unpark and not a condition variable: both engines' park is one blocking switch with
//! a token (an unpark before the park makes the park return at once, so no wake-up is lost), and
//! loom's unpark is no scheduling point; a `Condvar` needs a mutex around every wake-up, two more
//! scheduling points at each store that may end a wait. loom's `Notify` allows one waiter only and
//! may wake spuriously (one more branch per wait). shuttle's park may wake spuriously when its
//! scheduler picks a parked thread: the schedulers here never do (see `sync::engine`), so a
//! parked thread runs again only when it is woken.
//!
//! Who wakes a waiter, as the kernel does: the store that may end the wait (`complete`, a store
//! to the waited variable, see `Atomic`), and, for a wait nobody can end any more, the thread
//! whose exit or own block made it so (the oracle's hung-task rules, [`oracle::hang`]): that
//! waiter is woken to take its verdict on its own turn, as a spinning waiter did on its next turn.
//! A wake-up is a logged step of the waking thread (shuttle's unpark is a scheduling point), and
//! the woken thread's return from its park is a logged step of its own, so a replay plan orders
//! both.
//!
//! [`oracle::hang`]: crate::oracle::hang

use super::{context, Engine, Step};
use crate::oracle::{AccessKind, EngineObj};

/// How to wake one model thread: its engine thread handle.
#[derive(Clone, Debug)]
pub enum Parker {
    /// A loom thread.
    Loom(loom::thread::Thread),
    /// A shuttle thread.
    Shuttle(shuttle::thread::Thread),
    /// An OS thread (stress).
    Std(std::thread::Thread),
}

impl Parker {
    /// The running model thread's handle.
    pub(crate) fn current(engine: Engine) -> Parker {
        match engine {
            Engine::Loom => Parker::Loom(loom::thread::current()),
            Engine::Shuttle => Parker::Shuttle(shuttle::thread::current()),
            Engine::Std => Parker::Std(std::thread::current()),
        }
    }

    fn unpark(&self) {
        match self {
            Parker::Loom(t) => t.unpark(),
            Parker::Shuttle(t) => t.unpark(),
            Parker::Std(t) => t.unpark(),
        }
    }
}

/// Block the running thread in the engine until it is woken, as step `step` (logged when the
/// thread runs again; the trace marks it as a wait when other threads ran meanwhile). Under std
/// threads a park may return spuriously: callers check their condition again.
pub(crate) fn park(step: Step) {
    let (engine, oracle) = context::current_oracle();
    let tid = oracle.step_begin(engine, step, None);
    oracle.mark_blocked(tid);
    match engine {
        Engine::Loom => loom::thread::park(),
        Engine::Shuttle => shuttle::thread::park(),
        Engine::Std => std::thread::park(),
    }
    oracle.step_end(tid);
    if oracle.tracks_accesses() {
        oracle.record(tid, EngineObj::park_of(tid), AccessKind::Park, step);
    }
}

/// Wake `woken` (threads and their parkers) as step `step` of the running thread (nothing, and
/// no step, when none).
pub(crate) fn unpark(step: Step, woken: Vec<(usize, Parker)>) {
    if woken.is_empty() {
        return;
    }
    let tid = context::with_oracle(|engine, oracle| oracle.step_tid(engine));
    for (_, p) in &woken {
        p.unpark();
    }
    context::with_oracle(|_, oracle| {
        oracle.step_done(tid, step);
        if oracle.tracks_accesses() {
            for (t, _) in &woken {
                oracle.record(tid, EngineObj::park_of(*t), AccessKind::Unpark, step);
            }
        }
    });
}

/// The running thread is about to block (a join, a lock wait, a park) or to return: wake the
/// waiters whose wait nobody else can end now, so that they take their verdict. The step is the
/// hung-task detector's (and, for an interruptible sleep, the signal's) wake-up, made by the
/// thread whose return or block decided it.
pub(crate) fn wake_hopeless() {
    let woken = context::with_oracle(|_, o| o.waiters_to_wake());
    unpark("hung_task.wake_up", woken);
}
