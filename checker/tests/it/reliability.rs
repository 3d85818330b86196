//! Reliability of the checker as a tool: determinism (same inputs, byte-identical reports, for
//! three cells over ten runs and for every shipped cell across processes and job counts), every
//! counterexample `check` finds replays to the same log, hostile scenario files (generated and
//! mutated) never panic the parser nor the model, the parser's named limits, and search budgets
//! that end in `bound-reached`, never `pass`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pincheck::check::{check, CheckOptions, CheckReport};
use pincheck::explore::{explore, Cell, EngineChoice, Preemptions, Settings};
use pincheck::render::{self, RenderContext};
use pincheck::replay::{replay, token_for, ReplayOptions};
use pincheck::scenario::{self, Scenario, OP_SPECS};
use pincheck::token::Token;
use pincheck::verdict::{expected, verdict, Verdict};
use pincheck_model::kernel::Variant;
use pincheck_model::sync::{Cut, LOOM_THREADS_MAX};
use pincheck_model::{KNOWN_KERNELS, KNOWN_PROPOSALS};
use proptest::prelude::*;

use crate::controls::{fixture, fixtures, scenarios_dir, shipped};

fn check_with(paths: Vec<PathBuf>, proposal: &str, kernel: &str, s: Settings) -> CheckReport {
    let opts = CheckOptions {
        paths,
        proposals: vec![proposal.into()],
        kernels: vec![kernel.into()],
        settings: s,
        jobs: 1,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    check(&opts).unwrap_or_else(|e| panic!("{e}"))
}

/// `report::json::render` with wall times removed.
fn json_without_times(r: &CheckReport) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(&pincheck::report::json::render(r)).expect("json");
    strip_times(&mut v);
    serde_json::to_string_pretty(&v).expect("json")
}

fn strip_times(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| k != "elapsed_ms" && k != "elapsed" && k != "time");
            m.values_mut().for_each(strip_times);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

/// The text report of every counterexample of every cell, with its replay token.
fn counterexample_texts(r: &CheckReport) -> String {
    let mut out = String::new();
    for c in &r.cells {
        for cx in c.explored.counterexamples.values() {
            let token = token_for(&c.scenario, c.proposal, c.kernel, cx).encode();
            let ctx = RenderContext {
                scenario: &c.scenario.name,
                proposal: c.proposal,
                kernel: c.kernel,
                token: Some(&token),
                scenario_file: None,
                graph: None,
                unfold: false,
            };
            out.push_str(&render::text(cx, &ctx));
        }
    }
    out
}

fn assert_deterministic(path: PathBuf, proposal: &str, kernel: &str, s: Settings) {
    let first = check_with(vec![path.clone()], proposal, kernel, s.clone());
    assert!(
        !first.cells[0].explored.counterexamples.is_empty(),
        "the cell should fail, so that counterexamples are compared"
    );
    let (json, text) = (json_without_times(&first), counterexample_texts(&first));
    for run in 2..=10 {
        let r = check_with(vec![path.clone()], proposal, kernel, s.clone());
        assert!(
            json_without_times(&r) == json,
            "JSON differs at run {run}:\n{}\n---\n{json}",
            json_without_times(&r)
        );
        assert!(
            counterexample_texts(&r) == text,
            "counterexample text differs at run {run}"
        );
    }
}

#[test]
fn same_inputs_give_byte_identical_reports_loom_and_pct() {
    let s = Settings {
        seed: 7,
        iterations: 200,
        ..Settings::default()
    };
    let s01 = scenarios_dir().join("s01_unplug_vs_last_close.toml");
    assert_deterministic(s01, "rfc-v2", "k53", s);
}

#[test]
fn same_inputs_give_byte_identical_reports_random_and_pct_alone() {
    let path = fixture("controls/c01_readd_vs_drop_double_free.toml");
    let random = Settings {
        engine: EngineChoice::Random,
        seed: 11,
        iterations: 200,
        ..Settings::default()
    };
    assert_deterministic(path.clone(), "rfc-v2", "k53", random);
    let pct = Settings {
        engine: EngineChoice::Pct,
        seed: 3,
        iterations: 200,
        ..Settings::default()
    };
    assert_deterministic(path, "clear-on-close", "k56", pct);
}

