//! `struct ib_uobject`: kref, the usecnt try-lock (-1 exclusive, 0 free, N readers), allocation
//! (`rdma_alloc_begin_uobject` .. commit), lookups, `uobj_destroy`, `uverbs_destroy_uobject` and
//! the FD-type release `uverbs_close_fd`.
//!
//! kref holders (docs/kernel.md §1.6): the allocation's stack ref (moved into the IDR at commit),
//! the `uobjects` list membership, lookups, and for FD types the file's private_data.

use crate::heap::Handle;
use crate::kernel::{Kernel, Patch};
use crate::kref::Kref;
use crate::oracle::{FindingKind, Holder};
use crate::rcu::Deferred;
use crate::rdma::uverbs::mr::{uverbs_free_mr, Mr};
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::{Atomic, RwSemReadGuard, Step};
use crate::task::Task;
use crate::vfs::file::{fput, File, FileKind};
use crate::vfs::process::{fget, Process};
use crate::{Errno, KResult};

/// `enum rdma_remove_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// User DESTROY command.
    Destroy,
    /// Release of the uverbs file.
    Close,
    /// Device removal.
    DriverRemove,
}

/// The uobject's type class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UobjType {
    /// IDR type: a memory region.
    Mr,
    /// FD type: a completion channel.
    CompChannel,
}

/// `struct ib_uobject`.
pub struct Uobject {
    /// `ref`.
    pub kref: Kref,
    /// `usecnt`.
    pub usecnt: Atomic,
    /// `object` (encoded `Handle<Mr>` for MRs; the channel file for FD types); 0 once destroyed.
    pub object: Atomic,
    /// Type class.
    pub ty: UobjType,
    /// Owning ufile.
    pub ufile: Handle<Ufile>,
    /// IDR handle (MRs).
    pub id: usize,
}

/// `rdma_alloc_begin_uobject`'s locking: `down_read_trylock(hw_destroy_rwsem)` (-EIO while a
/// destroy-all runs), then a live ucontext (-EINVAL). The guard is held until commit or abort.
pub fn rdma_alloc_begin_uobject(ufile: &Ufile) -> Result<RwSemReadGuard<'_, ()>, Errno> {
    let Some(r) = ufile
        .hw_destroy_rwsem
        .down_read_trylock("alloc_begin.down_read_trylock")
    else {
        return Err(Errno::EIO);
    };
    if ufile.ucontext.load("alloc_begin.ucontext") == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(r)
}

/// `alloc_uobj`: kref 1 held by the allocating task, usecnt -1 (not yet committed).
pub fn alloc_uobj(
    k: &Kernel,
    cur: &Task,
    ufile: Handle<Ufile>,
    ty: UobjType,
    id: usize,
) -> Handle<Uobject> {
    k.uobjects.alloc("alloc_uobj", |oid| Uobject {
        kref: Kref::new(oid, "kref", Holder::Task(cur.tid, "alloc_uobj")),
        usecnt: Atomic::new(-1),
        object: Atomic::new(0),
        ty,
        ufile,
        id,
    })
}

/// `rdma_alloc_commit_uobject` (IDR part): the stack ref moves into the xarray, the list takes one,
/// usecnt becomes 0. The caller still holds `hw_destroy_rwsem` for read and drops it after.
pub fn rdma_alloc_commit_uobject(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    ufile_h: Handle<Ufile>,
    h: Handle<Uobject>,
) -> KResult<()> {
    let uobj = k.uobjects.get(h);
    let (_, oracle) = crate::sync::current_oracle();
    if uobj.ty == UobjType::Mr {
        // "We already allocated this IDR with a NULL object, so this shouldn't fail."
        let old = ufile.idr[uobj.id].swap("alloc_commit.xa_store", h.encode());
        if old != 0 {
            oracle.warn(
                &WARN_XA_STORE_OLD,
                "drivers/infiniband/core/rdma_core.c",
                "alloc_commit_idr_uobject",
                "WARN_ON(old != NULL)",
                Some(k.uobjects.name(h)),
                vec![format!("IDR handle {} was not empty at commit", uobj.id)],
            );
        }
        oracle.rehold(
            h.obj(),
            &Holder::Task(cur.tid, "alloc_uobj"),
            Holder::Obj(ufile_h.obj(), "idr"),
        );
    }
    {
        let mut list = ufile.uobjects.lock("alloc_commit.uobjects_lock")?;
        uobj.kref.get(
            "alloc_commit.kref_get",
            Holder::Obj(ufile_h.obj(), "uobjects"),
        );
        list.push(h);
    }
    uobj.usecnt.store("alloc_commit.usecnt", 0);
    Ok(())
}

