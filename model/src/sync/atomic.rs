//! An engine-visible 64-bit counter with the read-modify-writes the kernel uses.
//!
//! Every operation is one scheduling point per engine access and is logged under its step name.
//! `inc_not_zero` and `add_unless` are compare-exchange loops as in the kernel, so a retry is a
//! second logged access with the same step name.
//!
//! While the running thread runs alone (the setup before its first spawn, and after every thread
//! returned) an operation makes no engine access: it is still logged, and works on the last
//! value written, kept beside the engine atomic. What it changes is kept as an offset between
//! the engine's value and the counter's: such a change comes before every access of the other
//! threads (or after all of them), so every later access sees it, and the engines see values
//! shifted by a constant, which changes no order and no comparison.
//!
//! A store that changes the value wakes the threads parked waiting on this variable
//! (`wait_var_event`, `wait_for_completion`: the kernel's `wake_up_var` / `complete`), as a second
//! logged step under the store's name, made only when a waiter is parked.

use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use super::{context, Engine, Step};
use crate::oracle::{AccessKind, EngineObj, ObjectLabel};

enum Inner {
    Loom(loom::sync::atomic::AtomicI64),
    Shuttle(shuttle::sync::atomic::AtomicI64),
    Std(std::sync::atomic::AtomicI64),
}

/// An atomic counter or word (`atomic_t`, `atomic_long_t`, `refcount_t`'s value).
pub struct Atomic {
    inner: Inner,
    /// The last value written, kept outside the engine for reports (not a step, never raced on
    /// by the model: only the facade writes it, right after the engine access).
    shadow: std::sync::atomic::AtomicI64,
    /// The counter's value minus the engine's: changed only by operations made alone.
    offset: std::sync::atomic::AtomicI64,
    /// Threads registered as waiting on this variable: a store asks the oracle whom to wake only
    /// when there are some (not a step, not an engine access).
    waiters: std::sync::atomic::AtomicU32,
    /// Its id in the access record.
    object: EngineObj,
}

macro_rules! dispatch {
    ($inner:expr, $a:ident => $e:expr) => {
        match $inner {
            Inner::Loom($a) => $e,
            Inner::Shuttle($a) => $e,
            Inner::Std($a) => $e,
        }
    };
}

impl Atomic {
    /// A new counter for the current execution's engine. Creating one is not a step.
    pub fn new(value: i64) -> Atomic {
        let label = ObjectLabel {
            kind: "atomic",
            name: "",
            index: 0,
        };
        Atomic::labelled(value, label)
    }

    /// A new word that the access record names `label` (a word of another facade type).
    pub(super) fn labelled(value: i64, label: ObjectLabel) -> Atomic {
        let (engine, object) = context::with_oracle(|e, o| (e, o.engine_object(label)));
        let inner = match engine {
            Engine::Loom => Inner::Loom(loom::sync::atomic::AtomicI64::new(value)),
            Engine::Shuttle => Inner::Shuttle(shuttle::sync::atomic::AtomicI64::new(value)),
            Engine::Std => Inner::Std(std::sync::atomic::AtomicI64::new(value)),
        };
        Atomic {
            inner,
            shadow: std::sync::atomic::AtomicI64::new(value),
            offset: std::sync::atomic::AtomicI64::new(0),
            waiters: std::sync::atomic::AtomicU32::new(0),
            object,
        }
    }

    /// Set the value while the running thread runs alone, with no engine access and no step
    /// logged: for a facade type whose one step writes several words (it logs the step itself).
    pub(super) fn set_alone(&self, value: i64) {
        let before = self.shadow.swap(value, AcqRel);
        self.offset.fetch_add(value - before, AcqRel);
    }

    /// The key under which waiters park on this variable (its address: a waiter holds a
    /// reference to it for its whole wait, so it cannot move).
    pub(crate) fn wait_key(&self) -> usize {
        self as *const Atomic as usize
    }

    /// A thread starts (`true`) or stops waiting on this variable.
    pub(crate) fn wait_count(&self, start: bool) {
        if start {
            self.waiters.fetch_add(1, AcqRel);
        } else {
            self.waiters.fetch_sub(1, AcqRel);
        }
    }

    /// After a store that changed the value: wake the threads parked on this variable, as a
    /// second logged `step`.
    #[inline]
    fn changed(&self, step: Step) {
        if self.waiters.load(Acquire) > 0 {
            let woken = context::with_oracle(|_, o| o.wake_var(self.wait_key()));
            super::park::unpark(step, woken);
        }
    }

    /// Run one operation as `step`: `alone(value)` returns the result and the new value when the
    /// running thread runs alone (no engine access), `engine(offset)` makes the engine access
    /// (of `kind`) otherwise (values shifted by the offset) and returns the result; `seen` gives
    /// the value the access record keeps (a load's result, see `oracle::access::Access::value`).
    #[inline]
    fn op<R>(
        &self,
        (step, kind, seen): (Step, AccessKind, fn(&R) -> i64),
        alone: impl FnOnce(i64) -> (R, Option<i64>),
        engine: impl FnOnce(&Inner, i64) -> R,
    ) -> R {
        let (tid, by_itself) = context::with_oracle(|e, o| (o.step_tid(e), o.alone()));
        if by_itself {
            let value = self.shadow.load(Acquire);
            let (r, new) = alone(value);
            if let Some(new) = new {
                self.shadow.store(new, Release);
                self.offset.fetch_add(new - value, AcqRel);
            }
            context::logged(tid, step);
            return r;
        }
        let offset = self.offset.load(Acquire);
        let r = engine(&self.inner, offset);
        context::accessed_value(tid, step, self.object, (kind, seen(&r)));
        r
    }

