//! `pincheck gate`: what CI runs. A check run passes the gate when
//!
//! - every verdict equals its expectation (a `sometimes` goal never reached already makes the
//!   verdict `vacuous`, and a model panic never matches);
//! - no bound cut a search, whatever the expectation says (`bound-reached` proves nothing);
//! - for a scenario with `exhaustive = true`, loom ran and completed its search on every cell.
//!
//! It writes a **verdict certificate** (one JSON file, deterministic: no times) naming, per cell,
//! the verdict, each engine's mode, bound and executions, the seed, the hash of the model source
//! (`build.rs`) and of the scenario file, and each finding with its replay token. Given the certificate of an earlier run (`--baseline`),
//! it lists every cell whose execution counts changed while its verdict did not: a change to the
//! model or to a scenario that moved the explored state space without anyone seeing it in a
//! verdict. Those are warnings, errors with `--strict`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::check::{check, CellReport, CheckOptions, CheckReport};
use crate::error::Error;
use crate::explore::{bound_of, EngineRun, Preemptions, Settings, UNBOUNDED};
use crate::verdict::Verdict;

/// Hash (64-bit FNV-1a over every file of `model/src`, sorted by path) of the model source this
/// binary was built from.
pub const MODEL_HASH: &str = env!("PINCHECK_MODEL_HASH");

/// Version of the certificate's JSON layout.
pub const CERTIFICATE_FORMAT: u64 = 1;

/// What to gate.
#[derive(Clone, Debug)]
pub struct GateOptions {
    /// The check run.
    pub check: CheckOptions,
    /// Where the certificate goes.
    pub certificate: PathBuf,
    /// A previous certificate to compare execution counts with.
    pub baseline: Option<PathBuf>,
    /// Silent execution-count changes are errors, not warnings.
    pub strict: bool,
}

/// One thing the gate found, about one cell (or the whole run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `scenario proposal@kernel`, or empty for the run.
    pub cell: String,
    /// Which rule: `verdict`, `bound`, `exhaustive`, `executions`, `goal`, `engines`, `baseline`.
    pub rule: &'static str,
    /// What happened.
    pub text: String,
}

/// The gate's findings about a run.
#[derive(Clone, Debug, Default)]
pub struct GateReport {
    /// Failures: the gate does not pass.
    pub errors: Vec<Problem>,
    /// Worth reading, not failing.
    pub warnings: Vec<Problem>,
    /// Cells compared with the baseline (None: no baseline).
    pub compared: Option<usize>,
    /// Cells checked.
    pub cells: usize,
}

impl GateReport {
    /// No errors.
    pub fn passed(&self) -> bool {
        self.errors.is_empty()
    }
}

/// `scenario proposal@kernel`.
pub fn cell_id(c: &CellReport) -> String {
    format!("{} {}@{}", c.scenario.name, c.proposal, c.kernel)
}

/// A preemption bound in JSON: the number, or `"unbounded"`.
pub fn preemptions_json(p: Preemptions) -> Value {
    match p {
        Preemptions::Bound(n) => json!(n),
        Preemptions::Unbounded => json!(UNBOUNDED),
    }
}

fn bound(r: &EngineRun, c: &CellReport, s: &Settings) -> Value {
    match r.engine {
        "loom" => json!({
            "preemptions": preemptions_json(r.bound.unwrap_or_else(|| bound_of(&c.scenario, s))),
        }),
        "pct" => json!({ "iterations": s.iterations, "depth": s.pct_depth }),
        "random" => json!({ "iterations": s.iterations }),
        _ => json!({ "iterations": null }),
    }
}

