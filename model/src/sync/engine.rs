//! The engines and how one exploration runs under each: loom (exhaustive DPOR, optionally
//! preemption-bounded), shuttle (PCT, random, DFS, or a scheduler that follows a replay plan) and
//! std threads (stress). This is the only module that names engine APIs beyond the primitives.
//!
//! Engine limits the checker must guard, because the engines do not report them honestly:
//! - loom aborts the process past [`LOOM_THREADS_MAX`] threads: [`run`] refuses such a model.
//! - loom returns from a time cap as if the search had completed: [`run`] reports the cut.
//! - loom panics past its branch cap: [`run`] catches it and reports the cut.
//! - shuttle's panic hook keeps the first run's settings: nothing here depends on it, failures
//!   are never persisted by shuttle, and our own hook silences panics we catch.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use crate::oracle::{Oracle, ReplayPlan};

/// loom's own thread limit (`loom::MAX_THREADS`), counting the model's main thread.
pub const LOOM_THREADS_MAX: usize = loom::MAX_THREADS;

/// Which engine an execution runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// tokio-rs/loom: exhaustive within its bounds.
    Loom,
    /// awslabs/shuttle: randomized (PCT, random), DFS, or replay.
    Shuttle,
    /// Plain OS threads: stress runs, no control over the schedule.
    Std,
}

/// How to explore.
#[derive(Clone, Debug)]
pub enum Mode {
    /// loom; `None` = unbounded (exhaustive).
    Loom { preemption_bound: Option<usize> },
    /// shuttle PCT with bug depth `depth`.
    Pct {
        seed: u64,
        depth: usize,
        iterations: usize,
    },
    /// shuttle uniform random scheduling.
    Random { seed: u64, iterations: usize },
    /// shuttle depth-first search (exhaustive when `iterations` is `None` and time allows).
    Dfs { iterations: Option<usize> },
    /// std threads, `iterations` times.
    Stress { iterations: usize },
    /// shuttle following a replay plan step by step.
    Replay { plan: Arc<ReplayPlan> },
}

impl Mode {
    /// The engine this mode runs.
    pub fn engine(&self) -> Engine {
        match self {
            Mode::Loom { .. } => Engine::Loom,
            Mode::Stress { .. } => Engine::Std,
            _ => Engine::Shuttle,
        }
    }
}

/// Budgets of one exploration.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Wall-clock budget; a search still running then is cut.
    pub time: Duration,
    /// loom's branch cap per execution.
    pub loom_branches_max: usize,
    /// Run every execution under this mutation plan.
    pub mutation: Option<crate::oracle::Mutation>,
    /// Record the mutation points every execution runs.
    pub collect_points: bool,
    /// Record every execution's engine accesses (`oracle::access`), for the body to take.
    pub record_accesses: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(60),
            loom_branches_max: 10_000,
            mutation: None,
            collect_points: false,
            record_accesses: false,
        }
    }
}

/// Why a search did not cover what its mode promises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The time budget ran out.
    Time,
    /// loom's branch cap was reached (an execution too long to explore).
    Branches,
    /// More threads than loom can hold; nothing ran.
    Threads { threads: usize },
}

/// What one exploration did.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Executions completed (each one called the body once).
    pub executions: u64,
    /// Set when the search was cut short: never report such a run as a pass.
    pub cut: Option<Cut>,
    /// A panic of the model itself (a failed `assert!`): a model bug, not a finding.
    pub model_panic: Option<String>,
    /// A randomized search that stopped early because its model has one schedule: no execution
    /// ever had two runnable threads (the setup ends every execution before the threads start).
    /// The search is complete; the iterations it did not run were not needed.
    pub single_schedule: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// shuttle's PCT scheduler asserts this when its first execution made no scheduling decision
/// (`shuttle-schedulers` `pct.rs`, `new_execution`), instead of stopping.
const PCT_NO_SCHEDULING_POINT: &str = "test closure did not exercise any concurrency";

