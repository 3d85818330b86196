//! ucma (`drivers/infiniband/core/ucma.c`, `/dev/infiniband/rdma_cm`): the RDMA connection
//! manager's user interface, on the same struct files, heap and oracle as uverbs.
//!
//! - [`file`]: `struct ucma_file` behind each open, `ucma_open` and `ucma_close` (its release);
//! - [`context`]: `struct ucma_context` (one CM id): `ucma_create_id`, `ucma_destroy_id`,
//!   `ucma_migrate_id`, the `ref` + `comp` pair that destroy waits on;
//! - [`multicast`]: `struct ucma_multicast`: `ucma_process_join`, `ucma_leave_multicast`.
//!
//! The ids live in global tables: contexts in `ctx_idr` under the global `mut` (v5.2; later an
//! xarray under its `xa_lock`), multicasts in `multicast_table` under its own lock. A context is
//! reachable from its file's `ctx_list` too, which is what `ucma_close` walks; keeping the two
//! views consistent is where the historical bugs are: a context left on `ctx_list` after the
//! error path freed it ("RDMA/ucma: Fix use-after-free access in ucma_close"), a context moved to
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
    /// `ctx_idr` under `mut`: id → context (an id is never reused in a model run).
    pub ctx_idr: Mutex<Vec<Option<Handle<UcmaContext>>>>,
    /// `multicast_table` under its `xa_lock`: id → multicast; `None` once erased, or while only
    /// reserved (`xa_alloc` with a NULL entry, since cb2595c1393b).
    pub multicast_table: Mutex<Vec<Option<Handle<UcmaMulticast>>>>,
}

impl UcmaTables {
    /// Empty tables.
    pub fn new() -> UcmaTables {
        UcmaTables {
            ctx_idr: Mutex::new("mut", Vec::new()),
            multicast_table: Mutex::new("multicast_table.xa_lock", Vec::new()),
        }
    }
}

impl Default for UcmaTables {
    fn default() -> Self {
        Self::new()
    }
}
