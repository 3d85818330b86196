//! One vocabulary for finding kinds and verdicts: the long names (`use-after-free`), which
//! scenario files, verdicts and JSON use, and the short ones (`uaf`) the matrix prints, accepted
//! wherever a long one is. And what the checker says about kernels that carry a known bug.

use pincheck_model::kernel::Variant;
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

/// What a pre-fix kernel variant lacks, when the variant carries a known kernel bug (its rows in
/// the matrix test that the checker finds that bug, so every proposal is expected to fail there).
pub fn kernel_bug(v: &Variant) -> Option<&'static str> {
    if v.double_destroy_bug {
        Some(
            "before the 2020 fix \"RDMA/core: Fix double destruction of uobject\" (usecnt goes \
             back to 0 after DESTROY)",
        )
    } else if v.fput_before_unlock_bug {
        Some(
            "before f0abc761bbb9 \"RDMA/core: Fix race between destroy and release FD object\" \
             (the lookup's fput comes before its usecnt unlock)",
        )
    } else if !v.fput_deferred {
        Some(
            "before 4a9d4b024a31 \"switch fput to task_work_add\", with a close that takes \
             ucontext_lock blocking: the last fput runs ->release at once, in its caller",
        )
    } else {
        None
    }
}
