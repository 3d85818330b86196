//! An RCU-published pointer read without a lock by many threads and written by few
//! (`rcu_assign_pointer` / `rcu_dereference`), with one engine word per scenario thread.
//!
//! Why not one engine atomic: a lookup then has two choices, both costly for the engines and
//! neither the kernel's. As a load, loom tries every older value the load may return (each a
//! further execution), and a load followed by the same thread's store can hide that store's race
//! (tokio-rs/loom#166, see `per_thread.rs`); as an RMW of zero (what a lookup whose result is
//! judged against the table's state must be, procfs's), every two lookups of the pointer are
//! dependent and loom explores both of their orders, which the kernel does not have (only a
//! writer is ordered against a reader). So a lookup by thread `t` is an RMW of zero on `t`'s own
//! word, and a write an RMW of every word: two lookups touch different words and are independent;
//! every lookup is dependent on every write, through its word, and reads the latest value.
//!
//! A lookup reads the latest value of its word: the model does not explore a lookup that returns a
//! pointer older than the last one written, where a load under loom may. Such a read with nothing
//! ordering the write before it is the outcome of the lookup made before the write, which every
//! engine explores anyway (the two are dependent). One whose write is ordered before it (the
//! reader saw, through locks or atomics, something the writer did after writing) is excluded by
//! the kernel as well: RCU readers see pointers in coherence order, and `rcu_dereference` after an
//! acquire of what the writer released must return the written value or a later one. What is left
//! is a cycle without such an order (store buffering: each side reads the other's old value
//! after its own store), which the kernel excludes wherever both sides have a full barrier
//! between their store and load, as every value-returning atomic gives
//! (Documentation/atomic_t.txt). The model explores none of them: a limit where a side has no
//! such barrier (the matrix's outcome sets were the same with the loads).
//!
//! A write of several words is not one instant: between two of its RMWs one reader could see the
//! new value, tell another (through a lock or an atomic), and the other read the old one, an
//! order no single store gives. And two writers could interleave their words, leaving words
//! that disagree. So:
//!
//! - with one word (one scenario thread), a write is one exchange;
//! - with two words (two scenario threads, one of which is the writer), the writer exchanges its
//!   own word first, then the other one: the one reader besides the writer reads one word, so it
//!   cannot see the value change twice. Two writers cannot interleave when, as every fd-table
//!   writer does (see `vfs::fdtable`), a write that finds the value it writes (a close that finds
//!   NULL) stops after the first word, and only one writer writes into a given value (the one
//!   `fd_install` into a slot reserved for it): the word a writer writes first is the one the
//!   other writes last, so a writer that finds the other's value there finds the other done, and
//!   one that does not writes nothing (a fixed order of the words for both would let them cross,
//!   which `rcu_pointer_racing_writes_agree_on_every_word` in the model's tests finds);
//! - with three words or more, a write first takes every word but the last to [`LOCKED`] (the
//!   first word also excludes the other writers: one that finds it locked sleeps until it is
//!   written again), then writes the last word (the instant of the write) and the others back to
//!   the first. A lookup that finds its word locked sleeps until the writer writes it (the writer
//!   never blocks between the two phases, so the sleep always ends). Every lookup that returns
//!   the old value was made before the instant, and every one that returns the new value after it.
//!
//! While one thread runs alone nothing can race: a lookup reads the value kept std-side and a
//! write sets every word with no engine access, each one logged step.

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering::{Acquire, Release};

use super::wait::{wait_var_event, Sleep, Woken};
use super::{context, Atomic, PerThreadVec, Step};
use crate::oracle::ObjectLabel;

/// What a word holds while a write of three or more words is under way.
pub const LOCKED: i64 = -1;

/// A published pointer (an encoded handle, 0 for NULL) with one engine word per scenario thread
/// (see the module comment).
pub struct RcuPointer {
    /// Word `i` belongs to thread `i + 1` (thread 0, the setup, only runs alone); inline.
    words: PerThreadVec<Atomic>,
    /// The value after the last write's instant (what a thread running alone reads).
    latest: AtomicI64,
}

