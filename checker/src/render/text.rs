//! The terminal rendering: a header, the per-thread trace of named steps in swimlane columns
//! (folded), then each finding as the kernel prints it (KASAN, lockdep, kmemleak) and the replay
//! command.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{
    header, lanes, replay_command, step_label, step_text, stopped_text, thread_name, truncate,
    with_roles, Layout, Mark, RenderContext, Row,
};
use crate::explore::Counterexample;

/// Width the report keeps to (long detail lines are wrapped, long step names cut with `…`).
pub const TEXT_COLUMNS_MAX: usize = 100;

/// Room the last lane keeps for its step names and notes.
const LAST_LANE_CHARS_MIN: usize = 44;

/// Bounds of a lane's width when there are several.
const LANE_CHARS_MIN: usize = 12;
const LANE_CHARS_MAX: usize = 30;

/// The line that frames a kernel report.
const REPORT_RULE: &str = "==================================================================";

/// Column geometry of the trace.
struct Columns {
    /// Width of the step-number column.
    number: usize,
    /// Start column of each lane.
    lanes: Vec<usize>,
}

impl Columns {
    fn new(cx: &Counterexample) -> Columns {
        let number = cx.events.len().saturating_sub(1).to_string().len().max(4);
        let margin = number + 2;
        let n = lanes(cx);
        let width = if n == 1 {
            0
        } else {
            let room = TEXT_COLUMNS_MAX.saturating_sub(margin + LAST_LANE_CHARS_MIN) / (n - 1);
            room.clamp(LANE_CHARS_MIN, LANE_CHARS_MAX)
        };
        Columns {
            number,
            lanes: (0..n).map(|t| margin + t * width).collect(),
        }
    }

    /// Lines for one row: `items` flowed from `lane`'s column, lane guides where the text leaves
    /// room, the step number (if any) on the first line.
    fn lines(&self, number: Option<usize>, lane: usize, items: &[String]) -> Vec<String> {
        let col = self.lanes[lane];
        let room = TEXT_COLUMNS_MAX.saturating_sub(col).max(LANE_CHARS_MIN);
        let mut texts: Vec<String> = Vec::new();
        for item in items {
            match texts.last_mut() {
                Some(t) if t.chars().count() + 2 + item.chars().count() <= room => {
                    t.push_str("  ");
                    t.push_str(item);
                }
                Some(_) => texts.push(format!("  {}", truncate(item, room - 2))),
                None => texts.push(truncate(item, room)),
            }
        }
        let mut out = Vec::new();
        for (k, t) in texts.iter().enumerate() {
            let num = match (k, number) {
                (0, Some(i)) => format!("{i:>w$}", w = self.number),
                _ => String::new(),
            };
            out.push(self.compose(&num, col, t));
        }
        out
    }

    /// One line: the number, the lane guides, and `text` at `col`.
    fn compose(&self, num: &str, col: usize, text: &str) -> String {
        let mut line: Vec<char> = vec![' '; col + text.chars().count()];
        for (k, c) in num.chars().enumerate() {
            line[k] = c;
        }
        for &lane in &self.lanes {
            if lane < col {
                line[lane] = '|';
            }
        }
        for (k, c) in text.chars().enumerate() {
            line[col + k] = c;
        }
        let s: String = line.into_iter().collect();
        s.trim_end().to_string()
    }
}

