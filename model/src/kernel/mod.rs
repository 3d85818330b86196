//! The kernel under test. Which kernel: a release as it shipped plus or minus named upstream
//! patches ([`release`], [`patch`], resolved by [`spec`] into a [`Variant`]). And the model kernel
//! of one execution: the slabs of every object type, the devices, data files, processes and the
//! lifetime proposal plugged in.

pub mod history;
pub mod patch;
pub mod release;
pub mod spec;

pub use history::{HistoryRow, HISTORY};
pub use patch::{Patch, PatchInfo, PatchSet, Role, PATCHES};
pub use release::{Release, RELEASES};
pub use spec::{Hypothetical, SpecError, Variant, KNOWN_KERNELS, SHORT_NAMES};

use std::collections::VecDeque;
use std::sync::Arc;

use crate::heap::{Handle, Heap};
use crate::mm::Mm;
use crate::proposals::Proposal;
use crate::rcu::Rcu;
use crate::rdma::ucma::context::UcmaContext;
use crate::rdma::ucma::file::UcmaFile;
use crate::rdma::ucma::multicast::UcmaMulticast;
use crate::rdma::ucma::UcmaTables;
use crate::rdma::uverbs::device::Device;
use crate::rdma::uverbs::mmap::{MmapEntry, UmapPriv};
use crate::rdma::uverbs::mr::Mr;
use crate::rdma::uverbs::ucontext::Ucontext;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::Umem;
use crate::rdma::uverbs::uobject::Uobject;
use crate::sync::Mutex;
use crate::vfs::data_file::DataFile;
use crate::vfs::file::File;
use crate::vfs::locks::FileLock;
use crate::vfs::process::Process;

/// A fault point of the running thread (see [`crate::oracle::FaultPoint`]): whether this reach of
/// `step` takes the error branch in this execution.
pub fn fault(step: crate::sync::Step) -> bool {
    crate::sync::current_oracle().1.fault(step)
}

/// An SCM_RIGHTS message in flight: the skb holds a reference to the file.
#[derive(Clone)]
pub struct InFlight {
    /// Receiving process.
    pub to: crate::Name,
    /// The file passed.
    pub file: Handle<File>,
}

/// The whole model kernel of one execution.
pub struct Kernel {
    /// Which kernel.
    pub variant: Variant,
    /// Which lifetime proposal.
    pub proposal: Box<dyn Proposal>,
    /// `struct file` slab (freed through RCU).
    pub files: Heap<File>,
    /// `struct ib_uverbs_file` slab.
    pub ufiles: Heap<Ufile>,
    /// `struct ib_ucontext` slab.
    pub ucontexts: Heap<Ucontext>,
    /// `struct ib_uobject` slab (IDR types freed through RCU).
    pub uobjects: Heap<Uobject>,
    /// `struct ib_mr` slab.
    pub mrs: Heap<Mr>,
    /// `struct ib_umem` slab.
    pub umems: Heap<Umem>,
    /// Layout leases (`struct file_lock`), on their inodes' lists.
    pub leases: Heap<FileLock>,
    /// `struct mm_struct` slab.
    pub mms: Heap<Mm>,
    /// ucma's global tables (`ctx_table`, `multicast_table`).
    pub ucma: UcmaTables,
    /// `struct ucma_file` slab.
    pub ucma_files: Heap<UcmaFile>,
    /// `struct ucma_context` slab.
    pub ucma_contexts: Heap<UcmaContext>,
    /// `struct ucma_multicast` slab.
    pub ucma_multicasts: Heap<UcmaMulticast>,
    /// `struct rdma_umap_priv` slab (one per uverbs VMA).
    pub umap_privs: Heap<UmapPriv>,
    /// `struct rdma_user_mmap_entry` slab (v5.5 on).
    pub mmap_entries: Heap<MmapEntry>,
    /// uverbs devices, by scenario name.
    pub devices: Vec<Device>,
    /// FS-DAX data files (their inodes), by scenario name.
    pub data_files: Vec<DataFile>,
    /// Processes (std-side registry: processes are never freed in the model).
    pub processes: std::sync::Mutex<Vec<Arc<Process>>>,
    /// The RCU domain.
    pub rcu: Rcu,
    /// SCM_RIGHTS messages in flight (one socket pair per receiver).
    pub scm: Mutex<VecDeque<InFlight>>,
}

impl Kernel {
    /// The process called `name`.
    pub fn process(&self, name: &str) -> Option<Arc<Process>> {
        let list = self.processes.lock().unwrap_or_else(|e| e.into_inner());
        list.iter().find(|p| &*p.name == name).cloned()
    }

    /// The device called `name`.
    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// The index of the data file called `name`.
    pub fn data_file(&self, name: &str) -> Option<usize> {
        self.data_files.iter().position(|d| &*d.name == name)
    }
}
