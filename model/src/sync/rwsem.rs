//! `struct rw_semaphore`: down_read / down_write with the trylock forms, seen by lockdep.
//!
//! Holders only ever read the protected value (`Deref`, never `DerefMut`), so the value lives
//! beside the engine lock rather than inside it: an acquisition a mutation plan removes takes no
//! engine lock and still reaches the value.

use std::ops::Deref;

use super::context::Acquired;
use super::{context, Engine, Step};
use crate::oracle::{LockId, LockMode};
use crate::KResult;

enum Inner {
    Loom(loom::sync::RwLock<()>),
    Shuttle(shuttle::sync::RwLock<()>),
    Std(std::sync::RwLock<()>),
}

/// A kernel rw-semaphore (`hw_destroy_rwsem`, `mmap_sem`), or an SRCU domain modelled as one.
pub struct RwSem<T> {
    name: &'static str,
    id: LockId,
    inner: Inner,
    value: T,
}

enum ReadInner<'a> {
    Loom(#[allow(dead_code)] loom::sync::RwLockReadGuard<'a, ()>),
    Shuttle(#[allow(dead_code)] shuttle::sync::RwLockReadGuard<'a, ()>),
    Std(#[allow(dead_code)] std::sync::RwLockReadGuard<'a, ()>),
}

enum WriteInner<'a> {
    Loom(#[allow(dead_code)] loom::sync::RwLockWriteGuard<'a, ()>),
    Shuttle(#[allow(dead_code)] shuttle::sync::RwLockWriteGuard<'a, ()>),
    Std(#[allow(dead_code)] std::sync::RwLockWriteGuard<'a, ()>),
}

/// Held for read; dropping it is the `up_read` step (none when the acquisition was removed).
pub struct RwSemReadGuard<'a, T> {
    sem: &'a RwSem<T>,
    inner: Option<ReadInner<'a>>,
}

/// Held for write; dropping it is the `up_write` step (none when the acquisition was removed).
pub struct RwSemWriteGuard<'a, T> {
    sem: &'a RwSem<T>,
    inner: Option<WriteInner<'a>>,
}

fn ok<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(|e| e.into_inner())
}

fn taken<G>(a: Acquired<G>) -> Option<G> {
    match a {
        Acquired::Taken(g, _) => Some(g),
        Acquired::Removed => None,
    }
}

impl<T> RwSem<T> {
    /// A new unlocked rw-semaphore. Creating one is not a step.
    pub fn new(name: &'static str, value: T) -> RwSem<T> {
        let (engine, oracle) = context::current_oracle();
        let inner = match engine {
            Engine::Loom => Inner::Loom(loom::sync::RwLock::new(())),
            Engine::Shuttle => Inner::Shuttle(shuttle::sync::RwLock::new(())),
            Engine::Std => Inner::Std(std::sync::RwLock::new(())),
        };
        RwSem {
            name,
            id: oracle.lock_register(name),
            inner,
            value,
        }
    }

    /// The semaphore's kernel name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `down_read`: blocks while a writer holds it.
    pub fn down_read(&self, step: Step) -> KResult<RwSemReadGuard<'_, T>> {
        let g = context::acquire(step, self.name, self.id, LockMode::Shared, || {
            match &self.inner {
                Inner::Loom(l) => ReadInner::Loom(ok(l.read())),
                Inner::Shuttle(l) => ReadInner::Shuttle(ok(l.read())),
                Inner::Std(l) => ReadInner::Std(ok(l.read())),
            }
        })?;
        Ok(RwSemReadGuard {
            sem: self,
            inner: taken(g),
        })
    }

    /// `down_read_trylock`.
    pub fn down_read_trylock(&self, step: Step) -> Option<RwSemReadGuard<'_, T>> {
        let g = context::try_acquire(step, self.name, self.id, LockMode::Shared, || {
            match &self.inner {
                Inner::Loom(l) => l.try_read().ok().map(ReadInner::Loom),
                Inner::Shuttle(l) => l.try_read().ok().map(ReadInner::Shuttle),
                Inner::Std(l) => l.try_read().ok().map(ReadInner::Std),
            }
        })?;
        Some(RwSemReadGuard {
            sem: self,
            inner: taken(g),
        })
    }

    /// `down_write_trylock`.
    pub fn down_write_trylock(&self, step: Step) -> Option<RwSemWriteGuard<'_, T>> {
        let g = context::try_acquire(
            step,
            self.name,
            self.id,
            LockMode::Exclusive,
            || match &self.inner {
                Inner::Loom(l) => l.try_write().ok().map(WriteInner::Loom),
                Inner::Shuttle(l) => l.try_write().ok().map(WriteInner::Shuttle),
                Inner::Std(l) => l.try_write().ok().map(WriteInner::Std),
            },
        )?;
        Some(RwSemWriteGuard {
            sem: self,
            inner: taken(g),
        })
    }

    /// `down_write`: blocks while anyone holds it.
    pub fn down_write(&self, step: Step) -> KResult<RwSemWriteGuard<'_, T>> {
        let g = context::acquire(
            step,
            self.name,
            self.id,
            LockMode::Exclusive,
            || match &self.inner {
                Inner::Loom(l) => WriteInner::Loom(ok(l.write())),
                Inner::Shuttle(l) => WriteInner::Shuttle(ok(l.write())),
                Inner::Std(l) => WriteInner::Std(ok(l.write())),
            },
        )?;
        Ok(RwSemWriteGuard {
            sem: self,
            inner: taken(g),
        })
    }
}

impl<T> Deref for RwSemReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.sem.value
    }
}

impl<T> Deref for RwSemWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.sem.value
    }
}

impl<T> Drop for RwSemReadGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.is_none() {
            return;
        }
        let inner = &mut self.inner;
        context::release("up_read", self.sem.id, LockMode::Shared, || {
            drop(inner.take())
        });
    }
}

impl<T> Drop for RwSemWriteGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.is_none() {
            return;
        }
        let inner = &mut self.inner;
        context::release("up_write", self.sem.id, LockMode::Exclusive, || {
            drop(inner.take())
        });
    }
}
