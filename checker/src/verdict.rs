//! Verdicts: what a cell's outcome set means, and whether it is what the scenario expects.
//!
//! - `bound-reached` when any engine's search was cut (never `pass`);
//! - `fail(kinds)` when findings of the checked kinds were reached: every kind for a
//!   `proposal@kernel` the scenario lists (a negative control), the `never` kinds otherwise;
//! - `vacuous` when a `sometimes` goal was never reached: the race did not happen, so a pass
//!   would prove nothing;
//! - `pass` otherwise.

use std::collections::BTreeSet;
use std::fmt;

use pincheck_model::oracle::FindingKind;

use crate::explore::Explored;
use crate::scenario::{ExpectedVerdict, Scenario};

/// A cell's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing checked was found, every goal was reached, nothing was cut.
    Pass,
    /// Findings of these kinds were reached.
    Fail(Vec<FindingKind>),
    /// A `sometimes` goal was never reached.
    Vacuous,
    /// A search was cut by a time or branch bound, or loom could not hold the threads.
    BoundReached,
    /// The model itself panicked (a model bug).
    ModelPanic(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Pass => f.write_str("pass"),
            Verdict::Vacuous => f.write_str("vacuous"),
            Verdict::BoundReached => f.write_str("bound-reached"),
            Verdict::Fail(kinds) => {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                write!(f, "fail({})", names.join(", "))
            }
            Verdict::ModelPanic(_) => f.write_str("model-panic"),
        }
    }
}

impl Verdict {
    /// The verdict a scenario expects, in the same terms.
    pub fn from_expected(e: &ExpectedVerdict) -> Verdict {
        match e {
            ExpectedVerdict::Pass => Verdict::Pass,
            ExpectedVerdict::Vacuous => Verdict::Vacuous,
            ExpectedVerdict::BoundReached => Verdict::BoundReached,
            ExpectedVerdict::Fail(kinds) => {
                let set: BTreeSet<FindingKind> = kinds.iter().copied().collect();
                Verdict::Fail(set.into_iter().collect())
            }
        }
    }
}

/// The expected verdict of `proposal@kernel` in `scenario`, and whether it is a listed one.
pub fn expected(scenario: &Scenario, proposal: &str, kernel: &str) -> (Verdict, bool) {
    match scenario.expect.verdict_for(proposal, kernel) {
        Some(e) => (Verdict::from_expected(e), true),
        None => (Verdict::Pass, false),
    }
}

/// The verdict of an explored cell.
pub fn verdict(scenario: &Scenario, explored: &Explored, listed: bool) -> Verdict {
    if let Some(p) = explored.runs.iter().find_map(|r| r.model_panic.clone()) {
        return Verdict::ModelPanic(p);
    }
    if explored.runs.iter().any(|r| r.cut.is_some()) {
        return Verdict::BoundReached;
    }
    let checked: BTreeSet<FindingKind> = if listed {
        FindingKind::ALL.into_iter().collect()
    } else {
        scenario.expect.never.iter().copied().collect()
    };
    let found: BTreeSet<FindingKind> = explored
        .counterexamples
        .values()
        .flat_map(|cx| cx.findings.iter().map(|f| f.kind))
        .filter(|k| checked.contains(k))
        .collect();
    if !found.is_empty() {
        return Verdict::Fail(found.into_iter().collect());
    }
    if explored.goals.iter().any(|g| !g) {
        return Verdict::Vacuous;
    }
    Verdict::Pass
}
