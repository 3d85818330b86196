//! Renderings of a check run: the terminal matrix and JSON (and, for CI, JUnit and SARIF).

pub mod json;
pub mod junit;
pub mod matrix;
pub mod sarif;

use crate::explore::{count_unit, Explored};

/// The outcome set of a cell as a table: one count column per engine (never summed: see
/// [`crate::explore::EngineCounts`]), `-` where an engine never reached the outcome, then the
/// outcome. The first line says what each engine's count counts.
pub fn outcome_table(e: &Explored) -> Vec<String> {
    let engines: Vec<&str> = e.runs.iter().map(|r| r.engine).collect();
    let units: Vec<String> = engines
        .iter()
        .map(|g| format!("{g}: {}", count_unit(g)))
        .collect();
    let mut out = vec![format!(
        "outcomes ({} distinct; per engine: {}):",
        e.outcomes.len(),
        units.join(", ")
    )];
    let widths: Vec<usize> = engines.iter().map(|g| g.len().max(7)).collect();
    let mut head = String::new();
    for (g, w) in engines.iter().zip(&widths) {
        head.push_str(&format!("  {g:>w$}"));
    }
    out.push(format!("{head}  outcome"));
    for (key, counts) in &e.outcomes {
        let mut line = String::new();
        for (g, w) in engines.iter().zip(&widths) {
            let n = counts.get(g).map_or("-".to_string(), u64::to_string);
            line.push_str(&format!("  {n:>w$}"));
        }
        out.push(format!("{line}  {key}"));
    }
    out
}
