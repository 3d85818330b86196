//! The renderings of a counterexample (text, Mermaid, SVG, HTML) on the real S1 use-after-free of
//! rfc-v2 on k53, and on a made-up trace with a lock handoff and a finding at quiescence.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pincheck::explore::{preemptions, Counterexample};
use pincheck::render::{self, RenderContext};
use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Event, Finding, FindingKind, Oracle};
use pincheck_model::program::{Op, Program, ThreadProgram};
use pincheck_model::run::{execute, Target};
use pincheck_model::sync::{run, Body, Limits, Mode};

const CTX: RenderContext<'static> = RenderContext {
    scenario: "s01-remove-device-vs-close",
    proposal: "rfc-v2",
    kernel: "k53",
    token: Some("v1 s01 'x'"),
    scenario_file: None,
    graph: None,
    unfold: false,
};

/// S1: device removal races the last close of the uverbs fd with a live MR (as the shipped file).
fn s01() -> Program {
    let open = Op::Open {
        process: "p0".into(),
        device: "uverbs0".into(),
        fd: "fd0".into(),
    };
    let ctx = Op::GetContext {
        process: "p0".into(),
        fd: "fd0".into(),
    };
    let reg = Op::RegMr {
        process: "p0".into(),
        fd: "fd0".into(),
        file: "dax0".into(),
        pages: 2,
        mr: "mr0".into(),
    };
    let close = Op::Close {
        process: "p0".into(),
        fd: "fd0".into(),
    };
    // RFC 04/19: the pin needs a layout lease of the pinning process.
    let open_data = Op::OpenData {
        process: "p0".into(),
        file: "dax0".into(),
        fd: "dfd".into(),
    };
    let lease = Op::SetLease {
        process: "p0".into(),
        fd: "dfd".into(),
    };
    Program {
        processes: vec!["p0".into()],
        devices: vec!["uverbs0".into()],
        devices_without_disassociate: Vec::new(),
        data_files: vec!["dax0".into()],
        setup: vec![open, ctx, open_data, lease, reg],
        threads: vec![
            ThreadProgram {
                name: "unplug".into(),
                ops: vec![Op::RemoveDevice {
                    device: "uverbs0".into(),
                }],
            },
            ThreadProgram {
                name: "close".into(),
                ops: vec![close],
            },
        ],
        exit_at_quiescence: vec![],
    }
}

/// The first execution of S1 under rfc-v2@k53 (loom, preemption bound 2) with a use-after-free.
fn s01_counterexample() -> Counterexample {
    let program = s01();
    let target = Target {
        variant: Variant::by_name("k53").expect("k53"),
        proposal: "rfc-v2",
    };
    let found: Arc<Mutex<Option<Counterexample>>> = Arc::default();
    let slot = Arc::clone(&found);
    let (p, run_p) = (program.clone(), program.clone());
    let body = Body::new(
        move |_: &Arc<Oracle>| execute(&run_p, target),
        move |oracle: &Arc<Oracle>| {
            let findings = oracle.findings();
            let mut slot = slot.lock().unwrap();
            if slot.is_none() && findings.iter().any(|f| f.kind == FindingKind::UseAfterFree) {
                let events = oracle.log();
                *slot = Some(Counterexample {
                    engine: "loom",
                    preemptions: preemptions(&events),
                    threads: oracle.thread_names(),
                    events,
                    findings,
                    observations: oracle.observations(),
                    roles: pincheck::explore::roles(&p, &oracle.objects()),
                });
            }
        },
    );
    let limits = Limits {
        time: Duration::from_secs(60),
        ..Limits::default()
    };
    let r = run(
        &Mode::Loom {
            preemption_bound: Some(2),
        },
        &limits,
        program.threads.len(),
        body,
    );
    assert!(
        r.model_panic.is_none(),
        "model panicked: {:?}",
        r.model_panic
    );
    let cx = found.lock().unwrap().take();
    cx.expect("S1 under rfc-v2@k53 has a use-after-free")
}

