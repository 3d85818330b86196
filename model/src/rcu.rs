//! RCU: read-side sections and `call_rcu` / `kfree_rcu`. A callback runs as soon as every reader
//! that was inside a read-side section when it was queued has left it: the earliest a grace period
//! can end, which is the most adversarial choice for a use-after-free hunt.
//!
//! What the engines order: each reader's sections against each `call_rcu` of another thread, and
//! nothing else. Readers of different threads do not synchronize, and neither do two `call_rcu`s
//! (the kernel queues each callback on its own CPU's list). So there is one engine word per pair
//! (reader thread, calling thread): entering or leaving a section is an RMW of the reader's word
//! of every other thread, queueing a callback an RMW of every other thread's word for the caller.
//! With one word per reader that every `call_rcu` wrote, two `call_rcu`s of two threads were
//! dependent, an order loom explored both ways for nothing (s10 and s24 at bound 3: a fifth of
//! their executions).
//!
//! Whether reader `t` holds back a callback of thread `u` is decided right after `u`'s access to
//! the pair's word, from `inside[u]`, which `t`'s own accesses to that word update right after
//! them: every decision depends only on the order of the two threads' accesses to one word, which
//! the engines explore both ways. A thread's own section holds back its own callbacks with no
//! word: the two are in program order, and a reader enters `inside[u]` of its own `u` (and of every
//! caller while it runs alone) without an engine access.
//!
//! While a thread runs alone (the setup, the quiescence) one logged step without an engine access
//! stands for the pair accesses, as in every facade primitive.

use crate::kernel::Kernel;
use crate::sync::{Atomic, Step};

/// What a callback does: the subject's own free function (`file_free_rcu`, `kfree_rcu` of a
/// uobject) and its argument (an encoded handle), so the RCU domain names no object type.
#[derive(Clone, Copy, Debug)]
pub struct Deferred {
    free: fn(&Kernel, i64),
    arg: i64,
}

impl Deferred {
    /// Run `free(k, arg)` after a grace period.
    pub fn new(free: fn(&Kernel, i64), arg: i64) -> Deferred {
        Deferred { free, arg }
    }
}

/// The RCU domain of the model kernel.
pub struct Rcu {
    /// Scenario threads (the words cover threads `1..=threads`).
    threads: usize,
    /// Word of the pair (reader `t`, caller `u`), `t != u`, at [`Rcu::index`]; empty with fewer
    /// than two scenario threads.
    words: Vec<Atomic>,
    /// The step of a thread running alone, or of a thread with no pair (no engine access then,
    /// or none that another thread can race with).
    solo: Atomic,
    state: std::sync::Mutex<RcuState>,
}

#[derive(Default)]
struct RcuState {
    /// `inside[u]`: the readers inside a section as caller `u`'s word of each has it (one entry
    /// per nested section), `u` in `0..=threads`.
    inside: Vec<Vec<usize>>,
    /// A queued callback, its caller and the readers it still waits for.
    pending: Vec<(Deferred, usize, Vec<usize>)>,
}