/// The certificate entry of one cell.
pub fn cell_certificate(c: &CellReport, s: &Settings) -> Value {
    let engines: Vec<Value> = c
        .explored
        .runs
        .iter()
        .map(|r| {
            json!({
                "engine": r.engine,
                "mode": r.mode,
                "bound": bound(r, c, s),
                "complete": r.cut.is_none() && r.model_panic.is_none(),
                "cut": r.cut.as_ref().map(|x| format!("{x:?}")),
                "executions": r.executions,
                "executions_total": r.executions_total,
                "seed": r.seed,
            })
        })
        .collect();
    json!({
        "scenario": c.scenario.name,
        "file": c.scenario.path.display().to_string(),
        "scenario_hash": c.scenario.hash,
        "proposal": c.proposal,
        "kernel": c.kernel,
        "kernel_spec": pincheck_model::kernel::Variant::spelt_out(c.kernel),
        "verdict": c.verdict.to_string(),
        "expected": c.expected.to_string(),
        "matches": c.matches(),
        "exhaustive": c.scenario.exhaustive,
        "model_hash": MODEL_HASH,
        "seed": s.seed,
        "engines": engines,
        "goals_reached": c.explored.goals,
        "outcomes": c.explored.outcomes.len(),
        "findings": findings(c),
    })
}

/// Each finding of a cell with the replay token of its shortest counterexample.
fn findings(c: &CellReport) -> Vec<Value> {
    c.explored
        .counterexamples
        .iter()
        .map(|(sig, cx)| {
            let kind = cx
                .findings
                .iter()
                .find(|f| &f.signature() == sig)
                .map(|f| f.kind.name());
            json!({
                "kind": kind,
                "signature": sig,
                "replay": crate::replay::token_for(&c.scenario, c.proposal, c.kernel, cx).encode(),
            })
        })
        .collect()
}

/// The whole certificate: the run's settings, the gate's result and one entry per cell.
pub fn certificate(report: &CheckReport, opts: &CheckOptions, gate: &GateReport) -> Value {
    let s = &opts.settings;
    let problems = |v: &[Problem]| -> Vec<Value> {
        v.iter()
            .map(|p| json!({ "cell": p.cell, "rule": p.rule, "text": p.text }))
            .collect()
    };
    json!({
        "format": CERTIFICATE_FORMAT,
        "tool": format!("pincheck {}", env!("CARGO_PKG_VERSION")),
        "model_hash": MODEL_HASH,
        "settings": {
            "engine": format!("{:?}", s.engine).to_lowercase(),
            "preemptions": preemptions_json(s.preemptions),
            "iterations": s.iterations,
            "seed": s.seed,
            "pct_depth": s.pct_depth,
            "time_per_engine_s": s.time_per_engine.as_secs_f64(),
            "proposals": opts.proposals,
            "kernels": opts.kernels,
            "shard": opts.shard.map(|(i, n)| format!("{i}/{n}")),
        },
        "passed": gate.passed(),
        "errors": problems(&gate.errors),
        "warnings": problems(&gate.warnings),
        "cells": report.cells.iter().map(|c| cell_certificate(c, s)).collect::<Vec<_>>(),
    })
}

/// The rules that need only the run.
fn judge_cell(c: &CellReport, g: &mut GateReport) {
    let id = cell_id(c);
    let mut err = |rule, text: String| {
        g.errors.push(Problem {
            cell: id.clone(),
            rule,
            text,
        })
    };
    if !c.matches() {
        err(
            "verdict",
            format!("verdict {}, expected {}", c.verdict, c.expected),
        );
    }
    for r in c.explored.runs.iter().filter(|r| r.cut.is_some()) {
        err(
            "bound",
            format!(
                "{}'s search was cut ({:?}) after {} executions: nothing is certified",
                r.engine,
                r.cut.as_ref().expect("filtered"),
                r.executions
            ),
        );
    }
    if c.scenario.exhaustive {
        match c.explored.runs.iter().find(|r| r.engine == "loom") {
            None => err(
                "exhaustive",
                "the scenario is exhaustive but loom did not run (engine choice or thread count)"
                    .into(),
            ),
            Some(r) if r.cut.is_some() || r.model_panic.is_some() => err(
                "exhaustive",
                format!(
                    "the scenario is exhaustive but loom did not complete ({})",
                    r.mode
                ),
            ),
            Some(_) => {}
        }
    }
    warn_cell(c, &id, g);
}

