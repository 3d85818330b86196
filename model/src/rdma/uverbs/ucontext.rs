//! `struct ib_ucontext`: created by GET_CONTEXT, destroyed at the end of
//! `uverbs_destroy_ufile_hw` (`ufile_destroy_ucontext`). From v5.5 (c043ff2cfb7f) it has an
//! `mmap_xa` of the driver's mmap entries; the driver here inserts one (a doorbell page) at
//! creation and removes it in `dealloc_ucontext`.

use crate::heap::Handle;
use crate::kernel::{Kernel, Patch};
use crate::oracle::Holder;
use crate::rdma::uverbs::mmap::{
    rdma_user_mmap_entry_insert, rdma_user_mmap_entry_remove, MmapEntry,
};
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::{Atomic, Mutex};
use crate::KResult;

/// The driver context of one ufile.
pub struct Ucontext {
    /// `closing` (set when destroy starts; removed in v5.10).
    pub closing: Atomic,
    /// `mmap_xa` under its `xa_lock`: the mmap entries (their own references are counted).
    pub mmap_xa: Mutex<Vec<Handle<MmapEntry>>>,
    /// The driver's own entry (its `alloc_ucontext` inserted it), encoded; 0 for none.
    pub driver_entry: Atomic,
}

/// Allocate a ucontext owned by `ufile` (the driver's `alloc_ucontext`).
pub fn alloc_ucontext(k: &Kernel, ufile: Handle<Ufile>) -> KResult<Handle<Ucontext>> {
    let h = k
        .ucontexts
        .alloc("ib_uverbs_get_context.alloc_ucontext", |_| Ucontext {
            closing: Atomic::new(0),
            mmap_xa: Mutex::new("mmap_xa.xa_lock", Vec::new()),
            driver_entry: Atomic::new(0),
        });
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(h.obj(), Holder::Obj(ufile.obj(), "ucontext"));
    if k.variant.has(Patch::UmapPrivEntry) {
        let uctx = k.ucontexts.get(h);
        let e = rdma_user_mmap_entry_insert(k, h, &uctx)?;
        uctx.driver_entry
            .store("alloc_ucontext.driver_entry", e.encode());
    }
    Ok(h)
}

crate::declare_check!(
    /// `WARN_ON(!xa_empty(&ucontext->mmap_xa))` in `ufile_destroy_ucontext` (v5.5 on): an mmap
    /// entry outlives the ucontext it points to.
    pub static WARN_MMAP_XA_NOT_EMPTY = ("warn.ufile_destroy_ucontext.mmap_xa",
        crate::oracle::FindingKind::Warn,
        "the ucontext is freed with an mmap entry still in its mmap_xa");
);

/// `ufile_destroy_ucontext` tail: the driver's `dealloc_ucontext` (which removes its mmap entry),
/// `WARN_ON(!xa_empty(&ucontext->mmap_xa))`, kfree.
pub fn free_ucontext(k: &Kernel, ufile: Handle<Ufile>, h: Handle<Ucontext>) -> KResult<()> {
    let uctx = k.ucontexts.get(h);
    if let Some(e) =
        Handle::<MmapEntry>::decode(uctx.driver_entry.swap("dealloc_ucontext.driver_entry", 0))
    {
        rdma_user_mmap_entry_remove(k, h, e)?;
    }
    if k.variant.has(Patch::UmapPrivEntry) {
        let left = uctx.mmap_xa.lock("ufile_destroy_ucontext.xa_empty")?.len();
        if left > 0 {
            warn_mmap_xa_not_empty(k, h, left);
        }
    }
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(h.obj(), &Holder::Obj(ufile.obj(), "ucontext"));
    k.ucontexts.free("ufile_destroy_ucontext.kfree", h);
    Ok(())
}

fn warn_mmap_xa_not_empty(k: &Kernel, h: Handle<Ucontext>, left: usize) {
    let (_, oracle) = crate::sync::current_oracle();
    let name = k.ucontexts.name(h);
    oracle.warn(
        &WARN_MMAP_XA_NOT_EMPTY,
        "drivers/infiniband/core/rdma_core.c",
        "ufile_destroy_ucontext",
        "WARN_ON(!xa_empty(&ucontext->mmap_xa))",
        Some(name.clone()),
        vec![format!(
            "{name} is freed with {left} mmap entry(ies) still in its mmap_xa"
        )],
    );
}
