//! `struct mm_struct`: mm_users, the VMAs that map a uverbs fd (each holds the file), `mmput` →
//! `exit_mmap` → `fput(vm_file)`, and `uverbs_user_mmap_disassociate` (whose `mmput` can be the last
//! one: Jason's trigger for the S1 window, docs/kernel.md §3.3).

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::{Holder, Root};
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::RwSem;
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File};
use crate::{KResult, Name};

/// `struct mm_struct` (never freed in the model: mm_count outlives every user here).
pub struct Mm {
    /// `mm_users`.
    pub mm_users: Kref,
    /// `mmap_sem` protecting the VMA list (`vm_file` of each VMA).
    pub mmap_sem: RwSem<std::sync::Mutex<Vec<Handle<File>>>>,
    /// Owning process name (for holder labels).
    pub owner: Name,
}

/// A new mm for process `owner`, its mm_users held by the process.
pub fn mm_alloc(k: &Kernel, owner: &Name) -> Handle<Mm> {
    let h = k.mms.alloc("mm_alloc", |id| Mm {
        mm_users: Kref::new(id, "mm_users", Holder::Root(Root::Mm(Name::clone(owner)))),
        mmap_sem: RwSem::new("mmap_sem", std::sync::Mutex::new(Vec::new())),
        owner: Name::clone(owner),
    });
    // mm_count (mmgrab/mmdrop) keeps the memory; the model never drops it.
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(h.obj(), Holder::Root(Root::MmCount(Name::clone(owner))));
    h
}

fn vma_holder(mm: &Mm) -> Holder {
    Holder::Root(Root::Vma(Name::clone(&mm.owner)))
}

/// `mmap` of a uverbs fd: a VMA holding the file, and the mm recorded in the ufile's umaps.
pub fn uverbs_mmap(k: &Kernel, mm_h: Handle<Mm>, file: Handle<File>, ufile: &Ufile) -> KResult<()> {
    let mm = k.mms.get(mm_h);
    {
        let vmas = mm.mmap_sem.down_write("mmap_region.mmap_sem")?;
        get_file(k, "mmap_region.get_file", file, vma_holder(&mm));
        vmas.lock().unwrap_or_else(|e| e.into_inner()).push(file);
    }
    let mut umaps = ufile.umaps.lock("rdma_umap_open.umap_lock")?;
    umaps.push(mm_h);
    Ok(())
}

/// `mmput`: the last user tears the address space down, dropping every VMA's file.
pub fn mmput(k: &Kernel, cur: &Task, mm_h: Handle<Mm>, holder: &Holder) -> KResult<()> {
    let mm = k.mms.get(mm_h);
    if !mm.mm_users.put("mmput", holder) {
        return Ok(());
    }
    // exit_mmap → remove_vma → fput(vm_file)
    let files: Vec<Handle<File>> = {
        let vmas = mm.mmap_sem.down_write("exit_mmap.mmap_sem")?;
        let taken = std::mem::take(&mut *vmas.lock().unwrap_or_else(|e| e.into_inner()));
        taken
    };
    for f in files {
        fput(k, cur, "remove_vma.fput", f, &vma_holder(&mm))?;
    }
    Ok(())
}

/// `uverbs_user_mmap_disassociate`: for each mm that mapped the ufile, `mmget_not_zero`, zap the
/// pages under `mmap_sem`, `mmput` (possibly the last).
pub fn uverbs_user_mmap_disassociate(k: &Kernel, cur: &Task, ufile: &Ufile) -> KResult<()> {
    let mms: Vec<Handle<Mm>> = ufile
        .umaps
        .lock("user_mmap_disassociate.umap_lock")?
        .clone();
    for mm_h in mms {
        let mm = k.mms.get(mm_h);
        let holder = Holder::Task(cur.tid, "mmget_not_zero");
        if !mm
            .mm_users
            .get_unless_zero("user_mmap_disassociate.mmget_not_zero", holder.clone())
        {
            continue;
        }
        drop(mm.mmap_sem.down_read("user_mmap_disassociate.mmap_sem")?);
        mmput(k, cur, mm_h, &holder)?;
    }
    Ok(())
}
