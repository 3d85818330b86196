//! One model source under loom, shuttle and std threads, chosen at run time.

use pincheck_model::oracle::FindingKind;
use pincheck_model::sync::Mode;

use crate::*;

#[test]
fn the_same_model_runs_under_loom_shuttle_and_std() {
    for mode in [loom(1), pct(1), Mode::Stress { iterations: 50 }] {
        let e = explore(&s01(), "k56", "context", mode.clone());
        e.assert_clean(&format!("{mode:?}"));
    }
}

#[test]
fn shuttle_pct_agrees_with_loom_on_s01() {
    let race = [crate::scenarios::S01_RACE];
    let bad = explore_goals(&s01(), "k53", "rfc-v2", pct(7), &race);
    bad.assert_complete("rfc-v2@k53 PCT");
    bad.assert_found(&Want {
        kind: FindingKind::UseAfterFree,
        object: "file#",
        title: "BUG: KASAN: use-after-free in remove_file_pin.f_owner",
        at: "unplug remove_file_pin.f_owner",
    });
    let good = explore_goals(&s01(), "k53", "context", pct(7), &race);
    good.assert_clean("context@k53 PCT");
}

/// A schedule found by loom replays step for step under shuttle's token scheduler.
#[test]
fn a_loom_counterexample_replays_under_the_token_scheduler() {
    use pincheck_model::kernel::Variant;
    use pincheck_model::oracle::{Event, Oracle, ReplayPlan};
    use pincheck_model::run::{execute, Target};
    use pincheck_model::sync::{run, Body, Limits};
    use std::sync::{Arc, Mutex};

    let target = Target {
        variant: Variant::by_name("k53").unwrap(),
        proposal: "rfc-v2",
    };
    let first: Arc<Mutex<Option<Vec<Event>>>> = Arc::default();
    let (p, f) = (s01(), Arc::clone(&first));
    let body = Body::new(
        move |_: &Arc<Oracle>| execute(&p, target),
        move |o: &Arc<Oracle>| {
            let mut f = f.lock().unwrap();
            if f.is_none()
                && o.findings()
                    .iter()
                    .any(|x| x.kind == FindingKind::UseAfterFree)
            {
                *f = Some(o.log());
            }
        },
    );
    let found = run(&loom(2), &Limits::default(), 2, body);
    assert!(
        found.cut.is_none() && found.model_panic.is_none(),
        "{found:?}"
    );
    let recorded = first.lock().unwrap().clone().expect("loom finds the UAF");

    let plan = Arc::new(ReplayPlan::from_events(&recorded));
    // Per replay: its log, whether it reached the use-after-free, whether it followed the plan.
    type Replays = Vec<(Vec<Event>, bool, bool)>;
    let replayed: Arc<Mutex<Replays>> = Arc::default();
    for _ in 0..2 {
        let (p, r) = (s01(), Arc::clone(&replayed));
        let body = Body::new(
            move |_: &Arc<Oracle>| execute(&p, target),
            move |o: &Arc<Oracle>| {
                let uaf = o
                    .findings()
                    .iter()
                    .any(|x| x.kind == FindingKind::UseAfterFree);
                r.lock().unwrap().push((
                    o.log(),
                    uaf,
                    o.replay_divergence().is_none() && o.replay_complete(),
                ));
            },
        );
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

/// tokio-rs/loom#392 / #166: a thread whose first access is a plain load may not be explored
/// against the other threads. The heap's liveness check is an RMW, so a dereference racing a free
/// is seen in both orders. The same probe with a plain load is run alongside and its reach is
/// printed (not asserted: it documents the engine gap this design avoids).
#[test]
fn liveness_checks_are_rmws_and_loom_sees_the_free_race() {
    use pincheck_model::heap::Heap;
    use pincheck_model::oracle::Oracle;
    use pincheck_model::sync::{run, spawn, Atomic, Body, Limits};
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};

    // The heap's own checked dereference against a free.
    let found: Arc<Mutex<BTreeSet<bool>>> = Arc::default();
    let f = Arc::clone(&found);
    // The reader is joined in the engine (`JoinHandle::join`), so the free's outcome is known
    // when the body's start returns; `end` reads it, as every body does.
    let start = move |_: &Arc<Oracle>| {
        let heap = Arc::new(Heap::<u32>::new("obj"));
        let h = heap.alloc("probe.alloc", |_| 7);
        let reader = {
            let heap = Arc::clone(&heap);
            spawn("reader", move || {
                heap.deref("probe.deref", h, "Read");
            })
        };
        heap.free("probe.free", h);
        reader.join();
    };
    let body = Body::new(start, move |o: &Arc<Oracle>| {
        let uaf = o
            .findings()
            .iter()
            .any(|x| x.kind == FindingKind::UseAfterFree);
        f.lock().unwrap().insert(uaf);
    });
    let r = run(
        &Mode::Loom {
            preemption_bound: None,
        },
        &Limits::default(),
        1,
        body,
    );
    assert!(r.cut.is_none() && r.model_panic.is_none(), "{r:?}");
    let seen = found.lock().unwrap().clone();
    assert_eq!(
        seen,
        BTreeSet::from([false, true]),
        "loom must explore the deref on both sides of the free"
    );

    // The same race with a plain load as the reader's first access.
    let loads: Arc<Mutex<BTreeSet<i64>>> = Arc::default();
    let l = Arc::clone(&loads);
    let start = move |_: &Arc<Oracle>| {
        let word = Arc::new(Atomic::new(1));
        let reader = {
            let word = Arc::clone(&word);
            spawn("reader", move || word.load("probe.load"))
        };
        word.swap("probe.free", -1);
        let v = reader.join();
        l.lock().unwrap().insert(v);
    };
    let body = Body::new(start, |_: &Arc<Oracle>| {});
    let r2 = run(
        &Mode::Loom {
            preemption_bound: None,
        },
        &Limits::default(),
        1,
        body,
    );
    println!(
        "plain-load probe: loom explored {} execution(s) and saw {:?} (both 1 and -1 are possible)",
        r2.executions,
        loads.lock().unwrap()
    );
}

/// The facade's try-lock forms never block, under every engine.
#[test]
fn trylocks_fail_while_held_and_succeed_after() {
    use pincheck_model::oracle::Oracle;
    use pincheck_model::sync::{run, Body, Limits, Mutex, RwSem};
    use std::sync::{Arc, Mutex as StdMutex};

    for mode in [
        loom(0),
        Mode::Random {
            seed: 3,
            iterations: 3,
        },
        Mode::Stress { iterations: 3 },
    ] {
        let seen: Arc<StdMutex<Vec<[bool; 5]>>> = Arc::default();
        let s = Arc::clone(&seen);
        let start = move |_: &Arc<Oracle>| {
            let m = Mutex::new("m", ());
            let r = RwSem::new("r", ());
            let held = m.lock("t.lock").unwrap();
            let a = m.try_lock("t.try_lock").is_none();
            drop(held);
            let b = m.try_lock("t.try_lock").is_some();
            let read = r.down_read("t.down_read").unwrap();
            let c = r.down_write_trylock("t.down_write_trylock").is_none();
            drop(read);
            let again = r.down_read_trylock("t.down_read_trylock");
            let d = again.is_some() && r.down_write_trylock("t.down_write_trylock").is_none();
            drop(again);
            let e = r.down_write_trylock("t.down_write_trylock").is_some();
            s.lock().unwrap().push([a, b, c, d, e]);
        };
        let body = Body::new(start, |_: &Arc<Oracle>| {});
        let res = run(&mode, &Limits::default(), 0, body);
        assert!(res.model_panic.is_none(), "{mode:?}: {:?}", res.model_panic);
        assert!(res.cut.is_none() && res.executions > 0, "{mode:?}: {res:?}");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len() as u64, res.executions, "{mode:?}");
        assert!(seen.iter().all(|v| v.iter().all(|x| *x)), "{mode:?}");
    }
}

