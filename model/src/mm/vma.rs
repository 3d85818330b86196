//! VMAs (`mm/mmap.c`): `mmap_region` (the VMA holds its file, then `f_op->mmap`), `munmap` and
//! `exit_mmap` (`remove_vma`: `vm_ops->close`, then the file's put), and `dup_mmap` at fork
//! (`vm_ops->open` on the child's copy). Only mappings of files are modelled; the file's
//! `vm_ops` are the uverbs ones ([`crate::rdma::uverbs::mmap`]) or none.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::{Holder, Root};
use crate::rdma::uverbs::mmap::{ib_uverbs_mmap, rdma_umap_close, rdma_umap_open, UmapPriv};
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File, FileKind};
use crate::{Errno, KResult, Name};

use super::Mm;

/// One `vm_area_struct` mapping a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vma {
    /// Its number in the mm (what `munmap` names).
    pub id: u32,
    /// `vm_file`: a counted reference.
    pub file: Handle<File>,
    /// `vm_private_data` of a uverbs VMA: its `rdma_umap_priv` (NULL once zapped by a failed open).
    pub private: Option<Handle<UmapPriv>>,
}

/// The root holder of a process's VMAs' file references (`p0.vma`).
pub fn vma_holder(mm: &Mm) -> Holder {
    Holder::Root(Root::Vma(Name::clone(&mm.owner)))
}

/// `mmap` of `file` into `mm_h`: under `mmap_sem` for write the VMA takes a file reference and
/// `f_op->mmap` sets it up; on failure the reference is dropped and no VMA exists. Returns the
/// VMA's number.
pub fn mmap_region(
    k: &Kernel,
    cur: &Task,
    mm_h: Handle<Mm>,
    file: Handle<File>,
) -> KResult<Result<u32, Errno>> {
    let mm = k.mms.deref("mmap_region.mm", mm_h, "Read of mmap_sem");
    let vmas = mm.mmap_sem.down_write("mmap_region.mmap_sem")?;
    get_file(k, "mmap_region.get_file", file, vma_holder(&mm));
    let id = mm
        .next_vma
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let private = match k.files.get(file).kind {
        FileKind::Uverbs { ufile } => ib_uverbs_mmap(k, cur, mm_h, ufile)?,
        _ => Ok(None),
    };
    match private {
        Ok(private) => {
            let vma = Vma { id, file, private };
            vmas.lock().unwrap_or_else(|e| e.into_inner()).push(vma);
            Ok(Ok(id))
        }
        Err(e) => {
            drop(vmas);
            fput(k, cur, "mmap_region.unmap_fput", file, &vma_holder(&mm))?;
            Ok(Err(e))
        }
    }
}

/// `remove_vma`: `vm_ops->close`, then the file's put. The uverbs close (`rdma_umap_close`)
/// starts with `vma->vm_file->private_data`: a read of the struct file that only the VMA's own
/// reference keeps alive once the fd is closed (a checked access, so a VMA that did not count its
/// reference reads a freed file there).
fn remove_vma(k: &Kernel, cur: &Task, mm: &Mm, vma: Vma) -> KResult<()> {
    if let Some(priv_h) = vma.private {
        let file = k
            .files
            .deref("rdma_umap_close.vm_file", vma.file, "Read of private_data");
        if let FileKind::Uverbs { ufile } = file.kind {
            rdma_umap_close(k, cur, ufile, priv_h)?;
        }
    }
    fput(k, cur, "remove_vma.fput", vma.file, &vma_holder(mm))
}

/// `munmap` of VMA `id` of `mm_h`: unlinked and removed under `mmap_sem` for write (the close
/// callback runs under it, so it is ordered against `uverbs_user_mmap_disassociate`, which holds
/// it for read).
pub fn do_munmap(k: &Kernel, cur: &Task, mm_h: Handle<Mm>, id: u32) -> KResult<Result<(), Errno>> {
    let mm = k.mms.deref("do_munmap.mm", mm_h, "Read of mmap_sem");
    let vmas = mm.mmap_sem.down_write("do_munmap.mmap_sem")?;
    let vma = {
        let mut list = vmas.lock().unwrap_or_else(|e| e.into_inner());
        let Some(pos) = list.iter().position(|v| v.id == id) else {
            return Ok(Err(Errno::EINVAL));
        };
        list.remove(pos)
    };
    remove_vma(k, cur, &mm, vma)?;
    drop(vmas);
    Ok(Ok(()))
}

/// `exit_mmap` (the last `mmput`): every VMA removed. Nobody else can reach the address space
/// any more, so the list is taken whole.
pub fn exit_mmap(k: &Kernel, cur: &Task, mm_h: Handle<Mm>) -> KResult<()> {
    let mm = k.mms.get(mm_h);
    let vmas: Vec<Vma> = {
        let g = mm.mmap_sem.down_write("exit_mmap.mmap_sem")?;
        let taken = std::mem::take(&mut *g.lock().unwrap_or_else(|e| e.into_inner()));
        taken
    };
    for vma in vmas {
        remove_vma(k, cur, &mm, vma)?;
    }
    Ok(())
}

/// `dup_mmap` at fork: under the parent's `mmap_sem` for write (held for the whole copy, so no
/// munmap or exit of the parent can remove a VMA being copied or free its `vm_private_data`) and
/// the child's (not linked in yet), each VMA of the parent is copied into the child's mm, taking
/// a file reference and running `vm_ops->open` on the copy.
pub fn dup_mmap(k: &Kernel, cur: &Task, parent: Handle<Mm>, child: Handle<Mm>) -> KResult<()> {
    let pmm = k.mms.get(parent);
    let cmm = k.mms.get(child);
    let old = pmm.mmap_sem.down_write("dup_mmap.mmap_sem")?;
    let vmas: Vec<Vma> = old.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let new = cmm.mmap_sem.down_write("dup_mmap.child_mmap_sem")?;
    for v in vmas {
        get_file(k, "dup_mmap.get_file", v.file, vma_holder(&cmm));
        let private = match (v.private, k.files.get(v.file).kind) {
            (Some(opriv), FileKind::Uverbs { ufile }) => {
                rdma_umap_open(k, cur, child, ufile, opriv)?
            }
            _ => None,
        };
        let copy = Vma { private, ..v };
        new.lock().unwrap_or_else(|e| e.into_inner()).push(copy);
    }
    drop(new);
    drop(old);
    Ok(())
}
