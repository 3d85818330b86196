//! `zombie-lease`: Ira's "zombie" layout leases (`20190904165425.GB31319@iweiny-DESK2.sc.intel.com`,
//! after Jan Kara's `20190815130558.GF14313@quack2.suse.cz`: the lease, not the file pin, is what
//! makes truncate fail, so it must be kept while pages are pinned).
//!
//! Claim: "The page pins are not zombied the lease is. The lease still exists, it can't be dropped
//! while the pins are in place ... Closing the FD will 'zombie' the lease but it and the struct
//! file will still exist until the pins go away. Furthermore, a 'zombie' lease is _not_ sufficient
//! to pin more pages." The filesystem stays protected whatever the application does (a truncate
//! fails with ETXTBSY for as long as any page is pinned), and the administrator finds the pins in
//! procfs. Dave Chinner's objection (`20190819092409.GM7777@dread.disaster.area`) is about the
//! API: leases belong to open file descriptions, and zombies are "largely untraceable".
//!
//! Here: pins are tracked as `bundle` does, in records holding no file; each lease counts the pins
//! taken under it. `F_UNLCK` of a pinned lease fails with EBUSY. At the last `__fput` of its file a
//! pinned lease is not removed but becomes a zombie, kept by its inode's lock context (the struct
//! file itself goes: only the lease persists; nothing follows its `fl_file`); the pin search skips
//! zombies, a truncate still meets them; the last unpin removes the zombie. A lease being removed
//! is marked so first, under `flc_lock`, so no pin can take it between the check and the removal.
//!
//! Its patches: a pin count and a state in `struct file_lock`, the lease in `struct ib_umem`.

use std::sync::OnceLock;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::{ObjId, Root};
use crate::proposals::bundle::{self, DataFileRef};
use crate::proposals::{Ext, Proposal};
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::sync::Atomic;
use crate::task::Task;
use crate::vfs::file::File;
use crate::vfs::locks::{locks_free_lock, FileLock, LeaseRef};
use crate::{Errno, KResult};

/// The lease can pin.
const LIVE: i64 = 0;
/// Its file is gone, its pins are not.
const ZOMBIE: i64 = 1;
/// It is being removed.
const DYING: i64 = 2;

/// The design's patch to `struct file_lock`.
pub struct ZombieState {
    /// Pins taken under the lease and not yet released.
    pub pins: Atomic,
    /// `LIVE`, `ZOMBIE` or `DYING`.
    pub state: Atomic,
}

/// The design's patch to `struct ib_umem`: the lease its pin was taken under.
pub struct PinLease {
    /// The lease (kept alive by this pin).
    pub lease: OnceLock<Handle<FileLock>>,
}

/// The proposal.
pub struct ZombieLease {
    tracking: bundle::Bundle,
}

fn state_of(l: &FileLock) -> &ZombieState {
    l.ext.part("zombie-lease's state in struct file_lock")
}

impl ZombieLease {
    /// The design.
    pub fn new() -> ZombieLease {
        ZombieLease {
            tracking: bundle::Bundle::new(DataFileRef::None),
        }
    }
}

impl Default for ZombieLease {
    fn default() -> Self {
        Self::new()
    }
}

impl Proposal for ZombieLease {
    fn name(&self) -> &'static str {
        "zombie-lease"
    }

    fn ufile_ext(&self) -> Ext {
        self.tracking.ufile_ext()
    }

    fn umem_ext(&self) -> Ext {
        self.tracking.umem_ext().and(Ext::new(PinLease {
            lease: OnceLock::new(),
        }))
    }

    fn lease_ext(&self, _lease: ObjId) -> Ext {
        Ext::new(ZombieState {
            pins: Atomic::new(0),
            state: Atomic::new(LIVE),
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
        // Under flc_lock, with the lease found live.
        state_of(&k.leases.get(lease.lease))
            .pins
            .fetch_add("zombie_pin.lease_pins", 1);
        let _ = k
            .umems
            .get(umem)
            .ext
            .part::<PinLease>("zombie-lease's lease in struct ib_umem")
            .lease
            .set(lease.lease);
        Ok(Ok(()))
    }

    /// The pin goes; a zombie goes with its last pin.
    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        self.tracking.unpin(k, cur, umem_h)?;
        let umem = k.umems.get(umem_h);
        let Some(&lease) = umem
            .ext
            .part::<PinLease>("zombie-lease's lease in struct ib_umem")
            .lease
            .get()
        else {
            return Ok(());
        };
        let l = k
            .leases
            .deref("zombie_unpin.lease", lease, "Write of lease pins");
        let st = state_of(&l);
        let gone = {
            let mut list = k.data_files[l.inode]
                .flc_lease
                .lock("zombie_unpin.flc_lock")?;
            let left = st.pins.fetch_add("zombie_unpin.lease_pins", -1) - 1;
            let last = left == 0 && st.state.load("zombie_unpin.state") == ZOMBIE;
            if last {
                st.state.store("zombie_unpin.dying", DYING);
                list.retain(|x| *x != lease);
            }
            last
        };
        if gone {
            locks_free_lock(k, cur, lease)?;
        }
        Ok(())
    }

    fn show_fdinfo(&self, k: &Kernel, cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        self.tracking.show_fdinfo(k, cur, file)
    }

    /// A zombie is not enough to pin more pages.
    fn lease_usable(&self, k: &Kernel, lease: Handle<FileLock>) -> bool {
        state_of(&k.leases.get(lease))
            .state
            .load("mapping_inode_has_layout.lease_state")
            == LIVE
    }

    /// "If the page pins exist then the lease can _not_ be released."
    fn lease_unlock(&self, k: &Kernel, lease: Handle<FileLock>) -> Result<(), Errno> {
        let l = k.leases.get(lease);
        let st = state_of(&l);
        if st.pins.load("zombie_unlock.lease_pins") > 0 {
            return Err(Errno::EBUSY);
        }
        st.state.store("zombie_unlock.dying", DYING);
        Ok(())
    }

    /// The lease's file is released: with pins, the lease becomes a zombie.
    fn lease_close(&self, k: &Kernel, _cur: &Task, lease: Handle<FileLock>) -> KResult<bool> {
        let l = k.leases.get(lease);
        let st = state_of(&l);
        let _list = k.data_files[l.inode]
            .flc_lease
            .lock("zombie_close.flc_lock")?;
        if st.pins.load("zombie_close.lease_pins") > 0 {
            st.state.store("zombie_close.zombie", ZOMBIE);
            let name = crate::Name::clone(&k.data_files[l.inode].name);
            l.rehold(lease, crate::oracle::Holder::Root(Root::Fs(name)));
            return Ok(false);
        }
        st.state.store("zombie_close.dying", DYING);
        Ok(true)
    }
}
