//! `struct ucma_context`: one CM id of a ucma file. `ref` counts the commands using it
//! (`ucma_get_ctx` / `ucma_put_ctx`, an `atomic_t`, not a `refcount_t`) plus one for the id
//! itself; destroy drops that one and waits on `comp` until the commands are done, then frees it.
//! `file` says which ucma file owns it; `ucma_migrate_id` changes it.

use crate::heap::Handle;
use crate::kernel::{Kernel, Patch};
use crate::rdma::ucma::file::{ctx_list, UcmaFile};
use crate::rdma::ucma::multicast::ucma_cleanup_multicast;
use crate::rdma::ucma::IDS_MAX;
use crate::sync::{Atomic, Completion, Step};
use crate::task::Task;
use crate::{Errno, KResult};

/// `struct ucma_context`.
pub struct UcmaContext {
    /// `id` in `ctx_table`.
    pub id: usize,
    /// `ref`.
    pub refcnt: Atomic,
    /// `comp`: completed when `ref` reaches zero.
    pub comp: Completion,
    /// `file` (encoded `Handle<UcmaFile>`): the owner, changed by migrate.
    pub file: Atomic,
    /// `cm_id`: 1 once the CM id exists (lookups refuse a half-created context).
    pub cm_id: Atomic,
    /// `closing`: always 0 here. In v5.3 and v5.6 only `ucma_removal_event_handler` sets it (under
    /// the `ctx_table` `xa_lock`), when the RDMA CM reports `RDMA_CM_EVENT_DEVICE_REMOVAL` for the
    /// context's own CM id; it then queues the context's `close_work` (`ucma_close_id`: put the
    /// id's reference, wait on `comp`, `rdma_destroy_id`). `ucma_get_ctx` refuses a closing
    /// context (-EIO), and `ucma_destroy_id` / `ucma_close` (after `flush_workqueue(close_wq)`)
    /// skip the put, the wait and `rdma_destroy_id` that the work already did, and only free.
    /// The model has no CM id, so no removal event and no `close_work`: nothing writes it. The
    /// reads stay, under the `xa_lock` the kernel takes for them, so the paths keep the kernel's
    /// lock acquisitions; with no writer they add no ordering (FIGURES: a plain read measured
    /// the same counts). v5.10 dropped the field (the reworked `__destroy_id` uses `ref`).
    pub closing: Atomic,
    /// `destroying`: set by `ucma_destroy_id` and `ucma_close` before they drop the id's
    /// reference. Only the CM event handlers read it (`ucma_event_handler`,
    /// `ucma_removal_event_handler`: not modelled), so it is a plain flag beside the model, not
    /// an engine atomic: two writes of 1 that nothing reads cannot change an outcome, yet as
    /// engine stores loom ordered them both ways. The write's use-after-free check is the
    /// checked dereference before it (`Write of destroying`).
    pub destroying: std::sync::atomic::AtomicBool,
    /// `mc_list` (under the file's `mut`): the context's multicasts.
    pub mc_list: std::sync::Mutex<Vec<Handle<crate::rdma::ucma::multicast::UcmaMulticast>>>,
}

/// The file that owns `ctx` now (`ctx->file`): one checked read of the context.
pub fn ctx_file(k: &Kernel, step: Step, ctx_h: Handle<UcmaContext>) -> Handle<UcmaFile> {
    let ctx = k.ucma_contexts.deref(step, ctx_h, "Read of file");
    Handle::decode(ctx.file.load(step)).expect("a context always has a file")
}

/// `_ucma_find_context` (the caller holds the `ctx_table` `xa_lock`): the context of `id` if it belongs to `file`
/// and its CM id exists.
fn find(
    k: &Kernel,
    table: &[Option<Handle<UcmaContext>>],
    id: usize,
    file: Handle<UcmaFile>,
    step: Step,
) -> Result<Handle<UcmaContext>, Errno> {
    let Some(ctx_h) = table.get(id).copied().flatten() else {
        return Err(Errno::ENOENT);
    };
    let ctx = k.ucma_contexts.deref(step, ctx_h, "Read of file");
    let owner = Handle::<UcmaFile>::decode(ctx.file.load(step));
    if owner != Some(file) || ctx.cm_id.load(step) == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(ctx_h)
}

