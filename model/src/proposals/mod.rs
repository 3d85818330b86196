//! Lifetime proposals: where the pin records live and who may point at what, as pluggable
//! hooks called from the kernel paths at the places the RFC and the thread put them.

pub mod bundle;
pub mod clear_on_close;
pub mod context;
pub mod counted_backptr;
pub mod pin_record;
pub mod rfc_v2;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::task::Task;
use crate::vfs::file::File;
use crate::vfs::process::Process;
use crate::vfs::procfs::PinLine;
use crate::{Errno, KResult};

/// The hooks a proposal implements. Defaults do nothing.
pub trait Proposal: Send + Sync {
    /// Its name in scenario files (`rfc-v2`).
    fn name(&self) -> &'static str;

    /// End of `ib_uverbs_open`: the new file and its ufile exist.
    fn open(
        &self,
        _k: &Kernel,
        _cur: &Task,
        _file: Handle<File>,
        _ufile: Handle<Ufile>,
    ) -> KResult<()> {
        Ok(())
    }

    /// In `ib_umem_get`, with the syscall's bundle: record the pin. An error fails the REG_MR.
    ///
    /// Right after the step that makes the record visible to a procfs reader (the store, or the
    /// unlock of the lock readers take), call the oracle's `pin_visible(umem)`: the truth of a
    /// listing counts the pin's visible life from there (from the page pin otherwise, which comes
    /// later).
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        bundle: &Bundle,
        umem: Handle<Umem>,
    ) -> KResult<Result<(), Errno>>;

    /// In `ib_umem_release`, before the pages are unpinned.
    fn unpin(&self, k: &Kernel, cur: &Task, umem: Handle<Umem>) -> KResult<()>;

    /// In `ib_uverbs_close`, after `uverbs_destroy_ufile_hw(CLOSE)` returned.
    fn release(
        &self,
        _k: &Kernel,
        _cur: &Task,
        _file: Handle<File>,
        _ufile: Handle<Ufile>,
    ) -> KResult<()> {
        Ok(())
    }

    /// At the end of `__fput` of any file, before `file_free`.
    fn file_release(&self, _k: &Kernel, _cur: &Task, _file: Handle<File>) -> KResult<()> {
        Ok(())
    }

    /// In `file_free_rcu`, the RCU callback that frees a struct file's memory.
    fn file_free(&self, _k: &Kernel, _file: Handle<File>) {}

    /// At the end of `uverbs_destroy_ufile_hw`.
    fn destroy_ufile_hw(&self, _k: &Kernel, _cur: &Task, _ufile: Handle<Ufile>) -> KResult<()> {
        Ok(())
    }

    /// In `ib_uverbs_release_file`, before the ufile is freed.
    fn ufile_release(&self, _k: &Kernel, _cur: &Task, _ufile: Handle<Ufile>) -> KResult<()> {
        Ok(())
    }

    /// `f_op->show_fdinfo` lines for `file` (called with a counted reference).
    fn show_fdinfo(&self, _k: &Kernel, _cur: &Task, _file: Handle<File>) -> KResult<Vec<String>> {
        Ok(Vec::new())
    }

    /// The listing of who pins what through `target`'s fds.
    fn file_pins(&self, k: &Kernel, cur: &Task, target: &Process) -> KResult<Vec<PinLine>> {
        crate::vfs::procfs::walk_fds_with_refs(k, cur, target, |k, cur, f| {
            self.show_fdinfo(k, cur, f)
        })
    }
}

/// The proposal called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Proposal>> {
    Some(match name {
        "rfc-v2" => Box::new(rfc_v2::RfcV2::new(rfc_v2::Owner::Uncounted)),
        "counted-backptr" => counted_backptr::proposal(),
        "clear-on-close" => clear_on_close::proposal(),
        "bundle" => Box::new(bundle::Bundle),
        "context" => Box::new(context::Context),
        _ => return None,
    })
}
