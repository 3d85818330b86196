//! Findings: what the oracle reports, in the style of KASAN, lockdep and refcount_t warnings.

use std::fmt;

/// The kinds of finding: use-after-free, refcount and ref_tracker errors, leaks, deadlocks,
/// unpin-once and HW-key-before-unpin, procfs lies, the modelled kernel's own `WARN_ON`s, and
/// file blocks freed under a device's DMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// An access to freed memory (KASAN: use-after-free), including an access through a stale
    /// pointer to a slot that now holds another object.
    UseAfterFree,
    /// A second free of the same object (KASAN: double-free).
    DoubleFree,
    /// A put that took a count below zero (refcount_t: underflow; use-after-free).
    RefcountUnderflow,
    /// A get on a count that was zero (refcount_t: addition on 0; use-after-free).
    RefcountIncFromZero,
    /// A page unpinned twice, or unpinned before its HW key was destroyed.
    UnpinTwice,
    /// An object alive at quiescence that no user reference reaches (kmemleak).
    Leak,
    /// A wait that can never end (lockdep: possible recursive locking / circular dependency).
    Deadlock,
    /// procfs output that is not the truth.
    ProcfsLie,
    /// A `WARN_ON` of the modelled kernel fired (`WARNING: ... at <function>`).
    Warn,
    /// A NULL pointer dereferenced where the kernel follows it unchecked (KASAN: null-ptr-deref).
    NullDeref,
    /// ref_tracker (lib/ref_tracker.c): a reference put or moved by a holder that has none, or
    /// released twice.
    RefTracker,
    /// A truncate freed FS-DAX file blocks that a long-term pin still maps for DMA, or a pin mapped
    /// freed ones: the device can write into blocks the filesystem gives to another file.
    DaxCorruption,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 12] = [
        FindingKind::UseAfterFree,
        FindingKind::DoubleFree,
        FindingKind::RefcountUnderflow,
        FindingKind::RefcountIncFromZero,
        FindingKind::UnpinTwice,
        FindingKind::Leak,
        FindingKind::Deadlock,
        FindingKind::ProcfsLie,
        FindingKind::Warn,
        FindingKind::NullDeref,
        FindingKind::RefTracker,
        FindingKind::DaxCorruption,
    ];

    /// The name used in scenario files, verdicts and JSON.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::UseAfterFree => "use-after-free",
            FindingKind::DoubleFree => "double-free",
            FindingKind::RefcountUnderflow => "refcount-underflow",
            FindingKind::RefcountIncFromZero => "refcount-inc-from-zero",
            FindingKind::UnpinTwice => "unpin-twice",
            FindingKind::Leak => "leak",
            FindingKind::Deadlock => "deadlock",
            FindingKind::ProcfsLie => "procfs-lie",
            FindingKind::Warn => "warn",
            FindingKind::NullDeref => "null-ptr-deref",
            FindingKind::RefTracker => "ref-tracker",
            FindingKind::DaxCorruption => "dax-corruption",
        }
    }

    /// Parse a name as written in scenario files.
    pub fn from_name(name: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One finding of one execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What kind of bug.
    pub kind: FindingKind,
    /// The id of the check that reported it (see [`super::check`]).
    pub check: &'static str,
    /// The first line, kernel style: `BUG: KASAN: use-after-free in ib_umem_release`.
    pub title: String,
    /// The object concerned (`file#1`), when there is one.
    pub object: Option<String>,
    /// The thread and step where it happened (`t1 destroy_ufile_hw.unpin`); quiescence checks name
    /// the quiescence step.
    pub at: String,
    /// Index in the execution's event log of the step where it happened.
    pub event: usize,
    /// The thread and the index of the scenario operation it was running (`None` at quiescence),
    /// so reports can point at the scenario line.
    pub op: Option<(usize, usize)>,
    /// The rest of the report: allocated by, freed by, the holders chain, the wait-for cycle.
    pub details: Vec<String>,
}

impl Finding {
    /// The part of a finding that identifies it across executions: kind, object kind and step.
    /// Sequence numbers of objects are left out so equal bugs reached by different schedules merge.
    pub fn signature(&self) -> String {
        let object_kind = self
            .object
            .as_deref()
            .map(|o| o.split('#').next().unwrap_or(o))
            .unwrap_or("-");
        format!("{}({} at {})", self.kind, object_kind, self.at_step())
    }

    /// The step part of `at`.
    pub fn at_step(&self) -> &str {
        self.at.split_once(' ').map(|(_, s)| s).unwrap_or(&self.at)
    }
}
