//! One engine word per scenario thread, for a state that each thread checks for itself and one
//! operation changes for all of them: a slab object's liveness (every checked dereference, against
//! its free) and RCU's read-side sections (against `call_rcu`).
//!
//! Why not one word: the engines take two read-modify-writes of one word to be dependent, so loom
//! explores both orders of two dereferences of one object by two threads (or two
//! `rcu_read_lock`s), an order the kernel does not have: only the free (or the grace period) is
//! ordered against them. Why not a plain load for the check: loom 0.7 can miss the race between a
//! load and a later store of another thread (tokio-rs/loom#166: only the last access of an atomic
//! is kept for its dependency check, and a load replaces it; #392: a thread whose first access is
//! a load may never be preempted). So a check by thread `t` is an RMW of `t`'s own word, and the
//! change for all is an RMW of every word, in thread order, each logged under the change's step.
//! Two threads' checks touch different words and are independent; each check is dependent on the
//! change of its own word, so every engine still explores the check on both sides of the change.
//!
//! The change is made of one RMW per word, so it is not one instant: a thread whose word has not
//! been changed yet reads the old value although the change has begun. Each check is judged by
//! its own word, so its verdict depends only on the order of two dependent accesses, the same in
//! every interleaving the engines take as equivalent (a check that read the old value after the
//! change began is equivalent to one made before it). What this cannot give is one instant for
//! all threads when a thread that saw the new value tells another, whose word is not changed yet,
//! within the change: that one still sees the old value. For a free the first thread has then
//! already made a use-after-free, so only executions with a finding can differ.
//!
//! While one thread runs alone (the setup before its first spawn, the quiescence after every
//! scenario thread has returned) nothing can race, and no engine access is made: the step is
//! logged and a change made alone is kept std-side as an offset between the words and the value
//! (it happened before every other thread's accesses, or after all of them, so every later access
//! sees it; the engines see the words' values shifted by a constant, which changes no order).

use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use std::sync::atomic::{AtomicI64, AtomicU64};

use super::{context, Engine, Step};
use crate::oracle::{AccessKind, EngineObj, ObjectLabel};

enum Word {
    Loom(loom::sync::atomic::AtomicI64),
    Shuttle(shuttle::sync::atomic::AtomicI64),
    Std(std::sync::atomic::AtomicI64),
}

impl Word {
    fn new(engine: Engine, value: i64) -> Word {
        match engine {
            Engine::Loom => Word::Loom(loom::sync::atomic::AtomicI64::new(value)),
            Engine::Shuttle => Word::Shuttle(shuttle::sync::atomic::AtomicI64::new(value)),
            Engine::Std => Word::Std(std::sync::atomic::AtomicI64::new(value)),
        }
    }

    /// `fetch_add(0)`: an RMW that changes nothing, so the engines order it against every other
    /// RMW of this word.
    fn touch(&self) -> i64 {
        match self {
            Word::Loom(a) => a.fetch_add(0, AcqRel),
            Word::Shuttle(a) => a.fetch_add(0, AcqRel),
            Word::Std(a) => a.fetch_add(0, AcqRel),
        }
    }

    fn cmpxchg(&self, old: i64, new: i64) -> i64 {
        let r = match self {
            Word::Loom(a) => a.compare_exchange(old, new, AcqRel, Acquire),
            Word::Shuttle(a) => a.compare_exchange(old, new, AcqRel, Acquire),
            Word::Std(a) => a.compare_exchange(old, new, AcqRel, Acquire),
        };
        match r {
            Ok(v) | Err(v) => v,
        }
    }
}

/// A value with one engine word per scenario thread (see the module comment).
pub struct PerThread {
    /// Word `i` belongs to thread `i + 1` (thread 0, the setup, only runs alone).
    words: Vec<Word>,
    /// Word `i`'s id in the access record (empty when the execution records no accesses).
    objects: Vec<EngineObj>,
    /// The value after the last completed change (what a thread running alone reads).
    shadow: AtomicI64,
    /// The value minus what the words hold: changed only by a change made alone.
    offset: AtomicI64,
    /// Threads (bit `tid`) whose word a change left unwritten because they made the change
    /// themselves: their later checks follow it in program order and read the shadow.
    own: AtomicU64,
}

