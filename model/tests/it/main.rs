//! Integration tests of the model: the thread's arguments as reachable states, under every engine.

mod engines;
mod negative;
mod scenarios;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Finding, FindingKind};
use pincheck_model::program::{Op, Program, ThreadProgram};
use pincheck_model::run::{execute, Target};
use pincheck_model::sync::{run, Limits, Mode, RunResult};

/// What an exploration found: run stats and, per execution with findings, the findings.
pub struct Explored {
    pub run: RunResult,
    pub findings: Vec<Vec<Finding>>,
}

impl Explored {
    pub fn kinds(&self) -> BTreeSet<FindingKind> {
        self.findings.iter().flatten().map(|f| f.kind).collect()
    }
    pub fn first(&self, kind: FindingKind) -> Option<&Finding> {
        self.findings.iter().flatten().find(|f| f.kind == kind)
    }
    /// The first finding reported by the check `id`.
    pub fn by_check(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().flatten().find(|f| f.check == id)
    }
    /// Every finding, flattened.
    pub fn all(&self) -> Vec<Finding> {
        self.findings.iter().flatten().cloned().collect()
    }
}

pub fn explore(program: &Program, kernel: &str, proposal: &'static str, mode: Mode) -> Explored {
    let target = Target {
        variant: Variant::by_name(kernel).expect("kernel"),
        proposal,
    };
    let found: Arc<Mutex<Vec<Vec<Finding>>>> = Arc::default();
    let (p, f) = (program.clone(), Arc::clone(&found));
    let body = Arc::new(move |oracle: &Arc<pincheck_model::oracle::Oracle>| {
        execute(&p, target);
        let fs = oracle.findings();
        if !fs.is_empty() {
            f.lock().unwrap().push(fs);
        }
    });
    let limits = Limits {
        time: Duration::from_secs(120),
        ..Limits::default()
    };
    let run = run(&mode, &limits, program.threads.len(), body);
    assert!(
        run.model_panic.is_none(),
        "model panicked: {:?}",
        run.model_panic
    );
    let findings = std::mem::take(&mut *found.lock().unwrap());
    Explored { run, findings }
}

/// [`explore`] on a kernel variant built by the test (a deliberately broken patch) and a proposal
/// built for each execution (a deliberately broken design).
pub fn explore_with(
    program: &Program,
    variant: Variant,
    proposal: impl Fn() -> Box<dyn pincheck_model::proposals::Proposal> + Send + Sync + 'static,
    mode: Mode,
) -> Explored {
    let found: Arc<Mutex<Vec<Vec<Finding>>>> = Arc::default();
    let (p, f) = (program.clone(), Arc::clone(&found));
    let body = Arc::new(move |oracle: &Arc<pincheck_model::oracle::Oracle>| {
        pincheck_model::run::execute_with(&p, variant, proposal());
        let fs = oracle.findings();
        if !fs.is_empty() {
            f.lock().unwrap().push(fs);
        }
    });
    let limits = Limits {
        time: Duration::from_secs(120),
        ..Limits::default()
    };
    let run = run(&mode, &limits, program.threads.len(), body);
    assert!(
        run.model_panic.is_none(),
        "model panicked: {:?}",
        run.model_panic
    );
    assert!(run.cut.is_none(), "search cut: {:?}", run.cut);
    let findings = std::mem::take(&mut *found.lock().unwrap());
    Explored { run, findings }
}

pub fn loom(bound: usize) -> Mode {
    Mode::Loom {
        preemption_bound: Some(bound),
    }
}

pub fn pct(seed: u64) -> Mode {
    Mode::Pct {
        seed,
        depth: 3,
        iterations: 2000,
    }
}

pub fn op_open(p: &str, fd: &str) -> Op {
    Op::Open {
        process: p.into(),
        device: "uverbs0".into(),
        fd: fd.into(),
    }
}
pub fn op_ctx(p: &str, fd: &str) -> Op {
    Op::GetContext {
        process: p.into(),
        fd: fd.into(),
    }
}
pub fn op_reg(p: &str, fd: &str, mr: &str) -> Op {
    Op::RegMr {
        process: p.into(),
        fd: fd.into(),
        file: "dax0".into(),
        pages: 2,
        mr: mr.into(),
    }
}
pub fn op_close(p: &str, fd: &str) -> Op {
    Op::Close {
        process: p.into(),
        fd: fd.into(),
    }
}

pub fn program(setup: Vec<Op>, threads: Vec<(&str, Vec<Op>)>) -> Program {
    Program {
        processes: vec!["p0".into(), "p1".into()],
        devices: vec!["uverbs0".into()],
        devices_without_disassociate: Vec::new(),
        data_files: vec!["dax0".into(), "dax1".into()],
        setup,
        threads: threads
            .into_iter()
            .map(|(n, ops)| ThreadProgram {
                name: n.into(),
                ops,
            })
            .collect(),
        exit_at_quiescence: vec![],
    }
}

/// S1: device removal races the last close of the uverbs fd with a live MR.
pub fn s01() -> Program {
    program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            (
                "unplug",
                vec![Op::RemoveDevice {
                    device: "uverbs0".into(),
                }],
            ),
            ("close", vec![op_close("p0", "fd0")]),
        ],
    )
}
