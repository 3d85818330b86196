//! The command line: clap definitions and `run`, which turns parsed arguments into the text to
//! print and an exit status. Nothing here prints or reads the environment; `main` does.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{check, CheckOptions};
use crate::error::Error;
use crate::explore::{EngineChoice, Preemptions, Settings};
use crate::report;

/// pincheck: model-check kernel object-lifetime proposals against scenario files.
#[derive(Parser, Debug)]
#[command(name = "pincheck", version, about, long_about = None)]
pub struct Args {
    /// What to do (default: `check` with its defaults).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Explore every scenario × proposal × kernel and compare verdicts with expectations.
    Check(CheckArgs),
    /// Re-run one counterexample from its token and report it (exit 1 when a finding reproduces).
    Replay(ReplayArgs),
    /// Internal: a worker process of `--jobs` (cells on stdin, results on stdout, one JSON each
    /// per line).
    #[command(name = "__worker", hide = true)]
    Worker {
        /// The exploration settings, as JSON.
        settings: String,
    },
    /// What CI runs: check, require every verdict as expected and no cut search, write a
    /// verdict certificate, compare execution counts with a baseline certificate.
    Gate(GateArgs),
    /// Compare two proposals on the scenario set: outcomes new and gone, verdict changes.
    Diff(DiffArgs),
    /// List the steps each thread of a scenario executes (the names `sometimes` goals use), with
    /// where the model writes them.
    Steps(StepsArgs),
    /// The history table: each historical bug's scenario on the kernel without its fix and with
    /// it, by exploration (exit 1 when a row does not fail without and pass with).
    History(HistoryArgs),
    /// What a passing verdict relies on: each lock acquisition, holder reference and
    /// `_unless_zero` the cell runs is removed in turn and the cell explored again; the report
    /// lists the removals that reach a finding, with the finding and a replay token.
    Why(WhyArgs),
    /// Where loom's search of one cell repeats itself: executions against distinct Mazurkiewicz
    /// traces (per engine object, the order of conflicting accesses), the engine objects two
    /// threads share with their steps and orders, and where the duplicate executions branch off.
    Redundancy(RedundancyArgs),
}

/// `pincheck redundancy`.
#[derive(clap::Args, Debug, Clone)]
pub struct RedundancyArgs {
    /// The cell.
    #[command(flatten)]
    pub at: CellArgs,
    /// loom's search: bound N (that bound's search alone, not 0..N in turn) or `unbounded`.
    #[arg(long, default_value = "2", value_name = "N|unbounded")]
    pub preemptions: Preemptions,
    /// Time budget of the search, in seconds (fractions allowed); a search still running then is
    /// cut, and the report says so.
    #[arg(long, default_value = "60", value_parser = parse_seconds, value_name = "SECONDS")]
    pub time_per_engine: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// One cell of one scenario, as `why` and `redundancy` name it.
#[derive(clap::Args, Debug, Clone)]
pub struct CellArgs {
    /// The scenario's name (`s04_dereg_vs_destroy_all`), or its file.
    pub scenario: String,
    /// The cell: `PROPOSAL@KERNEL` (`context@k53`).
    pub cell: String,
    /// Where the scenario is.
    #[arg(long = "scenarios", value_name = "PATH", default_value = "scenarios")]
    pub scenarios: Vec<PathBuf>,
}

/// `pincheck steps`.
#[derive(clap::Args, Debug, Clone)]
pub struct StepsArgs {
    /// Scenario files or folders.
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Only under these proposals (repeatable; default all).
    #[arg(long = "proposal", value_name = "NAME")]
    pub proposals: Vec<String>,
    /// Only on these kernels (repeatable; default each scenario's own list).
    #[arg(long = "kernel", value_name = "NAME")]
    pub kernels: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// Formats of a listing.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    /// For people.
    Text,
    /// For scripts.
    Json,
}

/// `pincheck history`.
#[derive(clap::Args, Debug, Clone)]
pub struct HistoryArgs {
    /// The same options as `check` (its `--proposal`, `--kernel` and `--format` do not apply:
    /// each row names its own).
    #[command(flatten)]
    pub check: CheckArgs,
    /// List the patches the model knows (what kernel specs may add or revert) instead.
    #[arg(long)]
    pub patches: bool,
}

/// `pincheck why`.
#[derive(clap::Args, Debug, Clone)]
pub struct WhyArgs {
    /// The passing cell.
    #[command(flatten)]
    pub at: CellArgs,
    /// loom's preemption bound: N (bounds 0..=N in turn) or `unbounded` (a scenario may raise
    /// it).
    #[arg(long, default_value = "2", value_name = "N|unbounded")]
    pub preemptions: Preemptions,
    /// shuttle PCT iterations per exploration.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// `pincheck gate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GateArgs {
    /// The same options as `check`.
    #[command(flatten)]
    pub check: CheckArgs,
    /// Where to write the verdict certificate (JSON).
    #[arg(
        long,
        value_name = "PATH",
        default_value = "target/pincheck-certificate.json"
    )]
    pub certificate: PathBuf,
    /// A previous certificate: list cells whose execution counts changed while the verdict did not.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Execution-count changes against the baseline fail the gate.
    #[arg(long)]
    pub strict: bool,
    /// Also write the JUnit XML of the run here.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Also write the SARIF log of the run here.
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,
}

