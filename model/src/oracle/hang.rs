//! The hung-task detector's question for a waiting task: can any other thread still run, and so
//! still end the wait? Threads sleeping in `wait_var_event` are recorded here; a thread can run
//! when it has not finished, is not sleeping, and is not blocked on a lock that only sleeping
//! threads hold. Thread 0 (setup and quiescence) runs only when every scenario thread has
//! finished: while they run it is blocked joining them.
//!
//! A waiting thread blocks in the engine (it is *parked*, `Parked`). The question is asked when
//! its answer can change: when a thread starts a wait (about itself), and when a thread that
//! could end someone's wait returns or blocks itself (`Oracle::waiters_to_wake`); the waiters
//! whose wait nobody can end then are woken and take their verdict on their own turn.

use std::sync::atomic::Ordering::{Acquire, Release};

use super::{Oracle, State};
use crate::sync::{Parker, Step};

crate::declare_check!(
    /// The hung-task detector's case the model can decide: a killable sleep that no other thread
    /// can end any more (each has finished, sleeps itself, or waits for a lock a sleeper holds).
    pub static HUNG_TASK = ("hung_task.wait_var_event", super::FindingKind::Deadlock,
        "a task sleeps in a killable wait nobody can end");
);

/// A waiting thread blocked in the engine.
pub(crate) struct Parked {
    tid: usize,
    /// The variable whose stores may end the wait (its address).
    var: usize,
    /// Waits in `wait_for_completion` (else in `wait_var_event`): which hang rule applies.
    completion: bool,
    parker: Parker,
}

impl State {
    /// The sleep rule: another thread than `tid` can still run, and so could end its sleep.
    fn sleep_can_end(&self, tid: usize) -> bool {
        (0..self.threads.len()).any(|t| t != tid && self.sleep_runs(tid, t, 0))
    }

    /// Whether `t` can run, as a sleeper `tid` sees it: not finished, not asleep, not thread 0
    /// (blocked joining) unless `tid` is, and not blocked on a lock only threads that cannot run
    /// hold (a lock held across a sleep can only be released when the sleep ends).
    fn sleep_runs(&self, tid: usize, t: usize, depth: usize) -> bool {
        if t == tid
            || (t == 0 && tid != 0)
            || self.threads[t].finished
            || self.sleeping.contains(&t)
        {
            return false;
        }
        match self.lockdep.blocked_on(t) {
            // lockdep refuses every wait that closes a cycle, so the chain ends; the depth
            // guards against a model bug.
            Some(holders) if depth <= self.threads.len() => {
                holders.iter().any(|&h| self.sleep_runs(tid, h, depth + 1))
            }
            Some(_) => false,
            None => true,
        }
    }

    /// The completion rule: another thread than `tid` can still run (see `Oracle::can_run`).
    pub(super) fn completion_can_end(&self, tid: usize) -> bool {
        (0..self.threads.len()).any(|t| t != tid && Oracle::can_run(self, t))
    }
}

impl Oracle {
    /// Thread `tid` found its condition false and is about to sleep: true when another thread
    /// can still run (and so could end the sleep). Records `tid` as sleeping.
    pub(crate) fn sleep_turn(&self, tid: usize) -> bool {
        let mut st = self.st();
        if !st.sleeping.contains(&tid) {
            st.sleeping.push(tid);
        }
        st.sleep_can_end(tid)
    }

    /// Thread `tid` no longer sleeps.
    pub(crate) fn sleep_end(&self, tid: usize) {
        self.st().sleeping.retain(|t| *t != tid);
    }

    /// Thread `tid` is about to park until a store to `var` (an address) or a hang verdict wakes
    /// it, through `parker`.
    pub(crate) fn park_register(&self, tid: usize, var: usize, completion: bool, parker: Parker) {
        let mut st = self.st();
        st.parked.retain(|p| p.tid != tid);
        st.parked.push(Parked {
            tid,
            var,
            completion,
            parker,
        });
        self.parked_count.store(st.parked.len(), Release);
    }

    /// Thread `tid` runs again (woken, or it never parked): it is no longer parked.
    pub(crate) fn park_unregister(&self, tid: usize) {
        let mut st = self.st();
        if st.parked.iter().any(|p| p.tid == tid) {
            st.parked.retain(|p| p.tid != tid);
            self.parked_count.store(st.parked.len(), Release);
        }
    }

    /// A store changed `var`: the threads parked on it, taken off the parked list (the caller
    /// wakes them; each checks its condition again).
    pub(crate) fn wake_var(&self, var: usize) -> Vec<(usize, Parker)> {
        self.take_parked(|_, p| p.var == var)
    }

    /// The parked waiters that no other thread can wake any more (the hang rules), taken off
    /// the parked list: the caller wakes them to take their verdict. Asked whenever a thread is
    /// about to block (park, wait for a lock, join) or to return.
    pub(crate) fn waiters_to_wake(&self) -> Vec<(usize, Parker)> {
        self.take_parked(|st, p| {
            if p.completion {
                !st.completion_can_end(p.tid)
            } else {
                !st.sleep_can_end(p.tid)
            }
        })
    }

    /// The parked waiters `wake` picks, taken off the parked list: their threads and parkers.
    fn take_parked(&self, mut wake: impl FnMut(&State, &Parked) -> bool) -> Vec<(usize, Parker)> {
        if self.parked_count.load(Acquire) == 0 {
            return Vec::new();
        }
        let mut st = self.st();
        let mut woken = Vec::new();
        let mut i = 0;
        while i < st.parked.len() {
            if wake(&st, &st.parked[i]) {
                let p = st.parked.swap_remove(i);
                woken.push((p.tid, p.parker));
            } else {
                i += 1;
            }
        }
        self.parked_count.store(st.parked.len(), Release);
        woken
    }

    /// Report thread `tid`'s sleep in `step` as hung, the way the hung-task detector prints it.
    pub(crate) fn report_hung_task(
        &self,
        tid: usize,
        step: Step,
        object: Option<String>,
        what: String,
    ) {
        let name = self.thread_names()[tid].clone();
        let held = self.locks_held(tid);
        let mut details = vec![
            format!("{name} sleeps in {step} (killable): {what}"),
            "no other task can end the wait: each has finished or sleeps itself".into(),
        ];
        if !held.is_empty() {
            // The others may be blocked on these: a lock held across the sleep.
            details[1].push_str(", or waits for a lock a sleeper holds");
            details.push(format!("locks held by {name}: {}", held.join(", ")));
        }
        self.report(
            &HUNG_TASK,
            tid,
            format!("INFO: task {name} blocked for more than 120 seconds."),
            object,
            details,
        );
    }
}
