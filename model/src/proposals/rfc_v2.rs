//! `rfc-v2` (D1): the RFC as posted, "[RFC PATCH v2 16/19] RDMA/uverbs: Add back pointer to system
//! file object" (Ira Weiny, 9 Aug 2019, `20190809225833.6657-17-ira.weiny@intel.com`) with
//! 13/19, 14/19 and 18/19.
//!
//! Claim (16/19's commit message): the owning struct file outlives all umems, so `ufile->sys_file`
//! can be stored uncounted and copied into `umem->vaddr_pin.f_owner` and into each
//! `file_file_pin->f_owner`. Jason's reply (`20190812130039.GD24457@ziepe.ca`): the struct file
//! lives strictly shorter than the ufile; on v5.3 close can return while device removal still
//! destroys the MRs (G5), so the copy dangles (docs/kernel.md §3.3). Hazards kept as posted (§3.5
//! there): H1 the owner's `file_pins` is walked without `fp_lock` before `kref_get`; H2 release
//! puts every entry on the owner list; H3 procfs re-looks fds up by number without a reference and
//! walks the unlocked list.
//!
//! The same mechanics serve `counted-backptr` (the copies counted) and `clear-on-close`.

use std::sync::Arc;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::{FindingKind, Holder};
use crate::proposals::pin_record::PinRecord;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File};
use crate::vfs::process::{Process, FDS_MAX};
use crate::vfs::procfs::PinLine;
use crate::{Errno, KResult};

/// How the owner pointer is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// As posted: no reference.
    Uncounted,
    /// `get_file` for every copy (D1c).
    Counted,
    /// Uncounted, but `sys_file` is cleared in `ib_uverbs_close` and read under a lock with
    /// get-unless-zero (D1n).
    ClearOnClose,
}

/// The RFC's file_pins design, parameterized by how `f_owner` is held.
pub struct RfcV2 {
    owner: Owner,
}

impl RfcV2 {
    /// The design with the given owner discipline.
    pub fn new(owner: Owner) -> RfcV2 {
        RfcV2 { owner }
    }

    fn name_of(&self) -> &'static str {
        match self.owner {
            Owner::Uncounted => "rfc-v2",
            Owner::Counted => "counted-backptr",
            Owner::ClearOnClose => "clear-on-close",
        }
    }

    /// The owner struct file to copy into the umem (`ufile->sys_file`).
    fn read_sys_file(
        &self,
        k: &Kernel,
        cur: &Task,
        ufile: &Ufile,
    ) -> KResult<Option<Handle<File>>> {
        if self.owner != Owner::ClearOnClose {
            return Ok(Handle::decode(ufile.sys_file.load("vaddr_pin.sys_file")));
        }
        let _l = ufile.sys_file_lock.lock("vaddr_pin.sys_file_lock")?;
        let Some(f) = Handle::<File>::decode(ufile.sys_file.load("vaddr_pin.sys_file")) else {
            return Ok(None);
        };
        let holder = Holder::Task(cur.tid, "sys_file");
        if !k
            .files
            .get(f)
            .f_count
            .get_unless_zero("vaddr_pin.get_file_unless_zero", holder.clone())
        {
            return Ok(None);
        }
        drop(_l);
        // Only the read was protected: the copy below is uncounted again.
        fput(k, cur, "vaddr_pin.fput", f, &holder)?;
        Ok(Some(f))
    }
}

crate::declare_check!(
    /// RFC 13/19's `WARN_ON(!list_empty(&f->file_pins))` in `file_free_rcu`: a struct file is
    /// freed while pin records still hang on it.
    pub static WARN_FILE_FREE_PINS = ("warn.file_free_rcu.file_pins", FindingKind::Warn,
        "a struct file is freed with pin records on its file_pins list");
);

fn umem_holder(umem: Handle<Umem>) -> Holder {
    Holder::Obj(umem.obj(), "vaddr_pin.f_owner")
}

fn pin_holder(umem: Handle<Umem>) -> Holder {
    Holder::Obj(umem.obj(), "file_pin")
}