/// The body of one execution: `run` builds the world and runs the scenario on the execution's
/// main thread; `end` records the outcome.
///
/// `run` runs the first scenario thread itself and may return while the threads it spawned still
/// run (`sync::run_threads`): under loom and shuttle the execution's end, the model's quiescence
/// and then `end`, runs on whichever thread returns last, as thread 0. So `end` is where the oracle's findings, observations and log are
/// complete, and the only place to read them.
#[derive(Clone)]
pub struct Body {
    run: Part,
    end: Part,
}

/// One part of a [`Body`]: called with the execution's oracle.
type Part = Arc<dyn Fn(&Arc<Oracle>) + Send + Sync>;

impl Body {
    /// A body that runs `run`, then `end` once the execution has ended.
    pub fn new(
        run: impl Fn(&Arc<Oracle>) + Send + Sync + 'static,
        end: impl Fn(&Arc<Oracle>) + Send + Sync + 'static,
    ) -> Body {
        Body {
            run: Arc::new(run),
            end: Arc::new(end),
        }
    }
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last quiet panic came from: the model's own frames of its backtrace.
    static LAST_PANIC_AT: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A panic worth a backtrace: a message (an `assert!` of the model, or loom's own complaint),
/// not loom's branch cap, and not the non-string payloads the coroutine crates unwind finished
/// executions with (capturing a backtrace for each of those would cost more than the search).
fn is_model_panic(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let text = if let Some(s) = info.payload().downcast_ref::<&str>() {
        *s
    } else if let Some(s) = info.payload().downcast_ref::<String>() {
        s.as_str()
    } else {
        return false;
    };
    !text.contains("maximum number of branches")
}

/// The model's frames of the current backtrace (a model panic's location, for the report).
fn model_frames() -> Vec<String> {
    let bt = std::backtrace::Backtrace::force_capture().to_string();
    let mut out = Vec::new();
    let mut lines = bt.lines().peekable();
    while let Some(line) = lines.next() {
        let name = line
            .trim_start_matches(|c: char| c.is_whitespace() || c.is_ascii_digit() || c == ':')
            .trim();
        if name.starts_with("pincheck_model::") && !name.starts_with("pincheck_model::sync::engine")
        {
            let at = lines
                .peek()
                .map(|l| l.trim().trim_start_matches("at ").to_string())
                .unwrap_or_default();
            out.push(format!("{name} ({at})"));
            if out.len() == 8 {
                break;
            }
        }
    }
    out
}

/// Install (once per process) a panic hook that stays silent while an exploration catches panics
/// on this thread, and defers to the previous hook otherwise.
///
/// shuttle installs its own process-wide hook at its first execution and keeps that run's
/// settings forever; it prints "Task failed" for every panic in the process, including the ones
/// loom's coroutines use internally to unwind finished executions. So shuttle runs one empty
/// execution first, with the settings every later run uses (nothing persisted), and our hook goes
/// on top of its hook.
fn quiet_panics() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let limits = Limits {
            time: Duration::from_secs(1),
            ..Limits::default()
        };
        // The hook before shuttle's: the one a panic outside an exploration should reach.
        let original = std::panic::take_hook();
        shuttle_run(
            shuttle::scheduler::RandomScheduler::new_from_seed(0, 1),
            &limits,
            || {},
        );
        // shuttle's hook (it prints "Task failed, serializing schedule" for any panic): dropped,
        // pincheck reports schedules as replay tokens.
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                original(info);
            } else if is_model_panic(info) {
                LAST_PANIC_AT.with(|l| *l.borrow_mut() = model_frames());
            }
        }));
    });
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// What every execution of an exploration records besides its log: the mutation plan it runs,
/// whether it collects mutation points, whether it records its engine accesses.
type Records = (Option<crate::oracle::Mutation>, bool, bool);

