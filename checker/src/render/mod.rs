//! Renderings of one counterexample for people: terminal text, a Mermaid sequence diagram (GitHub
//! renders it in a PR) and SVG / HTML swimlanes.
//!
//! All three share one layout ([`Layout`]): which steps are shown, which are folded into
//! `... N steps folded ...`, and which steps carry a finding or a site a finding names (where the
//! object was allocated and freed). A step is kept when it changes an object's state (after the
//! sequential setup, whose net effect is summarised in one line instead), operates a lock that two
//! scenario threads share, lies within [`FINDING_CONTEXT_STEPS`] of a finding, is named by a
//! finding, or is the last step before / first step after a thread switch. Everything is a pure
//! function of the counterexample: the same input gives byte-identical output.

mod json;
mod mermaid;
mod svg;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use pincheck_model::oracle::{Event, Finding};

use crate::explore::Counterexample;

pub use json::json;
pub use mermaid::mermaid;
pub use svg::{html, svg};
pub use text::text;

/// What the renderings say about where the counterexample comes from.
#[derive(Clone, Copy, Debug)]
pub struct RenderContext<'a> {
    /// Scenario name (`s01-remove-device-vs-close`).
    pub scenario: &'a str,
    /// Proposal name (`rfc-v2`).
    pub proposal: &'a str,
    /// Kernel variant (`k53`).
    pub kernel: &'a str,
    /// Replay token text, shown at the end as a `pincheck replay` command when present.
    pub token: Option<&'a str>,
    /// The scenario file, when the replay command must name it (`--scenarios PATH`) because it is
    /// not under the default `scenarios/` folder (see [`crate::replay::scenario_arg`]).
    pub scenario_file: Option<&'a std::path::Path>,
    /// `replay --until N`: the object graph after step N (the trace then ends at N).
    pub graph: Option<(usize, &'a [String])>,
    /// Show every step: nothing folded.
    pub unfold: bool,
}

impl RenderContext<'_> {
    /// The lines of the object graph, under their heading, if the context has one; each object
    /// named by its role (`file#1 (uverbs0 fd0): live; ...`).
    pub(crate) fn graph_lines(&self, cx: &Counterexample) -> Option<Vec<String>> {
        let (n, lines) = self.graph?;
        let mut out = vec![format!("object graph after step {n}:")];
        for l in lines {
            let l = match l.split_once(": ") {
                Some((name, rest)) if cx.roles.contains_key(name) => {
                    format!("{name} ({}): {rest}", cx.roles[name])
                }
                _ => l.clone(),
            };
            out.push(format!("  {l}"));
        }
        Some(out)
    }
}

