//! `pincheck why SCENARIO PROPOSAL@KERNEL`: what a passing verdict relies on.
//!
//! The cell is explored once with mutation-point collection on: every lock acquisition, holder
//! reference and `_unless_zero` site its executions actually run (the model reports them, nothing
//! is listed by hand). Then each point is removed in turn (a run-time mutation plan, like a replay
//! plan) and the cell explored again with the same engines and bounds. A removal that reaches a
//! finding is something the pass relies on: the report names the finding and gives a replay token
//! that carries the mutation, so `pincheck replay` reproduces it. A removal no execution notices
//! survives: an equivalent change, or a race no scenario exercises.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Finding, Mutation};
use pincheck_model::KNOWN_PROPOSALS;

use crate::check::load_all;
use crate::error::Error;
use crate::explore::{explore, weak_memory, Cell, Counterexample, Explored, Settings};
use crate::verdict::{expected, verdict, Verdict};

/// What `why` analyses.
#[derive(Clone, Debug)]
pub struct WhyOptions {
    /// Where the scenario is.
    pub paths: Vec<PathBuf>,
    /// The scenario's name.
    pub scenario: String,
    /// `proposal@kernel`.
    pub cell: String,
    /// Exploration settings (the mutated explorations use the same).
    pub settings: Settings,
    /// Worker threads.
    pub jobs: usize,
}

/// What removing one mutation point did.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A finding was reached: the pass relies on the point.
    Killed {
        /// The finding of the shortest counterexample (fewest preemptions, replayable first).
        finding: Finding,
        /// Its counterexample.
        counterexample: Box<Counterexample>,
        /// Its replay token, with the mutation.
        token: String,
    },
    /// No execution of the mutated cell reached a finding.
    Survived,
    /// The mutated search was cut or the model panicked: neither kill nor survival is shown.
    Inconclusive(String),
}

/// One point and what its removal did.
#[derive(Clone, Debug)]
pub struct Reliance {
    /// The mutation.
    pub mutation: Mutation,
    /// A scenario thread runs the point (not only the sequential setup or quiescence).
    pub concurrent: bool,
    /// What it reached.
    pub outcome: Outcome,
}

/// The analysis of one passing cell.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Scenario name.
    pub scenario: String,
    /// Proposal.
    pub proposal: &'static str,
    /// Kernel.
    pub kernel: &'static str,
    /// Executions of the unmutated exploration.
    pub executions: u64,
    /// Every point, in order.
    pub relied: Vec<Reliance>,
}

impl Analysis {
    /// Points whose removal reached a finding.
    pub fn killed(&self) -> usize {
        self.relied
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Killed { .. }))
            .count()
    }
}

/// The cell named by `opts` (the scenario by name under `paths`, or a scenario file's path).
fn cell_of(opts: &WhyOptions) -> Result<Cell, Error> {
    cell_named(&opts.paths, &opts.scenario, &opts.cell)
}

/// The cell `scenario` (a name under `paths`, or a scenario file's path) and `cell`
/// (`PROPOSAL@KERNEL`) name, as `why` and `redundancy` take them.
pub(crate) fn cell_named(paths: &[PathBuf], scenario: &str, cell: &str) -> Result<Cell, Error> {
    let file = std::path::Path::new(scenario);
    let scenarios = if file.is_file() {
        load_all(&[file.to_path_buf()])?
    } else {
        load_all(paths)?
    };
    let scenario_name = scenario;
    let scenario = scenarios
        .iter()
        .find(|s| s.name == scenario_name || file.is_file())
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            Error::Usage(format!(
                "no scenario `{}` under {:?} (known: {})",
                scenario_name,
                paths,
                names.join(", ")
            ))
        })?;
    let (proposal, kernel) = cell
        .split_once('@')
        .ok_or_else(|| Error::Usage(format!("`{cell}` is not PROPOSAL@KERNEL")))?;
    let proposal = KNOWN_PROPOSALS
        .iter()
        .copied()
        .find(|p| *p == proposal)
        .ok_or_else(|| Error::Usage(format!("unknown proposal `{proposal}`")))?;
    let kernel = Variant::by_name(kernel)
        .ok_or_else(|| Error::Usage(format!("unknown kernel `{kernel}`")))?;
    Ok(Cell {
        scenario,
        proposal,
        kernel,
    })
}

