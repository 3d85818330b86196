//! What a scenario asks the model to run: named objects, a sequential setup, and the threads'
//! operations. The checker parses scenario files into a [`Program`]; tests may build one directly.
//!
//! Names (`p0`, `fd0`, `mr0`, `uverbs0`, `dax0`) are the scenario's own handles; the model binds
//! them to fd numbers, MR handles and processes as operations run.

/// One scenario operation, with the names of its arguments and results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `open("/dev/infiniband/uverbsN")` → `ib_uverbs_open`; binds `fd`.
    Open {
        process: String,
        device: String,
        fd: String,
    },
    /// `open` of the FS-DAX data file `file`: a struct file of its own; binds `fd`.
    OpenData {
        process: String,
        file: String,
        fd: String,
    },
    /// `fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE)` on a data-file fd (RFC 01/19, 02/19).
    SetLease { process: String, fd: String },
    /// `fcntl(fd, F_SETLEASE, F_UNLCK)` on a data-file fd.
    UnlockLease { process: String, fd: String },
    /// The GET_CONTEXT command on `fd`.
    GetContext { process: String, fd: String },
    /// REG_MR on `fd` over `pages` pages of the DAX data file `file`; binds `mr`.
    RegMr {
        process: String,
        fd: String,
        file: String,
        pages: u32,
        mr: String,
    },
    /// DEREG_MR (DESTROY) of `mr` through `fd`.
    DeregMr {
        process: String,
        fd: String,
        mr: String,
    },
    /// `close(fd)`; the last fput runs ->release from task_work on return to user.
    Close { process: String, fd: String },
    /// `dup(fd)`; binds `new_fd`.
    Dup {
        process: String,
        fd: String,
        new_fd: String,
    },
    /// `fork()`: the child shares every open file; binds the process `child`.
    Fork { process: String, child: String },
    /// `sendmsg(SCM_RIGHTS)` of `fd` to process `to`: the skb holds a file reference.
    SendFd {
        process: String,
        fd: String,
        to: String,
    },
    /// `recvmsg(SCM_RIGHTS)`: installs the oldest in-flight file; binds `fd`.
    RecvFd { process: String, fd: String },
    /// `do_exit`: exit_mm, exit_files, exit_task_work.
    Exit { process: String },
    /// `mmap` of the uverbs fd (a doorbell page): the VMA holds the file; binds `map` if named.
    Mmap {
        process: String,
        fd: String,
        map: Option<String>,
    },
    /// `munmap` of the mapping `map`: `vm_ops->close`, then the VMA's file put.
    Munmap { process: String, map: String },
    /// Hot-unplug of the device: `ib_uverbs_remove_one`.
    RemoveDevice { device: String },
    /// A read of `/proc/<target>/fdinfo/<fd>` or `/proc/<target>/file_pins`; the output is
    /// observed under `label`.
    ProcfsRead {
        process: String,
        target: String,
        kind: ProcfsKind,
        fd: Option<String>,
        label: String,
    },
    /// `truncate` of the DAX file to zero: observed under `label` as `ok`, an errno (`ETXTBSY`:
    /// an exclusive layout lease; `EDEADLK`: the caller's own), or `blocked by N pinned page(s) of
    /// <file>` when it waited for pinned pages that nobody released.
    Truncate {
        process: String,
        file: String,
        label: String,
    },
    /// Create a completion channel (an FD-type uobject of the ufile); binds `new_fd`.
    CreateCompChannel {
        process: String,
        fd: String,
        new_fd: String,
    },
    /// A command on `fd` that uses the completion channel `channel` as a READ attribute
    /// (`fget` → usecnt READ → ... → `rdma_lookup_put_uobject`).
    UseCompChannel {
        process: String,
        fd: String,
        channel: String,
    },
    /// `open("/dev/infiniband/rdma_cm")` → `ucma_open`; binds `fd`.
    UcmaOpen { process: String, fd: String },
    /// RDMA_USER_CM_CMD_CREATE_ID on the ucma `fd`; binds the CM id `id`. `bad_response`: the
    /// user's response buffer is not writable (the copy_to_user fails with -EFAULT).
    CreateId {
        process: String,
        fd: String,
        id: String,
        bad_response: bool,
    },
    /// RDMA_USER_CM_CMD_DESTROY_ID of `id` on `fd`.
    DestroyId {
        process: String,
        fd: String,
        id: String,
    },
    /// RDMA_USER_CM_CMD_MIGRATE_ID on `fd` (the new file) of `id`, owned by the file of `from`.
    MigrateId {
        process: String,
        fd: String,
        from: String,
        id: String,
    },
    /// RDMA_USER_CM_CMD_JOIN_MCAST of `id` on `fd` (`bad_response` as for `CreateId`).
    JoinMulticast {
        process: String,
        fd: String,
        id: String,
        bad_response: bool,
    },
    /// RDMA_USER_CM_CMD_LEAVE_MCAST of multicast number `mc` on `fd` (ids are handed out from 0,
    /// so another thread can name one it did not create, as syzkaller's programs do).
    LeaveMulticast {
        process: String,
        fd: String,
        mc: u32,
    },
}

