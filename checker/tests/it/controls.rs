//! Negative controls through scenario files: for every finding kind, a scenario whose known-bad
//! `proposal@kernel` must produce it, run through `pincheck::check::check` and asserted on the
//! returned `CheckReport` (verdict, and the finding's kind, exact title, object and the step where
//! it happened, checked against the counterexample's log). Also: every passing cell is a complete
//! search that reached its scenario's goals ([`assert_pass`]), `context` passes every shipped
//! scenario wherever the file does not list it as known-bad, and every `fail(...)` the shipped
//! files list is reached.
//!
//! The shipped scenarios (`scenarios/`) and the test fixtures (`tests/it/fixtures/controls/`) are
//! each checked once per test binary ([`shipped`], [`fixtures`]); `reliability.rs` replays every
//! counterexample of both runs.
//!
//! Coverage by kind: use-after-free s01, double-free fixture c01, refcount-underflow s05,
//! refcount-inc-from-zero s07, leak s02, deadlock s03 (and the hung-task check s25), procfs-lie
//! fixture c02 (and D4's attribution s26), warn s06 on v5.6 (without f0abc761bbb9), ref-tracker s05
//! on v5.6 (without c85f4abe66be) and the fixtures, null-ptr-deref s19 on v5.6 (without
//! 0fb00941dc63); the kinds without a scenario-file control are listed with their reason in
//! [`WITHOUT_SCENARIO_CONTROL`].
//! unpin-twice: no shipped proposal and kernel reach it (no path releases a umem twice, and the HW
//! key is always destroyed first); the Rust-driven controls in `model/tests/it/negative.rs`
//! produce it, one per trigger: the page pin count going below zero
//! (`a_design_that_unpins_in_its_callback_unpins_twice`) and pages released while the HW key is
//! live (`a_design_that_unpins_at_close_releases_pages_the_device_can_still_write`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::LazyLock;

use pincheck::check::{check, CellReport, CheckOptions, CheckReport};
use pincheck::explore::{Counterexample, Settings};
use pincheck::scenario::ExpectedVerdict;
use pincheck::verdict::Verdict;
use pincheck_model::oracle::{Finding, FindingKind};
use pincheck_model::KNOWN_PROPOSALS;

/// Worker threads for the shared runs (the test budget assumes 2 cores).
const JOBS: usize = 2;

/// `checker/` itself.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped scenario folder.
pub fn scenarios_dir() -> PathBuf {
    manifest_dir().join("../scenarios")
}

/// A folder or file under `tests/it/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    manifest_dir().join("tests/it/fixtures").join(rel)
}

/// Check `paths` with the default settings (both engines, loom bound 2, 1000 PCT iterations).
pub fn run_check(paths: Vec<PathBuf>, proposals: &[&str], kernels: &[&str]) -> CheckReport {
    let opts = CheckOptions {
        paths,
        proposals: proposals.iter().map(|s| s.to_string()).collect(),
        kernels: kernels.iter().map(|s| s.to_string()).collect(),
        settings: Settings::default(),
        jobs: JOBS,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    check(&opts).unwrap_or_else(|e| panic!("check {:?}: {e}", opts.paths))
}

static SHIPPED: LazyLock<CheckReport> =
    LazyLock::new(|| run_check(vec![scenarios_dir()], &[], &[]));
static FIXTURES: LazyLock<CheckReport> =
    LazyLock::new(|| run_check(vec![fixture("controls")], &[], &[]));

/// Every shipped scenario × proposal × kernel, checked once per test binary.
pub fn shipped() -> &'static CheckReport {
    &SHIPPED
}

/// Every control fixture × proposal × kernel, checked once per test binary.
pub fn fixtures() -> &'static CheckReport {
    &FIXTURES
}

/// The cell `scenario` × `proposal@kernel` of `r`.
#[track_caller]
fn cell<'r>(r: &'r CheckReport, scenario: &str, proposal: &str, kernel: &str) -> &'r CellReport {
    r.cells
        .iter()
        .find(|c| c.scenario.name == scenario && c.proposal == proposal && c.kernel == kernel)
        .unwrap_or_else(|| panic!("no cell {scenario} {proposal}@{kernel}"))
}