/// `pincheck diff`.
#[derive(clap::Args, Debug, Clone)]
pub struct DiffArgs {
    /// The proposal before (left column).
    pub a: String,
    /// The proposal after (right column).
    pub b: String,
    /// The same options as `check` (its `--proposal` does not apply; `--format` is text or json).
    #[command(flatten)]
    pub check: CheckArgs,
}

/// `pincheck replay`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The token (`pc1/...`), as printed by `pincheck check`.
    #[arg(required_unless_present = "token_file")]
    pub token: Option<String>,
    /// Read the token from a file instead.
    #[arg(long, value_name = "PATH", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// Where the scenario named by the token is: its folder (holding `<scenario>.toml`) or the
    /// file itself (repeatable).
    #[arg(long = "scenarios", value_name = "PATH", default_value = "scenarios")]
    pub scenarios: Vec<PathBuf>,
    /// End the report at step N (numbered as reports number them) and show the object graph
    /// after it, its effects included; the exit status then says whether steps 0..=N hold a
    /// finding.
    #[arg(long, value_name = "N")]
    pub until: Option<usize>,
    /// Show every step of the trace (nothing folded).
    #[arg(long)]
    pub unfold: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
    pub format: ReplayFormat,
}

/// How to render a replayed counterexample.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayFormat {
    /// Per-thread trace and kernel-style report.
    Text,
    /// Mermaid sequence diagram (GitHub renders it in a PR comment).
    Mermaid,
    /// SVG swimlanes.
    Svg,
    /// An HTML page with the swimlanes and the text report.
    Html,
    /// The execution as JSON: steps, findings, observations, object graph, token.
    Json,
}

/// Engines to run.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineArg {
    /// loom (iterative preemption bounds) and shuttle PCT, merged.
    Both,
    /// loom only.
    Loom,
    /// shuttle PCT only.
    Pct,
    /// shuttle uniform random.
    Random,
    /// shuttle depth-first search.
    Dfs,
}

/// Output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A matrix, then details of every cell that differs.
    Text,
    /// A JSON list of cells.
    Json,
    /// JUnit XML: one test case per scenario × proposal × kernel.
    Junit,
    /// SARIF 2.1.0: one result per differing cell, at its scenario line.
    Sarif,
}

