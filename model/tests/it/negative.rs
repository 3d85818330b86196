//! A negative control for every finding kind: a known-bad design or kernel that must produce it,
//! found by exploration and asserted on the returned findings.

use pincheck_model::heap::Handle;
use pincheck_model::kernel::{Kernel, Variant};
use pincheck_model::oracle::{FaultPoint, Finding, FindingKind, HolderLabel, Mutation, ObjId};
use pincheck_model::program::{Op, ProcfsKind, Program};
use pincheck_model::proposals::bundle::{self, DataFileRef, PinRecords, UmemRecord};
use pincheck_model::proposals::context::Context;
use pincheck_model::proposals::{by_name, Ext, Proposal};
use pincheck_model::rdma::uverbs::ufile::Ufile;
use pincheck_model::rdma::uverbs::umem::{Bundle, Umem};
use pincheck_model::sync::{wait_var_event, Mode, Sleep};
use pincheck_model::task::Task;
use pincheck_model::vfs::file::{File, FileKind};
use pincheck_model::vfs::locks::LeaseRef;
use pincheck_model::{Errno, KResult};

use crate::*;

/// The hooks a deliberately broken design takes unchanged from the sound design it breaks
/// (`self.base`): its patches to the kernel's structs, and what it does at open, for a child
/// file and before GUP.
macro_rules! from_base {
    () => {
        fn file_ext(&self, kind: &FileKind) -> Ext {
            self.base.file_ext(kind)
        }
        fn ufile_ext(&self) -> Ext {
            self.base.ufile_ext()
        }
        fn umem_ext(&self) -> Ext {
            self.base.umem_ext()
        }
        fn mm_ext(&self) -> Ext {
            self.base.mm_ext()
        }
        fn lease_ext(&self, lease: ObjId) -> Ext {
            self.base.lease_ext(lease)
        }
        fn open(&self, k: &Kernel, cur: &Task, f: Handle<File>, u: Handle<Ufile>) -> KResult<()> {
            self.base.open(k, cur, f, u)
        }
        fn child_file(
            &self,
            k: &Kernel,
            cur: &Task,
            f: Handle<File>,
            u: Handle<Ufile>,
        ) -> KResult<()> {
            self.base.child_file(k, cur, f, u)
        }
        fn pin_begin(
            &self,
            k: &Kernel,
            cur: &Task,
            b: &Bundle,
            u: Handle<Umem>,
        ) -> KResult<Result<(), Errno>> {
            self.base.pin_begin(k, cur, b, u)
        }
    };
}

/// `bundle`'s records, as a broken design built on it reaches them.
fn record_of(
    k: &Kernel,
    u: Handle<Umem>,
) -> Option<Handle<pincheck_model::proposals::pin_record::PinRecord>> {
    k.umems
        .get(u)
        .ext
        .part::<UmemRecord>("bundle's record")
        .record
        .get()
        .copied()
}

fn sound_bundle() -> bundle::Bundle {
    bundle::Bundle::new(DataFileRef::Held)
}

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
    control_rfc_v2_pin_add_vs_pin_drop();
}

/// H1: the add walks the owner's list without fp_lock and gets a record whose last reference is
/// being dropped.
pub fn control_rfc_v2_pin_add_vs_pin_drop() -> Vec<Finding> {
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
    e.all()
}

/// S5 on the kernel before "RDMA/core: Fix double destruction of uobject" (2020): the second
/// DESTROY's remove_handle puts the IDR's reference again (ref_tracker: "reference already
/// released"), and the count goes below zero.
pub fn control_double_destroy_before_the_2020_fix() -> Vec<Finding> {
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
    let bad = explore_goals(&p, "v5.3", "context", loom(2), &window);
    bad.assert_found(&Want {
        kind: FindingKind::RefcountUnderflow,
        object: "uobject#",
        title: "refcount_t: underflow; use-after-free (kref of uobject#0)",
        at: "t2 uverbs_uobject_put",
    });
    let r = bad
        .by_check("ref_tracker.already_released")
        .expect("the IDR reference is put twice");
    assert_eq!(r.kind, FindingKind::RefTracker);
    assert!(
        r.title
            .starts_with("ref_tracker: reference already released (uobject#0 by ufile#0.idr)"),
        "{r:#?}"
    );
    assert!(
        r.details.iter().any(|d| d.starts_with("freed in: task")),
        "{r:#?}"
    );
    let fixed = explore_goals(&p, "k53", "context", loom(2), &window);
    fixed.assert_clean("context@k53 double dereg");
    bad.all()
}

#[test]
fn double_destroy_before_the_2020_fix_puts_the_idr_reference_twice() {
    control_double_destroy_before_the_2020_fix();
}

/// S3 with a synchronous final fput and a blocking ucontext_lock in close (Jason's
/// `20190819123841`: destroy_ufile_hw → mutex → mmput → exit_mmap → fput → release → mutex).
#[test]
fn synchronous_fput_deadlocks_exit_with_mmap_against_unplug() {
    control_synchronous_fput_deadlock();
}

/// S3: p0 maps its uverbs fd, then exits while the device is removed.
fn exit_with_mmap_vs_unplug() -> Program {
    program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            Op::Mmap {
                process: "p0".into(),
                fd: "fd0".into(),
                map: None,
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
    )
}

/// S3 with a synchronous final fput: the recursive ucontext_lock.
pub fn control_synchronous_fput_deadlock() -> Vec<Finding> {
    let p = exit_with_mmap_vs_unplug();
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
    // Unbounded: the window is a handful of steps of each thread that touch nothing in common, so
    // whether a bounded search schedules them inside it depends on where its preemptions go.
    for kernel in ["k53", "k56"] {
        let ok = explore_goals(&p, kernel, "context", loom_unbounded(), &window);
        ok.assert_clean(&format!("context@{kernel} exit with mmap vs unplug"));
    }
    bad.all()
}

