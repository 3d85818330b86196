//! Layout leases, truncate and the designs of the lease discussion, driven from Rust: the
//! negative controls that must reach the checks leases brought (blocks freed under a device's
//! DMA, blocks mapped after a free, a close that hangs), and what the thread said of D0, D2, D3,
//! D4 and D5, each reached by exploration and asserted on the findings.

use pincheck_model::heap::Handle;
use pincheck_model::kernel::Kernel;
use pincheck_model::oracle::{Finding, FindingKind, Mutation, ObjId};
use pincheck_model::program::{Op, Program, ThreadProgram};
use pincheck_model::proposals::bundle::{self, DataFileRef};
use pincheck_model::proposals::context::Context;
use pincheck_model::proposals::{Ext, Proposal};
use pincheck_model::rdma::uverbs::ufile::Ufile;
use pincheck_model::rdma::uverbs::umem::{Bundle, Umem};
use pincheck_model::sync::Mutex;
use pincheck_model::task::Task;
use pincheck_model::vfs::file::{File, FileKind};
use pincheck_model::vfs::locks::{FileLock, LeaseRef};
use pincheck_model::{Errno, KResult};

use crate::*;

pub fn op_open_data(p: &str, file: &str, fd: &str) -> Op {
    Op::OpenData {
        process: p.into(),
        file: file.into(),
        fd: fd.into(),
    }
}

pub fn op_lease(p: &str, fd: &str) -> Op {
    Op::SetLease {
        process: p.into(),
        fd: fd.into(),
    }
}

fn op_unlock(p: &str, fd: &str) -> Op {
    Op::UnlockLease {
        process: p.into(),
        fd: fd.into(),
    }
}

fn op_truncate(p: &str, label: &str) -> Op {
    Op::Truncate {
        process: p.into(),
        file: "dax0".into(),
        label: label.into(),
    }
}

fn op_dereg(p: &str, mr: &str) -> Op {
    Op::DeregMr {
        process: p.into(),
        fd: "fd0".into(),
        mr: mr.into(),
    }
}

/// p0 opens the device (fd 0), makes a context, opens dax0 (fd 1), leases it and pins 2 pages.
fn leased_pin() -> Vec<Op> {
    vec![
        op_open("p0", "fd0"),
        op_ctx("p0", "fd0"),
        op_open_data("p0", "dax0", "dfd"),
        op_lease("p0", "dfd"),
        op_reg("p0", "fd0", "mr0"),
    ]
}

/// A deliberately broken design: when a lease goes it "revokes" the pins taken under it by
/// dropping their pages' references, leaving the MRs, their HW keys and DMA mappings alone (D5's
/// abort done on the wrong side).
struct RevokePagesNotDevice {
    base: bundle::Bundle,
    pins: Mutex<Vec<(Handle<FileLock>, Handle<Umem>)>>,
}

impl Proposal for RevokePagesNotDevice {
    fn name(&self) -> &'static str {
        "revoke-pages-not-device"
    }
    fn ufile_ext(&self) -> Ext {
        self.base.ufile_ext()
    }
    fn umem_ext(&self) -> Ext {
        self.base.umem_ext()
    }
    fn pin(
        &self,
        k: &Kernel,
        cur: &Task,
        b: &Bundle,
        u: Handle<Umem>,
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        let r = self.base.pin(k, cur, b, u, l)?;
        if r.is_ok() {
            self.pins.lock("revoke.record")?.push((l.lease, u));
        }
        Ok(r)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        self.pins.lock("revoke.forget")?.retain(|(_, x)| *x != u);
        self.base.unpin(k, cur, u)
    }
    fn lease_removed(&self, k: &Kernel, _cur: &Task, lease: Handle<FileLock>) -> KResult<()> {
        let under: Vec<Handle<Umem>> = self
            .pins
            .lock("revoke.lease_gone")?
            .iter()
            .filter(|(l, _)| *l == lease)
            .map(|(_, u)| *u)
            .collect();
        for u in under {
            let umem = k.umems.get(u);
            k.data_files[umem.data]
                .page_pins
                .fetch_add("revoke.put_pages", -(umem.npages as i64));
        }
        Ok(())
    }
    fn show_fdinfo(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<Vec<String>> {
        self.base.show_fdinfo(k, cur, f)
    }
}

