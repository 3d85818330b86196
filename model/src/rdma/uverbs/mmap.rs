//! mmap of a uverbs fd (`uverbs_main.c`; the entry helpers are `ib_core_uverbs.c` from v5.5):
//! `ib_uverbs_mmap` → the driver's mmap → `rdma_user_mmap_io` (an `rdma_umap_priv` on the ufile's
//! `umaps`, under `umap_lock`), `rdma_umap_open` (fork) and `rdma_umap_close` (munmap,
//! exit_mmap), and `uverbs_user_mmap_disassociate`, which device removal runs to zap every VMA.
//!
//! From c043ff2cfb7f (v5.5) each priv also holds a reference to an `rdma_user_mmap_entry` of the
//! ucontext's `mmap_xa` (the driver's doorbell page here). Freeing the last reference erases the
//! entry from `mmap_xa`, a write into the ucontext: put after the ucontext is gone, it is a
//! use-after-free. Disassociate must therefore put the entry of every priv it takes off the list;
//! before 39c011a53827 it did not when `mmget_not_zero` failed because the mm was exiting, and
//! the exiting task's `rdma_umap_close` put it later, after the ucontext was freed.

use crate::heap::Handle;
use crate::kernel::{Kernel, Patch};
use crate::kref::Kref;
use crate::mm::vma::vma_holder;
use crate::mm::{mmget_not_zero, mmput, Mm};
use crate::oracle::Holder;
use crate::rdma::uverbs::ucontext::Ucontext;
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::Atomic;
use crate::task::Task;
use crate::{Errno, KResult};

/// `struct rdma_umap_priv`: one uverbs VMA as the ufile tracks it (owned by the VMA, whose
/// `vm_private_data` it is; freed by `rdma_umap_close`).
pub struct UmapPriv {
    /// `priv->vma->vm_mm` (the VMA is alive while its priv is on `umaps`).
    pub mm: Handle<Mm>,
    /// `priv->entry` (encoded `Handle<MmapEntry>`, 0 for none): a counted reference.
    pub entry: Atomic,
}

/// `struct rdma_user_mmap_entry`: a page the driver lets user space map.
pub struct MmapEntry {
    /// `ref`: the driver's (until `rdma_user_mmap_entry_remove`) and each VMA's.
    pub kref: Kref,
    /// `entry->ucontext`, whose `mmap_xa` lists it (uncounted).
    pub ucontext: Handle<Ucontext>,
    /// `driver_removed`: no new mmap may find it.
    pub driver_removed: Atomic,
}

fn priv_entry(p: Handle<UmapPriv>) -> Holder {
    Holder::Obj(p.obj(), "entry")
}

/// `rdma_user_mmap_entry_insert`: the driver's entry in the ucontext's `mmap_xa`, its reference
/// held by the driver (`dealloc_ucontext` removes it).
pub fn rdma_user_mmap_entry_insert(
    k: &Kernel,
    uctx_h: Handle<Ucontext>,
    uctx: &Ucontext,
) -> KResult<Handle<MmapEntry>> {
    let e = k
        .mmap_entries
        .alloc("rdma_user_mmap_entry_insert.kzalloc", |id| MmapEntry {
            kref: Kref::new(id, "ref", Holder::Obj(uctx_h.obj(), "driver")),
            ucontext: uctx_h,
            driver_removed: Atomic::new(0),
        });
    uctx.mmap_xa
        .lock("rdma_user_mmap_entry_insert.xa_lock")?
        .push(e);
    Ok(e)
}

/// `rdma_user_mmap_entry_get`: the first entry not removed by the driver, with a reference held
/// by the task.
fn rdma_user_mmap_entry_get(
    k: &Kernel,
    cur: &Task,
    uctx: &Ucontext,
) -> KResult<Option<Handle<MmapEntry>>> {
    let xa = uctx.mmap_xa.lock("rdma_user_mmap_entry_get.xa_lock")?;
    for &e in xa.iter() {
        let entry = k.mmap_entries.get(e);
        if entry
            .driver_removed
            .load("rdma_user_mmap_entry_get.driver_removed")
            == 0
        {
            entry.kref.get(
                "rdma_user_mmap_entry_get.kref_get",
                Holder::Task(cur.tid, "mmap_entry"),
            );
            return Ok(Some(e));
        }
    }
    Ok(None)
}

