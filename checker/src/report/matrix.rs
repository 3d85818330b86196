//! The terminal rendering: a matrix a reviewer reads at a glance, then the details of every cell
//! that differs from its expectation.
//!
//! Layout, within [`MATRIX_COLUMNS_MAX`] columns whatever the number of proposals: each scenario
//! on a line of its own, its kernels below it (a kernel that carries a known bug is marked `*`
//! and explained under the matrix), one column per proposal. Proposals are headed by their full
//! names when that fits, else by short codes listed in a legend; when even the codes do not fit,
//! the matrix is printed in blocks of as many proposals as fit.

use std::fmt::Write;

use crate::check::{CellReport, CheckReport};
use crate::explore::count_unit;
use crate::verdict::Verdict;
use crate::vocabulary;

/// Widest the matrix (and the lines under it) gets.
pub const MATRIX_COLUMNS_MAX: usize = 100;

/// Marks a kernel that carries a known bug.
const PRE_FIX_MARK: &str = " *";

/// Short cell text: `pass`, `uaf`, `leak+uaf`, `vacuous`, `bound`.
pub fn short(v: &Verdict) -> String {
    match v {
        Verdict::Pass => "pass".into(),
        Verdict::Vacuous => "vacuous".into(),
        Verdict::BoundReached => vocabulary::BOUND_SHORT.into(),
        Verdict::ModelPanic(_) => "PANIC".into(),
        Verdict::Fail(kinds) => kinds
            .iter()
            .map(|k| vocabulary::short(*k))
            .collect::<Vec<_>>()
            .join("+"),
    }
}

/// A proposal's column code when full names do not fit: the name itself up to 7 characters,
/// else the initials of its `-`/`_` parts (`counted-backptr` → `cb`), else its first 6
/// characters; made unique with a digit.
fn code(name: &str, taken: &[String]) -> String {
    let parts: Vec<&str> = name.split(['-', '_']).filter(|p| !p.is_empty()).collect();
    let base = if name.len() <= 7 {
        name.to_string()
    } else if parts.len() > 1 {
        parts.iter().filter_map(|p| p.chars().next()).collect()
    } else {
        name.chars().take(6).collect()
    };
    let mut c = base.clone();
    let mut n = 2;
    while taken.contains(&c) {
        c = format!("{base}{n}");
        n += 1;
    }
    c
}

/// The matrix's geometry: the label column, the proposals' headers and widths.
struct Columns<'a> {
    label: usize,
    /// Spaces between columns (2, or 1 when that saves a block).
    gap: usize,
    proposals: Vec<&'a str>,
    headers: Vec<String>,
    widths: Vec<usize>,
    /// `(code, name)` when codes head the columns.
    legend: Vec<(String, String)>,
}

fn cell_text(c: &CellReport) -> String {
    if c.matches() {
        short(&c.verdict)
    } else {
        format!("{}!", short(&c.verdict))
    }
}

