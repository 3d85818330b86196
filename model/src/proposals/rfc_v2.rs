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
//! The lease side as posted: a pin needs an exclusive layout lease of the caller's thread group
//! (04/19, 14/19), each file pin holds the struct file that lease lives on (so closing the leased
//! fd keeps the lease until the pins go, as Jan Kara observed), and `F_UNLCK` may release the
//! lease while pins remain ("If they release it no other pin calls will work on the file", the
//! cover letter): a truncate then waits for the pinned pages instead of failing with ETXTBSY.
//!
//! The same mechanics serve `counted-backptr` (the copies counted) and `clear-on-close`. Its
//! patches: `file_pins` and `fp_lock` in the owner's `struct file` (13/19), `sys_file` in the
//! ufile (16/19, with clear-on-close's lock), `vaddr_pin.f_owner` in the umem (17/19).

use std::sync::{Arc, OnceLock};

use crate::heap::{Handle, Heap};
use crate::kernel::Kernel;
use crate::oracle::{FindingKind, Holder};
use crate::proposals::pin_record::PinRecord;
use crate::proposals::Ext;
use crate::rdma::uverbs::ufile::Ufile;
use crate::rdma::uverbs::umem::{Bundle, Umem};
use crate::sync::{Atomic, Mutex, Published};
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File, FileKind};
use crate::vfs::locks::LeaseRef;
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

/// 13/19's patch to `struct file`: the pins held through this (owner) file.
pub struct FilePins {
    /// `fp_lock`, protecting `file_pins` writers.
    pub fp_lock: Mutex<()>,
    /// `file_pins`: records of the data files pinned through this file. Writers publish a new list
    /// under `fp_lock`; the RFC's readers load it without the lock.
    pub file_pins: Published<Vec<Handle<PinRecord>>>,
}

/// 16/19's patch to `struct ib_uverbs_file`.
pub struct SysFile {
    /// `sys_file`: the main struct file, uncounted (counted under counted-backptr).
    pub sys_file: Atomic,
    /// clear-on-close: the lock that makes reading and clearing `sys_file` safe.
    pub sys_file_lock: Mutex<()>,
}

/// 17/19's patch to `struct ib_umem`: `vaddr_pin.f_owner`, copied from `ufile->sys_file`.
pub struct VaddrPin {
    /// The owning uverbs struct file (`None` when there was none to copy).
    pub f_owner: OnceLock<Option<Handle<File>>>,
}

fn file_pins(f: &File) -> &FilePins {
    f.ext.part("rfc-v2's file_pins in struct file")
}

fn sys_file(u: &Ufile) -> &SysFile {
    u.ext.part("rfc-v2's sys_file in struct ib_uverbs_file")
}

fn vaddr_pin(u: &Umem) -> &VaddrPin {
    u.ext.part("rfc-v2's vaddr_pin in struct ib_umem")
}

/// The RFC's file_pins design, parameterized by how `f_owner` is held.
pub struct RfcV2 {
    owner: Owner,
    /// The `file_file_pin` slab.
    records: Heap<PinRecord>,
}

