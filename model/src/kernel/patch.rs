//! The upstream patches the model knows: each fix of a historical lifetime bug, and the feature
//! commits those fixes depend on. A kernel spec adds (`+name`) or reverts (`-name`) them on a
//! release; the model's paths ask [`Variant::has`](super::Variant::has) where a patch changed them.
//!
//! A patch is named by its upstream commit id (the first 12 hex digits) where it is known here,
//! otherwise by a short name made from its subject (with `_`: `+` and `-` separate patches). Where an id or a version could not be checked
//! against a copy of the commit, its entry says so.

/// One upstream patch the model's code paths depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Patch {
    /// "RDMA/ucma: Fix use-after-free access in ucma_close": the error path of `ucma_create_id`
    /// takes the context off the file's `ctx_list` before freeing it.
    UcmaCreateIdUnlist,
    /// "infiniband: fix a possible use-after-free bug" (CVE-2018-14734): a multicast is published
    /// in the table only once `ucma_process_join` cannot fail any more.
    UcmaJoinPublishLast,
    /// "IB/uverbs: Allow RDMA_REMOVE_DESTROY to work concurrently with disassociate": DESTROY
    /// takes `hw_destroy_rwsem` blocking in `uobj_destroy` and locks usecnt there, instead of a
    /// trylock that WARNs and returns success while a destroy-all runs.
    DestroyWaitsForDestroyAll,
    /// "RDMA: Connect between the mmap entry and the umap_priv structure" (feature): each uverbs
    /// VMA holds a reference to an `rdma_user_mmap_entry` of the ucontext's `mmap_xa`.
    UmapPrivEntry,
    /// "RDMA/core: Remove ucontext_lock from the uverbs_destry_ufile_hw() path": close no longer
    /// trylocks `ucontext_lock`; it waits for a running destroy on `hw_destroy_rwsem` (a fence).
    RemoveUcontextLock,
    /// "RDMA/core: Fix race between destroy and release FD object": `rdma_lookup_put_uobject`
    /// drops usecnt before the FD type's `lookup_put` (the fput).
    LookupPutLast,
    /// "RDMA/core: Prevent mixed use of FDs between shared ufiles": an FD object is found only
    /// through a command of the ufile that created it.
    FdObjectSameUfile,
    /// "RDMA/uverbs: Fix a race with disassociate and exit_mmap()": the mmap entry is put when
    /// `mmget_not_zero` fails because the mm is exiting.
    DisassociatePutsExitingEntry,
    /// "RDMA/core: Fix double destruction of uobject": after DESTROY the uobject stays write
    /// locked (put with LOOKUP_DESTROY), so a second DESTROY found through RCU gets -EBUSY.
    DestroyKeepsWriteLock,
    /// "RDMA/ucma: Rework ucma_migrate_id() to avoid races with destroy": `ctx->file` changes
    /// under the handler lock and `xa_lock` after re-checking that the id is still reachable.
    UcmaMigrateRecheck,
}

/// Spellings specs used before a patch was named by its commit id: refused with the new name
/// as the hint (no silent second name).
pub const RENAMED: &[(&str, Patch)] = &[("ucma_close_uaf", Patch::UcmaCreateIdUnlist)];

/// What a patch is to the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Fixes a lifetime bug (a row of the history table).
    Fix,
    /// Adds code a later fix changes.
    Feature,
}

/// What the model knows about a patch.
#[derive(Clone, Copy, Debug)]
pub struct PatchInfo {
    /// The patch.
    pub patch: Patch,
    /// How specs name it: the commit id (12 hex digits), or a short name from the subject.
    pub name: &'static str,
    /// The commit's subject line.
    pub subject: &'static str,
    /// The first release (or release candidates) that shipped it.
    pub landed: &'static str,
    /// Where it was posted or reported.
    pub link: &'static str,
    /// A fix or a feature.
    pub role: Role,
    /// Patches a kernel must contain for this one to apply (the code it changes).
    pub requires: &'static [Patch],
}

