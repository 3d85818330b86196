//! `struct rw_semaphore`: down_read / down_write with the trylock forms, seen by lockdep.

use std::ops::Deref;

use super::{context, Engine, Step};
use crate::oracle::{LockId, LockMode};
use crate::KResult;

enum Inner<T> {
    Loom(loom::sync::RwLock<T>),
    Shuttle(shuttle::sync::RwLock<T>),
    Std(std::sync::RwLock<T>),
}

/// A kernel rw-semaphore (`hw_destroy_rwsem`, `mmap_sem`), or an SRCU domain modelled as one.
pub struct RwSem<T> {
    name: &'static str,
    id: LockId,
    inner: Inner<T>,
}

enum ReadInner<'a, T> {
    Loom(loom::sync::RwLockReadGuard<'a, T>),
    Shuttle(shuttle::sync::RwLockReadGuard<'a, T>),
    Std(std::sync::RwLockReadGuard<'a, T>),
}

enum WriteInner<'a, T> {
    Loom(loom::sync::RwLockWriteGuard<'a, T>),
    Shuttle(shuttle::sync::RwLockWriteGuard<'a, T>),
    Std(std::sync::RwLockWriteGuard<'a, T>),
}

/// Held for read; dropping it is the `up_read` step.
pub struct RwSemReadGuard<'a, T> {
    sem: &'a RwSem<T>,
    inner: Option<ReadInner<'a, T>>,
}

/// Held for write; dropping it is the `up_write` step.
pub struct RwSemWriteGuard<'a, T> {
    sem: &'a RwSem<T>,
    inner: Option<WriteInner<'a, T>>,
}

fn ok<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(|e| e.into_inner())
}

impl<T> RwSem<T> {
    /// A new unlocked rw-semaphore. Creating one is not a step.
    pub fn new(name: &'static str, value: T) -> RwSem<T> {
        let (engine, oracle) = context::current_oracle();
        let inner = match engine {
            Engine::Loom => Inner::Loom(loom::sync::RwLock::new(value)),
            Engine::Shuttle => Inner::Shuttle(shuttle::sync::RwLock::new(value)),
            Engine::Std => Inner::Std(std::sync::RwLock::new(value)),
        };
        RwSem {
            name,
            id: oracle.lock_register(name),
            inner,
        }
    }

    /// The semaphore's kernel name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `down_read`: blocks while a writer holds it.
    pub fn down_read(&self, step: Step) -> KResult<RwSemReadGuard<'_, T>> {
        let (g, _) = context::acquire(step, self.id, LockMode::Shared, || match &self.inner {
            Inner::Loom(l) => ReadInner::Loom(ok(l.read())),
            Inner::Shuttle(l) => ReadInner::Shuttle(ok(l.read())),
            Inner::Std(l) => ReadInner::Std(ok(l.read())),
        })?;
        Ok(RwSemReadGuard {
            sem: self,
            inner: Some(g),
        })
    }

    /// `down_read_trylock`.
    pub fn down_read_trylock(&self, step: Step) -> Option<RwSemReadGuard<'_, T>> {
        let (g, _) = context::try_acquire(step, self.id, LockMode::Shared, || match &self.inner {
            Inner::Loom(l) => l.try_read().ok().map(ReadInner::Loom),
            Inner::Shuttle(l) => l.try_read().ok().map(ReadInner::Shuttle),
            Inner::Std(l) => l.try_read().ok().map(ReadInner::Std),
        })?;
        Some(RwSemReadGuard {
            sem: self,
            inner: Some(g),
        })
    }

    /// `down_write_trylock`.
    pub fn down_write_trylock(&self, step: Step) -> Option<RwSemWriteGuard<'_, T>> {
        let (g, _) =
            context::try_acquire(step, self.id, LockMode::Exclusive, || match &self.inner {
                Inner::Loom(l) => l.try_write().ok().map(WriteInner::Loom),
                Inner::Shuttle(l) => l.try_write().ok().map(WriteInner::Shuttle),
                Inner::Std(l) => l.try_write().ok().map(WriteInner::Std),
            })?;
        Some(RwSemWriteGuard {
            sem: self,
            inner: Some(g),
        })
    }

    /// `down_write`: blocks while anyone holds it.
    pub fn down_write(&self, step: Step) -> KResult<RwSemWriteGuard<'_, T>> {
        let (g, _) = context::acquire(step, self.id, LockMode::Exclusive, || match &self.inner {
            Inner::Loom(l) => WriteInner::Loom(ok(l.write())),
            Inner::Shuttle(l) => WriteInner::Shuttle(ok(l.write())),
            Inner::Std(l) => WriteInner::Std(ok(l.write())),
        })?;
        Ok(RwSemWriteGuard {
            sem: self,
            inner: Some(g),
        })
    }
}

impl<T> Deref for RwSemReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.inner.as_ref().expect("guard used after up_read") {
            ReadInner::Loom(g) => g,
            ReadInner::Shuttle(g) => g,
            ReadInner::Std(g) => g,
        }
    }
}

impl<T> Deref for RwSemWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.inner.as_ref().expect("guard used after up_write") {
            WriteInner::Loom(g) => g,
            WriteInner::Shuttle(g) => g,
            WriteInner::Std(g) => g,
        }
    }
}

impl<T> Drop for RwSemReadGuard<'_, T> {
    fn drop(&mut self) {
        let inner = &mut self.inner;
        context::release("up_read", self.sem.id, LockMode::Shared, || {
            drop(inner.take())
        });
    }
}

impl<T> Drop for RwSemWriteGuard<'_, T> {
    fn drop(&mut self) {
        let inner = &mut self.inner;
        context::release("up_write", self.sem.id, LockMode::Exclusive, || {
            drop(inner.take())
        });
    }
}