/// H2: releasing one pin puts every record on the owner list, so the listing omits a pin that is
/// still held.
#[test]
fn rfc_v2_procfs_omits_a_pin_still_held() {
    control_rfc_v2_puts_every_record();
}

/// A deliberately broken design whose GUP callback unpins the pages itself, so the core's
/// release unpins them a second time.
struct UnpinInCallback {
    base: Box<dyn Proposal>,
}

impl Proposal for UnpinInCallback {
    from_base!();
    fn name(&self) -> &'static str {
        "unpin-in-callback"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(u);
        k.data_files[umem.data]
            .page_pins
            .fetch_add("callback.unpin_user_pages", -(umem.npages as i64));
        self.base.unpin(k, cur, u)
    }
}

#[test]
fn a_design_that_unpins_in_its_callback_unpins_twice() {
    control_unpin_in_callback();
}

/// unpin-twice, first trigger: the page pin count of the data file goes below zero.
pub fn control_unpin_in_callback() -> Vec<Finding> {
    let e = explore_with_goals(
        &dereg_vs_close(),
        kernel("k56"),
        || {
            Box::new(UnpinInCallback {
                base: by_name("context").unwrap(),
            })
        },
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
    e.all()
}

/// A deliberately broken design that frees each record both at unpin and, from the ufile's list,
/// at ufile release.
struct FreeTwice {
    base: bundle::Bundle,
}

impl Proposal for FreeTwice {
    from_base!();
    fn name(&self) -> &'static str {
        "free-twice"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, _cur: &Task, u: Handle<Umem>) -> KResult<()> {
        if let Some(rec) = record_of(k, u) {
            self.base.records().free("free_twice.unpin_kfree", rec);
        }
        Ok(())
    }
    fn ufile_release(&self, k: &Kernel, _cur: &Task, u: Handle<Ufile>) -> KResult<()> {
        let ufile = k.ufiles.get(u);
        let list = ufile
            .ext
            .part::<PinRecords>("bundle's records")
            .list
            .lock("free_twice.lock")?
            .clone();
        for rec in list {
            self.base.records().free("free_twice.release_kfree", rec);
        }
        Ok(())
    }
}

#[test]
fn a_design_that_frees_its_records_in_two_places_double_frees() {
    control_free_twice();
}

pub fn control_free_twice() -> Vec<Finding> {
    let e = explore_with_goals(
        &dereg_vs_close(),
        kernel("k56"),
        || {
            Box::new(FreeTwice {
                base: sound_bundle(),
            })
        },
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
    e.all()
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
    after: "t1:fget.get_file_rcu",
    before: "t1:fdput",
};

/// DEREG_MR races the last close on k56 under loom (bound 1), with a proposal built for each
/// execution: a complete search that reached the race, and every finding of every execution.
fn dereg_vs_close_with(
    proposal: impl Fn() -> Box<dyn Proposal> + Send + Sync + 'static,
) -> Vec<Finding> {
    let e = explore_with_goals(
        &dereg_vs_close(),
        kernel("k56"),
        proposal,
        loom(1),
        &[DEREG_VS_CLOSE_WINDOW],
    );
    e.assert_complete("dereg vs close on k56");
    e.all()
}

/// The base design of the broken ones above passes the race they are run on.
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
    let bad = explore(&p, "k53-f0abc761bbb9", "context", loom(2));
    let w = bad
        .by_check("warn.uverbs_close_fd.usecnt")
        .expect("the release WARN is reached");
    assert_eq!(w.kind, FindingKind::Warn);
    assert!(
        w.title
            .starts_with("WARNING: at drivers/infiniband/core/rdma_core.c uverbs_close_fd: WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE))"),
        "{w:#?}"
    );
    assert!(
        w.object.as_deref().unwrap_or("").starts_with("uobject#"),
        "{w:#?}"
    );
    assert!(w.at.ends_with("uverbs_close_fd.usecnt_write"), "{w:#?}");
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
    let fixed = explore(&p, "k53", "context", loom(2));
    assert!(fixed.findings.is_empty(), "{:#?}", fixed.findings.first());
    bad.all()
}

#[test]
fn warn_release_of_a_locked_fd_object_before_f0abc761bbb9() {
    control_warn_release_of_a_locked_fd_object();
}

/// k53 without "RDMA/core: Prevent mixed use of FDs between shared ufiles" (0fb00941dc63).
fn k53_without_the_ufile_check() -> Variant {
    Variant::resolve("k53-0fb00941dc63").expect("k53 contains 0fb00941dc63")
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
    let n = bad
        .by_check("kasan.null_ptr_deref")
        .expect("fput(NULL) is reached");
    assert_eq!(n.kind, FindingKind::NullDeref);
    assert_eq!(n.title, "BUG: KASAN: null-ptr-deref in fput_many", "{n:#?}");
    assert!(
        n.object.as_deref().unwrap_or("").starts_with("uobject#"),
        "{n:#?}"
    );
    let checked = explore(&p, "k53", "context", loom(1));
    assert!(
        checked.findings.is_empty(),
        "{:#?}",
        checked.findings.first()
    );
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
    let w = bad
        .by_check("warn.__uverbs_cleanup_ufile.usecnt")
        .expect("destroy-all's WARN is reached");
    assert!(
        w.title
            .contains("__uverbs_cleanup_ufile: WARN_ON(uverbs_try_lock_object"),
        "{w:#?}"
    );
    let checked = explore(&p, "k53", "context", loom(2));
    assert!(
        checked.findings.is_empty(),
        "{:#?}",
        checked.findings.first()
    );
    bad.all()
}

