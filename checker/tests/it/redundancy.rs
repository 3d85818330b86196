//! `pincheck redundancy` and the model's access record: distinct traces counted by hand on tiny
//! models, the record adding no scheduling point, and the report's shape on a real scenario.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pincheck::explore::{explore, Cell, EngineChoice, Preemptions, Settings};
use pincheck::redundancy::{analyse, Source, Traces};
use pincheck_model::kernel::Variant;
use pincheck_model::oracle::Oracle;
use pincheck_model::sync::{
    run, run_threads, spawn, Atomic, Body, Limits, Mode, RunResult, ThreadFn,
};

use crate::controls::scenarios_dir;

/// A tiny model under unbounded loom with the record on: the setup thread creates `shared` and
/// one private counter per thread, then two threads each make `op` on the shared counter and
/// `private` RMWs of their own; the setup waits for them as the model does (`run_threads`) or, with
/// `in_engine`, joins each in the engine. Returns the search and its traces.
fn tiny_joined(op: fn(&Atomic) -> i64, private: usize, in_engine: bool) -> (RunResult, Traces) {
    let traces = Arc::new(Mutex::new(Traces::default()));
    let sink = Arc::clone(&traces);
    let start = move |_: &Arc<Oracle>| {
        let shared = Arc::new(Atomic::new(0));
        let threads = ["t1", "t2"].into_iter().map(|name| {
            let shared = Arc::clone(&shared);
            let own = Atomic::new(0);
            let f: ThreadFn = Box::new(move || {
                op(&shared);
                for _ in 0..private {
                    own.fetch_add("tiny.own", 1);
                }
            });
            (name, f)
        });
        if in_engine {
            let handles: Vec<_> = threads.map(|(name, f)| spawn(name, f)).collect();
            for t in handles {
                t.join();
            }
        } else {
            run_threads(threads.collect(), || {});
        }
    };
    let body = Body::new(start, move |o: &Arc<Oracle>| {
        let record = o.take_accesses();
        sink.lock()
            .unwrap()
            .add(&record, &o.thread_names(), &o.engine_objects());
    });
    let limits = Limits {
        record_accesses: true,
        ..Limits::default()
    };
    let mode = Mode::Loom {
        preemption_bound: None,
    };
    let r = run(&mode, &limits, 2, body);
    assert!(r.cut.is_none() && r.model_panic.is_none(), "{r:?}");
    let t = std::mem::take(&mut *traces.lock().unwrap());
    (r, t)
}

/// [`tiny_joined`] as the model waits for its threads.
fn tiny(op: fn(&Atomic) -> i64, private: usize) -> (RunResult, Traces) {
    tiny_joined(op, private, false)
}

fn rmw(a: &Atomic) -> i64 {
    a.fetch_add("tiny.shared", 1)
}

fn load(a: &Atomic) -> i64 {
    a.load("tiny.shared")
}

#[test]
fn two_threads_each_rmw_one_shared_atomic_once_make_two_traces() {
    let (r, t) = tiny(rmw, 0);
    assert_eq!(t.executions(), r.executions, "every execution is recorded");
    assert_eq!(t.traces(), 2, "t1 before t2, or t2 before t1");
    let shared = t.shared_objects();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].object, "setup#0");
    assert_eq!(shared[0].what, "atomic");
    assert_eq!(shared[0].threads, ["t1", "t2"]);
    assert_eq!(shared[0].orders, 2);
    assert!(shared[0]
        .accesses
        .iter()
        .all(|u| u.step == "tiny.shared" && u.kind == "rmw"));
}

#[test]
fn a_private_object_more_adds_no_trace() {
    let (r, t) = tiny(rmw, 1);
    assert_eq!(t.traces(), 2, "the private RMWs commute with everything");
    // Each thread's private counter is an object of its own, accessed by one thread only.
    assert_eq!(t.shared_objects().len(), 1);
    // Whatever loom ran beyond the two traces is a duplicate, and the report says what it
    // differs in: never a difference the record cannot place when the records differ.
    let duplicates: u64 = t.duplicate_sources().iter().map(|s| s.duplicates).sum();
    assert_eq!(duplicates, r.executions - 2);
}

#[test]
fn two_loads_of_one_atomic_commute() {
    let (r, t) = tiny(load, 0);
    assert_eq!(
        t.traces(),
        1,
        "reads of one object by two threads are one trace"
    );
    assert!(r.executions >= 1);
    let shared = t.shared_objects();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].orders, 1);
    // Whatever else loom ran is a duplicate, each attributed to where it first differs.
    let duplicates: u64 = t.duplicate_sources().iter().map(|s| s.duplicates).sum();
    assert_eq!(duplicates, r.executions - 1);
}

#[test]
fn the_record_is_off_by_default_and_empty() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let start = |_: &Arc<Oracle>| {
        let a = Arc::new(Atomic::new(0));
        let b = Arc::clone(&a);
        spawn("t1", move || b.fetch_add("tiny.shared", 1)).join();
    };
    let body = Body::new(start, move |o: &Arc<Oracle>| {
        assert!(!o.records_accesses());
        sink.lock().unwrap().push(o.take_accesses().len());
    });
    let mode = Mode::Loom {
        preemption_bound: None,
    };
    run(&mode, &Limits::default(), 1, body);
    assert!(seen.lock().unwrap().iter().all(|n| *n == 0));
}

