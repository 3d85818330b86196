//! `struct ib_umem`: the long-term pin of a DAX file's pages (`ib_umem_get`) and its release
//! (`ib_umem_release`), with the proposal's pin and unpin hooks where RFC 14/17 put them.
//!
//! The pin is GUP with FOLL_LONGTERM on the FS-DAX pages as the series made it (19/19 lifts the
//! DAX exclusion; a proposal without the series refuses it with EOPNOTSUPP, as v5.3 does): the
//! pages are faulted in under the inode's `i_mmap_sem` (read), `mapping_inode_has_layout` finds
//! a layout lease of the caller's thread group under `flc_lock` (none: EPERM) and the proposal
//! records the pin there, then each page's pin count is raised and the blocks behind the pages
//! (the pfns) are mapped for the device.

use std::sync::OnceLock;

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::mm::{mmdrop, mmgrab, Mm};
use crate::oracle::{FindingKind, Holder};
use crate::proposals::Ext;
use crate::rdma::uverbs::mr::Mr;
use crate::rdma::uverbs::ufile::Ufile;
use crate::sync::Atomic;
use crate::task::Task;
use crate::vfs::data_file::DATA_FILE_PAGES;
use crate::vfs::file::File;
use crate::vfs::locks::mapping_inode_has_layout;
use crate::{Errno, KResult, Name};

crate::declare_check!(
    /// I-UNPIN-ONCE: each pinned page is unpinned exactly once.
    pub static UNPIN_ONCE = ("unpin.twice", FindingKind::UnpinTwice,
        "a release unpins pages that are no longer pinned");
);
crate::declare_check!(
    /// G7: the HW key is destroyed (DMA stopped) before the pages are released.
    pub static HW_KEY_BEFORE_UNPIN = ("unpin.hw_key_live", FindingKind::UnpinTwice,
        "pages are released while a HW key can still DMA into them");
);

/// What the syscall knows when it pins (the `uverbs_attr_bundle`, plus the struct file D2 adds),
/// and `current`'s thread group and mm, which GUP reads.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The struct file the command came through (alive for the whole handler: G1).
    pub file: Handle<File>,
    /// Its ufile.
    pub ufile: Handle<Ufile>,
    /// `current->mm` of the syscall (the umem's `owning_mm`).
    pub mm: Handle<Mm>,
    /// `current->tgid`: the process, by its scenario name.
    pub tgid: Name,
}

/// `struct ib_umem`.
pub struct Umem {
    /// Index of the data file whose pages are pinned.
    pub data: usize,
    /// Pages pinned.
    pub npages: u32,
    /// Pages still pinned (the page pin counts this umem holds).
    pub pinned: Atomic,
    /// The ufile of the REG_MR (for the oracle's procfs truth).
    pub ufile: Handle<Ufile>,
    /// `owning_mm`: `mmgrab` of the registering task's mm (its `mm_count`, not its users).
    pub owning_mm: Handle<Mm>,
    /// What the lifetime proposal adds to `struct ib_umem` (RFC 17/19's `vaddr_pin`, ...).
    pub ext: Ext,
    /// The MR whose HW key maps these pages (the driver's mkey over the umem's DMA addresses),
    /// set when the driver creates it.
    pub mapped_by: OnceLock<Handle<Mr>>,
}

fn owning_mm(umem: Handle<Umem>) -> Holder {
    Holder::Obj(umem.obj(), "owning_mm")
}

/// `ib_umem_get`: pin `pages` pages of data file `data` (FOLL_LONGTERM), with the proposal's hooks
/// before GUP and at the lease search. The umem is held by the task until the MR takes it.
pub fn ib_umem_get(
    k: &Kernel,
    cur: &Task,
    bundle: &Bundle,
    data: usize,
    pages: u32,
) -> KResult<Result<Handle<Umem>, Errno>> {
    let umem = k.umems.alloc("ib_umem_get.kzalloc", |_| Umem {
        data,
        npages: pages,
        pinned: Atomic::new(0),
        ufile: bundle.ufile,
        owning_mm: bundle.mm,
        ext: k.proposal.umem_ext(),
        mapped_by: OnceLock::new(),
    });
    let (_, oracle) = crate::sync::current_oracle();
    oracle.hold(umem.obj(), Holder::Task(cur.tid, "ib_umem_get"));
    mmgrab(k, "ib_umem_get.mmgrab", bundle.mm, owning_mm(umem));
    oracle.pin_new(umem.obj(), bundle.ufile.obj(), &k.data_files[data].name);
    let pinned = match k.proposal.pin_begin(k, cur, bundle, umem)? {
        Ok(()) => pin_user_pages(k, cur, bundle, umem, data, pages)?,
        Err(e) => Err(e),
    };
    if let Err(e) = pinned {
        mmdrop(k, "ib_umem_get.mmdrop", bundle.mm, &owning_mm(umem));
        oracle.unhold(umem.obj(), &Holder::Task(cur.tid, "ib_umem_get"));
        k.umems.free("ib_umem_get.kfree", umem);
        return Ok(Err(e));
    }
    // The page pin is visible to a reader (truncate sees it), if the proposal's record was not.
    oracle.pin_visible(umem.obj());
    k.umems
        .get(umem)
        .pinned
        .store("ib_umem_get.pinned", pages as i64);
    Ok(Ok(umem))
}