/// `pincheck check --format json --jobs N` on `paths`, run as its own process.
fn json_of_the_binary(jobs: usize, paths: &[PathBuf]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pincheck"))
        .args(["check", "--format", "json", "--jobs", &jobs.to_string()])
        .args(paths)
        .output()
        .expect("the pincheck binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "--jobs {jobs}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    strip_times(&mut v);
    v
}

/// Panics with the first cell where `there` differs from `here`.
fn assert_same_cells(what: &str, here: &[serde_json::Value], there: &serde_json::Value) {
    let b = there.as_array().expect("a list of cells");
    if here != b.as_slice() {
        let at = here.iter().zip(b).position(|(x, y)| x != y);
        panic!(
            "{what} differs from the test process ({} vs {} cells), first at cell {at:?}:\n{}\n---\n{}",
            here.len(),
            b.len(),
            at.map(|i| serde_json::to_string_pretty(&here[i]).unwrap()).unwrap_or_default(),
            at.map(|i| serde_json::to_string_pretty(&b[i]).unwrap()).unwrap_or_default(),
        );
    }
}

/// Every shipped cell, not three: the JSON of the whole matrix, wall times removed, is the same
/// from this test process (worker threads) and from the binary with two jobs (two worker
/// processes); every third scenario file is the same from the binary with one job (one
/// process): the whole matrix on one core took two minutes of the suite.
#[test]
fn every_shipped_cell_is_identical_across_processes_and_job_counts() {
    let mut here: serde_json::Value =
        serde_json::from_str(&pincheck::report::json::render(shipped())).expect("json");
    strip_times(&mut here);
    let here = here.as_array().expect("a list of cells");
    assert_eq!(here.len(), shipped().cells.len());
    assert!(here.len() >= 100, "only {} cells", here.len());
    assert_same_cells("--jobs 2", here, &json_of_the_binary(2, &[scenarios_dir()]));

    let files = scenario::discover(&[scenarios_dir()]).expect("scenarios/");
    let third: Vec<PathBuf> = files.into_iter().step_by(3).collect();
    let names: Vec<String> = third
        .iter()
        .map(|p| {
            p.file_stem()
                .expect("a file")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let subset: Vec<serde_json::Value> = here
        .iter()
        .filter(|c| names.iter().any(|n| c["scenario"] == n.as_str()))
        .cloned()
        .collect();
    assert!(
        subset.len() >= 50,
        "only {} cells in the subset",
        subset.len()
    );
    assert_same_cells("--jobs 1", &subset, &json_of_the_binary(1, &third));
}

/// Replay every counterexample of `r` from its encoded token; the log must be byte-identical and
/// the finding the counterexample was kept for must come back. Returns how many were replayed and
/// a description of each that did not.
fn replay_all(r: &CheckReport) -> (usize, Vec<(String, String, String, String)>) {
    let mut n = 0;
    let mut bad = Vec::new();
    for c in &r.cells {
        for (sig, cx) in &c.explored.counterexamples {
            n += 1;
            let cell = format!(
                "{} {}@{} {sig} ({}, {} preemptions)",
                c.scenario.name, c.proposal, c.kernel, cx.engine, cx.preemptions
            );
            if let Err(why) = replay_one(c, sig, cx) {
                bad.push((
                    c.scenario.name.clone(),
                    c.kernel.to_string(),
                    sig.clone(),
                    format!("{cell}: {why}"),
                ));
            }
        }
    }
    (n, bad)
}

fn replay_one(
    c: &pincheck::check::CellReport,
    sig: &str,
    cx: &pincheck::explore::Counterexample,
) -> Result<(), String> {
    let token = token_for(&c.scenario, c.proposal, c.kernel, cx);
    let text = token.encode();
    if Token::decode(&text).ok().as_ref() != Some(&token) {
        return Err(format!("token does not round-trip: {text}"));
    }
    let opts = ReplayOptions {
        token: text.clone(),
        scenarios: vec![c.scenario.path.clone()],
        until: None,
    };
    let got = replay(&opts).map_err(|e| format!("replay of {text}: {e}"))?;
    if let Some(note) = &got.hash_note {
        return Err(note.clone());
    }
    let e = &got.execution;
    if e.events != cx.events {
        let at = e
            .events
            .iter()
            .zip(&cx.events)
            .position(|(a, b)| a != b)
            .unwrap_or(e.events.len().min(cx.events.len()));
        return Err(format!(
            "replayed log differs at step {at} (lengths {} vs {}): {:?} vs {:?}; token {text}",
            e.events.len(),
            cx.events.len(),
            e.events.get(at),
            cx.events.get(at)
        ));
    }
    let sigs = |fs: &[pincheck_model::oracle::Finding]| {
        let mut v: Vec<String> = fs.iter().map(|f| f.signature()).collect();
        v.sort();
        v
    };
    if !sigs(&e.findings).iter().any(|s| s == sig) || e.findings != cx.findings {
        return Err(format!(
            "findings differ: {:?} vs {:?}",
            sigs(&e.findings),
            sigs(&cx.findings)
        ));
    }
    if e.threads != cx.threads || e.observations != cx.observations {
        return Err(format!(
            "threads or observations differ: {:?} vs {:?}",
            e.observations, cx.observations
        ));
    }
    Ok(())
}

/// Counterexamples `check` keeps that do not replay, as `(scenario, kernel or "*", signature or
/// "*")`. loom explores weak-memory outcomes (an Acquire load may return a value a later store in
/// the log already overwrote), which the sequentially consistent replayer cannot reproduce;
/// `explore` ranks such counterexamples after replayable ones and the report says when a kept one
/// relies on weak memory. None does today. The list must shrink, never grow: a counterexample
/// outside it that does not replay fails the test, and so does an entry that no longer fails.
const KNOWN_UNREPLAYABLE: &[(&str, &str, &str)] = &[
    // The RFC family's stale and omitted listings (H3): its unlocked walk of file_pins loads an
    // older list than the latest stored, a weak-memory outcome only loom explores; the replay
    // scheduler is sequentially consistent (the report says so).
    (
        "s08_procfs_read_vs_unpin",
        "*",
        "procfs-lie(fd0 at kfree_rcu.uobject)",
    ),
    (
        "s08_procfs_read_vs_unpin",
        "*",
        "procfs-lie(fd0 at show_fp.rcu_read_unlock)",
    ),
    (
        "s15_fd_reuse_vs_file_pins",
        "*",
        "procfs-lie(fd0 at unlock)",
    ),
];

fn known_unreplayable(scenario: &str, kernel: &str, sig: &str) -> Option<usize> {
    KNOWN_UNREPLAYABLE.iter().position(|(s, k, g)| {
        *s == scenario && (*k == "*" || *k == kernel) && (*g == "*" || *g == sig)
    })
}

/// Replay every counterexample of `r`; failures outside KNOWN_UNREPLAYABLE (when `allow`) fail.
#[track_caller]
fn assert_all_replay(r: &CheckReport, allow: bool, at_least: usize) {
    let (n, bad) = replay_all(r);
    let mut unexpected = Vec::new();
    let mut matched = vec![false; KNOWN_UNREPLAYABLE.len()];
    for (scenario, kernel, sig, why) in &bad {
        match known_unreplayable(scenario, kernel, sig).filter(|_| allow) {
            Some(i) => matched[i] = true,
            None => unexpected.push(why.clone()),
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} of {n} counterexamples do not replay:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(n >= at_least, "only {n} counterexamples");
    if allow {
        let scenarios: Vec<&str> = r.scenarios.iter().map(|s| s.name.as_str()).collect();
        for (i, (s, k, g)) in KNOWN_UNREPLAYABLE.iter().enumerate() {
            assert!(
                matched[i] || !scenarios.contains(s),
                "KNOWN_UNREPLAYABLE entry ({s}, {k}, {g}) replays now: remove it"
            );
        }
    }
}

/// Issue 4: a test replays every counterexample `check` finds on the scenario set (default
/// settings: loom and PCT merged), byte-identical log, same findings.
#[test]
fn every_counterexample_of_the_shipped_scenarios_replays_identically() {
    assert_all_replay(shipped(), true, 30);
}

#[test]
fn every_counterexample_of_the_control_fixtures_replays_identically() {
    assert_all_replay(fixtures(), true, 20);
}

/// Sequentially consistent counterexamples (shuttle PCT alone) all replay, with no exception.
#[test]
fn every_pct_counterexample_replays_identically() {
    let opts = CheckOptions {
        paths: vec![scenarios_dir(), fixture("controls")],
        proposals: Vec::new(),
        kernels: Vec::new(),
        settings: Settings {
            engine: EngineChoice::Pct,
            iterations: 300,
            ..Settings::default()
        },
        jobs: 2,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    let r = check(&opts).unwrap_or_else(|e| panic!("{e}"));
    assert_all_replay(&r, false, 50);
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

/// Draws choices from a proptest-generated list (0 once it runs out), so failures shrink.
struct Draw<'a> {
    choices: &'a [u32],
    at: usize,
}

impl Draw<'_> {
    fn below(&mut self, n: usize) -> usize {
        let v = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v as usize % n.max(1)
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
    fn pick<'s>(&mut self, from: &[&'s str]) -> &'s str {
        from[self.below(from.len())]
    }
}

/// Names never bound by any generated file.
const UNBOUND: &[&str] = &[
    "ghost", "fd9", "mr9", "p9", "uverbs9", "dax9", "lbl9", "setup",
];

/// Names in scope while generating, by kind prefix.
#[derive(Clone, Default)]
struct Scope {
    names: Vec<(&'static str, String)>,
}

impl Scope {
    fn of(&self, kind: &str) -> Vec<&str> {
        self.names
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

fn kind_key(arg_name: &str, kind: &pincheck::scenario::OpSpec) -> &'static str {
    // The vocabulary's argument kinds, by argument name (`as` depends on the op).
    match (arg_name, kind.keyword) {
        ("process" | "target" | "to", _) | ("as", "fork") => "process",
        ("device", _) => "device",
        ("file", _) => "data_file",
        ("mr", _) | ("as", "reg_mr") => "mr",
        ("as", "procfs_read" | "truncate") => "label",
        ("map", _) | ("as", "mmap") => "mapping",
        ("id", _) | ("as", "create_id") => "cm_id",
        _ => "fd",
    }
}

struct FileGen<'a, 'b> {
    d: &'a mut Draw<'b>,
    fresh: usize,
    /// A hostile file references unbound names, rebinds names, leaves out required arguments
    /// and uses out-of-range numbers; the others aim to parse.
    hostile: bool,
    /// Drawing a scenario thread's ops: no `exit` in a file that aims to parse, since another
    /// thread acting as the exiting process is refused (the model has no thread group) and the
    /// generator cannot see the other threads' ops yet. Exits stay in the setup and in
    /// `exit_at_quiescence`; hostile files still draw them anywhere.
    in_thread: bool,
}

impl FileGen<'_, '_> {
    /// An error-inducing choice, taken only in hostile files.
    fn mistake(&mut self, percent: usize) -> bool {
        self.hostile && self.d.percent(percent)
    }

    fn use_name(&mut self, scope: &Scope, kind: &str) -> String {
        let known = scope.of(kind);
        if known.is_empty() || self.mistake(15) {
            return self.d.pick(UNBOUND).to_string();
        }
        self.d.pick(&known).to_string()
    }

    fn bind_name(&mut self, scope: &mut Scope, kind: &'static str) -> String {
        let all: Vec<String> = scope.names.iter().map(|(_, n)| n.clone()).collect();
        if !all.is_empty() && self.mistake(10) {
            return all[self.d.below(all.len())].clone(); // a duplicate binding
        }
        self.fresh += 1;
        let prefix = match kind {
            "process" => "p",
            "mr" => "mr",
            "label" => "l",
            "mapping" => "map",
            "cm_id" => "id",
            _ => "fd",
        };
        let name = format!("{prefix}{}", self.fresh);
        scope.names.push((kind, name.clone()));
        name
    }

    /// An op whose used names exist in `scope` (after a few tries; hostile files take any).
    fn spec(&mut self, scope: &Scope) -> &'static pincheck::scenario::OpSpec {
        let mut spec = &OP_SPECS[self.d.below(OP_SPECS.len())];
        for _ in 0..4 {
            let usable = !(self.in_thread && spec.keyword == "exit")
                && spec.args.iter().all(|a| {
                    !a.required
                        || a.name == "as"
                        || a.name == "kind"
                        || a.name == "mc"
                        || !scope.of(kind_key(a.name, spec)).is_empty()
                });
            if usable || self.hostile {
                break;
            }
            spec = &OP_SPECS[self.d.below(OP_SPECS.len())];
        }
        spec
    }

    /// One op as an inline table on one line.
    fn op(&mut self, scope: &mut Scope, default_process: bool) -> String {
        let spec = self.spec(scope);
        let mut parts = vec![format!("op = \"{}\"", spec.keyword)];
        let procfs_kind = if self.d.percent(50) {
            "fdinfo"
        } else {
            "file_pins"
        };
        let mut binds = Vec::new();
        for a in spec.args {
            let key = kind_key(a.name, spec);
            let skip = match a.name {
                "process" => default_process && self.d.percent(60) || self.mistake(5),
                "fd" if spec.keyword == "procfs_read" => {
                    (procfs_kind == "file_pins") != self.mistake(10)
                }
                "pages" => self.d.percent(40),
                _ => !a.required && self.d.percent(50) || self.mistake(3),
            };
            if skip {
                continue;
            }
            match a.name {
                "pages" => {
                    let valid = [1, 2, 3, 1, 16];
                    let invalid = [0, 1025, -1];
                    let n = if self.mistake(20) {
                        invalid[self.d.below(invalid.len())]
                    } else {
                        valid[self.d.below(valid.len())]
                    };
                    parts.push(format!("pages = {n}"));
                }
                "kind" => parts.push(format!("kind = \"{procfs_kind}\"")),
                "bad_response" => parts.push(format!("bad_response = {}", self.d.percent(50))),
                "mc" => parts.push(format!("mc = {}", self.d.below(3))),
                "as" => binds.push(key),
                _ => {
                    let name = self.use_name(scope, key);
                    parts.push(format!("{} = \"{name}\"", a.name));
                }
            }
        }
        // Bind after reading the arguments: an op cannot use its own result.
        for key in binds {
            let name = self.bind_name(scope, key);
            parts.push(format!("as = \"{name}\""));
        }
        format!("{{ {} }}", parts.join(", "))
    }
}

/// The common start of a race: an fd with a context, often an MR.
fn prelude(g: &mut FileGen, scope: &mut Scope, out: &mut String) {
    if !g.d.percent(85) {
        return;
    }
    out.push_str("  { op = \"open\", process = \"p0\", device = \"uverbs0\", as = \"fd0\" },\n");
    out.push_str("  { op = \"get_context\", process = \"p0\", fd = \"fd0\" },\n");
    scope.names.push(("fd", "fd0".into()));
    if g.d.percent(70) {
        out.push_str("  { op = \"reg_mr\", process = \"p0\", fd = \"fd0\", file = \"dax0\", as = \"mr0\" },\n");
        scope.names.push(("mr", "mr0".into()));
    }
}

/// A valid-looking scenario file named `s_gen` built from `choices`.
fn generated_scenario(choices: &[u32]) -> String {
    let mut d = Draw { choices, at: 0 };
    let hostile = d.percent(25);
    let mut g = FileGen {
        d: &mut d,
        fresh: 0,
        hostile,
        in_thread: false,
    };
    let mut scope = Scope::default();
    let mut out = String::from("format = 1\nname = \"s_gen\"\nsummary = \"generated\"\n");
    out.push_str("sources = [\"https://example.org/generated\"]\n");
    let mut kernels: Vec<&str> = (0..1 + g.d.below(2))
        .map(|_| g.d.pick(KNOWN_KERNELS))
        .collect();
    if !g.hostile {
        kernels.dedup();
    }
    if !g.d.percent(20) {
        out.push_str(&format!("kernels = {kernels:?}\n"));
    }
    let mut decl = |g: &mut FileGen, key: &'static str, list: &str, first: &str, second: &str| {
        let mut v = vec![first.to_string()];
        if g.d.percent(40) {
            v.push(second.to_string());
        }
        out.push_str(&format!("{list} = {v:?}\n"));
        for n in v {
            scope.names.push((key, n));
        }
    };
    decl(&mut g, "process", "processes", "p0", "admin");
    decl(&mut g, "device", "devices", "uverbs0", "uverbs1");
    decl(&mut g, "data_file", "data_files", "dax0", "dax1");
    if g.d.percent(30) {
        out.push_str("exit_at_quiescence = [\"p0\"]\n");
    }
    out.push_str("setup = [\n");
    prelude(&mut g, &mut scope, &mut out);
    for _ in 0..g.d.below(4) {
        let op = g.op(&mut scope, false);
        out.push_str(&format!("  {op},\n"));
    }
    out.push_str("]\n");
    let threads = if g.mistake(15) { 1 } else { 2 + g.d.below(3) };
    let mut labels = scope
        .of("label")
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>();
    g.in_thread = true;
    for t in 0..threads {
        let mut local = scope.clone();
        out.push_str(&format!("\n[[threads]]\nname = \"t{t}\"\n"));
        let default_process = g.d.percent(60);
        if default_process {
            let p = g.use_name(&scope, "process");
            out.push_str(&format!("process = \"{p}\"\n"));
        }
        out.push_str("ops = [\n");
        for _ in 0..1 + g.d.below(3) {
            let op = g.op(&mut local, default_process);
            out.push_str(&format!("  {op},\n"));
        }
        out.push_str("]\n");
        labels.extend(local.of("label").iter().map(|l| l.to_string()));
    }
    out.push_str("\n[expect]\nnever = [\"any\"]\n");
    if let Some(l) = labels.first().filter(|_| g.d.percent(50)) {
        out.push_str(&format!(
            "sometimes = [{{ observe = \"{l}\", contains = \"fd\" }}]\n"
        ));
    }
    if g.d.percent(30) {
        let p = g.d.pick(KNOWN_PROPOSALS);
        out.push_str(&format!("[expect.verdicts]\n\"{p}@*\" = \"fail(leak)\"\n"));
    }
    out
}

/// Parse `src` as `path`; every error must be positioned from 1 and render.
fn parse_checked(path: &Path, src: &str) -> Option<Scenario> {
    match scenario::parse_str(path, src) {
        Ok(s) => Some(s),
        Err(e) => {
            for d in &e.errors {
                assert!(d.line >= 1 && d.column >= 1, "{d:?}\n{src}");
            }
            let _ = e.render_pretty(src);
            None
        }
    }
}

/// Explore `s` on `proposals` with tiny budgets under both engines (loom up to preemption bound
/// 1, then PCT); the model must neither panic nor hang.
fn explore_tiny(s: Scenario, proposals: &[&'static str], seed: u64) {
    let s = Arc::new(s);
    let settings = Settings {
        engine: EngineChoice::Both,
        preemptions: Preemptions::Bound(1),
        iterations: 20,
        seed,
        time_per_engine: Duration::from_secs(2),
        ..Settings::default()
    };
    let Some(kernel) = s.kernels.first().and_then(|k| Variant::by_name(k)) else {
        return;
    };

    for &proposal in proposals {
        let cell = Cell {
            scenario: Arc::clone(&s),
            proposal,
            kernel,
        };
        let start = Instant::now();
        let e = explore(&cell, &settings);
        let (_, listed) = expected(&s, proposal, kernel.name);
        let v = verdict(&s, &e, listed);
        assert!(
            !matches!(v, Verdict::ModelPanic(_)),
            "model panic on {proposal}@{}: {v:?} {:?}\n{}",
            kernel.name,
            e.runs.iter().map(|r| &r.model_panic).collect::<Vec<_>>(),
            s.source
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{proposal}@{} took {:?}\n{}",
            kernel.name,
            start.elapsed(),
            s.source
        );
    }
}

/// The shipped scenario texts, with their paths.
fn shipped_sources() -> Vec<(PathBuf, String)> {
    scenario::discover(&[scenarios_dir()])
        .expect("scenarios/")
        .into_iter()
        .map(|p| {
            let src = std::fs::read_to_string(&p).expect("readable");
            (p, src)
        })
        .collect()
}

/// Tokens a line-level mutation swaps in: names bound or not, numbers past the limits, keys.
const SWAP_TOKENS: &[&str] = &[
    "\"fd0\"",
    "\"mr0\"",
    "\"p0\"",
    "\"ghost\"",
    "\"uverbs0\"",
    "\"dax1\"",
    "0",
    "17",
    "1025",
    "-1",
    "\"close\"",
    "\"dereg_mr\"",
    "\"exit\"",
    "\"fork\"",
    "[]",
    "{}",
    "\"*\"",
    "\"\"",
];

fn mutate(src: &str, muts: &[(u8, usize, usize, usize)]) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    for &(op, a, b, t) in muts {
        if lines.is_empty() {
            break;
        }
        let (i, j) = (a % lines.len(), b % lines.len());
        match op % 6 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(j, l);
            }
            2 => lines.swap(i, j),
            3 => {
                // Replace the first quoted string or number of the line.
                let l = &lines[i];
                let tok = SWAP_TOKENS[t % SWAP_TOKENS.len()];
                if let Some(s) = l.find('"') {
                    if let Some(e) = l[s + 1..].find('"') {
                        lines[i] = format!("{}{tok}{}", &l[..s], &l[s + e + 2..]);
                    }
                } else if let Some(s) = l.find(|c: char| c.is_ascii_digit()) {
                    lines[i] = format!("{}{tok}{}", &l[..s], &l[s + 1..]);
                }
            }
            4 => {
                let l = &lines[i];
                let cut = l.char_indices().map(|(k, _)| k).nth(t % (l.len() + 1));
                lines[i] = l[..cut.unwrap_or(l.len())].to_string();
            }
            _ => lines.insert(i, SWAP_TOKENS[t % SWAP_TOKENS.len()].to_string()),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 256, ..ProptestConfig::default() })]

    /// Generated files from the op vocabulary: the parser never panics and positions every error;
    /// those that parse run under PCT on every proposal without a model panic or a hang.
    #[test]
    fn generated_scenarios_never_panic_the_parser_or_the_model(
        choices in proptest::collection::vec(any::<u32>(), 0..300),
        seed in any::<u64>(),
    ) {
        let src = generated_scenario(&choices);
        if let Some(s) = parse_checked(Path::new("s_gen.toml"), &src) {
            explore_tiny(s, KNOWN_PROPOSALS, seed);
        }
    }

    /// Shipped files mutated line by line: same guarantees.
    #[test]
    fn mutated_shipped_scenarios_never_panic_the_parser_or_the_model(
        file in any::<prop::sample::Index>(),
        muts in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<usize>()), 1..4),
        proposal in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let files = shipped_sources();
        let (path, src) = &files[file.index(files.len())];
        let src = mutate(src, &muts);
        if let Some(s) = parse_checked(path, &src) {
            let p = KNOWN_PROPOSALS[proposal.index(KNOWN_PROPOSALS.len())];
            explore_tiny(s, &[p], seed);
        }
    }
}

