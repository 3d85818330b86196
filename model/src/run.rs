//! Running a [`Program`] in one execution: build the kernel, run the setup on thread 0, run the
//! scenario threads (`sync::run_threads`: the main thread spawns threads 2 and up, then runs
//! thread 1; under loom and shuttle, the thread that returns last runs the rest as thread 0), then
//! quiesce (deferred fputs, process exits, socket destruction,
//! RCU grace periods) and check for leaks. Each operation is a syscall: its deferred work
//! (task_work) runs on the return to user mode, right after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::heap::{Handle, Heap};
use crate::kernel::{Kernel, Variant};
use crate::oracle::{Holder, Oracle};
use crate::program::{Op, ProcfsKind, Program};
use crate::proposals::{self, Proposal};
use crate::rcu::Rcu;
use crate::rdma::ucma::file::UcmaFile;
use crate::rdma::uverbs::device::{ib_uverbs_remove_one, Device};
use crate::sync::{run_threads, Mutex as KMutex, ThreadFn};
use crate::task::Task;
use crate::vfs::data_file::{dax_open, truncate, DataFile};
use crate::vfs::file::{File, FileKind};
use crate::vfs::locks::{fcntl_setlease, fcntl_unlock_lease};
use crate::vfs::process::{close_fd, do_exit, dup, fd_install, fget, fork, new_process, Process};
use crate::{Errno, KResult, Name};

/// What a scenario runs against.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// Kernel variant.
    pub variant: Variant,
    /// Proposal name (one of [`crate::KNOWN_PROPOSALS`]).
    pub proposal: &'static str,
}

/// Names bound by operations (`fd0` → 3, `mr0` → 0). Names used by a thread were bound in setup or
/// earlier in the same thread (the scenario parser checks it), so threads share this map only for
/// reading what setup bound.
#[derive(Default)]
struct Env {
    fds: HashMap<String, usize>,
    mrs: HashMap<String, usize>,
    /// ucma CM ids.
    cm_ids: HashMap<String, usize>,
    /// Mappings: the mm and the VMA's number.
    maps: HashMap<String, (Handle<crate::mm::Mm>, u32)>,
}

/// The kernel of one execution, built in place on the heap: the execution's main thread runs on a
/// fresh coroutine stack under loom (see `sync::run_threads`), and a `Kernel` of a few KiB made on
/// the stack, then moved, would touch pages of it that nothing else does (a page fault each).
/// Objects are made in the order their ids are given: slabs, devices, RCU, the SCM lock, data
/// files, then processes.
fn build(program: &Program, variant: Variant, proposal: Box<dyn Proposal>) -> Arc<Kernel> {
    let k = Arc::new(Kernel {
        variant,
        proposal,
        files: Heap::new("file"),
        ufiles: Heap::new("ufile"),
        ucontexts: Heap::new("ucontext"),
        uobjects: Heap::new("uobject"),
        mrs: Heap::new("mr"),
        umems: Heap::new("umem"),
        leases: Heap::new("file_lock"),
        mms: Heap::new("mm"),
        ucma: crate::rdma::ucma::UcmaTables::new(),
        ucma_files: Heap::new("ucma_file"),
        ucma_contexts: Heap::new("ucma_context"),
        ucma_multicasts: Heap::new("ucma_multicast"),
        umap_privs: Heap::new("umap_priv"),
        mmap_entries: Heap::new("mmap_entry"),
        devices: program
            .devices
            .iter()
            .map(|d| Device::new(d, !program.devices_without_disassociate.contains(d)))
            .collect(),
        processes: std::sync::Mutex::new(Vec::new()),
        rcu: Rcu::new(),
        scm: KMutex::new("unix_sock.lock", Default::default()),
        data_files: (program.data_files.iter().enumerate())
            .map(|(index, name)| DataFile::new(index, Name::from(name.as_str())))
            .collect(),
    });
    // Objects that exist before any operation are named by role here (the checker names the
    // others by the operation that allocated them).
    let (_, oracle) = crate::sync::current_oracle();
    for p in &program.processes {
        let p = new_process(&k, &Name::from(p.as_str()));
        oracle.obj_role(p.mm.obj(), Name::clone(&p.name));
    }
    k
}