/// `sometimes goal #2 { between = ... }`: a goal by number, quoted as the file writes it.
pub fn goal_text(c: &CellReport, i: usize) -> String {
    match c.scenario.expect.sometimes.get(i) {
        Some(g) => format!("sometimes goal #{} {g}", i + 1),
        None => format!("sometimes goal #{}", i + 1),
    }
}

/// The rules that warn only: goals a failing cell never reached (its finding came without the
/// race the scenario is about), engine disagreements. A goal never reached in a cell the file
/// expects to be `vacuous` is that expectation met, checked as an error when it is not: no
/// warning, or a gate over a design that refuses the scenario's premise (`no-dax-pins`) would
/// print one per goal and cell and teach its readers to skip warnings.
fn warn_cell(c: &CellReport, id: &str, g: &mut GateReport) {
    let mut warn = |rule, text: String| {
        g.warnings.push(Problem {
            cell: id.to_string(),
            rule,
            text,
        })
    };
    for (i, reached) in c.explored.goals.iter().enumerate() {
        if *reached {
            continue;
        }
        let goal = goal_text(c, i);
        match (&c.verdict, &c.expected) {
            (Verdict::Fail(_), _) if c.matches() => warn(
                "goal",
                format!("{goal} never reached (the expected finding may prevent it)"),
            ),
            _ => {}
        }
    }
    for n in c
        .explored
        .notes
        .iter()
        .filter(|n| n.starts_with("ENGINE DISAGREEMENT"))
    {
        warn("engines", n.clone());
    }
}

fn executions_of(cell: &Value) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    for e in cell["engines"].as_array().into_iter().flatten() {
        let name = e["engine"].as_str().unwrap_or("?").to_string();
        let n = e["executions"].as_u64().unwrap_or(0);
        let t = e["executions_total"].as_u64().unwrap_or(n);
        out.insert(name, (n, t));
    }
    out
}

fn key_of(cell: &Value) -> (String, String, String) {
    let s = |k: &str| cell[k].as_str().unwrap_or("").to_string();
    (s("scenario"), s("proposal"), s("kernel"))
}

/// Per engine, how its execution counts moved.
fn count_changes(
    a: &BTreeMap<String, (u64, u64)>,
    b: &BTreeMap<String, (u64, u64)>,
) -> Vec<String> {
    let mut changes = Vec::new();
    for engine in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        match (a.get(engine), b.get(engine)) {
            (Some(x), Some(y)) if x == y => {}
            (Some((n0, t0)), Some((n1, t1))) => changes.push(format!(
                "{engine} {n0} -> {n1} ({t0} -> {t1} over all bounds)"
            )),
            (Some(_), None) => changes.push(format!("{engine} no longer runs")),
            (None, Some((n, _))) => changes.push(format!("{engine} new ({n})")),
            (None, None) => {}
        }
    }
    changes
}

/// What differs between two certificate entries that could explain other counts.
fn causes(before: &Value, now: &Value) -> Vec<&'static str> {
    let mut why = Vec::new();
    if before["model_hash"] != now["model_hash"] {
        why.push("model source changed");
    }
    if before["scenario_hash"] != now["scenario_hash"] {
        why.push("scenario file changed");
    }
    let bounds = |v: &Value| -> Vec<Value> {
        v["engines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["bound"].clone())
            .collect()
    };
    if bounds(before) != bounds(now) || before["seed"] != now["seed"] {
        why.push("bounds or seed changed");
    }
    if why.is_empty() {
        why.push(
            "same model source, scenario and bounds: the checker changed, \
             or the run is not deterministic",
        );
    }
    why
}