/// The generator is worth something only when many of its files parse.
#[test]
fn the_generator_mostly_builds_scenarios_that_parse() {
    let mut ok = 0;
    let total = 200u32;
    for case in 0..total {
        let choices: Vec<u32> = (0..300u32)
            .map(|i| {
                (case.wrapping_mul(2_654_435_761) ^ i.wrapping_mul(40_503)).rotate_left(i % 31)
            })
            .collect();
        if parse_checked(Path::new("s_gen.toml"), &generated_scenario(&choices)).is_some() {
            ok += 1;
        }
    }
    assert!(
        ok * 2 >= total,
        "only {ok} of {total} generated files parse"
    );
}

// ---------------------------------------------------------------------------------------------
// Limits (those `parse.rs` does not test already: setup's op limit, pages, the exact maxima).

fn s01_source() -> String {
    std::fs::read_to_string(scenarios_dir().join("s01_unplug_vs_last_close.toml")).expect("s01")
}

fn parse_s01_like(src: &str) -> Result<Scenario, scenario::ScenarioErrors> {
    scenario::parse_str(Path::new("scenarios/s01_unplug_vs_last_close.toml"), src)
}

/// The number of operations in S1's setup.
fn s01_setup_len() -> usize {
    parse_s01_like(&s01_source())
        .expect("S1 parses")
        .program
        .setup
        .len()
}