/// The `kfree_rcu` callback of a uobject.
fn kfree_rcu_uobject(k: &Kernel, arg: i64) {
    let h = Handle::<Uobject>::decode(arg).expect("kfree_rcu got a uobject");
    k.uobjects.free("kfree_rcu.uobject", h);
}

/// Drop a reference; at zero free the memory (IDR types through `kfree_rcu`).
pub fn uverbs_uobject_put(k: &Kernel, h: Handle<Uobject>, holder: &Holder) {
    let uobj = k.uobjects.get(h);
    if uobj.kref.put("uverbs_uobject_put", holder) {
        k.rcu.call_rcu(
            k,
            "uverbs_uobject_free.kfree_rcu",
            Deferred::new(kfree_rcu_uobject, h.encode()),
        );
    }
}

/// `rdma_lookup_get_uobject(LOOKUP_DESTROY)` for an IDR handle: RCU `xa_load` +
/// `kref_get_unless_zero`; the lookup reference is held by the task.
///
/// The RCU read-side section (`lookup_get_idr_uobject`'s `rcu_read_lock`) makes no engine
/// access, as `fget`'s does not (see `vfs::process::__fget_files`): it keeps the uobject's memory
/// (freed through `kfree_rcu`) for the one read of its kref, which the model makes without a
/// liveness check (a freed object's memory stays readable in the model, a reused slot's too). So
/// whether a `kfree_rcu` waits for the section changes nothing but the step at which the memory
/// is freed: earlier than the kernel lets it, which only a thread reading the uobject with
/// neither a reference nor an RCU section of its own could notice, and that thread has a bug
/// anyway. As one of `rcu.rs`'s readers the section made every lookup dependent on every
/// `call_rcu` of another thread, the `__fput` of an unrelated file included (s24, three threads,
/// bound 3: 18,056 loom executions over its 20 cells with the section, 14,408 without).
pub fn lookup_get_destroy(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    id: usize,
) -> Result<Handle<Uobject>, Errno> {
    let Some(slot) = ufile.idr.get(id) else {
        return Err(Errno::ENOENT);
    };
    let found = Handle::<Uobject>::decode(slot.load("lookup_get.xa_load"));
    let got = found.filter(|&h| {
        // RCU keeps the memory valid (kfree_rcu), so the kref is read without a liveness check.
        // (The model reads a freed uobject's own memory: no section needed, see above.)
        k.uobjects.get(h).kref.get_unless_zero(
            "lookup_get.kref_get_unless_zero",
            Holder::Task(cur.tid, "lookup"),
        )
    });
    got.ok_or(Errno::ENOENT)
}

/// `rdma_lookup_put_uobject` for an IDR uobject: unlock usecnt as `mode` says, then drop the
/// lookup's reference (the memory is still the lookup's to touch until that put).
pub fn rdma_lookup_put_idr_uobject(k: &Kernel, cur: &Task, h: Handle<Uobject>, mode: LookupMode) {
    // Reads the uobject (its type's lookup_put) under the lookup's reference.
    let uobj = k
        .uobjects
        .deref("rdma_lookup_put_uobject", h, "Read of uapi_object");
    assert_uverbs_usecnt(k, h, &uobj, mode, "rdma_lookup_put_uobject");
    match mode {
        LookupMode::Read => {
            uobj.usecnt.fetch_add("lookup_put.usecnt_unlock", -1);
        }
        LookupMode::Write => uobj.usecnt.store("lookup_put.usecnt_unlock", 0),
        LookupMode::Destroy => {}
    }
    uverbs_uobject_put(k, h, &Holder::Task(cur.tid, "lookup"));
}