/// `text` with ` (role)` after the first mention of each object `roles` names that is not in
/// `named` yet (`file#1` → `file#1 (uverbs0 fd0)`); `named` collects the objects named.
pub(crate) fn with_roles(
    text: &str,
    roles: &BTreeMap<String, String>,
    named: &mut BTreeSet<String>,
) -> String {
    if roles.is_empty() {
        return text.to_string();
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(hash) = rest.find('#') {
        let start = rest[..hash]
            .char_indices()
            .rev()
            .take_while(|(_, c)| word(*c))
            .last()
            .map_or(hash, |(i, _)| i);
        let digits = rest[hash + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - hash - 1);
        let end = hash + 1 + digits;
        let name = &rest[start..end];
        out.push_str(&rest[..end]);
        if let Some(role) = roles.get(name) {
            if digits > 0 && named.insert(name.to_string()) {
                out.push_str(&format!(" ({role})"));
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The line that stands for the steps after a deadlock.
pub(crate) fn stopped_text(hidden: usize) -> String {
    format!(
        "(the trace ends at the deadlock: the {hidden} step{} after it are the model unwinding, \
         which the deadlocked kernel never does)",
        if hidden == 1 { "" } else { "s" }
    )
}

/// Steps kept on each side of a finding's step.
pub const FINDING_CONTEXT_STEPS: usize = 2;

/// Folded runs shorter than this are shown instead (a fold line would not save a line).
const FOLD_RUN_MIN: usize = 3;

/// One line of a rendered trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Row {
    /// The event at this index.
    Step(usize),
    /// `count` consecutive events starting at `first`, not shown; `tid` when all are one thread's.
    Fold {
        first: usize,
        count: usize,
        tid: Option<usize>,
    },
    /// The net object state the sequential setup left (`file#2 f_count 1, ...`).
    SetupState(String),
    /// Findings found after the last step (quiescence checks).
    End,
    /// The trace stops at a deadlock: the `hidden` steps after it are the model unwinding (its
    /// guards drop), which a deadlocked kernel never does.
    Stopped { hidden: usize },
}

/// A remark attached to a step: a finding happened there, or a finding names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    /// Index of the finding in `Counterexample::findings`.
    pub finding: usize,
    /// True on the step where the finding happened.
    pub fatal: bool,
    /// Short text: `BUG 1: use-after-free file#2`, `freed file#2 (BUG 1)`.
    pub text: String,
}

/// Which rows are shown and what they carry.
pub(crate) struct Layout {
    /// Rows in order.
    pub rows: Vec<Row>,
    /// Events not shown.
    pub folded: usize,
    /// Locks whose operations are kept (shared by two scenario threads or named by a finding).
    pub locks: Vec<&'static str>,
    /// Marks by event index (findings past the log end are at `events.len()`).
    pub marks: Marks,
    /// Per finding: the event index where each `... by task T at S` detail line resolved.
    pub sites: Sites,
}

impl Layout {
    /// The layout of `cx`; with `unfold`, every step is shown.
    pub fn new(cx: &Counterexample, unfold: bool) -> Layout {
        let locks = involved_locks(cx);
        let (marks, sites) = marks(cx);
        let n = shown_steps(cx);
        let setup_end = cx
            .events
            .iter()
            .position(|e| e.tid != 0)
            .unwrap_or(n)
            .min(n);
        let mut keep = kept(cx, &locks, &marks, setup_end);
        keep.truncate(n);
        if unfold {
            keep.iter_mut().for_each(|k| *k = true);
        }
        let mut rows = Vec::new();
        let mut folded = 0;
        let mut i = 0;
        while i < n {
            if i == setup_end && setup_end > 0 {
                if let Some(state) = setup_state(&cx.events[..setup_end]) {
                    let state = with_roles(&state, &cx.roles, &mut BTreeSet::new());
                    rows.push(Row::SetupState(state));
                }
            }
            if keep[i] {
                rows.push(Row::Step(i));
                i += 1;
                continue;
            }
            // A run of unkept steps, cut at the end of the setup so its summary lands between.
            let stop = if i < setup_end { setup_end } else { n };
            let end = (i..stop).find(|&j| keep[j]).unwrap_or(stop);
            if end - i < FOLD_RUN_MIN {
                rows.extend((i..end).map(Row::Step));
            } else {
                let tid = cx.events[i].tid;
                let same = cx.events[i..end].iter().all(|e| e.tid == tid);
                rows.push(Row::Fold {
                    first: i,
                    count: end - i,
                    tid: same.then_some(tid),
                });
                folded += end - i;
            }
            i = end;
        }
        if n < cx.events.len() {
            rows.push(Row::Stopped {
                hidden: cx.events.len() - n,
            });
        } else if marks.keys().any(|&k| k >= n) {
            rows.push(Row::End);
        }
        Layout {
            rows,
            folded,
            locks,
            marks,
            sites,
        }
    }

    /// Marks of the step at `i`.
    pub fn marks_at(&self, i: usize) -> &[Mark] {
        self.marks.get(&i).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether a finding happened at `i`.
    pub fn fatal_at(&self, i: usize) -> bool {
        self.marks_at(i).iter().any(|m| m.fatal)
    }

    /// Whether some detail line of finding `k` resolved to the step where it happened.
    pub fn names_own_step(&self, cx: &Counterexample, k: usize) -> bool {
        let at = cx.findings[k].event;
        self.sites.get(k).is_some_and(|s| s.contains(&Some(at)))
    }

    /// One sentence on what was folded, or `None` when nothing was.
    pub fn fold_notice(&self, cx: &Counterexample) -> Option<String> {
        if self.folded == 0 {
            return None;
        }
        let locks = if self.locks.is_empty() {
            String::new()
        } else {
            format!(", operations on {}", self.locks.join(", "))
        };
        Some(format!(
            "{} of {} steps folded; shown: steps that change object state{locks}, \
             steps within {FINDING_CONTEXT_STEPS} of a finding or named by one, thread switches",
            self.folded,
            cx.events.len()
        ))
    }
}

/// How many events the trace shows: all of them, or up to and including the first deadlock (the
/// deadlocked threads never run again; the model only unwinds after it).
fn shown_steps(cx: &Counterexample) -> usize {
    let n = cx.events.len();
    cx.findings
        .iter()
        .filter(|f| f.kind == pincheck_model::oracle::FindingKind::Deadlock)
        .map(|f| (f.event + 1).min(n))
        .min()
        .unwrap_or(n)
}

/// Which events are shown.
fn kept(cx: &Counterexample, locks: &[&str], marks: &Marks, setup_end: usize) -> Vec<bool> {
    let n = cx.events.len();
    let mut keep = vec![false; n];
    for (i, e) in cx.events.iter().enumerate() {
        let lock_kept = e.tid != 0 && e.lock.is_some_and(|l| locks.contains(&l));
        keep[i] = (i >= setup_end && !e.notes.is_empty()) || lock_kept || marks.contains_key(&i);
        if i > 0 && cx.events[i - 1].tid != e.tid {
            keep[i - 1] = true;
            keep[i] = true;
        }
    }
    for f in &cx.findings {
        let from = f.event.saturating_sub(FINDING_CONTEXT_STEPS);
        let to = (f.event + FINDING_CONTEXT_STEPS + 1).min(n);
        for k in keep.iter_mut().take(to).skip(from) {
            *k = true;
        }
    }
    keep
}

/// Locks operated by at least two threads other than setup, or named by a finding.
fn involved_locks(cx: &Counterexample) -> Vec<&'static str> {
    let mut users: BTreeMap<&'static str, BTreeSet<usize>> = BTreeMap::new();
    for e in &cx.events {
        if let Some(l) = e.lock {
            users.entry(l).or_default().insert(e.tid);
        }
    }
    let named = |l: &str| {
        cx.findings.iter().any(|f| {
            f.object.as_deref() == Some(l)
                || f.title.contains(l)
                || f.details.iter().any(|d| d.contains(l))
        })
    };
    users
        .into_iter()
        .filter(|(l, tids)| tids.iter().filter(|&&t| t != 0).count() >= 2 || named(l))
        .map(|(l, _)| l)
        .collect()
}

/// Marks by event index.
type Marks = BTreeMap<usize, Vec<Mark>>;

/// Per finding, per detail line: the event its `by task T at S` names.
type Sites = Vec<Vec<Option<usize>>>;

/// Marks per event and the resolved detail sites per finding.
fn marks(cx: &Counterexample) -> (Marks, Sites) {
    let mut marks = Marks::new();
    let mut sites = Vec::new();
    let n = cx.events.len();
    for (k, f) in cx.findings.iter().enumerate() {
        let at = f.event.min(n);
        let object = f
            .object
            .as_deref()
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let text = format!("BUG {}: {}{object}", k + 1, f.kind);
        marks.entry(at).or_default().push(Mark {
            finding: k,
            fatal: true,
            text,
        });
        let mut resolved = Vec::new();
        for d in &f.details {
            let site = site_of(d).and_then(|(task, step)| resolve(cx, f, task, step));
            if let (Some(i), Some((verb, _))) = (site, d.split_once(' ')) {
                if i != at {
                    let text = format!("{}{object} (BUG {})", verb.to_lowercase(), k + 1);
                    marks.entry(i).or_default().push(Mark {
                        finding: k,
                        fatal: false,
                        text,
                    });
                }
            }
            resolved.push(site);
        }
        sites.push(resolved);
    }
    (marks, sites)
}

/// `(task, step)` of a detail line `... by task T at S`.
pub(crate) fn site_of(detail: &str) -> Option<(&str, &str)> {
    let (_, rest) = detail.split_once(" by task ")?;
    let (task, step) = rest.split_once(" at ")?;
    let step = step.split_whitespace().next()?;
    (!task.contains(' ')).then_some((task, step))
}

/// The event of thread `task` at `step`: the last one at or before the finding, else the first.
fn resolve(cx: &Counterexample, f: &Finding, task: &str, step: &str) -> Option<usize> {
    let hit = |(_, e): &(usize, &Event)| {
        e.step == step && cx.threads.get(e.tid).is_some_and(|t| t == task)
    };
    let mut all = cx.events.iter().enumerate().filter(hit).map(|(i, _)| i);
    let first = all.next()?;
    let before = std::iter::once(first)
        .chain(all)
        .take_while(|&i| i <= f.event)
        .last();
    Some(before.unwrap_or(first))
}

/// The net state the setup left: the last value of each `obj field a->b` note, in order of first
/// change.
fn setup_state(events: &[Event]) -> Option<String> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut last: BTreeMap<(String, String), String> = BTreeMap::new();
    for note in events.iter().flat_map(|e| &e.notes) {
        let note = note.to_string();
        let parts: Vec<&str> = note.split_whitespace().collect();
        let [obj, field, change] = parts[..] else {
            continue;
        };
        let Some((_, to)) = change.split_once("->") else {
            continue;
        };
        let key = (obj.to_string(), field.to_string());
        if !last.contains_key(&key) {
            order.push(key.clone());
        }
        last.insert(key, to.to_string());
    }
    if order.is_empty() {
        return None;
    }
    let items: Vec<String> = order
        .iter()
        .map(|k| format!("{} {} {}", k.0, k.1, last[k]))
        .collect();
    Some(format!("state after setup: {}", items.join(", ")))
}

/// Whether the step releases its lock (`unlock`, `up_read`, `up_write`, `*_unlock`).
pub(crate) fn is_release(e: &Event) -> bool {
    let last = e.step.rsplit('.').next().unwrap_or(e.step);
    e.lock.is_some() && (last == "unlock" || last.starts_with("up_") || last.ends_with("_unlock"))
}

/// A step's name with its lock: `unlock(lists_mutex)`, `destroy_ufile_hw.down_write` +
/// `[hw_destroy_rwsem]`; an acquire whose name already says the lock (`fget.file_lock`) gets no
/// second part. A lock step that had to wait says so.
pub(crate) fn step_label(e: &Event) -> (String, Option<String>) {
    let waited = if e.waited && e.lock.is_some() {
        " (waited)"
    } else {
        ""
    };
    match e.lock {
        Some(l) if is_release(e) => (format!("{}({l}){waited}", e.step), None),
        Some(l) if !e.step.contains(l) => (e.step.to_string(), Some(format!("[{l}]{waited}"))),
        _ => (format!("{}{waited}", e.step), None),
    }
}

/// [`step_label`] on one line.
pub(crate) fn step_text(e: &Event) -> String {
    match step_label(e) {
        (name, Some(lock)) => format!("{name} {lock}"),
        (name, None) => name,
    }
}

/// A thread's name by id (`t7` when the counterexample does not name it).
pub(crate) fn thread_name(cx: &Counterexample, tid: usize) -> String {
    cx.threads
        .get(tid)
        .cloned()
        .unwrap_or_else(|| format!("t{tid}"))
}

/// Number of lanes: every named thread and every thread id the log uses.
pub(crate) fn lanes(cx: &Counterexample) -> usize {
    let max_tid = cx.events.iter().map(|e| e.tid + 1).max().unwrap_or(0);
    cx.threads.len().max(max_tid).max(1)
}

/// `scenario  proposal@kernel  engine, N preemptions, M steps`.
pub(crate) fn header(cx: &Counterexample, ctx: &RenderContext) -> String {
    format!(
        "{}  {}@{}  {}, {} preemption{}, {} steps",
        ctx.scenario,
        ctx.proposal,
        ctx.kernel,
        cx.engine,
        cx.preemptions,
        if cx.preemptions == 1 { "" } else { "s" },
        cx.events.len()
    )
}

/// The replay command of the context's token, quoted for a POSIX shell, naming the scenario file
/// when it is not under the default folder.
pub(crate) fn replay_command(ctx: &RenderContext) -> Option<String> {
    let token = ctx.token?;
    Some(crate::replay::command(token, ctx.scenario_file))
}

/// Cut `s` to `max` characters, ending in `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
