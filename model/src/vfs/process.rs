//! A process: its fd table ([`FilesStruct`]), its mm, and the syscalls on the table:
//! `fd_install`, `fget`, `close` (`__close_fd` → `filp_close` → `fput`), `dup`, `fork`
//! (`dup_fd`), and `do_exit` (exit_mm, exit_files, exit_task_work: docs/kernel.md §2.5).
//!
//! As fs/file.c of v5.3 does it: `fget` takes no lock (an RCU lookup and an increment unless
//! zero), `fd_install` takes none (its number was allocated under `file_lock` before), and the
//! writers that look a slot up and change it (`__close_fd`, `dup_fd`) hold `file_lock`.

use std::sync::Arc;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::mm::{mm_alloc, mmput, Mm};
use crate::oracle::{Holder, Root};
use crate::task::Task;
use crate::vfs::fdtable::{alloc_fd, put_unused_fd, FilesStruct};
use crate::vfs::file::{fput, get_file, File};
use crate::{Errno, KResult, Name};

pub use crate::vfs::fdtable::FDS_MAX;

/// A process.
pub struct Process {
    /// Scenario name (`p0`).
    pub name: Name,
    /// The fd table (`files_struct`).
    pub files: FilesStruct,
    /// Its address space.
    pub mm: Handle<Mm>,
}

/// The root holder naming an fd slot (`p0.fd3`).
pub fn fd_holder(p: &Process, fd: usize) -> Holder {
    Holder::Root(Root::Fd(Name::clone(&p.name), fd))
}

/// A new process with an empty fd table and a fresh mm.
pub fn new_process(k: &Kernel, name: &Name) -> Arc<Process> {
    with_files(k, name, FilesStruct::new())
}

/// A new process with the fd table `files` and a fresh mm.
fn with_files(k: &Kernel, name: &Name, files: FilesStruct) -> Arc<Process> {
    let p = Arc::new(Process {
        name: Name::clone(name),
        files,
        mm: mm_alloc(k, name),
    });
    k.processes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Arc::clone(&p));
    p
}

/// `get_unused_fd_flags` (`__alloc_fd`: the lowest free number, under `file_lock`), then
/// `fd_install` (`rcu_assign_pointer` of that slot, with no lock): the reference `from` holds
/// moves into the slot.
pub fn fd_install(
    _k: &Kernel,
    p: &Process,
    f: Handle<File>,
    from: &Holder,
) -> KResult<Result<usize, Errno>> {
    let fd = {
        let mut open_fds = p.files.lock("alloc_fd.file_lock")?;
        match alloc_fd(&mut open_fds) {
            Ok(fd) => fd,
            Err(e) => return Ok(Err(e)),
        }
    };
    let (_, oracle) = crate::sync::current_oracle();
    p.files.assign("fd_install.rcu_assign_pointer", fd, f, || {
        oracle.rehold(f.obj(), from, fd_holder(p, fd));
        oracle.fd_install(&p.name, fd, f.obj());
    });
    Ok(Ok(fd))
}

/// `fget` (`__fget` in fs/file.c, v5.3): a counted reference held by the task, taken with no
/// lock (see [`__fget_files`]).
pub fn fget(
    k: &Kernel,
    cur: &Task,
    p: &Process,
    fd: usize,
    why: &'static str,
) -> KResult<Option<Handle<File>>> {
    __fget_files(k, &p.files, fd, Holder::Task(cur.tid, why))
}

/// `__fget`'s lookup of `files` (v5.3; `__fget_files` since v5.8): under `rcu_read_lock`,
/// `fcheck_files` reads the slot and `get_file_rcu` (`atomic_long_inc_not_zero(&file->f_count)`)
/// takes the reference unless the count is already zero. Zero means the file's last `fput` ran
/// after the slot was read (a close cleared the slot first), so the lookup starts again and finds
/// what the slot holds now: NULL (EBADF) or a file installed since. A count that stays zero while
/// the slot keeps the file (a reference counted one short) spins as the kernel would, until the
/// execution's step budget reports the livelock. v5.3 does not check the slot again after the
/// increment (054aa8d439b9 added that in v5.16); nor does the model.
///
/// The slot is read with [`FilesStruct::fcheck_files`] (its latest value). No lock, so two lookups
/// are ordered only by the f_count they both increment. The RCU read-side section makes no engine
/// access: it keeps the struct file's memory (`__fput` frees it through `call_rcu`) for the one
/// read of f_count, which the model makes without a liveness check (the memory of a freed object
/// stays readable in the model), so a `call_rcu` waiting for it or not changes nothing but the step
/// at which `file_free_rcu` runs: it can run earlier than the kernel lets it, which only a thread
/// reading the file with neither a reference nor an RCU section of its own could notice, and that
/// thread has a bug anyway. As `rcu.rs`'s readers the section made every lookup dependent on every
/// `call_rcu` of the execution (s16 unbounded: 351 loom executions instead of 57).
pub fn __fget_files(
    k: &Kernel,
    files: &FilesStruct,
    fd: usize,
    holder: Holder,
) -> KResult<Option<Handle<File>>> {
    loop {
        let Some(f) = files.fcheck_files("fget.fcheck_files", fd) else {
            return Ok(None);
        };
        let file = k.files.get(f);
        if file
            .f_count
            .get_unless_zero("fget.get_file_rcu", holder.clone())
        {
            return Ok(Some(f));
        }
        crate::sync::current_oracle()
            .1
            .check_progress("fget.get_file_rcu")?;
    }
}

