//! Which engine and which execution's oracle the current OS thread is running.
//!
//! loom and shuttle run every model thread of an execution as a coroutine on the OS thread that
//! called them, so one std thread-local is right for all model threads of that execution; the std
//! engine sets it in each OS thread it spawns. The model thread id comes from the engine and is
//! mapped to the oracle's dense thread numbers by the oracle itself.

use std::cell::RefCell;
use std::sync::Arc;

use super::Engine;
use crate::oracle::{AccessKind, EngineObj, Oracle};

thread_local! {
    static CURRENT: RefCell<Option<(Engine, Arc<Oracle>)>> = const { RefCell::new(None) };
}

/// Restores the previous context on drop.
pub struct Entered {
    previous: Option<(Engine, Arc<Oracle>)>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Make `oracle` (running under `engine`) the current execution of this OS thread.
pub(crate) fn enter(engine: Engine, oracle: Arc<Oracle>) -> Entered {
    let previous = CURRENT.with(|c| c.borrow_mut().replace((engine, oracle)));
    Entered { previous }
}

/// Set aside this OS thread's context for an exploration; see [`Suspended`].
pub(crate) fn suspend() -> Suspended {
    Suspended {
        outer: CURRENT.with(|c| c.borrow_mut().take()),
    }
}

/// An exploration's hold on the OS thread's context: on drop, the context of an execution the
/// engine abandoned before its end (a panic, loom's branch cap) is forgotten, not dropped (its
/// objects belong to an engine execution that no longer exists, and dropping them could reach
/// the engine), and the context from before the exploration is restored.
pub(crate) struct Suspended {
    outer: Option<(Engine, Arc<Oracle>)>,
}

impl Drop for Suspended {
    fn drop(&mut self) {
        let outer = self.outer.take();
        let abandoned = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
        std::mem::forget(abandoned);
    }
}

/// The engine of the current execution, if the OS thread is running one.
pub(crate) fn current_engine() -> Option<Engine> {
    CURRENT.with(|c| c.borrow().as_ref().map(|(engine, _)| *engine))
}

/// The current execution's engine and oracle. Panics outside an execution: that is a model bug.
pub(crate) fn current_oracle() -> (Engine, Arc<Oracle>) {
    with_oracle(|e, o| (e, Arc::clone(o)))
}

/// Run `f` with the current execution's engine and oracle, borrowed from the thread-local (no
/// `Arc` clone: this is the facade's per-access path). `f` must not make an engine access: another
/// model thread of the same OS thread could then run and enter or leave its context.
/// Panics outside an execution: that is a model bug.
#[inline]
pub(crate) fn with_oracle<R>(f: impl FnOnce(Engine, &Arc<Oracle>) -> R) -> R {
    CURRENT.with(|c| {
        let current = c.borrow();
        let (engine, oracle) = current
            .as_ref()
            .expect("sync facade used outside a pincheck execution");
        f(*engine, oracle)
    })
}

/// Folds what a thread id's `Hash` writes into one word, injectively for a single `u64`/`usize`
/// write (std's `ThreadId`) and for the last word given the others (loom's `ThreadId` writes its
/// execution id, then its thread index): an odd-multiplier mix, far cheaper than SipHash.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

fn id_key(id: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = KeyHasher::default();
    id.hash(&mut h);
    h.finish()
}

/// A key naming the running model thread, unique within one execution.
pub(crate) fn engine_thread_key(engine: Engine) -> u64 {
    match engine {
        Engine::Loom => id_key(&loom::thread::current().id()),
        Engine::Shuttle => usize::from(shuttle::current::me()) as u64,
        Engine::Std => id_key(&std::thread::current().id()),
    }
}

/// Run one engine access as the named step of the current model thread: the oracle records the
/// step as pending before the access (so a replaying scheduler can check it) and logs it after.
pub(crate) fn step<R>(step: super::Step, access: impl FnOnce() -> R) -> R {
    let tid = with_oracle(|engine, oracle| oracle.step_tid(engine));
    let r = access();
    with_oracle(|_, oracle| oracle.step_done(tid, step));
    r
}

/// Log `step` for `tid` (its engine accesses, if any, are done).
#[inline]
pub(crate) fn logged(tid: usize, step: super::Step) {
    with_oracle(|_, oracle| oracle.step_done(tid, step));
}

/// Log `step` for `tid`, whose engine access of `kind` to `object` has just returned, and record
/// the access when the execution records them (one branch otherwise).
#[inline]
pub(crate) fn accessed(tid: usize, step: super::Step, object: EngineObj, kind: AccessKind) {
    accessed_value(tid, step, object, (kind, 0));
}

/// [`accessed`] with the value a load returned.
#[inline]
pub(crate) fn accessed_value(
    tid: usize,
    step: super::Step,
    object: EngineObj,
    kind: (AccessKind, i64),
) {
    with_oracle(|_, oracle| oracle.step_done_accessed(tid, step, object, kind));
}

/// The access kinds of taking and of releasing a lock in `mode`.
fn lock_kinds(mode: crate::oracle::LockMode) -> (AccessKind, AccessKind) {
    match mode {
        crate::oracle::LockMode::Exclusive => (AccessKind::Lock, AccessKind::Unlock),
        crate::oracle::LockMode::Shared => (AccessKind::LockShared, AccessKind::UnlockShared),
    }
}

/// What a facade lock acquisition got: the engine guard and the thread, or nothing because the
/// execution's mutation plan removed this acquisition (no engine access, no lockdep holder).
pub(crate) enum Acquired<G> {
    /// Taken.
    Taken(G, usize),
    /// Removed by the mutation plan: the caller proceeds as if it held the lock.
    Removed,
}

/// The lock protocol every blocking facade lock follows: unless the mutation plan removes this
/// acquisition, begin the step, ask lockdep whether waiting would deadlock (then end the step and
/// abort), take the engine lock, record the holder, end the step. `engine` is the engine object
/// `take` locks, `None` when it takes no engine lock (the thread runs alone).
pub(crate) fn acquire<G>(
    step: super::Step,
    lock: &'static str,
    (id, engine): (crate::oracle::LockId, Option<EngineObj>),
    mode: crate::oracle::LockMode,
    take: impl FnOnce() -> G,
) -> crate::KResult<Acquired<G>> {
    let begun = with_oracle(|engine, oracle| {
        if oracle.lock_removed(step, lock) {
            None
        } else {
            Some(oracle.lock_begin(engine, step, id, mode))
        }
    });
    let Some(tid) = begun else {
        return Ok(Acquired::Removed);
    };
    let tid = tid?;
    // If the lock is held, this thread blocks: a wait only it could end is decided now.
    super::park::wake_hopeless();
    let g = take();
    let access = engine.map(|object| (object, lock_kinds(mode).0, step));
    with_oracle(|_, oracle| oracle.lock_end(tid, id, mode, access));
    Ok(Acquired::Taken(g, tid))
}

/// A trylock step: never waits; the trace says when it failed. A removed acquisition succeeds
/// without touching the lock. `engine` as for [`acquire`].
pub(crate) fn try_acquire<G>(
    step: super::Step,
    lock: &'static str,
    (id, engine): (crate::oracle::LockId, Option<EngineObj>),
    mode: crate::oracle::LockMode,
    take: impl FnOnce() -> Option<G>,
) -> Option<Acquired<G>> {
    let begun = with_oracle(|engine, oracle| {
        if oracle.lock_removed(step, lock) {
            None
        } else {
            Some(oracle.step_begin(engine, step, Some(id)))
        }
    });
    let Some(tid) = begun else {
        return Some(Acquired::Removed);
    };
    let g = take();
    let kind = match (g.is_some(), mode) {
        (true, crate::oracle::LockMode::Exclusive) => AccessKind::TryLock,
        (true, crate::oracle::LockMode::Shared) => AccessKind::TryLockShared,
        (false, _) => AccessKind::TryLockFailed,
    };
    let access = engine.map(|object| (object, kind, step));
    with_oracle(|_, oracle| oracle.trylock_end(tid, (id, mode), g.is_some(), access));
    g.map(|g| Acquired::Taken(g, tid))
}

/// The unlock step (`unlock`, `up_read`, `up_write`): the holder is released before the engine
/// lock, so lockdep never sees a waiter blocked on a lock nobody holds. Returns the thread id.
/// `engine` is the engine object `unlock` releases (`None`: it holds no engine lock).
pub(crate) fn release(
    step: super::Step,
    (id, engine): (crate::oracle::LockId, Option<EngineObj>),
    mode: crate::oracle::LockMode,
    unlock: impl FnOnce(),
) -> usize {
    let tid = with_oracle(|e, oracle| oracle.unlock_begin(e, step, id, mode));
    unlock();
    let access = engine.map(|object| (object, lock_kinds(mode).1, step));
    with_oracle(|_, oracle| oracle.unlock_end(tid, access));
    tid
}