#[test]
fn warn_destroy_all_races_a_lookup_through_another_ufile() {
    control_warn_destroy_all_races_a_lookup();
}

/// A deliberately broken design that gives the process another fd on the leased data file (so an
/// administrator can find it) without `get_file`: the fd slot is handed a reference the pinning
/// task never had.
struct FdForPinWithoutGetFile {
    base: bundle::Bundle,
}

impl Proposal for FdForPinWithoutGetFile {
    from_base!();
    fn name(&self) -> &'static str {
        "fd-for-pin-without-get-file"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let p = k.process("p0").expect("p0");
        let from = pincheck_model::oracle::Holder::Task(cur.tid, "pin");
        if let Err(e) = pincheck_model::vfs::process::fd_install(k, &p, l.fl_file, &from)? {
            return Ok(Err(e));
        }
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        self.base.unpin(k, cur, u)
    }
}

/// ref_tracker: a reference moved from a holder that has none.
pub fn control_ref_moved_from_a_holder_without_one() -> Vec<Finding> {
    let p = program(
        vec![op_open("p0", "fd0"), op_ctx("p0", "fd0")],
        vec![
            ("reg", vec![op_reg("p0", "fd0", "mr0")]),
            ("close", vec![op_close("p0", "fd0")]),
        ],
    );
    let bad = explore_with(
        &p,
        Variant::by_name("k56").unwrap(),
        || {
            Box::new(FdForPinWithoutGetFile {
                base: sound_bundle(),
            })
        },
        loom(1),
    );
    let r = bad
        .by_check("ref_tracker.move_not_held")
        .expect("the move is refused");
    assert_eq!(r.kind, FindingKind::RefTracker);
    assert!(
        r.title.starts_with(
            "ref_tracker: reference to file#1 moved from task reg (pin), which holds none"
        ),
        "{r:#?}"
    );
    bad.all()
}

#[test]
fn a_design_that_installs_an_fd_without_get_file_moves_a_reference_it_lacks() {
    control_ref_moved_from_a_holder_without_one();
}

/// H2 of the RFC as posted: releasing one pin puts every record on the owner's list, so a record
/// is put by a umem that never took it (ref_tracker), and the listing omits a pin still held.
pub fn control_rfc_v2_puts_every_record() -> Vec<Finding> {
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
    let bad = explore(&p, "k53", "rfc-v2", loom(1));
    let lie = bad
        .by_check("procfs.omits_pinned")
        .expect("the omission is found");
    assert!(lie.title.contains("omits fd0 pinning dax1"), "{lie:#?}");
    let r = bad
        .by_check("ref_tracker.not_held")
        .expect("the put by a stranger is found");
    assert!(
        r.title.starts_with(
            "ref_tracker: pin_record#1 put by umem#0.file_pin, which holds no reference"
        ),
        "{r:#?}"
    );
    let ok = explore(&p, "k53", "context", loom(1));
    assert!(ok.findings.is_empty(), "{:#?}", ok.findings.first());
    bad.all()
}

/// A deliberately broken design whose records are freed without the `fput` of the data file
/// they hold: the file stays open for ever, reachable only because the process's leased fd holds
/// it too.
struct FreeRecordWithoutFput {
    base: bundle::Bundle,
}

impl Proposal for FreeRecordWithoutFput {
    from_base!();
    fn name(&self) -> &'static str {
        "free-record-without-fput"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, _cur: &Task, u: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(u);
        if let Some(rec) = record_of(k, u) {
            k.ufiles
                .get(umem.ufile)
                .ext
                .part::<PinRecords>("bundle's records")
                .list
                .lock("leaky_unpin.pin_records_lock")?
                .retain(|r| *r != rec);
            self.base.records().free("leaky_unpin.kfree", rec);
        }
        Ok(())
    }
}

/// ref_tracker at quiescence: a data file still counted by a freed pin record.
pub fn control_leaked_data_file_reference() -> Vec<Finding> {
    let found = dereg_vs_close_with(|| {
        Box::new(FreeRecordWithoutFput {
            base: sound_bundle(),
        })
    });
    let l = found
        .iter()
        .find(|f| f.check == "ref_tracker.leaked")
        .expect("the leaked data-file reference is found");
    assert_eq!(l.kind, FindingKind::Leak);
    assert!(l.title.starts_with("ref_tracker: "), "{l:#?}");
    assert_eq!(l.object.as_deref(), Some("file#1"), "{l:#?}");
    assert!(
        l.details
            .iter()
            .any(|d| d.starts_with("file#1 is held by pin_record#0.file: freed by task")),
        "{l:#?}"
    );
    found
}

#[test]
fn a_design_that_frees_its_record_without_fput_leaks_the_data_file() {
    control_leaked_data_file_reference();
}

/// A deliberately broken design whose GUP callback waits, spinning with `cond_resched`, for the
/// data file's pages to be unpinned before it records the pin: they never are.
struct SpinUntilUnpinned;

impl Proposal for SpinUntilUnpinned {
    fn name(&self) -> &'static str {
        "spin-until-unpinned"
    }
    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        _b: &Bundle,
        u: Handle<Umem>,
        _l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let df = &k.data_files[k.umems.get(u).data];
        while df.page_pins.load("spin.page_pins") != 0 {
            pincheck_model::sync::yield_now("spin.cond_resched")?;
        }
        Ok(Ok(()))
    }
    fn unpin(&self, _k: &Kernel, _cur: &Task, _u: Handle<Umem>) -> KResult<()> {
        Ok(())
    }
}

