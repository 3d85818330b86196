//! The Mermaid rendering: a `sequenceDiagram` with one participant per thread, each thread's run
//! of shown steps as one note on its lifeline, a lock handed from one thread to another that waited
//! for it as an arrow, folded runs as notes across the lifelines, and the step of each finding in a
//! red `rect` with the finding's title. GitHub renders it inside a fenced `mermaid` block.
//!
//! Escaping: Mermaid ends a statement at `;` and starts an entity at `#`, and its labels are HTML,
//! so `# ; < > & "` in any text become the entity codes `#35;` `#59;` `#60;` `#62;` `#38;` `#34;`
//! (shown as the characters). Lines of a note are joined with `<br/>`.

use std::fmt::Write as _;

use super::{
    header, is_release, lanes, step_text, stopped_text, thread_name, Layout, RenderContext, Row,
};
use crate::explore::Counterexample;

/// Characters per line of a wrapped note (the setup state).
const NOTE_LINE_CHARS_MAX: usize = 72;

/// Mermaid text with the characters its parser chokes on as entity codes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '&' => out.push_str("#38;"),
            '"' => out.push_str("#34;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The Mermaid sequence diagram of `cx`.
pub fn mermaid(cx: &Counterexample, ctx: &RenderContext) -> String {
    let layout = Layout::new(cx, ctx.unfold);
    let n = lanes(cx);
    let all = if n == 1 {
        "T0".to_string()
    } else {
        format!("T0,T{}", n - 1)
    };
    let mut out = String::from("sequenceDiagram\n");
    out.push_str("    %%{init: {\"sequence\": {\"noteAlign\": \"left\"}}}%%\n");
    let _ = writeln!(
        out,
        "    title {}",
        escape(&format!("{} {}@{}", ctx.scenario, ctx.proposal, ctx.kernel))
    );
    for t in 0..n {
        let _ = writeln!(
            out,
            "    participant T{t} as {}",
            escape(&thread_name(cx, t))
        );
    }
    let mut about = escape(&header(cx, ctx));
    if layout.folded > 0 {
        let _ = write!(about, "<br/>{} steps folded (not shown)", layout.folded);
    }
    let _ = writeln!(out, "    Note over {all}: {about}");
    if let Some(notice) = layout.fold_notice(cx) {
        let _ = writeln!(out, "    %% {notice}");
    }
    let mut group: Option<(usize, Vec<String>)> = None;
    for row in &layout.rows {
        let line = match row {
            Row::Step(i) if !layout.fatal_at(*i) => {
                let e = &cx.events[*i];
                if let Some(from) = handoff(cx, *i) {
                    flush(&mut out, &mut group);
                    let lock = e.lock.unwrap_or("?");
                    let _ = writeln!(
                        out,
                        "    T{from}-->>T{}: {} handed over",
                        e.tid,
                        escape(lock)
                    );
                }
                Some((e.tid, step_line(cx, &layout, *i)))
            }
            Row::Fold {
                count,
                tid: Some(t),
                ..
            } => Some((*t, format!("… {count} steps folded"))),
            _ => None,
        };
        if let Some((tid, text)) = line {
            match &mut group {
                Some((t, lines)) if *t == tid => lines.push(text),
                _ => {
                    flush(&mut out, &mut group);
                    group = Some((tid, vec![text]));
                }
            }
            continue;
        }
        flush(&mut out, &mut group);
        special_row(cx, &layout, row, &all, &mut out);
    }
    flush(&mut out, &mut group);
    if let Some(lines) = ctx.graph_lines(cx) {
        let lines: Vec<String> = lines.iter().map(|l| escape(l.trim_start())).collect();
        let _ = writeln!(out, "    Note over {all}: {}", lines.join("<br/>"));
    }
    if let Some(command) = super::replay_command(ctx) {
        let _ = writeln!(out, "    %% replay: {command}");
    }
    out
}

/// Rows that are not part of a thread's run: fatal steps, cross-thread folds, the setup state,
/// quiescence findings.
fn special_row(cx: &Counterexample, layout: &Layout, row: &Row, all: &str, out: &mut String) {
    match row {
        Row::Step(i) => {
            let titles = layout
                .marks_at(*i)
                .iter()
                .filter(|m| m.fatal)
                .map(|m| cx.findings[m.finding].title.as_str());
            let lines: Vec<String> = std::iter::once(step_line(cx, layout, *i))
                .chain(titles.map(escape))
                .collect();
            out.push_str("    rect rgb(255, 200, 200)\n");
            let _ = writeln!(
                out,
                "    Note over T{}: {}",
                cx.events[*i].tid,
                lines.join("<br/>")
            );
            out.push_str("    end\n");
        }
        Row::Fold { count, .. } => {
            let _ = writeln!(out, "    Note over {all}: … {count} steps folded");
        }
        Row::SetupState(state) => {
            let _ = writeln!(out, "    Note over T0: {}", wrap(state).join("<br/>"));
        }
        Row::End => {
            let fatal = layout.marks_at(cx.events.len()).iter().filter(|m| m.fatal);
            let titles: Vec<String> = fatal
                .map(|m| escape(&cx.findings[m.finding].title))
                .collect();
            out.push_str("    rect rgb(255, 200, 200)\n");
            let _ = writeln!(
                out,
                "    Note over T0: after the last step (quiescence)<br/>{}",
                titles.join("<br/>")
            );
            out.push_str("    end\n");
        }
        Row::Stopped { hidden } => {
            let _ = writeln!(
                out,
                "    Note over {all}: {}",
                escape(&stopped_text(*hidden))
            );
        }
    }
}

/// One step as a note line: number, name, notes, marks (escaped).
fn step_line(cx: &Counterexample, layout: &Layout, i: usize) -> String {
    let e = &cx.events[i];
    let mut s = format!("{i} {}", escape(&step_text(e)));
    for note in &e.notes {
        let _ = write!(s, " · {}", escape(&note.to_string()));
    }
    for m in layout.marks_at(i).iter().filter(|m| !m.fatal) {
        let _ = write!(s, " ⟵ {}", escape(&m.text));
    }
    s
}

/// The thread that handed the lock of step `i` over, when `i` acquires a lock it waited for and
/// another scenario thread released it last.
fn handoff(cx: &Counterexample, i: usize) -> Option<usize> {
    let e = &cx.events[i];
    let lock = e.lock?;
    if !e.waited || is_release(e) || e.tid == 0 {
        return None;
    }
    let last = cx.events[..i]
        .iter()
        .rev()
        .find(|p| p.lock == Some(lock) && is_release(p))?;
    (last.tid != e.tid && last.tid != 0).then_some(last.tid)
}

/// Write a thread's run of steps as one note.
fn flush(out: &mut String, group: &mut Option<(usize, Vec<String>)>) {
    if let Some((tid, lines)) = group.take() {
        let _ = writeln!(out, "    Note over T{tid}: {}", lines.join("<br/>"));
    }
}

/// Escaped text cut into lines at `, ` near [`NOTE_LINE_CHARS_MAX`].
fn wrap(s: &str) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for (k, part) in s.split(", ").enumerate() {
        let cur = lines.last_mut().expect("one line at least");
        if k > 0 && cur.chars().count() + part.chars().count() + 2 > NOTE_LINE_CHARS_MAX {
            cur.push(',');
            lines.push(part.to_string());
        } else {
            if k > 0 {
                cur.push_str(", ");
            }
            cur.push_str(part);
        }
    }
    lines.iter().map(|l| escape(l)).collect()
}
