//! Exploring one cell (scenario × proposal × kernel) under the engines: loom with iterative
//! preemption bounds (so the first counterexample of each finding has the fewest preemptions, as
//! CHESS's iterative context bounding gives), shuttle PCT / random / DFS, and the merge of their
//! outcome sets with engine disagreements flagged.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Event, FaultPoint, Finding, Mutation, ObjectInfo, Oracle, StepOrder};
use pincheck_model::program::{Op, Program};
use pincheck_model::run::{execute_shared, Target};
use pincheck_model::sync::{run, Body, Cut, Limits, Mode, RunResult, LOOM_THREADS_MAX};

use crate::scenario::{Goal, Scenario};

/// Which engines `check` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineChoice {
    /// loom (bounded, iterative) and shuttle PCT, merged.
    Both,
    /// loom alone.
    Loom,
    /// shuttle PCT alone.
    Pct,
    /// shuttle uniform random.
    Random,
    /// shuttle depth-first search.
    Dfs,
}

/// loom's preemption bound: a number (bounds 0..=N are searched in turn, so the first
/// counterexample of each finding has the fewest preemptions), or none at all.
///
/// Ordered: every number is below `Unbounded`, so "a scenario may raise the bound, never lower
/// it" is a `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Preemptions {
    /// At most N preemptions per execution.
    Bound(usize),
    /// No bound: every interleaving up to loom's DPOR equivalence.
    Unbounded,
}

/// The keyword for [`Preemptions::Unbounded`] on the command line and in scenario files.
pub const UNBOUNDED: &str = "unbounded";

/// Before an unbounded search, loom runs bounds 0..=this in turn: cheap next to the unbounded
/// search, and they give each finding a counterexample with the fewest preemptions first.
pub const BOUNDS_BEFORE_UNBOUNDED: usize = 2;

impl std::fmt::Display for Preemptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Preemptions::Bound(n) => write!(f, "{n}"),
            Preemptions::Unbounded => f.write_str(UNBOUNDED),
        }
    }
}

impl std::str::FromStr for Preemptions {
    type Err = String;
    fn from_str(s: &str) -> Result<Preemptions, String> {
        let s = s.trim();
        if s == UNBOUNDED {
            return Ok(Preemptions::Unbounded);
        }
        s.parse::<usize>()
            .map(Preemptions::Bound)
            .map_err(|_| format!("`{s}` is neither a number of preemptions nor `{UNBOUNDED}`"))
    }
}

impl Preemptions {
    /// The bounds loom runs in turn: 0..=N, or 0..=[`BOUNDS_BEFORE_UNBOUNDED`] then unbounded.
    pub fn schedule(self) -> Vec<Option<usize>> {
        match self {
            Preemptions::Bound(n) => (0..=n).map(Some).collect(),
            Preemptions::Unbounded => (0..=BOUNDS_BEFORE_UNBOUNDED)
                .map(Some)
                .chain(std::iter::once(None))
                .collect(),
        }
    }

    /// `preemption bound N` or `unbounded`, as reports name the search.
    pub fn describe(self) -> String {
        match self {
            Preemptions::Bound(n) => format!("preemption bound {n}"),
            Preemptions::Unbounded => UNBOUNDED.to_string(),
        }
    }
}

/// The loom bound a cell runs at: the command line's, raised by the scenario's own
/// (`preemptions = N` or `"unbounded"`); `exhaustive = true` scenarios run unbounded; all of it
/// capped by [`Settings::preemptions_max`] when set (the reports then name the capped bound).
pub fn bound_of(scenario: &Scenario, settings: &Settings) -> Preemptions {
    let own = if scenario.exhaustive {
        Some(Preemptions::Unbounded)
    } else {
        scenario.preemptions
    };
    let bound = own.map_or(settings.preemptions, |p| p.max(settings.preemptions));
    settings.preemptions_max.map_or(bound, |max| bound.min(max))
}

/// Why a search was cut, in words (`time budget 60 s`).
pub fn cut_reason(cut: &Cut, settings: &Settings) -> String {
    match cut {
        Cut::Time => format!(
            "time budget {} s",
            fmt_secs(settings.time_per_engine.as_secs_f64())
        ),
        Cut::Branches => format!(
            "loom's cap of {} branches in one execution",
            Limits::default().loom_branches_max
        ),
        Cut::Threads { threads } => format!(
            "{threads} threads exceed loom's limit ({LOOM_THREADS_MAX} with the main thread)"
        ),
    }
}

fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