/// A second REG_MR on fd0 against the close of fd0 (whose destroy unpins mr0's pages): the
/// program the broken pin designs below wait in.
fn reg_vs_close_program() -> Program {
    program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("reg", vec![op_reg("p0", "fd0", "mr1")]),
            ("close", vec![op_close("p0", "fd0")]),
        ],
    )
}

/// The step budget ends a spin that never makes progress: a livelock finding, not a hung checker.
pub fn control_livelock() -> Vec<Finding> {
    let p = reg_vs_close_program();
    let bad = explore_with(
        &p,
        Variant::by_name("k56").unwrap(),
        || Box::new(SpinUntilUnpinned),
        pct(3),
    );
    let l = bad.by_check("livelock").expect("the spin is cut");
    assert_eq!(l.kind, FindingKind::Deadlock);
    assert!(l.title.starts_with("livelock: no progress after"), "{l:#?}");
    bad.all()
}

#[test]
fn a_design_that_spins_for_ever_is_a_livelock() {
    control_livelock();
}

/// A deliberately broken design whose GUP callback sleeps (killable) until the data file's pages
/// are unpinned, inside REG_MR: the thread holds `hw_destroy_rwsem` for read across the sleep.
struct SleepUntilUnpinned;

impl Proposal for SleepUntilUnpinned {
    fn name(&self) -> &'static str {
        "sleep-until-unpinned"
    }
    fn pin(
        &self,
        k: &Kernel,
        _cur: &Task,
        _b: &Bundle,
        u: Handle<Umem>,
        _l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let df = &k.data_files[k.umems.get(u).data];
        wait_var_event(
            "sleep.page_pins",
            &df.page_pins,
            Sleep::Killable,
            || {
                (
                    Some(df.name.to_string()),
                    format!("the pins of {} to be released", df.name),
                )
            },
            |pins| pins == 0,
        )?;
        Ok(Ok(()))
    }
    fn unpin(&self, _k: &Kernel, _cur: &Task, _u: Handle<Umem>) -> KResult<()> {
        Ok(())
    }
}

/// A lock held across a sleep: the only thread that could end the sleep (the close, whose
/// destroy unpins the pages) is blocked on the lock the sleeper holds, so the sleep is hung (the
/// hung-task detector's finding, with the locks it holds), found when the close blocks or when
/// the sleep starts. With the waits as spins this case was the step budget's livelock.
pub fn control_hung_sleep_holding_a_lock() -> Vec<Finding> {
    let p = reg_vs_close_program();
    for mode in [loom(2), pct(3)] {
        let bad = explore_with(
            &p,
            Variant::by_name("k56").unwrap(),
            || Box::new(SleepUntilUnpinned),
            mode,
        );
        let (f, _) = bad.assert_found(&Want {
            kind: FindingKind::Deadlock,
            object: "dax",
            title: "INFO: task reg blocked for more than 120 seconds.",
            at: "reg sleep.page_pins",
        });
        assert_eq!(f.check, "hung_task.wait_var_event");
        assert!(
            f.details.iter().any(|d| d.contains("locks held by reg")),
            "{f:#?}"
        );
        assert!(bad.by_check("livelock").is_none(), "{:?}", bad.all());
    }
    // OS threads: the sleeper parks in the OS and is woken the same way; every run ends.
    let stress = explore_with(
        &p,
        Variant::by_name("k56").unwrap(),
        || Box::new(SleepUntilUnpinned),
        Mode::Stress { iterations: 200 },
    );
    assert!(stress.run.model_panic.is_none(), "{:?}", stress.run);
    assert_eq!((stress.run.executions, stress.bodies), (200, 200));
    let bad = explore_with(
        &p,
        Variant::by_name("k56").unwrap(),
        || Box::new(SleepUntilUnpinned),
        loom(2),
    );
    bad.all()
}

#[test]
fn a_sleep_holding_the_lock_its_waker_needs_is_a_hung_task() {
    control_hung_sleep_holding_a_lock();
}

/// S2 on counted-backptr: the counted back pointer is a reference cycle (Jason, `20190813114842`).
pub fn control_kmemleak_cycle() -> Vec<Finding> {
    let p = program(
        vec![op_open("p0", "fd0"), op_ctx("p0", "fd0")],
        vec![
            (
                "reg",
                vec![op_reg("p0", "fd0", "mr0"), op_close("p0", "fd0")],
            ),
            (
                "idle",
                vec![Op::Truncate {
                    process: "p1".into(),
                    file: "dax1".into(),
                    label: "t".into(),
                }],
            ),
        ],
    );
    let bad = explore(&p, "k56", "counted-backptr", loom(1));
    let l = bad
        .by_check("kmemleak.unreferenced")
        .expect("the cycle leaks");
    assert!(l.title.contains("(reference cycle)"), "{l:#?}");
    let ok = explore(&p, "k56", "context", loom(1));
    assert!(ok.findings.is_empty(), "{:#?}", ok.findings.first());
    bad.all()
}

#[test]
fn the_counted_back_pointer_leaks_a_cycle() {
    control_kmemleak_cycle();
}

/// A deliberately broken design that assumes close destroyed the MRs (G5 says it may not have on
/// v5.3) and releases the pages of every MR still listed, "so that a closed file keeps no pins".
struct ReleasePinsAtClose {
    base: Context,
}

