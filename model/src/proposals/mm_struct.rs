//! `mm` (D4): pins tied to the `mm_struct`, Jason's question in `20190814122308.GB13770@ziepe.ca`
//! ("GUP must allow the struct file to be deleted before the pin is released ... Use mm_struct
//! instead?"): GUP already has `current->mm`, and the series has the object for it, RFC 13/19's
//! `mm_file_pin` on `mm->file_pins` under `mm->fp_lock`, listed by 18/19 as bare paths.
//!
//! Claim: nothing points at a struct file, so no file lifetime can be wrong: the pin is recorded
//! against the mm of the process that registered it and listed in that process's `file_pins`.
//! Ira's rebuttal (`20190814175045.GA31490@iweiny-DESK2.sc.intel.com`): SCM_RIGHTS can give the
//! context to any process, a struct file has no mm, RDMA is not told about dups, and after the
//! owner exits `owning_mm` belongs to a dead process, whose death does not remove the pin. So the
//! listing answers for the registering process forever: after a fork or an SCM_RIGHTS handoff
//! the process that holds the pin's fd does not list it, and the one listed may not hold it.
//!
//! Here the mechanics are done right (the lookup and the reference under `fp_lock` with
//! get-unless-zero, the record taken off under the lock, a locked walk in procfs, `mmget_not_zero`
//! as 18/19's `fp_start` does), so what fails is the attribution alone. Each record holds the
//! struct file its lease lives on and the mm itself (`mmgrab`), as 13/19's `mm_file_pin` does.
//!
//! Its patches: `file_pins` and `fp_lock` in `struct mm_struct`, the record in `struct ib_umem`.

use std::sync::OnceLock;

use crate::heap::{Handle, Heap};
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::mm::{mmdrop, mmgrab, mmput, Mm};
use crate::oracle::Holder;
use crate::proposals::Ext;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::sync::Mutex;
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File};
use crate::vfs::locks::LeaseRef;
use crate::vfs::process::Process;
use crate::vfs::procfs::PinLine;
use crate::{Errno, KResult, Name};

/// RFC 13/19's `struct mm_file_pin`: a data file pinned by an mm.
pub struct MmFilePin {
    /// The pins counted in it.
    pub kref: Kref,
    /// The struct file the lease lives on (counted).
    pub file: Handle<File>,
    /// Its path, as procfs prints it.
    pub data_name: Name,
    /// The mm it hangs on (`mmgrab`: its `mm_count`).
    pub mm: Handle<Mm>,
}

/// D4's patch to `struct mm_struct`: `file_pins` under `fp_lock`.
pub struct MmFilePins {
    /// The records, under `fp_lock`.
    pub list: Mutex<Vec<Handle<MmFilePin>>>,
}

/// D4's patch to `struct ib_umem`: the record its pin is counted in.
pub struct UmemMmPin {
    /// The record.
    pub record: OnceLock<Handle<MmFilePin>>,
}

/// The proposal.
pub struct MmPins {
    records: Heap<MmFilePin>,
}

fn pins_of(mm: &Mm) -> &MmFilePins {
    mm.ext.part("mm's file_pins in struct mm_struct")
}

fn umem_holder(umem: Handle<Umem>) -> Holder {
    Holder::Obj(umem.obj(), "mm_file_pin")
}

impl MmPins {
    /// The design.
    pub fn new() -> MmPins {
        MmPins {
            records: Heap::new("mm_file_pin"),
        }
    }
}

impl Default for MmPins {
    fn default() -> Self {
        Self::new()
    }
}

