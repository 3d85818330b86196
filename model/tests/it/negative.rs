//! A negative control for every finding kind: a known-bad design or kernel that must produce it,
//! found by exploration and asserted on the returned findings.

use pincheck_model::heap::Handle;
use pincheck_model::kernel::Kernel;
use pincheck_model::oracle::FindingKind;
use pincheck_model::program::{Op, ProcfsKind, Program};
use pincheck_model::proposals::{by_name, Proposal};
use pincheck_model::rdma::uverbs::mr::Mr;
use pincheck_model::rdma::uverbs::ufile::Ufile;
use pincheck_model::rdma::uverbs::umem::{ib_umem_release, Bundle, Umem};
use pincheck_model::rdma::uverbs::uobject::UobjType;
use pincheck_model::task::Task;
use pincheck_model::vfs::file::File;
use pincheck_model::vfs::process::Process;
use pincheck_model::vfs::procfs::PinLine;
use pincheck_model::{Errno, KResult};

use crate::*;

fn dereg(p: &str, fd: &str, mr: &str) -> Op {
    Op::DeregMr {
        process: p.into(),
        fd: fd.into(),
        mr: mr.into(),
    }
}

/// S7: pin-add on the owner's record races the drop of its last reference (H1).
#[test]
fn rfc_v2_pin_add_vs_pin_drop_increments_from_zero_and_reads_freed_records() {
    let mut p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("add", vec![op_reg("p0", "fd0", "mr1")]),
            ("drop", vec![dereg("p0", "fd0", "mr0")]),
        ],
    );
    // p0 exits at quiescence: the resurrected record is put again when mr1 is destroyed.
    p.exit_at_quiescence = vec!["p0".into()];
    // The drop unpins while the add is between its IDR slot and its pin (the window of s07).
    let window = [Goal::Between {
        step: "drop:ib_umem_release.unpin_user_pages",
        after: "add:alloc_begin.xa_alloc",
        before: "add:ib_umem_get.pin_user_pages",
    }];
    let e = explore_goals(&p, "k53", "rfc-v2", loom(2), &window);
    e.assert_found(&Want {
        kind: FindingKind::RefcountIncFromZero,
        object: "pin_record#",
        title: "refcount_t: addition on 0; use-after-free (kref of pin_record#0)",
        at: "add add_file_pin.kref_get",
    });
    e.assert_found(&Want {
        kind: FindingKind::UseAfterFree,
        object: "pin_record#",
        title: "BUG: KASAN: use-after-free in add_file_pin.walk",
        at: "add add_file_pin.walk",
    });
    let ok = explore_goals(&p, "k53", "context", loom(2), &window);
    ok.assert_clean("context@k53 pin add vs pin drop");
}

/// S5 on the kernel before "RDMA/core: Fix double destruction of uobject" (2020).
#[test]
fn double_destroy_before_the_2020_fix_underflows_the_uobject() {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("t1", vec![dereg("p0", "fd0", "mr0")]),
            ("t2", vec![dereg("p0", "fd0", "mr0")]),
        ],
    );
    // Both lookups succeed before the first destroy takes usecnt (the window of s05).
    let window = [Goal::Between {
        step: "t2:lookup_get.kref_get_unless_zero",
        after: "t1:lookup_get.kref_get_unless_zero",
        before: "t1:uobj_destroy.usecnt_write",
    }];
    let bad = explore_goals(&p, "k53-double-destroy", "context", loom(2), &window);
    bad.assert_found(&Want {
        kind: FindingKind::RefcountUnderflow,
        object: "uobject#",
        title: "refcount_t: underflow; use-after-free (kref of uobject#0)",
        at: "t2 uverbs_uobject_put",
    });
    let fixed = explore_goals(&p, "k53", "context", loom(2), &window);
    fixed.assert_clean("context@k53 double dereg");
}

