//! The programs the bench runs: S1 (device removal against the last close) and the scaling
//! family, on k53, and the PCT settings under which the bare models were transcribed.

use pincheck_model::kernel::Variant;
use pincheck_model::program::{Op, ProcfsKind, Program, ThreadProgram};
use pincheck_model::run::Target;
use pincheck_model::sync::Mode;

/// PCT bug depth everywhere in the bench.
pub const PCT_DEPTH: usize = 3;

/// The PCT seed whose first execution of S1 the bare models are transcribed from (one
/// iteration); the overhead bench's PCT cells run the same seed.
pub const TRANSCRIBED_SEED: u64 = 0;

/// The proposals of the overhead cells, each with the short name `one <case>` takes.
pub const PROPOSALS: [(&str, &str); 2] = [("rfc-v2", "rfc"), ("context", "ctx")];

/// shuttle PCT at the bench's depth.
pub fn pct_mode(seed: u64, iterations: usize) -> Mode {
    Mode::Pct {
        seed,
        depth: PCT_DEPTH,
        iterations,
    }
}

fn open(fd: &str) -> Op {
    Op::Open {
        process: "p0".into(),
        device: "uverbs0".into(),
        fd: fd.into(),
    }
}
fn get_context(fd: &str) -> Op {
    Op::GetContext {
        process: "p0".into(),
        fd: fd.into(),
    }
}
fn reg_mr(fd: &str, file: &str, mr: &str) -> Op {
    Op::RegMr {
        process: "p0".into(),
        fd: fd.into(),
        file: file.into(),
        pages: 2,
        mr: mr.into(),
    }
}
/// Open data file `file` as `fd` and take the layout lease a long-term pin of it needs (RFC
/// 04/19): two operations.
fn lease(file: &str, fd: &str) -> [Op; 2] {
    [
        Op::OpenData {
            process: "p0".into(),
            file: file.into(),
            fd: fd.into(),
        },
        Op::SetLease {
            process: "p0".into(),
            fd: fd.into(),
        },
    ]
}
fn dereg_mr(fd: &str, mr: &str) -> Op {
    Op::DeregMr {
        process: "p0".into(),
        fd: fd.into(),
        mr: mr.into(),
    }
}
fn close(fd: &str) -> Op {
    Op::Close {
        process: "p0".into(),
        fd: fd.into(),
    }
}
fn dup(fd: &str, new_fd: &str) -> Op {
    Op::Dup {
        process: "p0".into(),
        fd: fd.into(),
        new_fd: new_fd.into(),
    }
}
fn procfs_read(label: &str) -> Op {
    Op::ProcfsRead {
        process: "p0".into(),
        target: "p0".into(),
        kind: ProcfsKind::FilePins,
        fd: None,
        label: label.into(),
    }
}

fn program(setup: Vec<Op>, threads: Vec<(&str, Vec<Op>)>) -> Program {
    Program {
        processes: vec!["p0".into(), "p1".into()],
        devices: vec!["uverbs0".into()],
        devices_without_disassociate: Vec::new(),
        data_files: vec!["dax0".into(), "dax1".into()],
        setup,
        threads: threads
            .into_iter()
            .map(|(name, ops)| ThreadProgram {
                name: name.into(),
                ops,
            })
            .collect(),
        exit_at_quiescence: vec![],
    }
}

/// S1 exactly as `model/tests/it/main.rs` builds it (with the layout lease its pin needs).
pub fn s01() -> Program {
    let [open_data, set_lease] = lease("dax0", "dfd0");
    program(
        vec![
            open("fd0"),
            get_context("fd0"),
            open_data,
            set_lease,
            reg_mr("fd0", "dax0", "mr0"),
        ],
        vec![
            (
                "unplug",
                vec![Op::RemoveDevice {
                    device: "uverbs0".into(),
                }],
            ),
            ("close", vec![close("fd0")]),
        ],
    )
}

/// The scaling family: `threads` threads with the first `ops` operations of each list below.
pub fn scaling(threads: usize, ops: usize) -> Program {
    let lists: [(&str, Vec<Op>); 4] = [
        ("t1", vec![close("fd0"), dup("fd1", "fd2"), close("fd2")]),
        ("t2", vec![dereg_mr("fd1", "mr0"), procfs_read("t2.pins")]),
        ("t3", vec![procfs_read("t3.pins"), dereg_mr("fd1", "mr1")]),
        ("t4", vec![dup("fd1", "fd3"), close("fd3")]),
    ];
    let mut setup = vec![open("fd0"), get_context("fd0")];
    setup.extend(lease("dax0", "dfd0"));
    setup.extend(lease("dax1", "dfd1"));
    setup.extend([
        reg_mr("fd0", "dax0", "mr0"),
        reg_mr("fd0", "dax1", "mr1"),
        dup("fd0", "fd1"),
    ]);
    let threads = lists
        .into_iter()
        .take(threads)
        .map(|(n, l)| (n, l.into_iter().take(ops).collect()))
        .collect();
    program(setup, threads)
}

pub fn target(proposal: &'static str) -> Target {
    Target {
        variant: Variant::by_name("k53").expect("k53 is a known kernel"),
        proposal,
    }
}