/// Run one execution of `body` under `engine` with a fresh oracle, which a token scheduler
/// finds in `slot` (when replaying) until the execution ends.
///
/// The execution's context stays entered until its end, which under loom and shuttle may come
/// after this returns (see [`Body`]): the main thread's `Entered` is dropped as the last work of
/// the end, so the other model threads, coroutines of this OS thread, still find it.
fn execution_under(
    engine: Engine,
    plan: Option<Arc<ReplayPlan>>,
    (mutation, collect, accesses): Records,
    body: &Body,
    slot: Option<&ReplaySlot>,
) {
    let oracle = Arc::new(Oracle::with_plans(
        engine, plan, mutation, collect, accesses,
    ));
    if let Some(slot) = slot {
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&oracle));
    }
    let entered = super::enter(engine, Arc::clone(&oracle));
    oracle.thread_bind(super::engine_key(engine), 0);
    (body.run)(&oracle);
    let (end, slot) = (Arc::clone(&body.end), slot.cloned());
    oracle.at_end(Box::new(move |o| {
        end(o);
        if let Some(slot) = slot {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        drop(entered);
    }));
    oracle.main_returned();
    super::thread::end_if_last();
}

/// Explore `body` (a model of `threads` spawned threads) under `mode` within `limits`.
pub fn run(mode: &Mode, limits: &Limits, threads: usize, body: Body) -> RunResult {
    let start = Instant::now();
    if matches!(mode, Mode::Loom { .. }) && threads + 1 > LOOM_THREADS_MAX {
        return RunResult {
            executions: 0,
            cut: Some(Cut::Threads { threads }),
            model_panic: None,
            single_schedule: false,
            elapsed: start.elapsed(),
        };
    }
    quiet_panics();
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    QUIET.with(|q| q.set(true));
    let suspended = super::context::suspend();
    let outcome = catch_unwind(AssertUnwindSafe(|| explore(mode, limits, &count, body)));
    drop(suspended);
    QUIET.with(|q| q.set(false));
    let executions = count.load(std::sync::atomic::Ordering::Acquire);
    let elapsed = start.elapsed();
    let mut single_schedule = false;
    let (mut cut, model_panic) = match outcome {
        Ok(stopped_early) => (stopped_early.then_some(Cut::Time), None),
        Err(payload) => {
            let mut text = panic_text(payload.as_ref());
            let frames = LAST_PANIC_AT.with(|l| std::mem::take(&mut *l.borrow_mut()));
            if !frames.is_empty() {
                text.push_str("\n  in ");
                text.push_str(&frames.join("\n  in "));
            }
            if text.contains("maximum number of branches") {
                (Some(Cut::Branches), None)
            } else if matches!(mode, Mode::Pct { .. }) && text.contains(PCT_NO_SCHEDULING_POINT) {
                // The first execution never had two runnable threads (the setup, which is
                // sequential, ended the execution: a deadlock of the setup thread with itself).
                // Every execution is that same one: the search is complete, not broken.
                single_schedule = true;
                (None, None)
            } else {
                (None, Some(text))
            }
        }
    };
    if cut.is_none() && model_panic.is_none() && elapsed >= limits.time {
        cut = Some(Cut::Time);
    }
    RunResult {
        executions,
        cut,
        model_panic,
        single_schedule,
        elapsed,
    }
}

