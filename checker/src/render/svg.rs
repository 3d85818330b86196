//! The SVG rendering: one vertical swimlane per thread with its name on top, time flowing down,
//! one box per shown step (coloured by what it does), folded runs as grey lines, the step of each
//! finding in red with the finding's title in the margin to the right, and a legend. Sizes come
//! from text lengths in a monospace font. [`html`] wraps it in a page with the text report.

use std::fmt::Write as _;

use super::{
    header, lanes, step_label, step_text, text, thread_name, truncate, Layout, RenderContext, Row,
};
use crate::explore::Counterexample;

/// Font size of step names, px.
const FONT_PX: usize = 12;
/// Width of one character at [`FONT_PX`] in a monospace font, in tenths of a px (DejaVu Sans Mono
/// is 7.22).
const CHAR_DECIPX: usize = 74;
/// Height of one text line in a box, px.
const LINE_PX: usize = 16;
/// Padding inside a box and between lanes, px.
const PAD_PX: usize = 8;
/// Longest text in a lane before it is cut with `…`.
const LANE_CHARS_MAX: usize = 46;
/// Space above the lanes for the title lines, px.
const TITLE_PX: usize = 56;
/// Height of a lane's name box, px.
const LANE_HEAD_PX: usize = 28;

const FILL_STEP: &str = "#eef1fb";
const STROKE_STEP: &str = "#7482b8";
const FILL_STATE: &str = "#e2f3e2";
const STROKE_STATE: &str = "#4c9a4c";
const FILL_LOCK: &str = "#fff3c4";
const STROKE_LOCK: &str = "#b8962e";
const FILL_FATAL: &str = "#ffd0d0";
const STROKE_FATAL: &str = "#c00000";
const STROKE_SITE: &str = "#d97706";
const GREY: &str = "#888888";

/// Pixel width of `chars` characters.
fn px(chars: usize) -> usize {
    (chars * CHAR_DECIPX).div_ceil(10)
}

/// XML text with `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Lane geometry.
struct Lanes {
    /// Left edge of each lane.
    x: Vec<usize>,
    /// Width of each lane.
    w: Vec<usize>,
    /// Characters a box in the lane holds.
    chars: Vec<usize>,
}

impl Lanes {
    fn new(cx: &Counterexample, layout: &Layout) -> Lanes {
        let n = lanes(cx);
        let mut chars: Vec<usize> = (0..n)
            .map(|t| thread_name(cx, t).chars().count().max(12))
            .collect();
        for row in &layout.rows {
            let (t, len) = match row {
                Row::Step(i) => (
                    cx.events[*i].tid,
                    box_lines(cx, *i)
                        .iter()
                        .map(|l| l.chars().count())
                        .max()
                        .unwrap_or(0),
                ),
                Row::Fold {
                    tid: Some(t),
                    count,
                    ..
                } => (*t, format!("… {count} steps folded").chars().count()),
                _ => continue,
            };
            if let Some(c) = chars.get_mut(t) {
                *c = (*c).max(len).min(LANE_CHARS_MAX);
            }
        }
        let w: Vec<usize> = chars.iter().map(|&c| px(c) + 2 * PAD_PX).collect();
        let mut x = Vec::new();
        let mut at = PAD_PX * 2;
        for width in &w {
            x.push(at);
            at += width + PAD_PX * 2;
        }
        Lanes { x, w, chars }
    }

    /// Right edge of the last lane.
    fn end(&self) -> usize {
        self.x.last().copied().unwrap_or(0) + self.w.last().copied().unwrap_or(0)
    }
}

/// The text lines of a step's box: number and name (the lock on a line of its own when both do
/// not fit), then its notes.
fn box_lines(cx: &Counterexample, i: usize) -> Vec<String> {
    let e = &cx.events[i];
    let mut lines = vec![format!("{i} {}", step_text(e))];
    if let (name, Some(lock)) = step_label(e) {
        if lines[0].chars().count() > LANE_CHARS_MAX {
            lines = vec![format!("{i} {name}"), format!("  {lock}")];
        }
    }
    lines.extend(e.notes.iter().map(|n| format!("  {n}")));
    lines
}