fn s01_cell() -> Cell {
    let scenarios = pincheck::check::load_all(&[scenarios_dir()]).unwrap();
    let scenario = scenarios
        .into_iter()
        .find(|s| s.name == "s01_unplug_vs_last_close")
        .expect("s01 is shipped");
    Cell {
        scenario,
        proposal: "context",
        kernel: Variant::by_name("k53").unwrap(),
    }
}

/// The record adds no scheduling point: the same search with it on runs exactly as many
/// executions as `check`'s loom search at that bound. And the report has its shape.
#[test]
fn a_real_cell_reports_its_traces_shared_objects_and_duplicates() {
    let cell = s01_cell();
    let r = analyse(&cell, Preemptions::Bound(2), Duration::from_secs(120));
    let settings = Settings {
        engine: EngineChoice::Loom,
        preemptions: Preemptions::Bound(2),
        // s01 is `exhaustive`: held at bound 2 here.
        preemptions_max: Some(Preemptions::Bound(2)),
        faults: Some(0),
        ..Settings::default()
    };
    let e = explore(&cell, &settings);
    assert_eq!(
        r.executions, e.runs[0].executions,
        "the record must not change loom's search"
    );
    assert!(r.complete, "{}", r.search);
    assert_eq!(
        r.search,
        "loom preemption bound 2 (that bound's search alone), complete"
    );
    assert!(r.traces > 1 && r.traces as u64 <= r.executions, "{r:?}");
    assert!((r.ratio - r.executions as f64 / r.traces as f64).abs() < 1e-9);
    assert!(r.records >= r.traces);
    assert!(!r.shared_objects.is_empty());
    for o in &r.shared_objects {
        assert!(o.threads.len() >= 2, "{o:?}");
        assert!(o.orders >= 1 && o.shared_in >= 1, "{o:?}");
        assert!(!o.accesses.is_empty());
        assert!(
            !o.object.contains("0x"),
            "objects are named, never by address"
        );
    }
    let by_source: u64 = r.duplicates_by_source.iter().map(|(_, n)| n).sum();
    assert_eq!(
        by_source + r.duplicates_not_compared,
        r.executions - r.traces as u64,
        "every duplicate is attributed"
    );
    // A shared object of s01 every execution touches: the fd table's `file_lock`, or the
    // ucontext's lifecycle words; at least one object had more than one order.
    assert!(r.shared_objects.iter().any(|o| o.orders > 1));
    let json: serde_json::Value = serde_json::from_str(&pincheck::redundancy::json(&r)).unwrap();
    for key in [
        "executions",
        "traces",
        "ratio",
        "shared_objects",
        "duplicates_by_source",
        "duplicate_sources",
        "search",
        "complete",
    ] {
        assert!(json.get(key).is_some(), "JSON lacks `{key}`");
    }
    let text = pincheck::redundancy::render(&r);
    assert!(text.contains("distinct traces"), "{text}");
    assert!(text.starts_with("s01_unplug_vs_last_close context@k53: loom preemption bound 2"));
}

/// Two threads that share nothing cost loom more than one execution when the setup joins them
/// in the engine: joining the first, it can resume at several points of the second (3
/// executions of the one trace). The report names the join as the difference of every
/// duplicate. As the model waits for its threads (`run_threads`), the search is that one trace.
#[test]
fn the_setup_threads_joins_are_named_as_a_source_of_duplicates() {
    let (r, t) = tiny_joined(|_| 0, 1, true);
    assert_eq!(t.traces(), 1);
    assert!(r.executions > 1, "{r:?}");
    let sources = t.duplicate_sources();
    let duplicates: u64 = sources.iter().map(|s| s.duplicates).sum();
    assert_eq!(duplicates, r.executions - 1);
    assert!(
        sources.iter().all(|s| s.source == Source::JoinOrReturn),
        "{sources:?}"
    );
    let (r, t) = tiny(|_| 0, 1);
    assert_eq!((r.executions, t.traces()), (1, 1), "{r:?}");
    assert!(t.duplicate_sources().is_empty());
}

#[test]
fn a_bad_cell_is_a_usage_error_that_says_what_was_expected() {
    use pincheck::error::Error;
    use pincheck::redundancy::{redundancy, RedundancyOptions};
    let opts = |scenario: &str, cell: &str| RedundancyOptions {
        paths: vec![scenarios_dir()],
        scenario: scenario.to_string(),
        cell: cell.to_string(),
        preemptions: Preemptions::Bound(0),
        time: Duration::from_secs(10),
    };
    let cases = [
        (
            "s01_unplug_vs_last_close",
            "context",
            "is not PROPOSAL@KERNEL",
        ),
        (
            "s01_unplug_vs_last_close",
            "nosuch@k53",
            "unknown proposal `nosuch`",
        ),
        (
            "s01_unplug_vs_last_close",
            "context@k99",
            "unknown kernel `k99`",
        ),
        ("s99_nothing", "context@k53", "no scenario `s99_nothing`"),
    ];
    for (scenario, cell, says) in cases {
        match redundancy(&opts(scenario, cell)) {
            Err(Error::Usage(text)) => assert!(text.contains(says), "{text}"),
            other => panic!("{scenario} {cell}: {other:?}"),
        }
    }
}