/// `uobj_perform_destroy` of IDR handle `id`: `__uobj_get_destroy` (the LOOKUP_DESTROY lookup,
/// then [`uobj_destroy`]) and the put. Since c85f4abe66be the put is LOOKUP_DESTROY and a
/// destroyed uobject stays write locked; before it the put was LOOKUP_WRITE, usecnt went back
/// to 0, and a second DESTROY that found the uobject within the RCU window could lock it and run
/// `remove_handle` again.
pub fn uobj_perform_destroy(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    id: usize,
) -> KResult<Result<(), Errno>> {
    let h = match lookup_get_destroy(k, cur, ufile, id) {
        Ok(h) => h,
        Err(e) => return Ok(Err(e)),
    };
    if !k.variant.has(Patch::DestroyWaitsForDestroyAll) {
        return rdma_remove_commit_uobject(k, cur, ufile, h);
    }
    if let Err(e) = uobj_destroy(k, cur, ufile, h)? {
        rdma_lookup_put_idr_uobject(k, cur, h, LookupMode::Destroy);
        return Ok(Err(e));
    }
    let mode = if k.variant.has(Patch::DestroyKeepsWriteLock) {
        LookupMode::Destroy
    } else {
        LookupMode::Write
    };
    rdma_lookup_put_idr_uobject(k, cur, h, mode);
    Ok(Ok(()))
}

crate::declare_check!(
    /// `WARN(true, "ib_uverbs: Cleanup is running while removing an uobject\n")` in
    /// `rdma_explicit_destroy` before 7452a3c745a2: a DESTROY that meets a running destroy-all.
    pub static WARN_CLEANUP_RUNNING = ("warn.rdma_explicit_destroy.cleanup_running",
        FindingKind::Warn, "a DESTROY runs while a destroy-all (device removal) holds the ufile");
);

/// The DESTROY of the kernels before 7452a3c745a2 (`uobj_get_write` + `rdma_remove_commit_uobject`):
/// the lookup locks usecnt for write at once (-EBUSY otherwise); `rdma_explicit_destroy` then only
/// trylocks `hw_destroy_rwsem` and, when a destroy-all holds it (device removal, which does not
/// block DESTROY lookups), WARNs "Cleanup is running while removing an uobject" and returns
/// success without destroying; the put (`rdma_lookup_put_uobject(uobj, true)`) sets usecnt to 0.
fn rdma_remove_commit_uobject(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    h: Handle<Uobject>,
) -> KResult<Result<(), Errno>> {
    let uobj = k.uobjects.get(h);
    if uobj.usecnt.cmpxchg("lookup_get.usecnt_write", 0, -1) != 0 {
        uverbs_uobject_put(k, h, &Holder::Task(cur.tid, "lookup"));
        return Ok(Err(Errno::EBUSY));
    }
    match ufile
        .hw_destroy_rwsem
        .down_read_trylock("rdma_explicit_destroy.down_read_trylock")
    {
        Some(_r) => {
            if let Err(e) = uverbs_destroy_uobject(k, cur, h, Reason::Destroy)? {
                rdma_lookup_put_idr_uobject(k, cur, h, LookupMode::Write);
                return Ok(Err(e));
            }
        }
        None => {
            let (_, oracle) = crate::sync::current_oracle();
            let name = k.uobjects.name(h);
            oracle.warn(
                &WARN_CLEANUP_RUNNING,
                "drivers/infiniband/core/rdma_core.c",
                "rdma_explicit_destroy",
                "WARN(true, \"ib_uverbs: Cleanup is running while removing an uobject\")",
                Some(name.clone()),
                vec![format!(
                    "DESTROY of {name} meets a destroy-all holding hw_destroy_rwsem"
                )],
            );
        }
    }
    rdma_lookup_put_idr_uobject(k, cur, h, LookupMode::Write);
    Ok(Ok(()))
}

/// `uobj_destroy`: under `hw_destroy_rwsem` for read (waiting for a running destroy-all: G3),
/// lock usecnt for write (-EBUSY when a lookup holds it) and destroy with reason DESTROY.
pub fn uobj_destroy(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    h: Handle<Uobject>,
) -> KResult<Result<(), Errno>> {
    let _r = ufile.hw_destroy_rwsem.down_read("uobj_destroy.down_read")?;
    let uobj = k.uobjects.get(h);
    if uverbs_try_lock_object(&uobj, LookupMode::Write, "uobj_destroy.usecnt_write").0 != 0 {
        return Ok(Err(Errno::EBUSY));
    }
    if let Err(e) = uverbs_destroy_uobject(k, cur, h, Reason::Destroy)? {
        uobj.usecnt.store("uobj_destroy.usecnt_unlock", 0);
        return Ok(Err(e));
    }
    Ok(Ok(()))
}