/// `pincheck check`.
#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Scenario files or folders.
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Only these proposals (repeatable).
    #[arg(long = "proposal", value_name = "NAME")]
    pub proposals: Vec<String>,
    /// Exactly these kernels (repeatable): a release with patches (`v5.3`, `v5.3+f0abc761bbb9`,
    /// `v5.6-remove_ucontext_lock`) or a short name (`k53`, `k56`, `sync-fput`); default: each
    /// scenario's own list.
    #[arg(long = "kernel", value_name = "SPEC")]
    pub kernels: Vec<String>,
    /// Engines.
    #[arg(long, value_enum, default_value_t = EngineArg::Both)]
    pub engine: EngineArg,
    /// loom's preemption bound: N (bounds 0..=N run in turn) or `unbounded` (bounds 0..=2, then
    /// no bound); a scenario may raise it, and `exhaustive = true` scenarios always run unbounded.
    #[arg(long, default_value = "2", value_name = "N|unbounded")]
    pub preemptions: Preemptions,
    /// shuttle iterations per cell.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// shuttle seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// PCT bug depth.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// Time budget of one engine on one cell, in seconds (fractions allowed; a cut search is
    /// bound-reached). loom's bounds share it.
    #[arg(long, default_value = "60", value_parser = parse_seconds, value_name = "SECONDS")]
    pub time_per_engine: Duration,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard I of N (1-based), e.g. `--shard 2/3`.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Do not shrink counterexamples found by shuttle.
    #[arg(long)]
    pub no_shrink: bool,
    /// Explore the error branches: up to N fault points failing together in one execution
    /// (REG_MR's FW command after pinning, a destroy the driver refuses); default: each
    /// scenario's own `faults` (0 when it sets none).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=2))]
    pub faults: Option<u8>,
    /// Text format: show the details (outcomes, counterexample reports, replay commands) of every
    /// cell with findings or notes, not only of the cells that differ from their expectation or
    /// have notes (a cell `vacuous` as its file expects is shown only with this).
    #[arg(long)]
    pub details: bool,
    /// Text format: show every step of each counterexample report (nothing folded).
    #[arg(long)]
    pub unfold: bool,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!(
            "{s}: expected a number of seconds above 0 and at most 86400"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s.split_once('/').ok_or("expected I/N, e.g. 1/3")?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("`{i}` is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("{i}/{n}: expected 1 <= I <= N"));
    }
    Ok((i, n))
}

/// `check`'s arguments alone, to get their defaults.
#[derive(Parser, Debug)]
struct CheckOnly {
    #[command(flatten)]
    args: CheckArgs,
}

impl Default for CheckArgs {
    fn default() -> Self {
        CheckOnly::parse_from(["pincheck"]).args
    }
}

/// What `main` should print and exit with.
#[derive(Debug)]
pub struct Output {
    /// Text for stdout.
    pub stdout: String,
    /// 0: every verdict as expected; 1: some differ (or a counterexample reproduced).
    pub status: i32,
}

/// What the environment contributes (read by `main`).
#[derive(Clone, Debug)]
pub struct Env {
    /// stderr is a terminal: draw progress.
    pub stderr_is_terminal: bool,
    /// Cores available.
    pub cores: usize,
    /// This executable, for worker processes (`None`: worker threads).
    pub exe: Option<PathBuf>,
}

/// Run the command.
pub fn run(args: Args, env: Env) -> Result<Output, Error> {
    match args.command.unwrap_or(Command::Check(CheckArgs::default())) {
        Command::Check(a) => run_check(a, env),
        Command::Replay(a) => run_replay(a),
        Command::Gate(a) => run_gate(a, env),
        Command::Diff(a) => run_diff(a, env),
        Command::Steps(a) => run_steps(a, env),
        Command::History(a) => run_history(a, env),
        Command::Why(a) => run_why(a, env),
        Command::Redundancy(a) => run_redundancy(a),
        Command::Worker { .. } => Err(Error::Usage(
            "`__worker` is run by `pincheck --jobs N` itself, through main".into(),
        )),
    }
}