/// A model whose executions never have two runnable threads (here: no thread at all, as when the
/// setup deadlocks with itself before spawning) is one schedule: shuttle's PCT scheduler asserts
/// on such a model, and the facade must report a complete search, not a model panic or a cut.
#[test]
fn pct_on_a_model_without_concurrency_is_complete() {
    use pincheck_model::oracle::Oracle;
    use pincheck_model::sync::{run, Atomic, Body, Limits};
    use std::sync::Arc;

    let start = |_: &Arc<Oracle>| {
        let a = Atomic::new(0);
        a.fetch_add("t.inc", 1);
    };
    let body = Body::new(start, |_: &Arc<Oracle>| {});
    let mode = Mode::Pct {
        seed: 0,
        depth: 3,
        iterations: 10,
    };
    let res = run(&mode, &Limits::default(), 0, body);
    assert_eq!(res.model_panic, None);
    assert_eq!(res.cut, None);
    assert!(res.single_schedule, "{res:?}");
    assert!(res.executions >= 1, "{res:?}");
}

/// The setup's join of the scenario threads is no engine access (`run_threads`). Two threads that
/// share nothing are one loom execution; two that RMW one word take 3, what loom 0.7 itself
/// needs for that program without joins (its DPOR has no sleep sets: one order twice), where
/// joining them in the engine takes 9 (the joining thread, woken by the first exit, retries its
/// second join at each point of the other thread's run). The body's `end` runs once per
/// execution, after both threads and the work deferred to the quiescence, whose steps (the join,
/// then the quiescence's) are thread 0's and come last.
#[test]
fn run_threads_adds_no_interleavings_and_ends_after_every_thread() {
    use pincheck_model::oracle::Oracle;
    use pincheck_model::sync::{run, run_threads, spawn, Atomic, Body, Limits, ThreadFn};
    use std::sync::{Arc, Mutex};

    type Logged = Vec<(usize, &'static str)>;
    let unbounded = Mode::Loom {
        preemption_bound: None,
    };
    let mut counts = Vec::new();
    for (mode, shared, in_engine, want) in [
        (unbounded.clone(), false, false, Some(1)),
        (unbounded.clone(), true, false, Some(3)),
        (unbounded, true, true, Some(9)),
        (pct(5), true, false, None),
    ] {
        let ends: Arc<Mutex<Vec<(Logged, i64)>>> = Arc::default();
        let seen: Arc<Mutex<i64>> = Arc::default();
        let (e, s) = (Arc::clone(&ends), Arc::clone(&seen));
        let start = move |_: &Arc<Oracle>| {
            let first = Arc::new(Atomic::new(0));
            let second = if shared {
                Arc::clone(&first)
            } else {
                Arc::new(Atomic::new(0))
            };
            let threads = [("a", Arc::clone(&first)), ("b", Arc::clone(&second))]
                .into_iter()
                .map(|(name, word)| {
                    let f: ThreadFn = Box::new(move || {
                        word.fetch_add("t.inc", 1);
                    });
                    (name, f)
                });
            let s = Arc::clone(&s);
            let quiesce = move || {
                // Alone: no engine access, the latest values.
                let total = first.load("quiesce.read") + second.load("quiesce.read");
                *s.lock().unwrap() = if shared { total / 2 } else { total };
            };
            if in_engine {
                let handles: Vec<_> = threads.map(|(name, f)| spawn(name, f)).collect();
                for h in handles {
                    h.join();
                }
                quiesce();
            } else {
                run_threads(threads.collect(), quiesce);
            }
        };
        let end = move |o: &Arc<Oracle>| {
            let log = o.log().iter().map(|ev| (ev.tid, ev.step)).collect();
            e.lock().unwrap().push((log, *seen.lock().unwrap()));
        };
        let r = run(&mode, &Limits::default(), 2, Body::new(start, end));
        assert!(
            r.cut.is_none() && r.model_panic.is_none(),
            "{mode:?}: {r:?}"
        );
        let what = format!("{mode:?}, shared {shared}, joined in the engine {in_engine}");
        counts.push((what.clone(), r.executions));
        let ends = ends.lock().unwrap();
        assert_eq!(
            ends.len() as u64,
            r.executions,
            "{what}: one end per execution"
        );
        for (log, total) in ends.iter() {
            assert_eq!(
                *total, 2,
                "{what}: the quiescence saw both increments: {log:?}"
            );
            let incs = log.iter().filter(|(_, s)| *s == "t.inc").count();
            assert_eq!(incs, 2, "{what}: {log:?}");
            if !in_engine {
                assert_eq!(
                    log[log.len() - 3..],
                    [(0, "join"), (0, "quiesce.read"), (0, "quiesce.read")],
                    "{what}: the join and the quiescence are thread 0's, last: {log:?}"
                );
            }
        }
        if let Some(want) = want {
            assert_eq!(r.executions, want, "{what}: executions; all: {counts:?}");
        }
    }
}

/// Runs one scenario thread per entry of `bodies` under `mode` on objects `make` creates (in the
/// setup, alone); `check` judges each execution's values (one per thread). Returns the
/// executions.
fn facade_threads<T: Send + Sync + 'static>(
    mode: &Mode,
    make: impl Fn() -> T + Send + Sync + 'static,
    bodies: Vec<fn(&T) -> i64>,
    check: impl Fn(&[i64]) + Send + Sync + 'static,
) -> u64 {
    use pincheck_model::oracle::Oracle;
    use pincheck_model::sync::{run, run_threads, Body, Limits, ThreadFn};
    use std::sync::{Arc, Mutex};

    let threads = bodies.len();
    let seen: Arc<Mutex<Vec<i64>>> = Arc::default();
    let s = Arc::clone(&seen);
    let start = move |o: &Arc<Oracle>| {
        o.plan_threads(threads);
        *s.lock().unwrap() = vec![0; threads];
        let objs = Arc::new(make());
        let threads = bodies
            .iter()
            .enumerate()
            .map(|(i, &body)| {
                let (objs, s) = (Arc::clone(&objs), Arc::clone(&s));
                let f: ThreadFn = Box::new(move || {
                    let v = body(&objs);
                    s.lock().unwrap()[i] = v;
                });
                (["a", "b", "c"][i], f)
            })
            .collect();
        run_threads(threads, || {});
    };
    let end = move |_: &Arc<Oracle>| check(&seen.lock().unwrap());
    let r = run(mode, &Limits::default(), threads, Body::new(start, end));
    assert!(r.cut.is_none() && r.model_panic.is_none(), "{r:?}");
    r.executions
}

