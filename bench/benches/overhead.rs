//! `cargo bench -p pincheck-bench` (or `cargo bench`): what pincheck's model costs over bare loom and
//! shuttle models of the same race, how fast it finds S1's use-after-free, and how the search
//! grows with threads and operations. Prints markdown tables to stdout (FIGURES.md holds a run).
//!
//! Sections, chosen by the first free argument (default: all): `overhead`, `ttfc`, `scaling`,
//! `split` (pincheck's and the bare models' time per execution, S1 against S1 with idle threads),
//! `steps` (print pincheck's S1 log once per proposal). `one <case>` runs a single overhead case
//! for profiling (`valgrind --tool=callgrind`): cases are `{pincheck,bare}-{loom,pct}-{rfc,ctx}`
//! and `{pincheck,bare}-pct-idle-{rfc,ctx}` (S1 with threads that run nothing).

mod bare;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pincheck_bench::programs::{pct_mode, s01, scaling, target, PCT_DEPTH, TRANSCRIBED_SEED};
use pincheck_model::oracle::{Finding, FindingKind, Oracle};
use pincheck_model::program::Program;
use pincheck_model::run::execute_shared;
use pincheck_model::sync::{run, Body, Limits, Mode, RunResult};

// The overhead cells' labels say "seed 0": the seed the bare models are transcribed from.
const _: () = assert!(TRANSCRIBED_SEED == 0);

/// PCT iterations of the overhead measurement (bare and pincheck alike).
const OVERHEAD_PCT_ITERATIONS: usize = 3000;
/// Seeds of the time-to-first-counterexample PCT runs: 0..=10, so the median is one run.
const TTFC_SEEDS: u64 = 11;
/// PCT iterations per time-to-first-counterexample run (the search stops at the first UAF).
const TTFC_PCT_ITERATIONS: usize = 5000;
/// PCT iterations of each scaling cell.
const SCALING_PCT_ITERATIONS: usize = 1000;
/// Wall-clock cap of each scaling run.
const SCALING_TIME_MAX: Duration = Duration::from_secs(20);

// ---- running pincheck ------------------------------------------------------------------------

/// Per-exploration totals gathered by the body.
#[derive(Default)]
struct Tally {
    steps_total: AtomicU64,
    steps_max: AtomicU64,
    with_findings: AtomicU64,
}

/// Explore `program` like the model's integration tests do; the body also sums log lengths.
fn pincheck(
    program: &Program,
    proposal: &'static str,
    mode: Mode,
    time: Duration,
) -> (RunResult, Arc<Tally>) {
    let tally = Arc::new(Tally::default());
    let (p, t) = (Arc::new(program.clone()), Arc::clone(&tally));
    let target = target(proposal);
    let body = Body::new(
        move |_: &Arc<Oracle>| execute_shared(&p, target),
        move |oracle: &Arc<Oracle>| {
            let steps = oracle.with_log(|l| l.len()) as u64;
            t.steps_total.fetch_add(steps, Relaxed);
            t.steps_max.fetch_max(steps, Relaxed);
            if !oracle.findings().is_empty() {
                t.with_findings.fetch_add(1, Relaxed);
            }
        },
    );
    let limits = Limits {
        time,
        ..Limits::default()
    };
    let r = engine(|| run(&mode, &limits, program.threads.len(), body));
    assert!(
        r.model_panic.is_none(),
        "model panicked: {:?}",
        r.model_panic
    );
    (r, tally)
}

fn loom_mode(bound: Option<usize>) -> Mode {
    Mode::Loom {
        preemption_bound: bound,
    }
}

// ---- running the bare models -----------------------------------------------------------------

/// Run a bare model under loom with the builder settings `pincheck_model::sync::run` uses.
fn bare_loom(bound: Option<usize>, f: fn()) -> (u64, Duration) {
    let count = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&count);
    let start = Instant::now();
    let mut b = loom::model::Builder::new();
    b.preemption_bound = bound;
    b.max_branches = Limits::default().loom_branches_max;
    b.max_duration = Some(Limits::default().time);
    b.max_permutations = None;
    b.checkpoint_interval = 1;
    b.checkpoint_file = None;
    b.log = false;
    b.location = false;
    engine(|| {
        b.check(move || {
            f();
            c.fetch_add(1, Relaxed);
        })
    });
    (count.load(Relaxed), start.elapsed())
}

