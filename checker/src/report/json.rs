//! `--format json`: one object per cell with at least `scenario`, `proposal`, `kernel`, `engine`,
//! `verdict`, `expected`, `matches`, `findings` (each with `kind` and its `replay` token and
//! command), `outcomes` and `executions` (both per engine, never summed).

use serde_json::{json, Value};

use crate::check::{CellReport, CheckReport};

/// The JSON document (a list of cells).
pub fn render(report: &CheckReport) -> String {
    let cells: Vec<Value> = report.cells.iter().map(cell).collect();
    serde_json::to_string_pretty(&Value::Array(cells)).unwrap_or_else(|_| "[]".into())
}

/// Each finding of a cell (one per signature: its shortest counterexample), with its replay
/// token and command.
fn findings(c: &CellReport) -> Vec<Value> {
    let file = crate::replay::scenario_arg(&c.scenario);
    let mut out = Vec::new();
    for (sig, cx) in &c.explored.counterexamples {
        let token = crate::replay::token_for(&c.scenario, c.proposal, c.kernel, cx).encode();
        for f in cx.findings.iter().filter(|f| &f.signature() == sig) {
            out.push(json!({
                "kind": f.kind.name(),
                "signature": sig,
                "title": f.title,
                "object": f.object,
                "object_role": f.object.as_ref().and_then(|o| cx.roles.get(o)),
                "at": f.at,
                "details": f.details,
                "counterexample": {
                    "engine": cx.engine,
                    "preemptions": cx.preemptions,
                    "steps": cx.events.len(),
                },
                "replay": {
                    "token": token,
                    "command": crate::replay::command(&token, file.as_deref()),
                },
            }));
        }
    }
    out
}

/// One cell as JSON.
pub fn cell(c: &CellReport) -> Value {
    let engines: Vec<&str> = c.explored.runs.iter().map(|r| r.engine).collect();
    let findings = findings(c);
    let outcomes: Vec<Value> = c
        .explored
        .outcomes
        .iter()
        .map(|(k, n)| json!({ "outcome": k, "executions": n }))
        .collect();
    let runs: Vec<Value> = c
        .explored
        .runs
        .iter()
        .map(|r| {
            json!({
                "engine": r.engine,
                "mode": r.mode,
                "executions": r.executions,
                "executions_total": r.executions_total,
                "cut": r.cut.as_ref().map(|c| format!("{c:?}")),
                "complete": r.cut.is_none() && r.model_panic.is_none(),
                "preemptions": r.bound.map(crate::gate::preemptions_json),
                "seed": r.seed,
                "elapsed_ms": r.elapsed.as_millis() as u64,
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
        "engine": engines.join("+"),
        "verdict": c.verdict.to_string(),
        "expected": c.expected.to_string(),
        "matches": c.matches(),
        "findings": findings,
        "outcomes": outcomes,
        "executions": c
            .explored
            .runs
            .iter()
            .map(|r| (r.engine, r.executions))
            .collect::<std::collections::BTreeMap<_, _>>(),
        "runs": runs,
        "goals_reached": c.explored.goals,
        "notes": c.explored.notes,
    })
}