impl Rcu {
    /// No reader, nothing pending.
    pub fn new() -> Rcu {
        let threads = crate::sync::with_current(|_, o| o.threads_planned());
        let words = (0..threads * threads.saturating_sub(1))
            .map(|_| Atomic::new(0))
            .collect();
        Rcu {
            threads,
            words,
            solo: Atomic::new(0),
            state: std::sync::Mutex::new(RcuState {
                inside: vec![Vec::new(); threads + 1],
                pending: Vec::new(),
            }),
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, RcuState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The word of reader `t` and caller `u` (both in `1..=threads`, different).
    fn index(&self, t: usize, u: usize) -> usize {
        let column = if u < t { u - 1 } else { u - 2 };
        (t - 1) * (self.threads - 1) + column
    }

    /// The pairs `(reader, caller)` the running thread `tid` touches as a reader (`reader`) or as
    /// a caller: every other scenario thread's. A thread outside `1..=threads` (the setup while
    /// others run) touches every pair. Empty while it runs alone.
    fn pairs(&self, tid: usize, reader: bool) -> Vec<(usize, usize)> {
        if crate::sync::with_current(|_, o| o.alone()) {
            return Vec::new();
        }
        let all = 1..=self.threads;
        if !(1..=self.threads).contains(&tid) {
            return all
                .clone()
                .flat_map(|t| all.clone().filter(move |u| *u != t).map(move |u| (t, u)))
                .collect();
        }
        all.filter(|o| *o != tid)
            .map(|o| if reader { (tid, o) } else { (o, tid) })
            .collect()
    }

    /// One RMW of each pair's word, `then(pair)` right after it (no other thread runs between);
    /// with no pair, one logged step.
    fn touch(&self, step: Step, pairs: &[(usize, usize)], mut then: impl FnMut((usize, usize))) {
        if pairs.is_empty() {
            self.solo.fetch_add(step, 0);
        }
        for &(t, u) in pairs {
            self.words[self.index(t, u)].fetch_add(step, 0);
            then((t, u));
        }
    }

    /// `rcu_read_lock()`.
    pub fn read_lock(&self, step: Step, tid: usize) {
        let pairs = self.pairs(tid, true);
        self.touch(step, &pairs, |(_, u)| self.st().inside[u].push(tid));
        let mut st = self.st();
        // The callers without a word of this reader's: itself, and every caller while it runs
        // alone (nothing races then).
        for u in 0..=self.threads {
            if !pairs.iter().any(|p| p.1 == u) {
                st.inside[u].push(tid);
            }
        }
    }

    /// `rcu_read_unlock()`: runs the callbacks this reader was the last to hold back.
    pub fn read_unlock(&self, k: &Kernel, step: Step, tid: usize) {
        let pairs = self.pairs(tid, true);
        let mut ready = Vec::new();
        let mut leave = |st: &mut RcuState, u: usize| {
            if let Some(i) = st.inside[u].iter().position(|t| *t == tid) {
                st.inside[u].remove(i);
            }
            for (_, caller, waiting) in st.pending.iter_mut() {
                if *caller == u {
                    waiting.retain(|t| *t != tid);
                }
            }
            let (now, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut st.pending)
                .into_iter()
                .partition(|(_, _, w)| w.is_empty());
            st.pending = rest;
            ready.extend(now.into_iter().map(|(d, _, _)| d));
        };
        self.touch(step, &pairs, |(_, u)| leave(&mut self.st(), u));
        {
            let mut st = self.st();
            for u in 0..=self.threads {
                if !pairs.iter().any(|p| p.1 == u) {
                    leave(&mut st, u);
                }
            }
        }
        for d in ready {
            run(k, d);
        }
    }

    /// `call_rcu`: frees now when no reader is inside, else after the current readers leave.
    pub fn call_rcu(&self, k: &Kernel, step: Step, what: Deferred) {
        let tid = crate::sync::with_current(|_, o| o.current_tid());
        let pairs = self.pairs(tid, false);
        let mut waiting = Vec::new();
        self.touch(step, &pairs, |(t, u)| {
            if self.st().inside[u].contains(&t) {
                waiting.push(t);
            }
        });
        // Readers without a word for this caller: its own sections (program order), or every
        // reader when it runs alone.
        {
            let st = self.st();
            let caller = tid.min(self.threads);
            for &t in &st.inside[caller] {
                if !pairs.iter().any(|p| p.0 == t) && !waiting.contains(&t) {
                    waiting.push(t);
                }
            }
        }
        if waiting.is_empty() {
            run(k, what);
        } else {
            self.st().pending.push((what, tid, waiting));
        }
    }

    /// End every grace period (quiescence).
    pub fn barrier(&self, k: &Kernel) {
        let pending = std::mem::take(&mut self.st().pending);
        for (d, _, _) in pending {
            run(k, d);
        }
    }
}

impl Default for Rcu {
    fn default() -> Self {
        Self::new()
    }
}

fn run(k: &Kernel, what: Deferred) {
    (what.free)(k, what.arg)
}
