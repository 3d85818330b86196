//! `struct mutex` / spinlock: a mutex with `try_lock`, seen by lockdep.
//!
//! A blocking `lock` first asks the oracle's lockdep whether waiting would close a wait-for cycle
//! (including recursive locking by the holder itself). If so the deadlock is a finding, the lock
//! is not taken and the caller gets [`Abort::Deadlock`](crate::Abort): the model unwinds with `?`,
//! dropping its guards, instead of hanging the engine.
//!
//! The data lives beside the engine lock, in a std mutex only the engine lock's holder touches
//! (uncontended: the engine lock already excludes every other model thread). So a thread running
//! alone (the setup before its first spawn, and after every thread returned) takes no engine lock
//! at all: nothing can contend, lockdep still sees the acquisition, and a `try_lock` fails exactly
//! when the data is held.
//!
//! Under a mutation plan that removes an acquisition of this lock (by its name), the data is no
//! longer reached in place: every holder works on a copy taken at acquisition and written back at
//! release, so the removed acquisition races the others as a missing lock does (its writes can
//! be lost, it can read a state in the middle of another holder's update), without two model
//! threads ever sharing a `&mut`. Only a holder that wrote its copy (took `&mut` of the data)
//! writes it back: a reader holds no write to lose, and the copy it would put back is stale once
//! the removed acquisition has written meanwhile (a kernel reader without the lock reads a torn
//! state, it never writes one).

use std::ops::{Deref, DerefMut};

use super::context::Acquired;
use super::{context, Engine, Step};
use crate::oracle::{EngineObj, LockId, LockMode, Mutation, ObjectLabel};
use crate::KResult;

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

impl Raw {
    fn lock(&self) -> RawGuard<'_> {
        match self {
            Raw::Loom(m) => RawGuard::Loom(ok(m.lock())),
            Raw::Shuttle(m) => RawGuard::Shuttle(ok(m.lock())),
            Raw::Std(m) => RawGuard::Std(ok(m.lock())),
        }
    }

    fn try_lock(&self) -> Option<RawGuard<'_>> {
        match self {
            Raw::Loom(m) => m.try_lock().ok().map(RawGuard::Loom),
            Raw::Shuttle(m) => m.try_lock().ok().map(RawGuard::Shuttle),
            Raw::Std(m) => m.try_lock().ok().map(RawGuard::Std),
        }
    }
}

/// A kernel mutex or spinlock, named as in the kernel (`ucontext_lock`, `lists_mutex`).
pub struct Mutex<T> {
    name: &'static str,
    id: LockId,
    /// The engine lock's id in the access record.
    object: EngineObj,
    raw: Raw,
    data: std::sync::Mutex<T>,
    /// The mutation plan removes an acquisition of this lock: holders work on copies.
    copied: bool,
}

enum Data<'a, T> {
    /// The data itself (the engine lock, or running alone, makes this holder the only one).
    InPlace(std::sync::MutexGuard<'a, T>),
    /// A copy written back at release when it was written (a mutex with a removed acquisition).
    Copy {
        copy: T,
        home: &'a std::sync::Mutex<T>,
        /// The holder took `&mut` of the copy.
        written: bool,
    },
}

/// Held lock; dropping it is the `unlock` step.
pub struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
    tid: usize,
    /// The engine lock (none while the thread ran alone, or for the removed acquisition).
    raw: Option<RawGuard<'a>>,
    /// This is the acquisition the mutation plan removed: no unlock step.
    removed: bool,
    data: Option<Data<'a, T>>,
}

fn ok<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(|e| e.into_inner())
}

impl<T: Clone> Mutex<T> {
    /// A new unlocked mutex. Creating one is not a step.
    pub fn new(name: &'static str, value: T) -> Mutex<T> {
        let (engine, oracle) = context::current_oracle();
        let copied = matches!(oracle.mutation(), Some(Mutation::Lock { lock, .. }) if lock == name);
        let raw = match engine {
            Engine::Loom => Raw::Loom(loom::sync::Mutex::new(())),
            Engine::Shuttle => Raw::Shuttle(shuttle::sync::Mutex::new(())),
            Engine::Std => Raw::Std(std::sync::Mutex::new(())),
        };
        Mutex {
            name,
            id: oracle.lock_register(name),
            object: oracle.engine_object(ObjectLabel {
                kind: "mutex",
                name,
                index: 0,
            }),
            raw,
            data: std::sync::Mutex::new(value),
            copied,
        }
    }

    /// The lock's kernel name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The engine lock can be left alone: the running thread runs alone (a copied mutex always
    /// takes it: its holders do not hold the data while they work).
    fn elided(&self) -> bool {
        !self.copied && context::with_oracle(|_, o| o.alone())
    }

    fn guard<'a>(&'a self, got: Acquired<Option<RawGuard<'a>>>) -> MutexGuard<'a, T> {
        let (raw, tid, removed) = match got {
            Acquired::Taken(g, tid) => (g, tid, false),
            Acquired::Removed => (None, usize::MAX, true),
        };
        let data = if self.copied {
            Data::Copy {
                copy: ok(self.data.lock()).clone(),
                home: &self.data,
                written: false,
            }
        } else {
            Data::InPlace(ok(self.data.lock()))
        };
        MutexGuard {
            lock: self,
            tid,
            raw,
            removed,
            data: Some(data),
        }
    }

    /// `mutex_lock`: blocks; a wait that would deadlock is reported and aborts the execution.
    pub fn lock(&self, step: Step) -> KResult<MutexGuard<'_, T>> {
        let elided = self.elided();
        let ids = (self.id, (!elided).then_some(self.object));
        let got = context::acquire(step, self.name, ids, LockMode::Exclusive, || {
            (!elided).then(|| self.raw.lock())
        })?;
        Ok(self.guard(got))
    }

    /// `mutex_trylock`: never blocks.
    pub fn try_lock(&self, step: Step) -> Option<MutexGuard<'_, T>> {
        let elided = self.elided();
        let ids = (self.id, (!elided).then_some(self.object));
        let got = context::try_acquire(step, self.name, ids, LockMode::Exclusive, || {
            if elided {
                // Running alone, the lock is held exactly when its data is.
                let free = self.data.try_lock().is_ok();
                free.then_some(None)
            } else {
                self.raw.try_lock().map(Some)
            }
        })?;
        Some(self.guard(got))
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.data.as_ref().expect("guard used after unlock") {
            Data::InPlace(g) => g,
            Data::Copy { copy, .. } => copy,
        }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self.data.as_mut().expect("guard used after unlock") {
            Data::InPlace(g) => &mut *g,
            Data::Copy { copy, written, .. } => {
                *written = true;
                copy
            }
        }
    }
}

impl<T> MutexGuard<'_, T> {
    /// Give the data back (before the engine lock, which lets the next holder in).
    fn put_back(data: Option<Data<'_, T>>) {
        match data {
            Some(Data::Copy {
                copy,
                home,
                written: true,
            }) => *ok(home.lock()) = copy,
            Some(Data::Copy { written: false, .. }) => {}
            Some(Data::InPlace(g)) => drop(g),
            None => {}
        }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if self.removed {
            // The removed acquisition: its copy goes back, no unlock step.
            Self::put_back(self.data.take());
            return;
        }
        let (data, raw) = (&mut self.data, &mut self.raw);
        let ids = (self.lock.id, raw.is_some().then_some(self.lock.object));
        let tid = context::release("unlock", ids, LockMode::Exclusive, || {
            Self::put_back(data.take());
            drop(raw.take());
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
