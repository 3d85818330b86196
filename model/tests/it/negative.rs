//! A negative control for every finding kind: a known-bad design or kernel that must produce it,
//! found by exploration and asserted on the returned findings.

use std::sync::{Arc, Mutex};

use pincheck_model::heap::Handle;
use pincheck_model::kernel::{Kernel, Variant};
use pincheck_model::oracle::{Finding, FindingKind, Oracle};
use pincheck_model::program::{Op, ProcfsKind};
use pincheck_model::proposals::{by_name, Proposal};
use pincheck_model::rdma::uverbs::umem::{Bundle, Umem};
use pincheck_model::run::execute_with;
use pincheck_model::sync::{run, Limits};
use pincheck_model::task::Task;
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
    let e = explore(&p, "k53", "rfc-v2", loom(2));
    let kinds = e.kinds();
    assert!(
        kinds.contains(&FindingKind::RefcountIncFromZero),
        "{kinds:?}"
    );
    assert!(kinds.contains(&FindingKind::UseAfterFree), "{kinds:?}");
    let ok = explore(&p, "k53", "context", loom(2));
    assert!(ok.findings.is_empty(), "{:#?}", ok.findings.first());
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
    let bad = explore(&p, "k53-double-destroy", "context", loom(2));
    let u = bad
        .by_check("refcount.underflow")
        .expect("the underflow is reached");
    assert!(u.title.starts_with("refcount_t: underflow"), "{u:#?}");
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
    let fixed = explore(&p, "k53", "context", loom(2));
    assert!(fixed.findings.is_empty(), "{:#?}", fixed.findings.first());
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
    let bad = explore(&p, "sync-fput", "context", loom(2));
    let dl = bad
        .first(FindingKind::Deadlock)
        .expect("the self-deadlock is reachable");
    assert!(dl.title.contains("recursive locking"), "{dl:#?}");
    assert!(
        dl.details.iter().any(|d| d.contains("ucontext_lock")),
        "{dl:#?}"
    );
    for kernel in ["k53", "k56"] {
        let ok = explore(&p, kernel, "context", loom(2));
        assert!(
            ok.findings.is_empty(),
            "{kernel}: {:#?}",
            ok.findings.first()
        );
    }
}

/// H2: releasing one pin puts every record on the owner list, so the listing omits a pin that is
/// still held.
#[test]
fn rfc_v2_procfs_omits_a_pin_still_held() {
    control_rfc_v2_puts_every_record();
}

/// A deliberately broken design whose GUP callback unpins the pages itself, so the core's
/// release unpins them a second time.
struct UnpinInCallback(Box<dyn Proposal>);

impl Proposal for UnpinInCallback {
    fn name(&self) -> &'static str {
        "unpin-in-callback"
    }
    fn open(
        &self,
        k: &Kernel,
        cur: &Task,
        f: Handle<pincheck_model::vfs::file::File>,
        u: Handle<pincheck_model::rdma::uverbs::ufile::Ufile>,
    ) -> KResult<()> {
        self.0.open(k, cur, f, u)
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        self.0.pin(k, cur, b, u)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        let umem = k.umems.get(u);
        k.data_files[umem.data]
            .pins
            .fetch_add("callback.unpin_user_pages", -(umem.npages as i64));
        self.0.unpin(k, cur, u)
    }
}

#[test]
fn a_design_that_unpins_in_its_callback_unpins_twice() {
    let found = dereg_vs_close_with(|| Box::new(UnpinInCallback(by_name("context").unwrap())));
    let kinds: Vec<FindingKind> = found.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&FindingKind::UnpinTwice), "{kinds:?}");
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
    fn ufile_release(
        &self,
        k: &Kernel,
        _cur: &Task,
        u: Handle<pincheck_model::rdma::uverbs::ufile::Ufile>,
    ) -> KResult<()> {
        let list = k.ufiles.get(u).pin_records.lock("free_twice.lock")?.clone();
        for rec in list {
            k.records.free("free_twice.release_kfree", rec);
        }
        Ok(())
    }
}

