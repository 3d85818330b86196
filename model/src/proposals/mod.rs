//! Lifetime proposals: where the pin records live and who may point at what, as pluggable
//! hooks called from the kernel paths at the places the RFC and the thread put them.
//!
//! A design is one file. What it adds to a kernel struct (a list head in `struct file`, a pointer
//! in the ufile or the umem) is its own patch to that struct: the kernel object carries an
//! [`Ext`] the proposal builds when the object is allocated (`file_ext`, `ufile_ext`, ...), and
//! only the proposal knows its type. Built by the allocating thread, inside the object, the
//! proposal's locks, atomics and published pointers are engine objects created with the object,
//! exactly as a struct field would be.

pub mod block_close;
pub mod bundle;
pub mod clear_on_close;
pub mod context;
pub mod counted_backptr;
pub mod global_table;
pub mod mm_struct;
pub mod no_dax_pins;
pub mod pin_record;
pub mod rfc_v2;
pub mod zombie_lease;

use std::any::Any;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::ObjId;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::task::Task;
use crate::vfs::file::{File, FileKind};
use crate::vfs::locks::{FileLock, LeaseRef};
use crate::vfs::process::Process;
use crate::vfs::procfs::PinLine;
use crate::{Errno, KResult};

/// A proposal's patch to a kernel struct: the fields one design adds, which the kernel object
/// carries without knowing their type. A design built from another (a lease variant over
/// `bundle`'s records) joins its parts with [`Ext::and`]; each part is found by its type.
#[derive(Default)]
pub struct Ext(Vec<Box<dyn Any + Send + Sync>>);

impl Ext {
    /// No fields: the proposal does not patch this struct.
    pub fn none() -> Ext {
        Ext(Vec::new())
    }

    /// One part.
    pub fn new<T: Any + Send + Sync>(part: T) -> Ext {
        Ext(vec![Box::new(part)])
    }

    /// This patch and another.
    pub fn and(mut self, other: Ext) -> Ext {
        self.0.extend(other.0);
        self
    }

    /// The part of type `T`, if the proposal added one.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.iter().find_map(|p| p.downcast_ref::<T>())
    }

    /// The part of type `T`, which the proposal that owns the type added when the object was
    /// allocated. `what` names the struct and the patch for the panic of a model bug.
    #[track_caller]
    pub fn part<T: Any>(&self, what: &str) -> &T {
        self.get()
            .unwrap_or_else(|| panic!("{what}: the object was allocated without this patch"))
    }
}

/// The hooks a proposal implements. Defaults do nothing.
pub trait Proposal: Send + Sync {
    /// Its name in scenario files (`rfc-v2`).
    fn name(&self) -> &'static str;

    /// Its patch to `struct file` (of the kind given), built when the file is allocated.
    fn file_ext(&self, _kind: &FileKind) -> Ext {
        Ext::none()
    }

    /// Its patch to `struct ib_uverbs_file`.
    fn ufile_ext(&self) -> Ext {
        Ext::none()
    }

    /// Its patch to `struct ib_umem`.
    fn umem_ext(&self) -> Ext {
        Ext::none()
    }

    /// Its patch to `struct mm_struct`.
    fn mm_ext(&self) -> Ext {
        Ext::none()
    }

    /// Its patch to a layout lease (`struct file_lock`), given the lease's identity.
    fn lease_ext(&self, _lease: ObjId) -> Ext {
        Ext::none()
    }

    /// Whether the kernel carries the series' user-visible layout leases (RFC 01/19, 02/19) and
    /// lifts the FOLL_LONGTERM exclusion of FS-DAX pages (19/19). v5.3 as released does not: a
    /// layout lease is EINVAL and a long-term pin of an FS-DAX page EOPNOTSUPP.
    fn layout_lease_pins(&self) -> bool {
        true
    }

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

    /// A child file of `ufile` (a completion channel) is about to become reachable: created, its
    /// fd about to be installed (`alloc_commit_fd_uobject`).
    fn child_file(
        &self,
        _k: &Kernel,
        _cur: &Task,
        _file: Handle<File>,
        _ufile: Handle<Ufile>,
    ) -> KResult<()> {
        Ok(())
    }

    /// In `ib_umem_get` before GUP, with the syscall's bundle (RFC 17/19 fills `vaddr_pin` here).
    /// An error fails the REG_MR.
    fn pin_begin(
        &self,
        _k: &Kernel,
        _cur: &Task,
        _bundle: &Bundle,
        _umem: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        Ok(Ok(()))
    }

    /// In GUP, for the first FS-DAX page, under `flc_lock` once `mapping_inode_has_layout` found
    /// `lease` (RFC 14/19 adds the file pin there): record the pin. An error fails the REG_MR.
    /// Called under a spinlock: no sleeping lock may be taken.
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
        lease: &LeaseRef,
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

    /// Whether the pin-time search may use `lease` (called under `flc_lock`).
    fn lease_usable(&self, _k: &Kernel, _lease: Handle<FileLock>) -> bool {
        true
    }

    /// `F_UNLCK` of `lease`, under `flc_lock`: an error refuses it.
    fn lease_unlock(&self, _k: &Kernel, _lease: Handle<FileLock>) -> Result<(), Errno> {
        Ok(())
    }

    /// `locks_remove_file` at the last `__fput` of the file `lease` was taken through, before the
    /// lease goes (outside `flc_lock`: the hook may sleep). `false` keeps the lease.
    fn lease_close(&self, _k: &Kernel, _cur: &Task, _lease: Handle<FileLock>) -> KResult<bool> {
        Ok(true)
    }

    /// `lease` was taken off its inode (unlock, last close) and is about to be freed.
    fn lease_removed(&self, _k: &Kernel, _cur: &Task, _lease: Handle<FileLock>) -> KResult<()> {
        Ok(())
    }
}

/// The proposal called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Proposal>> {
    Some(match name {
        "rfc-v2" => Box::new(rfc_v2::RfcV2::new(rfc_v2::Owner::Uncounted)),
        "counted-backptr" => counted_backptr::proposal(),
        "clear-on-close" => clear_on_close::proposal(),
        "bundle" => Box::new(bundle::Bundle::new(bundle::DataFileRef::Held)),
        "context" => Box::new(context::Context::new()),
        "no-dax-pins" => Box::new(no_dax_pins::NoDaxPins),
        "mm" => Box::new(mm_struct::MmPins::new()),
        "global-table" => Box::new(global_table::GlobalTable::new()),
        "zombie-lease" => Box::new(zombie_lease::ZombieLease::new()),
        "block-close" => Box::new(block_close::BlockClose::new()),
        _ => return None,
    })
}