impl RcuPointer {
    /// A pointer holding `value`, with a word for each scenario thread of the current execution;
    /// `name` says what it is in the access record. Creating it is not a step.
    pub fn new(name: &'static str, value: i64) -> RcuPointer {
        let threads = context::with_oracle(|_, o| o.threads_planned());
        let word = |index| ObjectLabel {
            kind: "published word",
            name,
            index,
        };
        RcuPointer {
            words: (0..threads)
                .map(|i| Atomic::labelled(value, word(i + 1)))
                .collect(),
            latest: AtomicI64::new(value),
        }
    }

    /// `rcu_dereference`: the running thread's lookup, one RMW of its own word (none when it runs
    /// alone); a lookup that finds its word locked sleeps until the write reaches it.
    pub fn read(&self, step: Step) -> i64 {
        let (tid, alone) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        if alone || self.words.is_empty() {
            context::logged(tid, step);
            return self.latest.load(Acquire);
        }
        let word = self.words.get(tid.wrapping_sub(1));
        let word = word.unwrap_or_else(|| {
            panic!("published pointer read by thread {tid}, which has no word, while others run")
        });
        loop {
            let seen = word.fetch_add(step, 0);
            if seen != LOCKED {
                return seen;
            }
            wait_unlocked(step, word);
        }
    }

    /// `rcu_assign_pointer` of `value`, returning the value it replaced (an `xchg`). A write that
    /// finds `value` already there changes nothing and, with two words, stops after the writer's
    /// own word (see the module comment). `at_instant(old)` runs at the write's instant (right
    /// after the access from which the other threads read the new value, before any of them can
    /// run), when the value changed: std-side bookkeeping that must change with it, as the
    /// oracle's view of an fd table.
    pub fn exchange(&self, step: Step, value: i64, at_instant: impl FnOnce(i64)) -> i64 {
        let (tid, alone) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        let instant = |old: i64| {
            if old != value {
                self.latest.store(value, Release);
                at_instant(old);
            }
        };
        if alone || self.words.is_empty() {
            context::logged(tid, step);
            self.words.iter().for_each(|w| w.set_alone(value));
            let old = self.latest.load(Acquire);
            instant(old);
            return old;
        }
        match self.words.len() {
            1 => {
                let old = self.words[0].swap(step, value);
                instant(old);
                old
            }
            2 => self.exchange_two(step, tid, value, instant),
            _ => self.exchange_locked(step, value, instant),
        }
    }

    /// Two words: the writer's own first, then the other one, the instant (the only word another
    /// thread reads).
    fn exchange_two(&self, step: Step, tid: usize, value: i64, instant: impl FnOnce(i64)) -> i64 {
        assert!(
            (1..=2).contains(&tid),
            "published pointer written by thread {tid}, which has no word, while others run"
        );
        let own = tid - 1;
        let old = self.words[own].swap(step, value);
        if old != value {
            self.words[1 - own].swap(step, value);
        }
        instant(old);
        old
    }

    /// Three words or more: lock all but the last (the first excludes other writers), write the
    /// last (the instant), then the others back to the first.
    fn exchange_locked(&self, step: Step, value: i64, instant: impl FnOnce(i64)) -> i64 {
        let (last, locked) = self.words.split_last().expect("three words or more");
        let old = loop {
            let found = locked[0].swap(step, LOCKED);
            if found != LOCKED {
                break found;
            }
            wait_unlocked(step, &locked[0]);
        };
        if old == value {
            locked[0].swap(step, value);
            return old;
        }
        for w in &locked[1..] {
            let found = w.swap(step, LOCKED);
            assert!(
                found != LOCKED,
                "published word locked by another writer while this one holds the first"
            );
        }
        last.swap(step, value);
        instant(old);
        locked.iter().rev().for_each(|w| {
            w.swap(step, value);
        });
        old
    }

    /// The value after the last write's instant, for reports. Not a step.
    pub fn peek(&self) -> i64 {
        self.latest.load(Acquire)
    }
}

/// Sleep in `step` until a writer writes `word` again. The writer holding it never blocks before
/// it does, so the sleep cannot be one nobody ends.
fn wait_unlocked(step: Step, word: &Atomic) {
    let what = || (None, "a published pointer's write to end".to_string());
    let woken = wait_var_event(step, word, Sleep::Interruptible, what, |v| v != LOCKED);
    assert!(
        matches!(woken, Ok(Woken::Done)),
        "a lookup of a published pointer slept through a write that never ended: {woken:?}"
    );
}