/// Returns true when the engine stopped before covering its mode (time).
fn explore(
    mode: &Mode,
    limits: &Limits,
    count: &Arc<std::sync::atomic::AtomicU64>,
    body: Body,
) -> bool {
    use std::sync::atomic::Ordering::AcqRel;
    let engine = mode.engine();
    // The oracle of the execution a token scheduler steers: one slot per exploration, so
    // replays on several worker threads do not see each other's executions.
    let replay_slot: ReplaySlot = Arc::default();
    let counted = {
        let count = Arc::clone(count);
        let plan = match mode {
            Mode::Replay { plan } => Some(Arc::clone(plan)),
            _ => None,
        };
        let body = body.clone();
        let slot = Arc::clone(&replay_slot);
        let records = (
            limits.mutation,
            limits.collect_points,
            limits.record_accesses,
        );
        move || {
            let slot = plan.is_some().then_some(&slot);
            execution_under(engine, plan.clone(), records, &body, slot);
            count.fetch_add(1, AcqRel);
        }
    };
    match mode {
        Mode::Loom { preemption_bound } => {
            let mut b = loom::model::Builder::new();
            b.preemption_bound = *preemption_bound;
            b.max_branches = limits.loom_branches_max;
            b.max_duration = Some(limits.time);
            b.max_permutations = None;
            b.checkpoint_interval = 1;
            b.checkpoint_file = None;
            b.log = false;
            b.location = false;
            b.check(counted);
            false
        }
        Mode::Pct {
            seed,
            depth,
            iterations,
        } => {
            let s = shuttle::scheduler::PctScheduler::new_from_seed(*seed, *depth, *iterations);
            shuttle_run(s, limits, counted) < *iterations
        }
        Mode::Random { seed, iterations } => {
            let s = shuttle::scheduler::RandomScheduler::new_from_seed(*seed, *iterations);
            shuttle_run(s, limits, counted) < *iterations
        }
        Mode::Dfs { iterations } => {
            let s = shuttle::scheduler::DfsScheduler::new(*iterations, false);
            let n = shuttle_run(s, limits, counted);
            iterations.map(|i| n < i).unwrap_or(false)
        }
        Mode::Replay { .. } => {
            shuttle_run(
                TokenScheduler {
                    done: false,
                    slot: Arc::clone(&replay_slot),
                },
                limits,
                counted,
            );
            false
        }
        Mode::Stress { iterations } => {
            let deadline = Instant::now() + limits.time;
            for _ in 0..*iterations {
                if Instant::now() >= deadline {
                    return true;
                }
                counted();
            }
            false
        }
    }
}

fn shuttle_run<S: shuttle::scheduler::Scheduler + 'static>(
    scheduler: S,
    limits: &Limits,
    f: impl Fn() + Send + Sync + 'static,
) -> usize {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.max_time = Some(limits.time);
    config.silence_warnings = true;
    shuttle::Runner::new(NoSpuriousWakeups(scheduler), config).run(f)
}

/// A shuttle scheduler that never picks a parked thread. shuttle offers a thread blocked in
/// `park` to its scheduler as runnable (a spurious wake-up, which `std::thread::park` allows);
/// a waiter of the model (`sync::park`) parks only until the store or the verdict that ends its
/// turn wakes it, and a spurious turn would add steps no kernel sleeper takes (and, under a
/// scheduler that keeps the current thread, could repeat for ever). The model never leaves every
/// thread blocked, so a thread that really runs is always there to pick.
struct NoSpuriousWakeups<S>(S);

impl<S: shuttle::scheduler::Scheduler> shuttle::scheduler::Scheduler for NoSpuriousWakeups<S> {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        self.0.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        if runnable.iter().all(|t| !t.blocked()) {
            return self.0.next_task(runnable, current, is_yielding);
        }
        let running: Vec<&shuttle::scheduler::Task> =
            runnable.iter().copied().filter(|t| !t.blocked()).collect();
        self.0.next_task(&running, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// Where a [`TokenScheduler`] finds the oracle of the execution it steers.
type ReplaySlot = Arc<Mutex<Option<Arc<Oracle>>>>;

/// A shuttle scheduler that runs, at each scheduling point, the thread the replay plan names for
/// the next step (the task that runs it: `thread::engine_thread_of`); when the plan is exhausted or names a thread that cannot run, it keeps the
/// current thread or takes the lowest runnable one (deterministic either way).
struct TokenScheduler {
    done: bool,
    slot: ReplaySlot,
}

impl shuttle::scheduler::Scheduler for TokenScheduler {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        if self.done {
            return None;
        }
        self.done = true;
        Some(shuttle::scheduler::Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        _is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        let oracle = self.slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(want) = oracle.and_then(|o| o.replay_next()) {
            let want = super::thread::engine_thread_of(want);
            if let Some(t) = runnable.iter().find(|t| usize::from(t.id()) == want) {
                return Some(t.id());
            }
        }
        if let Some(c) = current.filter(|c| runnable.iter().any(|t| t.id() == *c)) {
            return Some(c);
        }
        runnable
            .iter()
            .map(|t| t.id())
            .min_by_key(|id| usize::from(*id))
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}