/// Run a bare model under shuttle PCT with the config `pincheck_model::sync::run` uses.
fn bare_pct(seed: u64, iterations: usize, f: fn()) -> (u64, Duration) {
    let count = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&count);
    let start = Instant::now();
    let s = shuttle::scheduler::PctScheduler::new_from_seed(seed, PCT_DEPTH, iterations);
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.max_time = Some(Limits::default().time);
    config.silence_warnings = true;
    engine(|| {
        shuttle::Runner::new(s, config).run(move || {
            f();
            c.fetch_add(1, Relaxed);
        })
    });
    (count.load(Relaxed), start.elapsed())
}

// ---- section 1: overhead --------------------------------------------------------------------

struct Case {
    proposal: &'static str,
    short: &'static str,
    loom: fn(),
    shuttle: fn(),
    shuttle_idle: fn(),
    steps: &'static [(&'static str, &'static str)],
    /// Engine objects the bare model creates.
    objects: usize,
    /// The bare model's source, to compare with what the generator writes now.
    source: &'static str,
}

fn cases() -> [Case; 2] {
    [
        Case {
            proposal: "rfc-v2",
            short: "rfc",
            loom: bare::loom_engine::rfc_v2::execution,
            shuttle: bare::shuttle_engine::rfc_v2::execution,
            shuttle_idle: bare::shuttle_engine::rfc_v2::idle,
            steps: bare::loom_engine::rfc_v2::STEPS,
            objects: bare::loom_engine::rfc_v2::OBJECTS,
            source: include_str!("bare/s1_rfc_v2.rs"),
        },
        Case {
            proposal: "context",
            short: "ctx",
            loom: bare::loom_engine::context::execution,
            shuttle: bare::shuttle_engine::context::execution,
            shuttle_idle: bare::shuttle_engine::context::idle,
            steps: bare::loom_engine::context::STEPS,
            objects: bare::loom_engine::context::OBJECTS,
            source: include_str!("bare/s1_context.rs"),
        },
    ]
}

/// Whether the bare model is what the generator writes from pincheck's S1 execution now (PCT
/// seed [`TRANSCRIBED_SEED`], one iteration): the same engine objects, accesses and steps. The
/// note under the table says which, with the counts on both sides.
fn transcription(case: &Case) -> String {
    let bare = format!(
        "bare model {} engine objects, {} steps",
        case.objects,
        case.steps.len()
    );
    match pincheck_bench::bare::generate(case.proposal) {
        Ok(m) if m.source == case.source => format!(
            "{}: the bare model is the transcription of pincheck's S1 execution under PCT seed \
             {TRANSCRIBED_SEED} (one iteration) as it runs now: {} engine objects, {} accesses, \
             {} steps on both sides.",
            case.proposal, m.objects, m.accesses, m.steps
        ),
        Ok(m) => format!(
            "{}: WARNING: the bare model is stale (pincheck now {} engine objects, {} steps; {bare}): \
             run `cargo run -p pincheck-bench --bin bare-models`.",
            case.proposal, m.objects, m.steps
        ),
        Err(e) => format!(
            "{}: WARNING: pincheck's execution cannot be transcribed ({e}); {bare}.",
            case.proposal
        ),
    }
}

