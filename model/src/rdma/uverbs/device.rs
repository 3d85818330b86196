//! `struct ib_uverbs_device` and hot-unplug, `ib_uverbs_remove_one`. A driver that implements
//! `disassociate_ucontext` gets `ib_uverbs_free_hw_resources` →
//! `uverbs_destroy_ufile_hw(DRIVER_REMOVE)` for every open ufile, and removal returns without
//! waiting for the fds. For a driver that does not, removal destroys nothing: it drops the
//! device's own reference and `wait_for_completion(&uverbs_dev->comp)` until every ufile is
//! released, that is until every fd of every process on the device is closed (docs/kernel.md §2.6).

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::Holder;
use crate::rdma::uverbs::ufile::{ib_uverbs_release_file, uverbs_destroy_ufile_hw, Ufile};
use crate::rdma::uverbs::uobject::Reason;
use crate::sync::{Atomic, Completion, Mutex, RwSem, RwSemReadGuard};
use crate::task::Task;
use crate::{Errno, KResult};

/// One uverbs character device.
pub struct Device {
    /// Scenario name (`uverbs0`).
    pub name: String,
    /// `disassociate_srcu`, modelled as an rw-semaphore: syscalls read, `synchronize_srcu` writes.
    pub srcu: RwSem<()>,
    /// `lists_mutex` protecting `uverbs_file_list` (uncounted membership).
    pub lists_mutex: Mutex<Vec<Handle<Ufile>>>,
    /// `ib_dev`: 1 until disassociate sets it to NULL.
    pub ib_dev: Atomic,
    /// Whether the driver implements `disassociate_ucontext` (a scenario's device property).
    pub disassociate: bool,
    /// The cdev: 1 while registered (`cdev_device_del` makes new opens fail).
    pub cdev: Atomic,
    /// `refcount`: the device's own reference plus one per ufile.
    pub refcount: Atomic,
    /// `comp`: completed when `refcount` reaches zero.
    pub comp: Completion,
}

impl Device {
    /// A registered device; `disassociate`: its driver implements `disassociate_ucontext`.
    pub fn new(name: &str, disassociate: bool) -> Device {
        Device {
            name: name.to_string(),
            srcu: RwSem::new("disassociate_srcu", ()),
            lists_mutex: Mutex::new("lists_mutex", Vec::new()),
            ib_dev: Atomic::new(1),
            disassociate,
            cdev: Atomic::new(1),
            refcount: Atomic::new(1),
            comp: Completion::new("uverbs_dev->comp"),
        }
    }

    /// `atomic_dec_and_test(&dev->refcount)` → `ib_uverbs_comp_dev`.
    pub fn put(&self, step: crate::sync::Step) {
        if self.refcount.dec_return(step) == 0 {
            self.comp.complete("ib_uverbs_comp_dev.complete");
        }
    }
}

impl Device {
    /// `ib_uverbs_write` / `ib_uverbs_ioctl`'s prelude: `srcu_read_lock(disassociate_srcu)`, then
    /// -EIO when the device was disassociated. The guard is the SRCU read section.
    pub fn uverbs_cmd_begin(&self) -> KResult<Result<RwSemReadGuard<'_, ()>, Errno>> {
        let srcu = self.srcu.down_read("ib_uverbs_write.srcu_read_lock")?;
        if self.ib_dev.load("ib_uverbs_write.ib_dev") == 0 {
            return Ok(Err(Errno::EIO));
        }
        Ok(Ok(srcu))
    }
}

/// `ib_uverbs_remove_one`: no new opens; for a disassociating driver destroy every open ufile's
/// objects ([`ib_uverbs_free_hw_resources`]) and return; otherwise wait until the last ufile is
/// released.
pub fn ib_uverbs_remove_one(k: &Kernel, cur: &Task, dev_index: usize) -> KResult<()> {
    let dev = &k.devices[dev_index];
    dev.cdev.store("remove_one.cdev_device_del", 0);
    if dev.disassociate {
        ib_uverbs_free_hw_resources(k, cur, dev_index)?;
    }
    dev.put("remove_one.refcount");
    if !dev.disassociate {
        dev.comp
            .wait_for_completion("remove_one.wait_for_completion")?;
    }
    Ok(())
}

/// `ib_uverbs_free_hw_resources`: `uverbs_disassociate_api_pre` (`ib_dev` = NULL, then
/// `synchronize_srcu` drains every syscall), then `uverbs_destroy_ufile_hw(DRIVER_REMOVE)` for
/// each ufile, popped from the device's list under `lists_mutex` and held meanwhile.
fn ib_uverbs_free_hw_resources(k: &Kernel, cur: &Task, dev_index: usize) -> KResult<()> {
    let dev = &k.devices[dev_index];
    dev.ib_dev.store("disassociate_api_pre.ib_dev", 0);
    drop(dev.srcu.down_write("remove_one.synchronize_srcu")?);
    loop {
        let ufile_h = {
            let mut list = dev.lists_mutex.lock("free_hw_resources.lists_mutex")?;
            if list.is_empty() {
                break;
            }
            let u = list.remove(0);
            k.ufiles.get(u).kref.get(
                "free_hw_resources.kref_get",
                Holder::Task(cur.tid, "free_hw_resources"),
            );
            u
        };
        uverbs_destroy_ufile_hw(k, cur, ufile_h, Reason::DriverRemove)?;
        let ufile = k.ufiles.get(ufile_h);
        if ufile.kref.put(
            "free_hw_resources.kref_put",
            &Holder::Task(cur.tid, "free_hw_resources"),
        ) {
            ib_uverbs_release_file(k, cur, ufile_h)?;
        }
    }
    Ok(())
}