/// `rdma_user_mmap_entry_put`: the last reference frees the entry (`rdma_user_mmap_entry_free`:
/// erased from the ucontext's `mmap_xa` under its lock, then kfree).
pub fn rdma_user_mmap_entry_put(k: &Kernel, e: Handle<MmapEntry>, holder: &Holder) -> KResult<()> {
    let entry = k.mmap_entries.get(e);
    if !entry.kref.put("rdma_user_mmap_entry_put", holder) {
        return Ok(());
    }
    let uctx = k.ucontexts.deref(
        "rdma_user_mmap_entry_free.ucontext",
        entry.ucontext,
        "Read of mmap_xa",
    );
    uctx.mmap_xa
        .lock("rdma_user_mmap_entry_free.xa_lock")?
        .retain(|x| *x != e);
    k.mmap_entries.free("rdma_user_mmap_entry_free.kfree", e);
    Ok(())
}

/// `rdma_user_mmap_entry_remove` (the driver, at `dealloc_ucontext`): no new mmap finds it; the
/// driver's reference is dropped (the entry lives on while a VMA holds it).
pub fn rdma_user_mmap_entry_remove(
    k: &Kernel,
    uctx_h: Handle<Ucontext>,
    e: Handle<MmapEntry>,
) -> KResult<()> {
    let entry = k.mmap_entries.get(e);
    let uctx = k.ucontexts.get(uctx_h);
    {
        let _xa = uctx.mmap_xa.lock("rdma_user_mmap_entry_remove.xa_lock")?;
        entry
            .driver_removed
            .store("rdma_user_mmap_entry_remove.driver_removed", 1);
    }
    rdma_user_mmap_entry_put(k, e, &Holder::Obj(uctx_h.obj(), "driver"))
}

/// `rdma_umap_priv_init`: the priv takes its own reference to `entry` and joins `umaps`.
fn rdma_umap_priv_init(
    k: &Kernel,
    ufile: &Ufile,
    mm: Handle<Mm>,
    entry: Option<Handle<MmapEntry>>,
) -> KResult<Handle<UmapPriv>> {
    let p = k.umap_privs.alloc("rdma_umap_priv.kzalloc", |_| UmapPriv {
        mm,
        entry: Atomic::new(0),
    });
    if let Some(e) = entry {
        k.mmap_entries
            .get(e)
            .kref
            .get("rdma_umap_priv_init.kref_get", priv_entry(p));
        k.umap_privs
            .get(p)
            .entry
            .store("rdma_umap_priv_init.entry", e.encode());
    }
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(p.obj(), vma_holder(&k.mms.get(mm)));
    ufile.umaps.lock("rdma_umap_priv_init.umap_lock")?.push(p);
    Ok(p)
}

/// `ib_uverbs_mmap` of the ufile into `mm`: under the device's SRCU, a live ucontext (-EIO
/// otherwise), then the driver's mmap: from v5.5 it looks up its entry and maps it through
/// `rdma_user_mmap_io`, which records the VMA's priv. Returns the VMA's `vm_private_data`.
pub fn ib_uverbs_mmap(
    k: &Kernel,
    cur: &Task,
    mm: Handle<Mm>,
    ufile_h: Handle<Ufile>,
) -> KResult<Result<Option<Handle<UmapPriv>>, Errno>> {
    let ufile = k.ufiles.get(ufile_h);
    let dev = &k.devices[ufile.device];
    let _srcu = dev.srcu.down_read("ib_uverbs_mmap.srcu_read_lock")?;
    let Some(uctx_h) = Handle::<Ucontext>::decode(ufile.ucontext.load("ib_uverbs_mmap.ucontext"))
    else {
        return Ok(Err(Errno::EIO));
    };
    if dev.ib_dev.load("ib_uverbs_mmap.ib_dev") == 0 {
        return Ok(Err(Errno::EIO));
    }
    let uctx = k.ucontexts.get(uctx_h);
    let entry = if k.variant.has(Patch::UmapPrivEntry) {
        match rdma_user_mmap_entry_get(k, cur, &uctx)? {
            Some(e) => Some(e),
            None => return Ok(Err(Errno::EINVAL)),
        }
    } else {
        None
    };
    let p = rdma_umap_priv_init(k, &ufile, mm, entry)?;
    if let Some(e) = entry {
        rdma_user_mmap_entry_put(k, e, &Holder::Task(cur.tid, "mmap_entry"))?;
    }
    Ok(Ok(Some(p)))
}

