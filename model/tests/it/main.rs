//! Integration tests of the model: the thread's arguments as reachable states, under every engine.

mod engines;
mod leases;
mod negative;
mod order;
mod scenarios;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Event, FaultPoint, Finding, FindingKind, Oracle};
use pincheck_model::program::{Op, ProcfsKind, Program, ThreadProgram};
use pincheck_model::proposals::Proposal;
use pincheck_model::run::{execute, execute_with, Target};
use pincheck_model::sync::{run, Body, Limits, Mode, RunResult};

/// A `sometimes` goal of a Rust-driven control, as in scenario files: a step ran inside a window
/// of another thread (each written `thread:step`), or an observation read a given text. A passing
/// control whose race never happened proves nothing, so its goals must be reached.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    Between {
        step: &'static str,
        after: &'static str,
        before: &'static str,
    },
    Observe {
        label: &'static str,
        equals: &'static str,
    },
}

impl Goal {
    /// Whether this execution reached it (for `Between`: the first `after`, then `step`, then
    /// `before`).
    fn reached(&self, threads: &[String], log: &[Event], obs: &BTreeMap<String, String>) -> bool {
        let find = |at: &str, from: usize| {
            let (thread, step) = at.split_once(':').expect("goal steps are thread:step");
            log.iter()
                .enumerate()
                .skip(from)
                .find(|(_, e)| threads.get(e.tid).is_some_and(|t| t == thread) && e.step == step)
                .map(|(i, _)| i)
        };
        match *self {
            Goal::Between {
                step,
                after,
                before,
            } => find(after, 0)
                .and_then(|i| find(step, i + 1))
                .and_then(|j| find(before, j + 1))
                .is_some(),
            Goal::Observe { label, equals } => obs.get(label).is_some_and(|v| v == equals),
        }
    }
}

/// One execution kept for a distinct finding: its thread names, its log and its findings.
pub struct Kept {
    pub threads: Vec<String>,
    pub log: Vec<Event>,
    pub findings: Vec<Finding>,
}

/// What an exploration found: run stats, every execution's findings, and per goal whether some
/// execution reached it.
pub struct Explored {
    pub run: RunResult,
    /// Executions the body ran (clean ones included): must equal `run.executions`.
    pub bodies: u64,
    /// Per execution with findings, its findings.
    pub findings: Vec<Vec<Finding>>,
    /// The first execution of each distinct finding (kind, title, object kind, thread and step).
    pub kept: Vec<Kept>,
    /// Per goal, in the order given: reached by some execution.
    pub goals: Vec<bool>,
}

/// What a failing control must find: the kind, the object (`file#`: a prefix, the sequence number
/// depends on the schedule), the whole title and where (`thread step`, as `Finding::at`).
pub struct Want {
    pub kind: FindingKind,
    pub object: &'static str,
    pub title: &'static str,
    pub at: &'static str,
}

impl Explored {
    pub fn kinds(&self) -> BTreeSet<FindingKind> {
        self.findings.iter().flatten().map(|f| f.kind).collect()
    }