impl RfcV2 {
    /// The design with the given owner discipline.
    pub fn new(owner: Owner) -> RfcV2 {
        RfcV2 {
            owner,
            records: Heap::new("pin_record"),
        }
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
        let ext = sys_file(ufile);
        if self.owner != Owner::ClearOnClose {
            return Ok(Handle::decode(ext.sys_file.load("vaddr_pin.sys_file")));
        }
        let _l = ext.sys_file_lock.lock("vaddr_pin.sys_file_lock")?;
        let Some(f) = Handle::<File>::decode(ext.sys_file.load("vaddr_pin.sys_file")) else {
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

impl RfcV2 {
    /// 14/19 `add_file_pin_to_f_owner`: walk the owner's list without `fp_lock` (H1) and take a
    /// reference on the record for this leased file, or add one holding that file.
    fn add_file_pin(
        &self,
        k: &Kernel,
        owner: Handle<File>,
        umem_h: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let f = k
            .files
            .deref("add_file_pin.f_owner", owner, "Read of f_owner->file_pins");
        let pins = file_pins(&f);
        let list = pins
            .file_pins
            .load("add_file_pin.walk_file_pins")
            .map(|l| (*l).clone())
            .unwrap_or_default();
        for rec in &list {
            let r = self
                .records
                .deref("add_file_pin.walk", *rec, "Read of file_file_pin");
            if r.data_file == Some(lease.fl_file) {
                r.kref.get("add_file_pin.kref_get", pin_holder(umem_h));
                crate::sync::current_oracle().1.pin_visible(umem_h.obj());
                return Ok(());
            }
        }
        let data = &k.data_files[umem.data];
        let rec = self.records.alloc("add_file_pin.kzalloc", |id| PinRecord {
            kref: crate::kref::Kref::new(id, "kref", pin_holder(umem_h)),
            data_file: Some(lease.fl_file),
            data_name: data.name.clone(),
            f_owner: Some(owner),
        });
        get_file(
            k,
            "add_file_pin.get_file",
            lease.fl_file,
            Holder::Obj(rec.obj(), "file"),
        );
        let _fp = pins.fp_lock.lock("add_file_pin.fp_lock")?;
        let mut now = pins
            .file_pins
            .load("add_file_pin.list_add")
            .map(|l| (*l).clone())
            .unwrap_or_default();
        now.push(rec);
        pins.file_pins
            .store("add_file_pin.list_add", Some(Arc::new(now)));
        // Readers walk file_pins without fp_lock: the record is visible from this store.
        crate::sync::current_oracle().1.pin_visible(umem_h.obj());
        Ok(())
    }

    /// `release_file_file_pin`: off the owner's list under `fp_lock`, the data file put, kfree.
    fn release_file_pin(
        &self,
        k: &Kernel,
        cur: &Task,
        f: &File,
        rec: Handle<PinRecord>,
        r: &PinRecord,
    ) -> KResult<()> {
        let pins = file_pins(f);
        {
            let _fp = pins.fp_lock.lock("release_file_pin.fp_lock")?;
            let mut now = pins
                .file_pins
                .load("release_file_pin.list_del")
                .map(|l| (*l).clone())
                .unwrap_or_default();
            now.retain(|x| *x != rec);
            pins.file_pins
                .store("release_file_pin.list_del", Some(Arc::new(now)));
        }
        if let Some(data) = r.data_file {
            fput(
                k,
                cur,
                "release_file_pin.fput_data",
                data,
                &Holder::Obj(rec.obj(), "file"),
            )?;
        }
        self.records.free("release_file_pin.kfree", rec);
        Ok(())
    }
}

impl super::Proposal for RfcV2 {
    fn name(&self) -> &'static str {
        self.name_of()
    }

    fn file_ext(&self, kind: &FileKind) -> Ext {
        match kind {
            FileKind::Uverbs { .. } => Ext::new(FilePins {
                fp_lock: Mutex::new("fp_lock", ()),
                file_pins: Published::new(),
            }),
            _ => Ext::none(),
        }
    }

    fn ufile_ext(&self) -> Ext {
        Ext::new(SysFile {
            sys_file: Atomic::new(0),
            sys_file_lock: Mutex::new("sys_file_lock", ()),
        })
    }

    fn umem_ext(&self) -> Ext {
        Ext::new(VaddrPin {
            f_owner: OnceLock::new(),
        })
    }

    fn open(
        &self,
        k: &Kernel,
        _cur: &Task,
        file: Handle<File>,
        ufile: Handle<Ufile>,
    ) -> KResult<()> {
        // 16/19: ufile->sys_file = filp (uncounted).
        sys_file(&k.ufiles.get(ufile))
            .sys_file
            .store("ib_uverbs_open.sys_file", file.encode());
        Ok(())
    }

    /// 17/19 `ib_umem_get`: `umem->vaddr_pin.f_owner = context->ufile->sys_file` before GUP.
    fn pin_begin(
        &self,
        k: &Kernel,
        cur: &Task,
        bundle: &Bundle,
        umem_h: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        let ufile = k.ufiles.get(bundle.ufile);
        let owner = self.read_sys_file(k, cur, &ufile)?;
        let _ = vaddr_pin(&k.umems.get(umem_h)).f_owner.set(owner);
        Ok(if owner.is_some() {
            Ok(())
        } else {
            Err(Errno::EPERM)
        })
    }

    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        _bundle: &Bundle,
        umem_h: Handle<Umem>,
        lease: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let umem = k.umems.get(umem_h);
        let Some(owner) = vaddr_pin(&umem).f_owner.get().copied().flatten() else {
            return Ok(Err(Errno::EPERM));
        };
        if self.owner == Owner::Counted {
            get_file(k, "vaddr_pin.get_file", owner, umem_holder(umem_h));
        }
        self.add_file_pin(k, owner, umem_h, lease)?;
        Ok(Ok(()))
    }

    fn unpin(&self, k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(umem_h);
        let Some(owner) = vaddr_pin(&umem).f_owner.get().copied().flatten() else {
            return Ok(());
        };
        // 14/19 remove_file_file_pin: through the copied f_owner, unlocked walk, put every entry (H2).
        let f = k.files.deref(
            "remove_file_pin.f_owner",
            owner,
            "Read of f_owner->file_pins",
        );
        let list = file_pins(&f)
            .file_pins
            .load("remove_file_pin.walk_file_pins")
            .map(|l| (*l).clone())
            .unwrap_or_default();
        for rec in list {
            let r = self
                .records
                .deref("remove_file_pin.walk", rec, "Read of file_file_pin");
            if r.kref.put("remove_file_pin.kref_put", &pin_holder(umem_h)) {
                self.release_file_pin(k, cur, &f, rec, &r)?;
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
        let f = k.files.get(file);
        let Some(pins) = f.ext.get::<FilePins>() else {
            return;
        };
        let n = pins.file_pins.peek().map_or(0, |l| l.len());
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
            let ext = sys_file(&u);
            let _l = ext.sys_file_lock.lock("ib_uverbs_close.sys_file_lock")?;
            ext.sys_file.store("ib_uverbs_close.clear_sys_file", 0);
        }
        Ok(())
    }

    /// 18/19 `/proc/<pid>/file_pins`: `fp_start` records fd numbers whose file has pins
    /// (unlocked `list_empty_careful`), `show_fp` re-looks each fd up without a reference and walks
    /// its `file_pins` without `fp_lock` (H3).
    fn file_pins(&self, k: &Kernel, cur: &Task, target: &Process) -> KResult<Vec<PinLine>> {
        let mut fds = Vec::new();
        {
            // iterate_fd reads the slots under file_lock; a number not allocated under it
            // has a NULL slot while the lock is held, so only allocated ones are read.
            let open_fds = target.files.lock("fp_start.iterate_fd")?;
            for fd in (0..FDS_MAX).filter(|&fd| open_fds[fd]) {
                let Some(f) = target.files.fcheck_files("fp_start.fd", fd) else {
                    continue;
                };
                // `list_empty_careful(&file->file_pins)`: a read of the struct file, kept alive
                // by the slot's reference while `file_lock` holds the slot.
                let file = k.files.deref("fp_start.file", f, "Read of file_pins");
                let Some(pins) = file.ext.get::<FilePins>() else {
                    continue;
                };
                if pins
                    .file_pins
                    .load("fp_start.list_empty_careful")
                    .is_some_and(|l| !l.is_empty())
                {
                    fds.push(fd);
                }
            }
        }
        let mut out = Vec::new();
        for fd in fds {
            self.show_fp(k, cur, target, fd, &mut out)?;
        }
        Ok(out)
    }
}

impl RfcV2 {
    /// 18/19 `show_fp` for one recorded fd: an RCU lookup by number, no reference.
    fn show_fp(
        &self,
        k: &Kernel,
        cur: &Task,
        target: &Process,
        fd: usize,
        out: &mut Vec<PinLine>,
    ) -> KResult<()> {
        let (_, oracle) = crate::sync::current_oracle();
        k.rcu.read_lock("show_fp.rcu_read_lock", cur.tid);
        let f = target.files.fcheck_files("show_fp.fcheck_files", fd);
        let looked_up = oracle.mark();
        if let Some(f) = f {
            let file = k.files.deref("show_fp.file", f, "Read of file->file_pins");
            let list = file
                .ext
                .get::<FilePins>()
                .and_then(|p| p.file_pins.load("show_fp.walk_file_pins"))
                .map(|l| (*l).clone())
                .unwrap_or_default();
            for rec in list {
                let r = self
                    .records
                    .deref("show_fp.fp_file", rec, "Read of fp->file");
                out.push(PinLine {
                    fd: Some(fd),
                    file: Some(f),
                    looked_up,
                    data: r.data_name.to_string(),
                });
            }
        }
        k.rcu.read_unlock(k, "show_fp.rcu_read_unlock", cur.tid);
        Ok(())
    }
}
