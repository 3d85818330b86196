//! `struct mutex` / spinlock: a mutex with `try_lock`, seen by lockdep.
//!
//! A blocking `lock` first asks the oracle's lockdep whether waiting would close a wait-for cycle
//! (including recursive locking by the holder itself). If so the deadlock is a finding, the lock
//! is not taken and the caller gets [`Abort::Deadlock`](crate::Abort): the model unwinds with `?`,
//! dropping its guards, instead of hanging the engine.

use std::ops::{Deref, DerefMut};

use super::{context, Engine, Step};
use crate::oracle::{LockId, LockMode};
use crate::KResult;

enum Inner<T> {
    Loom(loom::sync::Mutex<T>),
    Shuttle(shuttle::sync::Mutex<T>),
    Std(std::sync::Mutex<T>),
}

/// A kernel mutex or spinlock, named as in the kernel (`ucontext_lock`, `lists_mutex`).
pub struct Mutex<T> {
    name: &'static str,
    id: LockId,
    inner: Inner<T>,
}

enum GuardInner<'a, T> {
    Loom(loom::sync::MutexGuard<'a, T>),
    Shuttle(shuttle::sync::MutexGuard<'a, T>),
    Std(std::sync::MutexGuard<'a, T>),
}

/// Held lock; dropping it is the `unlock` step.
pub struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
    tid: usize,
    inner: Option<GuardInner<'a, T>>,
}

fn ok<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(|e| e.into_inner())
}

impl<T> Mutex<T> {
    /// A new unlocked mutex. Creating one is not a step.
    pub fn new(name: &'static str, value: T) -> Mutex<T> {
        let (engine, oracle) = context::current_oracle();
        let inner = match engine {
            Engine::Loom => Inner::Loom(loom::sync::Mutex::new(value)),
            Engine::Shuttle => Inner::Shuttle(shuttle::sync::Mutex::new(value)),
            Engine::Std => Inner::Std(std::sync::Mutex::new(value)),
        };
        Mutex {
            name,
            id: oracle.lock_register(name),
            inner,
        }
    }

    /// The lock's kernel name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `mutex_lock`: blocks; a wait that would deadlock is reported and aborts the execution.
    pub fn lock(&self, step: Step) -> KResult<MutexGuard<'_, T>> {
        let (g, tid) =
            context::acquire(step, self.id, LockMode::Exclusive, || match &self.inner {
                Inner::Loom(m) => GuardInner::Loom(ok(m.lock())),
                Inner::Shuttle(m) => GuardInner::Shuttle(ok(m.lock())),
                Inner::Std(m) => GuardInner::Std(ok(m.lock())),
            })?;
        Ok(MutexGuard {
            lock: self,
            tid,
            inner: Some(g),
        })
    }

    /// `mutex_trylock`: never blocks.
    pub fn try_lock(&self, step: Step) -> Option<MutexGuard<'_, T>> {
        let (g, tid) =
            context::try_acquire(step, self.id, LockMode::Exclusive, || match &self.inner {
                Inner::Loom(m) => m.try_lock().ok().map(GuardInner::Loom),
                Inner::Shuttle(m) => m.try_lock().ok().map(GuardInner::Shuttle),
                Inner::Std(m) => m.try_lock().ok().map(GuardInner::Std),
            })?;
        Some(MutexGuard {
            lock: self,
            tid,
            inner: Some(g),
        })
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.inner.as_ref().expect("guard used after unlock") {
            GuardInner::Loom(g) => g,
            GuardInner::Shuttle(g) => g,
            GuardInner::Std(g) => g,
        }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self.inner.as_mut().expect("guard used after unlock") {
            GuardInner::Loom(g) => &mut *g,
            GuardInner::Shuttle(g) => &mut *g,
            GuardInner::Std(g) => &mut *g,
        }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let inner = &mut self.inner;
        let tid = context::release("unlock", self.lock.id, LockMode::Exclusive, || {
            drop(inner.take())
        });
        if crate::SELF_CHECKS {
            assert_eq!(
                tid, self.tid,
                "mutex {} unlocked by another thread",
                self.lock.name
            );
        }
    }
}
