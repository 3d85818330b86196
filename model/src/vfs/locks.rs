//! `fs/locks.c` for layout leases as the 2019 series made them user-visible (RFC 01/19 "fs/locks:
//! Export F_LAYOUT lease to user space" and 02/19 "fs/locks: Add Exclusive flag to user Layout
//! lease", `20190809225833.6657-2-ira.weiny@intel.com` and `-3-`): a `struct file_lock` per lease
//! on the inode's `flc_lease` list under `flc_lock`, taken with `fcntl(fd, F_SETLEASE, F_LAYOUT |
//! F_EXCLUSIVE)`, released with `F_UNLCK` (`generic_delete_lease`) or at the last `__fput` of the
//! file it was taken through (`locks_remove_file`); the pin-time search of RFC 04/19 and 14/19
//! (`mapping_inode_has_layout`: a layout lease of `current->tgid`, or the pin fails with EPERM);
//! and `break_layout` as truncate calls it (RFC 05/19 and 08/19).
//!
//! Semantics the series left open, and the choice made here:
//! - Every user layout lease is exclusive. 14/19 pins only under a lease with both FL_LAYOUT and
//!   FL_EXCLUSIVE, so a breakable layout lease can never cover a long-term pin; the breakable kind
//!   (pNFS's, whose break notifies the holder with SIGIO and waits `lease_break_time`) is not
//!   modelled, and no lease holder is ever notified: 02/19's `__break_lease` fails an exclusive
//!   lease's break at once.
//! - Breaking an exclusive lease fails with ETXTBSY, or with EDEADLK when the breaker's own thread
//!   group holds it (02/19's EDEADLOCK, "likely a programming bug").
//! - A lease is not counted (Jason, `20190825193900.GA21239@ziepe.ca`: "Leases are not
//!   individually trackable or reference counted objects"): it belongs to the open file description
//!   it was taken through and goes at its last `__fput` or at `F_UNLCK`, unless the lifetime
//!   proposal's lease hooks say otherwise (a zombie lease, a close that waits, an abort).

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::Holder;
use crate::proposals::Ext;
use crate::sync::Step;
use crate::task::Task;
use crate::vfs::file::{field, File, FileKind};
use crate::{Errno, KResult, Name};

/// A layout lease (`struct file_lock` with FL_LEASE | FL_LAYOUT | FL_EXCLUSIVE).
pub struct FileLock {
    /// `fl_file`: the struct file the lease was taken through. Uncounted: the lease belongs to
    /// that open file description and is removed at its last `__fput`.
    pub fl_file: Handle<File>,
    /// `fl_pid`: the thread group (process) that took it.
    pub fl_pid: Name,
    /// The inode it is on: index in the kernel's data files.
    pub inode: usize,
    /// What the lifetime proposal adds to the lease.
    pub ext: Ext,
    /// Who keeps it, for the oracle's ref tracker (its file; a proposal may hand it on). Std-side
    /// bookkeeping, not kernel state.
    holder: std::sync::Mutex<Holder>,
}

impl FileLock {
    /// Hand the lease to another keeper (a proposal that keeps a lease past its file's release).
    pub fn rehold(&self, lease: Handle<FileLock>, to: Holder) {
        let mut h = self.holder.lock().unwrap_or_else(|e| e.into_inner());
        crate::sync::current_oracle()
            .1
            .rehold(lease.obj(), &h, to.clone());
        *h = to;
    }
}

/// The lease `file` was taken through on `inode`, if any (the caller holds `flc_lock`, which is
/// what keeps each listed lease alive: each read is a checked dereference at `step`, so a path
/// that walks the list without the lock meets a freed lease as a use-after-free).
fn lease_of(
    k: &Kernel,
    step: Step,
    list: &[Handle<FileLock>],
    file: Handle<File>,
) -> Option<usize> {
    list.iter()
        .position(|l| k.leases.deref(step, *l, "Read of file_lock").fl_file == file)
}

/// The inode behind `file` when it is a file of the DAX filesystem: leases are only for regular
/// files (`generic_setlease`: EINVAL otherwise).
fn data_inode(k: &Kernel, file: Handle<File>) -> Result<usize, Errno> {
    match k.files.get(file).kind {
        FileKind::Data { index } => Ok(index),
        _ => Err(Errno::EINVAL),
    }
}

/// `fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE)` on `file` by thread group `tgid`
/// (`do_fcntl_add_lease` → `generic_add_lease`). Taking it again through the same file is a no-op.
/// v5.3 (a proposal without the series) does not know F_LAYOUT: EINVAL.
pub fn fcntl_setlease(k: &Kernel, tgid: &Name, file: Handle<File>) -> KResult<Result<(), Errno>> {
    let inode = match data_inode(k, file) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e)),
    };
    if !k.proposal.layout_lease_pins() {
        return Ok(Err(Errno::EINVAL));
    }
    let mut list = k.data_files[inode]
        .flc_lease
        .lock("generic_add_lease.flc_lock")?;
    if lease_of(k, "generic_add_lease.fl_file", &list, file).is_some() {
        return Ok(Ok(()));
    }
    let holder = field(file, "lease");
    let lease = k.leases.alloc("lease_alloc", |id| FileLock {
        fl_file: file,
        fl_pid: Name::clone(tgid),
        inode,
        ext: k.proposal.lease_ext(id),
        holder: std::sync::Mutex::new(holder.clone()),
    });
    crate::sync::current_oracle().1.hold(lease.obj(), holder);
    list.push(lease);
    Ok(Ok(()))
}

