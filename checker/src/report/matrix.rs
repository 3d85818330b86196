//! The terminal rendering: a matrix a reviewer reads at a glance (scenarios down,
//! proposal@kernel across), then the details of every cell that differs from its expectation.

use std::fmt::Write;

use pincheck_model::oracle::FindingKind;

use crate::check::{CellReport, CheckReport};
use crate::verdict::Verdict;

/// Short cell text: `pass`, `uaf`, `leak+uaf`, `vacuous`, `bound`, with `!` when it differs.
pub fn short(v: &Verdict) -> String {
    match v {
        Verdict::Pass => "pass".into(),
        Verdict::Vacuous => "vacuous".into(),
        Verdict::BoundReached => "bound".into(),
        Verdict::ModelPanic(_) => "PANIC".into(),
        Verdict::Fail(kinds) => kinds
            .iter()
            .map(|k| abbrev(*k))
            .collect::<Vec<_>>()
            .join("+"),
    }
}

fn abbrev(k: FindingKind) -> &'static str {
    match k {
        FindingKind::UseAfterFree => "uaf",
        FindingKind::DoubleFree => "dfree",
        FindingKind::RefcountUnderflow => "undflow",
        FindingKind::RefcountIncFromZero => "inc0",
        FindingKind::UnpinTwice => "unpin2",
        FindingKind::Leak => "leak",
        FindingKind::Deadlock => "dlock",
        FindingKind::ProcfsLie => "lie",
    }
}

/// The whole text report: the matrix, a summary line, then details of every cell that differs
/// (or, with `all_details`, of every cell with findings or notes).
pub fn render(report: &CheckReport, all_details: bool, unfold: bool) -> String {
    let mut out = String::new();
    let mut proposals: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !proposals.contains(&c.proposal) {
            proposals.push(c.proposal);
        }
    }
    let name_w = report
        .scenarios
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let kernel_w = report
        .cells
        .iter()
        .map(|c| c.kernel.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let text = |c: &CellReport| {
        if c.matches() {
            short(&c.verdict)
        } else {
            format!("{}!", short(&c.verdict))
        }
    };
    let col_w: Vec<usize> = proposals
        .iter()
        .map(|p| {
            report
                .cells
                .iter()
                .filter(|c| c.proposal == *p)
                .map(|c| text(c).len())
                .max()
                .unwrap_or(4)
                .max(p.len())
        })
        .collect();
    let _ = write!(out, "{:name_w$}  {:kernel_w$}", "scenario", "kernel");
    for (p, w) in proposals.iter().zip(&col_w) {
        let _ = write!(out, "  {p:>w$}");
    }
    out.push('\n');
    for s in &report.scenarios {
        let mut kernels: Vec<&str> = Vec::new();
        for c in report.cells.iter().filter(|c| c.scenario.name == s.name) {
            if !kernels.contains(&c.kernel) {
                kernels.push(c.kernel);
            }
        }
        for (i, k) in kernels.iter().enumerate() {
            let name = if i == 0 { s.name.as_str() } else { "" };
            let _ = write!(out, "{name:name_w$}  {k:kernel_w$}");
            for (p, w) in proposals.iter().zip(&col_w) {
                let cell = report
                    .cells
                    .iter()
                    .find(|c| c.scenario.name == s.name && c.proposal == *p && c.kernel == *k);
                let t = cell.map(text).unwrap_or_else(|| "-".into());
                let _ = write!(out, "  {t:>w$}");
            }
            out.push('\n');
        }
    }
    let differ: Vec<&CellReport> = report.cells.iter().filter(|c| !c.matches()).collect();
    let notes: usize = report.cells.iter().map(|c| c.explored.notes.len()).sum();
    let executions: u64 = report
        .cells
        .iter()
        .flat_map(|c| c.explored.runs.iter())
        .map(|r| r.executions_total)
        .sum();
    out.push('\n');
    let _ = writeln!(
        out,
        "{} cells: {} as expected, {} differ (marked !); {} note(s); {} executions; {:.1}s",
        report.cells.len(),
        report.cells.len() - differ.len(),
        differ.len(),
        notes,
        executions,
        report.elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "verdicts: pass, or the finding kinds reached (uaf use-after-free, dfree double-free, undflow refcount-underflow, inc0 refcount-inc-from-zero, unpin2 unpin-twice, leak, dlock deadlock, lie procfs-lie), vacuous, bound");
    let shown = |c: &&CellReport| {
        !c.matches()
            || !c.explored.notes.is_empty()
            || (all_details && !c.explored.counterexamples.is_empty())
    };
    for c in report.cells.iter().filter(shown) {
        out.push('\n');
        out.push_str(&details(c, unfold));
    }
    out
}

/// The details of one cell: verdicts, runs, outcome set, notes, findings (every step of their
/// reports with `unfold`).
pub fn details(c: &CellReport, unfold: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {} {}@{} ({})",
        c.scenario.name,
        c.proposal,
        c.kernel,
        c.scenario.path.display()
    );
    let _ = writeln!(
        out,
        "   verdict {}, expected {}{}",
        c.verdict,
        c.expected,
        if c.matches() { "" } else { "  <-- DIFFERS" }
    );
    if let Verdict::ModelPanic(p) = &c.verdict {
        let _ = writeln!(out, "   model panic: {p}");
    }
    for r in &c.explored.runs {
        let _ = writeln!(
            out,
            "   {}: {} executions ({} over all bounds), {}, {:.0} ms",
            r.engine,
            r.executions,
            r.executions_total,
            r.mode,
            r.elapsed.as_secs_f64() * 1000.0
        );
    }
    for line in crate::report::outcome_table(&c.explored) {
        let _ = writeln!(out, "   {line}");
    }
    for (i, g) in c.explored.goals.iter().enumerate() {
        if !g {
            let _ = writeln!(out, "   sometimes goal #{} never reached", i + 1);
        }
    }
    for n in &c.explored.notes {
        let _ = writeln!(out, "   note: {n}");
    }
    for (sig, cx) in &c.explored.counterexamples {
        let _ = writeln!(
            out,
            "   finding {sig}: shortest counterexample {} steps, {} preemption(s), by {}",
            cx.events.len(),
            cx.preemptions,
            cx.engine
        );
        if crate::explore::weak_memory(&cx.events) {
            let _ = writeln!(
                out,
                "     (this interleaving relies on a load reading an older value, a weak-memory outcome \
                 only loom explores: `pincheck replay` runs sequentially consistent schedules and \
                 cannot reproduce it)"
            );
        }
        if let Some(how) = c.explored.shrunk.get(sig) {
            let _ = writeln!(out, "     ({how})");
        }
        let token = crate::replay::token_for(&c.scenario, c.proposal, c.kernel, cx).encode();
        let file = crate::replay::scenario_arg(&c.scenario);
        let ctx = crate::render::RenderContext {
            scenario: &c.scenario.name,
            proposal: c.proposal,
            kernel: c.kernel,
            token: Some(&token),
            scenario_file: file.as_deref(),
            graph: None,
            unfold,
        };
        for line in crate::render::text(cx, &ctx).lines() {
            let _ = writeln!(out, "     {line}");
        }
    }
    out
}
