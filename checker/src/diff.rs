//! `pincheck diff A B`: what changes, scenario by scenario and kernel by kernel, when proposal A is
//! replaced by proposal B. Outcome keys (observations, then finding signatures) do not name the
//! proposal, so they compare across proposals: an outcome only B reaches is **new**, one only A
//! reaches is **gone**. Printed side by side, A on the left and B on the right.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::check::{check, CellReport, CheckOptions, CheckReport};
use crate::error::Error;
use crate::explore::{count_unit, EngineCounts};
use crate::verdict::Verdict;

/// Widest a column gets; longer outcome parts wrap onto continuation lines.
pub const COLUMN_WIDTH_MAX: usize = 64;

/// One scenario × kernel compared.
#[derive(Clone, Debug)]
pub struct Row {
    /// Scenario name.
    pub scenario: String,
    /// Kernel.
    pub kernel: String,
    /// A's verdict and expected verdict.
    pub a: (Verdict, Verdict),
    /// B's verdict and expected verdict.
    pub b: (Verdict, Verdict),
    /// Outcomes only A reaches, with A's counts per engine.
    pub gone: BTreeMap<String, EngineCounts>,
    /// Outcomes only B reaches, with B's counts per engine.
    pub new: BTreeMap<String, EngineCounts>,
    /// Outcomes both reach.
    pub shared: usize,
}

impl Row {
    /// The two verdicts differ.
    pub fn verdict_changed(&self) -> bool {
        self.a.0 != self.b.0
    }
}

/// The comparison of two proposals over a run that contains both.
pub fn compare(report: &CheckReport, a: &str, b: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let find = |s: &str, p: &str, k: &str| -> Option<&CellReport> {
        report
            .cells
            .iter()
            .find(|c| c.scenario.name == s && c.proposal == p && c.kernel == k)
    };
    for ca in report.cells.iter().filter(|c| c.proposal == a) {
        let Some(cb) = find(&ca.scenario.name, b, ca.kernel) else {
            continue;
        };
        let (oa, ob) = (&ca.explored.outcomes, &cb.explored.outcomes);
        rows.push(Row {
            scenario: ca.scenario.name.clone(),
            kernel: ca.kernel.to_string(),
            a: (ca.verdict.clone(), ca.expected.clone()),
            b: (cb.verdict.clone(), cb.expected.clone()),
            gone: oa
                .iter()
                .filter(|(k, _)| !ob.contains_key(*k))
                .map(|(k, n)| (k.clone(), n.clone()))
                .collect(),
            new: ob
                .iter()
                .filter(|(k, _)| !oa.contains_key(*k))
                .map(|(k, n)| (k.clone(), n.clone()))
                .collect(),
            shared: oa.keys().filter(|k| ob.contains_key(*k)).count(),
        });
    }
    rows
}