/// Exploration settings shared by every cell of a run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Engines.
    pub engine: EngineChoice,
    /// loom's preemption bound (a scenario may raise it; `exhaustive = true` makes it unbounded).
    pub preemptions: Preemptions,
    /// A cap on the bound, whatever the scenario asks: the kill analysis explores each of its
    /// thousands of mutants at a bound, where one unbounded search per mutant would take hours.
    pub preemptions_max: Option<Preemptions>,
    /// shuttle iterations.
    pub iterations: usize,
    /// shuttle seed.
    pub seed: u64,
    /// PCT bug depth.
    pub pct_depth: usize,
    /// Time budget of one engine run of one cell.
    pub time_per_engine: Duration,
    /// Shrink counterexamples found by shuttle (fewer preemptions and steps).
    pub shrink: bool,
    /// Keep every step each thread executed ([`Explored::steps`]; `pincheck steps`).
    pub collect_steps: bool,
    /// Fault points failing together in one execution, at most (`None`: each scenario's own
    /// `faults`, 0 when it sets none).
    pub faults: Option<usize>,
    /// Run every execution under this mutation plan (`pincheck why`, the kill analysis).
    pub mutation: Option<Mutation>,
    /// Record the mutation points the executions run ([`Explored::points`]).
    pub collect_points: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            engine: EngineChoice::Both,
            preemptions: Preemptions::Bound(2),
            preemptions_max: None,
            iterations: 1000,
            seed: 0,
            pct_depth: 3,
            time_per_engine: Duration::from_secs(60),
            shrink: true,
            collect_steps: false,
            faults: None,
            mutation: None,
            collect_points: false,
        }
    }
}

/// One cell of the matrix.
#[derive(Clone)]
pub struct Cell {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Proposal name.
    pub proposal: &'static str,
    /// Kernel variant.
    pub kernel: Variant,
}

/// One interleaving that reached a finding, kept to be shown and replayed.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// Which engine found it (`loom`, `pct`).
    pub engine: &'static str,
    /// Preemptions in the schedule (switches away from a thread that could go on).
    pub preemptions: usize,
    /// Thread names by id (0 is setup / quiescence).
    pub threads: Vec<String>,
    /// The steps, in order.
    pub events: Vec<Event>,
    /// Every finding of that execution.
    pub findings: Vec<Finding>,
    /// Its observations.
    pub observations: BTreeMap<String, String>,
    /// Objects by role in the scenario: `file#1` → `uverbs0 fd0` (see [`roles`]).
    pub roles: BTreeMap<String, String>,
}

/// What each object of an execution stands for in the scenario, for reports: the role the model
/// gave it (the processes' mms), else the scenario operation that allocated it
/// (`open` → `uverbs0 fd0` for the struct file and the ufile, or `dax0 dfd0` for a data file's,
/// `set_lease` → `dfd0 lease` for the lease, `reg_mr` → `mr0` for the uobject,
/// the MR, the umem and its pin records, `create_comp_channel` → its fd, `get_context` → the
/// fd, `fork` → the child).
pub fn roles(program: &Program, objects: &[ObjectInfo]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for o in objects {
        let role = match &o.role {
            Some(r) => Some(r.to_string()),
            None => o.op.and_then(|i| op_role(program, o.tid, i)),
        };
        if let Some(r) = role {
            out.insert(o.name.clone(), r);
        }
    }
    out
}

