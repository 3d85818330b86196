//! ucma (`drivers/infiniband/core/ucma.c`, `/dev/infiniband/rdma_cm`): the RDMA connection
//! manager's user interface, on the same struct files, heap and oracle as uverbs.
//!
//! - [`file`]: `struct ucma_file` behind each open, `ucma_open` and `ucma_close` (its release);
//! - [`context`]: `struct ucma_context` (one CM id): `ucma_create_id`, `ucma_destroy_id`,
//!   `ucma_migrate_id`, the `ref` + `comp` pair that destroy waits on;
//! - [`multicast`]: `struct ucma_multicast`: `ucma_process_join`, `ucma_leave_multicast`.
//!
//! The ids live in two global xarrays, each under its own `xa_lock`: contexts in `ctx_table`,
//! multicasts in `multicast_table`; each file's `mut` guards its `ctx_list` and the `mc_list` of
//! its contexts. Which lock each path takes is v5.3's and v5.6's (`ucma.c` as tagged: read in
//! v5.3.1's and v5.6.4's trees, whose ucma.c differs from each other only by the `ctx->mutex`
//! around the calls into the RDMA CM, which is not modelled; the stable updates between the tags
//! and those trees are taken to leave ucma.c alone):
//!
//! | path | v5.3, v5.6 |
//! |---|---|
//! | `ucma_get_ctx` | `ctx_table` `xa_lock` (find, `closing`, `ref`) |
//! | `ucma_put_ctx` | none (`atomic_dec_and_test`) |
//! | `ucma_create_id` | file `mut` around `ucma_alloc_ctx` (`xa_alloc`); error: `xa_erase`, then file `mut` |
//! | `ucma_destroy_id` | `xa_lock` (find, erase); file `mut` (`destroying`); `xa_lock` (`closing`) |
//! | `ucma_migrate_id` | `ucma_get_ctx`; both files' `mut` (lower address first), then `xa_lock` |
//! | `ucma_close` | file `mut` (`destroying`); `xa_erase`; `xa_lock` (`closing`); file `mut` again |
//! | `ucma_free_ctx` | `ucma_cleanup_multicast`, then the context's file `mut` (`list_del`) |
//! | `ucma_cleanup_multicast` | the context's file `mut` over the loop; `xa_erase` of each id |
//! | `ucma_alloc_multicast` | (caller's file `mut`) `xa_alloc` with a NULL entry |
//! | `ucma_process_join` | `ucma_get_ctx`; file `mut` over all; `xa_store` last, or `xa_erase` |
//! | `ucma_leave_multicast` | `multicast_table` `xa_lock` (find, `ref`, erase); then file `mut` |
//!
//! v5.2 and earlier kept contexts in `ctx_idr` under a global mutex `mut` (and
//! `ucma_cleanup_multicast` took that `mut`); no modelled release has it. With f5449e74802c
//! (v5.10) `ucma_migrate_id` re-finds the id under `xa_lock` and sets `ctx->file` there (and
//! under the CM id's handler lock, which no modelled path besides it takes), then moves the
//! context between the files under each file's `mut` in turn (v5.10.7's ucma.c); the model
//! applies that to v5.6's other paths (`v5.6+f5449e74802c`).
//!
//! A context is reachable from its file's `ctx_list` too, which is what `ucma_close` walks;
//! keeping the two views consistent is where the historical bugs are: a context left on
//! `ctx_list` after the error path freed it (ed65a4dc2208, "RDMA/ucma: Fix use-after-free access
//! in ucma_close"), a context moved to
//! another file while `ucma_destroy_id` runs on the first (f5449e74802c, CVE-2020-36385), a
//! multicast published before `ucma_process_join` could no longer fail (cb2595c1393b,
//! CVE-2018-14734).
//!
//! Not modelled: the `rdma_cm_id` itself (its event handlers, the handler lock, device removal
//! events and the close workqueue), events, and the backlog.

pub mod context;
pub mod file;
pub mod multicast;

use crate::heap::Handle;
use crate::sync::Mutex;

use context::UcmaContext;
use multicast::UcmaMulticast;

/// Ids per table.
pub const IDS_MAX: usize = 16;

/// The module's global tables.
pub struct UcmaTables {
    /// `ctx_table` under its `xa_lock`: id → context (an id is never reused in a model run).
    pub ctx_table: Mutex<Vec<Option<Handle<UcmaContext>>>>,
    /// `multicast_table` under its `xa_lock`: id → multicast; `None` once erased, or while only
    /// reserved (`xa_alloc` with a NULL entry, since cb2595c1393b).
    pub multicast_table: Mutex<Vec<Option<Handle<UcmaMulticast>>>>,
}

impl UcmaTables {
    /// Empty tables.
    pub fn new() -> UcmaTables {
        UcmaTables {
            ctx_table: Mutex::new("ctx_table.xa_lock", Vec::new()),
            multicast_table: Mutex::new("multicast_table.xa_lock", Vec::new()),
        }
    }
}

impl Default for UcmaTables {
    fn default() -> Self {
        Self::new()
    }
}