/// Run `program` against `target` inside the current execution (the caller is thread 0 of an
/// engine run; see [`crate::sync::run`]). Under loom and shuttle it returns once the first scenario
/// thread has run on the calling thread (the others may still run): the quiescence and the leak check run when the last of them returns, before
/// the [`Body`](crate::sync::Body)'s `end`, which is where an execution's outcome is read.
pub fn execute(program: &Program, target: Target) {
    execute_shared(&Arc::new(program.clone()), target)
}

/// [`execute`] without copying the program: explorations run thousands of executions of one
/// program, and each copy of its operations is a string allocation per name.
pub fn execute_shared(program: &Arc<Program>, target: Target) {
    run_program(program, target.variant, || {
        proposals::by_name(target.proposal).expect("proposal names are validated by the caller")
    })
}

/// [`execute`] with a proposal object made by `proposal` (tests use it for deliberately broken
/// proposals).
pub fn execute_with(
    program: &Program,
    variant: Variant,
    proposal: impl FnOnce() -> Box<dyn Proposal>,
) {
    run_program(&Arc::new(program.clone()), variant, proposal)
}

/// Plan the execution, then make the proposal: its locks and atomics are engine objects, which
/// the happens-before order (`oracle::order`) follows only when made after `plan_order`.
fn run_program(
    program: &Arc<Program>,
    variant: Variant,
    proposal: impl FnOnce() -> Box<dyn Proposal>,
) {
    let (_, oracle) = crate::sync::current_oracle();
    oracle.plan_threads(program.threads.len());
    // Only a pin listing's verdict needs the happens-before order (`oracle::order`).
    let lists_pins = program
        .threads
        .iter()
        .flat_map(|t| &t.ops)
        .chain(&program.setup)
        .any(|op| {
            matches!(
                op,
                Op::ProcfsRead {
                    kind: ProcfsKind::FilePins,
                    ..
                }
            )
        });
    oracle.plan_order(lists_pins);
    let k = build(program, variant, proposal());
    let env = Arc::new(Mutex::new(Env::default()));
    let setup = Task::new("setup", 0, None);
    if run_ops(&k, &setup, &env, "setup", &program.setup, &oracle).is_err() {
        return;
    }
    let threads = program.threads.iter().enumerate().map(|(i, t)| {
        let (k, env, program) = (Arc::clone(&k), Arc::clone(&env), Arc::clone(program));
        let f: ThreadFn = Box::new(move || {
            let (_, oracle) = crate::sync::current_oracle();
            let tid = oracle.current_tid();
            let t = &program.threads[i];
            let cur = Task::new(&t.name, tid, None);
            let _ = run_ops(&k, &cur, &env, &t.name, &t.ops, &oracle);
            oracle.thread_finish(tid);
        });
        (t.name.as_str(), f)
    });
    let quiesced = Arc::clone(program);
    run_threads(threads.collect(), move || {
        let (_, oracle) = crate::sync::current_oracle();
        let _ = quiesce(&k, &quiesced, &oracle);
        // Every step is logged: the pin listings can be judged on the whole execution.
        crate::vfs::procfs::judge_file_pins(&oracle);
    });
}

fn quiesce(k: &Kernel, program: &Program, oracle: &Oracle) -> KResult<()> {
    let cur = Task::new("quiesce", 0, None);
    oracle.set_op(0, None);
    for p in &program.exit_at_quiescence {
        if let Some(proc) = k.process(p) {
            do_exit(k, &cur, &proc)?;
        }
    }
    crate::vfs::scm::scm_destroy(k, &cur)?;
    cur.task_work_run(k)?;
    k.rcu.barrier(k);
    if oracle.aborted().is_none() {
        oracle.check_leaks();
    }
    Ok(())
}

fn run_ops(
    k: &Kernel,
    cur: &Task,
    env: &Mutex<Env>,
    thread: &str,
    ops: &[Op],
    oracle: &Oracle,
) -> KResult<()> {
    for (i, op) in ops.iter().enumerate() {
        oracle.check_progress(op.keyword())?;
        oracle.set_op(cur.tid, Some(i));
        let result = run_op(k, cur, env, op, oracle)?;
        cur.task_work_run(k)?;
        if let Err(e) = result {
            oracle.observe(format!("{thread}.{i}.{}", op.keyword()), e.to_string());
        }
    }
    Ok(())
}