/// The lease is released while the pin lives; a truncate races the release.
fn unlock_vs_truncate() -> Program {
    program(
        leased_pin(),
        vec![
            ("app", vec![op_unlock("p0", "dfd")]),
            ("admin", vec![op_truncate("p1", "truncate")]),
        ],
    )
}

/// dax-corruption, first trigger: truncate frees blocks a long-term pin still maps for DMA. The
/// kernel's guard is the busy-page wait; a design that drops the page references behind the
/// device's back gets past it.
pub fn control_dax_free_while_mapped() -> Vec<Finding> {
    let p = unlock_vs_truncate();
    let bad = explore_with(
        &p,
        kernel("k53"),
        || {
            Box::new(RevokePagesNotDevice {
                base: bundle::Bundle::new(DataFileRef::Held),
                pins: Mutex::new("revoke.lock", Vec::new()),
            })
        },
        loom(1),
    );
    bad.assert_found(&Want {
        kind: FindingKind::DaxCorruption,
        object: "umem#",
        title: "BUG: truncate freed blocks 1-2 of dax0 while umem#0 can still DMA into them",
        at: "admin ext4_truncate.free_blocks",
    });
    // The designs as shipped: the lease goes, the pin stays (rfc-v2, bundle: a truncate after
    // the unlock waits for pages nobody unpins until it is interrupted; global-table: the pin
    // goes with the lease, and the truncate frees the blocks), and no block is freed under it.
    let blocked = [Goal::Observe {
        label: "truncate",
        equals: "blocked by 2 pinned pages of dax0",
    }];
    for proposal in ["rfc-v2", "bundle"] {
        explore_goals(&p, "k53", proposal, loom(1), &blocked).assert_clean(proposal);
    }
    let freed = [Goal::Observe {
        label: "truncate",
        equals: "ok",
    }];
    explore_goals(&p, "k53", "global-table", loom(1), &freed).assert_clean("global-table");
    bad.all()
}

#[test]
fn a_design_that_revokes_pages_but_not_the_device_lets_truncate_free_pinned_blocks() {
    control_dax_free_while_mapped();
}

/// dax-corruption, second trigger: a pin maps blocks truncate has freed. The kernel's guard is
/// `i_mmap_sem`, which GUP's fault takes for read and truncate for write; a patch without the
/// fault's acquisition lets truncate free the blocks between GUP's look at the block map and its
/// pin.
pub fn control_dax_map_of_freed_blocks() -> Vec<Finding> {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_open_data("p0", "dax0", "dfd"),
            op_lease("p0", "dfd"),
        ],
        vec![
            ("reg", vec![op_reg("p0", "fd0", "mr0")]),
            ("app", vec![op_unlock("p0", "dfd")]),
            ("admin", vec![op_truncate("p1", "truncate")]),
        ],
    );
    let m = Mutation::Lock {
        step: "pin_user_pages.i_mmap_sem",
        lock: "i_mmap_sem",
    };
    let bad = explore_mutated(
        &p,
        kernel("k56"),
        || pincheck_model::proposals::by_name("context").unwrap(),
        Some(m),
        loom(2),
    );
    bad.assert_found(&Want {
        kind: FindingKind::DaxCorruption,
        object: "umem#",
        title: "BUG: umem#0 maps blocks 1-2 of dax0 for DMA after truncate freed them",
        at: "reg ib_umem_get.pin_user_pages",
    });
    explore(&p, "k56", "context", loom(2)).assert_clean("context@k56 with i_mmap_sem");
    bad.all()
}