#[test]
fn text_report_of_s1_names_the_race() {
    let cx = s01_counterexample();
    let t = render::text(&cx, &CTX);
    let uaf = cx
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::UseAfterFree)
        .unwrap();
    assert!(
        t.starts_with("s01-remove-device-vs-close  rfc-v2@k53  loom"),
        "{t}"
    );
    assert!(t.contains("BUG: KASAN: use-after-free in "), "{t}");
    assert!(t.contains("\nFreed by task close:\n"), "{t}");
    assert!(t.contains("\nAllocated by task setup:\n"), "{t}");
    // The fatal step's line carries its number, its name and the marker.
    let line = t
        .lines()
        .find(|l| l.contains("<== BUG ") && l.contains(": use-after-free"))
        .expect("fatal step marked");
    assert!(
        line.trim_start().starts_with(&uaf.event.to_string()),
        "{line}"
    );
    assert!(line.contains(uaf.at_step()), "{line}");
    assert!(t.contains("<-- freed "), "{t}");
    assert!(t.contains(" steps folded ..."), "{t}");
    assert!(
        t.lines()
            .nth(1)
            .unwrap()
            .contains(&format!(" of {} steps folded", cx.events.len())),
        "{t}"
    );
    assert!(
        t.contains("unlock(lists_mutex)"),
        "lock names shown on release: {t}"
    );
    assert!(t.ends_with("pincheck replay 'v1 s01 '\\''x'\\'''\n"), "{t}");
    for l in t.lines() {
        assert!(l.chars().count() <= 100, "line over 100 columns: {l}");
    }
}

/// Two independent explorations give the same counterexample, rendered the same in every format.
#[test]
fn renderings_are_deterministic() {
    let a = s01_counterexample();
    let b = s01_counterexample();
    assert_eq!(render::text(&a, &CTX), render::text(&b, &CTX));
    assert_eq!(render::mermaid(&a, &CTX), render::mermaid(&b, &CTX));
    assert_eq!(render::svg(&a, &CTX), render::svg(&b, &CTX));
    assert_eq!(render::html(&a, &CTX), render::html(&b, &CTX));
}

#[test]
fn mermaid_of_s1_has_a_participant_per_thread_and_no_raw_specials() {
    let cx = s01_counterexample();
    let m = render::mermaid(&cx, &CTX);
    assert!(m.starts_with("sequenceDiagram\n"), "{m}");
    for (t, name) in cx.threads.iter().enumerate() {
        assert!(
            m.contains(&format!("\n    participant T{t} as {name}\n")),
            "{m}"
        );
    }
    assert!(m.contains("rect rgb(255, 200, 200)"), "{m}");
    assert!(m.contains("BUG: KASAN: use-after-free in "), "{m}");
    assert!(m.contains("steps folded"), "{m}");
    assert!(m.contains("file#35;"), "object names escaped: {m}");
    for line in m
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("%%"))
    {
        // `#` only as the start of an entity code, never `;` or `<`/`>` outside `<br/>`.
        let unescaped = line.replace("<br/>", "");
        let bad = unescaped.match_indices('#').any(|(i, _)| {
            let rest = &unescaped[i + 1..];
            let code: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            code.is_empty() || !rest[code.len()..].starts_with(';')
        });
        assert!(!bad, "raw # in {line}");
        let without_codes: String = strip_codes(&unescaped);
        assert!(
            !without_codes.contains([';', '<', '>', '"']),
            "raw special in {line}"
        );
    }
}

/// `s` without its `#NN;` entity codes.
fn strip_codes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').map_or(rest.len(), |j| i + j + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn svg_of_s1_parses_and_has_one_lane_per_thread() {
    let cx = s01_counterexample();
    let s = render::svg(&cx, &CTX);
    let doc = roxmltree::Document::parse(&s).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let lanes: Vec<&str> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .map(|n| n.attribute("data-thread").unwrap())
        .collect();
    assert_eq!(
        lanes,
        cx.threads.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let texts: Vec<&str> = root.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("BUG: KASAN: use-after-free in ")),
        "{texts:?}"
    );
    assert!(
        root.descendants()
            .any(|n| n.attribute("fill") == Some("#ffd0d0")),
        "fatal step drawn red"
    );
    let h = render::html(&cx, &CTX);
    assert!(
        h.starts_with("<!DOCTYPE html>") && h.contains("<svg ") && h.contains("<pre>"),
        "{h}"
    );
    assert!(h.contains("Freed by task close:"), "{h}");
}

