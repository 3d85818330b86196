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
//! handler points at it. The files that may point to the context are the uverbs file and its child
//! files (completion channels): the driver installs the handler in each as the kernel makes it
//! reachable, the main file at open and a channel when its fd object is committed, before its fd
//! is installed. The handler is a published pointer in the file (arc-swap under std, an engine
//! atomic under loom and shuttle), read by procfs under a counted file reference as `show_fdinfo`
//! is (fdinfo's `seq_show`), so it never races ->release of that file. The GUP callback and the
//! unpin touch only the context, reached through the ufile that the destroy path holds. The
//! callback's entry holds the struct file the pin's layout lease lives on, as the series' file
//! pin does (14/19).
//!
//! Its patches: the handler in `struct file`, the context pointer in the ufile.

use std::sync::Arc;

use crate::heap::{Handle, Heap};
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::{Holder, ObjId};
use crate::proposals::Ext;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::sync::{Atomic, Mutex, Published};
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File, FileKind};
use crate::vfs::locks::LeaseRef;
use crate::{Errno, KResult};

/// One pin the GUP callback recorded: the umem, the data file's name, and the struct file its
/// lease lives on (a counted reference).
#[derive(Clone)]
pub struct ContextPin {
    umem: ObjId,
    data: crate::Name,
    file: Handle<File>,
}

/// The driver's pin context.
pub struct PinContext {
    /// Held by the ufile and by each file with the handler installed.
    pub kref: Kref,
    /// The pins recorded by the GUP callback.
    pub pins: Mutex<Vec<ContextPin>>,
}

/// D3's patch to `struct file`: the procfs handler the driver installed (and the context it shows).
pub struct PinHandler {
    /// The installed handler's context.
    pub handler: Published<Handle<PinContext>>,
}

/// D3's patch to `struct ib_uverbs_file`: its pin context, an encoded handle.
pub struct UfileContext {
    /// The context (0 before open installed it and after release).
    pub pin_context: Atomic,
}

/// The proposal.
pub struct Context {
    contexts: Heap<PinContext>,
}

fn handler_of(f: &File) -> Option<&PinHandler> {
    f.ext.get()
}

fn context_of(u: &Ufile) -> &UfileContext {
    u.ext.part("context's pin_context in struct ib_uverbs_file")
}

impl Context {
    /// The design.
    pub fn new() -> Context {
        Context {
            contexts: Heap::new("pin_context"),
        }
    }

    fn put_context(&self, ctx: Handle<PinContext>, holder: &Holder) {
        if self
            .contexts
            .get(ctx)
            .kref
            .put("pin_context.kref_put", holder)
        {
            self.contexts.free("pin_context.kfree", ctx);
        }
    }

