//! `block-close`: Dave Chinner's rule for layout leases (`20190819092409.GM7777@dread.disaster.area`,
//! with `20190820011210.GP7777@dread.disaster.area`): "make the last close() on a file block if
//! there's an active layout lease ... you can't close the fd until resources that pin the lease
//! have been released", in a killable sleep; the exit path (PF_EXITING) and a fatal signal do not
//! block, "the process is about to be reaped and so the lease largely doesn't matter anymore".
//!
//! Claim: leases keep the Unix semantics of open file descriptions (no zombies); an application
//! that releases its lease before its pins "hangs in close() until it is killed", which
//! "indicates an application bug ... but leaves SIGKILL available to administrators". Jan Kara's
//! reply (`20190819063412.GA20455@quack2.suse.cz`): the kernel does not expect close to block;
//! "you could wait for another process to release page pins and blocking SIGKILL on that is also
//! bad"; Jason (`20190821181343.GH8653@ziepe.ca`): "Hanging the close of the datafile fd
//! contingent on some other FD's closure is a recipe for deadlock".
//!
//! Here: pins are tracked as `bundle` does, in records holding no file (Dave: the lease belongs to
//! the open fd, the pins must not keep it). Each lease counts the pins taken under it in a small
//! counted object the pins share with the lease, so a pin can outlive its lease (after an exit)
//! without touching it. The last `__fput` of a leased file sleeps, killable, until the count is
//! zero, unless its task is exiting; the lease is then marked dying under `flc_lock`, where the
//! pin search looks. `F_UNLCK` of a pinned lease fails with EBUSY (Dave's rule, "the holder
//! releases the resources it holds on the layout before it releases the layout lease", enforced
//! where a syscall can fail instead of sleeping: the model's choice).
//!
//! Its patches: the count and a dying mark in `struct file_lock`, the count in `struct ib_umem`.

use std::sync::OnceLock;

use crate::heap::{Handle, Heap};
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::{Holder, ObjId};
use crate::proposals::bundle::{self, DataFileRef};
use crate::proposals::{Ext, Proposal};
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::sync::{wait_var_event, Atomic, Sleep};
use crate::task::Task;
use crate::vfs::file::File;
use crate::vfs::locks::{FileLock, LeaseRef};
use crate::{Errno, KResult};

/// The pins taken under one lease: counted by the lease and by each pin.
pub struct LeasePins {
    /// Held by the lease and by each pin counted.
    pub kref: Kref,
    /// Pins taken under the lease and not yet released.
    pub pins: Atomic,
}

/// The design's patch to `struct file_lock`.
pub struct LeaseCount {
    /// Its pins.
    pub count: Handle<LeasePins>,
    /// 1 once its removal began: no pin may take it.
    pub dying: Atomic,
}

/// The design's patch to `struct ib_umem`: the count its pin is in.
pub struct PinCount {
    /// The count (a reference).
    pub count: OnceLock<Handle<LeasePins>>,
}

/// The proposal.
pub struct BlockClose {
    tracking: bundle::Bundle,
    counts: Heap<LeasePins>,
}

fn count_of(l: &FileLock) -> &LeaseCount {
    l.ext.part("block-close's count in struct file_lock")
}

impl BlockClose {
    /// The design.
    pub fn new() -> BlockClose {
        BlockClose {
            tracking: bundle::Bundle::new(DataFileRef::None),
            counts: Heap::new("lease_pins"),
        }
    }

    fn put_count(&self, count: Handle<LeasePins>, holder: &Holder) {
        if self
            .counts
            .get(count)
            .kref
            .put("lease_pins.kref_put", holder)
        {
            self.counts.free("lease_pins.kfree", count);
        }
    }
}

impl Default for BlockClose {
    fn default() -> Self {
        Self::new()
    }
}

