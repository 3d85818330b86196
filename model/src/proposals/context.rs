//! `context` (D3): Ira's back-pointer-free design (`20190813203858.GA12695@iweiny-DESK2.sc.intel.com`,
//! the seed mail; refined in `20190814175045.GA31490@iweiny-DESK2.sc.intel.com`).
//!
//! Claim: "The drivers could provide some generic object ... which represents their 'context'. The
//! GUP code calls back into the driver with file pin information as it encounters and pins pages.
//! The driver ... associates this information with the 'context'." For procfs "it would be up to
//! the driver to 'install' a procfs handler into any struct file which _may_ point to this
//! context", and "the procfs code can walk the FD array and if this handler is installed it knows
//! there is file pin information associated with that struct file".
//!
//! Here: a refcounted `PinContext` per ufile, held by the ufile and by every struct file whose
//! handler points at it. The handler is a published pointer in the file (arc-swap under std, an
//! engine atomic under loom and shuttle), read by procfs under a counted file reference as
//! `show_fdinfo` is (docs/kernel.md §2.8), so it never races ->release of that file. The GUP
//! callback and the unpin touch only the context, reached through the ufile that the destroy path
//! holds.

use std::sync::Arc;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::{Holder, ObjId};
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::sync::Mutex;
use crate::task::Task;
use crate::vfs::file::File;
use crate::{Errno, KResult};

/// The driver's pin context.
pub struct PinContext {
    /// Held by the ufile and by each file with the handler installed.
    pub kref: Kref,
    /// The pins recorded by the GUP callback: (umem, data file).
    pub pins: Mutex<Vec<(ObjId, crate::Name)>>,
}

/// The proposal.
pub struct Context;

fn put_context(k: &Kernel, ctx: Handle<PinContext>, holder: &Holder) {
    if k.contexts.get(ctx).kref.put("pin_context.kref_put", holder) {
        k.contexts.free("pin_context.kfree", ctx);
    }
}

impl super::Proposal for Context {
    fn name(&self) -> &'static str {
        "context"
    }

    fn open(
        &self,
        k: &Kernel,
        _cur: &Task,
        file: Handle<File>,
        ufile: Handle<Ufile>,
    ) -> KResult<()> {
        let ctx = k.contexts.alloc("pin_context.alloc", |id| PinContext {
            kref: Kref::new(id, "kref", Holder::Obj(ufile.obj(), "pin_context")),
            pins: Mutex::new("pin_context.lock", Vec::new()),
        });
        k.ufiles
            .get(ufile)
            .pin_context
            .store("pin_context.publish", ctx.encode());
        // Install the procfs handler in the file that may point to the context.
        k.contexts.get(ctx).kref.get(
            "install_handler.kref_get",
            Holder::Obj(file.obj(), "pin_handler"),
        );
        k.files
            .get(file)
            .pin_handler
            .store("install_handler.publish", Some(Arc::new(ctx)));
        Ok(())
    }

    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        bundle: &Bundle,
        umem_h: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        let ufile = k.ufiles.get(bundle.ufile);
        let Some(ctx) =
            Handle::<PinContext>::decode(ufile.pin_context.load("gup_callback.context"))
        else {
            return Ok(Err(Errno::EPERM));
        };
        let c = k
            .contexts
            .deref("gup_callback.record", ctx, "Write of context pins");
        let data = k.data_files[k.umems.get(umem_h).data].name.clone();
        c.pins.lock("gup_callback.lock")?.push((umem_h.obj(), data));
        // Published once the lock is dropped: show_fdinfo takes the same lock.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, _cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let ufile = k.ufiles.get(umem.ufile);
        let Some(ctx) = Handle::<PinContext>::decode(ufile.pin_context.load("gup_unpin.context"))
        else {
            return Ok(());
        };
        let c = k
            .contexts
            .deref("gup_unpin.record", ctx, "Write of context pins");
        c.pins
            .lock("gup_unpin.lock")?
            .retain(|(u, _)| *u != umem_h.obj());
        Ok(())
    }

    fn file_release(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<()> {
        let f = k.files.get(file);
        if let Some(ctx) = f.pin_handler.load("__fput.pin_handler") {
            f.pin_handler.store("__fput.uninstall_handler", None);
            put_context(k, *ctx, &Holder::Obj(file.obj(), "pin_handler"));
        }
        Ok(())
    }

    fn ufile_release(&self, k: &Kernel, _cur: &Task, ufile: Handle<Ufile>) -> KResult<()> {
        let u = k.ufiles.get(ufile);
        if let Some(ctx) =
            Handle::<PinContext>::decode(u.pin_context.swap("ufile_release.pin_context", 0))
        {
            put_context(k, ctx, &Holder::Obj(ufile.obj(), "pin_context"));
        }
        Ok(())
    }

    fn show_fdinfo(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        let Some(ctx) = k.files.get(file).pin_handler.load("show_fdinfo.handler") else {
            return Ok(Vec::new());
        };
        let c = k
            .contexts
            .deref("show_fdinfo.context", *ctx, "Read of context pins");
        let pins = c.pins.lock("show_fdinfo.lock")?;
        Ok(pins.iter().map(|(_, d)| d.to_string()).collect())
    }
}