crate::declare_check!(
    /// `WARN(true, "ib_uverbs: failed to remove uobject id %d, driver err=%d")`: the driver
    /// refused a destroy that may not be retried (the forced pass of a destroy-all); the object's
    /// memory is left dangling.
    pub static WARN_FAILED_TO_REMOVE = ("warn.uverbs_destroy_uobject.failed", FindingKind::Warn,
        "a forced destroy fails in the driver and its object is left dangling");
);

/// `uverbs_destroy_uobject`: destroy the HW object, drop the IDR handle (DESTROY) and the list
/// membership. For DESTROY usecnt stays write locked: the caller's put decides (see
/// [`uobj_perform_destroy`]); other reasons unlock it here. When the driver refuses and the
/// destroy may be retried (`ib_is_destroy_retryable`: a DESTROY, or a destroy-all's retryable
/// passes) nothing changes and the error is returned; otherwise the kernel WARNs and leaves the
/// object's memory dangling.
pub fn uverbs_destroy_uobject(
    k: &Kernel,
    cur: &Task,
    h: Handle<Uobject>,
    reason: Reason,
) -> KResult<Result<(), Errno>> {
    let uobj = k
        .uobjects
        .deref("uverbs_destroy_uobject", h, "Read of object");
    assert_uverbs_usecnt(k, h, &uobj, LookupMode::Write, "uverbs_destroy_uobject");
    let ufile_h = uobj.ufile;
    let ufile = k.ufiles.get(ufile_h);
    // `if (uobj->object) { destroy_hw(); uobj->object = NULL; }`: a plain read and a later
    // store. Only the usecnt WRITE lock and hw_destroy_rwsem keep a second destroyer out.
    let object = uobj.object.load("uverbs_destroy_uobject.object");
    if object != 0 {
        let destroyed = match (uobj.ty, Handle::<Mr>::decode(object)) {
            (UobjType::Mr, Some(mr)) => uverbs_free_mr(k, cur, mr)?,
            // The channel file persists (fds cannot be revoked); only its uobject is torn down.
            _ => Ok(()),
        };
        if let Err(e) = destroyed {
            let retryable = reason == Reason::Destroy
                || ufile
                    .cleanup_retryable
                    .load(std::sync::atomic::Ordering::Relaxed);
            if retryable {
                return Ok(Err(e));
            }
            warn_failed_to_remove(k, h, uobj.id, e);
        }
        uobj.object.store("uverbs_destroy_uobject.object_null", 0);
    }
    if reason == Reason::Destroy {
        // remove_handle: xa_erase, then put the IDR's reference.
        ufile.idr[uobj.id].swap("remove_handle.xa_erase", 0);
        uverbs_uobject_put(k, h, &Holder::Obj(ufile_h.obj(), "idr"));
    } else {
        uobj.usecnt.store("__uverbs_cleanup_ufile.usecnt", 0);
    }
    let was_listed = {
        let mut list = ufile
            .uobjects
            .lock("uverbs_destroy_uobject.uobjects_lock")?;
        let pos = list.iter().position(|u| *u == h);
        if let Some(p) = pos {
            list.remove(p);
        }
        pos.is_some()
    };
    if was_listed {
        uverbs_uobject_put(k, h, &Holder::Obj(ufile_h.obj(), "uobjects"));
    }
    Ok(Ok(()))
}

fn warn_failed_to_remove(k: &Kernel, h: Handle<Uobject>, id: usize, e: Errno) {
    let (_, oracle) = crate::sync::current_oracle();
    let name = k.uobjects.name(h);
    oracle.warn(
        &WARN_FAILED_TO_REMOVE,
        "drivers/infiniband/core/rdma_core.c",
        "uverbs_destroy_uobject",
        "WARN(true, \"ib_uverbs: failed to remove uobject id %d, driver err=%d\")",
        Some(name.clone()),
        vec![format!(
            "{name} (id {id}): the driver returned {e}; its object dangles"
        )],
    );
}