/// S3 with a synchronous final fput and a blocking ucontext_lock in close (Jason's
/// `20190819123841`: destroy_ufile_hw → mutex → mmput → exit_mmap → fput → release → mutex).
#[test]
fn synchronous_fput_deadlocks_exit_with_mmap_against_unplug() {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            Op::Mmap {
                process: "p0".into(),
                fd: "fd0".into(),
            },
        ],
        vec![
            (
                "exit",
                vec![Op::Exit {
                    process: "p0".into(),
                }],
            ),
            (
                "unplug",
                vec![Op::RemoveDevice {
                    device: "uverbs0".into(),
                }],
            ),
        ],
    );
    // Removal's mmput is the last one (the window of s03).
    let window = [Goal::Between {
        step: "unplug:remove_vma.fput",
        after: "exit:mmput",
        before: "exit:close_files.filp_close",
    }];
    let bad = explore_goals(&p, "sync-fput", "context", loom(2), &window);
    let (dl, run) = bad.assert_found(&Want {
        kind: FindingKind::Deadlock,
        object: "ucontext_lock",
        title: "WARNING: possible recursive locking detected: unplug takes ucontext_lock again",
        at: "unplug destroy_ufile_hw.lock_ucontext",
    });
    // Removal came back to the lock it holds through the VMA's file: its own mmput dropped the
    // last reference and the release ran inline.
    let fput = run.log[..dl.event]
        .iter()
        .rposition(|e| run.threads[e.tid] == "unplug" && e.step == "remove_vma.fput");
    assert!(
        fput.is_some(),
        "no removal fput of the VMA's file before {dl:#?}"
    );
    for kernel in ["k53", "k56"] {
        let ok = explore_goals(&p, kernel, "context", loom(2), &window);
        ok.assert_clean(&format!("context@{kernel} exit with mmap vs unplug"));
    }
}

/// H2: releasing one pin puts every record on the owner list, so the listing omits a pin that is
/// still held.
#[test]
fn rfc_v2_procfs_omits_a_pin_still_held() {
    let reg1 = Op::RegMr {
        process: "p0".into(),
        fd: "fd0".into(),
        file: "dax1".into(),
        pages: 1,
        mr: "mr1".into(),
    };
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
            reg1,
            dereg("p0", "fd0", "mr0"),
        ],
        vec![
            (
                "reader",
                vec![Op::ProcfsRead {
                    process: "p1".into(),
                    target: "p0".into(),
                    kind: ProcfsKind::FilePins,
                    fd: None,
                    label: "pins".into(),
                }],
            ),
            (
                "truncate",
                vec![Op::Truncate {
                    process: "p1".into(),
                    file: "dax1".into(),
                    label: "t".into(),
                }],
            ),
        ],
    );
    // A good design lists the pin mr1 still holds.
    let listed = [Goal::Observe {
        label: "pins",
        equals: "fd0: dax1",
    }];
    let bad = explore_goals(&p, "k53", "rfc-v2", loom(1), &listed);
    bad.assert_found(&Want {
        kind: FindingKind::ProcfsLie,
        object: "fd0",
        title: "procfs lie: /proc/p0/file_pins omits fd0 pinning dax1",
        at: "reader truth.read_end",
    });
    let ok = explore_goals(&p, "k53", "context", loom(1), &listed);
    ok.assert_clean("context@k53 procfs read of a held pin");
}

/// DEREG_MR of mr0 races the last close of fd0.
fn dereg_vs_close() -> Program {
    program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("t1", vec![dereg("p0", "fd0", "mr0")]),
            ("t2", vec![op_close("p0", "fd0")]),
        ],
    )
}

/// close drops the fd's reference while DEREG_MR holds the one `fget` took, so the command's
/// `fdput` is the last (all three steps are on the file's f_count).
const DEREG_VS_CLOSE_WINDOW: Goal = Goal::Between {
    step: "t2:filp_close.fput",
    after: "t1:fget.get_file",
    before: "t1:fdput",
};

/// The base design of the broken ones below passes the race they are run on.
#[test]
fn context_passes_dereg_vs_close_on_k56() {
    let ok = explore_goals(
        &dereg_vs_close(),
        "k56",
        "context",
        loom(1),
        &[DEREG_VS_CLOSE_WINDOW],
    );
    ok.assert_clean("context@k56 dereg vs close");
}

/// A shipped design with one deliberate break: every hook delegates to `base`; the break runs
/// first where it is.
struct Broken {
    base: Box<dyn Proposal>,
    brk: Break,
}

