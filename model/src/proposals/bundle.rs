//! `bundle` (D2): Jason's design (`20190813180022.GF29508@ziepe.ca`, `20190814122308.GB13770@ziepe.ca`).
//!
//! Claim: "once you are in file operations handle the file is guaranteed to exist", and umems are
//! only created under a system call with the `uverbs_attr_bundle`, so the owner identity is passed
//! down at pin time instead of stored as a back pointer; the pin record is owned by the RDMA object
//! ("for RDMA the obvious context is the struct ib_mr") and destroyed under the same fence as the
//! MR. GUP tolerates the struct file disappearing before the unpin: nothing points at it.
//! The records of a ufile sit on its own list under its lock; procfs walks fds with counted
//! references (as fdinfo does) and lists the records of each uverbs file's ufile.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::kref::Kref;
use crate::oracle::Holder;
use crate::proposals::pin_record::PinRecord;
use crate::rdma::uverbs::umem::{self, Umem};
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File, FileKind};
use crate::{Errno, KResult};

/// The proposal.
pub struct Bundle;

impl super::Proposal for Bundle {
    fn name(&self) -> &'static str {
        "bundle"
    }

    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        bundle: &umem::Bundle,
        umem_h: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        let umem = k.umems.get(umem_h);
        let data = &k.data_files[umem.data];
        let rec = k.records.alloc("bundle_pin.kzalloc", |id| PinRecord {
            kref: Kref::new(id, "kref", Holder::Obj(umem_h.obj(), "record")),
            data_file: data.file,
            data_name: data.name.clone(),
            f_owner: None,
        });
        get_file(
            k,
            "bundle_pin.get_file",
            data.file,
            Holder::Obj(rec.obj(), "file"),
        );
        let ufile = k.ufiles.get(bundle.ufile);
        ufile
            .pin_records
            .lock("bundle_pin.pin_records_lock")?
            .push(rec);
        // Published once the lock is dropped: a reader takes the same lock.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        let _ = umem.record.set(rec);
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let Some(&rec) = umem.record.get() else {
            return Ok(());
        };
        let ufile = k.ufiles.get(umem.ufile);
        ufile
            .pin_records
            .lock("bundle_unpin.pin_records_lock")?
            .retain(|r| *r != rec);
        let r = k
            .records
            .deref("bundle_unpin.record", rec, "Read of record");
        if r.kref.put(
            "bundle_unpin.kref_put",
            &Holder::Obj(umem_h.obj(), "record"),
        ) {
            fput(
                k,
                cur,
                "bundle_unpin.fput_data",
                r.data_file,
                &Holder::Obj(rec.obj(), "file"),
            )?;
            k.records.free("bundle_unpin.kfree", rec);
        }
        Ok(())
    }

    fn show_fdinfo(&self, k: &Kernel, _cur: &Task, file: Handle<File>) -> KResult<Vec<String>> {
        let FileKind::Uverbs { ufile } = k.files.get(file).kind else {
            return Ok(Vec::new());
        };
        let ufile = k.ufiles.get(ufile);
        let list = ufile.pin_records.lock("bundle_show.pin_records_lock")?;
        let mut out = Vec::new();
        for rec in list.iter() {
            out.push(
                k.records
                    .deref("bundle_show.record", *rec, "Read of record")
                    .data_name
                    .to_string(),
            );
        }
        Ok(out)
    }
}
