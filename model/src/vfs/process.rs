//! A process: its fd table (`files_struct` under `file_lock`), its mm, and the syscalls on the
//! table: `fd_install`, `fget`, `close` (`__close_fd` → `filp_close` → `fput`), `dup`, `fork`
//! (`dup_fd`), and `do_exit` (exit_mm, exit_files, exit_task_work: docs/kernel.md §2.5).

use std::sync::Arc;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::mm::{mm_alloc, mmput, Mm};
use crate::oracle::{Holder, Root};
use crate::sync::Mutex;
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File};
use crate::{Errno, KResult, Name};

/// Open files per process.
pub const FDS_MAX: usize = 16;

/// A process.
pub struct Process {
    /// Scenario name (`p0`).
    pub name: Name,
    /// The fd table under `files->file_lock`.
    pub files: Mutex<Vec<Option<Handle<File>>>>,
    /// Its address space.
    pub mm: Handle<Mm>,
}

/// The root holder naming an fd slot (`p0.fd3`).
pub fn fd_holder(p: &Process, fd: usize) -> Holder {
    Holder::Root(Root::Fd(Name::clone(&p.name), fd))
}

/// A new process with an empty fd table and a fresh mm.
pub fn new_process(k: &Kernel, name: &Name) -> Arc<Process> {
    let p = Arc::new(Process {
        name: Name::clone(name),
        files: Mutex::new("file_lock", vec![None; FDS_MAX]),
        mm: mm_alloc(k, name),
    });
    k.processes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Arc::clone(&p));
    p
}

/// `get_unused_fd` + `fd_install`: the reference `from` holds moves into the lowest free slot.
pub fn fd_install(
    _k: &Kernel,
    p: &Process,
    f: Handle<File>,
    from: &Holder,
) -> KResult<Result<usize, Errno>> {
    let mut table = p.files.lock("fd_install.file_lock")?;
    let Some(fd) = table.iter().position(|s| s.is_none()) else {
        return Ok(Err(Errno::EMFILE));
    };
    table[fd] = Some(f);
    let (_, oracle) = crate::sync::current_oracle();
    oracle.rehold(f.obj(), from, fd_holder(p, fd));
    oracle.fd_install(&p.name, fd, f.obj());
    Ok(Ok(fd))
}

/// `fget`: a counted reference held by the task (a syscall on a shared table, procfs).
pub fn fget(
    k: &Kernel,
    cur: &Task,
    p: &Process,
    fd: usize,
    why: &'static str,
) -> KResult<Option<Handle<File>>> {
    let table = p.files.lock("fget.file_lock")?;
    let f = table.get(fd).copied().flatten();
    if let Some(f) = f {
        get_file(k, "fget.get_file", f, Holder::Task(cur.tid, why));
    }
    Ok(f)
}

/// `close(fd)`: clear the slot under `file_lock`, then `filp_close` → `fput` outside it.
pub fn close_fd(k: &Kernel, cur: &Task, p: &Process, fd: usize) -> KResult<Result<(), Errno>> {
    let f = {
        let mut table = p.files.lock("close_fd.file_lock")?;
        let Some(f) = table.get_mut(fd).and_then(|s| s.take()) else {
            return Ok(Err(Errno::EBADF));
        };
        f
    };
    let (_, oracle) = crate::sync::current_oracle();
    oracle.fd_remove(&p.name, fd);
    fput(k, cur, "filp_close.fput", f, &fd_holder(p, fd))?;
    Ok(Ok(()))
}

/// `dup(fd)`: the same struct file in the lowest free slot.
pub fn dup(k: &Kernel, p: &Process, fd: usize) -> KResult<Result<usize, Errno>> {
    let mut table = p.files.lock("dup.file_lock")?;
    let Some(f) = table.get(fd).copied().flatten() else {
        return Ok(Err(Errno::EBADF));
    };
    let Some(new) = table.iter().position(|s| s.is_none()) else {
        return Ok(Err(Errno::EMFILE));
    };
    get_file(k, "dup.get_file", f, fd_holder(p, new));
    table[new] = Some(f);
    let (_, oracle) = crate::sync::current_oracle();
    oracle.fd_install(&p.name, new, f.obj());
    Ok(Ok(new))
}

/// `fork`: `dup_fd` takes a reference on every open file; `dup_mmap` copies the VMAs (each copy
/// holds its file and runs `vm_ops->open`).
pub fn fork(k: &Kernel, cur: &Task, parent: &Process, child_name: &str) -> KResult<Arc<Process>> {
    let child = new_process(k, &Name::from(child_name));
    {
        let table = parent.files.lock("dup_fd.file_lock")?;
        let mut ctable = child.files.lock("dup_fd.child_file_lock")?;
        let (_, oracle) = crate::sync::current_oracle();
        for (fd, slot) in table.iter().enumerate() {
            if let Some(f) = *slot {
                get_file(k, "dup_fd.get_file", f, fd_holder(&child, fd));
                ctable[fd] = Some(f);
                oracle.fd_install(&child.name, fd, f.obj());
            }
        }
    }
    crate::mm::vma::dup_mmap(k, cur, parent.mm, child.mm)?;
    Ok(child)
}

/// `do_exit`: exit_mm (mmput: the last drops the VMA files), exit_files (close every fd),
/// exit_task_work (the deferred `__fput`s run here), all with PF_EXITING set.
pub fn do_exit(k: &Kernel, cur: &Task, p: &Process) -> KResult<()> {
    cur.set_exiting(true);
    let r = exit_mm_files(k, cur, p);
    cur.set_exiting(false);
    r
}

fn exit_mm_files(k: &Kernel, cur: &Task, p: &Process) -> KResult<()> {
    mmput(k, cur, p.mm, &Holder::Root(Root::Mm(Name::clone(&p.name))))?;
    let files: Vec<(usize, Handle<File>)> = {
        let mut table = p.files.lock("close_files.file_lock")?;
        table
            .iter_mut()
            .enumerate()
            .filter_map(|(fd, s)| s.take().map(|f| (fd, f)))
            .collect()
    };
    let (_, oracle) = crate::sync::current_oracle();
    for (fd, f) in files {
        oracle.fd_remove(&p.name, fd);
        fput(k, cur, "close_files.filp_close", f, &fd_holder(p, fd))?;
    }
    cur.task_work_run(k)
}