#[test]
fn without_i_mmap_sem_in_the_fault_a_pin_maps_blocks_truncate_freed() {
    control_dax_map_of_freed_blocks();
}

/// The leased fd is closed before the MR that pins under its lease is deregistered.
fn close_before_dereg() -> Program {
    program(
        leased_pin(),
        vec![
            ("app", vec![op_close("p0", "dfd"), op_dereg("p0", "mr0")]),
            ("admin", vec![op_truncate("p1", "truncate")]),
        ],
    )
}

/// The hung-task detector: block-close's last close of the leased file sleeps until the pin goes,
/// which only the sleeping task would release (Jan Kara, `20190819063412`).
pub fn control_hung_close() -> Vec<Finding> {
    let p = close_before_dereg();
    let bad = explore(&p, "k56", "block-close", loom(1));
    let (f, _) = bad.assert_found(&Want {
        kind: FindingKind::Deadlock,
        object: "file_lock#",
        title: "INFO: task app blocked for more than 120 seconds.",
        at: "app locks_remove_file.wait_lease_pins",
    });
    assert_eq!(f.check, "hung_task.wait_var_event");
    // The others let the close return: the RFC's file pin keeps the file (and its lease), a zombie
    // lease outlives its file, the global table aborts the MR.
    for proposal in ["rfc-v2", "zombie-lease", "global-table"] {
        explore(&p, "k56", proposal, loom(1)).assert_clean(proposal);
    }
    bad.all()
}

#[test]
fn block_close_hangs_a_close_whose_pins_only_its_own_task_releases() {
    control_hung_close();
}

/// Dave Chinner's exception: the exit path does not wait. Exit releases the leased file (fd 0)
/// before the uverbs file (fd 1) destroys the MR: no hang, and the truncate that races it sees
/// the lease, the pinned pages, or neither.
#[test]
fn block_close_does_not_wait_in_exit() {
    let p = program(
        vec![
            op_open_data("p0", "dax0", "dfd"),
            op_lease("p0", "dfd"),
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            (
                "exit",
                vec![Op::Exit {
                    process: "p0".into(),
                }],
            ),
            ("admin", vec![op_truncate("p1", "truncate")]),
        ],
    );
    let goals = [
        Goal::Observe {
            label: "truncate",
            equals: "ETXTBSY",
        },
        Goal::Observe {
            label: "truncate",
            equals: "ok",
        },
    ];
    explore_goals(&p, "k56", "block-close", loom(2), &goals).assert_clean("block-close exit");
}

/// RFC 04/19: without a layout lease of its own process a pin fails with EPERM, for every design
/// on the series; the lease of another process does not count.
#[test]
fn a_pin_needs_a_lease_of_the_pinning_process() {
    // Built without `program`, which would lease what p0 pins.
    let p = Program {
        processes: vec!["p0".into(), "p1".into()],
        devices: vec!["uverbs0".into()],
        devices_without_disassociate: vec![],
        data_files: vec!["dax0".into()],
        setup: vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_open_data("p1", "dax0", "other"),
            op_lease("p1", "other"),
            op_reg("p0", "fd0", "mr0"),
        ],
        threads: vec![
            ThreadProgram {
                name: "t".into(),
                ops: vec![op_truncate("p1", "truncate")],
            },
            ThreadProgram {
                name: "u".into(),
                ops: vec![op_truncate("p0", "truncate0")],
            },
        ],
        exit_at_quiescence: vec![],
    };
    for proposal in ["rfc-v2", "bundle", "context", "global-table"] {
        let goals = [
            Goal::Observe {
                label: "setup.4.reg_mr",
                equals: "EPERM",
            },
            // 02/19: the lease holder's own break is EDEADLK, anyone else's ETXTBSY.
            Goal::Observe {
                label: "truncate",
                equals: "EDEADLK",
            },
            Goal::Observe {
                label: "truncate0",
                equals: "ETXTBSY",
            },
        ];
        explore_goals(&p, "k56", proposal, loom(1), &goals).assert_clean(proposal);
    }
}