#[derive(Clone, Copy)]
enum Break {
    /// The GUP callback unpins the pages itself, so the core's release unpins them again.
    UnpinInCallback,
    /// The pins of a uverbs file are released when it is closed, trusting close to have
    /// destroyed the file's MRs first. v5.6 close waits for a running device removal (G6); v5.3
    /// close may return while removal is still destroying them (G5), and the pages of an MR whose
    /// HW key can still DMA into them are then released.
    UnpinAtClose,
}

impl Broken {
    fn context(brk: Break) -> Box<dyn Proposal> {
        Box::new(Broken {
            base: by_name("context").expect("context"),
            brk,
        })
    }
}

/// `Break::UnpinAtClose`: release the umem of every MR the ufile still has.
fn unpin_at_close(k: &Kernel, cur: &Task, u: Handle<Ufile>) -> KResult<()> {
    let ufile = k.ufiles.get(u);
    let uobjs = ufile.uobjects.lock("unpin_at_close.uobjects_lock")?.clone();
    for uobj in uobjs {
        let uo = k.uobjects.get(uobj);
        if uo.ty != UobjType::Mr {
            continue;
        }
        if let Some(mr_h) = Handle::<Mr>::decode(uo.object.load("unpin_at_close.object")) {
            let mr = k.mrs.deref("unpin_at_close.mr", mr_h, "Read of umem");
            ib_umem_release(k, cur, mr.umem, &mr)?;
        }
    }
    Ok(())
}

impl Proposal for Broken {
    fn name(&self) -> &'static str {
        match self.brk {
            Break::UnpinInCallback => "unpin-in-callback",
            Break::UnpinAtClose => "unpin-at-close",
        }
    }
    fn open(&self, k: &Kernel, cur: &Task, f: Handle<File>, u: Handle<Ufile>) -> KResult<()> {
        self.base.open(k, cur, f, u)
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        if let Break::UnpinInCallback = self.brk {
            let umem = k.umems.get(u);
            k.data_files[umem.data]
                .pins
                .fetch_add("callback.unpin_user_pages", -(umem.npages as i64));
        }
        self.base.unpin(k, cur, u)
    }
    fn release(&self, k: &Kernel, cur: &Task, f: Handle<File>, u: Handle<Ufile>) -> KResult<()> {
        if let Break::UnpinAtClose = self.brk {
            unpin_at_close(k, cur, u)?;
        }
        self.base.release(k, cur, f, u)
    }
    fn file_release(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<()> {
        self.base.file_release(k, cur, f)
    }
    fn destroy_ufile_hw(&self, k: &Kernel, cur: &Task, u: Handle<Ufile>) -> KResult<()> {
        self.base.destroy_ufile_hw(k, cur, u)
    }
    fn ufile_release(&self, k: &Kernel, cur: &Task, u: Handle<Ufile>) -> KResult<()> {
        self.base.ufile_release(k, cur, u)
    }
    fn show_fdinfo(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<Vec<String>> {
        self.base.show_fdinfo(k, cur, f)
    }
    fn file_pins(&self, k: &Kernel, cur: &Task, target: &Process) -> KResult<Vec<PinLine>> {
        self.base.file_pins(k, cur, target)
    }
}

/// unpin-twice, first trigger: the page pin count of the data file goes below zero.
#[test]
fn a_design_that_unpins_in_its_callback_unpins_twice() {
    let e = explore_with_goals(
        &dereg_vs_close(),
        kernel("k56"),
        || Broken::context(Break::UnpinInCallback),
        loom(1),
        &[DEREG_VS_CLOSE_WINDOW],
    );
    e.assert_complete("unpin-in-callback@k56");
    e.assert_found(&Want {
        kind: FindingKind::UnpinTwice,
        object: "umem#",
        title: "BUG: unpin of pages of dax0 that are not pinned (unpinned twice)",
        at: "t1 ib_umem_release.page_pins",
    });
    // Not the other trigger: the HW key is always destroyed first on this path.
    assert!(
        !e.distinct().iter().any(|f| f.contains("HW key")),
        "{:#?}",
        e.distinct()
    );
}

/// unpin-twice, second trigger (G7): pages released while the HW key is live. Found on v5.3 only.
#[test]
fn a_design_that_unpins_at_close_releases_pages_the_device_can_still_write() {
    let on = |name| {
        explore_with_goals(
            &s01(),
            kernel(name),
            || Broken::context(Break::UnpinAtClose),
            loom(2),
            &[crate::scenarios::S01_RACE],
        )
    };
    let bad = on("k53");
    bad.assert_complete("unpin-at-close@k53");
    bad.assert_found(&Want {
        kind: FindingKind::UnpinTwice,
        object: "umem#",
        title: "BUG: pages released while the HW key can still DMA into them",
        at: "close ib_umem_release",
    });
    on("k56").assert_clean("unpin-at-close@k56");
}

/// A deliberately broken design that frees each record both at unpin and, from the ufile's list,
/// at ufile release.
struct FreeTwice;

impl Proposal for FreeTwice {
    fn name(&self) -> &'static str {
        "free-twice"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        pincheck_model::proposals::bundle::Bundle.pin(k, cur, b, u)
    }
    fn unpin(&self, k: &Kernel, _cur: &Task, u: Handle<Umem>) -> KResult<()> {
        if let Some(&rec) = k.umems.get(u).record.get() {
            k.records.free("free_twice.unpin_kfree", rec);
        }
        Ok(())
    }
    fn ufile_release(&self, k: &Kernel, _cur: &Task, u: Handle<Ufile>) -> KResult<()> {
        let list = k.ufiles.get(u).pin_records.lock("free_twice.lock")?.clone();
        for rec in list {
            k.records.free("free_twice.release_kfree", rec);
        }
        Ok(())
    }
}