/// Create a completion channel: an FD-type uobject whose struct file holds the uobject and,
/// through it, the ufile (a child fd: G2). Returns the new file, held by the task.
pub fn create_comp_channel(
    k: &Kernel,
    cur: &Task,
    ufile_h: Handle<Ufile>,
) -> KResult<Result<Handle<File>, Errno>> {
    let ufile = k.ufiles.get(ufile_h);
    let _r = match rdma_alloc_begin_uobject(&ufile) {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let uobj = alloc_uobj(k, cur, ufile_h, UobjType::CompChannel, usize::MAX);
    let file = crate::vfs::file::alloc_file(
        k,
        "alloc_begin_fd_uobject.alloc_file",
        crate::vfs::file::FileKind::CompChannel {
            ufile: ufile_h,
            uobj,
        },
        "[infinibandevent]",
        Holder::Task(cur.tid, "create"),
    );
    let (_, oracle) = crate::sync::current_oracle();
    // The allocation's reference becomes the file's private_data.
    oracle.rehold(
        uobj.obj(),
        &Holder::Task(cur.tid, "alloc_uobj"),
        crate::vfs::file::field(file, "private_data"),
    );
    ufile.kref.get(
        "alloc_commit_fd_uobject.kref_get_ufile",
        crate::vfs::file::field(file, "ufile"),
    );
    k.uobjects
        .get(uobj)
        .object
        .store("alloc_commit_fd_uobject.object", file.encode());
    rdma_alloc_commit_uobject(k, cur, &ufile, ufile_h, uobj)?;
    // The caller installs the fd next: the file becomes reachable.
    k.proposal.child_file(k, cur, file, ufile_h)?;
    Ok(Ok(file))
}

/// `uverbs_close_fd` (release of a completion channel): try-lock the uobject for destroy unless a
/// destroy-all runs, then drop the ufile and uobject references the file held.
pub fn uverbs_close_fd(
    k: &Kernel,
    cur: &Task,
    file: Handle<File>,
    ufile_h: Handle<Ufile>,
    h: Handle<Uobject>,
) -> KResult<()> {
    // `uobj->ufile`, reached through the file's counted reference (G2): a checked read, so a
    // ufile freed under the file (a reference not taken) is the use-after-free it is.
    let ufile = k
        .ufiles
        .deref("uverbs_close_fd.ufile", ufile_h, "Read of hw_destroy_rwsem");
    if let Some(_r) = ufile
        .hw_destroy_rwsem
        .down_read_trylock("uverbs_close_fd.down_read_trylock")
    {
        let uobj = k
            .uobjects
            .deref("uverbs_close_fd.usecnt", h, "Read of usecnt");
        // "lookup_get_fd_uobject holds the kref on the struct file any time a FD uobj is locked,
        // which prevents this release method from being invoked. Meaning we can always get the
        // write lock here, or we have a kernel bug."
        let (found, _) =
            uverbs_try_lock_object(&uobj, LookupMode::Write, "uverbs_close_fd.usecnt_write");
        if found != 0 {
            warn_usecnt(k, h, &WARN_CLOSE_FD_USECNT, "uverbs_close_fd", found);
        }
        // An FD object's destroy_hw cannot fail here: the result is always Ok.
        let _ = uverbs_destroy_uobject(k, cur, h, Reason::Close)?;
    }
    if ufile.kref.put(
        "uverbs_close_fd.kref_put_ufile",
        &crate::vfs::file::field(file, "ufile"),
    ) {
        crate::rdma::uverbs::ufile::ib_uverbs_release_file(k, cur, ufile_h)?;
    }
    uverbs_uobject_put(k, h, &crate::vfs::file::field(file, "private_data"));
    Ok(())
}

/// `uverbs_try_lock_object`: READ is `atomic_add_unless(usecnt, 1, -1)`, WRITE is
/// `atomic_cmpxchg(usecnt, 0, -1)`; never blocks. Returns what it found (WRITE took the lock when
/// that is 0, READ when it is not -1) and whether it changed usecnt: a mutation plan can remove
/// the acquisition at `step` (a lock named `usecnt`), and then nothing is to be unlocked.
pub fn uverbs_try_lock_object(uobj: &Uobject, mode: LookupMode, step: Step) -> (i64, bool) {
    let removed = crate::sync::with_current(|_, oracle| oracle.lock_removed(step, "usecnt"));
    if removed {
        return (0, false);
    }
    let found = match mode {
        LookupMode::Read => uobj.usecnt.add_unless(step, 1, -1),
        LookupMode::Write => uobj.usecnt.cmpxchg(step, 0, -1),
        // A LOOKUP_DESTROY lookup locks nothing (uobj_destroy takes WRITE later).
        LookupMode::Destroy => return (0, false),
    };
    (found, true)
}

/// `enum rdma_lookup_mode`: how a lookup locked usecnt, and so how its put unlocks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupMode {
    /// Shared (usecnt > 0).
    Read,
    /// Exclusive (usecnt -1); the put sets it back to 0.
    Write,
    /// DESTROY: the put leaves usecnt alone (-1 after a successful destroy).
    Destroy,
}