/// `rdma_umap_open` (`vm_ops->open` of the child's copy at fork): a priv of its own, unless a
/// destroy-all runs or already ran (then the copy is zapped: no priv).
pub fn rdma_umap_open(
    k: &Kernel,
    _cur: &Task,
    mm: Handle<Mm>,
    ufile_h: Handle<Ufile>,
    opriv: Handle<UmapPriv>,
) -> KResult<Option<Handle<UmapPriv>>> {
    let ufile = k.ufiles.get(ufile_h);
    let Some(_r) = ufile
        .hw_destroy_rwsem
        .down_read_trylock("rdma_umap_open.down_read_trylock")
    else {
        return Ok(None);
    };
    if ufile.ucontext.load("rdma_umap_open.ucontext") == 0 {
        return Ok(None);
    }
    let o = k
        .umap_privs
        .deref("rdma_umap_open.opriv", opriv, "Read of entry");
    let entry = Handle::<MmapEntry>::decode(o.entry.load("rdma_umap_open.entry"));
    Ok(Some(rdma_umap_priv_init(k, &ufile, mm, entry)?))
}

/// `rdma_umap_close` (`vm_ops->close`): under `umap_lock`, put the priv's entry and take it off
/// `umaps`; kfree. The VMA holds the file, so the ufile is alive.
pub fn rdma_umap_close(
    k: &Kernel,
    _cur: &Task,
    ufile_h: Handle<Ufile>,
    priv_h: Handle<UmapPriv>,
) -> KResult<()> {
    let ufile = k.ufiles.get(ufile_h);
    {
        let mut umaps = ufile.umaps.lock("rdma_umap_close.umap_lock")?;
        let p = k
            .umap_privs
            .deref("rdma_umap_close.priv", priv_h, "Read of entry");
        if let Some(e) = Handle::<MmapEntry>::decode(p.entry.load("rdma_umap_close.entry")) {
            rdma_user_mmap_entry_put(k, e, &priv_entry(priv_h))?;
        }
        umaps.retain(|x| *x != priv_h);
    }
    let mm = k.umap_privs.get(priv_h).mm;
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(priv_h.obj(), &vma_holder(&k.mms.get(mm)));
    k.umap_privs.free("rdma_umap_close.kfree", priv_h);
    Ok(())
}

/// Take `p` off `umaps` (the caller holds `umap_lock`) and, where the kernel does, put its entry.
fn unlist(
    k: &Kernel,
    umaps: &mut Vec<Handle<UmapPriv>>,
    p: Handle<UmapPriv>,
    put: bool,
) -> KResult<()> {
    umaps.retain(|x| *x != p);
    if !put {
        return Ok(());
    }
    let priv_ = k.umap_privs.get(p);
    if let Some(e) =
        Handle::<MmapEntry>::decode(priv_.entry.swap("user_mmap_disassociate.entry", 0))
    {
        rdma_user_mmap_entry_put(k, e, &priv_entry(p))?;
    }
    Ok(())
}

/// The first listed mm still alive, with a user reference (`mmget_not_zero`); privs of exiting
/// mms are taken off the list on the way (their entry put only since 39c011a53827).
fn next_mm(k: &Kernel, cur: &Task, ufile: &Ufile) -> KResult<Option<Handle<Mm>>> {
    let mut umaps = ufile.umaps.lock("user_mmap_disassociate.umap_lock")?;
    while let Some(&first) = umaps.first() {
        let mm = k
            .umap_privs
            .deref("user_mmap_disassociate.priv", first, "Read of vma")
            .mm;
        let holder = Holder::Task(cur.tid, "mmget_not_zero");
        if mmget_not_zero(k, "user_mmap_disassociate.mmget_not_zero", mm, holder) {
            return Ok(Some(mm));
        }
        let put = k.variant.has(Patch::DisassociatePutsExitingEntry);
        unlist(k, &mut umaps, first, put)?;
    }
    Ok(None)
}

/// `uverbs_user_mmap_disassociate` (device removal, under `hw_destroy_rwsem` for write): one mm
/// at a time, zap every VMA of the ufile in it under its `mmap_sem` and put its entry, then
/// `mmput` (possibly the last: its `exit_mmap` closes the VMAs and puts their files).
pub fn uverbs_user_mmap_disassociate(k: &Kernel, cur: &Task, ufile: &Ufile) -> KResult<()> {
    while let Some(mm_h) = next_mm(k, cur, ufile)? {
        let mm = k.mms.get(mm_h);
        {
            let _sem = mm.mmap_sem.down_read("user_mmap_disassociate.mmap_sem")?;
            let mut umaps = ufile.umaps.lock("user_mmap_disassociate.umap_lock")?;
            let mine: Vec<Handle<UmapPriv>> = umaps
                .iter()
                .copied()
                .filter(|&p| k.umap_privs.get(p).mm == mm_h)
                .collect();
            for p in mine {
                // zap_vma_ptes: later faults get the zero page.
                unlist(k, &mut umaps, p, true)?;
            }
        }
        mmput(k, cur, mm_h, &Holder::Task(cur.tid, "mmget_not_zero"))?;
    }
    Ok(())
}