impl Proposal for ReleasePinsAtClose {
    from_base!();
    fn name(&self) -> &'static str {
        "release-pins-at-close"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        self.base.unpin(k, cur, u)
    }
    fn release(&self, k: &Kernel, cur: &Task, _f: Handle<File>, u: Handle<Ufile>) -> KResult<()> {
        let listed = k
            .ufiles
            .get(u)
            .uobjects
            .lock("release_pins.uobjects_lock")?
            .clone();
        for uobj in listed {
            let object = k.uobjects.get(uobj).object.load("release_pins.object");
            if let Some(mr) = Handle::<pincheck_model::rdma::uverbs::mr::Mr>::decode(object) {
                let umem = k.mrs.get(mr).umem;
                pincheck_model::rdma::uverbs::umem::ib_umem_release(k, cur, umem)?;
            }
        }
        Ok(())
    }
    fn ufile_release(&self, k: &Kernel, cur: &Task, u: Handle<Ufile>) -> KResult<()> {
        self.base.ufile_release(k, cur, u)
    }
    fn file_release(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<()> {
        self.base.file_release(k, cur, f)
    }
}

/// G7 through the kernel's own order: pages released while the MR's HW key still maps them (S1
/// on v5.3, where close may return before device removal destroyed the MR).
pub fn control_hw_key_live_at_unpin() -> Vec<Finding> {
    let on = |name| {
        explore_with_goals(
            &s01(),
            kernel(name),
            || {
                Box::new(ReleasePinsAtClose {
                    base: Context::new(),
                })
            },
            loom(2),
            &[crate::scenarios::S01_RACE],
        )
    };
    let bad = on("k53");
    bad.assert_complete("release-pins-at-close@k53");
    let (g, _) = bad.assert_found(&Want {
        kind: FindingKind::UnpinTwice,
        object: "umem#",
        title: "BUG: pages released while the HW key can still DMA into them",
        at: "close ib_umem_release.hw_key",
    });
    assert_eq!(g.check, "unpin.hw_key_live");
    assert!(g.details.iter().any(|d| d.contains("mr#0")), "{g:#?}");
    // v5.6 close waits for a running device removal (G6): the MRs are gone before release.
    on("k56").assert_clean("release-pins-at-close@k56");
    bad.all()
}

#[test]
fn a_design_that_releases_pins_at_close_frees_pages_under_a_live_hw_key() {
    control_hw_key_live_at_unpin();
}

/// A deliberately broken design whose records stay on the ufile's list after the unpin (the
/// removal was forgotten): the listing shows pins no one holds any more.
struct RecordOutlivesUnpin {
    base: bundle::Bundle,
}

impl Proposal for RecordOutlivesUnpin {
    from_base!();
    fn name(&self) -> &'static str {
        "record-outlives-unpin"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, _k: &Kernel, _cur: &Task, _u: Handle<Umem>) -> KResult<()> {
        Ok(())
    }
    fn show_fdinfo(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<Vec<String>> {
        self.base.show_fdinfo(k, cur, f)
    }
}

/// I-PROCFS: a listed pin its file did not hold at any time from the lookup to the read's end.
pub fn control_procfs_lists_a_released_pin() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
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
            ("close", vec![op_close("p0", "fd0")]),
        ],
    );
    let bad = explore_with(
        &p,
        Variant::by_name("k56").unwrap(),
        || {
            Box::new(RecordOutlivesUnpin {
                base: sound_bundle(),
            })
        },
        loom(1),
    );
    let l = bad
        .by_check("procfs.lists_unpinned")
        .expect("the stale line is found");
    assert!(
        l.title
            .starts_with("procfs lie: /proc/p0/file_pins lists fd0 pinning dax0"),
        "{l:#?}"
    );
    bad.all()
}

#[test]
fn a_design_whose_record_outlives_the_unpin_lists_a_released_pin() {
    control_procfs_lists_a_released_pin();
}

/// I-PROCFS, ordered across threads: the owner deregisters its MR, then dups its uverbs fd; a
/// reader that finds the dup at fd2 looked it up after the dup's install, which follows the
/// unpin in the owner's program order, so the pages were unpinned before that lookup in every
/// interleaving of the trace, and the record the broken design left behind is a lie at fd2. A
/// reader that looks fd2 up before the install finds nothing there, and one that takes its
/// reference to fd0's file before the dup takes its own may have read before the unpin: no lie.
pub fn control_procfs_lists_a_pin_unpinned_before_its_lookup() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            (
                "owner",
                vec![
                    dereg("p0", "fd0", "mr0"),
                    Op::Dup {
                        process: "p0".into(),
                        fd: "fd0".into(),
                        new_fd: "fd2".into(),
                    },
                ],
            ),
            ("reader", vec![op_list("p1", "p0", "pins")]),
        ],
    );
    let broken = || -> Box<dyn Proposal> {
        Box::new(RecordOutlivesUnpin {
            base: sound_bundle(),
        })
    };
    let mut all = Vec::new();
    for mode in [loom_unbounded(), pct(3)] {
        let bad = explore_with(&p, kernel("k56"), broken, mode.clone());
        let (lie, _) = bad.assert_found(&Want {
            kind: FindingKind::ProcfsLie,
            object: "fd2",
            title: "procfs lie: /proc/p0/file_pins lists fd2 pinning dax0",
            at: "reader fget.fcheck_files",
        });
        assert_eq!(lie.check, "procfs.lists_unpinned");
        let lying = bad
            .findings
            .iter()
            .filter(|fs| fs.iter().any(|f| f.kind == FindingKind::ProcfsLie))
            .count();
        assert!(
            (lying as u64) < bad.bodies,
            "{mode:?}: a lie in every execution"
        );
        all.extend(bad.all());
    }
    all
}

#[test]
fn a_line_whose_pin_was_unpinned_before_its_lookup_by_another_thread_is_a_lie() {
    control_procfs_lists_a_pin_unpinned_before_its_lookup();
}

