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
    let bad = explore(&p, "v5.3", "context", loom(2));
    assert!(
        bad.kinds().contains(&FindingKind::RefcountUnderflow),
        "{:?}",
        bad.kinds()
    );
    let fixed = explore(&p, "k53", "context", loom(2));
    assert!(fixed.findings.is_empty(), "{:#?}", fixed.findings.first());
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
        .first(FindingKind::ProcfsLie)
        .expect("the omission is found");
    assert!(lie.title.contains("omits fd0 pinning dax1"), "{lie:#?}");
    let ok = explore(&p, "k53", "context", loom(1));
    assert!(ok.findings.is_empty(), "{:#?}", ok.findings.first());
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