/// `ucma_get_ctx`: look `id` up for a command on `file`; a reference held until `ucma_put_ctx`.
pub fn ucma_get_ctx(
    k: &Kernel,
    file: Handle<UcmaFile>,
    id: usize,
) -> KResult<Result<Handle<UcmaContext>, Errno>> {
    let table = k.ucma.ctx_table.lock("ucma_get_ctx.xa_lock")?;
    let ctx_h = match find(k, &table, id, file, "ucma_get_ctx.find") {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let ctx = k.ucma_contexts.get(ctx_h);
    if ctx.closing.load("ucma_get_ctx.closing") != 0 {
        return Ok(Err(Errno::EIO));
    }
    ctx.refcnt.fetch_add("ucma_get_ctx.ref", 1);
    Ok(Ok(ctx_h))
}

/// `ucma_put_ctx`: `atomic_dec_and_test(&ctx->ref)`, completing `comp` at zero.
pub fn ucma_put_ctx(k: &Kernel, ctx_h: Handle<UcmaContext>, step: Step) {
    let ctx = k.ucma_contexts.deref(step, ctx_h, "Write of ref");
    if ctx.refcnt.dec_return(step) == 0 {
        ctx.comp.complete("ucma_put_ctx.complete");
    }
}

/// `ucma_alloc_ctx` (the caller holds the file's `mut`): a context with `ref` 1 owned by `file`,
/// its id published in `ctx_table` by `xa_alloc` (lookups refuse it until its CM id exists), on
/// `ctx_list`.
fn ucma_alloc_ctx(
    k: &Kernel,
    file: Handle<UcmaFile>,
    list: &mut Vec<Handle<UcmaContext>>,
) -> KResult<Result<Handle<UcmaContext>, Errno>> {
    let mut table = k.ucma.ctx_table.lock("ucma_alloc_ctx.xa_alloc")?;
    if table.len() >= IDS_MAX {
        return Ok(Err(Errno::ENOMEM));
    }
    let id = table.len();
    let ctx_h = k
        .ucma_contexts
        .alloc("ucma_alloc_ctx.kzalloc", |_| UcmaContext {
            id,
            refcnt: Atomic::new(1),
            comp: Completion::new("ctx->comp"),
            file: Atomic::new(file.encode()),
            cm_id: Atomic::new(0),
            closing: Atomic::new(0),
            destroying: std::sync::atomic::AtomicBool::new(false),
            mc_list: std::sync::Mutex::new(Vec::new()),
        });
    table.push(Some(ctx_h));
    drop(table);
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(ctx_h.obj(), ctx_list(file));
    list.push(ctx_h);
    Ok(Ok(ctx_h))
}

/// `ucma_create_id` on `file`: allocate the context, create its CM id, copy the id to user space
/// (`bad_response`: the user's buffer is not writable, -EFAULT, as syzkaller's programs do). On
/// failure the id is erased and the context freed; since ed65a4dc2208 ("Fix use-after-free
/// access in ucma_close", v4.16) it is first taken off `ctx_list` too, before it the file kept a
/// freed context.
pub fn ucma_create_id(
    k: &Kernel,
    _cur: &Task,
    file: Handle<UcmaFile>,
    bad_response: bool,
) -> KResult<Result<usize, Errno>> {
    let uf = k.ucma_files.get(file);
    let ctx_h = {
        let mut list = uf.ctx_list.lock("ucma_create_id.mut")?;
        match ucma_alloc_ctx(k, file, &mut list)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        }
    };
    let ctx = k.ucma_contexts.get(ctx_h);
    if !bad_response {
        ctx.cm_id.store("ucma_create_id.cm_id", 1);
        return Ok(Ok(ctx.id));
    }
    // copy_to_user failed: err2 destroys the CM id, err1 unwinds the context.
    {
        let mut table = k.ucma.ctx_table.lock("ucma_create_id.xa_erase")?;
        table[ctx.id] = None;
    }
    let (_, oracle) = crate::sync::current_oracle();
    if k.variant.has(Patch::UcmaCreateIdUnlist) {
        let mut list = uf.ctx_list.lock("ucma_create_id.err_file_mut")?;
        list.retain(|c| *c != ctx_h);
    }
    oracle.unhold(ctx_h.obj(), &ctx_list(file));
    k.ucma_contexts.free("ucma_create_id.kfree", ctx_h);
    Ok(Err(Errno::EFAULT))
}