/// Compare the run's cells with a baseline certificate: execution counts that changed while the
/// verdict did not (warnings, errors when `strict`); verdicts that changed since (warnings: the
/// verdict rule already judges them against the scenario).
pub fn compare(
    report: &CheckReport,
    s: &Settings,
    baseline: &Value,
    strict: bool,
    g: &mut GateReport,
) {
    let old: BTreeMap<_, &Value> = baseline["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (key_of(c), c))
        .collect();
    let mut compared = 0;
    for c in &report.cells {
        let now = cell_certificate(c, s);
        let Some(before) = old.get(&key_of(&now)) else {
            continue;
        };
        compared += 1;
        let id = cell_id(c);
        if before["verdict"] != now["verdict"] {
            g.warnings.push(Problem {
                cell: id,
                rule: "baseline",
                text: format!(
                    "verdict changed since the baseline: {} -> {}",
                    before["verdict"].as_str().unwrap_or("?"),
                    c.verdict
                ),
            });
            continue;
        }
        let (a, b) = (executions_of(before), executions_of(&now));
        if a == b {
            continue;
        }
        let (changes, why) = (count_changes(&a, &b), causes(before, &now));
        let p = Problem {
            cell: id,
            rule: "executions",
            text: format!(
                "executions changed, verdict did not ({}): {}",
                why.join(", "),
                changes.join("; ")
            ),
        };
        if strict {
            g.errors.push(p);
        } else {
            g.warnings.push(p);
        }
    }
    g.compared = Some(compared);
}

/// Judge a run (and compare it with a baseline certificate, when given).
pub fn evaluate(
    report: &CheckReport,
    s: &Settings,
    baseline: Option<&Value>,
    strict: bool,
) -> GateReport {
    let mut g = GateReport {
        cells: report.cells.len(),
        ..GateReport::default()
    };
    for c in &report.cells {
        judge_cell(c, &mut g);
    }
    if let Some(b) = baseline {
        compare(report, s, b, strict, &mut g);
    }
    g
}

/// Read a certificate written by an earlier gate.
pub fn read_certificate(path: &std::path::Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}: not a pincheck certificate: {e}",
            path.display()
        ))
    })?;
    if v["format"].as_u64() != Some(CERTIFICATE_FORMAT) || !v["cells"].is_array() {
        return Err(Error::Usage(format!(
            "{}: not a pincheck certificate (format {CERTIFICATE_FORMAT} with `cells`)",
            path.display()
        )));
    }
    Ok(v)
}

/// Write `text` to `path`, creating its folder.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)
}

/// The gate summary printed after the matrix.
pub fn summary(g: &GateReport, certificate: &std::path::Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ngate: {}",
        if g.passed() { "PASSED" } else { "FAILED" }
    );
    for (label, list) in [("error", &g.errors), ("warning", &g.warnings)] {
        for p in list {
            let cell = if p.cell.is_empty() {
                "run"
            } else {
                p.cell.as_str()
            };
            let _ = writeln!(out, "  {label}[{}] {cell}: {}", p.rule, p.text);
        }
    }
    let _ = writeln!(
        out,
        "  {} cells; {} error(s), {} warning(s); baseline: {}; model source {MODEL_HASH}",
        g.cells,
        g.errors.len(),
        g.warnings.len(),
        match g.compared {
            None => "none".to_string(),
            Some(n) => format!("{n} cells compared"),
        }
    );
    let _ = writeln!(out, "  certificate: {}", certificate.display());
    out
}

/// Run the check, judge it, write the certificate. Returns the check report and the gate's.
pub fn gate(opts: &GateOptions) -> Result<(CheckReport, GateReport), Error> {
    // Read the baseline first: a bad path should fail before minutes of exploration.
    let baseline = opts.baseline.as_deref().map(read_certificate).transpose()?;
    let report = check(&opts.check)?;
    let g = evaluate(
        &report,
        &opts.check.settings,
        baseline.as_ref(),
        opts.strict,
    );
    let cert = certificate(&report, &opts.check, &g);
    let text = serde_json::to_string_pretty(&cert).unwrap_or_else(|_| "{}".into());
    write_file(&opts.certificate, &format!("{text}\n"))?;
    Ok((report, g))
}