crate::declare_check!(
    /// `WARN_ON(old != NULL)` in `alloc_commit_idr_uobject`: the handle reserved at
    /// `alloc_begin` was taken by something else before the commit.
    pub static WARN_XA_STORE_OLD = ("warn.alloc_commit_idr_uobject.xa_store", FindingKind::Warn,
        "the IDR handle reserved for a new uobject is not empty at commit");
);
crate::declare_check!(
    /// `WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE))` in `uverbs_close_fd`
    /// (`uverbs_uobject_fd_release` from v5.6).
    pub static WARN_CLOSE_FD_USECNT = ("warn.uverbs_close_fd.usecnt", FindingKind::Warn,
        "the release of an FD object finds it locked by a lookup");
);
crate::declare_check!(
    /// `WARN_ON(uverbs_try_lock_object(obj, UVERBS_LOOKUP_WRITE))` in `__uverbs_cleanup_ufile`.
    pub static WARN_CLEANUP_USECNT = ("warn.__uverbs_cleanup_ufile.usecnt", FindingKind::Warn,
        "destroy-all finds a uobject locked by a lookup");
);
crate::declare_check!(
    /// `assert_uverbs_usecnt` (CONFIG_LOCKDEP): `WARN_ON(atomic_read(&uobj->usecnt) != -1)` on
    /// entry to `uverbs_destroy_uobject`, `WARN_ON(atomic_read(&uobj->usecnt) <= 0)` in
    /// `rdma_lookup_put_uobject(READ)`.
    pub static WARN_ASSERT_USECNT = ("warn.assert_uverbs_usecnt", FindingKind::Warn,
        "a uobject is destroyed or its lookup put without holding its usecnt lock");
);

/// destroy-all's `WARN_ON(uverbs_try_lock_object(obj, UVERBS_LOOKUP_WRITE))`, which found
/// `found`.
pub fn warn_cleanup_usecnt(k: &Kernel, h: Handle<Uobject>, found: i64) {
    warn_usecnt(k, h, &WARN_CLEANUP_USECNT, "__uverbs_cleanup_ufile", found);
}

/// The text of `uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE)` failing, found `found`.
fn warn_usecnt(
    k: &Kernel,
    h: Handle<Uobject>,
    check: &'static crate::oracle::Check,
    function: &str,
    found: i64,
) {
    let (_, oracle) = crate::sync::current_oracle();
    let name = k.uobjects.name(h);
    let holders = match found {
        -1 => "locked for WRITE (a destroy, or an uncommitted allocation)".to_string(),
        n => format!("held for READ by {n} lookup(s)"),
    };
    oracle.warn(
        check,
        "drivers/infiniband/core/rdma_core.c",
        function,
        "WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE))",
        Some(name.clone()),
        vec![format!("{name} usecnt {found}: {holders}")],
    );
}

