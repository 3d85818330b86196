//! `pincheck check`: build the matrix (scenario × proposal × kernel), explore every cell on a pool
//! of worker threads (crossbeam), and compare each verdict with the scenario's expectation.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pincheck_model::kernel::Variant;
use pincheck_model::KNOWN_PROPOSALS;

use crate::error::Error;
use crate::explore::{explore, Cell, Explored, Settings};
use crate::scenario::{self, Scenario};
use crate::verdict::{expected, verdict, Verdict};

/// What to check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Scenario files or folders.
    pub paths: Vec<PathBuf>,
    /// Proposals to run (empty: all).
    pub proposals: Vec<String>,
    /// Kernel specs to run, exactly (empty: each scenario's own list).
    pub kernels: Vec<String>,
    /// Exploration settings.
    pub settings: Settings,
    /// Worker threads.
    pub jobs: usize,
    /// Run only shard `i` of `n` (1-based), splitting the matrix deterministically.
    pub shard: Option<(usize, usize)>,
    /// Draw a progress bar on stderr once the run takes longer than a second.
    pub progress: bool,
    /// The `pincheck` executable, to run `--jobs` as worker processes (`None`: threads).
    pub worker_exe: Option<PathBuf>,
}

/// The result of one cell.
#[derive(Clone, Debug)]
pub struct CellReport {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Proposal.
    pub proposal: &'static str,
    /// Kernel.
    pub kernel: &'static str,
    /// Verdict reached.
    pub verdict: Verdict,
    /// Verdict expected.
    pub expected: Verdict,
    /// Whether the scenario lists this proposal@kernel (a negative control or a stated pass).
    pub listed: bool,
    /// What exploration produced.
    pub explored: Explored,
}

impl CellReport {
    /// The verdict equals the expectation.
    pub fn matches(&self) -> bool {
        self.verdict == self.expected
    }
}

/// A whole run.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// Cells in matrix order.
    pub cells: Vec<CellReport>,
    /// Scenarios loaded.
    pub scenarios: Vec<Arc<Scenario>>,
    /// Wall time.
    pub elapsed: Duration,
}

impl CheckReport {
    /// Every cell matches its expectation.
    pub fn all_match(&self) -> bool {
        self.cells.iter().all(|c| c.matches())
    }
}

/// Load every scenario under `paths`, collecting all parse errors.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Arc<Scenario>>, Error> {
    let files = scenario::discover(paths)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match scenario::load(&f) {
            Ok(s) => out.push(Arc::new(s)),
            Err(Error::Scenario(e)) => errors.extend(e.errors),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Scenario(scenario::ScenarioErrors { errors }));
    }
    Ok(out)
}

/// The kernels scenario `s` runs on: its own list, or exactly `wanted` when the command line names
/// kernels (a kernel the scenario lists keeps the scenario's spelling, so its expected verdicts
/// apply; another is checked against the scenario's `never` list).
fn cell_kernels(s: &Scenario, wanted: &[Variant]) -> Vec<Variant> {
    let listed: Vec<Variant> = s
        .kernels
        .iter()
        .filter_map(|k| Variant::by_name(k))
        .collect();
    if wanted.is_empty() {
        return listed;
    }
    wanted
        .iter()
        .map(|w| {
            let twin = listed.iter().find(|l| scenario::kernels::same(l, w));
            *twin.unwrap_or(w)
        })
        .collect()
}

/// The cells of the matrix, in order: scenarios, then proposals, then kernels.
pub fn matrix(scenarios: &[Arc<Scenario>], opts: &CheckOptions) -> Result<Vec<Cell>, Error> {
    for p in &opts.proposals {
        if !KNOWN_PROPOSALS.contains(&p.as_str()) {
            let hint = scenario::did_you_mean(p, KNOWN_PROPOSALS.iter().copied())
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "unknown proposal `{p}` (known: {}){hint}",
                KNOWN_PROPOSALS.join(", ")
            )));
        }
    }
    let mut wanted: Vec<Variant> = Vec::new();
    for k in &opts.kernels {
        match Variant::resolve(k) {
            Ok(v) => wanted.push(v),
            Err(e) => return Err(Error::Usage(scenario::kernels::usage_text(k, &e))),
        }
    }
    let mut cells = Vec::new();
    for s in scenarios {
        for &p in KNOWN_PROPOSALS {
            if !opts.proposals.is_empty() && !opts.proposals.iter().any(|x| x == p) {
                continue;
            }
            for variant in cell_kernels(s, &wanted) {
                cells.push(Cell {
                    scenario: Arc::clone(s),
                    proposal: p,
                    kernel: variant,
                });
            }
        }
    }
    if let Some((i, n)) = opts.shard {
        if n == 0 || i == 0 || i > n {
            return Err(Error::Usage(format!(
                "--shard {i}/{n}: expected I/N with 1 <= I <= N"
            )));
        }
        let all = cells.len();
        cells = cells
            .into_iter()
            .enumerate()
            .filter(|(j, _)| j % n == i - 1)
            .map(|(_, c)| c)
            .collect();
        if cells.is_empty() {
            return Err(Error::NothingToCheck(format!(
                "shard {i}/{n} holds none of the matrix's {all} cell(s); use fewer shards"
            )));
        }
    }
    if cells.is_empty() {
        return Err(Error::NothingToCheck("no scenario was loaded".into()));
    }
    Ok(cells)
}