impl Proposal for BlockClose {
    fn name(&self) -> &'static str {
        "block-close"
    }

    fn ufile_ext(&self) -> Ext {
        self.tracking.ufile_ext()
    }

    fn umem_ext(&self) -> Ext {
        self.tracking.umem_ext().and(Ext::new(PinCount {
            count: OnceLock::new(),
        }))
    }

    fn lease_ext(&self, lease: ObjId) -> Ext {
        let count = self.counts.alloc("lease_pins.alloc", |id| LeasePins {
            kref: Kref::new(id, "kref", Holder::Obj(lease, "pins")),
            pins: Atomic::new(0),
        });
        Ext::new(LeaseCount {
            count,
            dying: Atomic::new(0),
        })
    }

    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        bundle: &Bundle,
        umem: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        if let Err(e) = self.tracking.pin(k, cur, bundle, umem, lease)? {
            return Ok(Err(e));
        }
        // Under flc_lock, with the lease found not dying.
        let count = count_of(&k.leases.get(lease.lease)).count;
        let c = self.counts.get(count);
        c.kref
            .get("lease_pins.kref_get", Holder::Obj(umem.obj(), "lease_pins"));
        c.pins.fetch_add("block_close_pin.lease_pins", 1);
        let _ = k
            .umems
            .get(umem)
            .ext
            .part::<PinCount>("block-close's count in struct ib_umem")
            .count
            .set(count);
        Ok(Ok(()))
    }

    /// The pin goes: the count drops (waking a close that waits for it).
    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        self.tracking.unpin(k, cur, umem_h)?;
        let umem = k.umems.get(umem_h);
        let Some(&count) = umem
            .ext
            .part::<PinCount>("block-close's count in struct ib_umem")
            .count
            .get()
        else {
            return Ok(());
        };
        self.counts
            .deref("block_close_unpin.count", count, "Write of lease pins")
            .pins
            .fetch_add("block_close_unpin.lease_pins", -1);
        self.put_count(count, &Holder::Obj(umem_h.obj(), "lease_pins"));
        Ok(())
    }

    fn show_fdinfo(&self, k: &Kernel, cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        self.tracking.show_fdinfo(k, cur, file)
    }

    fn lease_usable(&self, k: &Kernel, lease: Handle<FileLock>) -> bool {
        count_of(&k.leases.get(lease))
            .dying
            .load("mapping_inode_has_layout.lease_dying")
            == 0
    }

    fn lease_unlock(&self, k: &Kernel, lease: Handle<FileLock>) -> Result<(), Errno> {
        let l = k.leases.get(lease);
        let lc = count_of(&l);
        if self
            .counts
            .get(lc.count)
            .pins
            .load("block_close_unlock.lease_pins")
            > 0
        {
            return Err(Errno::EBUSY);
        }
        lc.dying.store("block_close_unlock.dying", 1);
        Ok(())
    }

    /// The last close sleeps (killable) until no pin relies on the lease, unless the task exits.
    fn lease_close(&self, k: &Kernel, cur: &Task, lease: Handle<FileLock>) -> KResult<bool> {
        let l = k.leases.get(lease);
        let lc = count_of(&l);
        let c = self.counts.get(lc.count);
        let inode = &k.data_files[l.inode];
        loop {
            if !cur.exiting() {
                wait_var_event(
                    "locks_remove_file.wait_lease_pins",
                    &c.pins,
                    Sleep::Killable,
                    || {
                        (
                            Some(k.leases.name(lease)),
                            format!(
                                "the last close of {} waits for the pins under its lease to be \
                                 released",
                                inode.name
                            ),
                        )
                    },
                    |pins| pins == 0,
                )?;
            }
            let _list = inode.flc_lease.lock("block_close.flc_lock")?;
            if cur.exiting() || c.pins.load("block_close.lease_pins") == 0 {
                lc.dying.store("block_close.dying", 1);
                return Ok(true);
            }
        }
    }

    /// The lease's reference on its count goes with it.
    fn lease_removed(&self, k: &Kernel, _cur: &Task, lease: Handle<FileLock>) -> KResult<()> {
        let count = count_of(&k.leases.get(lease)).count;
        self.put_count(count, &Holder::Obj(lease.obj(), "pins"));
        Ok(())
    }
}
