//! `counted-backptr` (D1c): the RFC with `get_file` on every copy of the owner pointer.
//!
//! Claim: counting the back pointer makes it safe to dereference. Jason
//! (`20190813114842.GB29508@ziepe.ca`): "this is why having a back pointer like this is so ugly, it
//! creates a reference counting cycle": fd → file → ufile → uobjects → MR → umem → file.
//! `ib_uverbs_close`, the only path besides unplug that destroys MRs, runs only when f_count is 0,
//! which the umem's reference prevents: once every fd is closed, everything leaks (docs/kernel.md
//! §3.4).

use super::rfc_v2::{Owner, RfcV2};
use super::Proposal;

/// The proposal.
pub fn proposal() -> Box<dyn Proposal> {
    Box::new(RfcV2::new(Owner::Counted))
}