/// D0: v5.3 as released refuses the layout lease (EINVAL) and the long-term pin (EOPNOTSUPP):
/// no pin, nothing to break, truncate succeeds.
#[test]
fn no_dax_pins_never_pins() {
    let p = program(
        leased_pin(),
        vec![
            ("admin", vec![op_truncate("p1", "truncate")]),
            ("dereg", vec![op_dereg("p0", "mr0")]),
        ],
    );
    let goals = [
        Goal::Observe {
            label: "setup.3.set_lease",
            equals: "EINVAL",
        },
        Goal::Observe {
            label: "setup.4.reg_mr",
            equals: "EOPNOTSUPP",
        },
        Goal::Observe {
            label: "truncate",
            equals: "ok",
        },
    ];
    explore_goals(&p, "k53", "no-dax-pins", loom(2), &goals).assert_clean("no-dax-pins");
}

/// D5: the MR outlives its lease when the leased fd is closed, and the global table aborts the
/// holder's RDMA state right there, in the close's own `__fput`.
#[test]
fn global_table_aborts_the_rdma_state_when_the_lease_goes() {
    let goals = [Goal::Between {
        step: "app:destroy_ufile_hw.down_write",
        after: "app:filp_close.fput",
        before: "app:lookup_get.kref_get_unless_zero",
    }];
    explore_goals(
        &close_before_dereg(),
        "k53",
        "global-table",
        loom(2),
        &goals,
    )
    .assert_clean("global-table close before dereg");
}

/// Item 4 of issue 12 for D3: the handler goes into every struct file that may point to the
/// context. A context design that installs it in the main file only omits, at a completion
/// channel's fd, the pins the channel's ufile holds.
struct ContextMainFileOnly {
    base: Context,
}

impl Proposal for ContextMainFileOnly {
    fn name(&self) -> &'static str {
        "context-main-file-only"
    }
    fn file_ext(&self, kind: &FileKind) -> Ext {
        self.base.file_ext(kind)
    }
    fn ufile_ext(&self) -> Ext {
        self.base.ufile_ext()
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
        l: &LeaseRef,
    ) -> KResult<Result<(), Errno>> {
        self.base.pin(k, cur, b, u, l)
    }
    fn unpin(&self, k: &Kernel, cur: &Task, u: Handle<Umem>) -> KResult<()> {
        self.base.unpin(k, cur, u)
    }
    fn file_release(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<()> {
        self.base.file_release(k, cur, f)
    }
    fn ufile_release(&self, k: &Kernel, cur: &Task, u: Handle<Ufile>) -> KResult<()> {
        self.base.ufile_release(k, cur, u)
    }
    fn show_fdinfo(&self, k: &Kernel, cur: &Task, f: Handle<File>) -> KResult<Vec<String>> {
        self.base.show_fdinfo(k, cur, f)
    }
    fn lease_ext(&self, lease: ObjId) -> Ext {
        self.base.lease_ext(lease)
    }
}