#[test]
fn a_design_that_frees_its_records_in_two_places_double_frees() {
    let e = explore_with_goals(
        &dereg_vs_close(),
        kernel("k56"),
        || Box::new(FreeTwice),
        loom(1),
        &[DEREG_VS_CLOSE_WINDOW],
    );
    e.assert_complete("free-twice@k56");
    let (df, _) = e.assert_found(&Want {
        kind: FindingKind::DoubleFree,
        object: "pin_record#",
        title: "BUG: KASAN: double-free in free_twice.release_kfree",
        at: "t2 free_twice.release_kfree",
    });
    // The first free is the other place, by the DEREG_MR.
    assert!(
        df.details
            .iter()
            .any(|d| d.starts_with("Freed by task t1") && d.contains("free_twice.unpin_kfree")),
        "{df:#?}"
    );
}

fn create_ch(p: &str, fd: &str, ch: &str) -> Op {
    Op::CreateCompChannel {
        process: p.into(),
        fd: fd.into(),
        new_fd: ch.into(),
    }
}

fn use_ch(p: &str, fd: &str, ch: &str) -> Op {
    Op::UseCompChannel {
        process: p.into(),
        fd: fd.into(),
        channel: ch.into(),
    }
}

/// S6 before f0abc761bbb9 ("RDMA/core: Fix race between destroy and release FD object"): the
/// command's fput comes before its usecnt unlock, the close's fput is the last, and the release
/// finds the uobject locked for READ. The lookup holds a uobject reference, so the symptom is the
/// WARN the fix commit quotes, not a use-after-free.
pub fn control_warn_release_of_a_locked_fd_object() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            create_ch("p0", "fd0", "ch0"),
        ],
        vec![
            ("user", vec![use_ch("p0", "fd0", "ch0")]),
            ("close", vec![op_close("p0", "ch0")]),
        ],
    );
    // The close's fput lands between the command's usecnt lock and its fput (the window of s06).
    let window = [Goal::Between {
        step: "close:filp_close.fput",
        after: "user:lookup_get.usecnt_read",
        before: "user:lookup_put.fput",
    }];
    let bad = explore_goals(&p, "k53-fput-before-unlock", "context", loom(2), &window);
    let (w, _) = bad.assert_found(&Want {
        kind: FindingKind::Warn,
        object: "uobject#",
        title: "WARNING: at drivers/infiniband/core/rdma_core.c uverbs_close_fd: \
                WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE))",
        at: "close uverbs_close_fd.usecnt_write",
    });
    assert_eq!(w.check, "warn.uverbs_close_fd.usecnt", "{w:#?}");
    assert!(
        bad.by_check("warn.assert_uverbs_usecnt").is_some(),
        "{:?}",
        bad.kinds()
    );
    assert!(
        !bad.kinds().contains(&FindingKind::UseAfterFree),
        "the lookup's reference holds the memory: {:?}",
        bad.kinds()
    );
    let fixed = explore_goals(&p, "k53", "context", loom(2), &window);
    fixed.assert_clean("context@k53 fd object lookup vs release");
    bad.all()
}