    /// A plain load (`atomic_read`, `smp_load_acquire`).
    ///
    /// loom 0.7 can miss a race where a plain load precedes the same thread's store
    /// (tokio-rs/loom#166): never use a load as a liveness check, use an RMW.
    ///
    /// Under loom an Acquire load may return a value older than the last one stored (weak
    /// memory); such a read is noted on its step, because a sequentially consistent replay cannot
    /// reproduce it.
    pub fn load(&self, step: Step) -> i64 {
        let v = self.op(
            (step, AccessKind::Read, |v| *v),
            |v| (v, None),
            |inner, off| dispatch!(inner, a => a.load(Acquire)) + off,
        );
        let latest = self.shadow.load(Acquire);
        if v != latest {
            context::with_oracle(|engine, oracle| {
                if engine == Engine::Loom {
                    oracle.note(crate::oracle::Note::StaleRead { seen: v, latest })
                }
            });
        }
        v
    }

    /// A plain store (`atomic_set`, `smp_store_release`, `rcu_assign_pointer`).
    ///
    /// Made as an exchange whose result is dropped: loom 0.7 lets a plain store fall between the
    /// read and the write of another thread's RMW (tokio-rs/loom#254, fix proposed in #391), a
    /// history no modification order has; the storing thread's next load can then return the
    /// value from before its own store (s15 did: GET_CONTEXT on the fd its thread had just
    /// installed got EBADF while a procfs reader read the slot with an RMW of zero, in loom only).
    /// An exchange is an RMW, which loom keeps atomic. What it
    /// adds over the kernel's store is that an acquire reading it also synchronizes with the
    /// release stores before it (a release sequence): the facade's ordering is already
    /// acquire/release, not LKMM's weaker one.
    pub fn store(&self, step: Step, value: i64) {
        let before = self.shadow.load(Acquire);
        self.op(
            (step, AccessKind::Rmw, |_| 0),
            |_| ((), Some(value)),
            |inner, off| {
                dispatch!(inner, a => a.swap(value - off, AcqRel));
                self.shadow.store(value, Release);
            },
        );
        if before != value {
            self.changed(step);
        }
    }

    /// `atomic_fetch_add`: returns the old value.
    pub fn fetch_add(&self, step: Step, delta: i64) -> i64 {
        let old = self.op(
            (step, AccessKind::Rmw, |_| 0),
            |v| (v, Some(v + delta)),
            |inner, off| {
                let old = dispatch!(inner, a => a.fetch_add(delta, AcqRel)) + off;
                self.shadow.store(old + delta, Release);
                old
            },
        );
        if delta != 0 {
            self.changed(step);
        }
        old
    }

    /// `xchg`: returns the old value.
    pub fn swap(&self, step: Step, value: i64) -> i64 {
        let old = self.op(
            (step, AccessKind::Rmw, |_| 0),
            |v| (v, Some(value)),
            |inner, off| {
                let old = dispatch!(inner, a => a.swap(value - off, AcqRel)) + off;
                self.shadow.store(value, Release);
                old
            },
        );
        if old != value {
            self.changed(step);
        }
        old
    }

    /// `cmpxchg`: returns the value found; the swap happened when it equals `old`.
    pub fn cmpxchg(&self, step: Step, old: i64, new: i64) -> i64 {
        let found = self.op(
            (step, AccessKind::Rmw, |_| 0),
            |v| (v, (v == old).then_some(new)),
            |inner, off| {
                let found = dispatch!(inner, a => match a.compare_exchange(old - off, new - off, AcqRel, Acquire) {
                    Ok(v) | Err(v) => v,
                }) + off;
                if found == old {
                    self.shadow.store(new, Release);
                }
                found
            },
        );
        if found == old && old != new {
            self.changed(step);
        }
        found
    }

    /// `atomic_add_unless(v, delta, unless)`: adds unless the value is `unless`; returns the old
    /// value (the add happened when it differs from `unless`).
    ///
    /// The kernel's loop (`atomic_read`, then `atomic_try_cmpxchg` until it holds) takes effect at
    /// its cmpxchg: a first read that guessed wrong only costs a retry. So the first guess is the
    /// last value written, with no engine access, and the cmpxchg is the one scheduling point. A
    /// guess of `unless` decides without a cmpxchg, so it is confirmed by a real load first (a
    /// scheduling point, and under loom a possibly stale value, as the kernel's read can be).
    /// An engine load as the guess made loom try every older value the load could return, each
    /// a failed cmpxchg and a retry with the same result: s05 never finished unbounded.
    pub fn add_unless(&self, step: Step, delta: i64, unless: i64) -> i64 {
        let mut old = self.shadow.load(Acquire);
        if old == unless {
            old = self.load(step);
        }
        loop {
            if old == unless {
                return old;
            }
            let found = self.cmpxchg(step, old, old + delta);
            if found == old {
                return old;
            }
            old = found;
        }
    }

    /// `atomic_inc_not_zero` / `kref_get_unless_zero`: returns the old value (0: not taken).
    pub fn inc_not_zero(&self, step: Step) -> i64 {
        self.add_unless(step, 1, 0)
    }

    /// `atomic_dec_and_test`: returns the new value.
    pub fn dec_return(&self, step: Step) -> i64 {
        self.fetch_add(step, -1) - 1
    }

    /// The last value written, for reports and quiescence checks. Not a step and not an engine
    /// access, so it can be read at any time without changing the schedule.
    pub fn peek(&self) -> i64 {
        self.shadow.load(Acquire)
    }
}
