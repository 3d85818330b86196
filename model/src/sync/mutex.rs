//! `struct mutex` / spinlock: a mutex with `try_lock`, seen by lockdep.
//!
//! A blocking `lock` first asks the oracle's lockdep whether waiting would close a wait-for cycle
//! (including recursive locking by the holder itself). If so the deadlock is a finding, the lock
//! is not taken and the caller gets [`Abort::Deadlock`](crate::Abort): the model unwinds with `?`,
//! dropping its guards, instead of hanging the engine.
//!
//! Under a mutation plan that removes an acquisition of this lock (by its name), the data moves
//! out of the engine lock: every holder works on a copy taken at acquisition and written back at
//! release, so the removed acquisition races the others as a missing lock does (its writes can
//! be lost, it can read a state in the middle of another holder's update), without two model
//! threads ever sharing a `&mut`.

use std::ops::{Deref, DerefMut};

use super::context::Acquired;
use super::{context, Engine, Step};
use crate::oracle::{LockId, LockMode, Mutation};
use crate::KResult;

enum Inner<T> {
    Loom(loom::sync::Mutex<T>),
    Shuttle(shuttle::sync::Mutex<T>),
    Std(std::sync::Mutex<T>),
    /// The lock has an acquisition removed: the engine lock guards nothing, the data lives here.
    Copied {
        raw: Raw,
        data: std::sync::Mutex<T>,
    },
}

enum Raw {
    Loom(loom::sync::Mutex<()>),
    Shuttle(shuttle::sync::Mutex<()>),
    Std(std::sync::Mutex<()>),
}

enum RawGuard<'a> {
    Loom(#[allow(dead_code)] loom::sync::MutexGuard<'a, ()>),
    Shuttle(#[allow(dead_code)] shuttle::sync::MutexGuard<'a, ()>),
    Std(#[allow(dead_code)] std::sync::MutexGuard<'a, ()>),
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
    Copied {
        /// `None` for the removed acquisition.
        raw: Option<RawGuard<'a>>,
        copy: T,
        home: &'a std::sync::Mutex<T>,
    },
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

impl<T: Clone> Mutex<T> {
    /// A new unlocked mutex. Creating one is not a step.
    pub fn new(name: &'static str, value: T) -> Mutex<T> {
        let (engine, oracle) = context::current_oracle();
        let copied = matches!(oracle.mutation(), Some(Mutation::Lock { lock, .. }) if lock == name);
        let inner = match (engine, copied) {
            (Engine::Loom, false) => Inner::Loom(loom::sync::Mutex::new(value)),
            (Engine::Shuttle, false) => Inner::Shuttle(shuttle::sync::Mutex::new(value)),
            (Engine::Std, false) => Inner::Std(std::sync::Mutex::new(value)),
            (engine, true) => Inner::Copied {
                raw: match engine {
                    Engine::Loom => Raw::Loom(loom::sync::Mutex::new(())),
                    Engine::Shuttle => Raw::Shuttle(shuttle::sync::Mutex::new(())),
                    Engine::Std => Raw::Std(std::sync::Mutex::new(())),
                },
                data: std::sync::Mutex::new(value),
            },
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

    fn guard<'a>(&'a self, got: Acquired<Option<RawGuard<'a>>>) -> MutexGuard<'a, T> {
        let (raw, tid) = match got {
            Acquired::Taken(g, tid) => (g, tid),
            Acquired::Removed => (None, usize::MAX),
        };
        let inner = match &self.inner {
            Inner::Copied { data, .. } => GuardInner::Copied {
                raw,
                copy: ok(data.lock()).clone(),
                home: data,
            },
            _ => unreachable!("only a copied mutex has raw guards"),
        };
        MutexGuard {
            lock: self,
            tid,
            inner: Some(inner),
        }
    }

    /// `mutex_lock`: blocks; a wait that would deadlock is reported and aborts the execution.
    pub fn lock(&self, step: Step) -> KResult<MutexGuard<'_, T>> {
        if let Inner::Copied { raw, .. } = &self.inner {
            let got = context::acquire(step, self.name, self.id, LockMode::Exclusive, || {
                Some(match raw {
                    Raw::Loom(m) => RawGuard::Loom(ok(m.lock())),
                    Raw::Shuttle(m) => RawGuard::Shuttle(ok(m.lock())),
                    Raw::Std(m) => RawGuard::Std(ok(m.lock())),
                })
            })?;
            return Ok(self.guard(got));
        }
        let got = context::acquire(
            step,
            self.name,
            self.id,
            LockMode::Exclusive,
            || match &self.inner {
                Inner::Loom(m) => GuardInner::Loom(ok(m.lock())),
                Inner::Shuttle(m) => GuardInner::Shuttle(ok(m.lock())),
                Inner::Std(m) => GuardInner::Std(ok(m.lock())),
                Inner::Copied { .. } => unreachable!("handled above"),
            },
        )?;
        match got {
            Acquired::Taken(g, tid) => Ok(MutexGuard {
                lock: self,
                tid,
                inner: Some(g),
            }),
            Acquired::Removed => unreachable!("a removed acquisition makes the mutex copied"),
        }
    }

    /// `mutex_trylock`: never blocks.
    pub fn try_lock(&self, step: Step) -> Option<MutexGuard<'_, T>> {
        if let Inner::Copied { raw, .. } = &self.inner {
            let got = context::try_acquire(step, self.name, self.id, LockMode::Exclusive, || {
                match raw {
                    Raw::Loom(m) => m.try_lock().ok().map(RawGuard::Loom),
                    Raw::Shuttle(m) => m.try_lock().ok().map(RawGuard::Shuttle),
                    Raw::Std(m) => m.try_lock().ok().map(RawGuard::Std),
                }
                .map(Some)
            })?;
            return Some(self.guard(got));
        }
        let got = context::try_acquire(
            step,
            self.name,
            self.id,
            LockMode::Exclusive,
            || match &self.inner {
                Inner::Loom(m) => m.try_lock().ok().map(GuardInner::Loom),
                Inner::Shuttle(m) => m.try_lock().ok().map(GuardInner::Shuttle),
                Inner::Std(m) => m.try_lock().ok().map(GuardInner::Std),
                Inner::Copied { .. } => unreachable!("handled above"),
            },
        )?;
        match got {
            Acquired::Taken(g, tid) => Some(MutexGuard {
                lock: self,
                tid,
                inner: Some(g),
            }),
            Acquired::Removed => unreachable!("a removed acquisition makes the mutex copied"),
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.inner.as_ref().expect("guard used after unlock") {
            GuardInner::Loom(g) => g,
            GuardInner::Shuttle(g) => g,
            GuardInner::Std(g) => g,
            GuardInner::Copied { copy, .. } => copy,
        }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self.inner.as_mut().expect("guard used after unlock") {
            GuardInner::Loom(g) => &mut *g,
            GuardInner::Shuttle(g) => &mut *g,
            GuardInner::Std(g) => &mut *g,
            GuardInner::Copied { copy, .. } => copy,
        }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let inner = &mut self.inner;
        if let Some(GuardInner::Copied { raw: None, .. }) = inner {
            // The removed acquisition: its copy goes back, no unlock step.
            if let Some(GuardInner::Copied { copy, home, .. }) = inner.take() {
                *ok(home.lock()) = copy;
            }
            return;
        }
        let tid = context::release("unlock", self.lock.id, LockMode::Exclusive, || {
            if let Some(GuardInner::Copied { copy, home, raw }) = inner.take() {
                *ok(home.lock()) = copy;
                drop(raw);
            } else {
                drop(inner.take())
            }
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
