//! Fault points: the error branches the kernel has on the modelled paths (a driver's FW command
//! failing after the pages are pinned, a destroy the driver refuses with -EBUSY), as choices the
//! checker explores. An execution runs with a fault plan: the points (thread, step name, which
//! reach of it by that thread) that take the failing branch. Every point reached is recorded, so
//! the checker can explore the plan that makes each one fail; the points taken are noted on the
//! thread's trace (a [`Note::Fault`]) and so are carried by replay plans and tokens. A point is
//! not a scheduling point: it touches no memory another thread sees.

use std::sync::Arc;

use super::{Note, Oracle};
use crate::sync::Step;

/// One reach of a fault point: thread `tid`'s `occurrence`-th reach (1-based) of `step`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultPoint {
    /// Dense thread id (0 is setup / quiescence).
    pub tid: usize,
    /// The point's name (`reg_user_mr.create_mkey`).
    pub step: String,
    /// Which reach of it by that thread.
    pub occurrence: usize,
}

/// One execution's fault plan and what it reached.
#[derive(Default)]
pub(super) struct Faults {
    plan: Option<Arc<Vec<FaultPoint>>>,
    counts: Vec<(usize, Step, usize)>,
    reached: Vec<FaultPoint>,
}

impl Faults {
    /// Forget everything for the next execution.
    pub(super) fn clear(&mut self) {
        self.plan = None;
        self.counts.clear();
        self.reached.clear();
    }
}

impl Oracle {
    /// The fault plan of this execution (set before it runs; without one, a replay plan's faults
    /// apply, else none).
    pub fn set_faults(&self, plan: Arc<Vec<FaultPoint>>) {
        self.st().faults.plan = Some(plan);
    }

    /// Every fault point this execution reached, failing or not.
    pub fn faults_reached(&self) -> Vec<FaultPoint> {
        self.st().faults.reached.clone()
    }

    /// The running thread reaches fault point `step`: whether it takes the failing branch.
    pub fn fault(&self, step: Step) -> bool {
        let tid = self.current_tid();
        let mut st = self.st();
        let n = match st
            .faults
            .counts
            .iter_mut()
            .find(|(t, s, _)| *t == tid && *s == step)
        {
            Some((_, _, n)) => {
                *n += 1;
                *n
            }
            None => {
                st.faults.counts.push((tid, step, 1));
                1
            }
        };
        let point = FaultPoint {
            tid,
            step: step.to_string(),
            occurrence: n,
        };
        let fails = match (&st.faults.plan, &st.replay) {
            (Some(plan), _) => plan.contains(&point),
            (None, Some(replay)) => replay.faults.contains(&point),
            (None, None) => false,
        };
        st.faults.reached.push(point);
        if fails {
            Self::push_note(
                &mut st,
                tid,
                Note::Fault {
                    step,
                    occurrence: n,
                },
            );
        }
        fails
    }
}