/// The standalone SVG document of `cx`.
pub fn svg(cx: &Counterexample, ctx: &RenderContext) -> String {
    let layout = Layout::new(cx, ctx.unfold);
    let lanes = Lanes::new(cx, &layout);
    let margin_x = lanes.end() + PAD_PX * 3;
    let mut body = String::new();
    let mut y = TITLE_PX + LANE_HEAD_PX + PAD_PX * 2;
    let mut margin_chars = 0;
    for row in &layout.rows {
        let (h, m) = row_svg(cx, &layout, &lanes, row, y, margin_x, &mut body);
        margin_chars = margin_chars.max(m);
        y += h + PAD_PX / 2;
    }
    let bottom = y + PAD_PX;
    let mut legend_y = bottom + PAD_PX * 2;
    let mut graph_chars = 0;
    if let Some(lines) = ctx.graph_lines(cx) {
        body.push_str("<g class=\"graph\">\n");
        for (k, line) in lines.iter().enumerate() {
            let weight = if k == 0 { r#" font-weight="bold""# } else { "" };
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{}" xml:space="preserve"{weight}>{}</text>"#,
                PAD_PX * 2,
                legend_y + 12 + k * LINE_PX,
                escape(line)
            );
            graph_chars = graph_chars.max(line.chars().count());
        }
        body.push_str("</g>\n");
        legend_y += lines.len() * LINE_PX + PAD_PX * 2;
    }
    let width = (margin_x + px(margin_chars) + PAD_PX * 2)
        .max(px(90))
        .max(px(graph_chars) + PAD_PX * 4);
    let height = legend_y + LINE_PX * 3;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_PX}">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    title(cx, ctx, &layout, &mut out);
    lane_heads(cx, &lanes, bottom, &mut out);
    out.push_str(&body);
    legend(legend_y, &mut out);
    out.push_str("</svg>\n");
    out
}

/// Title lines: header and fold notice.
fn title(cx: &Counterexample, ctx: &RenderContext, layout: &Layout, out: &mut String) {
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="14" font-weight="bold">{}</text>"#,
        PAD_PX * 2,
        PAD_PX * 3,
        escape(&header(cx, ctx))
    );
    if layout.folded > 0 {
        let note = format!(
            "{} of {} steps folded (kept: state changes, shared locks, steps near or named by a finding, thread switches)",
            layout.folded,
            cx.events.len()
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" fill="{GREY}">{}</text>"#,
            PAD_PX * 2,
            PAD_PX * 3 + LINE_PX + 4,
            escape(&note)
        );
    }
}

