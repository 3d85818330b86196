//! A pin record: which data file is pinned, on whose behalf. RFC 13/19's `file_file_pin` (kref'd,
//! on the owner file's `file_pins` list, uncounted `f_owner`) and D2's MR-owned record share it.

use crate::heap::Handle;
use crate::kref::Kref;
use crate::vfs::file::File;

/// `struct file_file_pin` / D2's record.
pub struct PinRecord {
    /// Roughly the pages pinned through it (RFC), or the MRs that share it (D2).
    pub kref: Kref,
    /// The struct file the pin's layout lease lives on (14/19: `fp->file = get_file(fl->fl_file)`,
    /// a counted reference: it keeps the lease alive, Jan Kara's point in `20190815130558`);
    /// `None` for a design whose records hold no file.
    pub data_file: Option<Handle<File>>,
    /// Its path, as procfs prints it.
    pub data_name: crate::Name,
    /// RFC: the owner struct file, uncounted (counted under counted-backptr).
    pub f_owner: Option<Handle<File>>,
}
