//! lockdep's view: which thread holds and waits for which lock, and the wait-for cycle a new wait
//! would close. A wait is only registered when the lock is held in a conflicting mode, as the
//! engines block exactly then.

use super::access::LockAccess;
use super::{Oracle, State};
use crate::sync::{Engine, Step};
use crate::Abort;

/// A lock registered with the oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockId(usize);

crate::declare_check!(
    /// The hung-task detector's case the model can decide: a `wait_for_completion` that no other
    /// thread can end any more (each has finished or waits itself).
    pub static HUNG_TASK_COMPLETION = ("hung_task.wait_for_completion", super::FindingKind::Deadlock,
        "a task waits for a completion nobody can complete");
);

/// A completion registered with the oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompletionId(usize);

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
    /// Completions by id: their names.
    completions: Vec<&'static str>,
    /// Threads waiting in `wait_for_completion`, and on which completion.
    completion_waits: Vec<(usize, CompletionId)>,
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
        self.completions.clear();
        self.completion_waits.clear();
    }

    /// The names of the locks `tid` holds, each once (an rw-semaphore is one lock per thread).
    pub(super) fn held_by(&self, tid: usize) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for l in self
            .locks
            .iter()
            .filter(|l| l.holders.iter().any(|(t, _)| *t == tid))
        {
            if !names.contains(&l.name) {
                names.push(l.name);
            }
        }
        names
    }

    pub(super) fn name(&self, id: LockId) -> &'static str {
        self.locks[id.0].name
    }

    fn conflicts_any(&self, id: LockId, mode: LockMode) -> bool {
        self.locks[id.0]
            .holders
            .iter()
            .any(|(_, m)| mode == LockMode::Exclusive || *m == LockMode::Exclusive)
    }

    fn conflicts(&self, id: LockId, mode: LockMode) -> Vec<usize> {
        self.locks[id.0]
            .holders
            .iter()
            .filter(|(_, m)| mode == LockMode::Exclusive || *m == LockMode::Exclusive)
            .map(|(t, _)| *t)
            .collect()
    }

    /// The holders `t` waits for, when it is blocked on a lock held in a conflicting mode.
    pub(super) fn blocked_on(&self, t: usize) -> Option<Vec<usize>> {
        self.waiting
            .iter()
            .find(|&&(w, id, mode)| w == t && self.conflicts_any(id, mode))
            .map(|&(_, id, mode)| self.conflicts(id, mode))
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

    /// Whether `id` is held in a mode that conflicts with `mode` (for a trylock made without an
    /// engine lock).
    pub(crate) fn lock_conflicts(&self, id: LockId, mode: LockMode) -> bool {
        self.st().lockdep.conflicts_any(id, mode)
    }

    /// Begin the step that takes `id` in `mode` (the running thread may block on it): returns
    /// the thread. When waiting would close a wait-for cycle the deadlock is reported, the step
    /// ends, the execution is aborted and the caller must not block.
    pub(crate) fn lock_begin(
        &self,
        engine: Engine,
        step: Step,
        id: LockId,
        mode: LockMode,
    ) -> Result<usize, Abort> {
        let key = Self::running_key(engine);
        let mut st = self.st();
        let tid = self.begin(&mut st, key, step, Some(id));
        match self.lock_wait(st, tid, id, mode) {
            Ok(()) => Ok(tid),
            Err(abort) => {
                self.step_end(tid);
                Err(abort)
            }
        }
    }

    /// End the step of [`lock_begin`](Self::lock_begin): `tid` now holds `id`; `access` is the
    /// engine lock's access, recorded in the same visit of the state (see
    /// [`record`](Self::record)).
    pub(crate) fn lock_end(&self, tid: usize, id: LockId, mode: LockMode, access: LockAccess) {
        let mut st = self.st();
        Self::acquired(&mut st, tid, id, mode);
        self.end(&mut st, tid);
        self.record_in(&mut st, tid, access);
    }

    /// End the unlock step of [`unlock_begin`](Self::unlock_begin), after the engine lock was
    /// released; `access` as for [`lock_end`](Self::lock_end).
    pub(crate) fn unlock_end(&self, tid: usize, access: LockAccess) {
        let mut st = self.st();
        self.end(&mut st, tid);
        self.record_in(&mut st, tid, access);
    }

    /// Begin the unlock step of `id`: the holder is released before the engine lock, so lockdep
    /// never sees a waiter blocked on a lock nobody holds. Returns the thread.
    pub(crate) fn unlock_begin(
        &self,
        engine: Engine,
        step: Step,
        id: LockId,
        mode: LockMode,
    ) -> usize {
        let key = Self::running_key(engine);
        let mut st = self.st();
        let tid = self.begin(&mut st, key, step, Some(id));
        let holders = &mut st.lockdep.locks[id.0].holders;
        let pos = holders.iter().position(|h| *h == (tid, mode));
        assert!(
            pos.is_some(),
            "lock {} released by thread {tid} that does not hold it",
            id.0
        );
        holders.remove(pos.unwrap_or_default());
        tid
    }

    /// `tid` is about to block on `id`. When that wait closes a cycle the deadlock is reported,
    /// the execution is aborted and the caller must not block.
    fn lock_wait(
        &self,
        mut st: crate::exec_cell::ExecGuard<'_, State>,
        tid: usize,
        id: LockId,
        mode: LockMode,
    ) -> Result<(), Abort> {
        if !st.lockdep.conflicts_any(id, mode) {
            return Ok(());
        }
        let Some(cycle) = st.lockdep.cycle(tid, id, mode) else {
            st.lockdep.waiting.push((tid, id, mode));
            st.threads[tid].blocked = true;
            st.record_event(self.records_accesses(), tid, super::AccessKind::Block);
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
            &super::check::LOCKDEP_DEADLOCK,
            tid,
            title,
            Some(lock.to_string()),
            details,
        );
        self.abort(Abort::Deadlock);
        Err(Abort::Deadlock)
    }

    /// End a trylock step: `tid` holds `id` if `got`, otherwise the trace says the trylock failed.
    pub(crate) fn trylock_end(
        &self,
        tid: usize,
        (id, mode): (LockId, LockMode),
        got: bool,
        access: LockAccess,
    ) {
        let mut st = self.st();
        if got {
            Self::acquired(&mut st, tid, id, mode);
        }
        self.end(&mut st, tid);
        if !got {
            let name = st.lockdep.name(id);
            let note = super::Note::Text(format!("trylock of {name} failed (held)"));
            Self::push_note(&mut st, tid, note);
        }
        self.record_in(&mut st, tid, access);
    }

    /// `tid` now holds `id`.
    fn acquired(st: &mut State, tid: usize, id: LockId, mode: LockMode) {
        st.lockdep.waiting.retain(|(t, _, _)| *t != tid);
        st.lockdep.locks[id.0].holders.push((tid, mode));
    }

    /// Locks held by `tid` (lockdep's "locks held by" list), for reports.
    pub fn locks_held(&self, tid: usize) -> Vec<&'static str> {
        self.st().lockdep.held_by(tid)
    }

    /// Register a completion; not a step.
    pub(crate) fn completion_register(&self, name: &'static str) -> CompletionId {
        let mut st = self.st();
        st.lockdep.completions.push(name);
        CompletionId(st.lockdep.completions.len() - 1)
    }

    /// `tid` found `id` not done and is about to wait for it. When no other thread can run any
    /// more (each has finished, or waits for a held lock, a thread, or a completion), nobody can
    /// complete it: the hang is reported (as the hung-task detector would), the execution is
    /// aborted and the caller must stop waiting.
    pub(crate) fn completion_wait(&self, tid: usize, id: CompletionId) -> Result<(), Abort> {
        let mut st = self.st();
        if !st.lockdep.completion_waits.contains(&(tid, id)) {
            st.lockdep.completion_waits.push((tid, id));
        }
        if st.completion_can_end(tid) {
            return Ok(());
        }
        let name = st.lockdep.completions[id.0];
        let who = st.threads[tid].name.clone();
        let step = st.threads[tid]
            .pending
            .map(|p| p.0)
            .or_else(|| st.log.iter().rev().find(|e| e.tid == tid).map(|e| e.step))
            .unwrap_or("?");
        let held = st.lockdep.held_by(tid);
        drop(st);
        let mut details = vec![format!(
            "{who} waits in wait_for_completion({name}) at {step}; no other task can complete it"
        )];
        if !held.is_empty() {
            details.push(format!("locks held by {who}: {}", held.join(", ")));
        }
        self.report(
            &HUNG_TASK_COMPLETION,
            tid,
            format!("INFO: task {who} blocked forever in wait_for_completion({name})"),
            Some(name.to_string()),
            details,
        );
        self.abort(Abort::Deadlock);
        Err(Abort::Deadlock)
    }

    /// `complete(id)`: every waiter of `id` can run again (one of them will take it; the store
    /// that follows wakes them).
    pub(crate) fn completion_done(&self, id: CompletionId) {
        self.st().lockdep.completion_waits.retain(|(_, c)| *c != id);
    }

    /// `tid` stopped waiting for a completion.
    pub(crate) fn completion_wait_end(&self, tid: usize) {
        self.st()
            .lockdep
            .completion_waits
            .retain(|(t, _)| *t != tid);
    }

    /// Whether thread `t` can still make progress: not finished, not in `join`, not waiting for a
    /// lock someone holds in a conflicting mode, not waiting for a completion, not asleep in
    /// `wait_var_event`.
    pub(super) fn can_run(st: &State, t: usize) -> bool {
        let info = &st.threads[t];
        if info.finished || info.pending.is_some_and(|p| p.0 == "join") {
            return false;
        }
        if st.lockdep.completion_waits.iter().any(|(w, _)| *w == t) || st.sleeping.contains(&t) {
            return false;
        }
        let blocked_on_lock = st
            .lockdep
            .waiting
            .iter()
            .any(|&(w, id, mode)| w == t && st.lockdep.conflicts_any(id, mode));
        !blocked_on_lock
    }
}