/// `pincheck why`: analyse the cell `opts` names, which must pass.
pub fn why(opts: &WhyOptions) -> Result<Analysis, Error> {
    let cell = cell_of(opts)?;
    analyse(&cell, &opts.settings, opts.jobs).map_err(Error::Usage)
}

/// Analyse a passing cell; `Err` says why the cell is not one.
pub fn analyse(cell: &Cell, settings: &Settings, jobs: usize) -> Result<Analysis, String> {
    let collect = Settings {
        collect_points: true,
        mutation: None,
        ..settings.clone()
    };
    let base = explore(cell, &collect);
    let (_, listed) = expected(&cell.scenario, cell.proposal, cell.kernel.name);
    let v = verdict(&cell.scenario, &base, listed);
    if v != Verdict::Pass {
        return Err(format!(
            "{} {}@{} is {v}: `why` explains what a passing verdict relies on",
            cell.scenario.name, cell.proposal, cell.kernel.name
        ));
    }
    let executions = base.runs.iter().map(|r| r.executions_total).sum();
    let points: Vec<Mutation> = base.points.keys().copied().collect();
    let mut relied = mutate_all(cell, settings, &points, jobs);
    for r in &mut relied {
        r.concurrent = base.points.get(&r.mutation).copied().unwrap_or(false);
    }
    Ok(Analysis {
        scenario: cell.scenario.name.clone(),
        proposal: cell.proposal,
        kernel: cell.kernel.name,
        executions,
        relied,
    })
}