/// `ucma_free_ctx`: the context's multicasts, then off its file's `ctx_list` (under that file's
/// `mut`: the file is read from the context now), kfree.
pub fn ucma_free_ctx(k: &Kernel, _cur: &Task, ctx_h: Handle<UcmaContext>) -> KResult<()> {
    ucma_cleanup_multicast(k, ctx_h)?;
    let file = ctx_file(k, "ucma_free_ctx.file", ctx_h);
    {
        let uf = k.ucma_files.get(file);
        let mut list = uf.ctx_list.lock("ucma_free_ctx.mut")?;
        list.retain(|c| *c != ctx_h);
    }
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(ctx_h.obj(), &ctx_list(file));
    k.ucma_contexts.free("ucma_free_ctx.kfree", ctx_h);
    Ok(())
}

/// `ucma_destroy_id` of `id` on `file`: erase the id (under the `ctx_table` `xa_lock`), mark the
/// context destroying (under its file's `mut`), read `closing` (under `xa_lock` again), drop the
/// id's reference and wait for the commands using it, free.
/// Everything after the erase reaches the context through this thread's pointer alone: it
/// assumes nobody else can free it, which `ucma_migrate_id` broke until f5449e74802c.
pub fn ucma_destroy_id(
    k: &Kernel,
    cur: &Task,
    file: Handle<UcmaFile>,
    id: usize,
) -> KResult<Result<(), Errno>> {
    let ctx_h = {
        let mut table = k.ucma.ctx_table.lock("ucma_destroy_id.xa_lock")?;
        let found = find(k, &table, id, file, "ucma_destroy_id.find");
        if found.is_ok() {
            table[id] = None;
        }
        match found {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        }
    };
    let owner = ctx_file(k, "ucma_destroy_id.file", ctx_h);
    {
        let uf = k.ucma_files.get(owner);
        let _m = uf.ctx_list.lock("ucma_destroy_id.file_mut")?;
        let ctx = k
            .ucma_contexts
            .deref("ucma_destroy_id.ctx", ctx_h, "Write of destroying");
        ctx.destroying
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let closing = {
        let _m = k.ucma.ctx_table.lock("ucma_destroy_id.closing_xa_lock")?;
        let ctx = k
            .ucma_contexts
            .deref("ucma_destroy_id.ctx", ctx_h, "Read of closing");
        ctx.closing.load("ucma_destroy_id.closing")
    };
    if closing == 0 {
        ucma_put_ctx(k, ctx_h, "ucma_destroy_id.put_ctx");
        let ctx = k
            .ucma_contexts
            .deref("ucma_destroy_id.comp", ctx_h, "Read of comp");
        ctx.comp
            .wait_for_completion("ucma_destroy_id.wait_for_completion")?;
    }
    ucma_free_ctx(k, cur, ctx_h)?;
    Ok(Ok(()))
}

/// `ucma_migrate_id`: move context `id` from `cur_file` (an fd the caller holds) to `new_file`.
/// v5.3/v5.6: under both files' `mut` and the `ctx_table` `xa_lock`, move it to the new `ctx_list` and set
/// `ctx->file`, with no check that a destroy has not erased the id meanwhile. Since
/// f5449e74802c: `ctx->file` changes under the table lock only after re-finding the id from
/// `cur_file` (-ENOENT when a destroy or another migrate got there first), then the lists move.
pub fn ucma_migrate_id(
    k: &Kernel,
    _cur: &Task,
    new_file: Handle<UcmaFile>,
    cur_file: Handle<UcmaFile>,
    id: usize,
) -> KResult<Result<(), Errno>> {
    let ctx_h = match ucma_get_ctx(k, cur_file, id)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let result = if k.variant.has(Patch::UcmaMigrateRecheck) {
        migrate_rechecked(k, ctx_h, cur_file, new_file, id)?
    } else {
        migrate_locked_files(k, ctx_h, new_file)?
    };
    ucma_put_ctx(k, ctx_h, "ucma_migrate_id.put_ctx");
    Ok(result)
}

/// The v5.3..v5.9 move: both files' `mut` (lower address first), then the `ctx_table` `xa_lock`.
fn migrate_locked_files(
    k: &Kernel,
    ctx_h: Handle<UcmaContext>,
    new_file: Handle<UcmaFile>,
) -> KResult<Result<(), Errno>> {
    let cur_file = ctx_file(k, "ucma_migrate_id.file", ctx_h);
    if cur_file == new_file {
        return Ok(Ok(()));
    }
    let (first, second) = if cur_file.encode() < new_file.encode() {
        (cur_file, new_file)
    } else {
        (new_file, cur_file)
    };
    let (f1, f2) = (k.ucma_files.get(first), k.ucma_files.get(second));
    let mut l1 = f1.ctx_list.lock("ucma_lock_files.mut")?;
    let mut l2 = f2.ctx_list.lock("ucma_lock_files.mut_nested")?;
    let _m = k.ucma.ctx_table.lock("ucma_migrate_id.xa_lock")?;
    let (from, to) = if first == cur_file {
        (&mut *l1, &mut *l2)
    } else {
        (&mut *l2, &mut *l1)
    };
    from.retain(|c| *c != ctx_h);
    to.push(ctx_h);
    move_owner(k, ctx_h, cur_file, new_file);
    Ok(Ok(()))
}

/// The f5449e74802c move: re-find the id under the table lock before changing `ctx->file`.
fn migrate_rechecked(
    k: &Kernel,
    ctx_h: Handle<UcmaContext>,
    cur_file: Handle<UcmaFile>,
    new_file: Handle<UcmaFile>,
    id: usize,
) -> KResult<Result<(), Errno>> {
    {
        let table = k.ucma.ctx_table.lock("ucma_migrate_id.xa_lock")?;
        if find(k, &table, id, cur_file, "ucma_migrate_id.recheck") != Ok(ctx_h) {
            return Ok(Err(Errno::ENOENT));
        }
        move_owner(k, ctx_h, cur_file, new_file);
    }
    k.ucma_files
        .get(cur_file)
        .ctx_list
        .lock("ucma_migrate_id.cur_mut")?
        .retain(|c| *c != ctx_h);
    k.ucma_files
        .get(new_file)
        .ctx_list
        .lock("ucma_migrate_id.new_mut")?
        .push(ctx_h);
    Ok(Ok(()))
}

/// `ctx->file = new_file`, and the ownership moves with it.
fn move_owner(
    k: &Kernel,
    ctx_h: Handle<UcmaContext>,
    from: Handle<UcmaFile>,
    to: Handle<UcmaFile>,
) {
    let ctx = k.ucma_contexts.get(ctx_h);
    ctx.file.store("ucma_migrate_id.ctx_file", to.encode());
    let (_, oracle) = crate::sync::current_oracle();
    oracle.rehold(ctx_h.obj(), &ctx_list(from), ctx_list(to));
}