/// A one-line account of a cell for assertion messages.
fn describe(c: &CellReport) -> String {
    let sigs: Vec<&String> = c.explored.counterexamples.keys().collect();
    format!(
        "{} {}@{}: verdict {}, expected {}, findings {sigs:?}, notes {:?}",
        c.scenario.name, c.proposal, c.kernel, c.verdict, c.expected, c.explored.notes
    )
}

/// The counterexample kept for a finding of `kind`, and that finding.
fn finding_of(c: &CellReport, kind: FindingKind) -> Option<(&Counterexample, &Finding)> {
    c.explored.counterexamples.iter().find_map(|(sig, cx)| {
        cx.findings
            .iter()
            .find(|f| f.kind == kind && &f.signature() == sig)
            .map(|f| (cx, f))
    })
}

/// A passing cell proves something only when its search ran to the end and its race happened:
/// every engine run complete (not cut, no model panic, at least one execution), every `sometimes`
/// goal reached, and no counterexample of a kind the cell checks (its `never` kinds when unlisted,
/// every kind when listed as `pass`). Checked on the explored data, not on the verdict function.
#[track_caller]
pub fn assert_pass(c: &CellReport) {
    let what = describe(c);
    assert!(!c.explored.runs.is_empty(), "no engine ran: {what}");
    for r in &c.explored.runs {
        assert!(r.model_panic.is_none(), "{} model panic: {what}", r.engine);
        assert!(
            r.cut.is_none(),
            "{} search cut ({:?}): {what}",
            r.engine,
            r.cut
        );
        assert!(r.executions > 0, "{} ran no execution: {what}", r.engine);
        let counted: u64 = r.outcomes.values().sum();
        assert_eq!(
            counted, r.executions,
            "{} outcomes vs executions: {what}",
            r.engine
        );
    }
    assert_eq!(
        c.explored.goals.len(),
        c.scenario.expect.sometimes.len(),
        "{what}"
    );
    assert!(
        c.explored.goals.iter().all(|g| *g),
        "a goal was never reached: {what}"
    );
    let checked: Vec<FindingKind> = if c.listed {
        FindingKind::ALL.to_vec()
    } else {
        c.scenario.expect.never.clone()
    };
    let found: Vec<&String> = c
        .explored
        .counterexamples
        .iter()
        .filter(|(_, cx)| cx.findings.iter().any(|f| checked.contains(&f.kind)))
        .map(|(sig, _)| sig)
        .collect();
    assert!(found.is_empty(), "findings {found:?}: {what}");
    assert_eq!(c.verdict, Verdict::Pass, "{what}");
}

/// The finding's `event` is the index of the step its `at` names, run by the thread it names.
#[track_caller]
pub fn assert_at_its_step(cx: &Counterexample, f: &Finding) {
    let (thread, step) = f.at.split_once(' ').expect("`at` is `thread step`");
    let e = cx.events.get(f.event).unwrap_or_else(|| {
        panic!(
            "event {} past the log ({} steps): {f:#?}",
            f.event,
            cx.events.len()
        )
    });
    assert_eq!(
        (cx.threads[e.tid].as_str(), e.step),
        (thread, step),
        "the logged step at event {} is not where the finding says it happened: {f:#?}",
        f.event
    );
}

/// One negative control: `scenario` on `proposal@kernel` must fail with `kind`, reported with
/// exactly `title`, about an object whose name starts with `object`, at `at` (`thread step`).
struct Control {
    scenario: &'static str,
    proposal: &'static str,
    kernel: &'static str,
    kind: FindingKind,
    title: &'static str,
    object: &'static str,
    at: &'static str,
}