    /// Install the handler showing `ctx` in `file` (a reference for the file).
    fn install_handler(&self, k: &Kernel, file: Handle<File>, ctx: Handle<PinContext>) {
        self.contexts.get(ctx).kref.get(
            "install_handler.kref_get",
            Holder::Obj(file.obj(), "pin_handler"),
        );
        if let Some(h) = handler_of(&k.files.get(file)) {
            h.handler
                .store("install_handler.publish", Some(Arc::new(ctx)));
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

impl super::Proposal for Context {
    fn name(&self) -> &'static str {
        "context"
    }

    fn file_ext(&self, kind: &FileKind) -> Ext {
        match kind {
            FileKind::Uverbs { .. } | FileKind::CompChannel { .. } => Ext::new(PinHandler {
                handler: Published::new(),
            }),
            FileKind::Data { .. } | FileKind::Ucma { .. } => Ext::none(),
        }
    }

    fn ufile_ext(&self) -> Ext {
        Ext::new(UfileContext {
            pin_context: Atomic::new(0),
        })
    }

    fn open(
        &self,
        k: &Kernel,
        _cur: &Task,
        file: Handle<File>,
        ufile: Handle<Ufile>,
    ) -> KResult<()> {
        let ctx = self.contexts.alloc("pin_context.alloc", |id| PinContext {
            kref: Kref::new(id, "kref", Holder::Obj(ufile.obj(), "pin_context")),
            pins: Mutex::new("pin_context.lock", Vec::new()),
        });
        context_of(&k.ufiles.get(ufile))
            .pin_context
            .store("pin_context.publish", ctx.encode());
        self.install_handler(k, file, ctx);
        Ok(())
    }

    /// A completion channel may point to the context: install the handler before its fd is.
    fn child_file(
        &self,
        k: &Kernel,
        _cur: &Task,
        file: Handle<File>,
        ufile: Handle<Ufile>,
    ) -> KResult<()> {
        let u = k.ufiles.get(ufile);
        if let Some(ctx) =
            Handle::<PinContext>::decode(context_of(&u).pin_context.load("install_handler.context"))
        {
            self.install_handler(k, file, ctx);
        }
        Ok(())
    }

    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        bundle: &Bundle,
        umem_h: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let ufile = k.ufiles.get(bundle.ufile);
        let Some(ctx) = Handle::<PinContext>::decode(
            context_of(&ufile).pin_context.load("gup_callback.context"),
        ) else {
            return Ok(Err(Errno::EPERM));
        };
        let c = self
            .contexts
            .deref("gup_callback.record", ctx, "Write of context pins");
        let data = k.data_files[k.umems.get(umem_h).data].name.clone();
        get_file(
            k,
            "gup_callback.get_file",
            lease.fl_file,
            Holder::Obj(umem_h.obj(), "context_pin.file"),
        );
        c.pins.lock("gup_callback.lock")?.push(ContextPin {
            umem: umem_h.obj(),
            data,
            file: lease.fl_file,
        });
        // Published once the lock is dropped: show_fdinfo takes the same lock.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let ufile = k.ufiles.get(umem.ufile);
        let Some(ctx) =
            Handle::<PinContext>::decode(context_of(&ufile).pin_context.load("gup_unpin.context"))
        else {
            return Ok(());
        };
        let c = self
            .contexts
            .deref("gup_unpin.record", ctx, "Write of context pins");
        let gone: Vec<ContextPin> = {
            let mut pins = c.pins.lock("gup_unpin.lock")?;
            let (gone, kept) = pins.drain(..).partition(|p| p.umem == umem_h.obj());
            *pins = kept;
            gone
        };
        for p in gone {
            fput(
                k,
                cur,
                "gup_unpin.fput_data",
                p.file,
                &Holder::Obj(umem_h.obj(), "context_pin.file"),
            )?;
        }
        Ok(())
    }

    fn file_release(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<()> {
        let f = k.files.get(file);
        let Some(h) = handler_of(&f) else {
            return Ok(());
        };
        if let Some(ctx) = h.handler.load("__fput.pin_handler") {
            h.handler.store("__fput.uninstall_handler", None);
            self.put_context(*ctx, &Holder::Obj(file.obj(), "pin_handler"));
        }
        Ok(())
    }

    fn ufile_release(&self, k: &Kernel, _cur: &Task, ufile: Handle<Ufile>) -> KResult<()> {
        let u = k.ufiles.get(ufile);
        if let Some(ctx) = Handle::<PinContext>::decode(
            context_of(&u)
                .pin_context
                .swap("ufile_release.pin_context", 0),
        ) {
            self.put_context(ctx, &Holder::Obj(ufile.obj(), "pin_context"));
        }
        Ok(())
    }

    fn show_fdinfo(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        let f = k.files.get(file);
        let Some(ctx) = handler_of(&f).and_then(|h| h.handler.load("show_fdinfo.handler")) else {
            return Ok(Vec::new());
        };
        let c = self
            .contexts
            .deref("show_fdinfo.context", *ctx, "Read of context pins");
        let pins = c.pins.lock("show_fdinfo.lock")?;
        Ok(pins.iter().map(|p| p.data.to_string()).collect())
    }
}
