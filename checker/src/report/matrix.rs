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

/// The whole text report.
pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    let mut columns: Vec<(String, String)> = Vec::new();
    for c in &report.cells {
        let col = (c.proposal.to_string(), c.kernel.to_string());
        if !columns.contains(&col) {
            columns.push(col);
        }
    }
    let name_w = report
        .cells
        .iter()
        .map(|c| c.scenario.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let col_w: Vec<usize> = columns
        .iter()
        .map(|(p, k)| {
            let widest = report
                .cells
                .iter()
                .filter(|c| c.proposal == p && c.kernel == k)
                .map(|c| short(&c.verdict).len() + 1)
                .max()
                .unwrap_or(4);
            widest.max(p.len()).max(k.len())
        })
        .collect();
    let _ = write!(out, "{:name_w$}", "");
    for ((p, _), w) in columns.iter().zip(&col_w) {
        let _ = write!(out, "  {p:>w$}");
    }
    out.push('\n');
    let _ = write!(out, "{:name_w$}", "");
    for ((_, k), w) in columns.iter().zip(&col_w) {
        let _ = write!(out, "  {k:>w$}");
    }
    out.push('\n');
    for s in &report.scenarios {
        let _ = write!(out, "{:name_w$}", s.name);
        for ((p, k), w) in columns.iter().zip(&col_w) {
            let cell = report
                .cells
                .iter()
                .find(|c| c.scenario.name == s.name && c.proposal == p && c.kernel == k);
            let text = match cell {
                None => "-".to_string(),
                Some(c) if c.matches() => short(&c.verdict),
                Some(c) => format!("{}!", short(&c.verdict)),
            };
            let _ = write!(out, "  {text:>w$}");
        }
        out.push('\n');
    }
    let differ: Vec<&CellReport> = report.cells.iter().filter(|c| !c.matches()).collect();
    let notes: usize = report.cells.iter().map(|c| c.explored.notes.len()).sum();
    out.push('\n');
    let _ = writeln!(
        out,
        "{} cells: {} as expected, {} differ (marked !); {} note(s); {:.1}s",
        report.cells.len(),
        report.cells.len() - differ.len(),
        differ.len(),
        notes,
        report.elapsed.as_secs_f64()
    );
    for c in report
        .cells
        .iter()
        .filter(|c| !c.matches() || !c.explored.notes.is_empty())
    {
        out.push('\n');
        out.push_str(&details(c));
    }
    out
}

/// The details of one cell: verdicts, runs, outcome set, notes, findings.
pub fn details(c: &CellReport) -> String {
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
    let _ = writeln!(out, "   outcomes:");
    for (k, n) in &c.explored.outcomes {
        let _ = writeln!(out, "     {n:>7}  {k}");
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
        for f in cx.findings.iter().filter(|f| &f.signature() == sig) {
            let _ = writeln!(out, "     {}", f.title);
            for d in &f.details {
                let _ = writeln!(out, "       {d}");
            }
        }
    }
    out
}
