//! `struct ib_uobject`: kref, the usecnt try-lock (-1 exclusive, 0 free, N readers), allocation
//! (`rdma_alloc_begin_uobject` .. commit), lookups, `uobj_destroy`, `uverbs_destroy_uobject` and
//! the FD-type release `uverbs_close_fd`.
//!
//! kref holders (docs/kernel.md §1.6): the allocation's stack ref (moved into the IDR at commit),
//! the `uobjects` list membership, lookups, and for FD types the file's private_data.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::Holder;
use crate::rcu::Deferred;
use crate::rdma::uverbs::mr::{uverbs_free_mr, Mr};
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::{Atomic, RwSemReadGuard};
use crate::task::Task;
use crate::vfs::file::{fput, File};
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
        ufile.idr[uobj.id].store("alloc_commit.xa_store", h.encode());
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

/// Drop a reference; at zero free the memory (IDR types through `kfree_rcu`).
pub fn uverbs_uobject_put(k: &Kernel, h: Handle<Uobject>, holder: &Holder) {
    let uobj = k.uobjects.get(h);
    if uobj.kref.put("uverbs_uobject_put", holder) {
        k.rcu
            .call_rcu(k, "uverbs_uobject_free.kfree_rcu", Deferred::Uobject(h));
    }
}

/// `rdma_lookup_get_uobject(LOOKUP_DESTROY)` for an IDR handle: RCU `xa_load` +
/// `kref_get_unless_zero`; the lookup reference is held by the task.
pub fn lookup_get_destroy(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    id: usize,
) -> Result<Handle<Uobject>, Errno> {
    let Some(slot) = ufile.idr.get(id) else {
        return Err(Errno::ENOENT);
    };
    k.rcu.read_lock("lookup_get.rcu_read_lock", cur.tid);
    let found = Handle::<Uobject>::decode(slot.load("lookup_get.xa_load"));
    let got = found.filter(|&h| {
        // RCU keeps the memory valid (kfree_rcu), so the kref is read without a liveness check.
        k.uobjects.get(h).kref.get_unless_zero(
            "lookup_get.kref_get_unless_zero",
            Holder::Task(cur.tid, "lookup"),
        )
    });
    k.rcu.read_unlock(k, "lookup_get.rcu_read_unlock", cur.tid);
    got.ok_or(Errno::ENOENT)
}

/// `uobj_destroy` + `uobj_put_destroy`: DESTROY of an IDR uobject the task looked up.
pub fn uobj_destroy(
    k: &Kernel,
    cur: &Task,
    ufile: &Ufile,
    h: Handle<Uobject>,
) -> KResult<Result<(), Errno>> {
    let result = {
        let _r = ufile.hw_destroy_rwsem.down_read("uobj_destroy.down_read")?;
        let uobj = k.uobjects.get(h);
        if uobj.usecnt.cmpxchg("uobj_destroy.usecnt_write", 0, -1) != 0 {
            Err(Errno::EBUSY)
        } else {
            uverbs_destroy_uobject(k, cur, h, Reason::Destroy)?;
            Ok(())
        }
    };
    uverbs_uobject_put(k, h, &Holder::Task(cur.tid, "lookup"));
    Ok(result)
}

/// `uverbs_destroy_uobject`: destroy the HW object, drop the IDR handle (DESTROY) and the list
/// membership. After a successful DESTROY usecnt stays -1 so stale lookups get -EBUSY (the 2020
/// "Fix double destruction of uobject"); the pre-fix variant resets it to 0.
pub fn uverbs_destroy_uobject(
    k: &Kernel,
    cur: &Task,
    h: Handle<Uobject>,
    reason: Reason,
) -> KResult<()> {
    let uobj = k
        .uobjects
        .deref("uverbs_destroy_uobject", h, "Read of object");
    let ufile_h = uobj.ufile;
    let ufile = k.ufiles.get(ufile_h);
    let object = uobj.object.swap("uverbs_destroy_uobject.object", 0);
    if object != 0 {
        match uobj.ty {
            UobjType::Mr => {
                if let Some(mr) = Handle::<Mr>::decode(object) {
                    uverbs_free_mr(k, cur, mr)?;
                }
            }
            // The channel file persists (fds cannot be revoked); only its uobject is torn down.
            UobjType::CompChannel => {}
        }
    }
    if reason == Reason::Destroy {
        // remove_handle: xa_erase, then put the IDR's reference.
        ufile.idr[uobj.id].swap("remove_handle.xa_erase", 0);
        uverbs_uobject_put(k, h, &Holder::Obj(ufile_h.obj(), "idr"));
        if k.variant.double_destroy_bug {
            uobj.usecnt.store("uobj_destroy.usecnt_unlock", 0);
        }
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
    Ok(())
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
    let ufile = k.ufiles.get(ufile_h);
    if let Some(_r) = ufile
        .hw_destroy_rwsem
        .down_read_trylock("uverbs_close_fd.down_read_trylock")
    {
        let uobj = k
            .uobjects
            .deref("uverbs_close_fd.usecnt", h, "Read of usecnt");
        // WARN_ON(!uverbs_try_lock_object(WRITE)): a lookup still holds it (f0abc761bbb9).
        let _ = uobj.usecnt.cmpxchg("uverbs_close_fd.usecnt_write", 0, -1);
        uverbs_destroy_uobject(k, cur, h, Reason::Close)?;
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

/// A command using the completion channel `channel` as a READ attribute: `fget`, usecnt READ,
/// the handler, then `rdma_lookup_put_uobject`: usecnt dropped before the fput (after
/// f0abc761bbb9) or after it (the pre-fix order).
pub fn use_comp_channel(
    k: &Kernel,
    cur: &Task,
    channel: Handle<File>,
    uobj_h: Handle<Uobject>,
) -> KResult<Result<(), Errno>> {
    let holder = Holder::Task(cur.tid, "fget");
    let uobj = k.uobjects.get(uobj_h);
    if uobj.usecnt.add_unless("lookup_get.usecnt_read", 1, -1) == -1 {
        fput(k, cur, "lookup_get.fput", channel, &holder)?;
        return Ok(Err(Errno::EBUSY));
    }
    if k.variant.fput_before_unlock_bug {
        fput(k, cur, "lookup_put.fput", channel, &holder)?;
        let uobj = k
            .uobjects
            .deref("lookup_put.usecnt", uobj_h, "Write of usecnt");
        uobj.usecnt.fetch_add("lookup_put.usecnt_unlock", -1);
    } else {
        let uobj = k
            .uobjects
            .deref("lookup_put.usecnt", uobj_h, "Write of usecnt");
        uobj.usecnt.fetch_add("lookup_put.usecnt_unlock", -1);
        fput(k, cur, "lookup_put.fput", channel, &holder)?;
    }
    Ok(Ok(()))
}
