//! `clear-on-close` (D1n): the RFC with `sys_file` cleared in `ib_uverbs_close`, read under a lock
//! with get-unless-zero (Ira `20190812172826.GA19746@iweiny-DESK2.sc.intel.com`, with Jason's
//! condition from `20190812175615.GI24457@ziepe.ca`: "an unlocked clear needs a lock plus a get not
//! zero pattern").
//!
//! Claim: no one can pick up a dangling `sys_file`. What it leaves (docs/kernel.md §3.4): the
//! copies already taken into umems and file_file_pins are not reached by the clear, so the v5.3
//! trylock window (S1) still dangles.

use super::rfc_v2::{Owner, RfcV2};
use super::Proposal;

/// The proposal.
pub fn proposal() -> Box<dyn Proposal> {
    Box::new(RfcV2::new(Owner::ClearOnClose))
}
