//! Oracle checks: every place where the model can report a finding has a stable id, registered
//! where it is declared, so a test can prove that no check is unreachable (each one is hit by
//! some negative control) and a report can say which check fired.
//!
//! A check is declared with [`declare_check!`](crate::declare_check) next to the code that reports
//! it (the oracle's own checks here and in the oracle's modules, the kernel's `WARN_ON`s in the
//! kernel object files). The registration goes through the `inventory` crate, so a new check is in
//! [`all`] without a list to keep by hand.

use super::FindingKind;

/// One check: an invariant the oracle or a modelled `WARN_ON` verifies at one place.
#[derive(Debug, PartialEq, Eq)]
pub struct Check {
    /// Stable id (`kasan.use_after_free`, `warn.uverbs_close_fd.usecnt`).
    pub id: &'static str,
    /// The kind of finding it reports.
    pub kind: FindingKind,
    /// What it checks, in one line.
    pub what: &'static str,
}

/// A registered check (what `inventory` collects).
pub struct Registered(pub &'static Check);

inventory::collect!(Registered);

/// Every check declared anywhere in the model, sorted by id.
pub fn all() -> Vec<&'static Check> {
    let mut v: Vec<&'static Check> = inventory::iter::<Registered>
        .into_iter()
        .map(|r| r.0)
        .collect();
    v.sort_by_key(|c| c.id);
    v.dedup_by_key(|c| c.id);
    v
}

/// Declare a check: a `static` of type [`Check`] and its registration.
///
/// ```ignore
/// declare_check!(
///     /// WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE)) in uverbs_close_fd.
///     pub static WARN_CLOSE_FD_USECNT = ("warn.uverbs_close_fd.usecnt", FindingKind::Warn,
///         "release of an FD object finds it locked by a lookup");
/// );
/// ```
#[macro_export]
macro_rules! declare_check {
    ($(#[$m:meta])* $vis:vis static $name:ident = ($id:literal, $kind:expr, $what:literal);) => {
        $(#[$m])*
        $vis static $name: $crate::oracle::Check = $crate::oracle::Check {
            id: $id,
            kind: $kind,
            what: $what,
        };
        $crate::inventory::submit! { $crate::oracle::check::Registered(&$name) }
    };
}

crate::declare_check!(
    /// A dereference of freed memory (the heap's checked access).
    pub static KASAN_USE_AFTER_FREE = ("kasan.use_after_free", FindingKind::UseAfterFree,
        "an access finds its object freed or its slot reused");
);
crate::declare_check!(
    /// A free of freed memory.
    pub static KASAN_DOUBLE_FREE = ("kasan.double_free", FindingKind::DoubleFree,
        "a free finds its object already freed");
);
crate::declare_check!(
    /// A NULL pointer followed where the kernel dereferences it.
    pub static KASAN_NULL_DEREF = ("kasan.null_ptr_deref", FindingKind::NullDeref,
        "a pointer the kernel follows without a check is NULL");
);
crate::declare_check!(
    /// refcount_t: a put below zero.
    pub static REFCOUNT_UNDERFLOW = ("refcount.underflow", FindingKind::RefcountUnderflow,
        "a put takes a count below zero");
);
crate::declare_check!(
    /// refcount_t: a get of a count that was zero.
    pub static REFCOUNT_INC_FROM_ZERO = ("refcount.inc_from_zero", FindingKind::RefcountIncFromZero,
        "a get finds the count at zero");
);
crate::declare_check!(
    /// lockdep: a wait that closes a wait-for cycle (or recursive locking).
    pub static LOCKDEP_DEADLOCK = ("lockdep.deadlock", FindingKind::Deadlock,
        "a blocking lock would close a wait-for cycle");
);
crate::declare_check!(
    /// An execution that runs past its step budget.
    pub static LIVELOCK = ("livelock", FindingKind::Deadlock,
        "an execution makes no progress within its step budget");
);
crate::declare_check!(
    /// kmemleak: live objects no root reaches at quiescence.
    pub static KMEMLEAK = ("kmemleak.unreferenced", FindingKind::Leak,
        "a live object at quiescence is reached from no user-visible root");
);
crate::declare_check!(
    /// ref_tracker: a holder puts a reference it already released ("reference already released.").
    pub static REF_ALREADY_RELEASED = ("ref_tracker.already_released", FindingKind::RefTracker,
        "a holder puts a reference it released before");
);
crate::declare_check!(
    /// ref_tracker: a put by a holder that never had a reference.
    pub static REF_NOT_HELD = ("ref_tracker.not_held", FindingKind::RefTracker,
        "a holder without a reference puts one");
);
crate::declare_check!(
    /// ref_tracker: a reference handed over by a holder that has none.
    pub static REF_MOVE_NOT_HELD = ("ref_tracker.move_not_held", FindingKind::RefTracker,
        "a reference is moved from a holder that has none");
);
crate::declare_check!(
    /// ref_tracker at quiescence ("leaked reference."): a count still held by a freed object or a
    /// finished task, which can never put it.
    pub static REF_LEAKED = ("ref_tracker.leaked", FindingKind::Leak,
        "a live object is still held by a freed object or a finished task at quiescence");
);