#[test]
fn a_design_that_frees_its_records_in_two_places_double_frees() {
    let found = dereg_vs_close_with(|| Box::new(FreeTwice));
    let df = found
        .iter()
        .find(|f| f.kind == FindingKind::DoubleFree)
        .expect("double free found");
    assert!(df.title.contains("double-free"), "{df:#?}");
    assert!(
        df.details.iter().any(|d| d.starts_with("Freed by task")),
        "{df:#?}"
    );
}

/// DEREG_MR races the last close on k56 under loom (bound 1), with a proposal built for each
/// execution: every finding of every execution.
fn dereg_vs_close_with(
    proposal: impl Fn() -> Box<dyn Proposal> + Send + Sync + 'static,
) -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("t1", vec![dereg("p0", "fd0", "mr0")]),
            ("t2", vec![op_close("p0", "fd0")]),
        ],
    );
    let found: Arc<Mutex<Vec<Finding>>> = Arc::default();
    let f = Arc::clone(&found);
    let body = Arc::new(move |o: &Arc<Oracle>| {
        execute_with(&p, Variant::by_name("k56").unwrap(), proposal());
        f.lock().unwrap().extend(o.findings());
    });
    let r = run(&loom(1), &Limits::default(), 2, body);
    assert!(r.cut.is_none() && r.model_panic.is_none());
    let found = found.lock().unwrap().clone();
    found
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
    let bad = explore(&p, "k53-fput-before-unlock", "context", loom(2));
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

/// A deliberately broken design that gives the process an fd on the pinned data file (so an
/// administrator can find it) without `get_file`: the fd slot is handed a reference the pinning
/// task never had.
struct FdForPinWithoutGetFile;

impl Proposal for FdForPinWithoutGetFile {
    fn name(&self) -> &'static str {
        "fd-for-pin-without-get-file"
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
    ) -> KResult<Result<(), Errno>> {
        let data = k.data_files[k.umems.get(u).data].file;
        let p = k.process("p0").expect("p0");
        let from = pincheck_model::oracle::Holder::Task(cur.tid, "pin");
        if let Err(e) = pincheck_model::vfs::process::fd_install(k, &p, data, &from)? {
            return Ok(Err(e));
        }
        pincheck_model::proposals::bundle::Bundle.pin(k, cur, b, u)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        pincheck_model::proposals::bundle::Bundle.unpin(k, cur, u)
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
        || Box::new(FdForPinWithoutGetFile),
        loom(1),
    );
    let r = bad
        .by_check("ref_tracker.move_not_held")
        .expect("the move is refused");
    assert_eq!(r.kind, FindingKind::RefTracker);
    assert!(
        r.title.starts_with(
            "ref_tracker: reference to file#0 moved from task reg (pin), which holds none"
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
/// they hold: the file stays open for ever, reachable only because its filesystem holds it too.
struct FreeRecordWithoutFput;

impl Proposal for FreeRecordWithoutFput {
    fn name(&self) -> &'static str {
        "free-record-without-fput"
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
        let umem = k.umems.get(u);
        if let Some(&rec) = umem.record.get() {
            k.ufiles
                .get(umem.ufile)
                .pin_records
                .lock("leaky_unpin.pin_records_lock")?
                .retain(|r| *r != rec);
            k.records.free("leaky_unpin.kfree", rec);
        }
        Ok(())
    }
}

/// ref_tracker at quiescence: a data file still counted by a freed pin record.
pub fn control_leaked_data_file_reference() -> Vec<Finding> {
    let found = dereg_vs_close_with(|| Box::new(FreeRecordWithoutFput));
    let l = found
        .iter()
        .find(|f| f.check == "ref_tracker.leaked")
        .expect("the leaked data-file reference is found");
    assert_eq!(l.kind, FindingKind::Leak);
    assert!(l.title.starts_with("ref_tracker: "), "{l:#?}");
    assert_eq!(l.object.as_deref(), Some("file#0"), "{l:#?}");
    assert!(
        l.details
            .iter()
            .any(|d| d.starts_with("file#0 is held by pin_record#0.file: freed by task")),
        "{l:#?}"
    );
    found
}

#[test]
fn a_design_that_frees_its_record_without_fput_leaks_the_data_file() {
    control_leaked_data_file_reference();
}
