//! An engine-visible 64-bit counter with the read-modify-writes the kernel uses.
//!
//! Every operation is one scheduling point per engine access and is logged under its step name.
//! `inc_not_zero` and `add_unless` are compare-exchange loops as in the kernel, so a retry is a
//! second logged access with the same step name.

use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use super::{context, Engine, Step};

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
}

macro_rules! dispatch {
    ($self:expr, $a:ident => $e:expr) => {
        match &$self.inner {
            Inner::Loom($a) => $e,
            Inner::Shuttle($a) => $e,
            Inner::Std($a) => $e,
        }
    };
}

impl Atomic {
    /// A new counter for the current execution's engine. Creating one is not a step.
    pub fn new(value: i64) -> Atomic {
        let inner = match context::current_engine() {
            Engine::Loom => Inner::Loom(loom::sync::atomic::AtomicI64::new(value)),
            Engine::Shuttle => Inner::Shuttle(shuttle::sync::atomic::AtomicI64::new(value)),
            Engine::Std => Inner::Std(std::sync::atomic::AtomicI64::new(value)),
        };
        Atomic {
            inner,
            shadow: std::sync::atomic::AtomicI64::new(value),
        }
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
        let v = context::step(step, || dispatch!(self, a => a.load(Acquire)));
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

    /// A plain store (`atomic_set`, `smp_store_release`).
    pub fn store(&self, step: Step, value: i64) {
        context::step(step, || dispatch!(self, a => a.store(value, Release)));
        self.shadow.store(value, Release);
    }

    /// `atomic_fetch_add`: returns the old value.
    pub fn fetch_add(&self, step: Step, delta: i64) -> i64 {
        let old = context::step(step, || dispatch!(self, a => a.fetch_add(delta, AcqRel)));
        self.shadow.store(old + delta, Release);
        old
    }

    /// `xchg`: returns the old value.
    pub fn swap(&self, step: Step, value: i64) -> i64 {
        let old = context::step(step, || dispatch!(self, a => a.swap(value, AcqRel)));
        self.shadow.store(value, Release);
        old
    }

    /// `cmpxchg`: returns the value found; the swap happened when it equals `old`.
    pub fn cmpxchg(&self, step: Step, old: i64, new: i64) -> i64 {
        let found = context::step(step, || {
            dispatch!(self, a => match a.compare_exchange(old, new, AcqRel, Acquire) {
                Ok(v) | Err(v) => v,
            })
        });
        if found == old {
            self.shadow.store(new, Release);
        }
        found
    }

    /// `atomic_add_unless(v, delta, unless)`: adds unless the value is `unless`; returns the old
    /// value (the add happened when it differs from `unless`).
    pub fn add_unless(&self, step: Step, delta: i64, unless: i64) -> i64 {
        let mut old = self.load(step);
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
