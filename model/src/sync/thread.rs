//! spawn / join / yield for model threads (the scenario's tasks), and which engine thread runs
//! which model thread.

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

/// The function of one scenario thread, for [`run_threads`].
pub type ThreadFn = Box<dyn FnOnce() + Send + 'static>;

/// Spawn a model thread named `name` (its name in traces: `t1`, `unplug`, ...).
pub fn spawn<F, T>(name: &str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let mut inner = None;
    let tid = spawn_step(name, |engine, oracle, tid| {
        let body = move || {
            // loom and shuttle run every model thread on the OS thread of the execution's main
            // thread, whose context stays entered until the execution ends (`end_if_last`); an
            // OS thread of the std engine enters its own.
            let _entered = (engine == Engine::Std)
                .then(|| context::enter(engine, std::sync::Arc::clone(&oracle)));
            run_as(tid, f)
        };
        inner = Some(match engine {
            Engine::Loom => Inner::Loom(loom::thread::spawn(body)),
            Engine::Shuttle => Inner::Shuttle(shuttle::thread::spawn(body)),
            Engine::Std => Inner::Std(std::thread::spawn(body)),
        });
    });
    let inner = inner.expect("the spawn step starts the thread");
    JoinHandle { inner, tid }
}

/// The running thread's `spawn` step of a model thread named `name`: registers the thread and
/// calls `start` with the engine, the oracle and the new thread's id (to start it in the engine,
/// or not: see [`run_threads`]). Returns the id.
fn spawn_step(
    name: &str,
    start: impl FnOnce(Engine, std::sync::Arc<crate::oracle::Oracle>, usize),
) -> usize {
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
    start(engine, std::sync::Arc::clone(&oracle), tid);
    oracle.step_end(parent);
    tid
}

/// Run `f` as model thread `tid` on the calling engine thread, from its start to its return.
fn run_as<T>(tid: usize, f: impl FnOnce() -> T) -> T {
    let (engine, oracle) = context::current_oracle();
    oracle.thread_bind(context::engine_thread_key(engine), tid);
    let r = f();
    // A wait only this thread could have ended is decided now (its waiter is woken for the
    // verdict): once every thread has returned or blocks, nobody could wake it.
    oracle.thread_finish(tid);
    super::park::wake_hopeless();
    oracle.thread_returned();
    end_if_last();
    r
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

/// Run the scenario threads, `threads[i]` as model thread `i + 1`, then `then` alone as thread 0:
/// called by the execution's main thread (thread 0) after the setup.
///
/// Thread 0 logs a `spawn` step for each thread, in order, then begins its `join` step, and the
/// calling engine thread becomes thread 1 and runs its function: only threads 2 and up are
/// spawned in the engine. loom gives every engine thread of every execution a fresh coroutine
/// stack (an `mmap`, a guard page, and the page faults of its first touches), so a scenario of
/// `n` threads costs `n` of them instead of `n + 1`. The engines see the same program: thread 1's
/// first step comes after every spawn, as it did when it was spawned first (loom's spawn is no
/// scheduling point; shuttle's switches before it creates the thread, which let thread 1 run
/// before the next spawn, with the same outcomes, and now has nothing else to run there), and the
/// model threads keep their ids and names, whichever engine thread runs them
/// ([`engine_thread_of`]). Under a preemption bound the searches count alike: loom charges a
/// preemption for starting any thread but thread 1, now as when the main thread ended after its
/// spawns (an execution's first scheduling decision has no earlier one, so loom counts a switch
/// away from the thread it would run by default: `rt/path.rs`, `Schedule::preemptions`; the test
/// `a_preemption_bound_counts_starting_thread_2_first`). What changed is that the main thread's end
/// is no longer a scheduling point of its own, where loom used to branch once more.
///
/// Thread 0's `join` does not block in the engine: its step is logged once, as a wait, and
/// whichever thread returns last ends it and runs `then` as thread 0, followed by the rest of the
/// execution's end (the engine's record of the outcome). A join in the engine would be an access
/// of each joined thread's exit, which loom's DPOR orders against every step of that thread: the
/// joining thread, woken by the first exit, would retry its next join at each point of the
/// others' runs, and the search would explore the same interleaving of the scenario threads once
/// per such point. Nothing the kernel does depends on where the setup waits, so the model does not
/// let the engine see it. While the step is pending thread 0 can end nobody's wait (the hung-task
/// rules), as during the joins it stands for. Under std threads the calling OS thread joins the
/// other OS threads once thread 1 has returned.
pub fn run_threads(threads: Vec<(&str, ThreadFn)>, then: impl FnOnce() + Send + 'static) {
    let (engine, oracle) = context::current_oracle();
    let mut threads = threads.into_iter();
    let Some((first_name, first)) = threads.next() else {
        oracle.at_end(Box::new(move |_| then()));
        return;
    };
    // Thread 1 is registered first (its id and its `spawn` step, as thread 0's), and started
    // below, on this engine thread.
    let first_tid = spawn_step(first_name, |_, _, _| {});
    let handles: Vec<JoinHandle<()>> = threads.map(|(name, f)| spawn(name, f)).collect();
    let tid = oracle.step_begin(engine, "join", None);
    assert_eq!(
        tid, 0,
        "only the execution's main thread runs the scenario threads"
    );
    oracle.mark_blocked(tid);
    // Joining, this thread can end nobody's wait.
    super::park::wake_hopeless();
    oracle.at_end(Box::new(move |o| {
        o.step_end(0);
        then();
    }));
    run_as(first_tid, first);
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
}

/// The index, in spawn order, of the engine thread that runs model thread `tid` (0: the
/// execution's main thread) while the scenario threads run: thread 0 (the setup) and thread 1
/// run on the main thread, thread `t > 1` on the engine thread spawned `t - 1`-th
/// ([`run_threads`]). shuttle numbers its tasks so: a replay plan names model threads, and its
/// scheduler picks the task with this index. The work deferred to the end runs, as thread 0, on
/// whichever engine thread returned last, when no other model thread has anything left to run.
pub fn engine_thread_of(tid: usize) -> usize {
    tid.saturating_sub(1)
}

/// Run the execution's end if the calling thread is the last one to return (the main thread
/// after the body, which ran thread 1's function, or a spawned thread after its function): the work deferred with
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