impl PerThread {
    /// A value for the current execution's engine, with a word for each of its scenario threads;
    /// `name` says whose value it is in the access record (a slab kind). Creating it is not a
    /// step.
    pub fn new(name: &'static str, value: i64) -> PerThread {
        let (engine, threads, objects) = context::with_oracle(|e, o| {
            let threads = o.threads_planned();
            let word = |index| ObjectLabel {
                kind: "lifecycle word",
                name,
                index,
            };
            // Off, no ids and no allocation: `object` answers untracked for every word.
            let objects = match o.tracks_accesses() {
                true => (0..threads).map(|i| o.engine_object(word(i + 1))).collect(),
                false => Vec::new(),
            };
            (e, threads, objects)
        });
        PerThread {
            words: (0..threads).map(|_| Word::new(engine, value)).collect(),
            objects,
            shadow: AtomicI64::new(value),
            offset: AtomicI64::new(0),
            own: AtomicU64::new(0),
        }
    }

    /// The running thread's check: one step, an RMW of its own word (none when it runs alone).
    /// Returns the value that thread sees.
    pub fn check(&self, step: Step) -> i64 {
        let (tid, alone) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        if alone || self.words.is_empty() {
            context::logged(tid, step);
            return self.shadow.load(Acquire);
        }
        let seen = match self.words.get(tid.wrapping_sub(1)) {
            Some(w) => {
                let seen = w.touch();
                context::accessed(tid, step, self.object(tid - 1), AccessKind::Rmw);
                seen
            }
            // A thread without a word of its own (the setup thread while others run): ordered
            // against every thread's word.
            None => {
                let seen = self.touch_all(tid, step);
                context::logged(tid, step);
                seen
            }
        };
        if self.own.load(Acquire) & bit(tid) != 0 {
            return self.shadow.load(Acquire);
        }
        seen + self.offset.load(Acquire)
    }

    fn touch_all(&self, tid: usize, step: Step) -> i64 {
        let mut seen = self.shadow.load(Acquire) - self.offset.load(Acquire);
        for (i, w) in self.words.iter().enumerate() {
            let v = w.touch();
            if self.object(i).tracked() {
                context::with_oracle(|_, o| o.record(tid, self.object(i), AccessKind::Rmw, step));
            }
            if i == 0 {
                seen = v;
            }
        }
        seen
    }

    /// Change the value from `old` to `new` for every thread, once: a compare-exchange of each
    /// thread's word in thread order, each logged as `step` (so a replay plan, which follows
    /// logged steps, can put another thread between two of them exactly where the engine did).
    /// Returns the value found on the first word: the change happened when it equals `old`, and
    /// the first word decides between two concurrent changes (the loser stops there). The
    /// changing thread's own word is left alone unless it is the first: its later checks follow
    /// the change in its program order, and an engine access no other thread can race with still
    /// gives loom a scheduling point to try every other thread at (measured: up to half the
    /// executions of a scenario). Whose word is written never depends on the interleaving (the
    /// words of threads that have returned are written too): an access left out in one
    /// interleaving hides from DPOR the race it would have with an earlier access, and the other
    /// order is never explored.
    ///
    /// `each(tid)` runs right after thread `tid`'s word changed (or was left alone), before any
    /// other thread can run: std-side bookkeeping ordered exactly as that word; thread 0 (the
    /// setup, which has no word because it only runs alone) comes first, right after the first
    /// word.
    pub fn change(&self, step: Step, old: i64, new: i64, mut each: impl FnMut(usize)) -> i64 {
        let (tid, alone) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        if alone || self.words.is_empty() {
            let found = self.shadow.load(Acquire);
            context::logged(tid, step);
            if found == old {
                self.shadow.store(new, Release);
                self.offset.fetch_add(new - old, AcqRel);
                (0..=self.words.len()).for_each(&mut each);
            }
            return found;
        }
        let offset = self.offset.load(Acquire);
        let (old_word, new_word) = (old - offset, new - offset);
        let found = self.words[0].cmpxchg(old_word, new_word) + offset;
        context::accessed(tid, step, self.object(0), AccessKind::Rmw);
        if found != old {
            return found;
        }
        self.shadow.store(new, Release);
        each(0);
        each(1);
        for (i, w) in self.words.iter().enumerate().skip(1) {
            let t = i + 1;
            if t == tid {
                self.own.fetch_or(bit(t), AcqRel);
            } else {
                context::with_oracle(|e, o| o.step_tid(e));
                w.cmpxchg(old_word, new_word);
                context::accessed(tid, step, self.object(i), AccessKind::Rmw);
            }
            each(t);
        }
        found
    }

    /// Word `i`'s id in the access record.
    #[inline]
    fn object(&self, i: usize) -> EngineObj {
        self.objects.get(i).copied().unwrap_or(EngineObj::UNTRACKED)
    }

    /// The value after the last completed change. Not a step.
    pub fn peek(&self) -> i64 {
        self.shadow.load(Acquire)
    }
}

fn bit(tid: usize) -> u64 {
    1u64.checked_shl(tid as u32).unwrap_or(0)
}