impl super::Proposal for RfcV2 {
    fn name(&self) -> &'static str {
        self.name_of()
    }

    fn open(
        &self,
        _k: &Kernel,
        _cur: &Task,
        file: Handle<File>,
        ufile: Handle<Ufile>,
    ) -> KResult<()> {
        // 16/19: ufile->sys_file = filp (uncounted).
        _k.ufiles
            .get(ufile)
            .sys_file
            .store("ib_uverbs_open.sys_file", file.encode());
        Ok(())
    }

    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        bundle: &Bundle,
        umem_h: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        let ufile = k.ufiles.get(bundle.ufile);
        let umem = k.umems.get(umem_h);
        let Some(owner) = self.read_sys_file(k, cur, &ufile)? else {
            let _ = umem.f_owner.set(None);
            return Ok(Err(Errno::EPERM));
        };
        if self.owner == Owner::Counted {
            get_file(k, "vaddr_pin.get_file", owner, umem_holder(umem_h));
        }
        let _ = umem.f_owner.set(Some(owner));
        // 14/19 add_file_pin_to_f_owner: walk the owner's list without fp_lock (H1).
        let data = &k.data_files[umem.data];
        let f = k
            .files
            .deref("add_file_pin.f_owner", owner, "Read of f_owner->file_pins");
        let list = f
            .file_pins
            .load("add_file_pin.walk_file_pins")
            .map(|l| (*l).clone())
            .unwrap_or_default();
        for rec in &list {
            let r = k
                .records
                .deref("add_file_pin.walk", *rec, "Read of file_file_pin");
            if r.data_name == data.name {
                r.kref.get("add_file_pin.kref_get", pin_holder(umem_h));
                crate::sync::current_oracle().1.pin_visible(umem_h.obj());
                return Ok(Ok(()));
            }
        }
        let rec = k.records.alloc("add_file_pin.kzalloc", |id| PinRecord {
            kref: crate::kref::Kref::new(id, "kref", pin_holder(umem_h)),
            data_file: data.file,
            data_name: data.name.clone(),
            f_owner: Some(owner),
        });
        get_file(
            k,
            "add_file_pin.get_file",
            data.file,
            Holder::Obj(rec.obj(), "file"),
        );
        let _fp = f.fp_lock.lock("add_file_pin.fp_lock")?;
        let mut now = f
            .file_pins
            .load("add_file_pin.list_add")
            .map(|l| (*l).clone())
            .unwrap_or_default();
        now.push(rec);
        f.file_pins
            .store("add_file_pin.list_add", Some(Arc::new(now)));
        // Readers walk file_pins without fp_lock: the record is visible from this store.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let Some(owner) = umem.f_owner.get().copied().flatten() else {
            return Ok(());
        };
        // 14/19 remove_file_file_pin: through the copied f_owner, unlocked walk, put every entry (H2).
        let f = k.files.deref(
            "remove_file_pin.f_owner",
            owner,
            "Read of f_owner->file_pins",
        );
        let list = f
            .file_pins
            .load("remove_file_pin.walk_file_pins")
            .map(|l| (*l).clone())
            .unwrap_or_default();
        for rec in list {
            let r = k
                .records
                .deref("remove_file_pin.walk", rec, "Read of file_file_pin");
            if r.kref.put("remove_file_pin.kref_put", &pin_holder(umem_h)) {
                {
                    let _fp = f.fp_lock.lock("release_file_pin.fp_lock")?;
                    let mut now = f
                        .file_pins
                        .load("release_file_pin.list_del")
                        .map(|l| (*l).clone())
                        .unwrap_or_default();
                    now.retain(|x| *x != rec);
                    f.file_pins
                        .store("release_file_pin.list_del", Some(Arc::new(now)));
                }
                fput(
                    k,
                    cur,
                    "release_file_pin.fput_data",
                    r.data_file,
                    &Holder::Obj(rec.obj(), "file"),
                )?;
                k.records.free("release_file_pin.kfree", rec);
            }
        }
        if self.owner == Owner::Counted {
            fput(
                k,
                cur,
                "vaddr_unpin.fput_owner",
                owner,
                &umem_holder(umem_h),
            )?;
        }
        Ok(())
    }

    /// 13/19 `file_free_rcu`: WARN when the freed file still has pin records (read without a
    /// step: the callback owns the file, and a racing access is a use-after-free of its own).
    fn file_free(&self, k: &Kernel, file: Handle<File>) {
        let pins = k.files.get(file).file_pins.peek();
        let n = pins.map_or(0, |l| l.len());
        if n > 0 {
            let (_, oracle) = crate::sync::current_oracle();
            let name = k.files.name(file);
            oracle.warn(
                &WARN_FILE_FREE_PINS,
                "fs/file_table.c",
                "file_free_rcu",
                "WARN_ON(!list_empty(&f->file_pins))",
                Some(name.clone()),
                vec![format!(
                    "{name} is freed with {n} pin record(s) on its file_pins list"
                )],
            );
        }
    }

    fn release(
        &self,
        k: &Kernel,
        _cur: &Task,
        _file: Handle<File>,
        ufile: Handle<Ufile>,
    ) -> KResult<()> {
        if self.owner == Owner::ClearOnClose {
            let u = k.ufiles.get(ufile);
            let _l = u.sys_file_lock.lock("ib_uverbs_close.sys_file_lock")?;
            u.sys_file.store("ib_uverbs_close.clear_sys_file", 0);
        }
        Ok(())
    }

    /// 18/19 `/proc/<pid>/file_pins`: `fp_start` records fd numbers whose file has pins
    /// (unlocked `list_empty_careful`), `show_fp` re-looks each fd up without a reference and walks
    /// its `file_pins` without `fp_lock` (H3).
    fn file_pins(&self, k: &Kernel, cur: &Task, target: &Process) -> KResult<Vec<PinLine>> {
        let mut fds = Vec::new();
        {
            let table = target.files.lock("fp_start.iterate_fd")?;
            for fd in 0..FDS_MAX {
                if let Some(f) = table[fd] {
                    let file = k.files.get(f);
                    if file
                        .file_pins
                        .load("fp_start.list_empty_careful")
                        .is_some_and(|l| !l.is_empty())
                    {
                        fds.push(fd);
                    }
                }
            }
        }
        let mut out = Vec::new();
        let (_, oracle) = crate::sync::current_oracle();
        for fd in fds {
            k.rcu.read_lock("show_fp.rcu_read_lock", cur.tid);
            let f = target
                .files
                .lock("show_fp.fcheck_files")?
                .get(fd)
                .copied()
                .flatten();
            let looked_up = oracle.now();
            if let Some(f) = f {
                let file = k.files.deref("show_fp.file", f, "Read of file->file_pins");
                let list = file
                    .file_pins
                    .load("show_fp.walk_file_pins")
                    .map(|l| (*l).clone())
                    .unwrap_or_default();
                for rec in list {
                    let r = k.records.deref("show_fp.fp_file", rec, "Read of fp->file");
                    out.push(PinLine {
                        fd,
                        file: f,
                        looked_up,
                        data: r.data_name.to_string(),
                    });
                }
            }
            k.rcu.read_unlock(k, "show_fp.rcu_read_unlock", cur.tid);
        }
        Ok(out)
    }
}