    /// Every distinct finding as `kind(object kind at thread step): title`, for messages.
    pub fn distinct(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .kept
            .iter()
            .flat_map(|k| &k.findings)
            .map(|f| format!("{} [{}]: {}", f.signature(), f.at, f.title))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The search ran to its end: not cut, at least one execution, each one seen by the body, no
    /// model panic, and every goal reached.
    #[track_caller]
    pub fn assert_complete(&self, what: &str) {
        let r = &self.run;
        assert!(
            r.model_panic.is_none(),
            "{what}: model panic {:?}",
            r.model_panic
        );
        assert!(
            r.cut.is_none(),
            "{what}: search cut ({:?}) after {} executions",
            r.cut,
            r.executions
        );
        assert!(r.executions > 0, "{what}: no execution ran");
        assert_eq!(
            self.bodies, r.executions,
            "{what}: executions counted vs run"
        );
        let missed: Vec<usize> = (0..self.goals.len()).filter(|&i| !self.goals[i]).collect();
        assert!(
            missed.is_empty(),
            "{what}: goal(s) {missed:?} never reached: the race did not happen"
        );
    }

    /// A passing control: a complete search whose every execution is free of findings.
    #[track_caller]
    pub fn assert_clean(&self, what: &str) {
        self.assert_complete(what);
        assert!(
            self.findings.is_empty(),
            "{what}: {} execution(s) with findings: {:#?}",
            self.findings.len(),
            self.distinct()
        );
    }

    /// A failing control: some execution has a finding of `want.kind` on `want.object` titled
    /// `want.title` at `want.at`, and its log shows that thread running that step at the index the
    /// finding names. Returns the finding and its execution.
    #[track_caller]
    pub fn assert_found(&self, want: &Want) -> (&Finding, &Kept) {
        assert!(
            self.run.model_panic.is_none(),
            "model panic {:?}",
            self.run.model_panic
        );
        assert!(self.run.executions > 0, "no execution ran");
        let hit = self.kept.iter().find_map(|k| {
            k.findings
                .iter()
                .find(|f| {
                    f.kind == want.kind
                        && f.title == want.title
                        && f.at == want.at
                        && f.object
                            .as_deref()
                            .is_some_and(|o| o.starts_with(want.object))
                })
                .map(|f| (f, k))
        });
        let (f, k) = hit.unwrap_or_else(|| {
            panic!(
                "no {} on {}* titled {:?} at {:?}; found: {:#?}",
                want.kind,
                want.object,
                want.title,
                want.at,
                self.distinct()
            )
        });
        assert_at_its_step(f, &k.threads, &k.log);
        (f, k)
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

/// The finding's `event` is the index of the step `at` names, run by the thread `at` names.
#[track_caller]
pub fn assert_at_its_step(f: &Finding, threads: &[String], log: &[Event]) {
    let (thread, step) = f.at.split_once(' ').expect("`at` is `thread step`");
    let e = log.get(f.event).unwrap_or_else(|| {
        panic!(
            "event {} past the log ({} steps): {f:#?}",
            f.event,
            log.len()
        )
    });
    assert_eq!(
        (threads[e.tid].as_str(), e.step),
        (thread, step),
        "the logged step at event {} is not where the finding says it happened: {f:#?}",
        f.event
    );
}

/// Explore `program` on `proposal@kernel` under `mode`; no goals.
pub fn explore(program: &Program, kernel: &str, proposal: &'static str, mode: Mode) -> Explored {
    explore_goals(program, kernel, proposal, mode, &[])
}

/// Explore `program` on `proposal@kernel` under `mode`, checking `goals` in every execution.
pub fn explore_goals(
    program: &Program,
    kernel: &str,
    proposal: &'static str,
    mode: Mode,
    goals: &[Goal],
) -> Explored {
    let target = Target {
        variant: Variant::by_name(kernel).expect("kernel"),
        proposal,
    };
    let p = program.clone();
    explore_body(
        program,
        mode,
        goals,
        None,
        None,
        Arc::new(move || execute(&p, target)),
    )
}

/// [`explore_with`], checking `goals` in every execution.
pub fn explore_with_goals(
    program: &Program,
    variant: Variant,
    proposal: impl Fn() -> Box<dyn Proposal> + Send + Sync + 'static,
    mode: Mode,
    goals: &[Goal],
) -> Explored {
    let p = program.clone();
    explore_body(
        program,
        mode,
        goals,
        None,
        None,
        Arc::new(move || execute_with(&p, variant, &proposal)),
    )
}

/// What the body of every execution collects.
#[derive(Default)]
struct Collected {
    bodies: u64,
    findings: Vec<Vec<Finding>>,
    kept: BTreeMap<String, Kept>,
    goals: Vec<bool>,
}

fn explore_body(
    program: &Program,
    mode: Mode,
    goals: &[Goal],
    mutation: Option<pincheck_model::oracle::Mutation>,
    faults: Option<Arc<Vec<FaultPoint>>>,
    one: Arc<dyn Fn() + Send + Sync>,
) -> Explored {
    let collected = Arc::new(Mutex::new(Collected {
        goals: vec![false; goals.len()],
        ..Collected::default()
    }));
    let (c, goals_owned) = (Arc::clone(&collected), goals.to_vec());
    let start = move |oracle: &Arc<Oracle>| {
        if let Some(plan) = &faults {
            oracle.set_faults(Arc::clone(plan));
        }
        one();
    };
    let body = Body::new(start, move |oracle: &Arc<Oracle>| {
        let fs = oracle.findings();
        let threads = oracle.thread_names();
        let obs = oracle.observations();
        let mut c = c.lock().unwrap();
        c.bodies += 1;
        oracle.with_log(|log| {
            for (i, g) in goals_owned.iter().enumerate() {
                if !c.goals[i] && g.reached(&threads, log, &obs) {
                    c.goals[i] = true;
                }
            }
            for f in &fs {
                let key = format!("{}|{}|{}", f.signature(), f.at, f.title);
                c.kept.entry(key).or_insert_with(|| Kept {
                    threads: threads.clone(),
                    log: log.to_vec(),
                    findings: fs.clone(),
                });
            }
        });
        if !fs.is_empty() {
            c.findings.push(fs);
        }
    });
    let limits = Limits {
        time: Duration::from_secs(120),
        mutation,
        ..Limits::default()
    };
    let run = run(&mode, &limits, program.threads.len(), body);
    assert!(
        run.model_panic.is_none(),
        "model panicked: {:?}",
        run.model_panic
    );
    let c = std::mem::take(&mut *collected.lock().unwrap());
    Explored {
        run,
        bodies: c.bodies,
        findings: c.findings,
        kept: c.kept.into_values().collect(),
        goals: c.goals,
    }
}

/// [`explore`] on a kernel variant built by the test (a deliberately broken patch) and a proposal
/// built for each execution (a deliberately broken design); no goals.
pub fn explore_with(
    program: &Program,
    variant: Variant,
    proposal: impl Fn() -> Box<dyn Proposal> + Send + Sync + 'static,
    mode: Mode,
) -> Explored {
    explore_with_goals(program, variant, proposal, mode, &[])
}

/// [`explore_with`] under a mutation plan (a lock acquisition, a holder's references or a zero
/// check removed: a deliberately broken kernel patch); no goals.
pub fn explore_mutated(
    program: &Program,
    variant: Variant,
    proposal: impl Fn() -> Box<dyn Proposal> + Send + Sync + 'static,
    mutation: Option<pincheck_model::oracle::Mutation>,
    mode: Mode,
) -> Explored {
    let p = program.clone();
    explore_body(
        program,
        mode,
        &[],
        mutation,
        None,
        Arc::new(move || execute_with(&p, variant, &proposal)),
    )
}

/// [`explore`] with a fault plan: the driver's error branches the plan names fail in every
/// execution (the checker explores each plan; here one is given).
pub fn explore_faulted(
    program: &Program,
    kernel: &str,
    proposal: &'static str,
    faults: Vec<FaultPoint>,
    mode: Mode,
) -> Explored {
    let target = Target {
        variant: Variant::by_name(kernel).expect("kernel"),
        proposal,
    };
    let p = program.clone();
    explore_body(
        program,
        mode,
        &[],
        None,
        Some(Arc::new(faults)),
        Arc::new(move || execute(&p, target)),
    )
}

/// The kernel variant called `name`.
pub fn kernel(name: &str) -> Variant {
    Variant::by_name(name).expect("kernel")
}

pub fn loom(bound: usize) -> Mode {
    Mode::Loom {
        preemption_bound: Some(bound),
    }
}

/// loom without a preemption bound: every interleaving up to its DPOR equivalence.
pub fn loom_unbounded() -> Mode {
    Mode::Loom {
        preemption_bound: None,
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
/// A read of `target`'s pin listing by a thread of `reader`, observed as `label`.
pub fn op_list(reader: &str, target: &str, label: &str) -> Op {
    Op::ProcfsRead {
        process: reader.into(),
        target: target.into(),
        kind: ProcfsKind::FilePins,
        fd: None,
        label: label.into(),
    }
}
pub fn op_close(p: &str, fd: &str) -> Op {
    Op::Close {
        process: p.into(),
        fd: fd.into(),
    }
}

pub fn program(setup: Vec<Op>, threads: Vec<(&str, Vec<Op>)>) -> Program {
    let mut p = Program {
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
    };
    lease_what_is_pinned(&mut p);
    p
}

/// RFC 04/19: a long-term pin of an FS-DAX page needs a layout lease of the caller's process. For
/// each process and data file the program registers MRs on and does not open itself, open the
/// file and take the lease in setup, right before setup's first REG_MR (at its end when only
/// threads register): the fd numbers of what setup opened before stay as they were.
fn lease_what_is_pinned(p: &mut Program) {
    let all: Vec<&Op> = p
        .setup
        .iter()
        .chain(p.threads.iter().flat_map(|t| &t.ops))
        .collect();
    let opened = |process: &str, file: &str| {
        all.iter().any(|op| {
            matches!(op, Op::OpenData { process: q, file: f, .. } if q == process && f == file)
        })
    };
    let mut pinned: Vec<(String, String)> = Vec::new();
    for op in &all {
        if let Op::RegMr { process, file, .. } = op {
            let key = (process.clone(), file.clone());
            if !opened(process, file) && !pinned.contains(&key) {
                pinned.push(key);
            }
        }
    }
    let at = p
        .setup
        .iter()
        .position(|op| matches!(op, Op::RegMr { .. }))
        .unwrap_or(p.setup.len());
    let mut lease = Vec::new();
    for (process, file) in pinned {
        let fd = format!("lease_{process}_{file}");
        lease.push(Op::OpenData {
            process: process.clone(),
            file,
            fd: fd.clone(),
        });
        lease.push(Op::SetLease { process, fd });
    }
    p.setup.splice(at..at, lease);
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