/// I-PROCFS, an omission ordered across threads: the process creates a completion channel (fd3),
/// then closes another file; the RFC's read takes `file_lock` in `fp_start`'s `iterate_fd`, and
/// when it takes it after the close released it, the channel's install happens before the read
/// began, and the RFC, which lists only the owner file, omits the pin the channel speaks for.
/// When the read takes `file_lock` first, the channel may have come after the read began: no lie.
pub fn control_procfs_omits_a_channel_installed_before_the_read() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
            Op::OpenData {
                process: "p0".into(),
                file: "dax1".into(),
                fd: "other".into(),
            },
        ],
        vec![
            (
                "chan",
                vec![
                    Op::CreateCompChannel {
                        process: "p0".into(),
                        fd: "fd0".into(),
                        new_fd: "ch".into(),
                    },
                    op_close("p0", "other"),
                ],
            ),
            ("reader", vec![op_list("p1", "p0", "pins")]),
        ],
    );
    let mut all = Vec::new();
    for mode in [loom_unbounded(), pct(5)] {
        let bad = explore(&p, "k53", "rfc-v2", mode.clone());
        let (lie, _) = bad.assert_found(&Want {
            kind: FindingKind::ProcfsLie,
            object: "fd3",
            title: "procfs lie: /proc/p0/file_pins omits fd3 pinning dax0",
            at: "reader show_fp.rcu_read_unlock",
        });
        assert_eq!(lie.check, "procfs.omits_pinned");
        assert!(
            (bad.findings.len() as u64) < bad.bodies,
            "{mode:?}: an omission in every execution"
        );
        all.extend(bad.all());
    }
    all
}

#[test]
fn an_omission_of_a_channel_installed_before_the_read_began_is_a_lie() {
    control_procfs_omits_a_channel_installed_before_the_read();
}

/// RFC 13/19's own check: S1 on v5.3 frees the owner file with the MR's record still on it.
pub fn control_warn_file_freed_with_pins() -> Vec<Finding> {
    let bad = explore(&s01(), "k53", "rfc-v2", loom(2));
    let w = bad
        .by_check("warn.file_free_rcu.file_pins")
        .expect("file_free_rcu's WARN is reached");
    assert_eq!(
        w.title,
        "WARNING: at fs/file_table.c file_free_rcu: WARN_ON(!list_empty(&f->file_pins))"
    );
    assert!(
        w.object.as_deref().unwrap_or("").starts_with("file#"),
        "{w:#?}"
    );
    bad.all()
}

#[test]
fn the_rfc_frees_an_owner_file_with_pins_on_v53() {
    control_warn_file_freed_with_pins();
}

/// A deliberately broken kernel patch: device removal does not hold the ufile while it destroys
/// its objects (`kref_get` in `ib_uverbs_free_hw_resources` removed), so the last close releases
/// the ufile with the MR's HW object still live.
pub fn control_warn_ufile_released_with_a_live_object() -> Vec<Finding> {
    let m = Mutation::Ref {
        kind: "ufile",
        counter: "kref",
        holder: HolderLabel::Task("free_hw_resources"),
    };
    let bad = explore_mutated(
        &s01(),
        Variant::by_name("k53").unwrap(),
        || by_name("context").unwrap(),
        Some(m),
        loom(2),
    );
    let w = bad
        .by_check("warn.release_ufile_idr_uobject.object")
        .expect("release_ufile_idr_uobject's WARN is reached");
    assert!(
        w.title
            .ends_with("release_ufile_idr_uobject: WARN_ON(entry->object)"),
        "{w:#?}"
    );
    bad.all()
}

#[test]
fn without_free_hw_resources_reference_a_ufile_is_released_with_live_objects() {
    control_warn_ufile_released_with_a_live_object();
}

/// A deliberately broken patch: a completion channel's file does not count its reference on the
/// ufile (G2). Closing the main uverbs fd then releases the ufile, and the channel's own release
/// (`uverbs_close_fd`) reads `hw_destroy_rwsem` of the freed ufile.
#[test]
fn without_the_channels_ufile_reference_its_release_reads_a_freed_ufile() {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            create_ch("p0", "fd0", "ch"),
        ],
        vec![
            ("main", vec![op_close("p0", "fd0")]),
            ("chan", vec![op_close("p0", "ch")]),
        ],
    );
    let m = Mutation::Ref {
        kind: "ufile",
        counter: "kref",
        holder: HolderLabel::Obj("file", "ufile"),
    };
    let bad = explore_mutated(
        &p,
        Variant::by_name("k53").unwrap(),
        || by_name("context").unwrap(),
        Some(m),
        loom(1),
    );
    bad.assert_found(&Want {
        kind: FindingKind::UseAfterFree,
        object: "ufile#",
        title: "BUG: KASAN: use-after-free in uverbs_close_fd.ufile",
        at: "chan uverbs_close_fd.ufile",
    });
    let ok = explore_mutated(
        &p,
        Variant::by_name("k53").unwrap(),
        || by_name("context").unwrap(),
        None,
        loom(1),
    );
    ok.assert_clean("context@k53 main fd and channel closed at once");
}

/// A deliberately broken design that files the pin under the MR handle being created: the IDR
/// slot `alloc_begin` reserved is no longer empty at commit.
struct ScribbleOnTheIdr {
    base: bundle::Bundle,
}

impl Proposal for ScribbleOnTheIdr {
    from_base!();
    fn name(&self) -> &'static str {
        "scribble-on-the-idr"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let ufile = k.ufiles.get(b.ufile);
        let reserved = ufile.idr_next.peek() as usize - 1;
        ufile.idr[reserved].store("scribble.xa_store", 1);
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        self.base.unpin(k, cur, u)
    }
}