fn judge(cell: &Cell, explored: Explored) -> CellReport {
    let (exp, listed) = expected(&cell.scenario, cell.proposal, cell.kernel.name);
    let v = verdict(&cell.scenario, &explored, listed);
    CellReport {
        scenario: Arc::clone(&cell.scenario),
        proposal: cell.proposal,
        kernel: cell.kernel.name,
        verdict: v,
        expected: exp,
        listed,
        explored,
    }
}

/// Explore `cells` on `jobs` worker threads; results come back in matrix order.
pub fn run_cells(
    cells: &[Cell],
    settings: &Settings,
    jobs: usize,
    progress: bool,
) -> Vec<CellReport> {
    run_cells_on(cells, settings, jobs, progress, None)
}

/// Explore `cells` on `jobs` workers: processes running `worker_exe` when it is given and there is
/// more than one job (see [`crate::workers`] for why), threads otherwise. A cell a worker process
/// could not return is explored on a thread instead. Results come back in matrix order.
pub fn run_cells_on(
    cells: &[Cell],
    settings: &Settings,
    jobs: usize,
    progress: bool,
    worker_exe: Option<&Path>,
) -> Vec<CellReport> {
    let start = Instant::now();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(cells.len() as u64),
        indicatif::ProgressDrawTarget::hidden(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} cells {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let (done_tx, done_rx) = crossbeam::channel::unbounded::<(usize, CellReport)>();
    let mut out: Vec<Option<CellReport>> = vec![None; cells.len()];
    crossbeam::scope(|scope| {
        match worker_exe.filter(|_| jobs > 1) {
            Some(exe) => {
                let tx = done_tx.clone();
                scope.spawn(move |_| {
                    let send = |i: usize, e: Explored| {
                        let _ = tx.send((i, judge(&cells[i], e)));
                    };
                    // On a worker failure the cells it did not return are redone below.
                    let _ = crate::workers::explore_in_processes(exe, cells, settings, jobs, &send);
                });
            }
            None => {
                let (tx, rx) = crossbeam::channel::unbounded::<usize>();
                for i in 0..cells.len() {
                    let _ = tx.send(i);
                }
                drop(tx);
                for _ in 0..jobs.max(1) {
                    let (rx, done_tx) = (rx.clone(), done_tx.clone());
                    scope.spawn(move |_| {
                        for i in rx.iter() {
                            let _ =
                                done_tx.send((i, judge(&cells[i], explore(&cells[i], settings))));
                        }
                    });
                }
            }
        }
        drop(done_tx);
        let mut shown = false;
        for (i, report) in done_rx.iter() {
            if progress && !shown && start.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                shown = true;
            }
            bar.set_message(format!(
                "{} {}@{}",
                report.scenario.name, report.proposal, report.kernel
            ));
            bar.inc(1);
            out[i] = Some(report);
        }
    })
    .expect("a checker worker panicked");
    bar.finish_and_clear();
    out.into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| judge(&cells[i], explore(&cells[i], settings))))
        .collect()
}

/// Load, build the matrix and explore it.
pub fn check(opts: &CheckOptions) -> Result<CheckReport, Error> {
    let start = Instant::now();
    let scenarios = load_all(&opts.paths)?;
    let cells = matrix(&scenarios, opts)?;
    let cells = run_cells_on(
        &cells,
        &opts.settings,
        opts.jobs,
        opts.progress,
        opts.worker_exe.as_deref(),
    );
    Ok(CheckReport {
        cells,
        scenarios,
        elapsed: start.elapsed(),
    })
}
