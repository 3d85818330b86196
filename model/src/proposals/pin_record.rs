//! A pin record: which data file is pinned, on whose behalf. RFC 13/19's `file_file_pin` (kref'd,
//! on the owner file's `file_pins` list, uncounted `f_owner`) and D2's MR-owned record share it.

use crate::heap::Handle;
use crate::kref::Kref;
use crate::vfs::file::File;

/// `struct file_file_pin` / D2's record.
pub struct PinRecord {
    /// Roughly the pages pinned through it (RFC), or 1 (D2).
    pub kref: Kref,
    /// The pinned data file (a counted reference: it keeps the lease alive, Jan Kara's point).
    pub data_file: Handle<File>,
    /// Its path, as procfs prints it.
    pub data_name: crate::Name,
    /// RFC: the owner struct file, uncounted (counted under counted-backptr).
    pub f_owner: Option<Handle<File>>,
}
