//! `no-dax-pins` (D0): v5.3 as released, the baseline the series starts from (its cover letter,
//! `20190809225833.6657-1-ira.weiny@intel.com`, "Background").
//!
//! Claim: with no long-term pin of an FS-DAX page there is nothing to track and nothing for a
//! truncate to wait for. `get_user_pages_longterm` (v4.15, "mm: introduce
//! get_user_pages_longterm", Dan Williams) and, in v5.3, `__gup_longterm_locked` →
//! `check_dax_vmas` refuse FOLL_LONGTERM on an FS-DAX mapping with -EOPNOTSUPP, so REG_MR of a
//! DAX file fails; user layout leases do not exist yet (F_LAYOUT is exported by RFC 01/19), so
//! `F_SETLEASE` with it is EINVAL. The cost, which the series exists to remove: RDMA to FS-DAX
//! files needs on-demand paging in the adapter.
//!
//! It never pins, so scenarios whose race needs a pin are vacuous for it, and nothing it does may
//! reach a finding.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::task::Task;
use crate::vfs::locks::LeaseRef;
use crate::{Errno, KResult};

/// The proposal.
pub struct NoDaxPins;

impl super::Proposal for NoDaxPins {
    fn name(&self) -> &'static str {
        "no-dax-pins"
    }

    fn layout_lease_pins(&self) -> bool {
        false
    }

    /// Never called: GUP refuses the pin before any lease is looked for.
    fn pin(
        &self,
        _k: &Kernel,
        _cur: &Task,
        _bundle: &Bundle,
        _umem: Handle<Umem>,
        _lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        Ok(Err(Errno::EOPNOTSUPP))
    }

    fn unpin(&self, _k: &Kernel, _cur: &Task, _umem: Handle<Umem>) -> KResult<()> {
        Ok(())
    }
}
