//! The thread's arguments, driven from Rust: S1 under rfc-v2 and context, the counted cycle.

use pincheck_model::oracle::FindingKind;
use pincheck_model::program::Op;

use crate::*;

/// S1's race: close drops the file's reference to the ufile while device removal holds its own
/// for the destroy. Every step of the window is on the ufile's kref, so loom's partial-order
/// search schedules it too (a window of steps independent of each other may be left to PCT).
pub const S01_RACE: Goal = Goal::Between {
    step: "close:ib_uverbs_close.kref_put",
    after: "unplug:free_hw_resources.kref_get",
    before: "unplug:free_hw_resources.kref_put",
};

#[test]
fn rfc_v2_k53_unplug_vs_last_close_is_use_after_free_of_the_struct_file() {
    let e = explore_goals(&s01(), "k53", "rfc-v2", loom(2), &[S01_RACE]);
    println!(
        "rfc-v2@k53 s01 loom: {} executions in {:?}",
        e.run.executions, e.run.elapsed
    );
    e.assert_complete("rfc-v2@k53 s01");
    let (uaf, _) = e.assert_found(&Want {
        kind: FindingKind::UseAfterFree,
        object: "file#",
        title: "BUG: KASAN: use-after-free in remove_file_pin.f_owner",
        at: "unplug remove_file_pin.f_owner",
    });
    // Who freed it: close's RCU callback (not removal, which never drops that reference).
    assert!(
        uaf.details
            .iter()
            .any(|d| d.starts_with("Freed by task close") && d.contains("file_free_rcu")),
        "{uaf:#?}"
    );
}

#[test]
fn context_passes_s01_on_k53_and_k56() {
    for kernel in ["k53", "k56"] {
        let e = explore_goals(&s01(), kernel, "context", loom(2), &[S01_RACE]);
        println!(
            "context@{kernel} s01 loom: {} executions in {:?}",
            e.run.executions, e.run.elapsed
        );
        e.assert_clean(&format!("context@{kernel} s01"));
    }
}

/// On v5.6 close waits on `hw_destroy_rwsem` for a running removal, so the RFC's uncounted copy is
/// never read after the file is freed: rfc-v2 passes S1 there, with the window opened.
#[test]
fn rfc_v2_k56_close_is_a_fence() {
    let e = explore_goals(&s01(), "k56", "rfc-v2", loom(2), &[S01_RACE]);
    e.assert_clean("rfc-v2@k56 s01");
}

#[test]
fn counted_backptr_leaks_the_cycle_after_every_fd_is_closed() {
    let p = program(
        vec![
            op_open("p0", "fd0"),
            op_ctx("p0", "fd0"),
            op_reg("p0", "fd0", "mr0"),
            Op::Dup {
                process: "p0".into(),
                fd: "fd0".into(),
                new_fd: "fd1".into(),
            },
        ],
        vec![
            ("a", vec![op_close("p0", "fd0")]),
            ("b", vec![op_close("p0", "fd1")]),
        ],
    );
    // b's last put lands inside a's close (the window of `s02_close_all_with_live_mr.toml`).
    let goals = [Goal::Between {
        step: "b:filp_close.fput",
        after: "a:close_fd.file_lock",
        before: "a:filp_close.fput",
    }];
    let e = explore_goals(&p, "k53", "counted-backptr", loom(2), &goals);
    e.assert_complete("counted-backptr@k53");
    // Every execution, clean ones included, leaks the cycle.
    let leaking = e
        .findings
        .iter()
        .filter(|fs| fs.iter().any(|f| f.kind == FindingKind::Leak))
        .count() as u64;
    assert_eq!(leaking, e.run.executions, "every execution leaks");
    for fs in &e.findings {
        let leak = fs.iter().find(|f| f.kind == FindingKind::Leak).unwrap();
        let text = leak.details.join("\n");
        assert!(text.contains("reference cycle"), "{text}");
        for obj in ["file#", "ufile#", "mr#", "umem#", "uobject#", "pin_record#"] {
            assert!(text.contains(obj), "leak report names {obj}: {text}");
        }
    }
    let ok = explore_goals(&p, "k53", "context", loom(2), &goals);
    ok.assert_clean("context@k53 close both fds");
}
