//! The history table: each historical lifetime bug the model reproduces, the patch that fixed
//! it, the scenario that races it, and the kernel specs without and with the fix. `pincheck
//! history` explores each row's two cells and prints the table (README keeps a copy a test
//! checks); each row must fail without the fix, with the reported symptom's finding kind among
//! the kinds reached, and pass with it.
//!
//! A fix that was already in v5.3 is checked on v5.3 with it reverted: the release the bug
//! shipped in (v4.x) has a uverbs core the model does not follow, and the paths the fix changed
//! are the same there.

use super::Patch;
use crate::oracle::FindingKind;

/// One row.
#[derive(Clone, Copy, Debug)]
pub struct HistoryRow {
    /// The bug, as the fix or the report describes it.
    pub bug: &'static str,
    /// The fix.
    pub fix: Patch,
    /// The scenario (file stem) that races it.
    pub scenario: &'static str,
    /// The proposal the row's cells run (the bug is the kernel's unless the row says otherwise).
    pub proposal: &'static str,
    /// Where the bug shipped.
    pub shipped: &'static str,
    /// The kernel without the fix.
    pub without: &'static str,
    /// The kernel with it.
    pub with: &'static str,
    /// The finding kind(s) of the symptom the fix or report describes.
    pub symptom: &'static [FindingKind],
    /// The symptom as reported.
    pub reported: &'static str,
}

/// Every row, oldest fix first.
pub const HISTORY: &[HistoryRow] = &[
    HistoryRow {
        bug: "CREATE_ID's error path frees the context but leaves it on the file's ctx_list; the release walks into it",
        fix: Patch::UcmaCreateIdUnlist,
        scenario: "s22_ucma_create_id_error_vs_close",
        proposal: "context",
        shipped: "v4.15 and earlier",
        without: "v5.3-ed65a4dc2208",
        with: "v5.3",
        symptom: &[FindingKind::UseAfterFree],
        reported: "KASAN: use-after-free in ucma_close (syzkaller)",
    },
    HistoryRow {
        bug: "a multicast is published in the table at allocation; LEAVE_MCAST finds it while the failing JOIN frees it",
        fix: Patch::UcmaJoinPublishLast,
        scenario: "s23_ucma_join_error_vs_leave",
        proposal: "context",
        shipped: "v4.17 and earlier",
        without: "v5.3-cb2595c1393b",
        with: "v5.3",
        symptom: &[FindingKind::UseAfterFree],
        reported: "CVE-2018-14734: ucma_leave_multicast accesses the multicast after ucma_process_join's cleanup (use-after-free)",
    },
    HistoryRow {
        bug: "DESTROY only trylocks hw_destroy_rwsem: meeting device removal's destroy-all it WARNs and returns success without destroying, while the destroy-all finds the uobject locked by the DESTROY's lookup",
        fix: Patch::DestroyWaitsForDestroyAll,
        scenario: "s04_dereg_vs_destroy_all",
        proposal: "context",
        shipped: "before v4.19",
        without: "v5.3-7452a3c745a2",
        with: "v5.3",
        symptom: &[FindingKind::Warn],
        reported: "WARN \"ib_uverbs: Cleanup is running while removing an uobject\" in rdma_explicit_destroy (the code 7452a3c745a2 replaced)",
    },
    HistoryRow {
        bug: "close trylocks ucontext_lock and returns while device removal still destroys the MRs (the S1 window); the RFC's uncounted back pointer then outlives the struct file",
        fix: Patch::RemoveUcontextLock,
        scenario: "s01_unplug_vs_last_close",
        proposal: "rfc-v2",
        shipped: "v5.5 and earlier",
        without: "v5.3",
        with: "v5.3+remove_ucontext_lock",
        symptom: &[FindingKind::UseAfterFree],
        reported: "\"uverbs_destroy_ufile_hw() does not block\" (Ira Weiny, lore 20190813174142); with the RFC, a use-after-free of the struct file",
    },
    HistoryRow {
        bug: "exit_mmap's last fput of a uverbs VMA races device removal holding the trylocked ucontext_lock (Jason's trigger, S3)",
        fix: Patch::RemoveUcontextLock,
        scenario: "s03_exit_with_mmap_vs_unplug",
        proposal: "rfc-v2",
        shipped: "v5.5 and earlier",
        without: "v5.3",
        with: "v5.3+remove_ucontext_lock",
        symptom: &[FindingKind::UseAfterFree],
        reported: "the S1 window opened from exit_mmap (Jason Gunthorpe, lore 20190814181529); with the RFC, a use-after-free of the struct file",
    },
    HistoryRow {
        bug: "rdma_lookup_put_uobject does the FD type's fput before dropping usecnt: the release can run with the uobject still locked",
        fix: Patch::LookupPutLast,
        scenario: "s06_fd_uobject_lookup_put_vs_release",
        proposal: "context",
        shipped: "v5.6 and earlier",
        without: "v5.6",
        with: "v5.6+f0abc761bbb9",
        symptom: &[FindingKind::Warn],
        reported: "WARNING in the FD object's release: WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE)), the object still locked by the lookup",
    },
    HistoryRow {
        bug: "an FD object of one ufile is accepted through another ufile's command; once its own ufile's close destroyed it, the lookup's put does fput(NULL)",
        fix: Patch::FdObjectSameUfile,
        scenario: "s19_fd_object_of_another_ufile",
        proposal: "context",
        shipped: "v5.6 and earlier",
        without: "v5.6",
        with: "v5.6+0fb00941dc63",
        symptom: &[FindingKind::NullDeref],
        reported: "KASAN: null-ptr-deref in fput_many, from rdma_lookup_put_uobject (syzkaller)",
    },
    HistoryRow {
        bug: "disassociate unlists the VMA of an exiting mm without putting its mmap entry; exit_mmap's rdma_umap_close puts it after the ucontext is freed",
        fix: Patch::DisassociatePutsExitingEntry,
        scenario: "s03_exit_with_mmap_vs_unplug",
        proposal: "context",
        shipped: "v5.5, v5.6 (since c043ff2cfb7f)",
        without: "v5.6",
        with: "v5.6+39c011a53827",
        symptom: &[FindingKind::Warn, FindingKind::UseAfterFree],
        reported: "WARNING in uverbs_destroy_ufile_hw (an entry left in mmap_xa), and a use-after-free of the ucontext",
    },
    HistoryRow {
        bug: "two DESTROYs of one handle within the RCU window: usecnt goes back to 0 after the first, remove_handle runs twice (the double destroy 7452a3c745a2 allowed)",
        fix: Patch::DestroyKeepsWriteLock,
        scenario: "s05_double_dereg",
        proposal: "context",
        shipped: "since 7452a3c745a2 (v4.19), to v5.6",
        without: "v5.6",
        with: "v5.6+c85f4abe66be",
        symptom: &[FindingKind::RefcountUnderflow],
        reported: "refcount_t: underflow; use-after-free, in uverbs_uobject_put (syzkaller)",
    },
    HistoryRow {
        bug: "MIGRATE_ID moves a context to another file while DESTROY_ID runs on the first; closing the new file frees it under the destroy",
        fix: Patch::UcmaMigrateRecheck,
        scenario: "s21_ucma_migrate_vs_destroy",
        proposal: "context",
        shipped: "since 88314e4dda1e, to v5.9",
        without: "v5.6",
        with: "v5.6+f5449e74802c",
        symptom: &[FindingKind::UseAfterFree],
        reported: "CVE-2020-36385: ucma_destroy_id's wait_for_completion on a context close() freed (syzbot)",
    },
];