impl super::Proposal for MmPins {
    fn name(&self) -> &'static str {
        "mm"
    }

    fn mm_ext(&self) -> Ext {
        Ext::new(MmFilePins {
            list: Mutex::new("mm_fp_lock", Vec::new()),
        })
    }

    fn umem_ext(&self) -> Ext {
        Ext::new(UmemMmPin {
            record: OnceLock::new(),
        })
    }

    /// 14/19 `add_file_pin_to_mm` with the lock the posted one lacks: the record of `current->mm`
    /// for this leased file, found and referenced under `fp_lock`, or a new one.
    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        bundle: &Bundle,
        umem_h: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let mm = k.mms.get(bundle.mm);
        let name = k.data_files[k.umems.get(umem_h).data].name.clone();
        let mut list = pins_of(&mm).list.lock("add_file_pin_to_mm.fp_lock")?;
        let mut found = None;
        for &rec in list.iter() {
            let r = self
                .records
                .deref("add_file_pin_to_mm.walk", rec, "Read of mm_file_pin");
            if r.file == lease.fl_file
                && r.kref.get_unless_zero(
                    "add_file_pin_to_mm.kref_get_unless_zero",
                    umem_holder(umem_h),
                )
            {
                found = Some(rec);
                break;
            }
        }
        let rec = match found {
            Some(rec) => rec,
            None => {
                let rec = self
                    .records
                    .alloc("add_file_pin_to_mm.kzalloc", |id| MmFilePin {
                        kref: Kref::new(id, "kref", umem_holder(umem_h)),
                        file: lease.fl_file,
                        data_name: name,
                        mm: bundle.mm,
                    });
                get_file(
                    k,
                    "add_file_pin_to_mm.get_file",
                    lease.fl_file,
                    Holder::Obj(rec.obj(), "file"),
                );
                mmgrab(
                    k,
                    "add_file_pin_to_mm.mmgrab",
                    bundle.mm,
                    Holder::Obj(rec.obj(), "mm"),
                );
                list.push(rec);
                rec
            }
        };
        drop(list);
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        let _ = k
            .umems
            .get(umem_h)
            .ext
            .part::<UmemMmPin>("mm's record in struct ib_umem")
            .record
            .set(rec);
        Ok(Ok(()))
    }

    /// `remove_mm_file_pin`: the record put; the last reference takes it off `file_pins` under
    /// `fp_lock`, puts the file and frees it.
    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let Some(&rec) = umem
            .ext
            .part::<UmemMmPin>("mm's record in struct ib_umem")
            .record
            .get()
        else {
            return Ok(());
        };
        let r = self
            .records
            .deref("remove_mm_file_pin.record", rec, "Read of mm_file_pin");
        if !r
            .kref
            .put("remove_mm_file_pin.kref_put", &umem_holder(umem_h))
        {
            return Ok(());
        }
        pins_of(&k.mms.get(r.mm))
            .list
            .lock("release_mm_file_pin.fp_lock")?
            .retain(|x| *x != rec);
        mmdrop(
            k,
            "release_mm_file_pin.mmdrop",
            r.mm,
            &Holder::Obj(rec.obj(), "mm"),
        );
        fput(
            k,
            cur,
            "release_mm_file_pin.fput",
            r.file,
            &Holder::Obj(rec.obj(), "file"),
        )?;
        self.records.free("release_mm_file_pin.kfree", rec);
        Ok(())
    }

    /// 18/19's `file_pins` for mm pins: `mmget_not_zero` (a process that has exited has no mm
    /// users: nothing is listed), then the mm's records under `fp_lock`, as bare paths.
    fn file_pins(&self, k: &Kernel, cur: &Task, target: &Process) -> KResult<Vec<PinLine>> {
        let mm = k.mms.get(target.mm);
        let holder = Holder::Task(cur.tid, "fp_start.mmget");
        if !mm
            .mm_users
            .get_unless_zero("fp_start.mmget_not_zero", holder.clone())
        {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        {
            let list = pins_of(&mm).list.lock("show_fp.mm_fp_lock")?;
            let looked_up = crate::sync::current_oracle().1.mark();
            for &rec in list.iter() {
                let r = self
                    .records
                    .deref("show_fp.mm_file_pin", rec, "Read of mm_file_pin");
                out.push(PinLine {
                    fd: None,
                    file: None,
                    looked_up,
                    data: r.data_name.to_string(),
                });
            }
        }
        mmput(k, cur, target.mm, &holder)?;
        Ok(out)
    }
}
