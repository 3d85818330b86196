//! The VFS side of the model (`fs/`): `struct file` and the deferred final fput, the per-process
//! fd table, procfs, SCM_RIGHTS passing, and the FS-DAX data files whose pages get pinned.

pub mod data_file;
pub mod file;
pub mod process;
pub mod procfs;
pub mod scm;
