//! The VFS side of the model (`fs/`): `struct file` and the deferred final fput, the per-process
//! fd table, procfs, SCM_RIGHTS passing, the FS-DAX data files whose pages get pinned (and their
//! truncate), and the layout leases on them (`fs/locks.c`).

pub mod data_file;
pub mod fdtable;
pub mod file;
pub mod locks;
pub mod process;
pub mod procfs;
pub mod scm;
