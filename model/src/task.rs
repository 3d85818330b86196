//! `current`: the task running a scenario thread, with its task_work queue (where deferred
//! `____fput`s wait for the return to user mode) or, for a kernel thread, the delayed_fput list.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::vfs::file::{__fput, File};
use crate::vfs::process::Process;
use crate::KResult;

/// One task. Not shared: each scenario thread owns its own.
pub struct Task {
    /// The thread's name in traces.
    pub name: String,
    /// Dense thread id (the oracle's).
    pub tid: usize,
    /// The process it belongs to; `None` for a kernel thread (device removal).
    pub process: Option<Arc<Process>>,
    /// Queued `____fput` works (`task_work_add`) or, in a kthread, `delayed_fput_list`.
    task_work: RefCell<Vec<Handle<File>>>,
    /// PF_EXITING: set while the task runs `do_exit` (its deferred `__fput`s run there).
    exiting: Cell<bool>,
}

impl Task {
    /// A task of `process` (or a kthread).
    pub fn new(name: &str, tid: usize, process: Option<Arc<Process>>) -> Task {
        Task {
            name: name.to_string(),
            tid,
            process,
            task_work: RefCell::new(Vec::new()),
            exiting: Cell::new(false),
        }
    }

    /// Whether the task is in `do_exit` (PF_EXITING).
    pub fn exiting(&self) -> bool {
        self.exiting.get()
    }

    /// Enter or leave `do_exit`.
    pub fn set_exiting(&self, exiting: bool) {
        self.exiting.set(exiting);
    }

    /// `task_work_add(current, ____fput)`.
    pub fn task_work_add(&self, file: Handle<File>) {
        self.task_work.borrow_mut().push(file);
    }

    /// `task_work_run` on return to user mode (or in `exit_task_work`); for a kthread, the
    /// delayed fput work running after the current operation.
    pub fn task_work_run(&self, k: &Kernel) -> KResult<()> {
        loop {
            let next = {
                let mut q = self.task_work.borrow_mut();
                if q.is_empty() {
                    return Ok(());
                }
                q.remove(0)
            };
            __fput(k, self, next)?;
        }
    }
}