#[test]
fn context_installs_its_handler_in_child_files_too() {
    let p = program(
        leased_pin(),
        vec![
            // The process lists its own pins after creating the channel: the channel precedes
            // that read in program order, so omitting it is a lie in every interleaving. The
            // racing reader may omit it (its read may have begun first).
            (
                "chan",
                vec![
                    Op::CreateCompChannel {
                        process: "p0".into(),
                        fd: "fd0".into(),
                        new_fd: "ch".into(),
                    },
                    op_list("p0", "p0", "own_pins"),
                ],
            ),
            ("reader", vec![op_list("p1", "p0", "pins")]),
        ],
    );
    let bad = explore_with(
        &p,
        kernel("k56"),
        || {
            Box::new(ContextMainFileOnly {
                base: Context::new(),
            })
        },
        loom(2),
    );
    let lie = bad
        .by_check("procfs.omits_pinned")
        .expect("the channel's omission is found");
    assert_eq!(
        lie.title,
        "procfs lie: /proc/p0/file_pins omits fd2 pinning dax0"
    );
    assert!(
        lie.at.starts_with("chan "),
        "the ordered read's omission: {lie:#?}"
    );
    let goals = [
        Goal::Observe {
            label: "pins",
            equals: "fd0: dax0, fd2: dax0",
        },
        Goal::Observe {
            label: "own_pins",
            equals: "fd0: dax0, fd2: dax0",
        },
    ];
    explore_goals(&p, "k56", "context", loom(2), &goals).assert_clean("context");
}

/// Item 4 of issue 12 for D2: one record per owner and data file, shared by the MRs that pin it,
/// found under its lock with get-unless-zero. Without the zero check, a REG_MR that finds the
/// record whose last MR is dropping it takes a reference from zero (S7).
#[test]
fn bundle_shares_a_record_and_needs_get_unless_zero() {
    let p = program(
        {
            let mut s = leased_pin();
            s[4] = Op::RegMr {
                process: "p0".into(),
                fd: "fd0".into(),
                file: "dax0".into(),
                pages: 1,
                mr: "mr0".into(),
            };
            s
        },
        vec![
            ("add", vec![op_reg("p0", "fd0", "mr1")]),
            ("drop", vec![op_dereg("p0", "mr0")]),
        ],
    );
    let m = Mutation::UnlessZero {
        step: "bundle_pin.kref_get_unless_zero",
    };
    let bad = explore_mutated(
        &p,
        kernel("k53"),
        || pincheck_model::proposals::by_name("bundle").unwrap(),
        Some(m),
        loom(2),
    );
    bad.assert_found(&Want {
        kind: FindingKind::RefcountIncFromZero,
        object: "pin_record#",
        title: "refcount_t: addition on 0; use-after-free (kref of pin_record#0)",
        at: "add bundle_pin.kref_get_unless_zero",
    });
    // The second MR shares the first one's record while it lives.
    let goals = [Goal::Between {
        step: "add:bundle_pin.kref_get_unless_zero",
        after: "setup:spawn",
        before: "drop:bundle_unpin.kref_put",
    }];
    explore_goals(&p, "k53", "bundle", loom(2), &goals).assert_clean("bundle s07");
}

/// D4: pins answer for the mm of the process that registered them. After an SCM_RIGHTS handoff
/// and the sender's exit, the receiver holds the pin's fd for its whole read and lists nothing
/// (Ira, `20190814175045`).
#[test]
fn mm_loses_the_attribution_after_scm_rights() {
    let mut setup = leased_pin();
    setup.push(Op::SendFd {
        process: "p0".into(),
        fd: "fd0".into(),
        to: "p1".into(),
    });
    let p = program(
        setup,
        vec![
            (
                "a",
                vec![Op::Exit {
                    process: "p0".into(),
                }],
            ),
            (
                "b",
                vec![
                    Op::RecvFd {
                        process: "p1".into(),
                        fd: "fd1".into(),
                    },
                    op_list("p1", "p1", "b_pins"),
                ],
            ),
        ],
    );
    let bad = explore(&p, "k56", "mm", loom(2));
    let (lie, _) = bad.assert_found(&Want {
        kind: FindingKind::ProcfsLie,
        object: "fd0",
        title: "procfs lie: /proc/p1/file_pins omits fd0 pinning dax0",
        at: "b mmput",
    });
    assert_eq!(lie.check, "procfs.omits_pinned");
    let goals = [Goal::Observe {
        label: "b_pins",
        equals: "fd0: dax0",
    }];
    explore_goals(&p, "k56", "global-table", loom(2), &goals).assert_clean("global-table");
}