/// `RcuPointer` (the fd table's slots): two lookups by two threads are independent for loom (one
/// execution), as two loads of one engine atomic are (loom 0.7.3 orders a load only against the
/// last store or RMW, `rt/atomic.rs` `last_dependent_access`), where two RMWs of zero of one
/// atomic (a lookup that must read the latest value, as procfs's did) are ordered both ways; a
/// lookup is still ordered against a write (both values seen).
#[test]
fn rcu_pointer_lookups_are_independent_of_each_other_not_of_writes() {
    use pincheck_model::sync::{Atomic, RcuPointer};
    use std::sync::{Arc, Mutex};

    let unbounded = Mode::Loom {
        preemption_bound: None,
    };
    let make = || (RcuPointer::new("slot", 5), Atomic::new(5));
    let lookup: fn(&(RcuPointer, Atomic)) -> i64 = |o| o.0.read("t.lookup");
    let load: fn(&(RcuPointer, Atomic)) -> i64 = |o| o.1.load("t.load");
    let rmw: fn(&(RcuPointer, Atomic)) -> i64 = |o| o.1.fetch_add("t.rmw", 0);
    let same = |seen: &[i64]| assert_eq!(seen, [5, 5]);
    let lookups = facade_threads(&unbounded, make, vec![lookup, lookup], same);
    let loads = facade_threads(&unbounded, make, vec![load, load], same);
    let rmws = facade_threads(&unbounded, make, vec![rmw, rmw], same);
    assert_eq!(
        (lookups, loads, rmws),
        (1, 1, 3),
        "executions: two lookups, two loads, two RMWs of zero of one word"
    );

    let both: Arc<Mutex<Vec<i64>>> = Arc::default();
    let b = Arc::clone(&both);
    let write: fn(&(RcuPointer, Atomic)) -> i64 = |o| o.0.exchange("t.write", 7, |_| {});
    facade_threads(&unbounded, make, vec![lookup, write], move |seen| {
        assert_eq!(seen[1], 5, "the write replaced the first value");
        b.lock().unwrap().push(seen[0]);
    });
    let mut both = both.lock().unwrap().clone();
    both.sort();
    both.dedup();
    assert_eq!(both, [5, 7], "the lookup falls on both sides of the write");
}