#[track_caller]
fn assert_control<'r>(r: &'r CheckReport, k: &Control) -> (&'r Counterexample, &'r Finding) {
    let c = cell(r, k.scenario, k.proposal, k.kernel);
    assert!(c.listed, "the file lists the control: {}", describe(c));
    assert!(c.matches(), "{}", describe(c));
    match &c.verdict {
        Verdict::Fail(kinds) => assert!(kinds.contains(&k.kind), "{}", describe(c)),
        _ => panic!("not a failure: {}", describe(c)),
    }
    let (cx, f) = c
        .explored
        .counterexamples
        .values()
        .find_map(|cx| {
            cx.findings
                .iter()
                .find(|f| {
                    f.kind == k.kind
                        && f.title == k.title
                        && f.at == k.at
                        && f.object.as_deref().is_some_and(|o| o.starts_with(k.object))
                })
                .map(|f| (cx, f))
        })
        .unwrap_or_else(|| {
            let all: Vec<String> = c
                .explored
                .counterexamples
                .values()
                .flat_map(|cx| &cx.findings)
                .map(|f| format!("{} [{}] {:?}: {}", f.kind, f.at, f.object, f.title))
                .collect();
            panic!(
                "no {} on {}* titled {:?} at {:?} in {}; kept: {all:#?}",
                k.kind,
                k.object,
                k.title,
                k.at,
                describe(c)
            )
        });
    assert_at_its_step(cx, f);
    assert!(cx.threads.first().is_some_and(|t| t == "setup"), "{cx:?}");
    (cx, f)
}

#[test]
fn control_use_after_free_s01_rfc_v2_on_k53() {
    assert_control(
        shipped(),
        &Control {
            scenario: "s01_unplug_vs_last_close",
            proposal: "rfc-v2",
            kernel: "k53",
            kind: FindingKind::UseAfterFree,
            title: "BUG: KASAN: use-after-free in remove_file_pin.f_owner",
            object: "file#",
            at: "unplug remove_file_pin.f_owner",
        },
    );
}

#[test]
fn control_double_free_fixture_c01_rfc_v2_on_k53() {
    let (_, f) = assert_control(
        fixtures(),
        &Control {
            scenario: "c01_readd_vs_drop_double_free",
            proposal: "rfc-v2",
            kernel: "k53",
            kind: FindingKind::DoubleFree,
            title: "BUG: KASAN: double-free in release_file_pin.kfree",
            object: "pin_record#",
            at: "readd release_file_pin.kfree",
        },
    );
    // The first free was the drop's, at the same step of the other thread.
    assert!(
        f.details
            .iter()
            .any(|d| d.starts_with("Freed by task drop") && d.contains("release_file_pin.kfree")),
        "{f:#?}"
    );
}

/// The proposals `scenario` lists as failing on `kernel` (the double destroy is the kernel's bug:
/// every design that registers the MR fails; no-dax-pins never pins).
fn listed_failing(scenario: &str, kernel: &str) -> Vec<&'static str> {
    let s = shipped()
        .scenarios
        .iter()
        .find(|s| s.name == scenario)
        .expect("shipped scenario");
    let failing: Vec<&'static str> = KNOWN_PROPOSALS
        .iter()
        .copied()
        .filter(|p| {
            matches!(
                s.expect.verdict_for(p, kernel),
                Some(ExpectedVerdict::Fail(_))
            )
        })
        .collect();
    assert!(failing.len() >= 5, "{scenario}: {failing:?}");
    failing
}

#[test]
fn control_refcount_underflow_s05_on_v56() {
    for proposal in listed_failing("s05_double_dereg", "v5.6") {
        assert_control(
            shipped(),
            &Control {
                scenario: "s05_double_dereg",
                proposal,
                kernel: "v5.6",
                kind: FindingKind::RefcountUnderflow,
                title: "refcount_t: underflow; use-after-free (kref of uobject#0)",
                object: "uobject#",
                at: "t1 uverbs_uobject_put",
            },
        );
    }
}

#[test]
fn control_ref_tracker_s05_on_v56() {
    for proposal in listed_failing("s05_double_dereg", "v5.6") {
        assert_control(
            shipped(),
            &Control {
                scenario: "s05_double_dereg",
                proposal,
                kernel: "v5.6",
                kind: FindingKind::RefTracker,
                title: "ref_tracker: reference already released (uobject#0 by ufile#0.idr)",
                object: "uobject#",
                at: "t1 uverbs_uobject_put",
            },
        );
    }
}

#[test]
fn control_warn_s06_on_v56() {
    for proposal in KNOWN_PROPOSALS {
        assert_control(
            shipped(),
            &Control {
                scenario: "s06_fd_uobject_lookup_put_vs_release",
                proposal,
                kernel: "v5.6",
                kind: FindingKind::Warn,
                title: "WARNING: at drivers/infiniband/core/rdma_core.c uverbs_close_fd: \
                        WARN_ON(uverbs_try_lock_object(uobj, UVERBS_LOOKUP_WRITE))",
                object: "uobject#",
                at: "close uverbs_close_fd.usecnt_write",
            },
        );
    }
}