/// `close(fd)` (`__close_fd`): under `file_lock` clear the slot and free the number, then
/// `filp_close` → `fput` outside it.
pub fn close_fd(k: &Kernel, cur: &Task, p: &Process, fd: usize) -> KResult<Result<(), Errno>> {
    let (_, oracle) = crate::sync::current_oracle();
    let f = {
        let mut open_fds = p.files.lock("close_fd.file_lock")?;
        let removed = || oracle.fd_remove(&p.name, fd);
        let Some(f) = p.files.clear("close_fd.rcu_assign_pointer", fd, removed) else {
            return Ok(Err(Errno::EBADF));
        };
        put_unused_fd(&mut open_fds, fd);
        f
    };
    fput(k, cur, "filp_close.fput", f, &fd_holder(p, fd))?;
    Ok(Ok(()))
}

/// `dup(fd)` (`ksys_dup`): `fget_raw` (the lock-free lookup), then a new number and
/// `fd_install`; with no free number the reference is put back.
pub fn dup(k: &Kernel, cur: &Task, p: &Process, fd: usize) -> KResult<Result<usize, Errno>> {
    let Some(f) = fget(k, cur, p, fd, "dup")? else {
        return Ok(Err(Errno::EBADF));
    };
    let holder = Holder::Task(cur.tid, "dup");
    match fd_install(k, p, f, &holder)? {
        Ok(new) => Ok(Ok(new)),
        Err(e) => {
            fput(k, cur, "dup.fput", f, &holder)?;
            Ok(Err(e))
        }
    }
}

/// `fork`: `dup_fd` copies the table, taking a reference on every open file; `dup_mmap` copies
/// the VMAs (each copy holds its file and runs `vm_ops->open`).
pub fn fork(k: &Kernel, cur: &Task, parent: &Process, child_name: &str) -> KResult<Arc<Process>> {
    let name = Name::from(child_name);
    let fds = dup_fd(k, parent, &name)?;
    let child = with_files(k, &name, FilesStruct::copy_of(&fds));
    let (_, oracle) = crate::sync::current_oracle();
    for (fd, f) in fds.iter().enumerate() {
        if let Some(f) = f {
            oracle.fd_install(&child.name, fd, f.obj());
        }
    }
    crate::mm::vma::dup_mmap(k, cur, parent.mm, child.mm)?;
    Ok(child)
}

/// `dup_fd`: under the parent's `file_lock`, read every allocated slot and take a reference for
/// the child's copy (the child's new table is private to the forking task: no lock, no step). A
/// number allocated but not installed yet copies as NULL and is free in the child, as in v5.3.
fn dup_fd(k: &Kernel, parent: &Process, child: &Name) -> KResult<Vec<Option<Handle<File>>>> {
    let open_fds = parent.files.lock("dup_fd.file_lock")?;
    let mut fds = vec![None; FDS_MAX];
    for (fd, copy) in fds.iter_mut().enumerate() {
        if !open_fds[fd] {
            continue;
        }
        *copy = parent.files.fcheck_files("dup_fd.copy_fd", fd);
        if let Some(f) = *copy {
            let holder = Holder::Root(Root::Fd(Name::clone(child), fd));
            get_file(k, "dup_fd.get_file", f, holder);
        }
    }
    drop(open_fds);
    Ok(fds)
}

/// `do_exit`: exit_mm (mmput: the last drops the VMA files), exit_files (close every fd),
/// exit_task_work (the deferred `__fput`s run here), all with PF_EXITING set.
pub fn do_exit(k: &Kernel, cur: &Task, p: &Process) -> KResult<()> {
    cur.set_exiting(true);
    let r = exit_mm_files(k, cur, p);
    cur.set_exiting(false);
    r
}

/// exit_mm, then `close_files` (each slot whose number `open_fds` marks taken with `xchg`, then
/// `filp_close`), the table freed, then the task work. The kernel's `close_files` takes no lock because it runs when the last task using the
/// table lets go of it; the model's exit is the process's while other scenario threads of it may
/// still be in a syscall, so it takes `file_lock` to read `open_fds` as every other writer does (and so orders itself
/// after a procfs walk of the table under the lock, which the kernel's walk gets by holding the
/// files_struct).
fn exit_mm_files(k: &Kernel, cur: &Task, p: &Process) -> KResult<()> {
    mmput(k, cur, p.mm, &Holder::Root(Root::Mm(Name::clone(&p.name))))?;
    let (_, oracle) = crate::sync::current_oracle();
    let mut files: Vec<(usize, Handle<File>)> = Vec::new();
    {
        let mut open_fds = p.files.lock("close_files.file_lock")?;
        for fd in 0..FDS_MAX {
            if !open_fds[fd] {
                continue;
            }
            if let Some(f) = p
                .files
                .clear("close_files.xchg", fd, || oracle.fd_remove(&p.name, fd))
            {
                put_unused_fd(&mut open_fds, fd);
                files.push((fd, f));
            }
        }
    }
    for (fd, f) in files {
        fput(k, cur, "close_files.filp_close", f, &fd_holder(p, fd))?;
    }
    // put_files_struct -> free_fdtable: a slot close_files skipped (its number not in open_fds)
    // leaks its file.
    oracle.fd_table_freed(&p.name);
    cur.task_work_run(k)
}
