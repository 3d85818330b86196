//! Worker processes for `--jobs N`: the same exploration as the thread pool, in N child
//! `pincheck` processes fed one cell at a time over pipes.
//!
//! Why processes: loom runs each model thread as a coroutine whose stack it maps and unmaps for
//! every execution; two explorations in one process serialize on the address space (mmap, munmap
//! and their TLB shootdowns), so a second thread barely helps (8.4 s to 7.1 s for the matrix,
//! system time 2.1 s to 5.2 s). Separate processes have separate address spaces. The parent keeps
//! the scenarios, the verdicts and the progress bar; a child only explores.
//!
//! The wire format is one JSON object per line, both ways. Step and lock names cross as strings
//! and are interned back to the `&'static str` the model uses (a few hundred names, once).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Event, Finding, FindingKind, Note};
use pincheck_model::sync::Cut;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::explore::{explore, Cell, Counterexample, EngineChoice, EngineRun, Explored, Settings};
use crate::scenario::{self, Scenario};

/// The hidden subcommand a worker runs.
pub const WORKER_COMMAND: &str = "__worker";

fn intern(s: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(s) {
        return n;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

#[derive(Serialize, Deserialize)]
struct WireSettings {
    engine: String,
    preemptions: String,
    #[serde(default)]
    preemptions_max: Option<String>,
    iterations: usize,
    seed: u64,
    pct_depth: usize,
    time_per_engine_us: u64,
    shrink: bool,
    #[serde(default)]
    faults: Option<usize>,
    mutation: Option<String>,
    collect_points: bool,
}

fn engine_name(e: EngineChoice) -> &'static str {
    match e {
        EngineChoice::Both => "both",
        EngineChoice::Loom => "loom",
        EngineChoice::Pct => "pct",
        EngineChoice::Random => "random",
        EngineChoice::Dfs => "dfs",
    }
}

impl WireSettings {
    fn new(s: &Settings) -> WireSettings {
        WireSettings {
            engine: engine_name(s.engine).to_string(),
            preemptions: s.preemptions.to_string(),
            preemptions_max: s.preemptions_max.map(|p| p.to_string()),
            iterations: s.iterations,
            seed: s.seed,
            pct_depth: s.pct_depth,
            time_per_engine_us: s.time_per_engine.as_micros() as u64,
            shrink: s.shrink,
            faults: s.faults,
            mutation: s.mutation.map(|m| m.to_string()),
            collect_points: s.collect_points,
        }
    }

    fn settings(&self) -> Settings {
        let engine = [
            EngineChoice::Both,
            EngineChoice::Loom,
            EngineChoice::Pct,
            EngineChoice::Random,
            EngineChoice::Dfs,
        ]
        .into_iter()
        .find(|e| engine_name(*e) == self.engine)
        .unwrap_or(EngineChoice::Both);
        Settings {
            engine,
            preemptions: self
                .preemptions
                .parse()
                .unwrap_or(Settings::default().preemptions),
            preemptions_max: self.preemptions_max.as_deref().and_then(|p| p.parse().ok()),
            iterations: self.iterations,
            seed: self.seed,
            pct_depth: self.pct_depth,
            time_per_engine: Duration::from_micros(self.time_per_engine_us),
            shrink: self.shrink,
            faults: self.faults,
            mutation: self
                .mutation
                .as_deref()
                .and_then(|m| pincheck_model::oracle::Mutation::parse(m).ok()),
            collect_points: self.collect_points,
            // `pincheck steps` explores on threads; workers return no step lists.
            collect_steps: false,
        }
    }
}

/// A cell as the parent asks for it.
#[derive(Serialize, Deserialize)]
struct WireJob {
    path: PathBuf,
    proposal: String,
    kernel: String,
}

#[derive(Serialize, Deserialize)]
enum WireNote {
    Count {
        kind: String,
        seq: u32,
        field: String,
        old: i64,
        new: i64,
    },
    StaleRead {
        seen: i64,
        latest: i64,
    },
    Text(String),
    Fault {
        step: String,
        occurrence: usize,
    },
}

#[derive(Serialize, Deserialize)]
struct WireEvent {
    tid: usize,
    step: String,
    lock: Option<String>,
    waited: bool,
    notes: Vec<WireNote>,
}

#[derive(Serialize, Deserialize)]
struct WireFinding {
    kind: String,
    check: String,
    title: String,
    object: Option<String>,
    at: String,
    event: usize,
    op: Option<(usize, usize)>,
    details: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct WireCx {
    engine: String,
    preemptions: usize,
    threads: Vec<String>,
    events: Vec<WireEvent>,
    findings: Vec<WireFinding>,
    observations: BTreeMap<String, String>,
    roles: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
struct WireRun {
    engine: String,
    mode: String,
    executions: u64,
    executions_total: u64,
    cut: Option<(String, usize)>,
    model_panic: Option<String>,
    elapsed_ns: u64,
    outcomes: BTreeMap<String, u64>,
    steps_max: usize,
    seed: Option<u64>,
    bound: Option<String>,
    #[serde(default)]
    plans: usize,
}

/// What a worker sends back for one cell.
#[derive(Serialize, Deserialize)]
struct WireExplored {
    runs: Vec<WireRun>,
    counterexamples: BTreeMap<String, WireCx>,
    goals: Vec<bool>,
    notes: Vec<String>,
    shrunk: BTreeMap<String, String>,
    points: Vec<(String, bool)>,
}

fn note_out(n: &Note) -> WireNote {
    match n {
        Note::Count {
            kind,
            seq,
            field,
            old,
            new,
        } => WireNote::Count {
            kind: kind.to_string(),
            seq: *seq,
            field: field.to_string(),
            old: *old,
            new: *new,
        },
        Note::StaleRead { seen, latest } => WireNote::StaleRead {
            seen: *seen,
            latest: *latest,
        },
        Note::Text(t) => WireNote::Text(t.clone()),
        Note::Fault { step, occurrence } => WireNote::Fault {
            step: step.to_string(),
            occurrence: *occurrence,
        },
    }
}

fn note_in(n: WireNote) -> Note {
    match n {
        WireNote::Count {
            kind,
            seq,
            field,
            old,
            new,
        } => Note::Count {
            kind: intern(&kind),
            seq,
            field: intern(&field),
            old,
            new,
        },
        WireNote::StaleRead { seen, latest } => Note::StaleRead { seen, latest },
        WireNote::Text(t) => Note::Text(t),
        WireNote::Fault { step, occurrence } => Note::Fault {
            step: intern(&step),
            occurrence,
        },
    }
}

fn cx_out(cx: &Counterexample) -> WireCx {
    WireCx {
        engine: cx.engine.to_string(),
        preemptions: cx.preemptions,
        threads: cx.threads.clone(),
        events: cx
            .events
            .iter()
            .map(|e| WireEvent {
                tid: e.tid,
                step: e.step.to_string(),
                lock: e.lock.map(str::to_string),
                waited: e.waited,
                notes: e.notes.iter().map(note_out).collect(),
            })
            .collect(),
        findings: cx
            .findings
            .iter()
            .map(|f| WireFinding {
                kind: f.kind.name().to_string(),
                check: f.check.to_string(),
                title: f.title.clone(),
                object: f.object.clone(),
                at: f.at.clone(),
                event: f.event,
                op: f.op,
                details: f.details.clone(),
            })
            .collect(),
        observations: cx.observations.clone(),
        roles: cx.roles.clone(),
    }
}

fn cx_in(cx: WireCx) -> Counterexample {
    Counterexample {
        engine: intern(&cx.engine),
        preemptions: cx.preemptions,
        threads: cx.threads,
        events: cx
            .events
            .into_iter()
            .map(|e| Event {
                tid: e.tid,
                step: intern(&e.step),
                lock: e.lock.as_deref().map(intern),
                waited: e.waited,
                notes: e.notes.into_iter().map(note_in).collect(),
            })
            .collect(),
        findings: cx
            .findings
            .into_iter()
            .map(|f| Finding {
                kind: FindingKind::from_name(&f.kind).unwrap_or(FindingKind::UseAfterFree),
                check: intern(&f.check),
                title: f.title,
                object: f.object,
                at: f.at,
                event: f.event,
                op: f.op,
                details: f.details,
            })
            .collect(),
        observations: cx.observations,
        roles: cx.roles,
    }
}

fn cut_out(c: &Cut) -> (String, usize) {
    match c {
        Cut::Time => ("time".into(), 0),
        Cut::Branches => ("branches".into(), 0),
        Cut::Threads { threads } => ("threads".into(), *threads),
    }
}

fn cut_in((kind, n): (String, usize)) -> Cut {
    match kind.as_str() {
        "time" => Cut::Time,
        "branches" => Cut::Branches,
        _ => Cut::Threads { threads: n },
    }
}

fn explored_out(e: &Explored) -> WireExplored {
    WireExplored {
        runs: e
            .runs
            .iter()
            .map(|r| WireRun {
                engine: r.engine.to_string(),
                mode: r.mode.clone(),
                executions: r.executions,
                executions_total: r.executions_total,
                cut: r.cut.as_ref().map(cut_out),
                model_panic: r.model_panic.clone(),
                elapsed_ns: r.elapsed.as_nanos() as u64,
                outcomes: r.outcomes.clone(),
                steps_max: r.steps_max,
                seed: r.seed,
                bound: r.bound.map(|b| b.to_string()),
                plans: r.plans,
            })
            .collect(),
        counterexamples: e
            .counterexamples
            .iter()
            .map(|(k, c)| (k.clone(), cx_out(c)))
            .collect(),
        goals: e.goals.clone(),
        notes: e.notes.clone(),
        shrunk: e.shrunk.clone(),
        points: e.points.iter().map(|(m, c)| (m.to_string(), *c)).collect(),
    }
}

fn explored_in(w: WireExplored) -> Explored {
    let runs: Vec<EngineRun> = w
        .runs
        .into_iter()
        .map(|r| EngineRun {
            engine: intern(&r.engine),
            mode: r.mode,
            executions: r.executions,
            executions_total: r.executions_total,
            cut: r.cut.map(cut_in),
            model_panic: r.model_panic,
            elapsed: Duration::from_nanos(r.elapsed_ns),
            outcomes: r.outcomes,
            steps_max: r.steps_max,
            seed: r.seed,
            bound: r.bound.and_then(|b| b.parse().ok()),
            plans: r.plans,
        })
        .collect();
    Explored {
        outcomes: crate::explore::outcome_counts(&runs),
        runs,
        counterexamples: w
            .counterexamples
            .into_iter()
            .map(|(k, c)| (k, cx_in(c)))
            .collect(),
        goals: w.goals,
        notes: w.notes,
        shrunk: w.shrunk,
        points: w
            .points
            .iter()
            .filter_map(|(m, c)| Some((pincheck_model::oracle::Mutation::parse(m).ok()?, *c)))
            .collect(),
        steps: Default::default(),
    }
}

/// The arguments that make `exe` a worker with `settings`.
fn worker_args(settings: &Settings) -> Vec<String> {
    let s = serde_json::to_string(&WireSettings::new(settings)).unwrap_or_default();
    vec![WORKER_COMMAND.to_string(), s]
}

/// A worker's main loop: read jobs from `input`, explore, write results to `output`. Returns when
/// the input ends.
pub fn worker_main(
    settings_json: &str,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<(), Error> {
    let bad = |what: String| Error::Usage(format!("worker: {what}"));
    let settings: WireSettings =
        serde_json::from_str(settings_json).map_err(|e| bad(e.to_string()))?;
    let settings = settings.settings();
    let mut scenarios: HashMap<PathBuf, Arc<Scenario>> = HashMap::new();
    for line in input.lines() {
        let line = line.map_err(|e| bad(e.to_string()))?;
        let job: WireJob = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        let s = match scenarios.get(&job.path) {
            Some(s) => Arc::clone(s),
            None => {
                let s = Arc::new(scenario::load(&job.path)?);
                scenarios.insert(job.path.clone(), Arc::clone(&s));
                s
            }
        };
        let proposal = pincheck_model::KNOWN_PROPOSALS
            .iter()
            .copied()
            .find(|p| *p == job.proposal)
            .ok_or_else(|| bad(format!("unknown proposal {}", job.proposal)))?;
        let kernel = Variant::by_name(&job.kernel)
            .ok_or_else(|| bad(format!("unknown kernel {}", job.kernel)))?;
        let explored = explore(
            &Cell {
                scenario: s,
                proposal,
                kernel,
            },
            &settings,
        );
        let text =
            serde_json::to_string(&explored_out(&explored)).map_err(|e| bad(e.to_string()))?;
        writeln!(output, "{text}")
            .and_then(|_| output.flush())
            .map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

/// Explore `cells` on `jobs` worker processes running `exe`; `done(i, explored)` is called in the
/// parent as each cell comes back. Falls back to an error the caller can handle if a worker
/// cannot be started or dies.
pub fn explore_in_processes(
    exe: &Path,
    cells: &[Cell],
    settings: &Settings,
    jobs: usize,
    done: &(dyn Fn(usize, Explored) + Sync),
) -> Result<(), Error> {
    let next = Mutex::new(0usize);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                if let Err(e) = drive_worker(exe, cells, settings, &next, done) {
                    failure
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(e);
                }
            });
        }
    });
    match failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn drive_worker(
    exe: &Path,
    cells: &[Cell],
    settings: &Settings,
    next: &Mutex<usize>,
    done: &(dyn Fn(usize, Explored) + Sync),
) -> Result<(), Error> {
    let fail = |what: String| Error::Usage(format!("worker process {}: {what}", exe.display()));
    let mut child = Command::new(exe)
        .args(worker_args(settings))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let mut stdin = child.stdin.take().ok_or_else(|| fail("no stdin".into()))?;
    let mut stdout = BufReader::new(
        child
            .stdout
            .take()
            .ok_or_else(|| fail("no stdout".into()))?,
    );
    loop {
        let i = {
            let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
            let i = *n;
            *n += 1;
            i
        };
        let Some(cell) = cells.get(i) else { break };
        let job = WireJob {
            path: cell.scenario.path.clone(),
            proposal: cell.proposal.to_string(),
            kernel: cell.kernel.name.to_string(),
        };
        let line = serde_json::to_string(&job).map_err(|e| fail(e.to_string()))?;
        writeln!(stdin, "{line}")
            .and_then(|_| stdin.flush())
            .map_err(|e| fail(e.to_string()))?;
        let mut answer = String::new();
        stdout
            .read_line(&mut answer)
            .map_err(|e| fail(e.to_string()))?;
        if answer.is_empty() {
            return Err(fail(format!(
                "exited while exploring {} {}@{}",
                cell.scenario.name, cell.proposal, cell.kernel.name
            )));
        }
        let wire: WireExplored = serde_json::from_str(&answer).map_err(|e| fail(e.to_string()))?;
        done(i, explored_in(wire));
    }
    drop(stdin);
    let _ = child.wait();
    Ok(())
}
