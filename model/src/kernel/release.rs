//! The releases the model knows, as tagged: which of the known patches each already contains.
//! Everything else about a release's paths (the close trylock, the mmap entries) follows from
//! that set, so a release plus or minus patches is one more set.
//!
//! What was read to pin each release down (the model is checked against these, not against a
//! byte-for-byte copy of the tag):
//! - v5.3: `drivers/infiniband/core/rdma_core.c` and `uverbs_main.c` of the v5.3-era code (an
//!   MLNX OFED 4.7 tree whose core matches upstream v5.3: xarray handles, `stream_open`, the
//!   `mutex_trylock(&ufile->ucontext_lock)` in `uverbs_destroy_ufile_hw(RDMA_REMOVE_CLOSE)`,
//!   `rdma_umap_priv` without an mmap entry), and `ucma.c` of v5.3.1 (a tree of that stable
//!   release; its `rdma_core.c` has the trylock too): contexts and multicasts in the XArrays
//!   `ctx_table` and `multicast_table`, each under its `xa_lock` (v5.2's `ctx_idr` under the
//!   global `mut` is gone); `ucma_create_id` unlists the context on error (ed65a4dc2208);
//!   `ucma_alloc_multicast` reserves the id with a NULL entry and `ucma_process_join` stores the
//!   multicast last (cb2595c1393b); `ucma_migrate_id` moves `ctx->file` under both files' `mut`
//!   and `xa_lock` without re-checking that the id is still reachable. The locks of each ucma
//!   path are tabled in `rdma/ucma/mod.rs`.
//! - v5.6: the patch "RDMA/core: Remove ucontext_lock from the uverbs_destry_ufile_hw() path"
//!   as posted (lore 1578506740-22188-4) and merged for v5.6 (the 5.6 pull: "Unify the different
//!   code paths connected to the uverbs FD scheme"), and the v5.6-rc6 code quoted by
//!   39c011a53827 (`uverbs_user_mmap_disassociate` with `priv->entry`, the
//!   `WARN_ON(!xa_empty(&ucontext->mmap_xa))` it hits). f0abc761bbb9, 0fb00941dc63,
//!   39c011a53827 and c85f4abe66be landed in v5.7 release candidates, so v5.6 lacks them; the
//!   ucma rework f5449e74802c landed in v5.10. v5.6.4's tree: `rdma_core.c` no longer takes
//!   `ucontext_lock`, and its `ucma.c` takes v5.3's locks on every modelled path (it adds only
//!   a `ctx->mutex` around the calls into the RDMA CM, which the model does not have).
//!
//! Not verified here: the exact release cb2595c1393b and 7452a3c745a2 first shipped in (see
//! [`super::PATCHES`]).

use super::patch::{Patch, PatchSet};

/// A tagged upstream release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Release {
    /// Linux v5.3 (September 2019): the kernel of the August 2019 thread.
    V5_3,
    /// Linux v5.6 (March 2020): after the uverbs FD rework; close is a fence.
    V5_6,
}

/// Every release, oldest first.
pub const RELEASES: &[Release] = &[Release::V5_3, Release::V5_6];

impl Release {
    /// Its tag without the leading `v` spelt out: `v5.3`.
    pub fn name(self) -> &'static str {
        match self {
            Release::V5_3 => "v5.3",
            Release::V5_6 => "v5.6",
        }
    }

    /// The release called `name`.
    pub fn by_name(name: &str) -> Option<Release> {
        RELEASES.iter().copied().find(|r| r.name() == name)
    }

    /// The known patches it already contains.
    pub fn patches(self) -> PatchSet {
        const V5_3: &[Patch] = &[
            Patch::UcmaCreateIdUnlist,
            Patch::UcmaJoinPublishLast,
            Patch::DestroyWaitsForDestroyAll,
        ];
        match self {
            Release::V5_3 => PatchSet::of(V5_3),
            Release::V5_6 => PatchSet::of(V5_3)
                .with(Patch::UmapPrivEntry)
                .with(Patch::RemoveUcontextLock),
        }
    }
}