fn line_of(src: &str, needle: &str) -> usize {
    src.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn setup_with_more_than_ops_max_operations_is_rejected_at_the_first_extra_op() {
    let max = scenario::OPS_PER_THREAD_MAX;
    let extra =
        "  { op = \"mmap\", process = \"p0\", fd = \"fd0\" },\n".repeat(max + 1 - s01_setup_len());
    let src = s01_source().replacen("]\n\n[[threads]]", &format!("{extra}]\n\n[[threads]]"), 1);
    let errs = parse_s01_like(&src).expect_err("too many setup ops").errors;
    let d = errs
        .iter()
        .find(|d| d.message.contains("operations; at most"))
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!(
        d.message,
        format!(
            "`setup` has {} operations; at most {max} are allowed",
            max + 1
        )
    );
    // The first operation past the limit: the (max + 1)-th op line of setup (comments skipped).
    let extra_op = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("{ op ="))
        .nth(max)
        .map(|(i, _)| i + 1)
        .expect("the extra op");
    assert_eq!((d.line, d.column), (extra_op, 3), "{d:?}");
}

#[test]
fn pages_outside_one_to_pages_max_are_rejected() {
    for bad in [0i64, i64::from(scenario::PAGES_MAX) + 1, -3] {
        let src = s01_source().replacen("pages = 2", &format!("pages = {bad}"), 1);
        let errs = parse_s01_like(&src).expect_err("bad pages").errors;
        let want = format!(
            "`pages` of `reg_mr` must be between 1 and {}, found {bad}",
            scenario::PAGES_MAX
        );
        let d = errs
            .iter()
            .find(|d| d.message == want)
            .unwrap_or_else(|| panic!("{want}: {errs:?}"));
        let line = line_of(&src, "pages = ");
        assert_eq!(d.line, line, "{d:?}");
    }
}

