//! The reviewable text of one cell, as the `snapshots/` folder holds it (one insta snapshot per
//! scenario × proposal × kernel): verdicts, engine modes and bounds, executions per engine, the
//! outcome set with counts, unreached goals, notes and, for a failing verdict, the shortest
//! counterexample's text report.
//!
//! Everything here is a pure function of the cell and is stable from run to run: the model is
//! deterministic, loom's DPOR enumerates in a fixed order, and shuttle's PCT and random schedulers
//! are seeded. Left out on purpose: times (they vary), file paths (they depend on the checkout and
//! the working directory) and the scenario file's hash (a comment edit would change every failing
//! cell's snapshot; the gate certificate carries it). The hash is written `[scenario-hash]` inside
//! replay tokens.

use std::fmt::Write;

use pincheck_model::kernel::Variant;

use crate::check::CellReport;
use crate::explore::Counterexample;
use crate::verdict::Verdict;

/// The snapshot name of a cell: `<scenario>@<proposal>@<kernel>`.
pub fn name(c: &CellReport) -> String {
    format!("{}@{}@{}", c.scenario.name, c.proposal, c.kernel)
}

/// The shortest counterexample (fewest preemptions, then fewest steps) among those carrying a
/// finding of a kind the verdict names.
pub fn shortest_counterexample(c: &CellReport) -> Option<(&str, &Counterexample)> {
    let Verdict::Fail(kinds) = &c.verdict else {
        return None;
    };
    c.explored
        .counterexamples
        .iter()
        .filter(|(_, cx)| cx.findings.iter().any(|f| kinds.contains(&f.kind)))
        .min_by_key(|(sig, cx)| (cx.preemptions, cx.events.len(), sig.as_str()))
        .map(|(sig, cx)| (sig.as_str(), cx))
}

/// The snapshot text of a cell.
pub fn render(c: &CellReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario: {}", c.scenario.name);
    let _ = writeln!(out, "proposal: {}", c.proposal);
    let _ = writeln!(out, "kernel:   {}", Variant::spelt_out(c.kernel));
    let _ = writeln!(out, "verdict:  {}", c.verdict);
    let _ = writeln!(
        out,
        "expected: {}{}",
        c.expected,
        if c.listed {
            " (listed)"
        } else {
            " (never list)"
        }
    );
    let _ = writeln!(out, "engines:");
    for r in &c.explored.runs {
        let _ = writeln!(out, "  {}: {}", r.engine, r.mode);
        let _ = writeln!(
            out,
            "    executions {} ({} over all bounds), longest execution {} steps{}",
            r.executions,
            r.executions_total,
            r.steps_max,
            r.cut
                .as_ref()
                .map(|c| format!(", CUT {c:?}"))
                .unwrap_or_default()
        );
    }
    for line in crate::report::outcome_table(&c.explored) {
        let _ = writeln!(out, "{line}");
    }
    for (i, g) in c.explored.goals.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}: {}",
            crate::gate::goal_text(c, i),
            if *g { "reached" } else { "NEVER REACHED" }
        );
    }
    for n in &c.explored.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if let Some((sig, cx)) = shortest_counterexample(c) {
        let _ = writeln!(
            out,
            "\nshortest counterexample: {sig}, {} steps, {} preemption(s), by {}",
            cx.events.len(),
            cx.preemptions,
            cx.engine
        );
        let token = crate::replay::token_for(&c.scenario, c.proposal, c.kernel, cx).encode();
        let ctx = crate::render::RenderContext {
            scenario: &c.scenario.name,
            proposal: c.proposal,
            kernel: c.kernel,
            token: Some(&token),
            scenario_file: None,
            graph: None,
            unfold: false,
        };
        let text = crate::render::text(cx, &ctx);
        out.push_str(&text.replace(&c.scenario.hash, "[scenario-hash]"));
    }
    out
}