fn settings(a: &CheckArgs) -> Settings {
    Settings {
        engine: match a.engine {
            EngineArg::Both => EngineChoice::Both,
            EngineArg::Loom => EngineChoice::Loom,
            EngineArg::Pct => EngineChoice::Pct,
            EngineArg::Random => EngineChoice::Random,
            EngineArg::Dfs => EngineChoice::Dfs,
        },
        preemptions: a.preemptions,
        preemptions_max: None,
        iterations: a.iterations,
        seed: a.seed,
        pct_depth: a.depth,
        time_per_engine: a.time_per_engine,
        shrink: !a.no_shrink,
        collect_steps: false,
        faults: a.faults.map(usize::from),
        mutation: None,
        collect_points: false,
    }
}

fn run_check(a: CheckArgs, env: Env) -> Result<Output, Error> {
    let opts = CheckOptions {
        paths: a.paths.clone(),
        proposals: a.proposals.clone(),
        kernels: a.kernels.clone(),
        settings: settings(&a),
        jobs: a.jobs.unwrap_or(env.cores).max(1),
        shard: a.shard,
        progress: env.stderr_is_terminal,
        worker_exe: env.exe.clone(),
    };
    let r = check(&opts)?;
    let stdout = match a.format {
        Format::Text => report::matrix::render(&r, a.details, a.unfold),
        Format::Json => report::json::render(&r),
        Format::Junit => report::junit::render(&r),
        Format::Sarif => report::sarif::render(&r),
    };
    Ok(Output {
        stdout,
        status: if r.all_match() { 0 } else { 1 },
    })
}