fn ev(
    tid: usize,
    step: &'static str,
    lock: Option<&'static str>,
    waited: bool,
    notes: &[&str],
) -> Event {
    Event {
        tid,
        step,
        lock,
        waited,
        notes: notes
            .iter()
            .map(|n| pincheck_model::oracle::Note::Text(n.to_string()))
            .collect(),
    }
}

/// Two threads hand `m;x` over while setup's state and a quiescence leak must show too; names
/// carry every character the formats must escape.
fn made_up() -> Counterexample {
    let mut events = vec![ev(0, "open", None, false, &["file#0 f_count 0->1"])];
    events.extend((0..6).map(|_| ev(0, "setup.noise", None, false, &[])));
    events.push(ev(0, "spawn", None, false, &[]));
    events.push(ev(1, "a.lock", Some("m;x"), false, &[]));
    events.push(ev(2, "b.lock", Some("m;x"), false, &[]));
    events.push(ev(
        1,
        "unlock",
        Some("m;x"),
        false,
        &["obj<1> \"kref\" 1->0 & more"],
    ));
    events.push(ev(2, "b.lock", Some("m;x"), true, &[]));
    events.push(ev(0, "join", None, true, &[]));
    let leak = Finding {
        kind: FindingKind::Leak,
        check: "kmemleak.unreferenced",
        title: "kmemleak: 1 unreferenced object at quiescence".into(),
        object: Some("mr#0".into()),
        at: "setup quiescence".into(),
        event: events.len(),
        op: None,
        details: vec!["unreferenced object mr#0: held by nothing; really".into()],
    };
    Counterexample {
        engine: "pct",
        preemptions: 1,
        threads: vec!["setup".into(), "t<a>".into(), "t;b".into()],
        events,
        findings: vec![leak],
        observations: BTreeMap::from([(
            "t1.procfs_read".to_string(),
            "pins: 1\nowner: file#0".to_string(),
        )]),
        roles: BTreeMap::new(),
    }
}

#[test]
fn made_up_trace_shows_handoff_quiescence_and_escapes() {
    let cx = made_up();
    let t = render::text(&cx, &CTX);
    assert!(t.contains("state after setup: file#0 f_count 1"), "{t}");
    assert!(t.contains("... 7 steps folded ..."), "{t}");
    assert!(t.contains("b.lock [m;x] (waited)"), "{t}");
    assert!(
        t.contains("(after the last step: quiescence)  <== BUG 1: leak mr#0"),
        "{t}"
    );
    assert!(
        t.contains("kmemleak: 1 unreferenced object at quiescence"),
        "{t}"
    );
    assert!(t.contains("t1.procfs_read = pins: 1\n"), "{t}");
    let m = render::mermaid(&cx, &CTX);
    assert!(m.contains("    T1-->>T2: m#59;x handed over\n"), "{m}");
    assert!(m.contains("participant T1 as t#60;a#62;"), "{m}");
    assert!(m.contains("after the last step (quiescence)"), "{m}");
    let s = render::svg(&cx, &CTX);
    let doc = roxmltree::Document::parse(&s).expect("the SVG is well-formed XML");
    let lanes = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .count();
    assert_eq!(lanes, 3);
    let html = render::html(&cx, &RenderContext { token: None, ..CTX });
    let dtd = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&html, dtd).expect("the HTML is XML-clean");
}

#[test]
fn empty_counterexample_renders() {
    let cx = Counterexample {
        engine: "loom",
        preemptions: 0,
        threads: vec!["setup".into()],
        events: vec![],
        findings: vec![],
        observations: BTreeMap::new(),
        roles: BTreeMap::new(),
    };
    let ctx = RenderContext { token: None, ..CTX };
    assert!(render::text(&cx, &ctx).contains("0 steps"));
    assert!(render::mermaid(&cx, &ctx).starts_with("sequenceDiagram"));
    roxmltree::Document::parse(&render::svg(&cx, &ctx)).expect("the SVG is well-formed XML");
}
