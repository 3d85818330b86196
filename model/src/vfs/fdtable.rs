//! `struct files_struct`: the fd table, as fs/file.c of v5.3 keeps it. Its slots (`fdt->fd[]`)
//! are RCU-published pointers: `fget` reads one with no lock (`fcheck_files`, an
//! `rcu_dereference`), and every writer either holds `files->file_lock` (`__close_fd`, `dup_fd`,
//! the allocation of a number in `__alloc_fd`) or owns the slot's number (`fd_install` stores into
//! a slot `__alloc_fd` reserved for it, with no lock: v5.3 only holds `rcu_read_lock_sched`
//! there, against a concurrent table resize the model does not have).
//!
//! A slot is an engine atomic holding an encoded [`Handle`] (0 is NULL): a load for
//! `rcu_dereference` (an RMW of zero for procfs, see [`FilesStruct::fcheck_files_latest`]), a
//! store for `rcu_assign_pointer` into an empty slot (see [`FilesStruct::assign`]; the facade
//! makes every store an exchange, see [`Atomic::store`]) and an exchange for a removal
//! (`__close_fd`'s read-then-clear under the lock, `close_files`' `xchg`), so no writer loads a
//! slot right before writing it. (tokio-rs/loom#166: a load followed by the same thread's store
//! hides that store's race with another thread's earlier load; what remains is a thread that
//! looked an fd up in one syscall and closes it in a later one while a third looks it up.) The
//! numbers in use (`open_fds`) live under `file_lock`, std-side, because only holders of the
//! lock read or change them.

use crate::heap::Handle;
use crate::sync::{Atomic, Mutex, MutexGuard, Step};
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
    fd: Vec<Atomic>,
}

/// `file_lock` held, with the numbers in use.
pub type FileLockGuard<'a> = MutexGuard<'a, Vec<bool>>;

impl FilesStruct {
    /// An empty table. Creating it is not a step.
    pub fn new() -> FilesStruct {
        FilesStruct {
            file_lock: Mutex::new("file_lock", vec![false; FDS_MAX]),
            fd: (0..FDS_MAX).map(|_| Atomic::new(0)).collect(),
        }
    }

    /// A private copy of a table (`dup_fd`'s new one): slot `fd` holds `fds[fd]` and its number is
    /// allocated when it holds a file. Creating it is not a step.
    pub fn copy_of(fds: &[Option<Handle<File>>]) -> FilesStruct {
        FilesStruct {
            file_lock: Mutex::new("file_lock", fds.iter().map(Option::is_some).collect()),
            fd: fds
                .iter()
                .map(|f| Atomic::new(f.map_or(0, Handle::encode)))
                .collect(),
        }
    }

    /// `spin_lock(&files->file_lock)` as `step`.
    pub fn lock(&self, step: Step) -> KResult<FileLockGuard<'_>> {
        self.file_lock.lock(step)
    }

    /// `fcheck_files`: `rcu_dereference(fdt->fd[fd])`, one engine load, under `rcu_read_lock`
    /// or `file_lock`; an fd beyond the table is NULL. Loads of one slot by two threads are not
    /// ordered against each other (the kernel does not order them either); under loom a load
    /// may read an older pointer than the last one stored, as an RCU reader may.
    pub fn fcheck_files(&self, step: Step, fd: usize) -> Option<Handle<File>> {
        let slot = self.fd.get(fd)?;
        Handle::decode(slot.load(step))
    }

    /// `fcheck_files` for a procfs reader: the slot's latest value, read with an RMW of zero. A
    /// listing is judged against the table as it was at the step of its lookup (the oracle's
    /// truth, as when `file_lock` guarded every lookup), so procfs reads the value of that step,
    /// never an older one a load could return (with loads, s15 and s11 found weak-memory "lies"
    /// of the context design and the RFC that no sequentially consistent order has). The cost:
    /// the RMW is ordered against other threads' loads of the same slot.
    pub fn fcheck_files_latest(&self, step: Step, fd: usize) -> Option<Handle<File>> {
        let slot = self.fd.get(fd)?;
        Handle::decode(slot.fetch_add(step, 0))
    }

    /// `rcu_assign_pointer(fdt->fd[fd], f)` into a slot whose number the caller allocated and
    /// nobody else writes (`fd_install`).
    pub fn assign(&self, step: Step, fd: usize, f: Handle<File>) {
        self.fd[fd].store(step, f.encode());
    }

    /// Clear slot `fd` and return what it held (`__close_fd` under `file_lock`, `close_files`'
    /// `xchg`): one exchange, so a slot found NULL stays NULL.
    pub fn clear(&self, step: Step, fd: usize) -> Option<Handle<File>> {
        let slot = self.fd.get(fd)?;
        Handle::decode(slot.swap(step, 0))
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