/// Explore `cell` once per point, on `jobs` threads; results in the points' order.
fn mutate_all(cell: &Cell, settings: &Settings, points: &[Mutation], jobs: usize) -> Vec<Reliance> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<Reliance>>> = Mutex::new(vec![None; points.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(points.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::AcqRel);
                let Some(&m) = points.get(i) else { break };
                let r = mutate_one(cell, settings, m);
                out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    out.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Explore `cell` under `m` and say what it reached.
pub fn mutate_one(cell: &Cell, settings: &Settings, m: Mutation) -> Reliance {
    let mutated = Settings {
        mutation: Some(m),
        collect_points: false,
        shrink: false,
        ..settings.clone()
    };
    let e = explore(cell, &mutated);
    Reliance {
        mutation: m,
        concurrent: true,
        outcome: outcome(cell, m, &e),
    }
}

fn outcome(cell: &Cell, m: Mutation, e: &Explored) -> Outcome {
    if let Some(r) = e.runs.iter().find(|r| r.model_panic.is_some()) {
        return Outcome::Inconclusive(format!(
            "the model panicked under {}: {}",
            r.engine,
            r.model_panic.as_deref().unwrap_or("")
        ));
    }
    let best = e
        .counterexamples
        .iter()
        .min_by_key(|(_, cx)| (weak_memory(&cx.events), cx.preemptions, cx.events.len()));
    let Some((sig, cx)) = best else {
        if let Some(r) = e.runs.iter().find(|r| r.cut.is_some()) {
            return Outcome::Inconclusive(format!("the {} search was cut: {:?}", r.engine, r.cut));
        }
        return Outcome::Survived;
    };
    let finding = cx
        .findings
        .iter()
        .find(|f| &f.signature() == sig)
        .or(cx.findings.first())
        .cloned()
        .expect("a counterexample has findings");
    let mut token = crate::replay::token_for(&cell.scenario, cell.proposal, cell.kernel.name, cx);
    token.mutation = Some(m.to_string());
    Outcome::Killed {
        finding,
        counterexample: Box::new(cx.clone()),
        token: token.encode(),
    }
}

/// The report `pincheck why` prints.
pub fn render(a: &Analysis) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let n = a.relied.len();
    let _ = writeln!(
        out,
        "{} {}@{}: pass ({} executions); {} of {n} mutation points relied on",
        a.scenario,
        a.proposal,
        a.kernel,
        a.executions,
        a.killed()
    );
    let _ = writeln!(out, "\nrelied on (removing it reaches a finding):");
    for r in &a.relied {
        if let Outcome::Killed {
            finding,
            counterexample,
            token,
        } = &r.outcome
        {
            let _ = writeln!(out, "  {}  ({})", r.mutation, r.mutation.describe());
            let _ = writeln!(
                out,
                "    -> {}: {} ({}, {} preemption(s), {} steps)",
                finding.kind,
                finding.title,
                counterexample.engine,
                counterexample.preemptions,
                counterexample.events.len()
            );
            let _ = writeln!(out, "    pincheck replay '{token}'");
        }
    }
    let _ = writeln!(
        out,
        "\nnot relied on here (no execution noticed the removal):"
    );
    for r in &a.relied {
        match &r.outcome {
            Outcome::Survived => {
                let setup = if r.concurrent {
                    ""
                } else {
                    "  (run only by the sequential setup or quiescence)"
                };
                let _ = writeln!(out, "  {}{setup}", r.mutation);
            }
            Outcome::Inconclusive(why) => {
                let _ = writeln!(out, "  {}  (inconclusive: {why})", r.mutation);
            }
            Outcome::Killed { .. } => {}
        }
    }
    out
}

/// The kill analysis over a scenario set: every passing cell analysed, and per mutation point
/// (its text) the cells that ran it and the ones whose scenario killed it.
#[derive(Clone, Debug, Default)]
pub struct KillAnalysis {
    /// Passing cells analysed.
    pub cells: usize,
    /// Mutations explored over all cells (a point per cell that ran it).
    pub mutations: usize,
    /// Of those, the ones that reached a finding.
    pub killed: usize,
    /// Mutation point → `proposal@kernel` → (killed by some scenario, a scenario thread ran it).
    pub points:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, (bool, bool)>>,
}

/// Run the kill analysis on every passing cell of the scenarios under `paths`.
pub fn kill_analysis(
    paths: &[PathBuf],
    settings: &Settings,
    jobs: usize,
) -> Result<KillAnalysis, Error> {
    let scenarios = load_all(paths)?;
    let mut out = KillAnalysis::default();
    for s in &scenarios {
        for &proposal in KNOWN_PROPOSALS {
            for k in &s.kernels {
                let Some(kernel) = Variant::by_name(k) else {
                    continue;
                };
                let cell = Cell {
                    scenario: s.clone(),
                    proposal,
                    kernel,
                };
                let Ok(a) = analyse(&cell, settings, jobs) else {
                    continue;
                };
                out.cells += 1;
                out.mutations += a.relied.len();
                out.killed += a.killed();
                for r in &a.relied {
                    let killed = matches!(r.outcome, Outcome::Killed { .. });
                    let e = out
                        .points
                        .entry(r.mutation.to_string())
                        .or_default()
                        .entry(format!("{proposal}@{}", kernel.name))
                        .or_insert((false, false));
                    e.0 |= killed;
                    e.1 |= r.concurrent;
                }
            }
        }
    }
    Ok(out)
}

/// The reviewable list of surviving mutations: a header with the kill rates, then each mutation
/// point that some `proposal@kernel` runs and no scenario kills there, with those cells.
pub fn render_survivors(k: &KillAnalysis) -> String {
    use std::fmt::Write;
    let pairs: usize = k.points.values().map(|c| c.len()).sum();
    let killed_pairs: usize = k
        .points
        .values()
        .flat_map(|c| c.values())
        .filter(|(killed, _)| *killed)
        .count();
    let pct = |a: usize, b: usize| {
        if b == 0 {
            0.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} passing cells; {} of {} mutations killed in their cell ({:.1}%); \
         {} of {} (point, proposal@kernel) pairs killed by some scenario ({:.1}%)",
        k.cells,
        k.killed,
        k.mutations,
        pct(k.killed, k.mutations),
        killed_pairs,
        pairs,
        pct(killed_pairs, pairs)
    );
    let _ = writeln!(
        out,
        "# survivors: point, then the proposal@kernel cells where no scenario kills it \
         (* = only the sequential setup or quiescence runs it there)"
    );
    for (point, cells) in &k.points {
        let survivors: Vec<String> = cells
            .iter()
            .filter(|(_, (killed, _))| !killed)
            .map(|(c, (_, concurrent))| {
                if *concurrent {
                    c.clone()
                } else {
                    format!("{c}*")
                }
            })
            .collect();
        if !survivors.is_empty() {
            let _ = writeln!(out, "{point}  {}", survivors.join(" "));
        }
    }
    out
}