fn process_of(k: &Kernel, name: &str) -> Result<Arc<Process>, Errno> {
    k.process(name).ok_or(Errno::ESRCH)
}

fn fd_of(env: &Mutex<Env>, name: &str) -> Result<usize, Errno> {
    env.lock()
        .unwrap_or_else(|e| e.into_inner())
        .fds
        .get(name)
        .copied()
        .ok_or(Errno::EBADF)
}

fn bind_fd(env: &Mutex<Env>, name: &str, fd: usize) {
    env.lock()
        .unwrap_or_else(|e| e.into_inner())
        .fds
        .insert(name.to_string(), fd);
}

/// One operation as the task `cur` (whose process is named in the op).
/// `?` for an errno: return it to user space.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        }
    };
}

/// A syscall on `fd` of `p`: `fdget`, the command, `fdput` (a counted reference: see Limitations).
fn with_fd<T>(
    k: &Kernel,
    cur: &Task,
    p: &Process,
    fd: usize,
    cmd: impl FnOnce(Handle<File>) -> KResult<Result<T, Errno>>,
) -> KResult<Result<T, Errno>> {
    let f = tri!(fget(k, cur, p, fd, "fdget")?.ok_or(Errno::EBADF));
    let r = cmd(f)?;
    crate::vfs::file::fput(k, cur, "fdput", f, &Holder::Task(cur.tid, "fdget"))?;
    Ok(r)
}

fn device_index(k: &Kernel, device: &str) -> Result<usize, Errno> {
    k.devices
        .iter()
        .position(|d| d.name == device)
        .ok_or(Errno::ENODEV)
}

/// One operation as the task `cur` (whose process is named in the op).
fn run_op(
    k: &Kernel,
    cur: &Task,
    env: &Mutex<Env>,
    op: &Op,
    oracle: &Oracle,
) -> KResult<Result<(), Errno>> {
    match op {
        Op::ProcfsRead {
            target,
            kind,
            fd,
            label,
            ..
        } => {
            let t = tri!(process_of(k, target));
            let out = match kind {
                ProcfsKind::Fdinfo => {
                    let n = tri!(fd_of(env, fd.as_deref().unwrap_or("")));
                    crate::vfs::procfs::seq_show(k, cur, &t, n)?
                }
                ProcfsKind::FilePins => crate::vfs::procfs::read_file_pins(k, cur, &t)?,
            };
            oracle.observe(label.clone(), out);
            Ok(Ok(()))
        }
        Op::Truncate {
            process: p,
            file,
            label,
        } => {
            let index = tri!(k.data_file(file).ok_or(Errno::ENOENT));
            let out = truncate(k, index, &tri!(process_of(k, p)).name)?;
            oracle.observe(label.clone(), out);
            Ok(Ok(()))
        }
        Op::RemoveDevice { device } => {
            ib_uverbs_remove_one(k, cur, tri!(device_index(k, device)))?;
            Ok(Ok(()))
        }
        Op::OpenData { .. } | Op::SetLease { .. } | Op::UnlockLease { .. } => {
            run_data_file_op(k, cur, env, op)
        }
        Op::Open { .. }
        | Op::GetContext { .. }
        | Op::RegMr { .. }
        | Op::DeregMr { .. }
        | Op::Mmap { .. }
        | Op::Munmap { .. } => run_uverbs_op(k, cur, env, op),
        Op::CreateCompChannel { .. } | Op::UseCompChannel { .. } => run_uverbs_op(k, cur, env, op),
        Op::UcmaOpen { .. }
        | Op::CreateId { .. }
        | Op::DestroyId { .. }
        | Op::MigrateId { .. }
        | Op::JoinMulticast { .. }
        | Op::LeaveMulticast { .. } => run_ucma_op(k, cur, env, op),
        Op::Close { .. }
        | Op::Dup { .. }
        | Op::Fork { .. }
        | Op::SendFd { .. }
        | Op::RecvFd { .. }
        | Op::Exit { .. } => run_fd_table_op(k, cur, env, op),
    }
}

