//! `global-table` (D5): Jason's table of layout leases, pinned files and holders
//! (`20190821181343.GH8653@ziepe.ca`: "Why not just have a single table someplace of all the
//! layout leases with the file they are held on and the FD/socket/etc that is holding the pin?
//! Make it independent of processes and FDs?"), with the MR holding a reference on its lease
//! (`20190823120428.GA12968@ziepe.ca`: "the IB MR object itself should hold a reference to the
//! lease it relies upon") and the big hammer when it outlives it (`20190825193900.GA21239@ziepe.ca`:
//! "when the kernel detects the MR has outlived the lease it needs then we forcibly abort the
//! entire RDMA state").
//!
//! Claim: pins are attributed to the object that holds them (the uverbs file's ufile, whichever
//! process has an fd on it: fork, dup and SCM_RIGHTS change nothing), and a pin never outlives the
//! lease that allows it, so the lease alone protects the blocks and nothing needs the struct file.
//!
//! Here: one entry per pin, {lease, pinned file, holder}, in a kernel-wide table under one lock.
//! The entry is made under `flc_lock` with the lease search (so a lease cannot go between being
//! found and being referenced) and holds a reference on the holder ufile; the MR's unpin removes
//! it. Leases are not counted (Jason: "Leases are not individually trackable or reference counted
//! objects"), so the entry cannot keep its lease: when a lease goes (`F_UNLCK`, the last close of
//! its file, its holder's exit) the entries still naming it abort their holders' RDMA state, as a
//! disassociation does (`uverbs_destroy_ufile_hw` with `RDMA_REMOVE_DRIVER_REMOVE`: every MR
//! destroyed, the context with it), outside every lock the abort's destroy takes. procfs walks
//! fds with counted references and lists the entries whose holder the file reaches.
//!
//! Its patches: none to the kernel's structs; the table is its own.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::{Holder, ObjId};
use crate::rdma::uverbs::ufile::{ib_uverbs_release_file, uverbs_destroy_ufile_hw, Ufile};
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::rdma::uverbs::uobject::Reason;
use crate::sync::Mutex;
use crate::task::Task;
use crate::vfs::file::{File, FileKind};
use crate::vfs::locks::{FileLock, LeaseRef};
use crate::{Errno, KResult, Name};

/// One pin in the table.
#[derive(Clone)]
pub struct Entry {
    /// The lease it relies on (an identity: never followed).
    pub lease: Handle<FileLock>,
    /// The pinned data file.
    pub data: Name,
    /// The holder: the ufile whose MR pins (counted by the entry).
    pub holder: Handle<Ufile>,
    /// The pin (the umem).
    pub pin: ObjId,
}

/// The proposal.
pub struct GlobalTable {
    table: Mutex<Vec<Entry>>,
}

fn entry_holder(pin: ObjId) -> Holder {
    Holder::Obj(pin, "pin_table")
}

impl GlobalTable {
    /// The design, with an empty table.
    pub fn new() -> GlobalTable {
        GlobalTable {
            table: Mutex::new("pin_table_lock", Vec::new()),
        }
    }
}

impl Default for GlobalTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Put a reference on `ufile` held by `holder`; the last releases it.
fn put_ufile(
    k: &Kernel,
    cur: &Task,
    ufile: Handle<Ufile>,
    step: &'static str,
    holder: &Holder,
) -> KResult<()> {
    if k.ufiles.get(ufile).kref.put(step, holder) {
        ib_uverbs_release_file(k, cur, ufile)?;
    }
    Ok(())
}

impl super::Proposal for GlobalTable {
    fn name(&self) -> &'static str {
        "global-table"
    }

    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        bundle: &Bundle,
        umem_h: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let data = k.data_files[k.umems.get(umem_h).data].name.clone();
        k.ufiles
            .get(bundle.ufile)
            .kref
            .get("pin_table.kref_get_holder", entry_holder(umem_h.obj()));
        self.table.lock("pin_table.insert")?.push(Entry {
            lease: lease.lease,
            data,
            holder: bundle.ufile,
            pin: umem_h.obj(),
        });
        // Published once the lock is dropped: a reader takes the same lock.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let gone: Vec<Entry> = {
            let mut table = self.table.lock("pin_table.remove")?;
            let (gone, kept) = table.drain(..).partition(|e| e.pin == umem_h.obj());
            *table = kept;
            gone
        };
        for e in gone {
            put_ufile(
                k,
                cur,
                e.holder,
                "pin_table.kref_put_holder",
                &entry_holder(e.pin),
            )?;
        }
        Ok(())
    }

    /// The lease went while entries still name it: those MRs outlived their lease. Abort each
    /// holder's RDMA state (every MR of it destroyed, so every such entry goes), holding the ufile
    /// for the abort.
    fn lease_removed(&self, k: &Kernel, cur: &Task, lease: Handle<FileLock>) -> KResult<()> {
        let holder = Holder::Task(cur.tid, "pin_table_abort");
        let holders: Vec<Handle<Ufile>> = {
            let table = self.table.lock("pin_table.lease_gone")?;
            let mut v: Vec<Handle<Ufile>> = Vec::new();
            for e in table.iter().filter(|e| e.lease == lease) {
                if !v.contains(&e.holder) {
                    k.ufiles
                        .get(e.holder)
                        .kref
                        .get("pin_table_abort.kref_get", holder.clone());
                    v.push(e.holder);
                }
            }
            v
        };
        for ufile in holders {
            uverbs_destroy_ufile_hw(k, cur, ufile, Reason::DriverRemove)?;
            put_ufile(k, cur, ufile, "pin_table_abort.kref_put", &holder)?;
        }
        Ok(())
    }

    /// The entries whose holder `file` reaches (a uverbs file or one of its child files).
    fn show_fdinfo(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        let (FileKind::Uverbs { ufile } | FileKind::CompChannel { ufile, .. }) =
            k.files.get(file).kind
        else {
            return Ok(Vec::new());
        };
        let table = self.table.lock("pin_table.show")?;
        Ok(table
            .iter()
            .filter(|e| e.holder == ufile)
            .map(|e| e.data.to_string())
            .collect())
    }
}