fn run_replay(a: ReplayArgs) -> Result<Output, Error> {
    let token = match (&a.token, &a.token_file) {
        (Some(t), _) => t.clone(),
        (None, Some(p)) => std::fs::read_to_string(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?,
        (None, None) => return Err(Error::Usage("give a token or --token-file".into())),
    };
    let opts = crate::replay::ReplayOptions {
        token,
        scenarios: a.scenarios.clone(),
        until: a.until,
    };
    let r = crate::replay::replay(&opts)?;
    let text = r.token.encode();
    let file = crate::replay::scenario_arg(&r.scenario);
    // With --until N the report is the prefix 0..=N: its steps, and the findings made there.
    let mut cx = r.execution.clone();
    if let Some(n) = a.until {
        cx.events.truncate(n + 1);
        cx.findings.retain(|f| f.event <= n);
    }
    let ctx = crate::render::RenderContext {
        scenario: &r.scenario.name,
        proposal: &r.token.proposal,
        kernel: &r.token.kernel,
        token: Some(&text),
        scenario_file: file.as_deref(),
        graph: a.until.zip(r.snapshot.as_deref()),
        unfold: a.unfold,
    };
    let mut stdout = match a.format {
        ReplayFormat::Text => crate::render::text(&cx, &ctx),
        ReplayFormat::Mermaid => crate::render::mermaid(&cx, &ctx),
        ReplayFormat::Svg => crate::render::svg(&cx, &ctx),
        ReplayFormat::Html => crate::render::html(&cx, &ctx),
        ReplayFormat::Json => crate::render::json(&cx, &ctx, r.hash_note.as_deref()),
    };
    if a.format == ReplayFormat::Text {
        if let Some(note) = &r.hash_note {
            stdout.push_str(&format!("\nnote: {note}\n"));
        }
    }
    Ok(Output {
        stdout,
        status: if cx.findings.is_empty() { 0 } else { 1 },
    })
}

/// The check options `a` asks for.
pub fn check_options(a: &CheckArgs, env: Env) -> CheckOptions {
    CheckOptions {
        paths: a.paths.clone(),
        proposals: a.proposals.clone(),
        kernels: a.kernels.clone(),
        settings: settings(a),
        jobs: a.jobs.unwrap_or(env.cores).max(1),
        shard: a.shard,
        progress: env.stderr_is_terminal,
        worker_exe: env.exe.clone(),
    }
}

fn run_gate(a: GateArgs, env: Env) -> Result<Output, Error> {
    let opts = crate::gate::GateOptions {
        check: check_options(&a.check, env),
        certificate: a.certificate.clone(),
        baseline: a.baseline.clone(),
        strict: a.strict,
    };
    let (r, g) = crate::gate::gate(&opts)?;
    if let Some(p) = &a.junit {
        crate::gate::write_file(p, &report::junit::render(&r))?;
    }
    if let Some(p) = &a.sarif {
        crate::gate::write_file(p, &report::sarif::render(&r))?;
    }
    let stdout = match a.check.format {
        Format::Text => {
            let mut s = report::matrix::render(&r, a.check.details, a.check.unfold);
            s.push_str(&crate::gate::summary(&g, &a.certificate));
            s
        }
        Format::Json => report::json::render(&r),
        Format::Junit => report::junit::render(&r),
        Format::Sarif => report::sarif::render(&r),
    };
    Ok(Output {
        stdout,
        status: if g.passed() { 0 } else { 1 },
    })
}

fn run_why(a: WhyArgs, env: Env) -> Result<Output, Error> {
    let opts = crate::why::WhyOptions {
        paths: a.at.scenarios,
        scenario: a.at.scenario,
        cell: a.at.cell,
        settings: Settings {
            preemptions: a.preemptions,
            iterations: a.iterations,
            ..Settings::default()
        },
        jobs: a.jobs.unwrap_or(env.cores).max(1),
    };
    let analysis = crate::why::why(&opts)?;
    Ok(Output {
        stdout: crate::why::render(&analysis),
        status: 0,
    })
}

fn run_redundancy(a: RedundancyArgs) -> Result<Output, Error> {
    let opts = crate::redundancy::RedundancyOptions {
        paths: a.at.scenarios,
        scenario: a.at.scenario,
        cell: a.at.cell,
        preemptions: a.preemptions,
        time: a.time_per_engine,
    };
    let report = crate::redundancy::redundancy(&opts)?;
    let stdout = match a.format {
        ListFormat::Text => crate::redundancy::render(&report),
        ListFormat::Json => crate::redundancy::json(&report),
    };
    Ok(Output { stdout, status: 0 })
}

fn run_diff(a: DiffArgs, env: Env) -> Result<Output, Error> {
    let json = match a.check.format {
        Format::Text => false,
        Format::Json => true,
        other => {
            return Err(Error::Usage(format!(
                "diff writes `--format text` or `--format json`, not {}; JUnit and SARIF are \
                 written by `check` and `gate`",
                format!("{other:?}").to_lowercase()
            )))
        }
    };
    let opts = check_options(&a.check, env);
    let (rows, text) = crate::diff::diff(&opts, &a.a, &a.b)?;
    let stdout = if json {
        crate::diff::json(&rows, &a.a, &a.b)
    } else {
        text
    };
    let changed = rows.iter().any(|r| r.verdict_changed());
    Ok(Output {
        stdout,
        status: if changed { 1 } else { 0 },
    })
}

fn run_steps(a: StepsArgs, env: Env) -> Result<Output, Error> {
    let check = CheckArgs {
        paths: a.paths,
        proposals: a.proposals,
        kernels: a.kernels,
        jobs: a.jobs,
        ..CheckArgs::default()
    };
    let listings = crate::steps::list(&check_options(&check, env))?;
    let stdout = match a.format {
        ListFormat::Text => crate::steps::text(&listings),
        ListFormat::Json => crate::steps::json(&listings),
    };
    Ok(Output { stdout, status: 0 })
}

fn run_history(a: HistoryArgs, env: Env) -> Result<Output, Error> {
    if a.check.format != Format::Text {
        return Err(Error::Usage(format!(
            "history writes `--format text` only, not {}",
            format!("{:?}", a.check.format).to_lowercase()
        )));
    }
    if a.patches {
        return Ok(Output {
            stdout: crate::history::render_patches(),
            status: 0,
        });
    }
    let results = crate::history::history(&check_options(&a.check, env))?;
    let holds = results.iter().all(|r| r.holds());
    Ok(Output {
        stdout: crate::history::render(&results),
        status: if holds { 0 } else { 1 },
    })
}
