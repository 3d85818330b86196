//! Shrinking a counterexample found by a randomized engine: fewer preemptions, fewer steps, and
//! threads that are not needed before the bug postponed to the end, as long as the same finding
//! still reproduces under the token scheduler. loom's iterative preemption bounds already give
//! counterexamples with the fewest preemptions; shuttle's PCT does not.

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{ReplayPlan, Segment};

use crate::explore::Counterexample;
use crate::replay::run_plan;
use crate::scenario::Scenario;
use pincheck_model::oracle::Mutation;

/// Replays one shrink may try.
pub const SHRINK_REPLAYS_MAX: usize = 300;

/// The result of shrinking.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest counterexample found (the input when nothing smaller reproduced).
    pub counterexample: Counterexample,
    /// Preemptions and steps before.
    pub before: (usize, usize),
    /// Threads whose every step could be postponed past the finding.
    pub postponed: Vec<String>,
    /// Replays tried.
    pub replays: usize,
}

fn size(cx: &Counterexample) -> (usize, usize) {
    (cx.preemptions, cx.events.len())
}

/// Plans one step smaller than `plan`: each thread postponed to the end, then each run merged
/// into the thread's next one (one context switch fewer).
fn candidates(plan: &ReplayPlan, threads: usize) -> Vec<(ReplayPlan, Option<usize>)> {
    let mut out = Vec::new();
    for t in 1..threads {
        let (mine, rest): (Vec<Segment>, Vec<Segment>) =
            plan.segments.iter().cloned().partition(|s| s.tid == t);
        if mine.is_empty() || plan.segments.ends_with(&mine) {
            continue;
        }
        let segments = rest.into_iter().chain(mine).collect();
        out.push((
            ReplayPlan {
                segments,
                until: None,
                faults: plan.faults.clone(),
            },
            Some(t),
        ));
    }
    for i in 0..plan.segments.len().saturating_sub(1) {
        let mut segments = plan.segments.clone();
        segments.remove(i);
        out.push((
            ReplayPlan {
                segments,
                until: None,
                faults: plan.faults.clone(),
            },
            None,
        ));
    }
    out
}

/// Shrink `cx` while a finding with `signature` still reproduces.
pub fn shrink(
    scenario: &Scenario,
    proposal: &'static str,
    kernel: Variant,
    mutation: Option<Mutation>,
    cx: &Counterexample,
    signature: &str,
) -> Shrunk {
    let mut best = cx.clone();
    let mut postponed = Vec::new();
    let mut replays = 0;
    'outer: loop {
        let plan = ReplayPlan::from_events(&best.events);
        for (candidate, thread) in candidates(&plan, best.threads.len()) {
            if replays >= SHRINK_REPLAYS_MAX {
                break 'outer;
            }
            replays += 1;
            let Ok((got, problem, _)) = run_plan(scenario, proposal, kernel, mutation, candidate)
            else {
                continue;
            };
            let reproduces =
                problem.is_none() && got.findings.iter().any(|f| f.signature() == signature);
            if reproduces && size(&got) < size(&best) {
                if let Some(t) = thread {
                    postponed.push(best.threads[t].clone());
                }
                best = Counterexample {
                    engine: cx.engine,
                    ..got
                };
                continue 'outer;
            }
        }
        break;
    }
    postponed.sort();
    postponed.dedup();
    Shrunk {
        counterexample: best,
        before: size(cx),
        postponed,
        replays,
    }
}
