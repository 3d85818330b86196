//! One vocabulary for finding kinds and verdicts: the long names (`use-after-free`), which
//! scenario files, verdicts and JSON use, and the short ones (`uaf`) the matrix prints, accepted
//! wherever a long one is. And what the checker says about kernels that carry a known bug.

use pincheck_model::kernel::{Hypothetical, Variant, HISTORY};
use pincheck_model::oracle::FindingKind;

/// The matrix's short name of a finding kind.
pub fn short(k: FindingKind) -> &'static str {
    match k {
        FindingKind::UseAfterFree => "uaf",
        FindingKind::DoubleFree => "dfree",
        FindingKind::RefcountUnderflow => "undflow",
        FindingKind::RefcountIncFromZero => "inc0",
        FindingKind::UnpinTwice => "unpin2",
        FindingKind::Leak => "leak",
        FindingKind::Deadlock => "dlock",
        FindingKind::ProcfsLie => "lie",
        FindingKind::Warn => "warn",
        FindingKind::NullDeref => "null",
        FindingKind::RefTracker => "reftrk",
        FindingKind::DaxCorruption => "dax",
    }
}

/// A finding kind by its long or its short name.
pub fn kind(name: &str) -> Option<FindingKind> {
    FindingKind::from_name(name)
        .or_else(|| FindingKind::ALL.into_iter().find(|k| short(*k) == name))
}

/// Every name a finding kind may be written with, long names first.
pub fn kind_names() -> Vec<&'static str> {
    let long = FindingKind::ALL.iter().map(|k| k.name());
    let short = FindingKind::ALL
        .iter()
        .map(|k| short(*k))
        .filter(|s| FindingKind::from_name(s).is_none());
    long.chain(short).collect()
}

/// `use-after-free (uaf), double-free (dfree), ..., leak, ...`: each kind with its short name.
pub fn kinds_both() -> String {
    FindingKind::ALL
        .iter()
        .map(|k| {
            if short(*k) == k.name() {
                k.name().to_string()
            } else {
                format!("{} ({})", k.name(), short(*k))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The matrix's name of `bound-reached`; scenario files accept both.
pub const BOUND_SHORT: &str = "bound";

/// Why the row of `kernel` in `scenario` tests a kernel with a known bug, if it does: the row is
/// one of the history table's (`pincheck history`: this scenario on this kernel, without the fix),
/// or the kernel never shipped. Such a row checks that the kernel's own bug is found.
pub fn kernel_bug(scenario: &str, kernel: &str) -> Option<String> {
    let v = Variant::by_name(kernel)?;
    if let Some(h) = v.hypothetical {
        return Some(match h {
            Hypothetical::SyncFput => "a kernel that never shipped: the last fput runs ->release \
                 inline (as before 4a9d4b024a31 \"switch fput to task_work_add\") and close takes \
                 ucontext_lock blocking, so exit_mmap's fput re-enters close under the lock device \
                 removal holds; every proposal deadlocks there"
                .to_string(),
        });
    }
    let row = HISTORY.iter().find(|r| {
        r.scenario == scenario && Variant::by_name(r.without).is_some_and(|w| w.spec == v.spec)
    })?;
    let info = row.fix.info();
    Some(format!(
        "the kernel without {} \"{}\" ({}), a row of the history table: the bug must be found \
         there ({} shows it)",
        info.name, info.subject, info.landed, row.proposal
    ))
}