/// A write of three words is one instant: a thread that looked up the new value and then told
/// another (through an atomic) is never followed by that other's lookup of the old value, in
/// whichever thread (and so word) each role runs. Written one word after the other, without the
/// locked phase, loom finds that order.
#[test]
fn rcu_pointer_writes_of_three_words_are_one_instant() {
    use pincheck_model::sync::{Atomic, RcuPointer};
    use std::sync::{Arc, Mutex};

    type Objs = (RcuPointer, Atomic);
    let unbounded = Mode::Loom {
        preemption_bound: None,
    };
    let make = || (RcuPointer::new("slot", 0), Atomic::new(0));
    // Values are tagged by role: 100 + what the writer replaced, 200 + what the teller saw,
    // 300 + what the told thread saw (299: it was not told).
    let write: fn(&Objs) -> i64 = |o| 100 + o.0.exchange("w.write", 7, |_| {});
    let tell: fn(&Objs) -> i64 = |o| {
        let v = o.0.read("t.lookup");
        if v == 7 {
            o.1.store("t.tell", 1);
        }
        200 + v
    };
    let told: fn(&Objs) -> i64 = |o| match o.1.fetch_add("u.told", 0) {
        1 => 300 + o.0.read("u.lookup"),
        _ => 299,
    };
    let orders = [
        vec![write, tell, told],
        vec![tell, write, told],
        vec![tell, told, write],
        vec![told, tell, write],
    ];
    for (i, order) in orders.into_iter().enumerate() {
        let outcomes: Arc<Mutex<Vec<Vec<i64>>>> = Arc::default();
        let o = Arc::clone(&outcomes);
        facade_threads(&unbounded, make, order, move |seen| {
            let mut seen = seen.to_vec();
            seen.sort();
            assert_ne!(
                seen[2], 300,
                "order {i}: told after the new value, saw the old: {seen:?}"
            );
            o.lock().unwrap().push(seen);
        });
        let mut outcomes = outcomes.lock().unwrap().clone();
        outcomes.sort();
        outcomes.dedup();
        assert_eq!(
            outcomes,
            [
                vec![100, 200, 299],
                vec![100, 207, 299],
                vec![100, 207, 307]
            ],
            "order {i}: every outcome of one store is reached"
        );
    }
}

