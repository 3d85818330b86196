//! lockdep's view: which thread holds and waits for which lock, and the wait-for cycle a new wait
//! would close. A wait is only registered when the lock is held in a conflicting mode, as the
//! engines block exactly then.

use super::{FindingKind, Oracle};
use crate::Abort;

/// A lock registered with the oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockId(usize);

/// How a lock is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Mutex, or rwsem for write.
    Exclusive,
    /// rwsem for read.
    Shared,
}

struct Lock {
    name: &'static str,
    holders: Vec<(usize, LockMode)>,
}

#[derive(Default)]
pub(super) struct Lockdep {
    locks: Vec<Lock>,
    waiting: Vec<(usize, LockId, LockMode)>,
    /// Holder lists of an earlier execution's locks, emptied, for reuse.
    spare: Vec<Vec<(usize, LockMode)>>,
}

impl Lockdep {
    /// Forget every lock for the next execution, keeping the allocations.
    pub(super) fn recycle(&mut self) {
        for mut l in self.locks.drain(..) {
            l.holders.clear();
            self.spare.push(l.holders);
        }
        self.waiting.clear();
    }

    pub(super) fn held_by(&self, tid: usize) -> Vec<&'static str> {
        self.locks
            .iter()
            .filter(|l| l.holders.iter().any(|(t, _)| *t == tid))
            .map(|l| l.name)
            .collect()
    }

    pub(super) fn name(&self, id: LockId) -> &'static str {
        self.locks[id.0].name
    }

    fn conflicts(&self, id: LockId, mode: LockMode) -> Vec<usize> {
        self.locks[id.0]
            .holders
            .iter()
            .filter(|(_, m)| mode == LockMode::Exclusive || *m == LockMode::Exclusive)
            .map(|(t, _)| *t)
            .collect()
    }

    /// The wait-for chain from `tid` back to itself if `tid` waited for `id` now.
    fn cycle(&self, tid: usize, id: LockId, mode: LockMode) -> Option<Vec<(usize, LockId)>> {
        let mut path = vec![(tid, id)];
        let mut frontier = self.conflicts(id, mode);
        let mut seen = vec![tid];
        while let Some(holder) = frontier.pop() {
            if holder == tid {
                return Some(path);
            }
            if seen.contains(&holder) {
                continue;
            }
            seen.push(holder);
            if let Some(&(_, next, m)) = self.waiting.iter().find(|(t, _, _)| *t == holder) {
                path.push((holder, next));
                frontier.extend(self.conflicts(next, m));
            }
        }
        None
    }
}

impl Oracle {
    /// Register a lock; not a step.
    pub(crate) fn lock_register(&self, name: &'static str) -> LockId {
        let mut st = self.st();
        let holders = st.lockdep.spare.pop().unwrap_or_default();
        st.lockdep.locks.push(Lock { name, holders });
        LockId(st.lockdep.locks.len() - 1)
    }

    /// `tid` is about to block on `id`. When that wait closes a cycle the deadlock is reported,
    /// the execution is aborted and the caller must not block.
    pub(crate) fn lock_wait(&self, tid: usize, id: LockId, mode: LockMode) -> Result<(), Abort> {
        let mut st = self.st();
        if st.lockdep.conflicts(id, mode).is_empty() {
            return Ok(());
        }
        let Some(cycle) = st.lockdep.cycle(tid, id, mode) else {
            st.lockdep.waiting.push((tid, id, mode));
            st.threads[tid].blocked = true;
            return Ok(());
        };
        let names: Vec<String> = st.threads.iter().map(|t| t.name.clone()).collect();
        let step = st.threads[tid].pending.map(|p| p.0).unwrap_or("?");
        let lock = st.lockdep.name(id);
        drop(st);
        let recursive = cycle.len() == 1;
        let title = if recursive {
            format!(
                "WARNING: possible recursive locking detected: {} takes {lock} again",
                names[tid]
            )
        } else {
            "WARNING: possible circular locking dependency detected (deadlock)".to_string()
        };
        let mut details = vec![format!(
            "{} is trying to acquire {lock} at {step}",
            names[tid]
        )];
        for (t, l) in &cycle {
            let held = self.st().lockdep.name(*l);
            details.push(format!("  {} waits for {held}", names[*t]));
        }
        for (t, l) in cycle.iter().skip(1).chain(cycle.first()) {
            let held = self.st().lockdep.name(*l);
            let holders = self.st().lockdep.locks[l.0].holders.clone();
            for (h, _) in holders {
                details.push(format!(
                    "  {held} is held by {} (wanted by {})",
                    names[h], names[*t]
                ));
            }
        }
        self.report(
            FindingKind::Deadlock,
            tid,
            title,
            Some(lock.to_string()),
            details,
        );
        self.abort(Abort::Deadlock);
        Err(Abort::Deadlock)
    }

    /// End a trylock step: `tid` holds `id` if `got`, otherwise the trace says the trylock failed.
    pub(crate) fn trylock_end(&self, tid: usize, id: LockId, mode: LockMode, got: bool) {
        if got {
            self.lock_acquired(tid, id, mode);
        }
        self.step_end(tid);
        if !got {
            let name = self.st().lockdep.name(id);
            self.note(super::Note::Text(format!(
                "trylock of {name} failed (held)"
            )));
        }
    }

    /// `tid` now holds `id`.
    pub(crate) fn lock_acquired(&self, tid: usize, id: LockId, mode: LockMode) {
        let mut st = self.st();
        st.lockdep.waiting.retain(|(t, _, _)| *t != tid);
        st.lockdep.locks[id.0].holders.push((tid, mode));
    }

    /// `tid` released `id`.
    pub(crate) fn lock_released(&self, tid: usize, id: LockId, mode: LockMode) {
        let mut st = self.st();
        let holders = &mut st.lockdep.locks[id.0].holders;
        let pos = holders.iter().position(|h| *h == (tid, mode));
        assert!(
            pos.is_some(),
            "lock {} released by thread {tid} that does not hold it",
            id.0
        );
        holders.remove(pos.unwrap_or_default());
    }

    /// Locks held by `tid` (lockdep's "locks held by" list), for reports.
    pub fn locks_held(&self, tid: usize) -> Vec<&'static str> {
        let st = self.st();
        st.lockdep
            .locks
            .iter()
            .filter(|l| l.holders.iter().any(|(t, _)| *t == tid))
            .map(|l| l.name)
            .collect()
    }
}