/// Per lane: a group with its name box and its lifeline.
fn lane_heads(cx: &Counterexample, lanes: &Lanes, bottom: usize, out: &mut String) {
    for (t, (&x, &w)) in lanes.x.iter().zip(&lanes.w).enumerate() {
        let name = thread_name(cx, t);
        let mid = x + w / 2;
        let _ = writeln!(out, r#"<g class="lane" data-thread="{}">"#, escape(&name));
        let _ = writeln!(
            out,
            r##"<line x1="{mid}" y1="{}" x2="{mid}" y2="{bottom}" stroke="#c8c8d8" stroke-width="2"/>"##,
            TITLE_PX + LANE_HEAD_PX
        );
        let _ = writeln!(
            out,
            r##"<rect x="{x}" y="{TITLE_PX}" width="{w}" height="{LANE_HEAD_PX}" rx="4" fill="#dde3f7" stroke="{STROKE_STEP}"/>"##
        );
        let _ = writeln!(
            out,
            r#"<text x="{mid}" y="{}" text-anchor="middle" font-weight="bold" font-size="13">{}</text>"#,
            TITLE_PX + LANE_HEAD_PX / 2 + 5,
            escape(&truncate(&name, lanes.chars[t]))
        );
        out.push_str("</g>\n");
    }
}

/// Draw one row at `y`; returns its height and the characters it put in the right margin.
fn row_svg(
    cx: &Counterexample,
    layout: &Layout,
    lanes: &Lanes,
    row: &Row,
    y: usize,
    margin_x: usize,
    out: &mut String,
) -> (usize, usize) {
    let last = lanes.x.len() - 1;
    match row {
        Row::Step(i) => step_svg(cx, layout, lanes, *i, y, margin_x, out),
        Row::Fold { count, tid, .. } => {
            let text = format!("… {count} steps folded");
            let (x1, x2) = match tid {
                Some(t) => (
                    lanes.x[(*t).min(last)],
                    lanes.x[(*t).min(last)] + lanes.w[(*t).min(last)],
                ),
                None => (lanes.x[0], lanes.end()),
            };
            let mid = (x1 + x2) / 2;
            let _ = writeln!(
                out,
                r#"<line x1="{x1}" y1="{}" x2="{x2}" y2="{}" stroke="{GREY}" stroke-dasharray="4 3"/>"#,
                y + 9,
                y + 9
            );
            let tw = px(text.chars().count()) + PAD_PX;
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{}" width="{tw}" height="16" fill="white"/>"#,
                mid - tw / 2,
                y + 1
            );
            let _ = writeln!(
                out,
                r#"<text x="{mid}" y="{}" text-anchor="middle" font-style="italic" fill="{GREY}">{}</text>"#,
                y + 13,
                escape(&text)
            );
            (18, 0)
        }
        Row::SetupState(state) => {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" fill="{STROKE_STATE}">{}</text>"#,
                lanes.x[0],
                y + 12,
                escape(state)
            );
            (18, 0)
        }
        Row::Stopped { hidden } => note(lanes, y, &super::stopped_text(*hidden), out),
        Row::End => {
            let (x, w) = (lanes.x[0], lanes.w[0]);
            let _ = writeln!(
                out,
                r#"<rect x="{x}" y="{y}" width="{w}" height="22" rx="3" fill="{FILL_FATAL}" stroke="{STROKE_FATAL}" stroke-width="2"/>"#
            );
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}">quiescence</text>"#,
                x + PAD_PX,
                y + 15
            );
            let m = margin(cx, layout, cx.events.len(), x + w, y + 11, margin_x, out);
            (22, m)
        }
    }
}

/// A grey italic line across the lanes (the trace's end at a deadlock).
fn note(lanes: &Lanes, y: usize, text: &str, out: &mut String) -> (usize, usize) {
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-style="italic" fill="{GREY}">{}</text>"#,
        lanes.x[0],
        y + 12,
        escape(text)
    );
    (18, 0)
}

/// One step's box in its lane, and its marks in the margin.
fn step_svg(
    cx: &Counterexample,
    layout: &Layout,
    lanes: &Lanes,
    i: usize,
    y: usize,
    margin_x: usize,
    out: &mut String,
) -> (usize, usize) {
    let e = &cx.events[i];
    let t = e.tid.min(lanes.x.len() - 1);
    let (x, w) = (lanes.x[t], lanes.w[t]);
    let lines = box_lines(cx, i);
    let h = lines.len() * LINE_PX + PAD_PX / 2;
    let marks = layout.marks_at(i);
    let (fill, stroke, sw) = if layout.fatal_at(i) {
        (FILL_FATAL, STROKE_FATAL, 2)
    } else if !marks.is_empty() {
        (FILL_STEP, STROKE_SITE, 2)
    } else if e.lock.is_some() {
        (FILL_LOCK, STROKE_LOCK, 1)
    } else if !e.notes.is_empty() {
        (FILL_STATE, STROKE_STATE, 1)
    } else {
        (FILL_STEP, STROKE_STEP, 1)
    };
    let _ = writeln!(
        out,
        r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>"#
    );
    for (k, line) in lines.iter().enumerate() {
        let attrs = match (k, line.trim_start().starts_with('[')) {
            (0, _) => String::new(),
            (_, true) => format!(r#" fill="{STROKE_LOCK}" font-size="11""#),
            _ => format!(r#" fill="{STROKE_STATE}" font-size="11""#),
        };
        let text = escape(&truncate(line, lanes.chars[t]));
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}"{attrs}>{text}</text>"#,
            x + PAD_PX,
            y + 13 + k * LINE_PX
        );
    }
    let m = margin(cx, layout, i, x + w, y + 10, margin_x, out);
    (h, m)
}