/// An `fd_install` racing a close of its number (the one pair of fd-table writers that can race)
/// leaves every word with one value: a close that took the file leaves NULL for everyone, one
/// that found NULL leaves the installer's file, with two words (the writer's own first) and with
/// three (the locked phase), in whichever thread each writer runs.
#[test]
fn rcu_pointer_racing_writes_agree_on_every_word() {
    use pincheck_model::sync::{Atomic, RcuPointer};

    type Objs = (RcuPointer, Atomic);
    let unbounded = Mode::Loom {
        preemption_bound: None,
    };
    let make = || (RcuPointer::new("slot", 0), Atomic::new(0));
    // 100 + what the installer then looks up (it replaced NULL: asserted).
    let install: fn(&Objs) -> i64 = |o| {
        assert_eq!(o.0.exchange("a.install", 7, |_| {}), 0);
        100 + o.0.read("a.lookup")
    };
    // 200 + 10 * what the close found + what it then looks up.
    let close: fn(&Objs) -> i64 = |o| {
        let found = o.0.exchange("b.close", 0, |_| {});
        200 + 10 * found + o.0.read("b.lookup")
    };
    // 300 + what a bystander looks up.
    let look: fn(&Objs) -> i64 = |o| 300 + o.0.read("c.lookup");
    for order in [
        vec![install, close],
        vec![close, install],
        vec![install, close, look],
        vec![look, close, install],
    ] {
        facade_threads(&unbounded, make, order, |seen| {
            let mut seen = seen.to_vec();
            seen.sort();
            let (a, b) = (seen[0] - 100, seen[1] - 200);
            match b / 10 {
                // The close took the file: nobody writes it again.
                7 => assert_eq!(b % 10, 0, "{seen:?}"),
                // The close found NULL, so the install came after it, and stays.
                _ => assert_eq!(a, 7, "{seen:?}"),
            }
        });
    }
}