pub fn control_warn_idr_slot_taken() -> Vec<Finding> {
    let found = dereg_vs_close_with(|| {
        Box::new(ScribbleOnTheIdr {
            base: sound_bundle(),
        })
    });
    let w = found
        .iter()
        .find(|f| f.check == "warn.alloc_commit_idr_uobject.xa_store")
        .expect("alloc_commit's WARN is reached");
    assert!(
        w.title
            .ends_with("alloc_commit_idr_uobject: WARN_ON(old != NULL)"),
        "{w:#?}"
    );
    found
}

#[test]
fn a_design_that_scribbles_on_the_reserved_idr_slot_warns_at_commit() {
    control_warn_idr_slot_taken();
}

/// The kernel's guard for unpin-once is the usecnt WRITE lock (under hw_destroy_rwsem) around
/// `object` NULLing: a patch without `uobj_destroy`'s WRITE lock lets two DESTROYs of one handle
/// both destroy the MR.
pub fn control_unpin_twice_without_the_usecnt_lock() -> Vec<Finding> {
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
    let m = Mutation::Lock {
        step: "uobj_destroy.usecnt_write",
        lock: "usecnt",
    };
    let bad = explore_mutated(
        &p,
        Variant::by_name("k53").unwrap(),
        || by_name("context").unwrap(),
        Some(m),
        loom(2),
    );
    assert!(
        bad.findings
            .iter()
            .flatten()
            .any(|f| f.kind == FindingKind::UnpinTwice || f.kind == FindingKind::UseAfterFree),
        "{:?}",
        bad.kinds()
    );
    bad.all()
}

#[test]
fn without_the_usecnt_write_lock_a_double_dereg_destroys_twice() {
    control_unpin_twice_without_the_usecnt_lock();
}

/// A negative control: runs its exploration, asserts what it must find, returns every finding.
type Control = fn() -> Vec<Finding>;

/// No oracle check is unreachable: every registered check (`declare_check!`) is reported by at
/// least one of the negative controls above.
/// Device removal racing a DESTROY of an MR (s04) on v5.3 without 7452a3c745a2: the DESTROY only
/// trylocks hw_destroy_rwsem, meets the destroy-all holding it and WARNs "Cleanup is running
/// while removing an uobject"; with the fix (v5.3 as released) the DESTROY waits.
pub fn control_warn_destroy_meets_a_running_destroy_all() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("dereg", vec![dereg("p0", "fd0", "mr0")]),
            (
                "unplug",
                vec![Op::RemoveDevice {
                    device: "uverbs0".into(),
                }],
            ),
        ],
    );
    let bad = explore(&p, "v5.3-7452a3c745a2", "context", loom(2));
    bad.assert_found(&Want {
        kind: FindingKind::Warn,
        object: "uobject#",
        title: "WARNING: at drivers/infiniband/core/rdma_core.c rdma_explicit_destroy: \
                WARN(true, \"ib_uverbs: Cleanup is running while removing an uobject\")",
        at: "dereg rdma_explicit_destroy.down_read_trylock",
    });
    let fixed = explore(&p, "v5.3", "context", loom(2));
    assert!(fixed.findings.is_empty(), "{:#?}", fixed.distinct());
    bad.all()
}

#[test]
fn before_7452a3c745a2_a_destroy_meeting_device_removal_warns() {
    control_warn_destroy_meets_a_running_destroy_all();
}

/// Exit with a uverbs mapping racing device removal (s03) on v5.6 without 39c011a53827:
/// disassociate unlists the exiting mm's VMA without putting its mmap entry, and the ucontext is
/// freed with the entry still in its mmap_xa.
pub fn control_warn_ucontext_freed_with_an_mmap_entry() -> Vec<Finding> {
    let p = exit_with_mmap_vs_unplug();
    let bad = explore(&p, "v5.6", "context", loom(2));
    let w = bad
        .by_check("warn.ufile_destroy_ucontext.mmap_xa")
        .unwrap_or_else(|| panic!("{:#?}", bad.distinct()));
    assert_eq!(w.kind, FindingKind::Warn);
    assert!(
        w.object.as_deref().unwrap_or("").starts_with("ucontext#"),
        "{w:#?}"
    );
    let fixed = explore(&p, "v5.6+39c011a53827", "context", loom(2));
    assert!(fixed.findings.is_empty(), "{:#?}", fixed.distinct());
    bad.all()
}

#[test]
fn before_39c011a53827_exit_vs_disassociate_frees_a_ucontext_with_an_mmap_entry() {
    control_warn_ucontext_freed_with_an_mmap_entry();
}

/// The last close of a uverbs fd whose driver refuses the MR's destroy twice: the first refusal
/// leaves the MR for the next pass, the forced pass's refusal WARNs "failed to remove uobject" and
/// the MR, its umem and its pins leak. One refusal is recovered.
pub fn control_warn_forced_destroy_refused() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![("close", vec![op_close("p0", "fd0")])],
    );
    let refusal = |occurrence| FaultPoint {
        tid: 1,
        step: "ib_dereg_mr_user.dereg_mr_busy".into(),
        occurrence,
    };
    let bad = explore_faulted(&p, "k56", "context", vec![refusal(1), refusal(2)], loom(1));
    let w = bad
        .by_check("warn.uverbs_destroy_uobject.failed")
        .unwrap_or_else(|| panic!("{:#?}", bad.distinct()));
    assert_eq!(w.kind, FindingKind::Warn);
    assert!(
        bad.kinds().contains(&FindingKind::Leak),
        "{:#?}",
        bad.distinct()
    );
    let once = explore_faulted(&p, "k56", "context", vec![refusal(1)], loom(1));
    assert!(once.findings.is_empty(), "{:#?}", once.distinct());
    bad.all()
}

