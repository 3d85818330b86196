//! The kernel under test: its variant (k53, k56 and the pre-fix regressions), the slabs of every
//! object type, the devices, data files, processes and the lifetime proposal plugged in.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::heap::{Handle, Heap};
use crate::mm::Mm;
use crate::proposals::pin_record::PinRecord;
use crate::proposals::{context::PinContext, Proposal};
use crate::rcu::Rcu;
use crate::rdma::uverbs::device::Device;
use crate::rdma::uverbs::mr::Mr;
use crate::rdma::uverbs::ucontext::Ucontext;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::Umem;
use crate::rdma::uverbs::uobject::Uobject;
use crate::sync::Mutex;
use crate::vfs::data_file::DataFile;
use crate::vfs::file::File;
use crate::vfs::process::Process;

/// How one kernel version behaves where the thread's argument depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The name used by scenario files and the CLI.
    pub name: &'static str,
    /// v5.3: `uverbs_destroy_ufile_hw(CLOSE)` does `mutex_trylock(ucontext_lock)` and returns at
    /// once when a device removal holds it (docs/kernel.md §2.4, G5). false on k56: close is a
    /// fence.
    pub close_trylock: bool,
    /// Whether the destroy path takes `ucontext_lock` at all (removed in v5.6).
    pub destroy_takes_ucontext_lock: bool,
    /// Final fput deferred through task_work (since 4a9d4b024a31); false runs `__fput` inline.
    pub fput_deferred: bool,
    /// Pre-2020 "Fix double destruction of uobject": usecnt reset to 0 after DESTROY.
    pub double_destroy_bug: bool,
    /// Pre-f0abc761bbb9: `rdma_lookup_put_uobject` does fput before dropping usecnt.
    pub fput_before_unlock_bug: bool,
    /// "RDMA/core: Prevent mixed use of FDs between shared ufiles" (0fb00941dc63, 5.7-rc4,
    /// backported to stable): `lookup_get_fd_uobject` refuses an FD object (a completion
    /// channel) of another ufile than the command's. On for every variant modelled here; off, a
    /// channel of one ufile used through another's command fd reaches `fput(NULL)` once its own
    /// ufile destroyed it (the syzkaller report of that commit).
    pub fd_uobject_ufile_check: bool,
}

/// Every kernel variant.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "k53",
        close_trylock: true,
        destroy_takes_ucontext_lock: true,
        fput_deferred: true,
        double_destroy_bug: false,
        fput_before_unlock_bug: false,
        fd_uobject_ufile_check: true,
    },
    Variant {
        name: "k56",
        close_trylock: false,
        destroy_takes_ucontext_lock: false,
        fput_deferred: true,
        double_destroy_bug: false,
        fput_before_unlock_bug: false,
        fd_uobject_ufile_check: true,
    },
    Variant {
        name: "k53-double-destroy",
        close_trylock: true,
        destroy_takes_ucontext_lock: true,
        fput_deferred: true,
        double_destroy_bug: true,
        fput_before_unlock_bug: false,
        fd_uobject_ufile_check: true,
    },
    Variant {
        name: "k53-fput-before-unlock",
        close_trylock: true,
        destroy_takes_ucontext_lock: true,
        fput_deferred: true,
        double_destroy_bug: false,
        fput_before_unlock_bug: true,
        fd_uobject_ufile_check: true,
    },
    Variant {
        name: "sync-fput",
        close_trylock: false,
        destroy_takes_ucontext_lock: true,
        fput_deferred: false,
        double_destroy_bug: false,
        fput_before_unlock_bug: false,
        fd_uobject_ufile_check: true,
    },
];

impl Variant {
    /// The variant called `name`.
    pub fn by_name(name: &str) -> Option<Variant> {
        VARIANTS.iter().copied().find(|v| v.name == name)
    }
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
    /// Pin records of the proposals that keep them (RFC `file_file_pin`, D2's MR-owned record).
    pub records: Heap<PinRecord>,
    /// D3's driver pin contexts.
    pub contexts: Heap<PinContext>,
    /// `struct mm_struct` slab.
    pub mms: Heap<Mm>,
    /// uverbs devices, by scenario name.
    pub devices: Vec<Device>,
    /// FS-DAX data files, by scenario name.
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

    /// The data file called `name`.
    pub fn data_file(&self, name: &str) -> Option<&DataFile> {
        self.data_files.iter().find(|d| &*d.name == name)
    }
}
