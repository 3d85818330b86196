//! `pincheck steps`: the step names each thread of a scenario executes, for writing `sometimes`
//! goals (`thread:step`). The scenario is explored as `check` explores it (every proposal and
//! kernel asked for, loom and PCT), keeping every step every execution ran; each step is listed
//! with the lock it acts on, where the model writes it (function, file and line, from the
//! [catalogue](crate::catalogue)) and, when not every explored cell ran it, the proposals and
//! kernels that did.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::check::{load_all, matrix, run_cells_on, CheckOptions};
use crate::error::Error;
use crate::scenario::Scenario;

/// One step a thread executed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadStep {
    /// The step name (`filp_close.fput`).
    pub step: &'static str,
    /// Locks it acted on.
    pub locks: BTreeSet<&'static str>,
    /// Proposals under which some execution ran it.
    pub proposals: BTreeSet<&'static str>,
    /// Kernels under which some execution ran it.
    pub kernels: BTreeSet<&'static str>,
}

/// The steps of one scenario, by thread (`setup` first: setup and quiescence).
#[derive(Clone, Debug)]
pub struct Listing {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Proposals explored.
    pub proposals: Vec<&'static str>,
    /// Kernels explored.
    pub kernels: Vec<&'static str>,
    /// Thread name → its steps, sorted by name (so a function's steps are together).
    pub threads: Vec<(String, Vec<ThreadStep>)>,
}

/// Explore the scenarios of `opts` (their proposals and kernels) and list their steps.
pub fn list(opts: &CheckOptions) -> Result<Vec<Listing>, Error> {
    let scenarios = load_all(&opts.paths)?;
    let cells = matrix(&scenarios, opts)?;
    let mut settings = opts.settings.clone();
    settings.collect_steps = true;
    settings.shrink = false;
    // Worker processes return no step lists: explore on threads.
    let reports = run_cells_on(&cells, &settings, opts.jobs, opts.progress, None);
    let mut out = Vec::new();
    for s in &scenarios {
        let names = crate::replay::thread_names(s);
        let mut by_thread: Vec<BTreeMap<&'static str, ThreadStep>> =
            vec![BTreeMap::new(); names.len()];
        let (mut proposals, mut kernels) = (Vec::new(), Vec::new());
        for c in reports.iter().filter(|c| Arc::ptr_eq(&c.scenario, s)) {
            push_new(&mut proposals, c.proposal);
            push_new(&mut kernels, c.kernel);
            for &(tid, step, lock) in &c.explored.steps {
                let Some(thread) = by_thread.get_mut(tid) else {
                    continue;
                };
                let t = thread.entry(step).or_insert_with(|| ThreadStep {
                    step,
                    ..ThreadStep::default()
                });
                t.locks.extend(lock);
                t.proposals.insert(c.proposal);
                t.kernels.insert(c.kernel);
            }
        }
        let threads = names
            .into_iter()
            .zip(by_thread)
            .map(|(n, steps)| (n, steps.into_values().collect()))
            .collect();
        out.push(Listing {
            scenario: Arc::clone(s),
            proposals,
            kernels,
            threads,
        });
    }
    Ok(out)
}

fn push_new(v: &mut Vec<&'static str>, x: &'static str) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// Where the model writes `step`: `function (file:line)`, every site.
fn sites(step: &str) -> Vec<String> {
    crate::catalogue::sites_of(step)
        .map(|s| format!("{} ({}:{})", s.function, s.file, s.line))
        .collect()
}

/// `only rfc-v2, clear-on-close; k53` when not every explored proposal or kernel ran the step.
fn restriction(l: &Listing, t: &ThreadStep) -> Option<String> {
    let mut parts = Vec::new();
    if t.proposals.len() < l.proposals.len() {
        parts.push(t.proposals.iter().copied().collect::<Vec<_>>().join(", "));
    }
    if t.kernels.len() < l.kernels.len() {
        parts.push(t.kernels.iter().copied().collect::<Vec<_>>().join(", "));
    }
    (!parts.is_empty()).then(|| format!("only {}", parts.join("; ")))
}

/// The text listing.
pub fn text(listings: &[Listing]) -> String {
    let mut out = String::new();
    for l in listings {
        let _ = writeln!(
            out,
            "{} ({}): steps each thread executed, on {} x {}",
            l.scenario.name,
            l.scenario.path.display(),
            l.proposals.join(", "),
            l.kernels.join(", ")
        );
        let _ = writeln!(
            out,
            "a `sometimes` goal names one as `thread:step`, e.g. `{}`",
            example(l)
        );
        for (thread, steps) in &l.threads {
            let _ = writeln!(out, "\n  thread {thread} ({} steps)", steps.len());
            for t in steps {
                let mut line = format!("    {}", t.step);
                if !t.locks.is_empty() {
                    let locks: Vec<&str> = t.locks.iter().copied().collect();
                    let _ = write!(line, " [{}]", locks.join(", "));
                }
                let _ = writeln!(out, "{line}");
                let mut about = sites(t.step);
                about.extend(restriction(l, t));
                if !about.is_empty() {
                    let _ = writeln!(out, "        {}", about.join("; "));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// A goal-shaped example from the listing: the first step of the first scenario thread.
fn example(l: &Listing) -> String {
    l.threads
        .iter()
        .skip(1)
        .find_map(|(t, steps)| steps.first().map(|s| format!("{t}:{}", s.step)))
        .unwrap_or_else(|| "close:filp_close.fput".into())
}

/// The JSON listing.
pub fn json(listings: &[Listing]) -> String {
    let doc: Vec<Value> = listings
        .iter()
        .map(|l| {
            let threads: Vec<Value> = l
                .threads
                .iter()
                .map(|(name, steps)| {
                    let steps: Vec<Value> = steps
                        .iter()
                        .map(|t| {
                            let sites: Vec<Value> = crate::catalogue::sites_of(t.step)
                                .map(|s| json!({"function": s.function, "file": s.file, "line": s.line}))
                                .collect();
                            json!({
                                "step": t.step,
                                "locks": t.locks,
                                "sites": sites,
                                "proposals": t.proposals,
                                "kernels": t.kernels,
                            })
                        })
                        .collect();
                    json!({ "thread": name, "steps": steps })
                })
                .collect();
            json!({
                "scenario": l.scenario.name,
                "file": l.scenario.path.display().to_string(),
                "proposals": l.proposals,
                "kernels": l.kernels,
                "threads": threads,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}
