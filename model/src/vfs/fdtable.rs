//! `struct files_struct`: the fd table, as fs/file.c of v5.3 keeps it. Its slots (`fdt->fd[]`)
//! are RCU-published pointers: `fget` reads one with no lock (`fcheck_files`, an
//! `rcu_dereference`), and every writer either holds `files->file_lock` (`__close_fd`, `dup_fd`,
//! the allocation of a number in `__alloc_fd`), owns the slot's number (`fd_install` stores into
//! a slot `__alloc_fd` reserved for it, with no lock: v5.3 only holds `rcu_read_lock_sched`
//! there, against a concurrent table resize the model does not have), or is the table's last user
//! (`close_files` at exit).
//!
//! A slot is a [`RcuPointer`] holding an encoded [`Handle`] (0 is NULL): one engine word per
//! scenario thread, a lookup an RMW of the looking-up thread's word, a write an RMW of every word.
//! Two lookups of one slot are then independent for the engines, as in the kernel, and every
//! lookup is still ordered against every `fd_install` and close of the slot. A lookup reads the
//! slot's latest value, never an older one a load may return under loom (the module comment of
//! `sync::rcu_pointer` says why the kernel has no outcome that needs it), so procfs, whose
//! listing is judged against the table at its lookup, needs no lookup of its own: before, its RMW
//! of zero made every procfs lookup dependent on every other thread's lookup of the slot. The writers follow the rule that type's two-word write relies on: a
//! close that finds the slot NULL writes nothing, and only `fd_install` writes into a NULL slot,
//! once per allocated number. The numbers in use (`open_fds`) live under `file_lock`, std-side,
//! because only holders of the lock read or change them.

use crate::heap::Handle;
use crate::sync::{Mutex, MutexGuard, RcuPointer, Step};
use crate::vfs::file::File;
use crate::{Errno, KResult};

/// Open files per process (the table never grows: the kernel's `expand_files` is not modelled).
pub const FDS_MAX: usize = 16;

/// `struct files_struct` with its one `struct fdtable`.
pub struct FilesStruct {
    /// `files->file_lock`, and under it `fdt->open_fds`: which fd numbers are allocated (an
    /// allocated number's slot may still be NULL until its `fd_install`).
    file_lock: Mutex<Vec<bool>>,
    /// `fdt->fd[]`: one published `struct file *` per fd.
    fd: Vec<RcuPointer>,
}

/// `file_lock` held, with the numbers in use.
pub type FileLockGuard<'a> = MutexGuard<'a, Vec<bool>>;

impl FilesStruct {
    /// An empty table. Creating it is not a step.
    pub fn new() -> FilesStruct {
        FilesStruct {
            file_lock: Mutex::new("file_lock", vec![false; FDS_MAX]),
            fd: (0..FDS_MAX)
                .map(|_| RcuPointer::new("fd slot", 0))
                .collect(),
        }
    }

    /// A private copy of a table (`dup_fd`'s new one): slot `fd` holds `fds[fd]` and its number is
    /// allocated when it holds a file. Creating it is not a step.
    pub fn copy_of(fds: &[Option<Handle<File>>]) -> FilesStruct {
        FilesStruct {
            file_lock: Mutex::new("file_lock", fds.iter().map(Option::is_some).collect()),
            fd: fds
                .iter()
                .map(|f| RcuPointer::new("fd slot", f.map_or(0, Handle::encode)))
                .collect(),
        }
    }

    /// `spin_lock(&files->file_lock)` as `step`.
    pub fn lock(&self, step: Step) -> KResult<FileLockGuard<'_>> {
        self.file_lock.lock(step)
    }

    /// `fcheck_files`: `rcu_dereference(fdt->fd[fd])` under `rcu_read_lock` or `file_lock`, the
    /// slot's latest value; an fd beyond the table is NULL. Lookups of one slot by two threads
    /// are not ordered against each other (the kernel does not order them either). procfs
    /// readers use it too: a listing is judged against the table as it was at the step of its
    /// lookup, which needs the latest value (an older one, as a plain load could return under
    /// loom, gave weak-memory "lies" that no sequentially consistent order has).
    pub fn fcheck_files(&self, step: Step, fd: usize) -> Option<Handle<File>> {
        let slot = self.fd.get(fd)?;
        Handle::decode(slot.read(step))
    }

    /// `rcu_assign_pointer(fdt->fd[fd], f)` into a slot whose number the caller allocated and
    /// nobody else writes (`fd_install`). `then` runs at the instant other threads' lookups start
    /// to find `f` (see [`RcuPointer::exchange`]).
    pub fn assign(&self, step: Step, fd: usize, f: Handle<File>, then: impl FnOnce()) {
        let old = self.fd[fd].exchange(step, f.encode(), |_| then());
        assert!(
            old == 0,
            "fd_install into fd {fd}, which holds file {:?}: its number was not reserved for it",
            Handle::<File>::decode(old)
        );
    }

    /// Clear slot `fd` and return what it held (`__close_fd` under `file_lock`, `close_files`'
    /// `xchg`); a slot found NULL stays NULL. `then` runs at the instant other threads' lookups
    /// start to find NULL.
    pub fn clear(&self, step: Step, fd: usize, then: impl FnOnce()) -> Option<Handle<File>> {
        let slot = self.fd.get(fd)?;
        Handle::decode(slot.exchange(step, 0, |_| then()))
    }
}

impl Default for FilesStruct {
    fn default() -> Self {
        Self::new()
    }
}

/// `__alloc_fd` under the held `file_lock`: the lowest unused number, now marked in `open_fds`.
pub fn alloc_fd(open_fds: &mut FileLockGuard<'_>) -> Result<usize, Errno> {
    let fd = open_fds
        .iter()
        .position(|used| !*used)
        .ok_or(Errno::EMFILE)?;
    open_fds[fd] = true;
    Ok(fd)
}

/// `__put_unused_fd` under the held `file_lock`: the number is free again.
pub fn put_unused_fd(open_fds: &mut FileLockGuard<'_>, fd: usize) {
    open_fds[fd] = false;
}
