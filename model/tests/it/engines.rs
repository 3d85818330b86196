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
    assert!(
        bad.kinds().contains(&FindingKind::UseAfterFree),
        "PCT finds the UAF"
    );
    let good = explore(&s01(), "k53", "context", pct(7));
    assert!(good.findings.is_empty(), "{:#?}", good.findings.first());
}

/// A schedule found by loom replays step for step under shuttle's token scheduler.
#[test]
fn a_loom_counterexample_replays_under_the_token_scheduler() {
    use pincheck_model::kernel::Variant;
    use pincheck_model::oracle::{Event, Oracle, ReplayPlan};
    use pincheck_model::run::{execute, Target};
    use pincheck_model::sync::{run, Limits};
    use std::sync::{Arc, Mutex};

    let target = Target {
        variant: Variant::by_name("k53").unwrap(),
        proposal: "rfc-v2",
    };
    let first: Arc<Mutex<Option<Vec<Event>>>> = Arc::default();
    let (p, f) = (s01(), Arc::clone(&first));
    let body = Arc::new(move |o: &Arc<Oracle>| {
        execute(&p, target);
        let mut f = f.lock().unwrap();
        if f.is_none()
            && o.findings()
                .iter()
                .any(|x| x.kind == FindingKind::UseAfterFree)
        {
            *f = Some(o.log());
        }
    });
    run(&loom(2), &Limits::default(), 2, body);
    let recorded = first.lock().unwrap().clone().expect("loom finds the UAF");

    let plan = Arc::new(ReplayPlan::from_events(&recorded));
    let replayed: Arc<Mutex<Vec<(Vec<Event>, bool, bool)>>> = Arc::default();
    for _ in 0..2 {
        let (p, r) = (s01(), Arc::clone(&replayed));
        let body = Arc::new(move |o: &Arc<Oracle>| {
            execute(&p, target);
            let uaf = o
                .findings()
                .iter()
                .any(|x| x.kind == FindingKind::UseAfterFree);
            r.lock().unwrap().push((
                o.log(),
                uaf,
                o.replay_divergence().is_none() && o.replay_complete(),
            ));
        });
        let res = run(
            &Mode::Replay {
                plan: Arc::clone(&plan),
            },
            &Limits::default(),
            2,
            body,
        );
        assert_eq!(res.executions, 1);
    }
    let replayed = replayed.lock().unwrap();
    for (log, uaf, followed) in replayed.iter() {
        assert!(*followed, "the replay followed its plan");
        assert!(*uaf, "the finding reproduces");
        assert_eq!(log, &recorded, "the same steps in the same order");
    }
}