fn per_sec(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// A bare model's run: (executions, time).
type BareRun<'a> = Box<dyn Fn() -> (u64, Duration) + 'a>;

/// Each overhead cell repeats pincheck's run and the bare run, alternately, until both have run
/// this long: S1 under loom bound 2 takes about 10 ms, too short to time once.
const OVERHEAD_TIME_MIN: Duration = Duration::from_millis(1500);

/// Accumulated runs of one side of an overhead cell.
#[derive(Default)]
struct Sample {
    runs: u32,
    executions: u64,
    steps: u64,
    time: Duration,
}

impl Sample {
    fn add(&mut self, executions: u64, steps: u64, time: Duration) {
        self.runs += 1;
        self.executions += executions;
        self.steps += steps;
        self.time += time;
    }
    fn per_sec(&self) -> f64 {
        per_sec(self.executions, self.time)
    }
}

/// Say which model the bench links: the `pincheck` binary's (no self-checks) unless a command
/// that also builds the checker's tests unified the `self-checks` feature into it.
fn model_build() {
    if pincheck_model::SELF_CHECKS {
        println!(
            "Model build: WARNING: the model's self-checks are on (a command that also built the \
             checker's tests unified its dev-dependency's feature): not the `pincheck` binary's \
             configuration. Run `cargo bench -p pincheck-bench`.\n"
        );
    } else {
        println!("Model build: self-checks off, as the `pincheck` binary builds it.\n");
    }
}

fn overhead() {
    println!("## 1. Overhead: S1 on k53, pincheck vs bare engine models\n");
    model_build();
    println!(
        "Executions per run are each run's total (loom explores a number that depends on the \
         dependencies between accesses, so the comparison is executions per second). Runs alternate \
         pincheck / bare until each side has run {:.1} s.\n",
        OVERHEAD_TIME_MIN.as_secs_f64()
    );
    println!(
        "| proposal | engine | pincheck execs/run | pincheck mean steps/exec | pincheck execs/s \
         | bare execs/run | bare steps/exec | bare execs/s | ratio pincheck/bare (time per exec) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut notes = Vec::new();
    for case in cases() {
        notes.push(transcription(&case));
        let s = s01();
        let engines: [(&str, Mode, BareRun); 2] = [
            (
                "loom, preemption bound 2",
                loom_mode(Some(2)),
                Box::new(|| bare_loom(Some(2), case.loom)),
            ),
            (
                "shuttle PCT d=3, seed 0, 3000 iterations",
                pct_mode(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS),
                Box::new(|| bare_pct(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS, case.shuttle)),
            ),
        ];
        for (label, mode, bare_run) in engines {
            let (mut p, mut b) = (Sample::default(), Sample::default());
            while p.time < OVERHEAD_TIME_MIN || b.time < OVERHEAD_TIME_MIN {
                let (r, tally) = pincheck(&s, case.proposal, mode.clone(), Duration::from_secs(60));
                assert!(r.cut.is_none(), "overhead run cut: {:?}", r.cut);
                p.add(r.executions, tally.steps_total.load(Relaxed), r.elapsed);
                let (n, t) = bare_run();
                b.add(n, n * case.steps.len() as u64, t);
            }
            println!(
                "| {}@k53 | {label} | {} | {:.1} | {:.0} | {} | {} | {:.0} | **{:.2}x** |",
                case.proposal,
                p.executions / p.runs as u64,
                p.steps as f64 / p.executions as f64,
                p.per_sec(),
                b.executions / b.runs as u64,
                case.steps.len(),
                b.per_sec(),
                b.per_sec() / p.per_sec(),
            );
        }
    }
    println!();
    for n in notes {
        println!("- {n}");
    }
    println!();
}

/// S1 with the same setup and threads that run nothing: pincheck's cost besides the race.
fn s01_idle() -> Program {
    let mut p = s01();
    p.threads.iter_mut().for_each(|t| t.ops.clear());
    p
}

/// Microseconds per execution of a sample.
fn us_per_exec(s: &Sample) -> f64 {
    s.time.as_secs_f64() * 1e6 / s.executions as f64
}

/// `split`: where pincheck's time per execution goes, race against everything else. Each side
/// runs S1 and an idle S1 (same setup, same objects, threads that run nothing); the difference is
/// what the race's steps cost.
fn split() {
    println!("## Overhead split: S1 against idle S1 (same setup and objects, empty threads)\n");
    model_build();
    println!(
        "| proposal | engine | pincheck S1 us/exec | pincheck idle us/exec | bare S1 us/exec \
         | bare idle us/exec | race pincheck/bare | rest pincheck - bare (us) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for case in cases() {
        // PCT only: loom explores a different number of executions of S1 and of idle S1 (a
        // handful), so its per-run costs do not cancel in the difference.
        let engines: [(&str, Mode, BareRun, BareRun); 1] = [(
            "shuttle PCT d=3, seed 0, 3000 iterations",
            pct_mode(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS),
            Box::new(|| bare_pct(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS, case.shuttle)),
            Box::new(|| bare_pct(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS, case.shuttle_idle)),
        )];
        let (full, idle) = (s01(), s01_idle());
        for (label, mode, bare_full, bare_idle) in engines {
            let mut s: [Sample; 4] = Default::default();
            while s.iter().any(|x| x.time < OVERHEAD_TIME_MIN) {
                for (i, p) in [&full, &idle].into_iter().enumerate() {
                    let (r, _) = pincheck(p, case.proposal, mode.clone(), Duration::from_secs(60));
                    assert!(r.cut.is_none(), "split run cut: {:?}", r.cut);
                    s[i].add(r.executions, 0, r.elapsed);
                }
                let (n, t) = bare_full();
                s[2].add(n, 0, t);
                let (n, t) = bare_idle();
                s[3].add(n, 0, t);
            }
            let us: Vec<f64> = s.iter().map(us_per_exec).collect();
            println!(
                "| {}@k53 | {label} | {:.1} | {:.1} | {:.1} | {:.1} | **{:.2}x** | {:.1} |",
                case.proposal,
                us[0],
                us[1],
                us[2],
                us[3],
                (us[0] - us[1]) / (us[2] - us[3]),
                us[1] - us[3],
            );
        }
    }
    println!();
}

/// `one <case>`: run one overhead case alone (for callgrind); the PCT cases have an `-idle` form,
/// S1's setup and objects with threads that run nothing (`split`'s, in instructions).
fn one(name: &str) {
    for case in cases() {
        let s = s01();
        let start = Instant::now();
        let n = match name
            .strip_suffix(case.short)
            .and_then(|n| n.strip_suffix('-'))
        {
            Some("pincheck-loom") => {
                pincheck(
                    &s,
                    case.proposal,
                    loom_mode(Some(2)),
                    Duration::from_secs(600),
                )
                .0
                .executions
            }
            Some(c @ ("pincheck-pct" | "pincheck-pct-idle")) => {
                let p = if c.ends_with("idle") { s01_idle() } else { s };
                pincheck(
                    &p,
                    case.proposal,
                    pct_mode(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS),
                    Duration::from_secs(600),
                )
                .0
                .executions
            }
            Some("bare-loom") => bare_loom(Some(2), case.loom).0,
            Some("bare-pct") => bare_pct(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS, case.shuttle).0,
            Some("bare-pct-idle") => {
                bare_pct(TRANSCRIBED_SEED, OVERHEAD_PCT_ITERATIONS, case.shuttle_idle).0
            }
            _ => continue,
        };
        println!("{name}: {n} executions in {:?}", start.elapsed());
        return;
    }
    eprintln!("unknown case {name}");
    std::process::exit(2);
}

// ---- section 2: time to first counterexample -------------------------------------------------

const FOUND: &str = "pincheck-bench: first use-after-free";

/// Run until the first execution with a use-after-free; returns (found, executions incl. it).
fn until_uaf(mode: Mode) -> (bool, u64, Duration) {
    let p = Arc::new(s01());
    let target = target("rfc-v2");
    let body = Body::new(
        move |_: &Arc<Oracle>| execute_shared(&p, target),
        move |oracle: &Arc<Oracle>| {
            let fs: Vec<Finding> = oracle.findings();
            if fs.iter().any(|f| f.kind == FindingKind::UseAfterFree) {
                panic!("{FOUND}");
            }
        },
    );
    let r = engine(|| run(&mode, &Limits::default(), 2, body));
    let found = r.model_panic.as_deref().is_some_and(|m| m.contains(FOUND));
    assert!(
        found || r.model_panic.is_none(),
        "model panicked: {:?}",
        r.model_panic
    );
    (found, r.executions + found as u64, r.elapsed)
}

fn ttfc() {
    println!("## 2. Time to first counterexample: S1 on rfc-v2@k53 (use-after-free of the struct file)\n");
    println!("| search | found | executions to first UAF | time to first UAF |");
    println!("|---|---|---:|---:|");
    let start = Instant::now();
    let mut total = 0;
    for bound in 0..=2 {
        let (found, n, _) = until_uaf(loom_mode(Some(bound)));
        total += n;
        if found || bound == 2 {
            println!(
                "| loom, iterative preemption bounds 0,1,2 (stopped in bound {bound}) | {found} | {total} | {:.1} ms |",
                start.elapsed().as_secs_f64() * 1e3
            );
            break;
        }
    }
    let mut runs = Vec::new();
    for seed in 0..TTFC_SEEDS {
        runs.push(until_uaf(pct_mode(seed, TTFC_PCT_ITERATIONS)));
    }
    let found = runs.iter().filter(|r| r.0).count();
    let mut times: Vec<Duration> = runs.iter().map(|r| r.2).collect();
    let mut execs: Vec<u64> = runs.iter().map(|r| r.1).collect();
    times.sort();
    execs.sort();
    let mid = runs.len() / 2;
    println!(
        "| shuttle PCT d=3, seeds 0..={}, median (min / max) | {found}/{} | {} ({} / {}) | {:.1} ms ({:.1} / {:.1}) |",
        TTFC_SEEDS - 1,
        runs.len(),
        execs[mid],
        execs[0],
        execs[runs.len() - 1],
        times[mid].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[runs.len() - 1].as_secs_f64() * 1e3,
    );
    println!();
}

// ---- section 3: scaling ---------------------------------------------------------------------

fn cell(r: &RunResult) -> String {
    match &r.cut {
        None => format!("{} in {:.2} s", r.executions, r.elapsed.as_secs_f64()),
        Some(c) => format!(
            "**cut** ({c:?}) after {} in {:.1} s",
            r.executions,
            r.elapsed.as_secs_f64()
        ),
    }
}

fn scaling_table() {
    println!("## 3. Scaling: context@k53, threads x operations per thread\n");
    println!(
        "Threads take the first *ops* operations of: t1 `close fd0, dup fd1 fd2, close fd2`; \
         t2 `dereg_mr fd1 mr0, procfs_read`; t3 `procfs_read, dereg_mr fd1 mr1`; t4 `dup fd1 fd3, close fd3` \
         (setup: open fd0, get_context, reg_mr mr0 on dax0, reg_mr mr1 on dax1, dup fd0 fd1). \
         Each run is capped at {} s; a capped run is reported as cut, never as complete.\n",
        SCALING_TIME_MAX.as_secs()
    );
    println!(
        "| threads | ops/thread | loom exhaustive | loom bound 2 | PCT {SCALING_PCT_ITERATIONS} iterations | max steps k | PCT per-run guarantee 1/(n k^2) |"
    );
    println!("|---:|---:|---|---|---|---:|---|");
    let shapes = [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (4, 2)];
    let mut exhaustive_cut: Vec<(usize, usize)> = Vec::new();
    for (threads, ops) in shapes {
        let p = scaling(threads, ops);
        let smaller_cut = exhaustive_cut
            .iter()
            .any(|&(t, o)| t <= threads && o <= ops);
        let exhaustive = if smaller_cut {
            "not run (a smaller shape was cut)".to_string()
        } else {
            let (r, _) = pincheck(&p, "context", loom_mode(None), SCALING_TIME_MAX);
            if r.cut.is_some() {
                exhaustive_cut.push((threads, ops));
            }
            cell(&r)
        };
        let (b2, _) = pincheck(&p, "context", loom_mode(Some(2)), SCALING_TIME_MAX);
        let (pct, tally) = pincheck(
            &p,
            "context",
            pct_mode(0, SCALING_PCT_ITERATIONS),
            SCALING_TIME_MAX,
        );
        let k = tally.steps_max.load(Relaxed);
        let guarantee = 1.0 / (threads as f64 * (k as f64).powi(PCT_DEPTH as i32 - 1));
        println!(
            "| {threads} | {ops} | {exhaustive} | {} | {} | {k} | {guarantee:.2e} (1/{:.0}) |",
            cell(&b2),
            cell(&pct),
            1.0 / guarantee
        );
    }
    println!();
}

// ---- steps: the log to transcribe --------------------------------------------------------------

fn steps() {
    for case in cases() {
        let (p, target) = (Arc::new(s01()), target(case.proposal));
        let body = Body::new(
            move |_: &Arc<Oracle>| execute_shared(&p, target),
            move |oracle: &Arc<Oracle>| {
                let names = oracle.thread_names();
                for e in oracle.log() {
                    println!(
                        "{}\t{}\t{}\t{:?}",
                        case.proposal, names[e.tid], e.step, e.lock
                    );
                }
            },
        );
        engine(|| run(&pct_mode(0, 1), &Limits::default(), 2, body));
    }
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!("Machine: {n} CPUs (available_parallelism), CPU model `{cpu}`.\n");
}

/// Set while an engine runs: loom unwinds its threads and the stop-at-first-UAF runs panic on
/// purpose; shuttle's own panic hook would print each of those to stderr.
static ENGINE_RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Replace the panic hooks pincheck and shuttle install (once per process) by std's default hook,
/// silenced while an engine runs: the bench's own failures still print.
fn quiet_engine_panics() {
    let std_default = std::panic::take_hook();
    pincheck(&s01(), "rfc-v2", pct_mode(0, 1), Duration::from_secs(10));
    std::panic::set_hook(Box::new(move |info| {
        if !ENGINE_RUNNING.load(Relaxed) {
            std_default(info);
        }
    }));
}

/// Run `f` with engine panics silenced.
fn engine<R>(f: impl FnOnce() -> R) -> R {
    ENGINE_RUNNING.store(true, Relaxed);
    let r = f();
    ENGINE_RUNNING.store(false, Relaxed);
    r
}

fn main() {
    quiet_engine_panics();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let section = args.first().map(String::as_str).unwrap_or("all");
    let start = Instant::now();
    match section {
        "one" => return one(args.get(1).map(String::as_str).unwrap_or("")),
        "steps" => return steps(),
        "overhead" => overhead(),
        "split" => split(),
        "ttfc" => ttfc(),
        "scaling" => scaling_table(),
        "all" => {
            machine();
            overhead();
            ttfc();
            scaling_table();
        }
        other => {
            eprintln!(
                "unknown section {other}: overhead, split, ttfc, scaling, steps, one <case>, all"
            );
            std::process::exit(2);
        }
    }
    println!("Bench wall time: {:.1} s.", start.elapsed().as_secs_f64());
}
