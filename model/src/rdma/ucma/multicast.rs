//! `struct ucma_multicast`: a multicast join of a context, found by id in `multicast_table`.
//! `ucma_process_join` allocates it on the context's `mc_list` and joins; `ucma_leave_multicast`
//! finds it by id, takes a context reference, erases the id and frees it.
//!
//! CVE-2018-14734 (cb2595c1393b "infiniband: fix a possible use-after-free bug"): the id used to
//! be published with the multicast at allocation, so a leave could find it while the join was
//! still failing (its copy_to_user) and freeing it. Since the fix the id is reserved with a NULL
//! entry and the multicast stored last, once the join cannot fail any more.

use crate::heap::Handle;
use crate::kernel::{Kernel, Patch};
use crate::oracle::Holder;
use crate::rdma::ucma::context::{ctx_file, ucma_get_ctx, ucma_put_ctx, UcmaContext};
use crate::rdma::ucma::file::UcmaFile;
use crate::rdma::ucma::IDS_MAX;
use crate::task::Task;
use crate::{Errno, KResult};

/// `struct ucma_multicast`.
pub struct UcmaMulticast {
    /// `ctx`: the context it belongs to (uncounted: the context frees its multicasts).
    pub ctx: Handle<UcmaContext>,
    /// `id` in `multicast_table`.
    pub id: usize,
}

fn mc_list(ctx: Handle<UcmaContext>) -> Holder {
    Holder::Obj(ctx.obj(), "mc_list")
}

/// `ucma_alloc_multicast` (the caller holds the file's `mut`): a multicast on the context's
/// `mc_list`, its id reserved (published at once before cb2595c1393b).
fn ucma_alloc_multicast(
    k: &Kernel,
    ctx_h: Handle<UcmaContext>,
) -> KResult<Result<Handle<UcmaMulticast>, Errno>> {
    let mut table = k
        .ucma
        .multicast_table
        .lock("ucma_alloc_multicast.xa_lock")?;
    if table.len() >= IDS_MAX {
        return Ok(Err(Errno::ENOMEM));
    }
    let id = table.len();
    let mc = k
        .ucma_multicasts
        .alloc("ucma_alloc_multicast.kzalloc", |_| UcmaMulticast {
            ctx: ctx_h,
            id,
        });
    let publish = !k.variant.has(Patch::UcmaJoinPublishLast);
    table.push(publish.then_some(mc));
    drop(table);
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(mc.obj(), mc_list(ctx_h));
    let ctx = k.ucma_contexts.get(ctx_h);
    ctx.mc_list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(mc);
    Ok(Ok(mc))
}

/// `list_del(&mc->list)` (the caller holds the file's `mut`): take `mc` off its context's
/// `mc_list`. The caller moves or drops the list's hold on it.
fn mc_list_del(k: &Kernel, mc: Handle<UcmaMulticast>, ctx_h: Handle<UcmaContext>) {
    let ctx = k.ucma_contexts.get(ctx_h);
    ctx.mc_list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|m| *m != mc);
}

/// Take `mc` off its context's list and free it (the caller holds the file's `mut`).
fn ucma_free_multicast(
    k: &Kernel,
    mc: Handle<UcmaMulticast>,
    ctx_h: Handle<UcmaContext>,
    step: crate::sync::Step,
) {
    mc_list_del(k, mc, ctx_h);
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(mc.obj(), &mc_list(ctx_h));
    k.ucma_multicasts.free(step, mc);
}

/// `ucma_process_join` of context `id` on `file`: allocate and join, copy the multicast id to
/// user space (`bad_response`: -EFAULT), then store it in the table; on failure leave, erase the
/// id and free the multicast.
pub fn ucma_process_join(
    k: &Kernel,
    _cur: &Task,
    file: Handle<UcmaFile>,
    id: usize,
    bad_response: bool,
) -> KResult<Result<usize, Errno>> {
    let ctx_h = match ucma_get_ctx(k, file, id)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let uf = k.ucma_files.get(file);
    let result = {
        let _m = uf.ctx_list.lock("ucma_process_join.mut")?;
        match ucma_alloc_multicast(k, ctx_h)? {
            Err(e) => Err(e),
            Ok(mc) => {
                let mc_id = k.ucma_multicasts.get(mc).id;
                let mut table = k.ucma.multicast_table.lock("ucma_process_join.xa_lock")?;
                if bad_response {
                    // err3 / err2: rdma_leave_multicast, xa_erase, list_del, kfree.
                    table[mc_id] = None;
                    drop(table);
                    ucma_free_multicast(k, mc, ctx_h, "ucma_process_join.kfree");
                    Err(Errno::EFAULT)
                } else {
                    table[mc_id] = Some(mc);
                    Ok(mc_id)
                }
            }
        }
    };
    ucma_put_ctx(k, ctx_h, "ucma_process_join.put_ctx");
    Ok(result)
}