fn op_role(program: &Program, tid: usize, op: usize) -> Option<String> {
    let ops = match tid {
        0 => &program.setup,
        t => &program.threads.get(t - 1)?.ops,
    };
    match ops.get(op)? {
        Op::Open { device, fd, .. } => Some(format!("{device} {fd}")),
        Op::OpenData { file, fd, .. } => Some(format!("{file} {fd}")),
        Op::SetLease { fd, .. } => Some(format!("{fd} lease")),
        Op::GetContext { fd, .. } => Some(fd.clone()),
        Op::RegMr { mr, .. } => Some(mr.clone()),
        Op::CreateCompChannel { new_fd, .. } => Some(new_fd.clone()),
        Op::Fork { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// What one engine run of a cell did.
#[derive(Clone, Debug)]
pub struct EngineRun {
    /// `loom`, `pct`, `random`, `dfs`.
    pub engine: &'static str,
    /// What the search covered, exactly: `preemption bound 2, complete (bounds 0..=2 in turn)`,
    /// `unbounded, complete (...)`, `..., cut after N executions ... (reason); ...`; never
    /// "complete" without its bound.
    pub mode: String,
    /// Executions of the final run (loom: at the largest bound).
    pub executions: u64,
    /// Executions over all iterative bounds.
    pub executions_total: u64,
    /// Set when the search was cut.
    pub cut: Option<Cut>,
    /// A model panic (a bug in the model, not a finding).
    pub model_panic: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
    /// Outcome key → executions.
    pub outcomes: BTreeMap<String, u64>,
    /// Longest execution in steps (for PCT's guarantee).
    pub steps_max: usize,
    /// The seed (shuttle).
    pub seed: Option<u64>,
    /// loom: the preemption bound asked for (the search covered it when `cut` is `None`).
    pub bound: Option<Preemptions>,
    /// Fault plans explored besides the run without faults (0 when the scenario asks for none).
    pub plans: usize,
}

/// Per engine (`loom`, `pct`, ...), how many of its executions reached one outcome. Never summed
/// across engines: loom's are distinct executions of its systematic (bounded) search, PCT's are
/// random runs, which may repeat an interleaving; a sum would read like a frequency and is not.
pub type EngineCounts = BTreeMap<&'static str, u64>;

/// Outcome key → executions per engine, over `runs`.
pub fn outcome_counts(runs: &[EngineRun]) -> BTreeMap<String, EngineCounts> {
    let mut out: BTreeMap<String, EngineCounts> = BTreeMap::new();
    for r in runs {
        for (k, n) in &r.outcomes {
            *out.entry(k.clone())
                .or_default()
                .entry(r.engine)
                .or_insert(0) += n;
        }
    }
    out
}

/// `loom 158, pct 12`: per-engine counts in run order, engines that never reached it left out.
pub fn counts_text(counts: &EngineCounts, runs: &[EngineRun]) -> String {
    runs.iter()
        .filter_map(|r| counts.get(r.engine).map(|n| format!("{} {n}", r.engine)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What one engine's count means: `distinct executions` (loom, DFS) or `runs` (PCT, random).
pub fn count_unit(engine: &str) -> &'static str {
    match engine {
        "loom" | "dfs" => "distinct executions",
        _ => "runs",
    }
}

/// Everything exploring a cell produced.
#[derive(Clone, Debug)]
pub struct Explored {
    /// Per engine.
    pub runs: Vec<EngineRun>,
    /// Outcome key → executions per engine (see [`EngineCounts`]).
    pub outcomes: BTreeMap<String, EngineCounts>,
    /// Finding signature → shortest counterexample found.
    pub counterexamples: BTreeMap<String, Counterexample>,
    /// Per `sometimes` goal: reached by some execution.
    pub goals: Vec<bool>,
    /// Warnings: engine disagreements, fallbacks, goal steps never executed.
    pub notes: Vec<String>,
    /// Finding signature → how its shuttle counterexample was shrunk.
    pub shrunk: BTreeMap<String, String>,
    /// With [`Settings::collect_steps`]: every (thread id, step, lock) some execution ran.
    pub steps: BTreeSet<SeenStep>,
    /// The mutation points the executions ran (when [`Settings::collect_points`]), each with
    /// whether a scenario thread ran it (`false`: only the sequential setup or quiescence did).
    pub points: BTreeMap<Mutation, bool>,
}

/// A step some execution ran: thread id (0 is setup and quiescence), step name, its lock.
pub type SeenStep = (usize, &'static str, Option<&'static str>);

/// A finding's identity across executions: kind, object kind, thread and step.
pub fn signature(f: &Finding) -> String {
    f.signature()
}

/// Whether a schedule relies on a load that read an older value than the latest (loom's weak
/// memory): a sequentially consistent replay cannot reproduce it.
pub fn weak_memory(events: &[Event]) -> bool {
    events.iter().any(|e| {
        e.notes
            .iter()
            .any(|n| matches!(n, pincheck_model::oracle::Note::StaleRead { .. }))
    })
}

/// How to rank counterexamples of one finding: replayable first, then fewest preemptions, then
/// fewest steps.
fn rank(events: &[Event], preemptions: usize) -> (bool, usize, usize) {
    (weak_memory(events), preemptions, events.len())
}

/// Preemptions in a schedule.
pub fn preemptions(events: &[Event]) -> usize {
    let mut n = 0;
    for i in 1..events.len() {
        let prev = events[i - 1].tid;
        if prev == events[i].tid {
            continue;
        }
        if let Some(next) = events[i..].iter().find(|e| e.tid == prev) {
            if !next.waited {
                n += 1;
            }
        }
    }
    n
}

#[derive(Default)]
struct Collector {
    /// Fault points reached (with the thread names of the execution that reached them).
    reached: BTreeSet<FaultPoint>,
    outcomes: BTreeMap<String, u64>,
    counterexamples: BTreeMap<String, Counterexample>,
    goals: Vec<bool>,
    steps_seen: BTreeSet<SeenStep>,
    steps_max: usize,
    points: BTreeMap<Mutation, bool>,
}

fn goal_reached(
    goal: &Goal,
    threads: &[String],
    log: &[Event],
    order: Option<&StepOrder<'_>>,
    obs: &BTreeMap<String, String>,
) -> bool {
    match goal {
        Goal::Observe {
            label,
            equals,
            contains,
        } => match obs.get(label) {
            None => false,
            Some(v) => {
                equals.as_ref().is_none_or(|e| v == e)
                    && contains.as_ref().is_none_or(|c| v.contains(c.as_str()))
            }
        },
        Goal::Between {
            step,
            after,
            before,
        } => {
            let at = |(t, s): &(String, String), from: usize| {
                log.iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, e)| threads[e.tid] == *t && e.step == s)
                    .map(|(i, _)| i)
            };
            let in_log = at(after, 0)
                .and_then(|i| at(step, i + 1))
                .and_then(|j| at(before, j + 1))
                .is_some();
            in_log
                || order.is_some_and(|o| between_in_trace(o, threads, log, [after, step, before]))
        }
    }
}

/// Whether some interleaving of the execution's trace runs the three steps in this order: an
/// occurrence of each such that none is surely before the one the goal puts before it. Adding
/// the chain a < x < b to a partial order keeps it one unless x <= a, b <= x or b <= a already
/// holds, so the three pairs decide it. loom runs one interleaving of each trace; the goal is
/// about the race's window, which any interleaving of the trace with the same accesses opens.
fn between_in_trace(
    order: &StepOrder<'_>,
    threads: &[String],
    log: &[Event],
    [after, step, before]: [&(String, String); 3],
) -> bool {
    let all = |(t, s): &(String, String)| -> Vec<usize> {
        log.iter()
            .enumerate()
            .filter(|(_, e)| threads[e.tid] == *t && e.step == s)
            .map(|(i, _)| i)
            .collect()
    };
    let (xs, bs) = (all(step), all(before));
    all(after).into_iter().any(|a| {
        xs.iter().any(|&x| {
            x != a
                && !order.surely_before(x, a)
                && bs.iter().any(|&b| {
                    b != x && b != a && !order.surely_before(b, x) && !order.surely_before(b, a)
                })
        })
    })
}

/// `fault t:point#n | ` for the executions of a fault plan (empty without faults).
fn fault_prefix(faults: &[FaultPoint], threads: &[String]) -> String {
    faults
        .iter()
        .map(|f| {
            let t = threads.get(f.tid).map_or("?", |s| s.as_str());
            format!("fault {t}:{}#{} | ", f.step, f.occurrence)
        })
        .collect()
}

/// The outcome key of one execution: observations, then finding signatures.
fn outcome_key(obs: &BTreeMap<String, String>, findings: &[Finding]) -> String {
    let mut parts: Vec<String> = obs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut sigs: Vec<String> = findings.iter().map(signature).collect();
    sigs.sort();
    sigs.dedup();
    if sigs.is_empty() {
        parts.push("no findings".into());
    } else {
        parts.extend(sigs);
    }
    parts.join(" | ")
}

fn body(
    cell: &Cell,
    engine: &'static str,
    collector: Arc<Mutex<Collector>>,
    faults: &Arc<Vec<FaultPoint>>,
    all_steps: bool,
) -> Body {
    let faults = Arc::clone(faults);
    let program = Arc::new(cell.scenario.program.clone());
    let goals = cell.scenario.expect.sometimes.clone();
    let target = Target {
        variant: cell.kernel,
        proposal: cell.proposal,
    };
    // Goals on the order of steps are judged on the trace, which needs the happens-before
    // clocks (a cost, see `oracle::order`): kept until every such goal of the cell is reached.
    let order_wanted = Arc::new(AtomicBool::new(
        goals.iter().any(|g| matches!(g, Goal::Between { .. })),
    ));
    let start = {
        let (program, faults) = (Arc::clone(&program), Arc::clone(&faults));
        let order_wanted = Arc::clone(&order_wanted);
        move |oracle: &Arc<Oracle>| {
            oracle.set_faults(Arc::clone(&faults));
            if order_wanted.load(Ordering::Relaxed) {
                oracle.ask_order();
            }
            execute_shared(&program, target);
        }
    };
    Body::new(start, move |oracle: &Arc<Oracle>| {
        let findings = oracle.findings();
        let obs = oracle.observations();
        let threads = oracle.thread_names();
        let key = fault_prefix(&faults, &threads) + &outcome_key(&obs, &findings);
        let reached = oracle.faults_reached();
        // Read before `with_log`, which holds the oracle's state: only executions with a finding
        // can become counterexamples that need their objects' roles.
        let objects = if findings.is_empty() {
            Vec::new()
        } else {
            oracle.objects()
        };
        let points = oracle.mutation_points();
        let mut c = collector.lock().unwrap_or_else(|e| e.into_inner());
        c.reached.extend(reached);
        for (m, concurrent) in points {
            *c.points.entry(m).or_insert(false) |= concurrent;
        }
        if c.goals.len() < goals.len() {
            c.goals.resize(goals.len(), false);
        }
        oracle.with_log_order(|log, order| {
            c.steps_max = c.steps_max.max(log.len());
            // Step names feed the "goal step never executed" hint; once every goal is reached no
            // goal step can be unknown, so stop paying for them (unless they are asked for).
            if all_steps || c.goals.iter().any(|g| !g) {
                for e in log {
                    c.steps_seen.insert((e.tid, e.step, e.lock));
                }
            }
            for (i, g) in goals.iter().enumerate() {
                if !c.goals[i] && goal_reached(g, &threads, log, order.as_ref(), &obs) {
                    c.goals[i] = true;
                }
            }
            let between_left = goals
                .iter()
                .zip(&c.goals)
                .any(|(g, reached)| !reached && matches!(g, Goal::Between { .. }));
            order_wanted.store(between_left, Ordering::Relaxed);
            if findings.is_empty() {
                return;
            }
            let p = preemptions(log);
            for f in &findings {
                let sig = signature(f);
                let better = match c.counterexamples.get(&sig) {
                    None => true,
                    Some(old) => rank(log, p) < rank(&old.events, old.preemptions),
                };
                if better {
                    let cx = Counterexample {
                        engine,
                        preemptions: p,
                        threads: threads.clone(),
                        events: log.to_vec(),
                        findings: findings.clone(),
                        observations: obs.clone(),
                        roles: roles(&program, &objects),
                    };
                    c.counterexamples.insert(sig, cx);
                }
            }
        });
        *c.outcomes.entry(key).or_insert(0) += 1;
    })
}

fn limits(settings: &Settings) -> Limits {
    Limits {
        time: settings.time_per_engine,
        mutation: settings.mutation,
        collect_points: settings.collect_points,
        ..Limits::default()
    }
}

/// What is left of each engine's time budget on one cell. The run without faults and every fault
/// plan draw from it, so an engine never runs past `--time-per-engine` on a cell in total (each
/// plan used to get a fresh budget: up to [`FAULT_PLANS_MAX`] + 1 times the budget).
struct Budget {
    per_engine: Duration,
    spent: Mutex<BTreeMap<&'static str, Duration>>,
}

impl Budget {
    fn new(per_engine: Duration) -> Budget {
        Budget {
            per_engine,
            spent: Mutex::new(BTreeMap::new()),
        }
    }

    fn left(&self, engine: &'static str) -> Duration {
        let spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        self.per_engine
            .saturating_sub(spent.get(engine).copied().unwrap_or_default())
    }

    fn spend(&self, engine: &'static str, d: Duration) {
        *self
            .spent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(engine)
            .or_default() += d;
    }
}

/// loom with preemption bounds 0..=N in turn (then unbounded, for [`Preemptions::Unbounded`]);
/// outcomes are those of the last search. One deadline covers every bound: each search gets what
/// is left of the engine's budget, so the bounds together never run past it.
fn run_loom(
    cell: &Cell,
    settings: &Settings,
    bound: Preemptions,
    shared: &Arc<Mutex<Collector>>,
    faults: &Arc<Vec<FaultPoint>>,
    budget: &Budget,
) -> EngineRun {
    let threads = cell.scenario.program.threads.len();
    let start = Instant::now();
    let deadline = start + budget.left("loom");
    let mut total = 0;
    let mut reached = None;
    let mut last: Option<(RunResult, Arc<Mutex<Collector>>, Option<usize>)> = None;
    for b in bound.schedule() {
        let collector = Arc::new(Mutex::new(Collector::default()));
        let budget = Limits {
            time: deadline.saturating_duration_since(Instant::now()),
            ..limits(settings)
        };
        let r = run(
            &Mode::Loom {
                preemption_bound: b,
            },
            &budget,
            threads,
            body(
                cell,
                "loom",
                Arc::clone(&collector),
                faults,
                settings.collect_steps,
            ),
        );
        total += r.executions;
        merge_into(shared, &collector);
        let stop = r.cut.is_some() || r.model_panic.is_some();
        if !stop {
            reached = Some(b.map_or(Preemptions::Unbounded, Preemptions::Bound));
        }
        // A bound the deadline left no time to start keeps the outcomes of the one before.
        match &mut last {
            Some((prev, _, _)) if r.executions == 0 && stop => {
                prev.cut = r.cut;
                prev.model_panic = r.model_panic;
            }
            _ => last = Some((r, collector, b)),
        }
        if stop {
            break;
        }
    }
    budget.spend("loom", start.elapsed());
    let (r, collector, at) = last.expect("bound 0 always runs");
    let c = collector.lock().unwrap_or_else(|e| e.into_inner());
    EngineRun {
        engine: "loom",
        mode: loom_search(bound, reached, at, &r, settings),
        executions: r.executions,
        executions_total: total,
        cut: r.cut,
        model_panic: r.model_panic,
        elapsed: start.elapsed(),
        outcomes: c.outcomes.clone(),
        steps_max: c.steps_max,
        seed: None,
        bound: Some(bound),
        plans: 0,
    }
}

/// What a loom search covered, exactly: `preemption bound 2, complete (bounds 0..=2 in turn)`,
/// `unbounded, complete (after bounds 0..=2 in turn)`, or `unbounded, cut after 1200 executions
/// of the unbounded search (time budget 60 s); complete up to preemption bound 2`.
fn loom_search(
    asked: Preemptions,
    reached: Option<Preemptions>,
    at: Option<usize>,
    r: &RunResult,
    settings: &Settings,
) -> String {
    if reached == Some(asked) {
        return match asked {
            Preemptions::Bound(n) => {
                format!("preemption bound {n}, complete (bounds 0..={n} in turn)")
            }
            Preemptions::Unbounded => {
                format!("unbounded, complete (after bounds 0..={BOUNDS_BEFORE_UNBOUNDED} in turn)")
            }
        };
    }
    let at = match at {
        Some(b) => format!("at preemption bound {b}"),
        None => "of the unbounded search".to_string(),
    };
    let why = match (&r.cut, &r.model_panic) {
        (Some(cut), _) => cut_reason(cut, settings),
        (None, Some(_)) => "a model panic".to_string(),
        (None, None) => "no reason".to_string(),
    };
    let done = match reached {
        Some(p) => format!("complete up to {}", p.describe()),
        None => "no bound complete".to_string(),
    };
    format!(
        "{}, cut after {} executions {at} ({why}); {done}",
        asked.describe(),
        r.executions
    )
}

fn run_shuttle(
    cell: &Cell,
    settings: &Settings,
    engine: EngineChoice,
    shared: &Arc<Mutex<Collector>>,
    faults: &Arc<Vec<FaultPoint>>,
    budget: &Budget,
) -> EngineRun {
    let threads = cell.scenario.program.threads.len();
    let (name, mode) = match engine {
        EngineChoice::Random => (
            "random",
            Mode::Random {
                seed: settings.seed,
                iterations: settings.iterations,
            },
        ),
        EngineChoice::Dfs => ("dfs", Mode::Dfs { iterations: None }),
        _ => (
            "pct",
            Mode::Pct {
                seed: settings.seed,
                depth: settings.pct_depth,
                iterations: settings.iterations,
            },
        ),
    };
    let collector = Arc::new(Mutex::new(Collector::default()));
    let r = run(
        &mode,
        &Limits {
            time: budget.left(name),
            ..limits(settings)
        },
        threads,
        body(
            cell,
            name,
            Arc::clone(&collector),
            faults,
            settings.collect_steps,
        ),
    );
    budget.spend(name, r.elapsed);
    merge_into(shared, &collector);
    let c = collector.lock().unwrap_or_else(|e| e.into_inner());
    let mut mode_text = match engine {
        EngineChoice::Dfs if r.cut.is_none() && r.model_panic.is_none() => {
            "depth-first, unbounded, complete".to_string()
        }
        EngineChoice::Dfs => "depth-first, unbounded".to_string(),
        _ if r.single_schedule => {
            "one schedule (no execution had two runnable threads), complete".to_string()
        }
        EngineChoice::Random => {
            format!("{} iterations, seed {}", settings.iterations, settings.seed)
        }
        _ => {
            let (n, k, d) = (
                threads as f64 + 1.0,
                c.steps_max.max(1) as f64,
                settings.pct_depth as i32,
            );
            let p = 1.0 / (n * k.powi(d - 1));
            format!(
                "{} iterations, depth {}, seed {}, per-run bound for a depth-{} bug 1/(n k^(d-1)) = {:.2e}",
                settings.iterations, settings.pct_depth, settings.seed, settings.pct_depth, p
            )
        }
    };
    if let Some(cut) = &r.cut {
        mode_text.push_str(&format!(
            ", cut after {} executions ({})",
            r.executions,
            cut_reason(cut, settings)
        ));
    }
    EngineRun {
        engine: name,
        mode: mode_text,
        executions: r.executions,
        executions_total: r.executions,
        cut: r.cut,
        model_panic: r.model_panic,
        elapsed: r.elapsed,
        outcomes: c.outcomes.clone(),
        steps_max: c.steps_max,
        seed: (engine != EngineChoice::Dfs).then_some(settings.seed),
        bound: None,
        plans: 0,
    }
}

fn merge_into(shared: &Arc<Mutex<Collector>>, from: &Arc<Mutex<Collector>>) {
    let from = from.lock().unwrap_or_else(|e| e.into_inner());
    let mut to = shared.lock().unwrap_or_else(|e| e.into_inner());
    if to.goals.len() < from.goals.len() {
        to.goals.resize(from.goals.len(), false);
    }
    for (i, g) in from.goals.iter().enumerate() {
        to.goals[i] |= *g;
    }
    to.steps_seen.extend(from.steps_seen.iter().copied());
    to.reached.extend(from.reached.iter().cloned());
    for (m, concurrent) in &from.points {
        *to.points.entry(*m).or_insert(false) |= *concurrent;
    }
    for (sig, cx) in &from.counterexamples {
        let better = match to.counterexamples.get(sig) {
            None => true,
            Some(old) => rank(&cx.events, cx.preemptions) < rank(&old.events, old.preemptions),
        };
        if better {
            to.counterexamples.insert(sig.clone(), cx.clone());
        }
    }
}

/// Explore `cell` with `settings`.
pub fn explore(cell: &Cell, settings: &Settings) -> Explored {
    let shared = Arc::new(Mutex::new(Collector::default()));
    let bound = bound_of(&cell.scenario, settings);
    let mut notes = Vec::new();
    let faults_max = settings.faults.unwrap_or(cell.scenario.faults);
    let none = Arc::new(Vec::new());
    let budget = Budget::new(settings.time_per_engine);
    let run = (bound, &budget);
    let mut runs = run_engines(cell, settings, run, &shared, &none, &mut notes);
    if faults_max > 0 {
        let plans = fault_plans(cell, settings, run, &shared, faults_max, &mut notes);
        for (_, plan_runs) in plans {
            runs = merge_runs(runs, plan_runs);
        }
        for r in runs.iter_mut().filter(|r| r.plans > 0) {
            r.mode.push_str(&format!(
                "; and {} fault plan(s) of up to {faults_max}",
                r.plans
            ));
        }
    }
    let c = shared.lock().unwrap_or_else(|e| e.into_inner());
    notes.extend(disagreements(&runs));
    notes.extend(unknown_goal_steps(cell, &c.steps_seen));
    let steps = if settings.collect_steps {
        c.steps_seen.clone()
    } else {
        BTreeSet::new()
    };
    let outcomes = outcome_counts(&runs);
    let mut goals = c.goals.clone();
    goals.resize(cell.scenario.expect.sometimes.len(), false);
    let loom_short = runs.iter().any(|r| {
        r.engine == "loom" && (r.cut.is_some() || r.bound != Some(Preemptions::Unbounded))
    });
    if runs.iter().all(|r| r.engine == "loom") && loom_short {
        for (i, g) in cell.scenario.expect.sometimes.iter().enumerate() {
            if matches!(g, Goal::Between { .. }) && !goals[i] {
                notes.push(format!(
                    "sometimes goal #{} {g} was not reached by loom in any interleaving of the \
                     traces it explored, and its search was bounded or cut: a deeper bound \
                     (--preemptions unbounded) or shuttle (--engine both or pct) may reach it",
                    i + 1
                ));
            }
        }
    }
    let mut counterexamples = c.counterexamples.clone();
    let points = c.points.clone();
    drop(c);
    let mut shrunk = BTreeMap::new();
    if settings.shrink {
        for (sig, cx) in counterexamples
            .iter_mut()
            .filter(|(_, cx)| cx.engine != "loom")
        {
            let s = crate::minimize::shrink(
                &cell.scenario,
                cell.proposal,
                cell.kernel,
                settings.mutation,
                cx,
                sig,
            );
            let after = (s.counterexample.preemptions, s.counterexample.events.len());
            let mut text = format!(
                "shrunk from {} preemption(s) / {} steps to {} / {} in {} replays",
                s.before.0, s.before.1, after.0, after.1, s.replays
            );
            if !s.postponed.is_empty() {
                text.push_str(&format!(
                    "; not needed before the finding: {}",
                    s.postponed.join(", ")
                ));
            }
            shrunk.insert(sig.clone(), text);
            *cx = s.counterexample;
        }
    }
    Explored {
        runs,
        outcomes,
        counterexamples,
        goals,
        notes,
        shrunk,
        steps,
        points,
    }
}

/// The engines `settings` ask for on `cell` with fault plan `faults`.
fn run_engines(
    cell: &Cell,
    settings: &Settings,
    (bound, budget): (Preemptions, &Budget),
    shared: &Arc<Mutex<Collector>>,
    faults: &Arc<Vec<FaultPoint>>,
    notes: &mut Vec<String>,
) -> Vec<EngineRun> {
    let threads = cell.scenario.program.threads.len();
    let mut runs = Vec::new();
    let loom_fits = threads < LOOM_THREADS_MAX;
    match settings.engine {
        EngineChoice::Both | EngineChoice::Loom => {
            if loom_fits {
                runs.push(run_loom(cell, settings, bound, shared, faults, budget));
            } else if faults.is_empty() {
                notes.push(format!(
                    "{threads} threads exceed loom's limit ({} with the main thread): shuttle PCT only",
                    LOOM_THREADS_MAX
                ));
            }
            if settings.engine == EngineChoice::Both || !loom_fits {
                runs.push(run_shuttle(
                    cell,
                    settings,
                    EngineChoice::Pct,
                    shared,
                    faults,
                    budget,
                ));
            }
        }
        other => runs.push(run_shuttle(cell, settings, other, shared, faults, budget)),
    }
    runs
}

/// Most fault plans one cell explores; past it the cell's search is cut (bound-reached).
pub const FAULT_PLANS_MAX: usize = 32;

/// Explore every fault plan of up to `faults_max` points of the scenario's threads: first each
/// point the executions without faults reached, then, for two, each point reached under a
/// one-point plan added to it. Returns each plan's engine runs.
fn fault_plans(
    cell: &Cell,
    settings: &Settings,
    run: (Preemptions, &Budget),
    shared: &Arc<Mutex<Collector>>,
    faults_max: usize,
    notes: &mut Vec<String>,
) -> Vec<(Vec<FaultPoint>, Vec<EngineRun>)> {
    let mut done: Vec<(Vec<FaultPoint>, Vec<EngineRun>)> = Vec::new();
    let mut frontier: Vec<Vec<FaultPoint>> = vec![Vec::new()];
    let mut reached_by: BTreeMap<Vec<FaultPoint>, BTreeSet<FaultPoint>> = BTreeMap::new();
    reached_by.insert(
        Vec::new(),
        shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .reached
            .clone(),
    );
    for _ in 0..faults_max {
        let mut next = Vec::new();
        for plan in &frontier {
            for p in reached_by.get(plan).into_iter().flatten() {
                // The setup and quiescence (thread 0) run as written: a fault there would change
                // what the scenario races, not how the race goes wrong.
                if p.tid == 0 || plan.iter().any(|q| q >= p) {
                    continue;
                }
                let mut bigger = plan.clone();
                bigger.push(p.clone());
                if !next.contains(&bigger) {
                    next.push(bigger);
                }
            }
        }
        for plan in &next {
            if done.len() == FAULT_PLANS_MAX {
                notes.push(format!(
                    "more than {FAULT_PLANS_MAX} fault plans: the error branches were not all explored"
                ));
                if let Some((_, runs)) = done.last_mut() {
                    for r in runs {
                        r.cut.get_or_insert(Cut::Branches);
                    }
                }
                return done;
            }
            let local = Arc::new(Mutex::new(Collector::default()));
            let runs = run_engines(cell, settings, run, &local, &Arc::new(plan.clone()), notes);
            reached_by.insert(
                plan.clone(),
                local
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .reached
                    .clone(),
            );
            merge_into(shared, &local);
            done.push((plan.clone(), runs));
        }
        frontier = next;
    }
    done
}

/// Runs of one plan added to those of the others, engine by engine (executions and outcomes
/// summed, the mode saying how many plans).
fn merge_runs(mut into: Vec<EngineRun>, more: Vec<EngineRun>) -> Vec<EngineRun> {
    for r in more {
        let Some(t) = into.iter_mut().find(|t| t.engine == r.engine) else {
            into.push(r);
            continue;
        };
        t.executions += r.executions;
        t.executions_total += r.executions_total;
        t.elapsed += r.elapsed;
        t.steps_max = t.steps_max.max(r.steps_max);
        if t.cut.is_none() {
            t.cut = r.cut;
        }
        if t.model_panic.is_none() {
            t.model_panic = r.model_panic;
        }
        for (k, n) in r.outcomes {
            *t.outcomes.entry(k).or_insert(0) += n;
        }
        t.plans += 1;
    }
    into
}

/// Outcomes another engine reached that a complete loom search did not. Against an unbounded
/// search that is a contradiction, an `ENGINE DISAGREEMENT` (loom claims every interleaving up to
/// its equivalence: a race it is blind to, tokio-rs/loom#166, or an access it cannot see); the
/// gate warns on it. Against a bounded search it only says the race needs more preemptions than
/// the bound: one note per engine, naming the first few outcomes.
fn disagreements(runs: &[EngineRun]) -> Vec<String> {
    const NAMED_MAX: usize = 3;
    let Some(loom) = runs.iter().find(|r| r.engine == "loom" && r.cut.is_none()) else {
        return Vec::new();
    };
    let unbounded = loom.bound == Some(Preemptions::Unbounded);
    let mut out = Vec::new();
    for r in runs.iter().filter(|r| r.engine != "loom") {
        let beyond: Vec<&String> = r
            .outcomes
            .keys()
            .filter(|k| !loom.outcomes.contains_key(*k))
            .collect();
        if beyond.is_empty() {
            continue;
        }
        if unbounded {
            out.extend(beyond.iter().map(|k| {
                format!(
                    "ENGINE DISAGREEMENT: {} reached `{k}`, which loom's complete search ({}) \
                     never reached: loom is blind to this race (tokio-rs/loom#166) or to an \
                     access the model makes outside the engine",
                    r.engine, loom.mode
                )
            }));
            continue;
        }
        let named: Vec<String> = beyond
            .iter()
            .take(NAMED_MAX)
            .map(|k| format!("`{k}`"))
            .collect();
        let more = beyond.len().saturating_sub(NAMED_MAX);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        out.push(format!(
            "beyond loom's bound: {} reached {} outcome(s) loom ({}) did not, so they need more \
             preemptions than its bound: {}{more}",
            r.engine,
            beyond.len(),
            loom.mode,
            named.join(", ")
        ));
    }
    out
}

/// Goal steps the thread they name never executed: the step exists in the model (the parser
/// checked it against the catalogue) but not on this thread's paths in this cell. The hint lists
/// the nearest steps that thread did execute.
fn unknown_goal_steps(cell: &Cell, seen: &BTreeSet<SeenStep>) -> Vec<String> {
    let names = crate::replay::thread_names(&cell.scenario);
    let mut out = Vec::new();
    for g in &cell.scenario.expect.sometimes {
        let Goal::Between {
            step,
            after,
            before,
        } = g
        else {
            continue;
        };
        for (thread, s) in [step, after, before] {
            let Some(tid) = names.iter().position(|n| n == thread) else {
                continue;
            };
            let ran: BTreeSet<&str> = seen
                .iter()
                .filter(|(t, _, _)| *t == tid)
                .map(|(_, n, _)| *n)
                .collect();
            if ran.contains(s.as_str()) {
                continue;
            }
            let mut near: Vec<&str> = ran.iter().copied().collect();
            near.sort_by(|a, b| {
                strsim::normalized_damerau_levenshtein(s, b)
                    .total_cmp(&strsim::normalized_damerau_levenshtein(s, a))
            });
            near.truncate(3);
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; its nearest steps: {}", near.join(", "))
            };
            out.push(format!(
                "goal step `{thread}:{s}` never ran: thread `{thread}` never executed `{s}` here \
                 (`pincheck steps` lists what each thread executes){hint}"
            ));
        }
    }
    out
}