/// GUP of the FS-DAX pages: refused without the series (EOPNOTSUPP, `check_dax_vmas`); else the
/// fault path under `i_mmap_sem`, the lease search (with the proposal's pin record), the page
/// pins and the DMA mapping of the blocks behind them. A truncated file has no pages: EFAULT.
fn pin_user_pages(
    k: &Kernel,
    cur: &Task,
    bundle: &Bundle,
    umem: Handle<Umem>,
    data: usize,
    pages: u32,
) -> KResult<Result<(), Errno>> {
    if !k.proposal.layout_lease_pins() {
        return Ok(Err(Errno::EOPNOTSUPP));
    }
    let df = &k.data_files[data];
    let _fault = df.i_mmap_sem.down_read("pin_user_pages.i_mmap_sem")?;
    let first = df.first_block.load("pin_user_pages.block_map");
    if first == 0 || i64::from(pages) > DATA_FILE_PAGES {
        return Ok(Err(Errno::EFAULT));
    }
    let leased = mapping_inode_has_layout(k, data, &bundle.tgid, |lease| {
        k.proposal.pin(k, cur, bundle, umem, lease)
    })?;
    if let Err(e) = leased {
        return Ok(Err(e));
    }
    df.page_pins
        .fetch_add("ib_umem_get.pin_user_pages", pages as i64);
    crate::sync::current_oracle()
        .1
        .dax_map(umem.obj(), &df.name, first, i64::from(pages));
    Ok(Ok(()))
}

/// `ib_umem_release`: unpin every page exactly once (after the HW key is gone: G7), the
/// proposal's unpin hook (RFC: `remove_file_file_pin` through `vaddr_pin.f_owner`), kfree.
///
/// The kernel's guard for G7 is the order of `ib_dereg_mr_user` (destroy the mkey, then release
/// the umem); the check here looks at the HW key of the MR that maps these pages, whoever calls:
/// a design or patch that releases a umem from anywhere else while its key is live is caught. The
/// check is the oracle's, not a kernel read, but its verdict depends on another thread's
/// `destroy_mkey`, so it reads the key as an engine access (a read loom cannot see would let an
/// unbounded search call itself complete without ordering the two). A load is enough, and orders
/// it only against the key's writes (two threads' checks are independent): the key is written
/// only by REG_MR (before the umem is mapped by the MR) and by `destroy_mkey`, and the checking
/// thread never writes it after the check, so loom's load-then-own-store blind spot
/// (tokio-rs/loom#166) cannot arise. A `destroy_mkey` ordered before the release (the kernel's
/// own order: the same thread, just before) is seen, since no load returns a value older than a
/// store that happens before it; one not ordered before it is explored both ways, and a load of
/// the live key it may return is the kernel's race, a true finding either way.
pub fn ib_umem_release(k: &Kernel, cur: &Task, umem_h: Handle<Umem>) -> KResult<()> {
    let umem = k.umems.deref("ib_umem_release", umem_h, "Read of umem");
    let (_, oracle) = crate::sync::current_oracle();
    if let Some(&mr) = umem.mapped_by.get() {
        if k.mrs.get(mr).hw_key.load("ib_umem_release.hw_key") != 0 {
            oracle.report(
                &HW_KEY_BEFORE_UNPIN,
                oracle.current_tid(),
                "BUG: pages released while the HW key can still DMA into them".into(),
                Some(oracle.obj_name(umem_h.obj())),
                vec![format!(
                    "G7: the HW key of {} is live: ib_dereg_mr_user destroys it before \
                     ib_umem_release",
                    k.mrs.name(mr)
                )],
            );
        }
    }
    k.proposal.unpin(k, cur, umem_h)?;
    let had = umem.pinned.swap("ib_umem_release.unpin_user_pages", 0);
    oracle.dax_unmap(umem_h.obj());
    let df = &k.data_files[umem.data];
    let left = df.page_pins.fetch_add("ib_umem_release.page_pins", -had) - had;
    if had == 0 || left < 0 {
        oracle.report(
            &UNPIN_ONCE,
            oracle.current_tid(),
            format!(
                "BUG: unpin of pages of {} that are not pinned (unpinned twice)",
                df.name
            ),
            Some(oracle.obj_name(umem_h.obj())),
            vec![format!(
                "{} pinned {} page(s); this release found {had} still pinned, page pins now {left}",
                oracle.obj_name(umem_h.obj()),
                umem.npages
            )],
        );
    }
    oracle.pin_unpinned(umem_h.obj());
    mmdrop(
        k,
        "ib_umem_release.mmdrop",
        umem.owning_mm,
        &owning_mm(umem_h),
    );
    k.umems.free("ib_umem_release.kfree", umem_h);
    Ok(())
}
