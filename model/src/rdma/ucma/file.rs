//! `struct ucma_file`: one open of `/dev/infiniband/rdma_cm`. Its `mut` protects `ctx_list`, the
//! contexts it owns; `ucma_close` (its release, after the last fput) destroys them all.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::Holder;
use crate::rdma::ucma::context::{ucma_free_ctx, ucma_put_ctx, UcmaContext};
use crate::sync::Mutex;
use crate::task::Task;
use crate::vfs::file::{alloc_file, field, File, FileKind};
use crate::KResult;

/// `struct ucma_file`.
pub struct UcmaFile {
    /// `mut` with `ctx_list`.
    pub ctx_list: Mutex<Vec<Handle<UcmaContext>>>,
}

/// The holder of a context on a file's `ctx_list`.
pub fn ctx_list(file: Handle<UcmaFile>) -> Holder {
    Holder::Obj(file.obj(), "ctx_list")
}

/// `ucma_open`: a new ucma file and its struct file (held by the task until installed).
pub fn ucma_open(k: &Kernel, cur: &Task) -> Handle<File> {
    let uf = k.ucma_files.alloc("ucma_open.kmalloc", |_| UcmaFile {
        ctx_list: Mutex::new("ucma_file.mut", Vec::new()),
    });
    let f = alloc_file(
        k,
        "ucma_open.alloc_file",
        FileKind::Ucma { file: uf },
        "/dev/infiniband/rdma_cm",
        Holder::Task(cur.tid, "open"),
    );
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(uf.obj(), field(f, "private_data"));
    f
}

/// `ucma_close` (release): for each context still on `ctx_list`, mark it destroying, erase its
/// id, drop the initial reference and wait for the others, free it; then free the file.
pub fn ucma_close(k: &Kernel, cur: &Task, f: Handle<File>, uf_h: Handle<UcmaFile>) -> KResult<()> {
    let uf = k
        .ucma_files
        .deref("ucma_close.file", uf_h, "Read of ctx_list");
    loop {
        let ctx_h = {
            let list = uf.ctx_list.lock("ucma_close.mut")?;
            let Some(&ctx_h) = list.first() else { break };
            let ctx = k
                .ucma_contexts
                .deref("ucma_close.ctx", ctx_h, "Write of destroying");
            ctx.destroying
                .store(true, std::sync::atomic::Ordering::Relaxed);
            ctx_h
        };
        let ctx = k.ucma_contexts.get(ctx_h);
        {
            let mut table = k.ucma.ctx_table.lock("ucma_close.xa_erase")?;
            if let Some(slot) = table.get_mut(ctx.id) {
                *slot = None;
            }
        }
        let closing = {
            let _m = k.ucma.ctx_table.lock("ucma_close.closing_xa_lock")?;
            ctx.closing.load("ucma_close.closing")
        };
        if closing == 0 {
            ucma_put_ctx(k, ctx_h, "ucma_close.put_ctx");
            ctx.comp
                .wait_for_completion("ucma_close.wait_for_completion")?;
        }
        ucma_free_ctx(k, cur, ctx_h)?;
    }
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(uf_h.obj(), &field(f, "private_data"));
    k.ucma_files.free("ucma_close.kfree", uf_h);
    Ok(())
}
