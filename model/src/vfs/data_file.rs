//! A file on the FS-DAX filesystem (ext4 or xfs mounted `-o dax`): its inode, whose pages are its
//! blocks' own memory (no page cache), the layout leases on it (`i_flctx`), and `truncate`.
//!
//! The inode lives as long as the execution. Each `open` of it is a struct file of kind `Data`.
//! Its blocks are one extent; the block map is the first block of the extent (0 once truncate
//! freed it). A long-term pin looks its pages' blocks up and maps them for the device to DMA
//! into; the DAX pages' pin counts (summed over the file, `page_pins`) are what truncate's
//! `dax_layout_busy_page` reads.
//!
//! Truncate (to zero) is `ext4_setattr` with the series' `ext4_break_layouts` (RFC 05/19; xfs
//! orders it the same way in 08/19): under `i_mmap_sem` for write, break the layout leases (an
//! exclusive lease fails it: ETXTBSY, or EDEADLK for the holder itself), then wait for the pinned
//! DAX pages to become idle, dropping `i_mmap_sem` while asleep (`ext4_wait_dax_page`), then free
//! the blocks. The wait is interruptible: with a long-term pin nobody releases it never ends, and
//! the model ends it as the user would, observed as `blocked by N pinned page(s) of <file>` (the
//! hang that made v5.3 refuse long-term pins of FS-DAX pages). GUP faults the pages in under
//! `i_mmap_sem` for read, so a pin and a truncate never interleave between the busy check and the
//! free.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::Holder;
use crate::sync::{wait_var_event, Atomic, Mutex, RwSem, Sleep, Woken};
use crate::vfs::file::{alloc_file, File, FileKind};
use crate::vfs::locks::{break_layout, FileLock};
use crate::{KResult, Name};

/// Pages (blocks) of each data file: its size is fixed until truncate.
pub const DATA_FILE_PAGES: i64 = 1024;

/// An FS-DAX file's inode.
pub struct DataFile {
    /// Scenario name (`dax0`), as procfs prints its path.
    pub name: Name,
    /// `inode->i_flctx`: the lease list under `flc_lock`.
    pub flc_lease: Mutex<Vec<Handle<FileLock>>>,
    /// `EXT4_I(inode)->i_mmap_sem`: page faults (GUP's) read, truncate writes.
    pub i_mmap_sem: RwSem<()>,
    /// The block map: the first block of the file's extent, 0 once truncate freed it.
    pub first_block: Atomic,
    /// The pin counts of the file's DAX pages, summed (each page's `_refcount` above idle).
    pub page_pins: Atomic,
}

impl DataFile {
    /// The data file `index` called `name`, with its extent allocated.
    pub fn new(index: usize, name: Name) -> DataFile {
        DataFile {
            name,
            flc_lease: Mutex::new("flc_lock", Vec::new()),
            i_mmap_sem: RwSem::new("i_mmap_sem", ()),
            first_block: Atomic::new(1 + index as i64 * DATA_FILE_PAGES),
            page_pins: Atomic::new(0),
        }
    }
}

/// `open` of data file `index` (`do_filp_open` → `dentry_open`): a new struct file, its reference
/// held by `holder` until the caller installs it.
pub fn dax_open(k: &Kernel, index: usize, holder: Holder) -> Handle<File> {
    let name = &k.data_files[index].name;
    alloc_file(
        k,
        "dentry_open.alloc_file",
        FileKind::Data { index },
        name,
        holder,
    )
}

/// `truncate(path, 0)` of data file `index` by thread group `tgid`: what the caller observes.
pub fn truncate(k: &Kernel, index: usize, tgid: &Name) -> KResult<String> {
    let df = &k.data_files[index];
    loop {
        let locked = df.i_mmap_sem.down_write("ext4_break_layouts.i_mmap_sem")?;
        if let Err(e) = break_layout(k, index, tgid)? {
            return Ok(e.to_string());
        }
        let busy = df.page_pins.fetch_add("dax_layout_busy_page", 0);
        if busy > 0 {
            drop(locked);
            let woken = wait_var_event(
                "ext4_wait_dax_page",
                &df.page_pins,
                Sleep::Interruptible,
                || (None, String::new()),
                |pins| pins == 0,
            )?;
            if woken == Woken::Interrupted {
                let pages = if busy == 1 { "page" } else { "pages" };
                return Ok(format!("blocked by {busy} pinned {pages} of {}", df.name));
            }
            continue;
        }
        let first = df.first_block.swap("ext4_truncate.free_blocks", 0);
        if first != 0 {
            crate::sync::current_oracle()
                .1
                .dax_free(&df.name, first, DATA_FILE_PAGES);
        }
        drop(locked);
        return Ok("ok".into());
    }
}