#[test]
fn warn_release_of_a_locked_fd_object_before_f0abc761bbb9() {
    control_warn_release_of_a_locked_fd_object();
}

/// k53 without "RDMA/core: Prevent mixed use of FDs between shared ufiles" (0fb00941dc63).
fn k53_without_the_ufile_check() -> Variant {
    Variant {
        name: "k53-mixed-fd-ufiles",
        fd_uobject_ufile_check: false,
        ..Variant::by_name("k53").expect("k53")
    }
}

/// Two ufiles: a completion channel of the first used through the second's command fd.
fn mixed_use(
    setup_tail: Vec<Op>,
    threads: Vec<(&str, Vec<Op>)>,
) -> pincheck_model::program::Program {
    let mut setup = vec![
        op_open("p0", "fd0"),
        op_ctx("p0", "fd0"),
        create_ch("p0", "fd0", "ch0"),
        op_open("p0", "fd1"),
        op_ctx("p0", "fd1"),
    ];
    setup.extend(setup_tail);
    program(setup, threads)
}

/// The syzkaller report of 0fb00941dc63: once the channel's own ufile destroyed its uobject
/// (`object = NULL`), a lookup through another ufile's command fd puts `fput(NULL)`.
pub fn control_null_deref_of_a_channel_used_through_another_ufile() -> Vec<Finding> {
    let p = mixed_use(
        vec![op_close("p0", "fd0")],
        vec![
            ("user", vec![use_ch("p0", "fd1", "ch0")]),
            (
                "idle",
                vec![Op::Truncate {
                    process: "p0".into(),
                    file: "dax0".into(),
                    label: "t".into(),
                }],
            ),
        ],
    );
    let bad = explore_with(
        &p,
        k53_without_the_ufile_check(),
        || by_name("context").unwrap(),
        loom(1),
    );
    let (n, _) = bad.assert_found(&Want {
        kind: FindingKind::NullDeref,
        object: "uobject#",
        title: "BUG: KASAN: null-ptr-deref in fput_many",
        at: "user lookup_put.object",
    });
    assert_eq!(n.check, "kasan.null_ptr_deref", "{n:#?}");
    // With the check, the lookup through the other ufile's command fd is refused.
    let refused = [Goal::Observe {
        label: "user.0.use_comp_channel",
        equals: "EBADF",
    }];
    let checked = explore_goals(&p, "k53", "context", loom(1), &refused);
    checked.assert_clean("context@k53 mixed ufiles after close");
    bad.all()
}

#[test]
fn null_deref_of_a_channel_used_through_another_ufile_without_0fb00941dc63() {
    control_null_deref_of_a_channel_used_through_another_ufile();
}

/// Mixed use racing the close of the channel's own ufile: destroy-all finds the channel's uobject
/// locked for READ by a lookup it cannot see ("racing with a lookup_get").
pub fn control_warn_destroy_all_races_a_lookup() -> Vec<Finding> {
    let p = mixed_use(
        vec![],
        vec![
            ("user", vec![use_ch("p0", "fd1", "ch0")]),
            ("close", vec![op_close("p0", "fd0")]),
        ],
    );
    let bad = explore_with(
        &p,
        k53_without_the_ufile_check(),
        || by_name("context").unwrap(),
        loom(2),
    );
    let (w, _) = bad.assert_found(&Want {
        kind: FindingKind::Warn,
        object: "uobject#",
        title: "WARNING: at drivers/infiniband/core/rdma_core.c __uverbs_cleanup_ufile: \
                WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE))",
        at: "close __uverbs_cleanup_ufile.usecnt_write",
    });
    assert_eq!(w.check, "warn.__uverbs_cleanup_ufile.usecnt", "{w:#?}");
    let refused = [Goal::Observe {
        label: "user.0.use_comp_channel",
        equals: "EBADF",
    }];
    let checked = explore_goals(&p, "k53", "context", loom(2), &refused);
    checked.assert_clean("context@k53 mixed ufiles vs close");
    bad.all()
}

#[test]
fn warn_destroy_all_races_a_lookup_through_another_ufile() {
    control_warn_destroy_all_races_a_lookup();
}
