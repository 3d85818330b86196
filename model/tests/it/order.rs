//! The procfs truth is a property of the execution's trace, not of the interleaving the engine
//! ran: every interleaving of one Mazurkiewicz trace (the same accesses, each engine object's
//! accesses in the same order) gets the same verdict, under loom and under shuttle alike.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Access, EngineObj, FindingKind, Oracle};
use pincheck_model::run::{execute, Target};
use pincheck_model::sync::{run, Body, Limits, Mode};

use crate::*;

/// Each engine object's accesses in the order they took effect: by thread, kind, step and the
/// value a load returned. Two executions with the same key are interleavings of one trace.
type TraceKey = Vec<(EngineObj, Vec<(usize, &'static str, &'static str, i64)>)>;

fn trace_key(accesses: &[Access]) -> TraceKey {
    let mut by_object: BTreeMap<EngineObj, Vec<_>> = BTreeMap::new();
    for a in accesses.iter().filter(|a| a.kind.is_access()) {
        by_object
            .entry(a.object)
            .or_default()
            .push((a.tid, a.kind.word(), a.step, a.value));
    }
    by_object.into_iter().collect()
}

/// Per trace: the interleavings run (the thread of each logged step) and the verdicts they got
/// (observations, then the findings as `signature: title`).
type Seen = BTreeMap<TraceKey, (Vec<Vec<usize>>, Vec<Vec<String>>)>;

fn run_recorded(program: &Program, proposal: &'static str, mode: &Mode, seen: &Arc<Mutex<Seen>>) {
    let target = Target {
        variant: Variant::by_name("k56").unwrap(),
        proposal,
    };
    let (p, s) = (program.clone(), Arc::clone(seen));
    let body = Body::new(
        move |_: &Arc<Oracle>| execute(&p, target),
        move |o: &Arc<Oracle>| {
            let key = trace_key(&o.take_accesses());
            let order: Vec<usize> = o.with_log(|log| log.iter().map(|e| e.tid).collect());
            let mut verdict: Vec<String> = o
                .observations()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let mut findings: Vec<String> = o
                .findings()
                .iter()
                .map(|f| format!("{}: {}", f.signature(), f.title))
                .collect();
            findings.sort();
            verdict.extend(findings);
            let mut s = s.lock().unwrap();
            let (orders, verdicts) = s.entry(key).or_default();
            if !orders.contains(&order) {
                orders.push(order);
            }
            if !verdicts.contains(&verdict) {
                verdicts.push(verdict);
            }
        },
    );
    let limits = Limits {
        record_accesses: true,
        ..Limits::default()
    };
    let r = run(mode, &limits, program.threads.len(), body);
    assert!(
        r.cut.is_none() && r.model_panic.is_none(),
        "{proposal} {mode:?}: {r:?}"
    );
}

/// s15's race in small: the owner closes its uverbs fd while an administrator lists its pins. A
/// listing that never reads the fd table (mm's) is unordered with the close; the others are
/// ordered with it in some traces and not in others.
fn close_vs_listing() -> Program {
    program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
        ],
        vec![
            ("closer", vec![op_close("p0", "fd0")]),
            ("reader", vec![op_list("p1", "p0", "pins")]),
        ],
    )
}

#[test]
fn every_interleaving_of_one_trace_gets_one_procfs_verdict() {
    let random = Mode::Random {
        seed: 11,
        iterations: 1500,
    };
    for proposal in ["mm", "rfc-v2", "context"] {
        let seen: Arc<Mutex<Seen>> = Arc::default();
        for mode in [loom_unbounded(), pct(13), random.clone()] {
            run_recorded(&close_vs_listing(), proposal, &mode, &seen);
        }
        let seen = seen.lock().unwrap();
        let mut several = 0;
        for (orders, verdicts) in seen.values() {
            assert_eq!(
                verdicts.len(),
                1,
                "{proposal}: one trace, {} interleavings, verdicts {verdicts:#?}",
                orders.len()
            );
            several += usize::from(orders.len() > 1);
        }
        assert!(
            several > 0,
            "{proposal}: no trace was run in two interleavings ({} traces)",
            seen.len()
        );
    }
}

/// The order that made mm's line `mm: dax0` a lie in one interleaving and true in the other: the
/// close before or after the read. The close and the read are concurrent (mm's listing never
/// reads the fd table), so an administrator can read after the close returned: the line is a lie
/// in every interleaving of the trace, and both engines reach it (loom ran only the other order
/// when the verdict followed the logged order).
#[test]
fn loom_and_pct_reach_the_same_mm_outcomes_on_close_vs_listing() {
    let outcomes = |mode: Mode| {
        let e = explore(&close_vs_listing(), "k56", "mm", mode);
        e.assert_complete("mm close vs listing");
        assert!(
            e.kinds().contains(&FindingKind::ProcfsLie),
            "mm lists the closed fd's pin for the process: {:#?}",
            e.distinct()
        );
        e.distinct()
    };
    assert_eq!(outcomes(loom_unbounded()), outcomes(pct(17)));
}