#[test]
fn a_destroy_the_driver_refuses_in_the_forced_pass_warns_and_leaks() {
    control_warn_forced_destroy_refused();
}

/// MIGRATE_ID racing DESTROY_ID (s21) on v5.6, before f5449e74802c: the migrate moves a context
/// destroy has already erased, closing the new file frees it, and destroy's wait_for_completion
/// waits for a reference nobody can put any more.
pub fn control_hung_task_in_ucma_destroy_id() -> Vec<Finding> {
    let mut p = program(
        vec![
            Op::UcmaOpen {
                process: "p0".into(),
                fd: "fa".into(),
            },
            Op::UcmaOpen {
                process: "p0".into(),
                fd: "fb".into(),
            },
            Op::CreateId {
                process: "p0".into(),
                fd: "fa".into(),
                id: "id0".into(),
                bad_response: false,
            },
        ],
        vec![
            (
                "destroy",
                vec![Op::DestroyId {
                    process: "p0".into(),
                    fd: "fa".into(),
                    id: "id0".into(),
                }],
            ),
            (
                "migrate",
                vec![
                    Op::MigrateId {
                        process: "p0".into(),
                        fd: "fb".into(),
                        from: "fa".into(),
                        id: "id0".into(),
                    },
                    op_close("p0", "fb"),
                ],
            ),
        ],
    );
    p.devices.clear();
    p.data_files.clear();
    let bad = explore(&p, "v5.6", "context", loom(2));
    let h = bad
        .by_check("hung_task.wait_for_completion")
        .unwrap_or_else(|| panic!("{:#?}", bad.distinct()));
    assert_eq!(h.kind, FindingKind::Deadlock);
    let fixed = explore(&p, "v5.6+f5449e74802c", "context", loom(2));
    assert!(fixed.findings.is_empty(), "{:#?}", fixed.distinct());
    bad.all()
}

#[test]
fn before_f5449e74802c_ucma_destroy_id_waits_for_ever_after_a_migrate() {
    control_hung_task_in_ucma_destroy_id();
}

#[test]
fn every_check_is_reached_by_a_negative_control() {
    let controls: &[(&str, Control)] = &[
        (
            "rfc_v2_pin_add_vs_pin_drop",
            control_rfc_v2_pin_add_vs_pin_drop,
        ),
        ("double_destroy", control_double_destroy_before_the_2020_fix),
        ("synchronous_fput", control_synchronous_fput_deadlock),
        ("rfc_v2_puts_every_record", control_rfc_v2_puts_every_record),
        ("unpin_in_callback", control_unpin_in_callback),
        ("free_twice", control_free_twice),
        (
            "release_of_a_locked_fd_object",
            control_warn_release_of_a_locked_fd_object,
        ),
        (
            "null_deref",
            control_null_deref_of_a_channel_used_through_another_ufile,
        ),
        (
            "destroy_all_races_a_lookup",
            control_warn_destroy_all_races_a_lookup,
        ),
        ("ref_moved", control_ref_moved_from_a_holder_without_one),
        (
            "leaked_data_file_reference",
            control_leaked_data_file_reference,
        ),
        ("livelock", control_livelock),
        (
            "hung_sleep_holding_a_lock",
            control_hung_sleep_holding_a_lock,
        ),
        ("kmemleak", control_kmemleak_cycle),
        ("hw_key_live", control_hw_key_live_at_unpin),
        ("lists_a_released_pin", control_procfs_lists_a_released_pin),
        (
            "lists_a_pin_unpinned_before_its_lookup",
            control_procfs_lists_a_pin_unpinned_before_its_lookup,
        ),
        (
            "omits_a_channel_installed_before_the_read",
            control_procfs_omits_a_channel_installed_before_the_read,
        ),
        ("file_freed_with_pins", control_warn_file_freed_with_pins),
        (
            "ufile_released_with_live_object",
            control_warn_ufile_released_with_a_live_object,
        ),
        ("idr_slot_taken", control_warn_idr_slot_taken),
        (
            "usecnt_lock_removed",
            control_unpin_twice_without_the_usecnt_lock,
        ),
        (
            "dax_free_while_mapped",
            crate::leases::control_dax_free_while_mapped,
        ),
        (
            "dax_map_of_freed_blocks",
            crate::leases::control_dax_map_of_freed_blocks,
        ),
        ("hung_close", crate::leases::control_hung_close),
        (
            "destroy_meets_destroy_all",
            control_warn_destroy_meets_a_running_destroy_all,
        ),
        (
            "ucontext_freed_with_mmap_entry",
            control_warn_ucontext_freed_with_an_mmap_entry,
        ),
        (
            "forced_destroy_refused",
            control_warn_forced_destroy_refused,
        ),
        (
            "ucma_destroy_id_hangs",
            control_hung_task_in_ucma_destroy_id,
        ),
    ];
    let mut hits: std::collections::BTreeMap<&'static str, std::collections::BTreeSet<&str>> =
        Default::default();
    for (name, control) in controls {
        for f in control() {
            hits.entry(f.check).or_default().insert(name);
        }
    }
    let all = pincheck_model::oracle::check::all();
    let unreached: Vec<&str> = all
        .iter()
        .map(|c| c.id)
        .filter(|id| !hits.contains_key(id))
        .collect();
    assert!(
        unreached.is_empty(),
        "checks no control reaches: {unreached:?}"
    );
    for c in &all {
        println!("{:45} reached by {:?}", c.id, hits[c.id]);
    }
}