/// `ucma_leave_multicast` of multicast `mc_id` on `file`: find it, check it is this file's,
/// take a reference on its context (`atomic_inc_not_zero`) and erase the id, all under the table
/// lock; then leave, unlist under the file's `mut`, put the context, free.
pub fn ucma_leave_multicast(
    k: &Kernel,
    cur: &Task,
    file: Handle<UcmaFile>,
    mc_id: usize,
) -> KResult<Result<(), Errno>> {
    let mc = {
        let mut table = k
            .ucma
            .multicast_table
            .lock("ucma_leave_multicast.xa_lock")?;
        let Some(mc) = table.get(mc_id).copied().flatten() else {
            return Ok(Err(Errno::ENOENT));
        };
        let ctx_h = k
            .ucma_multicasts
            .deref("ucma_leave_multicast.mc", mc, "Read of ctx")
            .ctx;
        if ctx_file(k, "ucma_leave_multicast.ctx_file", ctx_h) != file {
            return Ok(Err(Errno::EINVAL));
        }
        let ctx = k.ucma_contexts.get(ctx_h);
        if ctx.refcnt.inc_not_zero("ucma_leave_multicast.ref") == 0 {
            return Ok(Err(Errno::ENXIO));
        }
        table[mc_id] = None;
        mc
    };
    let ctx_h = k
        .ucma_multicasts
        .deref("ucma_leave_multicast.mc_ctx", mc, "Read of ctx")
        .ctx;
    // The multicast leaves its context's `mc_list` under the file's `mut` and before the
    // context reference is put: once it is, a DESTROY_ID waiting on the context frees whatever
    // `ucma_cleanup_multicast` still finds there.
    let leave = Holder::Task(cur.tid, "leave");
    {
        let owner = ctx_file(k, "ucma_leave_multicast.file", ctx_h);
        let uf = k.ucma_files.get(owner);
        let _m = uf.ctx_list.lock("ucma_leave_multicast.mut")?;
        let _ = k
            .ucma_multicasts
            .deref("ucma_leave_multicast.list_del", mc, "Write of list");
        mc_list_del(k, mc, ctx_h);
        let (_, oracle) = crate::sync::current_oracle();
        oracle.rehold(mc.obj(), &mc_list(ctx_h), leave.clone());
    }
    ucma_put_ctx(k, ctx_h, "ucma_leave_multicast.put_ctx");
    let _ = k.ucma_multicasts.deref(
        "ucma_leave_multicast.events_reported",
        mc,
        "Read of events_reported",
    );
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(mc.obj(), &leave);
    k.ucma_multicasts.free("ucma_leave_multicast.kfree", mc);
    Ok(Ok(()))
}

/// `ucma_cleanup_multicast` (freeing a context): every multicast left on its `mc_list`, under the
/// context's file `mut` (v5.3 and v5.6 take `mutex_lock(&ctx->file->mut)`, not a table lock,
/// around the loop), each erased from `multicast_table` (`xa_erase`: its `xa_lock` per id) and
/// freed.
pub fn ucma_cleanup_multicast(k: &Kernel, ctx_h: Handle<UcmaContext>) -> KResult<()> {
    let file = ctx_file(k, "ucma_cleanup_multicast.file", ctx_h);
    let uf = k.ucma_files.get(file);
    let _m = uf.ctx_list.lock("ucma_cleanup_multicast.mut")?;
    let ctx = k.ucma_contexts.get(ctx_h);
    let mcs: Vec<Handle<UcmaMulticast>> = ctx
        .mc_list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for mc in mcs {
        let id = k.ucma_multicasts.get(mc).id;
        k.ucma
            .multicast_table
            .lock("ucma_cleanup_multicast.xa_erase")?[id] = None;
        ucma_free_multicast(k, mc, ctx_h, "ucma_cleanup_multicast.kfree");
    }
    Ok(())
}
