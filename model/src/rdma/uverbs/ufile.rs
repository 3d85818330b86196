//! `struct ib_uverbs_file` and its paths: `ib_uverbs_open`, GET_CONTEXT, `ib_uverbs_close`,
//! `uverbs_destroy_ufile_hw` (CLOSE and DRIVER_REMOVE) and the final `ib_uverbs_release_file`.
//!
//! G2: the ufile outlives its main struct file (the file's private_data is a counted reference;
//! child fds and device removal take more). G5 on v5.3: close may return while a device removal
//! is still destroying the MRs. G6 from v5.6 (remove_ucontext_lock): close waits (it takes
//! `hw_destroy_rwsem` for write).

use crate::heap::Handle;
use crate::kernel::{Kernel, Patch};
use crate::kref::Kref;
use crate::oracle::{FindingKind, Holder};
use crate::proposals::Ext;
use crate::rdma::uverbs::device::Device;
use crate::rdma::uverbs::mmap::UmapPriv;
use crate::rdma::uverbs::ucontext::{alloc_ucontext, free_ucontext, Ucontext};
use crate::rdma::uverbs::uobject::{uverbs_destroy_uobject, Reason, Uobject};
use crate::sync::{Atomic, Mutex, RwSem};
use crate::task::Task;
use crate::vfs::file::{alloc_file, field, File, FileKind};
use crate::{Errno, KResult};

crate::declare_check!(
    /// `WARN_ON(entry->object)` in `release_ufile_idr_uobject`: the ufile is released while a
    /// uobject still has its HW object (destroy-all has not run, or not finished).
    pub static WARN_RELEASE_IDR_OBJECT = ("warn.release_ufile_idr_uobject.object",
        FindingKind::Warn, "a ufile is released with a uobject whose HW object is live");
);

/// IDR handles per ufile.
pub const IDR_SLOTS_MAX: usize = 8;

/// `struct ib_uverbs_file`.
pub struct Ufile {
    /// `ref`.
    pub kref: Kref,
    /// Index of the device in the kernel.
    pub device: usize,
    /// `hw_destroy_rwsem`.
    pub hw_destroy_rwsem: RwSem<()>,
    /// `ucontext_lock`.
    pub ucontext_lock: Mutex<()>,
    /// `ucontext` (published with smp_store_release), encoded handle.
    pub ucontext: Atomic,
    /// `uobjects` under `uobjects_lock`.
    pub uobjects: Mutex<Vec<Handle<Uobject>>>,
    /// `idr` (xarray): handle → uobject, encoded.
    pub idr: Vec<Atomic>,
    /// Next free IDR handle (`xa_alloc`).
    pub idr_next: Atomic,
    /// `umaps` under `umap_lock`: the uverbs VMAs of this ufile, in every mm.
    pub umaps: Mutex<Vec<Handle<UmapPriv>>>,
    /// `ucontext->cleanup_retryable` (kept here: the model's uobjects reach their ufile, not the
    /// ucontext). Written and read only by a destroy-all holding `hw_destroy_rwsem` for write, so
    /// it is no scheduling point.
    pub cleanup_retryable: std::sync::atomic::AtomicBool,
    /// What the lifetime proposal adds to `struct ib_uverbs_file` (RFC 16/19's `sys_file`, ...).
    pub ext: Ext,
}

/// `ib_uverbs_open`: a new ufile and its struct file, added to the device's file list. The file's
/// reference is held by the task until the caller installs it in an fd slot.
pub fn ib_uverbs_open(
    k: &Kernel,
    cur: &Task,
    dev_index: usize,
) -> KResult<Result<Handle<File>, Errno>> {
    let dev: &Device = &k.devices[dev_index];
    if dev.cdev.load("ib_uverbs_open.cdev") == 0 {
        return Ok(Err(Errno::ENXIO));
    }
    if dev.refcount.inc_not_zero("ib_uverbs_open.refcount") == 0 {
        return Ok(Err(Errno::ENXIO));
    }
    let srcu = dev.srcu.down_read("ib_uverbs_open.srcu_read_lock")?;
    if dev.ib_dev.load("ib_uverbs_open.ib_dev") == 0 {
        drop(srcu);
        dev.put("ib_uverbs_open.err_refcount");
        return Ok(Err(Errno::ENODEV));
    }
    let mut list = dev.lists_mutex.lock("ib_uverbs_open.lists_mutex")?;
    let ufile_h = k.ufiles.alloc("ib_uverbs_open.kzalloc_ufile", |id| Ufile {
        kref: Kref::new(id, "kref", Holder::Task(cur.tid, "open")),
        device: dev_index,
        hw_destroy_rwsem: RwSem::new("hw_destroy_rwsem", ()),
        ucontext_lock: Mutex::new("ucontext_lock", ()),
        ucontext: Atomic::new(0),
        uobjects: Mutex::new("uobjects_lock", Vec::new()),
        idr: (0..IDR_SLOTS_MAX).map(|_| Atomic::new(0)).collect(),
        idr_next: Atomic::new(0),
        umaps: Mutex::new("umap_lock", Vec::new()),
        cleanup_retryable: std::sync::atomic::AtomicBool::new(false),
        ext: k.proposal.ufile_ext(),
    });
    let path = format!("/dev/infiniband/{}", dev.name);
    let file = alloc_file(
        k,
        "ib_uverbs_open.alloc_file",
        FileKind::Uverbs { ufile: ufile_h },
        &path,
        Holder::Task(cur.tid, "open"),
    );
    let (_, oracle) = crate::sync::current_oracle();
    oracle.rehold(
        ufile_h.obj(),
        &Holder::Task(cur.tid, "open"),
        field(file, "private_data"),
    );
    list.push(ufile_h);
    drop(list);
    drop(srcu);
    k.proposal.open(k, cur, file, ufile_h)?;
    Ok(Ok(file))
}