/// What a preemption bound counts at the start of the threads: loom 0.7.3 charges a preemption
/// for starting any thread but the one it would run by default (thread 1, which runs on the main
/// engine thread: `run_threads`). The first scheduling decision of an execution has no earlier
/// one, so loom keeps the default thread as the one "initially active" and counts choosing
/// another as a switch away from it (`rt/path.rs`, `branch_thread` and
/// `Schedule::preemptions`). It did the same when every scenario thread was spawned and the main
/// thread ended after the spawns (tried: the same orders at each bound, and one execution more at
/// bound 1 for the main thread's end). So two threads that each RMW one shared word run in one
/// order at bound 0 and in both from bound 1: a bound of N is N switches, the first of them
/// possibly the choice of which thread starts.
#[test]
fn a_preemption_bound_counts_starting_thread_2_first() {
    use pincheck_model::oracle::Oracle;
    use pincheck_model::sync::{run, run_threads, Atomic, Body, Limits, ThreadFn};
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};

    for (bound, first_threads, executions) in [
        (Some(0), vec![1], 1),
        (Some(1), vec![1, 2], 2),
        (None, vec![1, 2], 3),
    ] {
        let firsts: Arc<Mutex<BTreeSet<usize>>> = Arc::default();
        let f2 = Arc::clone(&firsts);
        let start = move |_: &Arc<Oracle>| {
            let word = Arc::new(Atomic::new(0));
            let threads = ["a", "b"]
                .into_iter()
                .map(|name| {
                    let word = Arc::clone(&word);
                    let f: ThreadFn = Box::new(move || {
                        word.fetch_add("t.inc", 1);
                    });
                    (name, f)
                })
                .collect();
            run_threads(threads, || {});
        };
        let end = move |o: &Arc<Oracle>| {
            let first = o
                .log()
                .iter()
                .find(|ev| ev.step == "t.inc")
                .map(|ev| ev.tid);
            f2.lock().unwrap().insert(first.expect("an increment"));
        };
        let mode = Mode::Loom {
            preemption_bound: bound,
        };
        let r = run(&mode, &Limits::default(), 2, Body::new(start, end));
        assert!(r.cut.is_none() && r.model_panic.is_none(), "{r:?}");
        assert_eq!(
            firsts.lock().unwrap().iter().copied().collect::<Vec<_>>(),
            first_threads,
            "bound {bound:?}: the threads that run first"
        );
        assert_eq!(r.executions, executions, "bound {bound:?}: executions");
    }
}