#[test]
fn control_refcount_inc_from_zero_s07_rfc_v2() {
    for kernel in ["k53", "k56"] {
        assert_control(
            shipped(),
            &Control {
                scenario: "s07_pin_add_vs_pin_drop",
                proposal: "rfc-v2",
                kernel,
                kind: FindingKind::RefcountIncFromZero,
                title: "refcount_t: addition on 0; use-after-free (kref of pin_record#0)",
                object: "pin_record#",
                at: "add add_file_pin.kref_get",
            },
        );
    }
}

#[test]
fn control_leak_s02_counted_backptr_names_the_cycle() {
    let (cx, f) = assert_control(
        shipped(),
        &Control {
            scenario: "s02_close_all_with_live_mr",
            proposal: "counted-backptr",
            kernel: "k53",
            kind: FindingKind::Leak,
            title: "kmemleak: 7 unreferenced objects at quiescence (reference cycle)",
            object: "ufile#",
            at: "setup unlock",
        },
    );
    // Judged at quiescence: after the last step of the execution.
    assert_eq!(f.event + 1, cx.events.len(), "{f:#?}");
    // The cycle: the MR's umem holds the file, which holds the ufile, which holds the MR.
    let cycle = f
        .details
        .iter()
        .find(|d| d.starts_with("reference cycle:"))
        .unwrap_or_else(|| panic!("{f:#?}"));
    for obj in ["file#", "ufile#", "uobject#", "mr#", "umem#"] {
        assert!(cycle.contains(obj), "the cycle names {obj}: {f:#?}");
    }
}

#[test]
fn control_deadlock_s03_on_sync_fput() {
    for proposal in KNOWN_PROPOSALS {
        assert_control(
            shipped(),
            &Control {
                scenario: "s03_exit_with_mmap_vs_unplug",
                proposal,
                kernel: "sync-fput",
                kind: FindingKind::Deadlock,
                title:
                    "WARNING: possible recursive locking detected: unplug takes ucontext_lock again",
                object: "ucontext_lock",
                at: "unplug destroy_ufile_hw.lock_ucontext",
            },
        );
    }
}

/// The hung-task detector through a shipped scenario: block-close's last close of the leased
/// file waits for a pin only its own task would release.
#[test]
fn control_deadlock_s25_block_close_hangs_the_close() {
    for kernel in ["k53", "k56"] {
        let (_, f) = assert_control(
            shipped(),
            &Control {
                scenario: "s25_data_file_close_while_pinned",
                proposal: "block-close",
                kernel,
                kind: FindingKind::Deadlock,
                title: "INFO: task app blocked for more than 120 seconds.",
                object: "file_lock#",
                at: "app locks_remove_file.wait_lease_pins",
            },
        );
        assert_eq!(f.check, "hung_task.wait_var_event");
    }
}

/// D4 loses the attribution after SCM_RIGHTS: the receiver holds the pin's fd for its whole read
/// and does not list it.
#[test]
fn control_procfs_lie_s26_mm_after_scm_rights() {
    for kernel in ["k53", "k56"] {
        assert_control(
            shipped(),
            &Control {
                scenario: "s26_scm_rights_receiver_without_lease",
                proposal: "mm",
                kernel,
                kind: FindingKind::ProcfsLie,
                title: "procfs lie: /proc/b/file_pins omits fd0 pinning dax0",
                object: "fd0",
                at: "b mmput",
            },
        );
    }
}

#[test]
fn control_procfs_lie_fixture_c02_rfc_v2() {
    for kernel in ["k53", "k56"] {
        assert_control(
            fixtures(),
            &Control {
                scenario: "c02_procfs_omits_pin_held",
                proposal: "rfc-v2",
                kernel,
                kind: FindingKind::ProcfsLie,
                title: "procfs lie: /proc/p0/file_pins omits fd0 pinning dax1",
                object: "fd0",
                at: "reader unlock",
            },
        );
    }
}