/// Every patch, oldest first: canonical spellings list applied patches in this order.
pub const PATCHES: &[PatchInfo] = &[
    PatchInfo {
        patch: Patch::UcmaCreateIdUnlist,
        // ed65a4dc22083e73bac599ded6a262318cad7baf (Leon Romanovsky, 2018-03-19; Fixes:
        // 75216638572f; Reported-by syzbot+dcfd344365a56fbebd0f), read in its 4.14.33 stable
        // backport ("commit ed65a4dc... upstream", gregkh/stable-queue
        // releases/4.14.33/rdma-ucma-fix-use-after-free-access-in-ucma_close.patch). v4.16: the
        // stable queue took it for 4.14.33 and the sibling ucma syzkaller fixes for 4.15.16 in the
        // week v4.16 was tagged, and 4.16.1 needed none of them.
        name: "ed65a4dc2208",
        subject: "RDMA/ucma: Fix use-after-free access in ucma_close",
        landed: "v4.16",
        link: "https://git.kernel.org/torvalds/c/ed65a4dc22083e73bac599ded6a262318cad7baf",
        role: Role::Fix,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::UcmaJoinPublishLast,
        name: "cb2595c1393b",
        subject: "infiniband: fix a possible use-after-free bug (CVE-2018-14734)",
        landed: "v4.18",
        link: "https://nvd.nist.gov/vuln/detail/CVE-2018-14734",
        role: Role::Fix,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::DestroyWaitsForDestroyAll,
        name: "7452a3c745a2",
        subject: "IB/uverbs: Allow RDMA_REMOVE_DESTROY to work concurrently with disassociate",
        landed: "v4.19",
        link: "named by the Fixes: tag of c85f4abe66be",
        role: Role::Fix,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::UmapPrivEntry,
        name: "c043ff2cfb7f",
        subject: "RDMA: Connect between the mmap entry and the umap_priv structure",
        landed: "v5.5",
        link: "named by the Fixes: tag of 39c011a53827",
        role: Role::Feature,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::RemoveUcontextLock,
        // Its upstream commit id could not be established here (searched: the patch as posted,
        // the 5.6 pull request's shortlog, stable queues, and mirrors of the release; none
        // quotes the id), so it keeps a name from its subject. v5.6 is checked: the RDMA pull
        // for 5.6 (Jason Gunthorpe, 2020-01-31, lore 20200131151622.GA1392@ziepe.ca) lists it,
        // and v5.6.4's rdma_core.c no longer takes `ucontext_lock` where v5.3.1's trylocks it.
        name: "remove_ucontext_lock",
        subject: "RDMA/core: Remove ucontext_lock from the uverbs_destry_ufile_hw() path",
        landed: "v5.6",
        link: "https://lore.kernel.org/r/1578506740-22188-4-git-send-email-yishaih@mellanox.com",
        role: Role::Fix,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::LookupPutLast,
        name: "f0abc761bbb9",
        subject: "RDMA/core: Fix race between destroy and release FD object",
        landed: "v5.7-rc4",
        link: "https://lore.kernel.org/r/20200423060122.6182-1-leon@kernel.org",
        role: Role::Fix,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::FdObjectSameUfile,
        name: "0fb00941dc63",
        subject: "RDMA/core: Prevent mixed use of FDs between shared ufiles",
        landed: "v5.7-rc4",
        link: "https://lore.kernel.org/r/20200421082929.311931-2-leon@kernel.org",
        role: Role::Fix,
        requires: &[],
    },
    PatchInfo {
        patch: Patch::DisassociatePutsExitingEntry,
        name: "39c011a53827",
        subject: "RDMA/uverbs: Fix a race with disassociate and exit_mmap()",
        landed: "v5.7-rc",
        link: "https://lore.kernel.org/r/20200413132136.930388-1-leon@kernel.org",
        role: Role::Fix,
        requires: &[Patch::UmapPrivEntry],
    },
    PatchInfo {
        patch: Patch::DestroyKeepsWriteLock,
        name: "c85f4abe66be",
        subject: "RDMA/core: Fix double destruction of uobject",
        landed: "v5.7-rc",
        link: "https://lore.kernel.org/r/20200527135534.482279-1-leon@kernel.org",
        role: Role::Fix,
        requires: &[Patch::DestroyWaitsForDestroyAll],
    },
    PatchInfo {
        patch: Patch::UcmaMigrateRecheck,
        name: "f5449e74802c",
        subject: "RDMA/ucma: Rework ucma_migrate_id() to avoid races with destroy",
        landed: "v5.10",
        link: "https://lore.kernel.org/r/0-v1-05c5a4090305+3a872-ucma_syz_migrate_jgg@nvidia.com",
        role: Role::Fix,
        requires: &[],
    },
];

impl Patch {
    /// What the model knows about it.
    pub fn info(self) -> &'static PatchInfo {
        PATCHES
            .iter()
            .find(|p| p.patch == self)
            .expect("every patch has an entry in PATCHES")
    }

    /// Its position in [`PATCHES`] (its bit in a [`PatchSet`]).
    fn index(self) -> u32 {
        PATCHES
            .iter()
            .position(|p| p.patch == self)
            .expect("every patch has an entry in PATCHES") as u32
    }
}

/// Shortest commit-id prefix a spec may use for a patch.
pub const COMMIT_PREFIX_MIN: usize = 7;

/// The patch a spec names: its short name or id, or a unique prefix of its commit id.
pub fn find(name: &str) -> Option<&'static PatchInfo> {
    if let Some(p) = PATCHES.iter().find(|p| p.name == name) {
        return Some(p);
    }
    let hex = name.len() >= COMMIT_PREFIX_MIN && name.chars().all(|c| c.is_ascii_hexdigit());
    if !hex {
        return None;
    }
    let mut matches = PATCHES
        .iter()
        .filter(|p| name.starts_with(p.name) || p.name.starts_with(name));
    let first = matches.next()?;
    matches.next().is_none().then_some(first)
}

/// A set of patches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PatchSet(u32);

impl PatchSet {
    /// No patch.
    pub const fn empty() -> PatchSet {
        PatchSet(0)
    }

    /// With `p` added.
    pub fn with(self, p: Patch) -> PatchSet {
        PatchSet(self.0 | 1 << p.index())
    }

    /// With `p` removed.
    pub fn without(self, p: Patch) -> PatchSet {
        PatchSet(self.0 & !(1 << p.index()))
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Patch) -> bool {
        self.0 & (1 << p.index()) != 0
    }

    /// The set of every patch in `list`.
    pub fn of(list: &[Patch]) -> PatchSet {
        list.iter().fold(PatchSet::empty(), |s, &p| s.with(p))
    }

    /// Its patches, in [`PATCHES`] order.
    pub fn iter(self) -> impl Iterator<Item = Patch> {
        PATCHES
            .iter()
            .map(|p| p.patch)
            .filter(move |&p| self.contains(p))
    }
}
