//! `struct rw_semaphore`: down_read / down_write with the trylock forms, seen by lockdep.
//!
//! Holders only ever read the protected value (`Deref`, never `DerefMut`), so the value lives
//! beside the engine locks rather than inside them: an acquisition a mutation plan removes takes
//! no engine lock and still reaches the value.
//!
//! Two readers do not order each other in the kernel (an rwsem's readers only add to its count,
//! and an SRCU reader touches its own CPU's counter), but two read acquisitions of one engine
//! rwlock are dependent for loom, which then explores both orders of every pair of read-side
//! sections. So the semaphore is one engine rwlock per scenario thread, as a big-reader lock
//! (`percpu_rw_semaphore`) is built: a reader takes its own thread's, a writer takes every
//! thread's in thread order (one logged step each, and one `up_write` each). Readers of different
//! threads touch different locks and are independent; a writer is ordered against each of them.
//! lockdep sees one lock per thread under the semaphore's name, so its wait-for graph is the
//! engines' exactly: a reader waits for a writer only once that writer holds the reader's lock.
//!
//! While the running thread runs alone (the setup before its first spawn, and after every thread
//! returned) no engine lock is taken: nothing can contend, and lockdep still sees every
//! acquisition (a thread that would wait for itself is a deadlock finding, as before).

use std::ops::Deref;

use super::context::Acquired;
use super::{context, Engine, PerThreadVec, Step};
use crate::oracle::{EngineObj, LockId, LockMode, ObjectLabel};
use crate::KResult;

enum Sub {
    Loom(loom::sync::RwLock<()>),
    Shuttle(shuttle::sync::RwLock<()>),
    Std(std::sync::RwLock<()>),
}

enum SubRead<'a> {
    Loom(#[allow(dead_code)] loom::sync::RwLockReadGuard<'a, ()>),
    Shuttle(#[allow(dead_code)] shuttle::sync::RwLockReadGuard<'a, ()>),
    Std(#[allow(dead_code)] std::sync::RwLockReadGuard<'a, ()>),
}

enum SubWrite<'a> {
    Loom(#[allow(dead_code)] loom::sync::RwLockWriteGuard<'a, ()>),
    Shuttle(#[allow(dead_code)] shuttle::sync::RwLockWriteGuard<'a, ()>),
    Std(#[allow(dead_code)] std::sync::RwLockWriteGuard<'a, ()>),
}

impl Sub {
    fn new(engine: Engine) -> Sub {
        match engine {
            Engine::Loom => Sub::Loom(loom::sync::RwLock::new(())),
            Engine::Shuttle => Sub::Shuttle(shuttle::sync::RwLock::new(())),
            Engine::Std => Sub::Std(std::sync::RwLock::new(())),
        }
    }

    fn read(&self) -> SubRead<'_> {
        match self {
            Sub::Loom(l) => SubRead::Loom(ok(l.read())),
            Sub::Shuttle(l) => SubRead::Shuttle(ok(l.read())),
            Sub::Std(l) => SubRead::Std(ok(l.read())),
        }
    }

    fn try_read(&self) -> Option<SubRead<'_>> {
        match self {
            Sub::Loom(l) => l.try_read().ok().map(SubRead::Loom),
            Sub::Shuttle(l) => l.try_read().ok().map(SubRead::Shuttle),
            Sub::Std(l) => l.try_read().ok().map(SubRead::Std),
        }
    }

    fn write(&self) -> SubWrite<'_> {
        match self {
            Sub::Loom(l) => SubWrite::Loom(ok(l.write())),
            Sub::Shuttle(l) => SubWrite::Shuttle(ok(l.write())),
            Sub::Std(l) => SubWrite::Std(ok(l.write())),
        }
    }

    fn try_write(&self) -> Option<SubWrite<'_>> {
        match self {
            Sub::Loom(l) => l.try_write().ok().map(SubWrite::Loom),
            Sub::Shuttle(l) => l.try_write().ok().map(SubWrite::Shuttle),
            Sub::Std(l) => l.try_write().ok().map(SubWrite::Std),
        }
    }
}

/// A kernel rw-semaphore (`hw_destroy_rwsem`, `mmap_sem`), or an SRCU domain modelled as one.
pub struct RwSem<T> {
    name: &'static str,
    /// One engine lock and one lockdep lock per scenario thread: thread `t`'s is `subs[t - 1]`;
    /// with the engine lock's id in the access record. On the heap: a shuttle rwlock is 200
    /// bytes, and the objects holding a semaphore are built on loom's small coroutine stacks.
    subs: Vec<(Sub, LockId, EngineObj)>,
    value: T,
}

/// The per-thread locks one guard holds: the lock's index, and the engine guard (none while the
/// thread ran alone). Inline: taking the semaphore allocates nothing.
type Held<G> = PerThreadVec<(usize, Option<G>)>;

/// Held for read; dropping it is the `up_read` step (none when the acquisition was removed).
pub struct RwSemReadGuard<'a, T> {
    sem: &'a RwSem<T>,
    held: Held<SubRead<'a>>,
}

/// Held for write; dropping it is one `up_write` step per thread's lock (none when the
/// acquisition was removed).
pub struct RwSemWriteGuard<'a, T> {
    sem: &'a RwSem<T>,
    held: Held<SubWrite<'a>>,
}

fn ok<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(|e| e.into_inner())
}

/// Without an engine lock (running alone, or a writer's own thread's lock): whether lockdep sees
/// `id` free for `mode`, which is then exactly whether a trylock would get it.
fn free(id: LockId, mode: LockMode) -> bool {
    !context::with_oracle(|_, o| o.lock_conflicts(id, mode))
}

