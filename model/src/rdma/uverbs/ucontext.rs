//! `struct ib_ucontext`: created by GET_CONTEXT, destroyed at the end of
//! `uverbs_destroy_ufile_hw` (`ufile_destroy_ucontext`).

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::Holder;
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::Atomic;

/// The driver context of one ufile.
pub struct Ucontext {
    /// `closing` (set when destroy starts; removed in v5.10).
    pub closing: Atomic,
}

/// Allocate a ucontext owned by `ufile`.
pub fn alloc_ucontext(k: &Kernel, ufile: Handle<Ufile>) -> Handle<Ucontext> {
    let h = k
        .ucontexts
        .alloc("ib_uverbs_get_context.alloc_ucontext", |_| Ucontext {
            closing: Atomic::new(0),
        });
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(h.obj(), Holder::Obj(ufile.obj(), "ucontext"));
    h
}

/// `ufile_destroy_ucontext` tail: driver `dealloc_ucontext`, kfree.
pub fn free_ucontext(k: &Kernel, ufile: Handle<Ufile>, h: Handle<Ucontext>) {
    let (_, oracle) = crate::sync::current_oracle();
    oracle.unhold(h.obj(), &Holder::Obj(ufile.obj(), "ucontext"));
    k.ucontexts.free("ufile_destroy_ucontext.kfree", h);
}