/// `assert_uverbs_usecnt` (CONFIG_LOCKDEP builds): the caller holds the usecnt lock it is about
/// to use. A debug check of the kernel: a plain `atomic_read` that orders nothing, modelled as an
/// engine access all the same (see below). For `UVERBS_LOOKUP_DESTROY` the kernel's switch reads
/// nothing (`case UVERBS_LOOKUP_DESTROY: break;`), and neither does the model.
fn assert_uverbs_usecnt(
    k: &Kernel,
    h: Handle<Uobject>,
    uobj: &Uobject,
    mode: LookupMode,
    function: crate::sync::Step,
) {
    // No read for DESTROY: it was an RMW of zero made for no decision, and it ordered each
    // DEREG_MR's put after every usecnt access of the other thread (s05 unbounded, all 40
    // cells: 2,783,075 loom executions with it, 1,074,853 without).
    // A mutation plan that removes a usecnt acquisition does not count this assertion of the lock
    // it removed: it would flag the removal in any scenario, race or not.
    let (_, oracle) = crate::sync::current_oracle();
    if mode == LookupMode::Destroy
        || matches!(
            oracle.mutation(),
            Some(crate::oracle::Mutation::Lock { lock: "usecnt", .. })
        )
    {
        return;
    }
    // The kernel's atomic_read, as an engine access: the WARN decides on another thread's
    // usecnt writes, so loom must order it against them (a `peek` here is invisible to its
    // dependency tracking, and an unbounded search missed the WARN in s19). An RMW of zero rather
    // than a load: it reads the latest value, as `peek` did, instead of any older one loom's
    // loads may return. Logged under the caller's name, where the WARN is reported. A load would
    // be the kernel's kind of access, but here it precedes the same thread's own usecnt RMW (the
    // unlock, or the destroy's error-path reset): the shape in which loom 0.7 can miss the race
    // of an earlier load (tokio-rs/loom#166). Measured, it would not save an execution either:
    // s05 unbounded, context@k53 11,979 and counted-backptr@v5.6 130,174 both ways.
    let usecnt = uobj.usecnt.fetch_add(function, 0);
    let (bad, condition) = match mode {
        LookupMode::Read => (usecnt <= 0, "WARN_ON(atomic_read(&uobj->usecnt) <= 0)"),
        LookupMode::Write => (usecnt != -1, "WARN_ON(atomic_read(&uobj->usecnt) != -1)"),
        LookupMode::Destroy => unreachable!("assert_uverbs_usecnt reads nothing for DESTROY"),
    };
    if bad {
        let name = k.uobjects.name(h);
        oracle.warn(
            &WARN_ASSERT_USECNT,
            "drivers/infiniband/core/rdma_core.c",
            function,
            condition,
            Some(name.clone()),
            vec![format!(
                "assert_uverbs_usecnt({name}, {mode:?}): usecnt is {usecnt}"
            )],
        );
    }
}

/// `ib_uverbs_write`'s FD-object attribute: `lookup_get_fd_uobject` (fget of the channel fd,
/// the f_op check, the same-ufile check, `uverbs_uobject_get`), then `rdma_lookup_get_uobject`'s
/// disassociation check and usecnt READ lock. On success the task holds the file (`fget`) and a
/// uobject reference (`lookup`), both dropped by [`rdma_lookup_put_uobject`].
pub fn lookup_get_fd_uobject(
    k: &Kernel,
    cur: &Task,
    ufile_h: Handle<Ufile>,
    p: &Process,
    fd: usize,
) -> KResult<Result<(Handle<Uobject>, bool), Errno>> {
    let fget_holder = Holder::Task(cur.tid, "fget");
    let Some(f) = fget(k, cur, p, fd, "fget")? else {
        return Ok(Err(Errno::EBADF));
    };
    let FileKind::CompChannel { uobj: h, .. } = k.files.get(f).kind else {
        fput(k, cur, "lookup_get.fput", f, &fget_holder)?;
        return Ok(Err(Errno::EBADF));
    };
    // uobject->ufile is set at allocation and never changes: no step.
    if k.variant.has(Patch::FdObjectSameUfile) && k.uobjects.get(h).ufile != ufile_h {
        fput(k, cur, "lookup_get.fput", f, &fget_holder)?;
        return Ok(Err(Errno::EBADF));
    }
    let uobj = k.uobjects.get(h);
    uobj.kref.get(
        "lookup_get_fd.uverbs_uobject_get",
        Holder::Task(cur.tid, "lookup"),
    );
    let dev = &k.devices[k.ufiles.get(ufile_h).device];
    let mut locked = false;
    let failed = if dev.ib_dev.load("rdma_lookup_get_uobject.ib_dev") == 0 {
        Some(Errno::EIO)
    } else {
        let (found, changed) =
            uverbs_try_lock_object(&uobj, LookupMode::Read, "lookup_get.usecnt_read");
        locked = changed;
        (found == -1).then_some(Errno::EBUSY)
    };
    if let Some(e) = failed {
        // free: lookup_put (the fput), then the lookup's uobject reference.
        lookup_put_fd_uobject(k, cur, h)?;
        uverbs_uobject_put(k, h, &Holder::Task(cur.tid, "lookup"));
        return Ok(Err(e));
    }
    Ok(Ok((h, locked)))
}

