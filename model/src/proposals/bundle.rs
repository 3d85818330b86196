//! `bundle` (D2): Jason's design (`20190813180022.GF29508@ziepe.ca`, `20190814122308.GB13770@ziepe.ca`).
//!
//! Claim: "once you are in file operations handle the file is guaranteed to exist", and umems are
//! only created under a system call with the `uverbs_attr_bundle`, so the owner identity is passed
//! down at pin time instead of stored as a back pointer; the pin record is owned by the RDMA
//! objects ("for RDMA the obvious context is the struct ib_mr") and destroyed under the same fence
//! as the MRs. GUP tolerates the struct file disappearing before the unpin: nothing points at it.
//!
//! Here: one record per owner (the ufile the bundle names) and data file, shared by the MRs that
//! pin that file, on the ufile's own list under its lock. REG_MR finds the record under the lock
//! and takes its reference with get-unless-zero (a record whose last MR is dropping it has reached
//! zero and is about to leave the list: a new one is made); the MR that puts the last reference
//! takes the record off the list. Like RFC 14/19's file pin, the record holds the struct file its
//! layout lease lives on. procfs walks fds with counted references (as fdinfo does) and lists the
//! records of each uverbs file's ufile.
//!
//! The lease-side variants (`zombie-lease`, `block-close`) keep their pins in the same records but
//! without the file reference ([`DataFileRef::None`]): what keeps their lease is their own rule.

use std::sync::OnceLock;

use crate::heap::{Handle, Heap};
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::Holder;
use crate::proposals::pin_record::PinRecord;
use crate::proposals::Ext;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{self, Umem};
use crate::sync::Mutex;
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File, FileKind};
use crate::vfs::locks::LeaseRef;
use crate::{Errno, KResult};

/// Whether a record holds the struct file its pin's lease lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFileRef {
    /// `get_file` of the lease's file, as 14/19's file pin does.
    Held,
    /// No reference: the lease is the design's own business.
    None,
}

/// D2's patch to `struct ib_uverbs_file`: the records of its MRs, one per data file.
pub struct PinRecords {
    /// The records, under `pin_records_lock`.
    pub list: Mutex<Vec<Handle<PinRecord>>>,
}

/// D2's patch to `struct ib_umem`: the record its pages are counted in.
pub struct UmemRecord {
    /// The record (set once the pin is recorded).
    pub record: OnceLock<Handle<PinRecord>>,
}

/// The proposal.
pub struct Bundle {
    data_file: DataFileRef,
    records: Heap<PinRecord>,
}

fn umem_holder(umem: Handle<Umem>) -> Holder {
    Holder::Obj(umem.obj(), "record")
}

fn records_of(u: &Ufile) -> &PinRecords {
    u.ext.part("bundle's pin_records in struct ib_uverbs_file")
}

impl Bundle {
    /// The design; its records hold the lease's file or not.
    pub fn new(data_file: DataFileRef) -> Bundle {
        Bundle {
            data_file,
            records: Heap::new("pin_record"),
        }
    }

    /// The record slab (a design built on this one may free from it).
    pub fn records(&self) -> &Heap<PinRecord> {
        &self.records
    }

    /// A new record for `umem`'s data file, its reference held by `umem`.
    fn new_record(&self, k: &Kernel, umem_h: Handle<Umem>, lease: &LeaseRef) -> Handle<PinRecord> {
        let data = &k.data_files[k.umems.get(umem_h).data];
        let held = (self.data_file == DataFileRef::Held).then_some(lease.fl_file);
        let rec = self.records.alloc("bundle_pin.kzalloc", |id| PinRecord {
            kref: Kref::new(id, "kref", umem_holder(umem_h)),
            data_file: held,
            data_name: data.name.clone(),
            f_owner: None,
        });
        if let Some(f) = held {
            get_file(k, "bundle_pin.get_file", f, Holder::Obj(rec.obj(), "file"));
        }
        rec
    }
}

impl super::Proposal for Bundle {
    fn name(&self) -> &'static str {
        "bundle"
    }

    fn ufile_ext(&self) -> Ext {
        Ext::new(PinRecords {
            list: Mutex::new("pin_records_lock", Vec::new()),
        })
    }

    fn umem_ext(&self) -> Ext {
        Ext::new(UmemRecord {
            record: OnceLock::new(),
        })
    }

    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        bundle: &umem::Bundle,
        umem_h: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let umem = k.umems.get(umem_h);
        let name = &k.data_files[umem.data].name;
        let ufile = k.ufiles.get(bundle.ufile);
        let mut list = records_of(&ufile)
            .list
            .lock("bundle_pin.pin_records_lock")?;
        let mut found = None;
        for &rec in list.iter() {
            let r = self
                .records
                .deref("bundle_pin.record", rec, "Read of record");
            if r.data_name == *name
                && r.kref
                    .get_unless_zero("bundle_pin.kref_get_unless_zero", umem_holder(umem_h))
            {
                found = Some(rec);
                break;
            }
        }
        let rec = match found {
            Some(rec) => rec,
            None => {
                let rec = self.new_record(k, umem_h, lease);
                list.push(rec);
                rec
            }
        };
        drop(list);
        // Published once the lock is dropped: a reader takes the same lock.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        let _ = umem
            .ext
            .part::<UmemRecord>("bundle's record in struct ib_umem")
            .record
            .set(rec);
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let Some(&rec) = umem
            .ext
            .part::<UmemRecord>("bundle's record in struct ib_umem")
            .record
            .get()
        else {
            return Ok(());
        };
        let r = self
            .records
            .deref("bundle_unpin.record", rec, "Read of record");
        if !r.kref.put("bundle_unpin.kref_put", &umem_holder(umem_h)) {
            return Ok(());
        }
        let ufile = k.ufiles.get(umem.ufile);
        records_of(&ufile)
            .list
            .lock("bundle_unpin.pin_records_lock")?
            .retain(|x| *x != rec);
        if let Some(f) = r.data_file {
            fput(
                k,
                cur,
                "bundle_unpin.fput_data",
                f,
                &Holder::Obj(rec.obj(), "file"),
            )?;
        }
        self.records.free("bundle_unpin.kfree", rec);
        Ok(())
    }

    /// The records of the ufile a uverbs file or one of its child files (a completion channel)
    /// reaches: their `f_op` is uverbs', so `show_fdinfo` sees the ufile through `private_data`.
    fn show_fdinfo(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        let (FileKind::Uverbs { ufile } | FileKind::CompChannel { ufile, .. }) =
            k.files.get(file).kind
        else {
            return Ok(Vec::new());
        };
        let ufile = k.ufiles.get(ufile);
        let list = records_of(&ufile)
            .list
            .lock("bundle_show.pin_records_lock")?;
        let mut out = Vec::new();
        for rec in list.iter() {
            out.push(
                self.records
                    .deref("bundle_show.record", *rec, "Read of record")
                    .data_name
                    .to_string(),
            );
        }
        Ok(out)
    }
}