/// Commands on a uverbs fd (and opening one).
fn run_uverbs_op(k: &Kernel, cur: &Task, env: &Mutex<Env>, op: &Op) -> KResult<Result<(), Errno>> {
    let mrs = |env: &Mutex<Env>| env.lock().unwrap_or_else(|e| e.into_inner()).mrs.clone();
    match op {
        Op::Open {
            process: p,
            device,
            fd,
        } => {
            let p = tri!(process_of(k, p));
            let f = tri!(crate::rdma::uverbs::ufile::ib_uverbs_open(
                k,
                cur,
                tri!(device_index(k, device))
            )?);
            let n = tri!(fd_install(k, &p, f, &Holder::Task(cur.tid, "open"))?);
            bind_fd(env, fd, n);
        }
        Op::GetContext { process: p, fd } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::ufile::ib_uverbs_get_context(k, cur, f)
            })?);
        }
        Op::RegMr {
            process: p,
            fd,
            file,
            pages,
            mr,
        } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            let data = tri!(k.data_file(file).ok_or(Errno::ENOENT));
            let id = tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::mr::ib_uverbs_reg_mr(k, cur, &p, f, data, *pages)
            })?);
            env.lock()
                .unwrap_or_else(|e| e.into_inner())
                .mrs
                .insert(mr.clone(), id);
        }
        Op::DeregMr { process: p, fd, mr } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            let id = tri!(mrs(env).get(mr).copied().ok_or(Errno::ENOENT));
            tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::mr::ib_uverbs_dereg_mr(k, cur, f, id)
            })?);
        }
        Op::Mmap {
            process: p,
            fd,
            map,
        } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            let id = tri!(with_fd(k, cur, &p, n, |f| {
                crate::mm::vma::mmap_region(k, cur, p.mm, f)
            })?);
            if let Some(map) = map {
                let mut env = env.lock().unwrap_or_else(|e| e.into_inner());
                env.maps.insert(map.clone(), (p.mm, id));
            }
        }
        Op::Munmap { map, .. } => {
            let found = env
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .maps
                .get(map)
                .copied();
            let (mm, id) = tri!(found.ok_or(Errno::EINVAL));
            tri!(crate::mm::vma::do_munmap(k, cur, mm, id)?);
        }
        Op::CreateCompChannel {
            process: p,
            fd,
            new_fd,
        } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            let ch = tri!(with_fd(k, cur, &p, n, |f| {
                match crate::rdma::uverbs::ufile::uverbs_private_data(k, f) {
                    Some(u) => crate::rdma::uverbs::uobject::create_comp_channel(k, cur, u),
                    None => Ok(Err(Errno::EINVAL)),
                }
            })?);
            let m = tri!(fd_install(k, &p, ch, &Holder::Task(cur.tid, "create"))?);
            bind_fd(env, new_fd, m);
        }
        Op::UseCompChannel {
            process: p,
            fd,
            channel,
        } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            let ch = tri!(fd_of(env, channel));
            tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::uobject::use_comp_channel(k, cur, f, &p, ch)
            })?);
        }
        other => unreachable!("not a uverbs operation: {}", other.keyword()),
    }
    Ok(Ok(()))
}

/// Opening a data file and leasing it: `open`, `fcntl(F_SETLEASE)`.
fn run_data_file_op(
    k: &Kernel,
    cur: &Task,
    env: &Mutex<Env>,
    op: &Op,
) -> KResult<Result<(), Errno>> {
    match op {
        Op::OpenData {
            process: p,
            file,
            fd,
        } => {
            let p = tri!(process_of(k, p));
            let index = tri!(k.data_file(file).ok_or(Errno::ENOENT));
            let f = dax_open(k, index, Holder::Task(cur.tid, "open"));
            let n = tri!(fd_install(k, &p, f, &Holder::Task(cur.tid, "open"))?);
            bind_fd(env, fd, n);
        }
        Op::SetLease { process: p, fd } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            tri!(with_fd(k, cur, &p, n, |f| fcntl_setlease(k, &p.name, f))?);
        }
        Op::UnlockLease { process: p, fd } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            tri!(with_fd(k, cur, &p, n, |f| fcntl_unlock_lease(k, cur, f))?);
        }
        other => unreachable!("not a data-file operation: {}", other.keyword()),
    }
    Ok(Ok(()))
}

/// The ucma file behind `f` (`filp->private_data` of an rdma_cm file).
fn ucma_file_of(k: &Kernel, f: Handle<File>) -> Result<Handle<UcmaFile>, Errno> {
    match k.files.get(f).kind {
        FileKind::Ucma { file } => Ok(file),
        _ => Err(Errno::EINVAL),
    }
}

