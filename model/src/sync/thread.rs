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
        let _entered = context::enter(engine, std::sync::Arc::clone(&child_oracle));
        child_oracle.thread_bind(context::engine_thread_key(engine), tid);
        let r = f();
        // A wait only this thread could have ended is decided now (its waiter is woken for
        // the verdict): once every thread has returned or blocks, nobody could wake it.
        child_oracle.thread_finish(tid);
        super::park::wake_hopeless();
        child_oracle.thread_returned();
        r
    };
    let inner = match engine {
        Engine::Loom => Inner::Loom(loom::thread::spawn(body)),
        Engine::Shuttle => Inner::Shuttle(shuttle::thread::spawn(body)),
        Engine::Std => Inner::Std(std::thread::spawn(body)),
    };
    oracle.step_end(parent);
    JoinHandle { inner }
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
        match r {
            Ok(v) => v,
            Err(payload) => std::panic::resume_unwind(payload),
        }
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