#[test]
fn control_null_deref_s19_on_v56() {
    // v5.6 as released lacks 0fb00941dc63: the channel of the closed ufile is looked up through
    // the other one and lookup_put's fput(uobj->object) reads the NULL the destroy stored.
    for proposal in KNOWN_PROPOSALS {
        assert_control(
            shipped(),
            &Control {
                scenario: "s19_fd_object_of_another_ufile",
                proposal,
                kernel: "v5.6",
                kind: FindingKind::NullDeref,
                title: "BUG: KASAN: null-ptr-deref in fput_many",
                object: "uobject#",
                at: "user lookup_put.object",
            },
        );
    }
}

/// Finding kinds no scenario file reaches, each with where its control is instead (or why there
/// is none yet). The list must shrink, never grow: a new kind needs a scenario control here or an
/// entry, and an entry whose kind a scenario now reaches fails until it is removed.
const WITHOUT_SCENARIO_CONTROL: &[(FindingKind, &str)] = &[
    (
        FindingKind::UnpinTwice,
        "no shipped proposal and kernel reach it; model/tests/it/negative.rs has one control per \
         trigger",
    ),
    (
        FindingKind::DaxCorruption,
        "the invariant the series exists for: no shipped proposal and kernel may reach it (every \
         scenario's `never` covers it); model/tests/it/leases.rs has one control per trigger, a \
         broken design and a patch without the fault's i_mmap_sem",
    ),
];

/// The table above covers every kind but those of WITHOUT_SCENARIO_CONTROL.
#[test]
fn every_finding_kind_has_a_scenario_control_or_a_stated_reason() {
    let mut found: BTreeSet<FindingKind> = BTreeSet::new();
    for r in [shipped(), fixtures()] {
        for c in r.cells.iter().filter(|c| c.listed) {
            if let Verdict::Fail(kinds) = &c.verdict {
                found.extend(kinds.iter().copied());
            }
        }
    }
    let missing: Vec<FindingKind> = FindingKind::ALL
        .into_iter()
        .filter(|k| !found.contains(k))
        .collect();
    let excused: Vec<FindingKind> = WITHOUT_SCENARIO_CONTROL.iter().map(|(k, _)| *k).collect();
    assert_eq!(missing, excused, "{WITHOUT_SCENARIO_CONTROL:#?}");
}

/// The fixtures' own expectations hold in every cell (the good designs pass them).
#[test]
fn control_fixtures_match_their_expectations() {
    let r = fixtures();
    assert_eq!(r.scenarios.len(), 2);
    assert_eq!(r.cells.len(), 2 * 2 * KNOWN_PROPOSALS.len());
    for c in &r.cells {
        assert!(c.matches(), "{}", describe(c));
    }
    for p in ["bundle", "context"] {
        for c in r.cells.iter().filter(|c| c.proposal == p) {
            assert_pass(c);
        }
    }
}

/// Every cell of the shipped scenarios and fixtures that passes is a complete search that reached
/// every goal of its scenario (a cut search or a race that never happened is no pass).
#[test]
fn every_passing_cell_is_a_complete_search_with_its_goals_reached() {
    let mut passing = 0;
    for r in [shipped(), fixtures()] {
        for c in r.cells.iter().filter(|c| c.expected == Verdict::Pass) {
            assert_pass(c);
            passing += 1;
        }
    }
    assert!(passing >= 60, "only {passing} passing cells");
}

#[test]
fn context_passes_every_shipped_scenario_wherever_it_is_not_listed() {
    let r = shipped();
    let mut on_fixed_kernels = 0;
    for c in r.cells.iter().filter(|c| c.proposal == "context") {
        if c.listed {
            // Where a file lists context as failing, the failure is the kernel's own and the
            // file says why (pre-fix kernels; s20's forced-pass leak on every kernel).
            assert!(c.matches(), "{}", describe(c));
        } else {
            assert_pass(c);
        }
        if ["k53", "k56"].contains(&c.kernel) {
            if c.scenario.faults > 1 {
                // s20: two refusals of one destroy leak on every kernel (the kernel's own).
                assert!(c.matches(), "{}", describe(c));
            } else {
                assert_pass(c);
            }
            on_fixed_kernels += 1;
        }
    }
    // Every shipped uverbs scenario runs on k56, and on k53 too but for s20 (the forced-pass
    // leak is the same on both; the ucma ones run on releases and the ucma patches: k53 and k56
    // name the 2020 uverbs fixes).
    let listed: usize = r
        .scenarios
        .iter()
        .map(|s| {
            s.kernels
                .iter()
                .filter(|k| ["k53", "k56"].contains(&k.as_str()))
                .count()
        })
        .sum();
    assert_eq!(on_fixed_kernels, listed, "{:?}", r.scenarios);
    for s in r.scenarios.iter().filter(|s| !s.name.contains("ucma")) {
        let on: Vec<&str> = s
            .kernels
            .iter()
            .map(String::as_str)
            .filter(|k| ["k53", "k56"].contains(k))
            .collect();
        let want: &[&str] = if s.faults > 1 {
            &["k56"]
        } else {
            &["k53", "k56"]
        };
        assert_eq!(on, want, "{}", s.name);
    }
}