/// `fcntl(fd, F_SETLEASE, F_UNLCK)` on `file` (`generic_delete_lease`): EAGAIN without a lease;
/// the proposal may refuse while pins rely on it.
pub fn fcntl_unlock_lease(
    k: &Kernel,
    cur: &Task,
    file: Handle<File>,
) -> KResult<Result<(), Errno>> {
    let inode = match data_inode(k, file) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e)),
    };
    let lease = {
        let mut list = k.data_files[inode]
            .flc_lease
            .lock("generic_delete_lease.flc_lock")?;
        let Some(pos) = lease_of(k, "generic_delete_lease.fl_file", &list, file) else {
            return Ok(Err(Errno::EAGAIN));
        };
        if let Err(e) = k.proposal.lease_unlock(k, list[pos]) {
            return Ok(Err(e));
        }
        list.remove(pos)
    };
    locks_free_lock(k, cur, lease)?;
    Ok(Ok(()))
}

/// `locks_remove_file` at `__fput` of a data file: every lease taken through it goes, after the
/// proposal's `lease_close` hook (which may sleep, or keep the lease).
pub fn locks_remove_file(k: &Kernel, cur: &Task, file: Handle<File>) -> KResult<()> {
    let Ok(inode) = data_inode(k, file) else {
        return Ok(());
    };
    let mine: Vec<Handle<FileLock>> = {
        let list = k.data_files[inode]
            .flc_lease
            .lock("locks_remove_lease.flc_lock")?;
        list.iter()
            .copied()
            .filter(|l| {
                let l = k
                    .leases
                    .deref("locks_remove_lease.fl_file", *l, "Read of file_lock");
                l.fl_file == file
            })
            .collect()
    };
    for lease in mine {
        if !k.proposal.lease_close(k, cur, lease)? {
            continue;
        }
        {
            // lease_modify(fl, F_UNLCK) reads `fl->fl_file` (f_delown, fasync_helper) before
            // locks_delete_lock_ctx unlinks it: a checked read of the lease, inside the lock.
            let mut list = k.data_files[inode]
                .flc_lease
                .lock("locks_remove_lease.lease_modify")?;
            k.leases
                .deref("lease_modify.fl_file", lease, "Read of fl_file");
            list.retain(|l| *l != lease);
        }
        locks_free_lock(k, cur, lease)?;
    }
    Ok(())
}

/// A lease taken off its list goes (`locks_dispose_list`): the proposal is told, then it is freed.
pub fn locks_free_lock(k: &Kernel, cur: &Task, lease: Handle<FileLock>) -> KResult<()> {
    k.proposal.lease_removed(k, cur, lease)?;
    {
        let l = k.leases.get(lease);
        let h = l.holder.lock().unwrap_or_else(|e| e.into_inner());
        crate::sync::current_oracle().1.unhold(lease.obj(), &h);
    }
    k.leases.free("locks_free_lock", lease);
    Ok(())
}

/// What the lease search found for a pin: the lease and the struct file it lives on (14/19 takes
/// a reference on that file in each pin record: "it keeps the lease alive", Jan Kara).
#[derive(Clone, Copy, Debug)]
pub struct LeaseRef {
    /// The lease.
    pub lease: Handle<FileLock>,
    /// Its `fl_file`.
    pub fl_file: Handle<File>,
}

/// RFC 04/19 and 14/19 `mapping_inode_has_layout`, called by GUP for a FOLL_LONGTERM pin of an
/// FS-DAX page: under `flc_lock`, a layout lease of `tgid` the proposal accepts; with it, `pin`
/// runs (14/19 adds the file pin there, under the lock). No lease: EPERM.
pub fn mapping_inode_has_layout(
    k: &Kernel,
    inode: usize,
    tgid: &Name,
    pin: impl FnOnce(&LeaseRef) -> KResult<Result<(), Errno>>,
) -> KResult<Result<Handle<FileLock>, Errno>> {
    let list = k.data_files[inode]
        .flc_lease
        .lock("mapping_inode_has_layout.flc_lock")?;
    for &lease in list.iter() {
        let l = k.leases.deref(
            "mapping_inode_has_layout.fl_pid",
            lease,
            "Read of file_lock",
        );
        if l.fl_pid == *tgid && k.proposal.lease_usable(k, lease) {
            let found = LeaseRef {
                lease,
                fl_file: l.fl_file,
            };
            return Ok(pin(&found)?.map(|()| lease));
        }
    }
    Ok(Err(Errno::EPERM))
}

/// `break_layout(inode, true)` from truncate (02/19's `__break_lease` on exclusive leases): any
/// lease fails the break, with EDEADLK when the breaker's own thread group holds one.
pub fn break_layout(k: &Kernel, inode: usize, tgid: &Name) -> KResult<Result<(), Errno>> {
    let list = k.data_files[inode]
        .flc_lease
        .lock("__break_lease.flc_lock")?;
    if list.is_empty() {
        return Ok(Ok(()));
    }
    let own = list.iter().any(|l| {
        k.leases
            .deref("__break_lease.fl_pid", *l, "Read of file_lock")
            .fl_pid
            == *tgid
    });
    Ok(Err(if own { Errno::EDEADLK } else { Errno::ETXTBSY }))
}