/// Which procfs file a read looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcfsKind {
    /// `/proc/<pid>/fdinfo/<fd>`.
    Fdinfo,
    /// `/proc/<pid>/file_pins` (RFC 18/19) or, for proposals without it, the listing through the
    /// proposal's procfs hook over every fd.
    FilePins,
}

/// One scenario thread: a task of `process` (or a kernel thread when `process` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadProgram {
    /// Its name in traces (`unplug`, `close`).
    pub name: String,
    /// Its operations in program order.
    pub ops: Vec<Op>,
}

/// A whole scenario as the model runs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    /// Processes that exist at the start (more come from `fork`).
    pub processes: Vec<String>,
    /// uverbs devices.
    pub devices: Vec<String>,
    /// The devices (of `devices`) whose driver does not implement `disassociate_ucontext`: their
    /// removal waits until every fd on them is closed.
    pub devices_without_disassociate: Vec<String>,
    /// FS-DAX data files.
    pub data_files: Vec<String>,
    /// Run first, by one thread, before any scenario thread starts.
    pub setup: Vec<Op>,
    /// Two to four threads run concurrently.
    pub threads: Vec<ThreadProgram>,
    /// Processes that exit at quiescence, after the threads: the end of the scenario's story
    /// (their exit releases what they still hold, so the leak check sees the final state).
    pub exit_at_quiescence: Vec<String>,
}

impl Op {
    /// The operation's keyword in scenario files.
    pub fn keyword(&self) -> &'static str {
        match self {
            Op::Open { .. } | Op::OpenData { .. } => "open",
            Op::SetLease { .. } => "set_lease",
            Op::UnlockLease { .. } => "unlock_lease",
            Op::GetContext { .. } => "get_context",
            Op::RegMr { .. } => "reg_mr",
            Op::DeregMr { .. } => "dereg_mr",
            Op::Close { .. } => "close",
            Op::Dup { .. } => "dup",
            Op::Fork { .. } => "fork",
            Op::SendFd { .. } => "send_fd",
            Op::RecvFd { .. } => "recv_fd",
            Op::Exit { .. } => "exit",
            Op::Mmap { .. } => "mmap",
            Op::Munmap { .. } => "munmap",
            Op::RemoveDevice { .. } => "remove_device",
            Op::ProcfsRead { .. } => "procfs_read",
            Op::Truncate { .. } => "truncate",
            Op::CreateCompChannel { .. } => "create_comp_channel",
            Op::UseCompChannel { .. } => "use_comp_channel",
            Op::UcmaOpen { .. } => "ucma_open",
            Op::CreateId { .. } => "create_id",
            Op::DestroyId { .. } => "destroy_id",
            Op::MigrateId { .. } => "migrate_id",
            Op::JoinMulticast { .. } => "join_multicast",
            Op::LeaveMulticast { .. } => "leave_multicast",
        }
    }
}