/// `lookup_put_fd_uobject`: `fput(uobj->object)`, the file the lookup's `fget` counted.
fn lookup_put_fd_uobject(k: &Kernel, cur: &Task, h: Handle<Uobject>) -> KResult<()> {
    let uobj = k.uobjects.get(h);
    match Handle::<File>::decode(uobj.object.load("lookup_put.object")) {
        Some(filp) => fput(
            k,
            cur,
            "lookup_put.fput",
            filp,
            &Holder::Task(cur.tid, "fget"),
        ),
        None => {
            let (_, oracle) = crate::sync::current_oracle();
            let name = k.uobjects.name(h);
            oracle.report(
                &crate::oracle::check::KASAN_NULL_DEREF,
                cur.tid,
                "BUG: KASAN: null-ptr-deref in fput_many".into(),
                Some(name.clone()),
                vec![
                    format!(
                        "Write of f_count of file NULL (object of {name}) by task {} at \
                         lookup_put.fput",
                        cur.name
                    ),
                    format!("{name} was destroyed by its own ufile (object = NULL) while its fd stayed open"),
                ],
            );
            Ok(())
        }
    }
}

/// `rdma_lookup_put_uobject(READ)` for an FD object: `assert_uverbs_usecnt`, the usecnt unlock
/// and `lookup_put` (fput) in the fixed order (unlock first, f0abc761bbb9) or the pre-fix one
/// (fput first: a concurrent close's fput can then be the last, and its release finds the object
/// still locked), then the lookup's uobject reference.
pub fn rdma_lookup_put_uobject(
    k: &Kernel,
    cur: &Task,
    h: Handle<Uobject>,
    locked: bool,
) -> KResult<()> {
    let uobj = k
        .uobjects
        .deref("rdma_lookup_put_uobject", h, "Read of usecnt");
    assert_uverbs_usecnt(k, h, &uobj, LookupMode::Read, "rdma_lookup_put_uobject");
    let unlock = || {
        if locked {
            uobj.usecnt.fetch_add("lookup_put.usecnt_unlock", -1);
        }
    };
    if !k.variant.has(Patch::LookupPutLast) {
        lookup_put_fd_uobject(k, cur, h)?;
        unlock();
    } else {
        unlock();
        lookup_put_fd_uobject(k, cur, h)?;
    }
    uverbs_uobject_put(k, h, &Holder::Task(cur.tid, "lookup"));
    Ok(())
}

/// A command on the uverbs file `file` that uses the completion channel at `channel` (an fd of
/// `p`) as a READ attribute: the `ib_uverbs_write` prelude (SRCU read section, -EIO once
/// disassociated), [`lookup_get_fd_uobject`], the handler, [`rdma_lookup_put_uobject`].
pub fn use_comp_channel(
    k: &Kernel,
    cur: &Task,
    file: Handle<File>,
    p: &Process,
    channel: usize,
) -> KResult<Result<(), Errno>> {
    let Some(ufile_h) = crate::rdma::uverbs::ufile::uverbs_private_data(k, file) else {
        return Ok(Err(Errno::EINVAL));
    };
    let dev = &k.devices[k.ufiles.get(ufile_h).device];
    let _srcu = match dev.uverbs_cmd_begin()? {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let (h, locked) = match lookup_get_fd_uobject(k, cur, ufile_h, p, channel)? {
        Ok(got) => got,
        Err(e) => return Ok(Err(e)),
    };
    rdma_lookup_put_uobject(k, cur, h, locked)?;
    Ok(Ok(()))
}