impl<T> RwSem<T> {
    /// A new unlocked rw-semaphore. Creating one is not a step.
    pub fn new(name: &'static str, value: T) -> RwSem<T> {
        let (engine, oracle) = context::current_oracle();
        let subs = (0..oracle.threads_planned().max(1))
            .map(|index| {
                let id = oracle.lock_register(name);
                let label = ObjectLabel {
                    kind: "rwsem",
                    name,
                    index,
                };
                (Sub::new(engine), id, oracle.engine_object(label))
            })
            .collect();
        RwSem { name, subs, value }
    }

    /// The semaphore's kernel name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The locks a read by the running thread takes: its own, or every one for a thread without
    /// one (the setup thread while others run). Also whether it runs alone.
    fn readers_locks(&self) -> (std::ops::Range<usize>, bool) {
        let (tid, alone) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        match tid.checked_sub(1).filter(|i| *i < self.subs.len()) {
            Some(i) => (i..i + 1, alone),
            None => (0..self.subs.len(), alone),
        }
    }

    /// `down_read`: blocks while a writer holds the running thread's lock.
    pub fn down_read(&self, step: Step) -> KResult<RwSemReadGuard<'_, T>> {
        let (range, alone) = self.readers_locks();
        let mut g = RwSemReadGuard {
            sem: self,
            held: Held::new(),
        };
        for i in range {
            let (sub, id, object) = &self.subs[i];
            let ids = (*id, (!alone).then_some(*object));
            match context::acquire(step, self.name, ids, LockMode::Shared, || {
                (!alone).then(|| sub.read())
            })? {
                Acquired::Taken(engine, _) => g.held.push((i, engine)),
                Acquired::Removed => break,
            }
        }
        Ok(g)
    }

    /// `down_read_trylock`.
    pub fn down_read_trylock(&self, step: Step) -> Option<RwSemReadGuard<'_, T>> {
        let (range, alone) = self.readers_locks();
        let mut g = RwSemReadGuard {
            sem: self,
            held: Held::new(),
        };
        for i in range {
            let (sub, id, object) = &self.subs[i];
            let ids = (*id, (!alone).then_some(*object));
            let got = context::try_acquire(step, self.name, ids, LockMode::Shared, || {
                if alone {
                    free(*id, LockMode::Shared).then_some(None)
                } else {
                    sub.try_read().map(Some)
                }
            })?;
            match got {
                Acquired::Taken(engine, _) => g.held.push((i, engine)),
                Acquired::Removed => break,
            }
        }
        Some(g)
    }

    /// Whether the running thread runs alone, and the index of its own lock when a writer can
    /// leave it alone: only its own thread reads that lock, after the write in program order, and
    /// an engine access no other thread contends still gives loom a scheduling point to try every
    /// other thread at. Not the first lock, which every writer takes, so two writers exclude each
    /// other there. lockdep still sees it held, so a read of its own while writing is the
    /// self-deadlock it is.
    fn writers_view(&self) -> (bool, Option<usize>) {
        let (tid, alone) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        (alone, tid.checked_sub(1).filter(|i| *i > 0))
    }

    /// `down_write_trylock`: every thread's lock, or none.
    pub fn down_write_trylock(&self, step: Step) -> Option<RwSemWriteGuard<'_, T>> {
        let (alone, own) = self.writers_view();
        let mut g = RwSemWriteGuard {
            sem: self,
            held: Held::new(),
        };
        for (i, (sub, id, object)) in self.subs.iter().enumerate() {
            let engine = !alone && own != Some(i);
            let ids = (*id, engine.then_some(*object));
            let got = context::try_acquire(step, self.name, ids, LockMode::Exclusive, || {
                if alone || own == Some(i) {
                    free(*id, LockMode::Exclusive).then_some(None)
                } else {
                    sub.try_write().map(Some)
                }
            })?;
            match got {
                Acquired::Taken(engine, _) => g.held.push((i, engine)),
                Acquired::Removed => break,
            }
        }
        Some(g)
    }

    /// `down_write`: every thread's lock in thread order, each blocking while its thread holds it
    /// for read (or another writer holds it).
    pub fn down_write(&self, step: Step) -> KResult<RwSemWriteGuard<'_, T>> {
        let (alone, own) = self.writers_view();
        let mut g = RwSemWriteGuard {
            sem: self,
            held: Held::new(),
        };
        for (i, (sub, id, object)) in self.subs.iter().enumerate() {
            let engine = !alone && own != Some(i);
            let ids = (*id, engine.then_some(*object));
            match context::acquire(step, self.name, ids, LockMode::Exclusive, || {
                engine.then(|| sub.write())
            })? {
                Acquired::Taken(engine, _) => g.held.push((i, engine)),
                Acquired::Removed => break,
            }
        }
        Ok(g)
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

/// Release `held` in reverse order of acquisition, one `step` each.
fn release_all<G>(
    subs: &[(Sub, LockId, EngineObj)],
    held: &mut Held<G>,
    step: Step,
    mode: LockMode,
) {
    while let Some((i, engine)) = held.pop() {
        let ids = (subs[i].1, engine.is_some().then_some(subs[i].2));
        context::release(step, ids, mode, || drop(engine));
    }
}

impl<T> Drop for RwSemReadGuard<'_, T> {
    fn drop(&mut self) {
        release_all(&self.sem.subs, &mut self.held, "up_read", LockMode::Shared);
    }
}

impl<T> Drop for RwSemWriteGuard<'_, T> {
    fn drop(&mut self) {
        release_all(
            &self.sem.subs,
            &mut self.held,
            "up_write",
            LockMode::Exclusive,
        );
    }
}
