//! An FS-DAX data file: its struct file (pin records hold it, keeping its layout lease alive),
//! its page pin count, and `truncate`, which reports who blocks it.

use crate::heap::Handle;
use crate::sync::Atomic;
use crate::vfs::file::File;

/// A file on the FS-DAX filesystem.
pub struct DataFile {
    /// Scenario name (`dax0`).
    pub name: crate::Name,
    /// Its struct file (held open by the filesystem root in the model).
    pub file: Handle<File>,
    /// Pages of it pinned long-term (sum of page pin counts).
    pub pins: Atomic,
}

/// `truncate`: blocked while any page is pinned. Returns the pin count it saw.
pub fn truncate(df: &DataFile) -> i64 {
    df.pins.load("truncate.page_maybe_dma_pinned")
}
