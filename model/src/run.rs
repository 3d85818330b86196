//! Running a [`Program`] in one execution: build the kernel, run the setup on thread 0, spawn the
//! scenario threads, join them, then quiesce (deferred fputs, process exits, socket destruction,
//! RCU grace periods) and check for leaks. Each operation is a syscall: its deferred work
//! (task_work) runs on the return to user mode, right after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::heap::{Handle, Heap};
use crate::kernel::{Kernel, Variant};
use crate::oracle::{Holder, Oracle, Root};
use crate::program::{Op, ProcfsKind, Program};
use crate::proposals::{self, Proposal};
use crate::rcu::Rcu;
use crate::rdma::uverbs::device::{ib_uverbs_remove_one, Device};
use crate::sync::{spawn, Mutex as KMutex};
use crate::task::Task;
use crate::vfs::data_file::{truncate, DataFile};
use crate::vfs::file::{alloc_file, File, FileKind};
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
}

fn build(program: &Program, variant: Variant, proposal: Box<dyn Proposal>) -> Kernel {
    let k = Kernel {
        variant,
        proposal,
        files: Heap::new("file"),
        ufiles: Heap::new("ufile"),
        ucontexts: Heap::new("ucontext"),
        uobjects: Heap::new("uobject"),
        mrs: Heap::new("mr"),
        umems: Heap::new("umem"),
        records: Heap::new("pin_record"),
        contexts: Heap::new("pin_context"),
        mms: Heap::new("mm"),
        devices: program.devices.iter().map(|d| Device::new(d)).collect(),
        data_files: Vec::new(),
        processes: std::sync::Mutex::new(Vec::new()),
        rcu: Rcu::new(),
        scm: KMutex::new("unix_sock.lock", Default::default()),
    };
    let mut k = k;
    for (index, name) in program.data_files.iter().enumerate() {
        let name = Name::from(name.as_str());
        let holder = Holder::Root(Root::Fs(Name::clone(&name)));
        let file = alloc_file(&k, "dax_open", FileKind::Data { index }, &name, holder);
        k.data_files.push(DataFile {
            name,
            file,
            pins: crate::sync::Atomic::new(0),
        });
    }
    for p in &program.processes {
        new_process(&k, &Name::from(p.as_str()));
    }
    k
}

/// Run `program` against `target` inside the current execution (the caller is thread 0 of an
/// engine run; see [`crate::sync::run`]).
pub fn execute(program: &Program, target: Target) {
    execute_shared(&Arc::new(program.clone()), target)
}

/// [`execute`] without copying the program: explorations run thousands of executions of one
/// program, and each copy of its operations is a string allocation per name.
pub fn execute_shared(program: &Arc<Program>, target: Target) {
    let proposal =
        proposals::by_name(target.proposal).expect("proposal names are validated by the caller");
    run_program(program, target.variant, proposal)
}

/// [`execute`] with a proposal object (tests use it for deliberately broken proposals).
pub fn execute_with(program: &Program, variant: Variant, proposal: Box<dyn Proposal>) {
    run_program(&Arc::new(program.clone()), variant, proposal)
}