/// The text report of `cx`.
pub fn text(cx: &Counterexample, ctx: &RenderContext) -> String {
    let layout = Layout::new(cx, ctx.unfold);
    let cols = Columns::new(cx);
    let mut out = String::new();
    out.push_str(&header(cx, ctx));
    out.push('\n');
    if let Some(notice) = layout.fold_notice(cx) {
        for line in wrap(&notice, TEXT_COLUMNS_MAX, "  ") {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push('\n');
    lane_header(cx, &cols, &mut out);
    for row in &layout.rows {
        for line in row_lines(cx, &layout, &cols, row) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    observations(cx, &mut out);
    for (k, _) in cx.findings.iter().enumerate() {
        out.push('\n');
        report(cx, &layout, k, &mut out);
    }
    if let Some(lines) = ctx.graph_lines(cx) {
        out.push('\n');
        for line in lines {
            for l in wrap(&line, TEXT_COLUMNS_MAX, "    ") {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    if let Some(command) = replay_command(ctx) {
        let _ = write!(out, "\nreplay:\n  {command}\n");
    }
    out
}

/// Thread names over their lanes, underlined.
fn lane_header(cx: &Counterexample, cols: &Columns, out: &mut String) {
    let mut names = format!("{:>w$}", "step", w = cols.number);
    let mut rules = "-".repeat(cols.number);
    for (t, &col) in cols.lanes.iter().enumerate() {
        let next = cols
            .lanes
            .get(t + 1)
            .copied()
            .unwrap_or(TEXT_COLUMNS_MAX.min(col + LANE_CHARS_MAX));
        let width = next.saturating_sub(col + 2).max(1);
        let name = truncate(&thread_name(cx, t), width);
        names.push_str(&" ".repeat(col.saturating_sub(names.chars().count())));
        names.push_str(&name);
        rules.push_str(&" ".repeat(col.saturating_sub(rules.chars().count())));
        rules.push_str(&"-".repeat(width));
    }
    out.push_str(names.trim_end());
    out.push('\n');
    out.push_str(&rules);
    out.push('\n');
}

fn mark_text(m: &Mark) -> String {
    if m.fatal {
        format!("<== {}", m.text)
    } else {
        format!("<-- {}", m.text)
    }
}

/// The lines of one row of the trace.
fn row_lines(cx: &Counterexample, layout: &Layout, cols: &Columns, row: &Row) -> Vec<String> {
    match row {
        Row::Step(i) => {
            let e = &cx.events[*i];
            let lane = e.tid.min(cols.lanes.len() - 1);
            let whole = step_text(e);
            let mut items =
                if whole.chars().count() <= TEXT_COLUMNS_MAX.saturating_sub(cols.lanes[lane]) {
                    vec![whole]
                } else {
                    let (name, lock) = step_label(e);
                    std::iter::once(name).chain(lock).collect()
                };
            items.extend(e.notes.iter().map(|n| n.to_string()));
            items.extend(layout.marks_at(*i).iter().map(mark_text));
            cols.lines(Some(*i), lane, &items)
        }
        Row::Fold { count, tid, .. } => {
            let text = format!(
                "... {count} step{} folded ...",
                if *count == 1 { "" } else { "s" }
            );
            cols.lines(None, tid.unwrap_or(0).min(cols.lanes.len() - 1), &[text])
        }
        Row::SetupState(state) => {
            let room = TEXT_COLUMNS_MAX - cols.lanes[0];
            wrap(state, room, "  ")
                .iter()
                .map(|l| cols.compose("", cols.lanes[0], l))
                .collect()
        }
        Row::Stopped { hidden } => {
            let room = TEXT_COLUMNS_MAX - cols.lanes[0];
            wrap(&stopped_text(*hidden), room, "  ")
                .iter()
                .map(|l| cols.compose("", cols.lanes[0], l))
                .collect()
        }
        Row::End => {
            let mut items = vec!["(after the last step: quiescence)".to_string()];
            items.extend(layout.marks_at(cx.events.len()).iter().map(mark_text));
            cols.lines(None, 0, &items)
        }
    }
}

/// What the execution observed, if anything.
fn observations(cx: &Counterexample, out: &mut String) {
    if cx.observations.is_empty() {
        return;
    }
    out.push_str("\nobserved:\n");
    for (k, v) in &cx.observations {
        let mut lines = v.lines();
        let _ = writeln!(out, "  {k} = {}", lines.next().unwrap_or(""));
        for l in lines {
            let _ = writeln!(out, "  {:w$}   {l}", "", w = k.chars().count());
        }
    }
}

/// Finding `k` as the kernel prints it: `Allocated by task T at S` becomes KASAN's
/// `Allocated by task T:` followed by the site on its own indented line.
fn report(cx: &Counterexample, layout: &Layout, k: usize, out: &mut String) {
    let f = &cx.findings[k];
    let step = |i: Option<usize>| i.map(|i| format!(" (step {i})")).unwrap_or_default();
    // Each object the report names is named by its role at its first mention.
    let mut named = BTreeSet::new();
    out.push_str(REPORT_RULE);
    out.push('\n');
    let _ = writeln!(out, "{}", with_roles(&f.title, &cx.roles, &mut named));
    for (d, detail) in f.details.iter().enumerate() {
        let detail = &with_roles(detail, &cx.roles, &mut named);
        let site = layout
            .sites
            .get(k)
            .and_then(|s| s.get(d))
            .copied()
            .flatten();
        let block = ["Allocated by task ", "Freed by task "]
            .iter()
            .find(|p| detail.starts_with(*p));
        match (block, detail.split_once(" at ")) {
            (Some(_), Some((who, at))) if d > 0 => {
                let _ = write!(out, "\n{who}:\n {at}{}\n", step(site));
            }
            _ => {
                for line in wrap(&format!("{detail}{}", step(site)), TEXT_COLUMNS_MAX, "  ") {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
    }
    if !layout.names_own_step(cx, k) {
        let at = if f.event < cx.events.len() {
            format!(" (step {})", f.event)
        } else {
            String::new()
        };
        let _ = writeln!(out, "\nat {}{at}", f.at);
    }
    out.push_str(REPORT_RULE);
    out.push('\n');
}

/// Word-wrap `s` to `width` columns; continuation lines start with `indent`.
fn wrap(s: &str, width: usize, indent: &str) -> Vec<String> {
    let lead: String = s.chars().take_while(|c| *c == ' ').collect();
    let mut lines = vec![lead.clone()];
    for word in s.split_whitespace() {
        let cur = lines.last_mut().expect("one line at least");
        let len = cur.chars().count();
        let fresh = len == lead.len() || cur.trim().is_empty();
        if fresh {
            cur.push_str(word);
        } else if len + 1 + word.chars().count() <= width {
            cur.push(' ');
            cur.push_str(word);
        } else {
            lines.push(format!("{lead}{indent}{word}"));
        }
    }
    lines
}