impl<'a> Columns<'a> {
    fn new(report: &'a CheckReport) -> Columns<'a> {
        let mut proposals: Vec<&str> = Vec::new();
        for c in &report.cells {
            if !proposals.contains(&c.proposal) {
                proposals.push(c.proposal);
            }
        }
        let label = report
            .cells
            .iter()
            .map(|c| {
                2 + c.kernel.len()
                    + if pre_fix(&c.scenario.name, c.kernel) {
                        PRE_FIX_MARK.len()
                    } else {
                        0
                    }
            })
            .max()
            .unwrap_or(8)
            .max("scenario / kernel".len());
        let cells_w: Vec<usize> = proposals
            .iter()
            .map(|p| {
                let w = report.cells.iter().filter(|c| {
                    c.proposal == *p
                        && uniform_pre_fix(report, &c.scenario.name, c.kernel).is_none()
                });
                w.map(|c| cell_text(c).len()).max().unwrap_or(4)
            })
            .collect();
        let full: Vec<usize> = proposals
            .iter()
            .zip(&cells_w)
            .map(|(p, w)| p.len().max(*w))
            .collect();
        let mut codes: Vec<String> = Vec::new();
        for p in &proposals {
            let c = code(p, &codes);
            codes.push(c);
        }
        let coded: Vec<usize> = codes
            .iter()
            .zip(&cells_w)
            .map(|(h, w)| h.len().max(*w))
            .collect();
        // The fewest blocks; among equals, full names before codes, a wider gap before a narrower.
        let layouts = [(false, 2), (false, 1), (true, 2), (true, 1)];
        let (use_codes, gap) = layouts
            .into_iter()
            .min_by_key(|&(c, g)| blocks(label, if c { &coded } else { &full }, g).len())
            .expect("four layouts");
        if !use_codes {
            return Columns {
                label,
                gap,
                headers: proposals.iter().map(|p| p.to_string()).collect(),
                proposals,
                widths: full,
                legend: Vec::new(),
            };
        }
        let legend = codes
            .iter()
            .zip(&proposals)
            .filter(|(h, p)| h.as_str() != **p)
            .map(|(h, p)| (h.clone(), p.to_string()))
            .collect();
        Columns {
            label,
            gap,
            proposals,
            headers: codes,
            widths: coded,
            legend,
        }
    }

    /// The proposals' indices in blocks that each fit the width.
    fn blocks(&self) -> Vec<Vec<usize>> {
        blocks(self.label, &self.widths, self.gap)
    }
}

/// Column indices in blocks that each fit [`MATRIX_COLUMNS_MAX`] after a `label`-wide column,
/// columns `gap` apart.
fn blocks(label: usize, widths: &[usize], gap: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = label;
    for (i, w) in widths.iter().enumerate() {
        let cur = out.last_mut().expect("one block at least");
        if !cur.is_empty() && used + w + gap > MATRIX_COLUMNS_MAX {
            out.push(vec![i]);
            used = label + w + gap;
        } else {
            cur.push(i);
            used += w + gap;
        }
    }
    out
}

fn pre_fix(scenario: &str, kernel: &str) -> bool {
    vocabulary::kernel_bug(scenario, kernel).is_some()
}

/// A pre-fix kernel's row where every proposal got the same verdict (the kernel's own bug, as
/// expected): its one text, printed once across the columns instead of in each.
fn uniform_pre_fix(report: &CheckReport, scenario: &str, kernel: &str) -> Option<String> {
    if !pre_fix(scenario, kernel) {
        return None;
    }
    let mut texts = report
        .cells
        .iter()
        .filter(|c| c.scenario.name == scenario && c.kernel == kernel)
        .map(cell_text);
    let first = texts.next()?;
    let mut n = 1;
    let same = texts.all(|t| {
        n += 1;
        t == first
    });
    (same && n > 1).then_some(first)
}

/// The rows of one block of proposal columns.
fn block(report: &CheckReport, cols: &Columns, which: &[usize], out: &mut String) {
    let l = cols.label;
    let mut head = format!("{:l$}", "scenario / kernel");
    for &i in which {
        let w = cols.widths[i];
        let _ = write!(head, "{:g$}{:>w$}", "", cols.headers[i], g = cols.gap);
    }
    let _ = writeln!(out, "{}", head.trim_end());
    for s in &report.scenarios {
        let cells: Vec<&CellReport> = report
            .cells
            .iter()
            .filter(|c| c.scenario.name == s.name)
            .collect();
        if cells.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", s.name);
        let mut kernels: Vec<&str> = Vec::new();
        for c in &cells {
            if !kernels.contains(&c.kernel) {
                kernels.push(c.kernel);
            }
        }
        for k in kernels {
            let mark = if pre_fix(&s.name, k) {
                PRE_FIX_MARK
            } else {
                ""
            };
            let mut line = format!("{:l$}", format!("  {k}{mark}"));
            if let Some(t) = uniform_pre_fix(report, &s.name, k) {
                spanning(&line, &format!("{t} (every proposal)"), cols, out);
                continue;
            }
            for &i in which {
                let w = cols.widths[i];
                let t = cells
                    .iter()
                    .find(|c| c.proposal == cols.proposals[i] && c.kernel == k)
                    .map_or_else(|| "-".to_string(), |c| cell_text(c));
                let _ = write!(line, "{:g$}{t:>w$}", "", g = cols.gap);
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
}

/// A row's one text across the columns after its `label`, wrapped at `+` (between finding kinds)
/// or spaces to stay within the matrix width.
fn spanning(label: &str, text: &str, cols: &Columns, out: &mut String) {
    let start = label.chars().count() + cols.gap;
    let room = MATRIX_COLUMNS_MAX.saturating_sub(start).max(12);
    let mut line = format!("{label}{:g$}", "", g = cols.gap);
    let mut used = 0;
    for piece in text.split_inclusive(['+', ' ']) {
        let n = piece.chars().count();
        if used > 0 && used + n > room {
            let _ = writeln!(out, "{}", line.trim_end());
            line = " ".repeat(start);
            used = 0;
        }
        line.push_str(piece);
        used += n;
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// Word-wrap `text` to the matrix width; continuation lines are indented.
fn wrapped(text: &str, out: &mut String) {
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > MATRIX_COLUMNS_MAX
        {
            let _ = writeln!(out, "{line}");
            line = String::from("  ");
        }
        if !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        let _ = writeln!(out, "{line}");
    }
}

/// Under the matrix: the run's numbers, then what the cells and marks mean.
fn legend(report: &CheckReport, cols: &Columns, out: &mut String) {
    let differ = report.cells.iter().filter(|c| !c.matches()).count();
    let notes: usize = report.cells.iter().map(|c| c.explored.notes.len()).sum();
    let _ = writeln!(
        out,
        "{} cells: {} as expected, {differ} differ (marked !); {notes} note(s); {:.1}s",
        report.cells.len(),
        report.cells.len() - differ,
        report.elapsed.as_secs_f64()
    );
    let mut engines: Vec<(&str, u64)> = Vec::new();
    for r in report.cells.iter().flat_map(|c| c.explored.runs.iter()) {
        match engines.iter_mut().find(|(e, _)| *e == r.engine) {
            Some((_, n)) => *n += r.executions_total,
            None => engines.push((r.engine, r.executions_total)),
        }
    }
    let per: Vec<String> = engines
        .iter()
        .map(|(e, n)| match *e {
            "loom" => format!("{e} {n} (its {} over the iterative bounds)", count_unit(e)),
            _ => format!("{e} {n} {}", count_unit(e)),
        })
        .collect();
    wrapped(
        &format!("executions, per engine (never summed): {}", per.join(", ")),
        out,
    );
    wrapped(
        &format!(
            "verdicts: pass; vacuous (a sometimes goal never reached); {} (bound-reached: a search \
             was cut); or the finding kinds reached, short names of: {}. Scenario files accept \
             either name.",
            vocabulary::BOUND_SHORT,
            vocabulary::kinds_both()
        ),
        out,
    );
    if !cols.legend.is_empty() {
        let items: Vec<String> = cols
            .legend
            .iter()
            .map(|(c, p)| format!("{c} {p}"))
            .collect();
        wrapped(&format!("proposals: {}", items.join(", ")), out);
    }
    let mut rows: Vec<(&str, &str)> = Vec::new();
    for c in &report.cells {
        let row = (c.scenario.name.as_str(), c.kernel);
        if pre_fix(row.0, row.1) && !rows.contains(&row) {
            rows.push(row);
        }
    }
    for (s, k) in rows {
        let why = vocabulary::kernel_bug(s, k).unwrap_or_default();
        wrapped(&format!("*{k} in {s}: {why}."), out);
    }
    let mut seen: Vec<&str> = Vec::new();
    for c in &report.cells {
        let full = pincheck_model::kernel::Variant::spelt_out(c.kernel);
        if !seen.contains(&c.kernel) && full != c.kernel {
            seen.push(c.kernel);
            wrapped(&format!("kernel {full}"), out);
        }
    }
}

/// The whole text report: the matrix, a summary, then details of every cell that differs or has
/// notes, except a cell that is `vacuous` as its file expects (its notes only say why its goals
/// were not reached, which is what the file expected); with `all_details`, of every cell with
/// findings or notes; every step of their reports with `unfold`.
pub fn render(report: &CheckReport, all_details: bool, unfold: bool) -> String {
    let mut out = String::new();
    let cols = Columns::new(report);
    for (n, which) in cols.blocks().iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        block(report, &cols, which, &mut out);
    }
    out.push('\n');
    legend(report, &cols, &mut out);
    let shown = |c: &&CellReport| {
        let vacuous_as_expected = c.matches() && c.verdict == Verdict::Vacuous;
        !c.matches()
            || (!c.explored.notes.is_empty() && (all_details || !vacuous_as_expected))
            || (all_details && !c.explored.counterexamples.is_empty())
    };
    for c in report.cells.iter().filter(shown) {
        out.push('\n');
        out.push_str(&details(c, unfold));
    }
    out
}

/// One line per engine run: executions in the engine's unit, mode, time.
fn runs(c: &CellReport, out: &mut String) {
    for r in &c.explored.runs {
        let over = if r.executions_total == r.executions {
            String::new()
        } else {
            format!(" ({} over all bounds)", r.executions_total)
        };
        let _ = writeln!(
            out,
            "   {}: {} {}{over}, {}, {:.0} ms",
            r.engine,
            r.executions,
            count_unit(r.engine),
            r.mode,
            r.elapsed.as_secs_f64() * 1000.0
        );
    }
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
    runs(c, &mut out);
    for line in crate::report::outcome_table(&c.explored) {
        let _ = writeln!(out, "   {line}");
    }
    for (i, g) in c.explored.goals.iter().enumerate() {
        if !g {
            let _ = writeln!(out, "   {} never reached", crate::gate::goal_text(c, i));
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
