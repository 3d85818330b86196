//! One model source under loom, shuttle and std threads, chosen at run time.

use pincheck_model::oracle::FindingKind;
use pincheck_model::sync::Mode;

use crate::*;

#[test]
fn the_same_model_runs_under_loom_shuttle_and_std() {
    for mode in [loom(1), pct(1), Mode::Stress { iterations: 50 }] {
        let e = explore(&s01(), "k56", "context", mode.clone());
        assert!(e.run.executions > 0, "{mode:?}");
        assert!(e.findings.is_empty(), "{mode:?}: {:#?}", e.findings.first());
    }
}

#[test]
fn shuttle_pct_agrees_with_loom_on_s01() {
    let bad = explore(&s01(), "k53", "rfc-v2", pct(7));
    assert!(bad.kinds().contains(&FindingKind::UseAfterFree), "PCT finds the UAF");
    let good = explore(&s01(), "k53", "context", pct(7));
    assert!(good.findings.is_empty(), "{:#?}", good.findings.first());
}