/// `loom 12, pct 3`: counts per engine, in name order (never summed).
fn counts(n: &EngineCounts) -> String {
    n.iter()
        .map(|(e, k)| format!("{e} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An outcome as column lines: its counts per engine (`[loom 12, pct 3]`), then one
/// ` | `-separated part per line, indented, long parts wrapped.
fn outcome_lines(key: &str, n: &EngineCounts, width: usize) -> Vec<String> {
    let pad = "  ";
    let mut out = vec![format!("[{}]", counts(n))];
    for part in key.split(" | ") {
        let mut rest: Vec<char> = part.chars().collect();
        let mut first = true;
        while first || !rest.is_empty() {
            let room = width.saturating_sub(pad.len() + 2).max(8);
            let take = if rest.len() <= room {
                rest.len()
            } else {
                // Break after the last space that fits, else mid-word.
                rest[..room]
                    .iter()
                    .rposition(|c| *c == ' ')
                    .map_or(room, |i| i + 1)
            };
            let chunk: String = rest
                .drain(..take)
                .collect::<String>()
                .trim_end()
                .to_string();
            let cont = if first { "" } else { "  " };
            out.push(format!("{pad}{cont}{chunk}"));
            first = false;
        }
    }
    out
}

fn column(list: &BTreeMap<String, EngineCounts>, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (k, n) in list {
        out.extend(outcome_lines(k, n, width));
    }
    out
}

fn verdict_text(v: &(Verdict, Verdict)) -> String {
    if v.0 == v.1 {
        format!("{} (as expected)", v.0)
    } else {
        format!("{} (expected {})", v.0, v.1)
    }
}

/// The side-by-side text of a comparison.
pub fn render(rows: &[Row], a: &str, b: &str) -> String {
    let w = COLUMN_WIDTH_MAX;
    let mut out = String::new();
    let line = |out: &mut String, l: &str, r: &str| {
        let _ = writeln!(out, "  {l:<w$} | {r}");
    };
    let _ = writeln!(out, "pincheck diff: {a} (left) | {b} (right)");
    let _ = writeln!(
        out,
        "counts per engine, never summed: [loom N] {}, [pct N] {}",
        count_unit("loom"),
        count_unit("pct")
    );
    let mut changed = 0;
    let mut moved = 0;
    for row in rows {
        let verdict_changed = row.verdict_changed();
        if !verdict_changed && row.gone.is_empty() && row.new.is_empty() {
            continue;
        }
        changed += usize::from(verdict_changed);
        moved += 1;
        let _ = writeln!(
            out,
            "\n== {} {}{}",
            row.scenario,
            row.kernel,
            if verdict_changed {
                "  VERDICT CHANGED"
            } else {
                ""
            }
        );
        line(&mut out, a, b);
        line(&mut out, &verdict_text(&row.a), &verdict_text(&row.b));
        line(
            &mut out,
            &format!("gone ({} outcome(s) only {a} reaches):", row.gone.len()),
            &format!("new ({} outcome(s) only {b} reaches):", row.new.len()),
        );
        let (l, r) = (column(&row.gone, w), column(&row.new, w));
        for i in 0..l.len().max(r.len()) {
            line(
                &mut out,
                l.get(i).map_or("", String::as_str),
                r.get(i).map_or("", String::as_str),
            );
        }
        line(&mut out, &format!("({} outcome(s) shared)", row.shared), "");
    }
    let _ = writeln!(
        out,
        "\n{} scenario x kernel pairs: {} with a different outcome set, {} with a different verdict",
        rows.len(),
        moved,
        changed
    );
    out
}

/// Run the scenario set on `a` and `b` (the options' own proposal list is replaced).
pub fn diff(opts: &CheckOptions, a: &str, b: &str) -> Result<(Vec<Row>, String), Error> {
    if a == b {
        return Err(Error::Usage(format!(
            "diff needs two different proposals, got `{a}` twice"
        )));
    }
    if !opts.proposals.is_empty() {
        return Err(Error::Usage(
            "diff takes its two proposals as arguments, not --proposal".into(),
        ));
    }
    let mut opts = opts.clone();
    opts.proposals = vec![a.to_string(), b.to_string()];
    let report = check(&opts)?;
    let rows = compare(&report, a, b);
    let text = render(&rows, a, b);
    Ok((rows, text))
}

fn verdict_json(v: &(Verdict, Verdict), proposal: &str) -> Value {
    json!({
        "proposal": proposal,
        "verdict": v.0.to_string(),
        "expected": v.1.to_string(),
        "matches": v.0 == v.1,
    })
}

fn outcomes_json(list: &BTreeMap<String, EngineCounts>) -> Vec<Value> {
    list.iter()
        .map(|(k, n)| json!({ "outcome": k, "executions": n }))
        .collect()
}

/// The comparison as JSON (`diff --format json`): one object per scenario × kernel, with both
/// verdicts and the outcomes gone and new, counted per engine.
pub fn json(rows: &[Row], a: &str, b: &str) -> String {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "scenario": r.scenario,
                "kernel": r.kernel,
                "a": verdict_json(&r.a, a),
                "b": verdict_json(&r.b, b),
                "verdict_changed": r.verdict_changed(),
                "gone": outcomes_json(&r.gone),
                "new": outcomes_json(&r.new),
                "shared": r.shared,
            })
        })
        .collect();
    let doc = json!({ "a": a, "b": b, "rows": rows });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