/// Every `fail(...)` a shipped file lists is reached, with exactly those kinds.
#[test]
fn every_listed_known_bad_cell_of_the_shipped_scenarios_is_found() {
    let r = shipped();
    let mut checked = 0;
    for s in &r.scenarios {
        for (proposal, kernel, v) in &s.expect.verdicts {
            let ExpectedVerdict::Fail(kinds) = v else {
                continue;
            };
            let kernels: Vec<&String> = if kernel == "*" {
                s.kernels.iter().collect()
            } else {
                vec![kernel]
            };
            for k in kernels {
                // An exact kernel beats `*`: skip a `*` line that a later exact line overrides.
                if s.expect.verdict_for(proposal, k) != Some(v) {
                    continue;
                }
                let c = cell(r, &s.name, proposal, k);
                let want: BTreeSet<FindingKind> = kinds.iter().copied().collect();
                assert_eq!(
                    c.verdict,
                    Verdict::Fail(want.into_iter().collect()),
                    "{}",
                    describe(c)
                );
                for kind in kinds {
                    assert!(finding_of(c, *kind).is_some(), "{}", describe(c));
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} known-bad cells listed");
    assert!(r.all_match(), "the shipped matrix differs from its files");
}

/// Every finding of every kept counterexample names the step of its log where it happened: the
/// event at its index is run by the thread and is the step its `at` names.
#[test]
fn every_finding_happened_at_the_step_its_report_names() {
    let mut n = 0;
    for r in [shipped(), fixtures()] {
        for c in &r.cells {
            for cx in c.explored.counterexamples.values() {
                for f in &cx.findings {
                    assert_at_its_step(cx, f);
                    n += 1;
                }
            }
        }
    }
    assert!(n >= 50, "only {n} findings");
}

/// The shared report holds each scenario exactly once (the statics are not racing each other).
#[test]
fn shipped_report_covers_every_scenario_file() {
    let files = pincheck::scenario::discover(&[scenarios_dir()]).expect("scenarios/");
    let names: BTreeSet<&str> = shipped()
        .scenarios
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names.len(), files.len());
}

/// The step catalogue `build.rs` reads from the model's source holds every step an exploration of
/// the scenarios and the control fixtures logs: a step written some way the scan does not see
/// would make a valid goal fail to load.
#[test]
fn every_step_the_model_logs_is_in_the_catalogue() {
    let opts = pincheck::check::CheckOptions {
        paths: vec![scenarios_dir(), fixture("controls")],
        proposals: Vec::new(),
        kernels: Vec::new(),
        settings: pincheck::explore::Settings {
            preemptions: pincheck::explore::Preemptions::Bound(1),
            // Also in the scenarios that raise their own bound: the steps are what is checked
            // here, not the depth, and PCT's runs reach the deep interleavings' steps too.
            preemptions_max: Some(pincheck::explore::Preemptions::Bound(1)),
            iterations: 200,
            ..Default::default()
        },
        jobs: 2,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    let listings = pincheck::steps::list(&opts).expect("the scenarios load");
    let mut missing = std::collections::BTreeSet::new();
    let mut seen = 0;
    for l in &listings {
        for (_, steps) in &l.threads {
            for t in steps {
                seen += 1;
                if !pincheck::catalogue::contains(t.step) {
                    missing.insert(t.step);
                }
            }
        }
    }
    assert!(seen > 100, "the exploration ran ({seen} steps)");
    assert!(
        missing.is_empty(),
        "steps logged but not in the catalogue: {missing:?}"
    );
}