fn cm_id_of(env: &Mutex<Env>, name: &str) -> Result<usize, Errno> {
    let env = env.lock().unwrap_or_else(|e| e.into_inner());
    env.cm_ids.get(name).copied().ok_or(Errno::EINVAL)
}

/// Commands on a ucma fd (`ucma_write`'s table), and opening one.
fn run_ucma_op(k: &Kernel, cur: &Task, env: &Mutex<Env>, op: &Op) -> KResult<Result<(), Errno>> {
    use crate::rdma::ucma::{context, multicast};
    let (p, fd) = match op {
        Op::UcmaOpen { process, fd } => {
            let p = tri!(process_of(k, process));
            let f = crate::rdma::ucma::file::ucma_open(k, cur);
            let n = tri!(fd_install(k, &p, f, &Holder::Task(cur.tid, "open"))?);
            bind_fd(env, fd, n);
            return Ok(Ok(()));
        }
        Op::CreateId { process, fd, .. }
        | Op::DestroyId { process, fd, .. }
        | Op::MigrateId { process, fd, .. }
        | Op::JoinMulticast { process, fd, .. }
        | Op::LeaveMulticast { process, fd, .. } => (tri!(process_of(k, process)), fd),
        other => unreachable!("not a ucma operation: {}", other.keyword()),
    };
    let n = tri!(fd_of(env, fd));
    with_fd(k, cur, &p, n, |f| {
        let file = tri!(ucma_file_of(k, f));
        match op {
            Op::CreateId {
                id, bad_response, ..
            } => {
                let got = tri!(context::ucma_create_id(k, cur, file, *bad_response)?);
                let mut env = env.lock().unwrap_or_else(|e| e.into_inner());
                env.cm_ids.insert(id.clone(), got);
                Ok(Ok(()))
            }
            Op::DestroyId { id, .. } => {
                context::ucma_destroy_id(k, cur, file, tri!(cm_id_of(env, id)))
            }
            Op::MigrateId { from, id, .. } => {
                let m = tri!(fd_of(env, from));
                let id = tri!(cm_id_of(env, id));
                with_fd(k, cur, &p, m, |g| {
                    let cur_file = tri!(ucma_file_of(k, g));
                    context::ucma_migrate_id(k, cur, file, cur_file, id)
                })
            }
            Op::JoinMulticast {
                id, bad_response, ..
            } => {
                let id = tri!(cm_id_of(env, id));
                multicast::ucma_process_join(k, cur, file, id, *bad_response).map(|r| r.map(|_| ()))
            }
            Op::LeaveMulticast { mc, .. } => {
                multicast::ucma_leave_multicast(k, cur, file, *mc as usize)
            }
            _ => Ok(Ok(())),
        }
    })
}

/// Operations on the fd table and the process: close, dup, fork, SCM_RIGHTS, exit.
fn run_fd_table_op(
    k: &Kernel,
    cur: &Task,
    env: &Mutex<Env>,
    op: &Op,
) -> KResult<Result<(), Errno>> {
    match op {
        Op::Close { process: p, fd } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            tri!(close_fd(k, cur, &p, n)?);
        }
        Op::Dup {
            process: p,
            fd,
            new_fd,
        } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            let m = tri!(dup(k, cur, &p, n)?);
            bind_fd(env, new_fd, m);
        }
        Op::Fork { process: p, child } => {
            let p = tri!(process_of(k, p));
            fork(k, cur, &p, child)?;
        }
        Op::SendFd { process: p, fd, to } => {
            let (p, n) = (tri!(process_of(k, p)), tri!(fd_of(env, fd)));
            tri!(crate::vfs::scm::send_fd(k, cur, &p, n, to)?);
        }
        Op::RecvFd { process: p, fd } => {
            let p = tri!(process_of(k, p));
            let n = tri!(crate::vfs::scm::recv_fd(k, &p)?);
            bind_fd(env, fd, n);
        }
        Op::Exit { process: p } => {
            let p = tri!(process_of(k, p));
            do_exit(k, cur, &p)?;
        }
        other => unreachable!("not an fd-table operation: {}", other.keyword()),
    }
    Ok(Ok(()))
}
