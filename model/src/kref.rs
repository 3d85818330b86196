//! `struct kref` / `refcount_t` with the kernel's rules, and a ref_tracker of who holds each count.
//!
//! An increment from zero and a decrement below zero are findings (refcount_t warns on both; both
//! mean a use-after-free is near). Each get names its holder and each put the holder letting go,
//! so a leak report can name the chain of references that keeps an object alive.
//!
//! Under a mutation plan (see `oracle::mutation`) one holder's references are not counted (its
//! gets and puts leave the count alone, the tracker still follows its pointer) and one
//! `_unless_zero` can take its reference from zero.

use crate::oracle::{check, Holder, ObjId};
use crate::sync::{current_oracle, with_current, Atomic, Step};

/// A reference count of one object.
pub struct Kref {
    count: Atomic,
    obj: ObjId,
    name: &'static str,
}

impl Kref {
    /// `kref_init`: the count starts at 1, held by `holder`.
    pub fn new(obj: ObjId, name: &'static str, holder: Holder) -> Kref {
        let removed = with_current(|_, oracle| {
            let removed = oracle.ref_removed(obj, name, &holder);
            oracle.hold(obj, holder);
            removed
        });
        Kref {
            count: Atomic::new(if removed { 0 } else { 1 }),
            obj,
            name,
        }
    }

    /// Whether the mutation plan removes `holder`'s references to this object.
    fn removed(&self, holder: &Holder) -> bool {
        with_current(|_, oracle| oracle.ref_removed(self.obj, self.name, holder))
    }

    /// A count that starts at `value` with the given holders (none for a count of 0).
    pub fn with_value(obj: ObjId, name: &'static str, value: i64) -> Kref {
        Kref {
            count: Atomic::new(value),
            obj,
            name,
        }
    }

    /// The count went `old` -> `new` at the step just taken; `holder` took (`Ok`) or dropped
    /// (`Err`) the reference.
    fn moved(&self, old: i64, new: i64, holder: Result<Holder, &Holder>) {
        with_current(|_, oracle| oracle.kref_moved(self.obj, self.name, old, new, holder));
    }

    /// `kref_get` / `get_file`: an increment from 0 is a finding.
    pub fn get(&self, step: Step, holder: Holder) {
        if self.removed(&holder) {
            with_current(|_, oracle| oracle.hold(self.obj, holder));
            return;
        }
        let old = self.count.fetch_add(step, 1);
        self.moved(old, old + 1, Ok(holder));
        if old <= 0 {
            let (_, oracle) = current_oracle();
            let name = oracle.obj_name(self.obj);
            let tid = oracle.current_tid();
            oracle.report(
                &check::REFCOUNT_INC_FROM_ZERO,
                tid,
                format!(
                    "refcount_t: addition on 0; use-after-free ({} of {name})",
                    self.name
                ),
                Some(name),
                vec![format!(
                    "{} was {old} when {step} took a reference",
                    self.name
                )],
            );
        }
    }

    /// `kref_get_unless_zero` / `atomic_long_inc_not_zero`: true when the reference was taken.
    pub fn get_unless_zero(&self, step: Step, holder: Holder) -> bool {
        if with_current(|_, oracle| oracle.unless_zero_removed(step)) {
            // Mutated: the zero check is gone, the get is a plain kref_get.
            self.get(step, holder);
            return true;
        }
        if self.removed(&holder) {
            // The holder's reference is not counted: the check stays, the increment goes.
            let seen = self.count.load(step);
            if seen != 0 {
                with_current(|_, oracle| oracle.hold(self.obj, holder));
            }
            return seen != 0;
        }
        let old = self.count.inc_not_zero(step);
        if old == 0 {
            return false;
        }
        self.moved(old, old + 1, Ok(holder));
        true
    }

    /// `kref_put` / `fput`: true when this put took the count to zero (the caller releases).
    pub fn put(&self, step: Step, holder: &Holder) -> bool {
        if self.removed(holder) {
            with_current(|_, oracle| oracle.unhold(self.obj, holder));
            return false;
        }
        let new = self.count.dec_return(step);
        self.moved(new + 1, new, Err(holder));
        if new < 0 {
            let (_, oracle) = current_oracle();
            let name = oracle.obj_name(self.obj);
            let tid = oracle.current_tid();
            oracle.report(
                &check::REFCOUNT_UNDERFLOW,
                tid,
                format!(
                    "refcount_t: underflow; use-after-free ({} of {name})",
                    self.name
                ),
                Some(name),
                vec![format!("{} went {} -> {new} at {step}", self.name, new + 1)],
            );
        }
        new == 0
    }

    /// The count as last written (reports, quiescence). Not a step.
    pub fn peek(&self) -> i64 {
        self.count.peek()
    }

    /// The object this count belongs to.
    pub fn obj(&self) -> ObjId {
        self.obj
    }
}