/// Exactly at every limit is accepted: 4 threads, 16 ops in setup and in a thread, preemptions 6,
/// PAGES_MAX pages, a file of exactly SCENARIO_BYTES_MAX bytes.
#[test]
fn a_scenario_exactly_at_every_limit_parses() {
    let max = scenario::OPS_PER_THREAD_MAX;
    let mmap = "  { op = \"mmap\", process = \"p0\", fd = \"fd0\" },\n";
    let mut src = s01_source()
        .replacen(
            "]\n\n[[threads]]",
            &format!("{}]\n\n[[threads]]", mmap.repeat(max - s01_setup_len())),
            1,
        )
        .replacen("pages = 2", &format!("pages = {}", scenario::PAGES_MAX), 1)
        .replacen("exhaustive = true\n", "", 1)
        .replacen("kernels = [", "preemptions = 6\nkernels = [", 1);
    let close_ops = vec!["{ op = \"mmap\", fd = \"fd0\" }"; max - 1].join(", ");
    src = src.replacen(
        "ops = [{ op = \"close\", fd = \"fd0\" }]",
        &format!("ops = [{close_ops}, {{ op = \"close\", fd = \"fd0\" }}]"),
        1,
    );
    let more = "[[threads]]\nname = \"m1\"\nprocess = \"p0\"\nops = [{ op = \"mmap\", fd = \"fd0\" }]\n\n\
                [[threads]]\nname = \"m2\"\nprocess = \"p0\"\nops = [{ op = \"mmap\", fd = \"fd0\" }]\n\n[expect]";
    src = src.replacen("[expect]", more, 1);
    let pad = scenario::SCENARIO_BYTES_MAX - src.len() - 2;
    src.push_str(&format!("#{}\n", "x".repeat(pad)));
    assert_eq!(src.len(), scenario::SCENARIO_BYTES_MAX);
    let s = parse_s01_like(&src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.program.threads.len(), scenario::THREADS_MAX);
    assert_eq!(s.program.setup.len(), max);
    assert_eq!(s.program.threads[1].ops.len(), max);
    assert_eq!(
        s.preemptions,
        Some(Preemptions::Bound(scenario::PREEMPTIONS_MAX))
    );
    // One byte more is refused before parsing.
    src.push('\n');
    let errs = parse_s01_like(&src).expect_err("too big").errors;
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].message.contains("a scenario is at most"),
        "{errs:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Budgets.

