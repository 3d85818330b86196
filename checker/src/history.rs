//! `pincheck history`: the history table of the model's kernels, by exploration. For each row of
//! `pincheck_model::kernel::HISTORY` the row's scenario runs on the kernel without the fix and on
//! the kernel with it; a row holds when the first fails with the reported symptom's finding kind
//! among those reached and the second passes. README carries the rendered table; a test keeps
//! that copy equal to what this module renders.

use std::fmt::Write;
use std::sync::Arc;

use pincheck_model::kernel::{HistoryRow, Variant, HISTORY};
use pincheck_model::KNOWN_PROPOSALS;

use crate::check::{load_all, run_cells_on, CellReport, CheckOptions, CheckReport};
use crate::error::Error;
use crate::explore::Cell;
use crate::scenario::{kernels, Scenario};
use crate::verdict::Verdict;

/// One row with the verdicts exploration reached.
#[derive(Clone, Debug)]
pub struct HistoryResult {
    /// The row.
    pub row: &'static HistoryRow,
    /// The cell without the fix.
    pub without: CellReport,
    /// The cell with it.
    pub with: CellReport,
}

impl HistoryResult {
    /// Without the fix: a failure that includes the symptom; with it: a pass.
    pub fn holds(&self) -> bool {
        let symptom = match &self.without.verdict {
            Verdict::Fail(kinds) => self.row.symptom.iter().all(|k| kinds.contains(k)),
            _ => false,
        };
        symptom && self.with.verdict == Verdict::Pass
    }
}

/// The cell of `row` on kernel `spec`: the scenario's own spelling when it lists that kernel.
fn cell(s: &Arc<Scenario>, row: &HistoryRow, spec: &str) -> Result<Cell, Error> {
    let bad = |why: String| Error::Usage(format!("history row of {}: {why}", row.fix.info().name));
    let want = Variant::resolve(spec).map_err(|e| bad(kernels::usage_text(spec, &e)))?;
    let listed = s
        .kernels
        .iter()
        .filter_map(|k| Variant::by_name(k))
        .find(|v| kernels::same(v, &want));
    let proposal = KNOWN_PROPOSALS
        .iter()
        .copied()
        .find(|p| *p == row.proposal)
        .ok_or_else(|| bad(format!("unknown proposal `{}`", row.proposal)))?;
    Ok(Cell {
        scenario: Arc::clone(s),
        proposal,
        kernel: listed.unwrap_or(want),
    })
}

/// Explore every row's two cells (scenarios from `opts.paths`, with `opts`' settings and jobs).
pub fn history(opts: &CheckOptions) -> Result<Vec<HistoryResult>, Error> {
    let scenarios = load_all(&opts.paths)?;
    let mut cells = Vec::new();
    for row in HISTORY {
        let s = scenarios
            .iter()
            .find(|s| s.name == row.scenario)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "the history table names scenario `{}`, which is not under the given paths",
                    row.scenario
                ))
            })?;
        cells.push(cell(s, row, row.without)?);
        cells.push(cell(s, row, row.with)?);
    }
    let reports = run_cells_on(
        &cells,
        &opts.settings,
        opts.jobs,
        opts.progress,
        opts.worker_exe.as_deref(),
    );
    let mut it = reports.into_iter();
    let mut out = Vec::new();
    for row in HISTORY {
        match (it.next(), it.next()) {
            (Some(without), Some(with)) => out.push(HistoryResult { row, without, with }),
            _ => unreachable!("two cells were explored per row"),
        }
    }
    Ok(out)
}

/// The rows read off a check of the whole scenario set, whose matrix must hold every row's two
/// cells (each history scenario lists both kernels); an error names a missing one.
pub fn from_report(report: &CheckReport) -> Result<Vec<HistoryResult>, Error> {
    let find = |row: &HistoryRow, spec: &str| -> Result<CellReport, Error> {
        let want =
            Variant::resolve(spec).map_err(|e| Error::Usage(kernels::usage_text(spec, &e)))?;
        report
            .cells
            .iter()
            .find(|c| {
                c.scenario.name == row.scenario
                    && c.proposal == row.proposal
                    && Variant::by_name(c.kernel).is_some_and(|v| kernels::same(&v, &want))
            })
            .cloned()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "the check has no cell {} {}@{spec}: add `{spec}` to the scenario's kernels",
                    row.scenario, row.proposal
                ))
            })
    };
    HISTORY
        .iter()
        .map(|row| {
            Ok(HistoryResult {
                row,
                without: find(row, row.without)?,
                with: find(row, row.with)?,
            })
        })
        .collect()
}

/// The table as Markdown (the README's copy).
pub fn render(results: &[HistoryResult]) -> String {
    let mut out = String::new();
    out.push_str("| bug | fix | scenario | shipped in | without the fix | with the fix | reported symptom |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for r in results {
        let fix = r.row.fix.info();
        let mark = if r.holds() {
            ""
        } else {
            " **(does not hold)**"
        };
        let _ = writeln!(
            out,
            "| {} | {} \"{}\" ({}) | {} ({}) | {} | {} on `{}` | {} on `{}`{mark} | {} |",
            r.row.bug,
            fix.name,
            fix.subject,
            fix.landed,
            r.row.scenario,
            r.row.proposal,
            r.row.shipped,
            r.without.verdict,
            r.row.without,
            r.with.verdict,
            r.row.with,
            r.row.reported,
        );
    }
    out
}

/// The patches the model knows, as a Markdown list (for `pincheck history --patches`).
pub fn render_patches() -> String {
    let mut out = String::new();
    for p in pincheck_model::kernel::PATCHES {
        let role = match p.role {
            pincheck_model::kernel::Role::Fix => "fix",
            pincheck_model::kernel::Role::Feature => "feature",
        };
        let _ = writeln!(out, "- `{}` ({role}, {}): {}", p.name, p.landed, p.subject);
    }
    out
}
