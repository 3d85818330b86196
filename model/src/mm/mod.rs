//! `struct mm_struct` (`mm/`, `kernel/fork.c`): its two counts and its VMAs. `mm_users` counts
//! the address space's users (`mmget`, `mmget_not_zero`, `mmput`); the last `mmput` tears the
//! address space down (`exit_mmap`) and drops the users' share of `mm_count`. `mm_count` counts
//! references to the struct itself (`mmgrab` / `mmdrop`: the umem's `owning_mm`); the last
//! `mmdrop` frees it (`__mmdrop`).
//!
//! The VMAs ([`vma`]) hold their file; a uverbs VMA also holds an `rdma_umap_priv` on the ufile's
//! `umaps` list, which device removal walks (`uverbs_user_mmap_disassociate`). Its `mmput` can be
//! the last one: Jason's trigger for the S1 window (lore 20190814181529.GD13770@ziepe.ca).

pub mod vma;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::{Holder, Root};
use crate::proposals::Ext;
use crate::sync::RwSem;
use crate::task::Task;
use crate::{KResult, Name};

pub use vma::Vma;

/// `struct mm_struct`.
pub struct Mm {
    /// `mm_users`.
    pub mm_users: Kref,
    /// `mm_count`; the users together hold one (dropped after `exit_mmap`).
    pub mm_count: Kref,
    /// `mmap_sem` protecting the VMA list.
    pub mmap_sem: RwSem<std::sync::Mutex<Vec<Vma>>>,
    /// Owning process name (for holder labels).
    pub owner: Name,
    /// The next VMA's number (std-side: VMAs are created under `mmap_sem` for write).
    pub next_vma: std::sync::atomic::AtomicU32,
    /// What the lifetime proposal adds to `struct mm_struct` (RFC 13/19's `file_pins` for D4).
    pub ext: Ext,
}

/// The holder of the users' share of `mm_count`.
fn users_share(mm: Handle<Mm>) -> Holder {
    Holder::Obj(mm.obj(), "mm_users")
}

/// `mm_alloc` for process `owner`: its `mm_users` held by the process.
pub fn mm_alloc(k: &Kernel, owner: &Name) -> Handle<Mm> {
    k.mms.alloc("mm_alloc", |id| Mm {
        mm_users: Kref::new(id, "mm_users", Holder::Root(Root::Mm(Name::clone(owner)))),
        mm_count: Kref::new(id, "mm_count", Holder::Obj(id, "mm_users")),
        mmap_sem: RwSem::new("mmap_sem", std::sync::Mutex::new(Vec::new())),
        owner: Name::clone(owner),
        next_vma: std::sync::atomic::AtomicU32::new(0),
        ext: k.proposal.mm_ext(),
    })
}

/// `mmget_not_zero`: a user reference unless the address space is already being torn down. The
/// caller must know the struct itself is alive (here: a VMA of it is still listed).
pub fn mmget_not_zero(
    k: &Kernel,
    step: crate::sync::Step,
    mm_h: Handle<Mm>,
    holder: Holder,
) -> bool {
    let mm = k.mms.deref(step, mm_h, "Read of mm_users");
    mm.mm_users.get_unless_zero(step, holder)
}

/// `mmgrab`: keep the struct (not the address space) alive; the caller already holds a reference.
pub fn mmgrab(k: &Kernel, step: crate::sync::Step, mm_h: Handle<Mm>, holder: Holder) {
    k.mms.get(mm_h).mm_count.get(step, holder);
}

/// `mmdrop`: the last reference frees the struct (`__mmdrop`).
pub fn mmdrop(k: &Kernel, step: crate::sync::Step, mm_h: Handle<Mm>, holder: &Holder) {
    let mm = k.mms.deref(step, mm_h, "Write of mm_count");
    if mm.mm_count.put(step, holder) {
        k.mms.free("__mmdrop.free_mm", mm_h);
    }
}

/// `mmput`: the last user tears the address space down (`exit_mmap`: every VMA closed and its
/// file put), then drops the users' `mm_count`.
pub fn mmput(k: &Kernel, cur: &Task, mm_h: Handle<Mm>, holder: &Holder) -> KResult<()> {
    let mm = k.mms.deref("mmput.mm", mm_h, "Write of mm_users");
    if !mm.mm_users.put("mmput", holder) {
        return Ok(());
    }
    vma::exit_mmap(k, cur, mm_h)?;
    mmdrop(k, "__mmput.mmdrop", mm_h, &users_share(mm_h));
    Ok(())
}