/// Four threads at preemption bound 6 within one second: loom is cut and the verdict says so.
#[test]
fn a_search_too_big_for_its_budget_is_bound_reached_never_pass() {
    let s = Settings {
        engine: EngineChoice::Loom,
        preemptions: Preemptions::Bound(6),
        time_per_engine: Duration::from_secs(1),
        ..Settings::default()
    };
    let start = Instant::now();
    let r = check_with(vec![fixture("budget")], "context", "k53", s);
    let took = start.elapsed();
    assert_eq!(r.cells.len(), 1);
    let c = &r.cells[0];
    assert_eq!(c.scenario.program.threads.len(), scenario::THREADS_MAX);
    assert_eq!(c.verdict, Verdict::BoundReached, "{:?}", c.explored.runs);
    assert!(c.matches());
    let loom = &c.explored.runs[0];
    assert_eq!(loom.engine, "loom");
    assert_eq!(loom.cut, Some(Cut::Time), "{loom:?}");
    assert!(loom.executions > 0 && loom.mode.contains("cut"), "{loom:?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    // The JSON and the matrix say it too.
    let json = pincheck::report::json::render(&r);
    assert!(json.contains("\"verdict\": \"bound-reached\""), "{json}");
    assert!(json.contains("\"cut\": \"Time\""), "{json}");
}

/// The parser stops at THREADS_MAX, but `explore` takes any `Scenario`: five threads (one past
/// loom's limit counting its main thread) fall back to shuttle PCT with a note, never aborting
/// the process as loom itself would.
#[test]
fn five_threads_built_by_hand_fall_back_to_pct_instead_of_aborting() {
    let path = fixture("budget/b01_four_threads_six_preemptions.toml");
    let mut s = scenario::load(&path).expect("fixture parses");
    let mut extra = s.program.threads[0].clone();
    extra.name = "unplug2".into();
    s.program.threads.push(extra);
    assert_eq!(s.program.threads.len() + 1, LOOM_THREADS_MAX + 1);
    let cell = Cell {
        scenario: Arc::new(s),
        proposal: "context",
        kernel: Variant::by_name("k53").expect("k53"),
    };
    let settings = Settings {
        engine: EngineChoice::Loom,
        iterations: 50,
        time_per_engine: Duration::from_secs(5),
        ..Settings::default()
    };
    let e = explore(&cell, &settings);
    let engines: Vec<&str> = e.runs.iter().map(|r| r.engine).collect();
    assert_eq!(engines, vec!["pct"], "{:?}", e.notes);
    assert!(
        e.notes.iter().any(|n| n.contains("exceed loom's limit")),
        "{:?}",
        e.notes
    );
    assert!(e.runs[0].model_panic.is_none(), "{:?}", e.runs[0]);
    assert_eq!(e.runs[0].executions, 50);
}

// ---------------------------------------------------------------------------------------------
// Engines against each other.

/// PCT reaching what loom at preemption bound 0 did not is the bound's limit, one note per
/// engine; against loom's unbounded search (s01 is `exhaustive`) there is nothing of the kind,
/// and an `ENGINE DISAGREEMENT` would be a blind spot the gate warns on.
#[test]
fn pct_beyond_a_bounded_loom_is_a_note_and_an_unbounded_loom_leaves_it_nothing() {
    let settings = |p| Settings {
        engine: EngineChoice::Both,
        preemptions: p,
        iterations: 300,
        ..Settings::default()
    };
    // s04 is `exhaustive` (always unbounded, see the file); this needs loom at bound 0, so a
    // copy without that line.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(scenarios_dir().join("s04_dereg_vs_destroy_all.toml"))
        .expect("s04 reads");
    assert!(
        text.contains("\nexhaustive = true\n"),
        "s04 is no longer exhaustive"
    );
    let s04 = dir.path().join("s04_dereg_vs_destroy_all.toml");
    std::fs::write(&s04, text.replace("\nexhaustive = true\n", "\n")).expect("write s04");
    let r = check_with(
        vec![s04],
        "context",
        "v5.3-7452a3c745a2",
        settings(Preemptions::Bound(0)),
    );
    let notes = &r.cells[0].explored.notes;
    let beyond: Vec<&String> = notes
        .iter()
        .filter(|n| n.starts_with("beyond loom's bound: pct reached "))
        .collect();
    assert_eq!(beyond.len(), 1, "{notes:#?}");
    assert!(beyond[0].contains("preemption bound 0"), "{}", beyond[0]);
    assert!(
        !notes.iter().any(|n| n.contains("DISAGREEMENT")),
        "{notes:#?}"
    );

    let s01 = scenarios_dir().join("s01_unplug_vs_last_close.toml");
    let r = check_with(vec![s01], "rfc-v2", "k53", settings(Preemptions::Bound(0)));
    let c = &r.cells[0];
    let loom = c
        .explored
        .runs
        .iter()
        .find(|r| r.engine == "loom")
        .expect("loom ran");
    assert!(
        loom.mode.starts_with("unbounded, complete"),
        "{}",
        loom.mode
    );
    assert!(
        !c.explored
            .notes
            .iter()
            .any(|n| n.contains("DISAGREEMENT") || n.starts_with("beyond loom's bound")),
        "{:#?}",
        c.explored.notes
    );
}
