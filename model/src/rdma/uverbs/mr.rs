//! `struct ib_mr` and its commands: REG_MR (`ib_uverbs_reg_mr` between `rdma_alloc_begin_uobject`
//! and commit) and DEREG_MR (`uobj_perform_destroy`), and `ib_dereg_mr_user` (HW key first, then
//! the umem: G7).

use crate::heap::Handle;
use crate::kernel::{fault, Kernel};
use crate::oracle::Holder;
use crate::rdma::uverbs::ufile::uverbs_private_data;
use crate::rdma::uverbs::umem::{ib_umem_get, ib_umem_release, Bundle, Umem};
use crate::rdma::uverbs::uobject::{
    alloc_uobj, rdma_alloc_begin_uobject, rdma_alloc_commit_uobject, uobj_perform_destroy,
    UobjType, Uobject,
};
use crate::sync::Atomic;
use crate::task::Task;
use crate::vfs::file::File;
use crate::vfs::process::Process;
use crate::{Errno, KResult, Name};

/// `struct ib_mr` (with the driver's container fields the model needs).
pub struct Mr {
    /// The pinned memory.
    pub umem: Handle<Umem>,
    /// The HW key: 1 while the device may DMA into the pages.
    pub hw_key: Atomic,
    /// The uobject that owns it.
    pub uobject: Handle<Uobject>,
}

/// REG_MR on `file` over `pages` pages of data file `data` by a task of process `p` (its mm and
/// thread group are `current`'s for GUP): returns the MR handle.
pub fn ib_uverbs_reg_mr(
    k: &Kernel,
    cur: &Task,
    p: &Process,
    file: Handle<File>,
    data: usize,
    pages: u32,
) -> KResult<Result<usize, Errno>> {
    let Some(ufile_h) = uverbs_private_data(k, file) else {
        return Ok(Err(Errno::EBADF));
    };
    let ufile = k.ufiles.get(ufile_h);
    let _srcu = match k.devices[ufile.device].uverbs_cmd_begin()? {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let begun = match rdma_alloc_begin_uobject(&ufile) {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let id = ufile.idr_next.fetch_add("alloc_begin.xa_alloc", 1) as usize;
    if id >= ufile.idr.len() {
        return Ok(Err(Errno::ENOMEM));
    }
    let uobj = alloc_uobj(k, cur, ufile_h, UobjType::Mr, id);
    // Driver reg_user_mr -> ib_umem_get with the bundle (the syscall's file and ufile) and
    // `current` (its mm and thread group).
    let bundle = Bundle {
        file,
        ufile: ufile_h,
        mm: p.mm,
        tgid: Name::clone(&p.name),
    };
    let umem = match ib_umem_get(k, cur, &bundle, data, pages)? {
        Ok(u) => u,
        Err(e) => {
            rdma_alloc_abort_uobject(k, cur, &ufile, uobj, id);
            return Ok(Err(e));
        }
    };
    // The driver allocates its MR, then creates the HW key with a FW command that can fail (a
    // fault point): it then releases the umem it pinned and the core aborts the uobject.
    let fails = fault("reg_user_mr.create_mkey");
    let mr = k.mrs.alloc("reg_user_mr.alloc_mr", |_| Mr {
        umem,
        hw_key: Atomic::new(i64::from(!fails)),
        uobject: uobj,
    });
    let _ = k.umems.get(umem).mapped_by.set(mr);
    let (_, oracle) = crate::sync::current_oracle();
    if fails {
        ib_umem_release(k, cur, umem)?;
        oracle.unhold(umem.obj(), &Holder::Task(cur.tid, "ib_umem_get"));
        k.mrs.free("reg_user_mr.kfree", mr);
        rdma_alloc_abort_uobject(k, cur, &ufile, uobj, id);
        return Ok(Err(Errno::ENOMEM));
    }
    oracle.hold(mr.obj(), Holder::Obj(uobj.obj(), "object"));
    oracle.rehold(
        umem.obj(),
        &Holder::Task(cur.tid, "ib_umem_get"),
        Holder::Obj(mr.obj(), "umem"),
    );
    k.uobjects
        .get(uobj)
        .object
        .store("ib_uverbs_reg_mr.uobj_object", mr.encode());
    rdma_alloc_commit_uobject(k, cur, &ufile, ufile_h, uobj)?;
    // rdma_alloc_commit_uobject ends with up_read(hw_destroy_rwsem): REG_MR is committed.
    drop(begun);
    oracle.pin_committed(umem.obj());
    Ok(Ok(id))
}

/// `rdma_alloc_abort_uobject` of a REG_MR that failed: the reserved handle is erased and the
/// allocation's reference dropped (the caller's `hw_destroy_rwsem` read guard is dropped after).
fn rdma_alloc_abort_uobject(
    k: &Kernel,
    cur: &Task,
    ufile: &crate::rdma::uverbs::ufile::Ufile,
    uobj: Handle<Uobject>,
    id: usize,
) {
    crate::rdma::uverbs::uobject::uverbs_uobject_put(k, uobj, &Holder::Task(cur.tid, "alloc_uobj"));
    ufile.idr[id].store("alloc_abort.xa_erase", 0);
}

/// DEREG_MR of handle `id` through `file`.
pub fn ib_uverbs_dereg_mr(
    k: &Kernel,
    cur: &Task,
    file: Handle<File>,
    id: usize,
) -> KResult<Result<(), Errno>> {
    let Some(ufile_h) = uverbs_private_data(k, file) else {
        return Ok(Err(Errno::EBADF));
    };
    let ufile = k.ufiles.get(ufile_h);
    let dev = &k.devices[ufile.device];
    // DESTROY commands are allowed after disassociate.
    let _srcu = dev.srcu.down_read("ib_uverbs_write.srcu_read_lock")?;
    uobj_perform_destroy(k, cur, &ufile, id)
}

/// `uverbs_free_mr` → `ib_dereg_mr_user`: the driver destroys the HW key (DMA stops), then
/// releases the umem; the MR is freed. The driver may refuse with -EBUSY first (a fault point):
/// nothing changes, and the caller decides whether to retry.
pub fn uverbs_free_mr(k: &Kernel, cur: &Task, mr_h: Handle<Mr>) -> KResult<Result<(), Errno>> {
    let mr = k.mrs.deref("ib_dereg_mr_user", mr_h, "Read of mr");
    // The driver may refuse (-EBUSY: the MR is still in use, e.g. a memory window bound to it).
    if fault("ib_dereg_mr_user.dereg_mr_busy") {
        return Ok(Err(Errno::EBUSY));
    }
    crate::sync::current_oracle()
        .1
        .pin_destroy_begun(mr.umem.obj());
    mr.hw_key.store("dereg_mr.destroy_mkey", 0);
    ib_umem_release(k, cur, mr.umem)?;
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(mr.umem.obj(), &Holder::Obj(mr_h.obj(), "umem"));
    oracle.unhold(mr_h.obj(), &Holder::Obj(mr.uobject.obj(), "object"));
    k.mrs.free("ib_dereg_mr_user.kfree", mr_h);
    Ok(Ok(()))
}