/// GET_CONTEXT (`ib_uverbs_get_context`): `ucontext_lock` serializes creation; since
/// remove_ucontext_lock (v5.6) creation also holds `hw_destroy_rwsem` for read (a trylock: -EIO
/// while a destroy-all runs), the standard pattern that lets destroy drop `ucontext_lock`.
pub fn ib_uverbs_get_context(
    k: &Kernel,
    _cur: &Task,
    file: Handle<File>,
) -> KResult<Result<(), Errno>> {
    let Some(ufile_h) = uverbs_private_data(k, file) else {
        return Ok(Err(Errno::EBADF));
    };
    let ufile = k.ufiles.get(ufile_h);
    let _srcu = match k.devices[ufile.device].uverbs_cmd_begin()? {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let _r = if k.variant.has(Patch::RemoveUcontextLock) {
        match ufile
            .hw_destroy_rwsem
            .down_read_trylock("ib_uverbs_get_context.down_read")
        {
            Some(r) => Some(r),
            None => return Ok(Err(Errno::EIO)),
        }
    } else {
        None
    };
    let _l = ufile
        .ucontext_lock
        .lock("ib_uverbs_get_context.ucontext_lock")?;
    if ufile.ucontext.load("ib_uverbs_get_context.ucontext") != 0 {
        return Ok(Err(Errno::EINVAL));
    }
    let uctx = alloc_ucontext(k, ufile_h)?;
    ufile
        .ucontext
        .store("ib_uverbs_get_context.publish", uctx.encode());
    Ok(Ok(()))
}

/// The ufile behind a uverbs struct file (`filp->private_data`).
pub fn uverbs_private_data(k: &Kernel, file: Handle<File>) -> Option<Handle<Ufile>> {
    match k.files.get(file).kind {
        FileKind::Uverbs { ufile } => Some(ufile),
        _ => None,
    }
}

/// `ib_uverbs_close` (f_op->release of the main uverbs file).
pub fn ib_uverbs_close(
    k: &Kernel,
    cur: &Task,
    file: Handle<File>,
    ufile_h: Handle<Ufile>,
) -> KResult<()> {
    uverbs_destroy_ufile_hw(k, cur, ufile_h, Reason::Close)?;
    let ufile = k.ufiles.get(ufile_h);
    let dev = &k.devices[ufile.device];
    {
        let mut list = dev.lists_mutex.lock("ib_uverbs_close.lists_mutex")?;
        list.retain(|u| *u != ufile_h);
    }
    k.proposal.release(k, cur, file, ufile_h)?;
    if ufile
        .kref
        .put("ib_uverbs_close.kref_put", &field(file, "private_data"))
    {
        ib_uverbs_release_file(k, cur, ufile_h)?;
    }
    Ok(())
}

/// `uverbs_destroy_ufile_hw`: destroy every HW object of the ufile, then the ucontext.
pub fn uverbs_destroy_ufile_hw(
    k: &Kernel,
    cur: &Task,
    ufile_h: Handle<Ufile>,
    reason: Reason,
) -> KResult<()> {
    let ufile = k
        .ufiles
        .deref("destroy_ufile_hw.ufile", ufile_h, "Read of ucontext_lock");
    let _ucontext_lock = if !k.variant.destroy_takes_ucontext_lock() {
        None
    } else if reason == Reason::Close && k.variant.close_trylock() {
        match ufile
            .ucontext_lock
            .try_lock("destroy_ufile_hw.trylock_ucontext")
        {
            Some(g) => Some(g),
            // Release paths rely on the ongoing destroyer to finish the work (G5).
            None => return Ok(()),
        }
    } else {
        Some(ufile.ucontext_lock.lock("destroy_ufile_hw.lock_ucontext")?)
    };
    let _w = ufile
        .hw_destroy_rwsem
        .down_write("destroy_ufile_hw.down_write")?;
    let Some(uctx) = Handle::<Ucontext>::decode(ufile.ucontext.load("destroy_ufile_hw.ucontext"))
    else {
        return Ok(());
    };
    k.ucontexts
        .get(uctx)
        .closing
        .store("destroy_ufile_hw.closing", 1);
    uverbs_cleanup_ufile(k, cur, &ufile, reason)?;
    ufile_destroy_ucontext(k, cur, ufile_h, &ufile, uctx, reason)?;
    k.proposal.destroy_ufile_hw(k, cur, ufile_h)?;
    Ok(())
}

/// The destroy-all of `uverbs_destroy_ufile_hw`: `__uverbs_cleanup_ufile` passes over the
/// uobjects with `cleanup_retryable` set, while a pass destroys something (a driver may refuse a
/// destroy with -EBUSY: it stays listed for the next pass), then one forced pass in which a
/// refusal WARNs and the object dangles. Objects are taken one at a time, the first listed that
/// this pass has not tried.
fn uverbs_cleanup_ufile(k: &Kernel, cur: &Task, ufile: &Ufile, reason: Reason) -> KResult<()> {
    use std::sync::atomic::Ordering::Relaxed;
    ufile.cleanup_retryable.store(true, Relaxed);
    let (mut tried, mut progress) = (Vec::new(), false);
    loop {
        let list: Vec<Handle<Uobject>> = ufile
            .uobjects
            .lock("__uverbs_cleanup_ufile.uobjects_lock")?
            .clone();
        let Some(&uobj) = list.iter().find(|u| !tried.contains(*u)) else {
            if list.is_empty() || !ufile.cleanup_retryable.load(Relaxed) {
                return Ok(());
            }
            if !progress {
                // No entry was cleaned up in this pass: the forced pass.
                ufile.cleanup_retryable.store(false, Relaxed);
            }
            (tried, progress) = (Vec::new(), false);
            continue;
        };
        let uo = k.uobjects.get(uobj);
        // "if we hit this WARN_ON, that means we are racing with a lookup_get": destroyed anyway.
        let (found, _) = crate::rdma::uverbs::uobject::uverbs_try_lock_object(
            &uo,
            crate::rdma::uverbs::uobject::LookupMode::Write,
            "__uverbs_cleanup_ufile.usecnt_write",
        );
        if found != 0 {
            crate::rdma::uverbs::uobject::warn_cleanup_usecnt(k, uobj, found);
        }
        match uverbs_destroy_uobject(k, cur, uobj, reason)? {
            Ok(()) => progress = true,
            Err(_) => {
                uo.usecnt.store("__uverbs_cleanup_ufile.usecnt_retry", 0);
                tried.push(uobj);
            }
        }
    }
}

fn ufile_destroy_ucontext(
    k: &Kernel,
    cur: &Task,
    ufile_h: Handle<Ufile>,
    ufile: &Ufile,
    uctx: Handle<Ucontext>,
    reason: Reason,
) -> KResult<()> {
    if reason == Reason::DriverRemove {
        crate::rdma::uverbs::mmap::uverbs_user_mmap_disassociate(k, cur, ufile)?;
    }
    ufile.ucontext.store("ufile_destroy_ucontext.clear", 0);
    free_ucontext(k, ufile_h, uctx)
}

/// `ib_uverbs_release_file` (kref release): drop the IDR references of leftover uobjects, the
/// device's reference (the last one lets a waiting non-disassociating removal go on), free.
pub fn ib_uverbs_release_file(k: &Kernel, cur: &Task, ufile_h: Handle<Ufile>) -> KResult<()> {
    let ufile = k
        .ufiles
        .deref("ib_uverbs_release_file", ufile_h, "Read of idr");
    let used = ufile.idr_next.load("release_ufile_idr_uobject.xa_for_each") as usize;
    for slot in ufile.idr.iter().take(used) {
        if let Some(uobj) =
            Handle::<Uobject>::decode(slot.swap("release_ufile_idr_uobject.xa_erase", 0))
        {
            // "there are no HW objects left": the kernel's WARN_ON(entry->object), a plain read,
            // made as an engine load so loom orders it against the destroy that clears the object
            // (`object_null`). A load, as the kernel's read is: this thread never writes `object`
            // after it (so no load-then-own-store race for loom to miss, tokio-rs/loom#166); a
            // clear ordered before the release (through the ufile's kref) is always seen; a value
            // older than the last clear is returned only when that clear is not ordered before the
            // release, which is the kernel's race too.
            let object = k
                .uobjects
                .get(uobj)
                .object
                .load("release_ufile_idr_uobject.object");
            if object != 0 {
                let (_, oracle) = crate::sync::current_oracle();
                let name = k.uobjects.name(uobj);
                oracle.warn(
                    &WARN_RELEASE_IDR_OBJECT,
                    "drivers/infiniband/core/rdma_core.c",
                    "release_ufile_idr_uobject",
                    "WARN_ON(entry->object)",
                    Some(name.clone()),
                    vec![format!(
                        "{name} still has its HW object when its ufile is released"
                    )],
                );
            }
            crate::rdma::uverbs::uobject::uverbs_uobject_put(
                k,
                uobj,
                &Holder::Obj(ufile_h.obj(), "idr"),
            );
        }
    }
    k.proposal.ufile_release(k, cur, ufile_h)?;
    k.devices[ufile.device].put("ib_uverbs_release_file.refcount");
    k.ufiles.free("ib_uverbs_release_file.kfree", ufile_h);
    Ok(())
}
