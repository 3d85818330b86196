//! `struct file`: f_count, the deferred final fput, `__fput` and `file_free` through RCU.
//!
//! G1 (docs/kernel.md §3.2): ->release runs once, after f_count reaches zero, in the context of
//! whoever dropped the last reference, later (task_work) unless the kernel is the hypothetical
//! synchronous one. The memory is freed after an RCU grace period.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::{Holder, ObjId};
use crate::proposals::Ext;
use crate::rcu::Deferred;
use crate::rdma::ucma::file::{ucma_close, UcmaFile};
use crate::rdma::uverbs::ufile::{ib_uverbs_close, Ufile};
use crate::rdma::uverbs::uobject::{uverbs_close_fd, Uobject};
use crate::task::Task;
use crate::vfs::locks::locks_remove_file;
use crate::KResult;

/// What a file is: its `f_op` and `private_data`.
#[derive(Clone, Copy, Debug)]
pub enum FileKind {
    /// `/dev/infiniband/uverbsN`: `private_data` is the ufile (a counted reference).
    Uverbs {
        /// The ufile.
        ufile: Handle<Ufile>,
    },
    /// A completion channel: an FD-type uobject of `ufile`.
    CompChannel {
        /// Owning ufile (counted by the channel).
        ufile: Handle<Ufile>,
        /// The uobject (`private_data`, counted).
        uobj: Handle<Uobject>,
    },
    /// `/dev/infiniband/rdma_cm`: `private_data` is the ucma file.
    Ucma {
        /// The ucma file.
        file: Handle<UcmaFile>,
    },
    /// A file of the FS-DAX filesystem, opened by a process (`open` of a data file).
    Data {
        /// Index in the kernel's data files.
        index: usize,
    },
}

/// `struct file`.
pub struct File {
    /// `f_count`.
    pub f_count: Kref,
    /// `f_op` + `private_data`.
    pub kind: FileKind,
    /// Path, as procfs prints it.
    pub path: String,
    /// What the lifetime proposal adds to `struct file` (RFC 13/19's `file_pins`, D3's handler).
    pub ext: Ext,
}

/// Allocate a file with f_count 1 held by `holder` (`alloc_file_pseudo`, `dentry_open`).
pub fn alloc_file(
    k: &Kernel,
    step: &'static str,
    kind: FileKind,
    path: &str,
    holder: Holder,
) -> Handle<File> {
    let f = k.files.alloc(step, |id| File {
        f_count: Kref::new(id, "f_count", holder),
        kind,
        path: path.to_string(),
        ext: k.proposal.file_ext(&kind),
    });
    // The uverbs file and its child fds speak for the pins of their ufile (procfs truth).
    if let FileKind::Uverbs { ufile } | FileKind::CompChannel { ufile, .. } = kind {
        crate::sync::current_oracle()
            .1
            .truth_speaks_for(f.obj(), ufile.obj());
    }
    f
}

/// `get_file`: the caller already holds a reference, so no check is needed (an increment from
/// zero is still a finding).
pub fn get_file(k: &Kernel, step: &'static str, f: Handle<File>, holder: Holder) {
    k.files.get(f).f_count.get(step, holder);
}

/// `fput`: drop `holder`'s reference; the last one queues `____fput` on the dropping task (or runs
/// `__fput` inline on the hypothetical `sync-fput` kernel).
pub fn fput(
    k: &Kernel,
    cur: &Task,
    step: &'static str,
    f: Handle<File>,
    holder: &Holder,
) -> KResult<()> {
    if !k.files.get(f).f_count.put(step, holder) {
        return Ok(());
    }
    if k.variant.fput_deferred() {
        cur.task_work_add(f);
        Ok(())
    } else {
        __fput(k, cur, f)
    }
}

/// `__fput`: locks and leases removed, `f_op->release`, then `file_free` through RCU.
pub fn __fput(k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<()> {
    let file = k.files.deref("__fput", f, "Read of f_op");
    locks_remove_file(k, cur, f)?;
    match file.kind {
        FileKind::Uverbs { ufile } => ib_uverbs_close(k, cur, f, ufile)?,
        FileKind::CompChannel { ufile, uobj } => uverbs_close_fd(k, cur, f, ufile, uobj)?,
        FileKind::Ucma { file: uf } => ucma_close(k, cur, f, uf)?,
        FileKind::Data { .. } => {}
    }
    k.proposal.file_release(k, cur, f)?;
    k.rcu.call_rcu(
        k,
        "__fput.file_free",
        Deferred::new(file_free_rcu, f.encode()),
    );
    Ok(())
}

/// `file_free_rcu`: the struct file's memory, after the grace period.
fn file_free_rcu(k: &Kernel, arg: i64) {
    let f = Handle::<File>::decode(arg).expect("call_rcu got a file");
    k.proposal.file_free(k, f);
    k.files.free("file_free_rcu", f);
}

/// The holder naming a file's own field (`file#1.private_data`).
pub fn field(f: Handle<File>, name: &'static str) -> Holder {
    Holder::Obj(f.obj(), name)
}

/// The object id of a file, for the oracle.
pub fn id(f: Handle<File>) -> ObjId {
    f.obj()
}
