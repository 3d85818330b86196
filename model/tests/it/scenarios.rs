//! The thread's arguments, driven from Rust: S1 under rfc-v2 and context, the counted cycle.

use pincheck_model::oracle::FindingKind;

use crate::*;

#[test]
fn rfc_v2_k53_unplug_vs_last_close_is_use_after_free_of_the_struct_file() {
    let e = explore(&s01(), "k53", "rfc-v2", loom(2));
    println!(
        "rfc-v2@k53 s01 loom: {} executions in {:?}",
        e.run.executions, e.run.elapsed
    );
    assert!(e.run.cut.is_none(), "search cut: {:?}", e.run.cut);
    let uaf = e
        .first(FindingKind::UseAfterFree)
        .expect("rfc-v2@k53 must reach the UAF");
    assert_eq!(
        uaf.object.as_deref().map(|o| o.split('#').next().unwrap()),
        Some("file"),
        "{uaf:?}"
    );
    assert!(
        uaf.details
            .iter()
            .any(|d| d.contains("Freed by task close")),
        "{uaf:#?}"
    );
    assert!(
        uaf.details.iter().any(|d| d.contains("by task unplug")),
        "{uaf:#?}"
    );
}

#[test]
fn context_passes_s01_on_k53_and_k56() {
    for kernel in ["k53", "k56"] {
        let e = explore(&s01(), kernel, "context", loom(2));
        println!(
            "context@{kernel} s01 loom: {} executions in {:?}",
            e.run.executions, e.run.elapsed
        );
        assert!(e.run.cut.is_none());
        assert!(e.run.executions > 10, "a real search ran");
        assert!(
            e.findings.is_empty(),
            "context@{kernel}: {:#?}",
            e.findings.first()
        );
    }
}

#[test]
fn rfc_v2_k56_close_is_a_fence() {
    let e = explore(&s01(), "k56", "rfc-v2", loom(2));
    assert!(e.run.cut.is_none());
    assert!(
        !e.kinds().contains(&FindingKind::UseAfterFree),
        "{:#?}",
        e.findings.first()
    );
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
    let e = explore(&p, "k53", "counted-backptr", loom(2));
    assert!(e.run.cut.is_none());
    assert!(!e.findings.is_empty());
    for fs in &e.findings {
        let leak = fs
            .iter()
            .find(|f| f.kind == FindingKind::Leak)
            .expect("every execution leaks");
        let text = leak.details.join("\n");
        assert!(text.contains("reference cycle"), "{text}");
        for obj in ["file#", "ufile#", "mr#", "umem#", "uobject#", "pin_record#"] {
            assert!(text.contains(obj), "leak report names {obj}: {text}");
        }
    }
    let ok = explore(&p, "k53", "context", loom(2));
    assert!(ok.findings.is_empty(), "{:#?}", ok.findings.first());
}