/// The marks of step `i` in the right margin, joined to the box by a dashed line; returns the
/// characters used.
fn margin(
    cx: &Counterexample,
    layout: &Layout,
    i: usize,
    from_x: usize,
    y: usize,
    margin_x: usize,
    out: &mut String,
) -> usize {
    let marks = layout.marks_at(i);
    if marks.is_empty() {
        return 0;
    }
    let fatal = marks.iter().any(|m| m.fatal);
    let color = if fatal { STROKE_FATAL } else { STROKE_SITE };
    let _ = writeln!(
        out,
        r#"<line x1="{from_x}" y1="{y}" x2="{}" y2="{y}" stroke="{color}" stroke-dasharray="3 3"/>"#,
        margin_x - 4
    );
    let mut used = 0;
    for (k, m) in marks.iter().enumerate() {
        let text = match (m.fatal, cx.findings.len()) {
            (true, 1) => cx.findings[m.finding].title.clone(),
            (true, _) => format!("({}) {}", m.finding + 1, cx.findings[m.finding].title),
            (false, _) => m.text.clone(),
        };
        used = used.max(text.chars().count());
        let color = if m.fatal { STROKE_FATAL } else { STROKE_SITE };
        let weight = if m.fatal {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<text x="{margin_x}" y="{}" fill="{color}"{weight}>{}</text>"#,
            y + 4 + k * LINE_PX,
            escape(&text)
        );
    }
    used
}

/// What the colours mean.
fn legend(y: usize, out: &mut String) {
    let items = [
        (FILL_STEP, STROKE_STEP, "step"),
        (FILL_STATE, STROKE_STATE, "changes object state"),
        (FILL_LOCK, STROKE_LOCK, "lock operation"),
        (FILL_STEP, STROKE_SITE, "named by a finding (alloc / free)"),
        (FILL_FATAL, STROKE_FATAL, "finding happens here"),
    ];
    out.push_str("<g class=\"legend\">\n");
    let mut x = PAD_PX * 2;
    for (fill, stroke, label) in items {
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{y}" width="14" height="14" rx="2" fill="{fill}" stroke="{stroke}" stroke-width="2"/>"#
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            x + 20,
            y + 11,
            escape(label)
        );
        x += 20 + px(label.chars().count()) + PAD_PX * 3;
    }
    out.push_str("</g>\n");
}

/// A minimal HTML page: the SVG swimlanes, then the text report.
pub fn html(cx: &Counterexample, ctx: &RenderContext) -> String {
    let title = escape(&header(cx, ctx));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    let _ = writeln!(out, "<title>{title}</title>");
    out.push_str("<style>body{font-family:sans-serif;margin:1em} pre{font-size:13px;line-height:1.3}</style>\n");
    out.push_str("</head>\n<body>\n");
    let _ = writeln!(out, "<h1>{title}</h1>");
    out.push_str(&svg(cx, ctx));
    let _ = writeln!(out, "<pre>{}</pre>", escape(&text(cx, ctx)));
    out.push_str("</body>\n</html>\n");
    out
}