fn run_program(program: &Arc<Program>, variant: Variant, proposal: Box<dyn Proposal>) {
    let (_, oracle) = crate::sync::current_oracle();
    oracle.plan_threads(program.threads.len());
    let k = Arc::new(build(program, variant, proposal));
    let env = Arc::new(Mutex::new(Env::default()));
    let setup = Task::new("setup", 0, None);
    if run_ops(&k, &setup, &env, "setup", &program.setup, &oracle).is_err() {
        return;
    }
    let mut handles = Vec::new();
    for (i, t) in program.threads.iter().enumerate() {
        let (k, env, program) = (Arc::clone(&k), Arc::clone(&env), Arc::clone(program));
        handles.push(spawn(&t.name, move || {
            let (_, oracle) = crate::sync::current_oracle();
            let tid = oracle.current_tid();
            let t = &program.threads[i];
            let cur = Task::new(&t.name, tid, None);
            let _ = run_ops(&k, &cur, &env, &t.name, &t.ops, &oracle);
            oracle.thread_finish(tid);
        }));
    }
    for h in handles {
        h.join();
    }
    let _ = quiesce(&k, program, &oracle);
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

fn process(k: &Kernel, name: &str) -> Result<Arc<Process>, Errno> {
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
            let t = tri!(process(k, target));
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
        Op::Truncate { file, label, .. } => {
            let df = tri!(k.data_file(file).ok_or(Errno::ENOENT));
            let pins = truncate(df);
            let out = if pins > 0 {
                format!("blocked ({pins} page pins)")
            } else {
                "ok".to_string()
            };
            oracle.observe(label.clone(), out);
            Ok(Ok(()))
        }
        Op::RemoveDevice { device } => {
            ib_uverbs_remove_one(k, cur, tri!(device_index(k, device)))?;
            Ok(Ok(()))
        }
        Op::Open { .. }
        | Op::GetContext { .. }
        | Op::RegMr { .. }
        | Op::DeregMr { .. }
        | Op::Mmap { .. } => run_uverbs_op(k, cur, env, op),
        Op::CreateCompChannel { .. } | Op::UseCompChannel { .. } => run_uverbs_op(k, cur, env, op),
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
            let p = tri!(process(k, p));
            let f = tri!(crate::rdma::uverbs::ufile::ib_uverbs_open(
                k,
                cur,
                tri!(device_index(k, device))
            )?);
            let n = tri!(fd_install(k, &p, f, &Holder::Task(cur.tid, "open"))?);
            bind_fd(env, fd, n);
        }
        Op::GetContext { process: p, fd } => {
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
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
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            let data = tri!(k
                .data_files
                .iter()
                .position(|d| *d.name == **file)
                .ok_or(Errno::ENOENT));
            let id = tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::mr::ib_uverbs_reg_mr(k, cur, f, data, *pages)
            })?);
            env.lock()
                .unwrap_or_else(|e| e.into_inner())
                .mrs
                .insert(mr.clone(), id);
        }
        Op::DeregMr { process: p, fd, mr } => {
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            let id = tri!(mrs(env).get(mr).copied().ok_or(Errno::ENOENT));
            tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::mr::ib_uverbs_dereg_mr(k, cur, f, id)
            })?);
        }
        Op::Mmap { process: p, fd } => {
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            tri!(with_fd(k, cur, &p, n, |f| {
                if let Some(u) = crate::rdma::uverbs::ufile::uverbs_private_data(k, f) {
                    crate::mm::uverbs_mmap(k, p.mm, f, &k.ufiles.get(u))?;
                }
                Ok(Ok(()))
            })?);
        }
        Op::CreateCompChannel {
            process: p,
            fd,
            new_fd,
        } => {
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
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
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            let ch = tri!(fd_of(env, channel));
            tri!(with_fd(k, cur, &p, n, |f| {
                crate::rdma::uverbs::uobject::use_comp_channel(k, cur, f, &p, ch)
            })?);
        }
        other => unreachable!("not a uverbs operation: {}", other.keyword()),
    }
    Ok(Ok(()))
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
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            tri!(close_fd(k, cur, &p, n)?);
        }
        Op::Dup {
            process: p,
            fd,
            new_fd,
        } => {
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            let m = tri!(dup(k, &p, n)?);
            bind_fd(env, new_fd, m);
        }
        Op::Fork { process: p, child } => {
            let p = tri!(process(k, p));
            fork(k, &p, child)?;
        }
        Op::SendFd { process: p, fd, to } => {
            let (p, n) = (tri!(process(k, p)), tri!(fd_of(env, fd)));
            tri!(crate::vfs::scm::send_fd(k, cur, &p, n, to)?);
        }
        Op::RecvFd { process: p, fd } => {
            let p = tri!(process(k, p));
            let n = tri!(crate::vfs::scm::recv_fd(k, &p)?);
            bind_fd(env, fd, n);
        }
        Op::Exit { process: p } => {
            let p = tri!(process(k, p));
            do_exit(k, cur, &p)?;
        }
        other => unreachable!("not an fd-table operation: {}", other.keyword()),
    }
    Ok(Ok(()))
}
