//! spawn / join / yield for model threads (the scenario's tasks).

use super::{context, Engine};

enum Inner<T> {
    Loom(loom::thread::JoinHandle<T>),
    Shuttle(shuttle::thread::JoinHandle<T>),
    Std(std::thread::JoinHandle<T>),
}

/// A spawned model thread.
pub struct JoinHandle<T> {
    inner: Inner<T>,
    /// The thread's dense id.
    tid: usize,
}

/// Spawn a model thread named `name` (its name in traces: `t1`, `unplug`, ...).
pub fn spawn<F, T>(name: &str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (engine, oracle) = context::current_oracle();
    let parent = oracle.step_begin(engine, "spawn", None);
    // A thread running alone takes no engine lock (see `RwSem`, `Mutex`): it must hold none when
    // another thread starts, or that one would find the engine lock free.
    assert!(
        !oracle.alone() || oracle.locks_held(parent).is_empty(),
        "thread {parent} spawns {name} holding {:?}, taken while it ran alone",
        oracle.locks_held(parent)
    );
    let tid = oracle.thread_create(name);
    oracle.thread_started();
    let child_oracle = std::sync::Arc::clone(&oracle);
    let body = move || {
        // loom and shuttle run every model thread on the OS thread of the execution's main
        // thread, whose context stays entered until the execution ends (`end_if_last`); an OS
        // thread of the std engine enters its own.
        let _entered = (engine == Engine::Std)
            .then(|| context::enter(engine, std::sync::Arc::clone(&child_oracle)));
        child_oracle.thread_bind(context::engine_thread_key(engine), tid);
        let r = f();
        // A wait only this thread could have ended is decided now (its waiter is woken for
        // the verdict): once every thread has returned or blocks, nobody could wake it.
        child_oracle.thread_finish(tid);
        super::park::wake_hopeless();
        child_oracle.thread_returned();
        end_if_last();
        r
    };
    let inner = match engine {
        Engine::Loom => Inner::Loom(loom::thread::spawn(body)),
        Engine::Shuttle => Inner::Shuttle(shuttle::thread::spawn(body)),
        Engine::Std => Inner::Std(std::thread::spawn(body)),
    };
    oracle.step_end(parent);
    JoinHandle { inner, tid }
}

impl<T> JoinHandle<T> {
    /// Wait for the thread. A panic in the thread is a model bug and is propagated.
    pub fn join(self) -> T {
        let (engine, oracle) = context::current_oracle();
        let tid = oracle.step_begin(engine, "join", None);
        oracle.mark_blocked(tid);
        // Joining, this thread can end nobody's wait.
        super::park::wake_hopeless();
        let r = match self.inner {
            Inner::Loom(h) => h.join(),
            Inner::Shuttle(h) => h.join(),
            Inner::Std(h) => h.join(),
        };
        oracle.step_end(tid);
        oracle.thread_joined(tid, self.tid);
        match r {
            Ok(v) => v,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// Wait for every thread in `handles`, then run `then` alone, as the calling thread (the
/// execution's main thread): the setup's `join` of the scenario threads and the quiescence after.
///
/// Under loom and shuttle the caller does not block in the engine: it logs the start of its
/// `join` step and returns, and whichever thread returns last ends the step and runs `then` as
/// thread 0, followed by the rest of the execution's end (the engine's record of the outcome).
/// A join in the engine would be an access of each joined thread's exit, which loom's DPOR
/// orders against every step of that thread: the joining thread, woken by the first exit,
/// would retry its next join at each point of the others' runs, and the search would explore
/// the same interleaving of the scenario threads once per such point. Nothing the kernel does
/// depends on where the setup waits, so the model does not let the engine see it. Under std
/// threads the caller joins the OS threads.
///
/// The step is logged once, as a wait, and while it is pending thread 0 can end nobody's wait
/// (the hung-task rules), as during the joins it stands for.
pub fn join_all(handles: Vec<JoinHandle<()>>, then: impl FnOnce() + Send + 'static) {
    let (engine, oracle) = context::current_oracle();
    if handles.is_empty() {
        oracle.at_end(Box::new(move |_| then()));
        return;
    }
    let tid = oracle.step_begin(engine, "join", None);
    assert_eq!(
        tid, 0,
        "only the execution's main thread joins the scenario threads"
    );
    oracle.mark_blocked(tid);
    // Joining, this thread can end nobody's wait.
    super::park::wake_hopeless();
    for h in handles {
        match h.inner {
            // Detached: the execution runs them to their end, which ends the join.
            Inner::Loom(_) | Inner::Shuttle(_) => {}
            Inner::Std(h) => {
                if let Err(payload) = h.join() {
                    std::panic::resume_unwind(payload);
                }
            }
        }
    }
    oracle.at_end(Box::new(move |o| {
        o.step_end(0);
        then();
    }));
}

/// Run the execution's end if the calling thread is the last one to return (the main thread
/// after the body, or a spawned thread after its function): the work deferred with
/// [`Oracle::at_end`](crate::oracle::Oracle), as thread 0, whichever engine thread runs it.
pub(crate) fn end_if_last() {
    let (engine, oracle) = context::current_oracle();
    let Some(then) = oracle.take_ending() else {
        return;
    };
    oracle.thread_bind(context::engine_thread_key(engine), 0);
    for f in then {
        f(&oracle);
    }
}

/// `cond_resched()` / `cpu_relax()` in a retry loop: lets the engine run another thread. A loop
/// that never makes progress runs past the execution's step budget: the livelock is a finding and
/// the execution is aborted (`Err`), as a blocking wait that would deadlock is.
pub fn yield_now(step: super::Step) -> crate::KResult<()> {
    let (engine, oracle) = context::current_oracle();
    // Running alone there is nobody to yield to.
    let alone = oracle.alone();
    context::step(step, || match engine {
        _ if alone => {}
        Engine::Loom => loom::thread::yield_now(),
        Engine::Shuttle => shuttle::thread::yield_now(),
        Engine::Std => std::thread::yield_now(),
    });
    oracle.check_progress(step)
}
