//! Negative controls through scenario files: for every finding kind, a scenario whose known-bad
//! `proposal@kernel` must produce it, run through `pincheck::check::check` and asserted on the
//! returned `CheckReport` (verdict, finding title and object). Also: `context` passes every shipped
//! scenario wherever the file does not list it as known-bad, and every `fail(...)` the shipped
//! files list is reached.
//!
//! The shipped scenarios (`scenarios/`) and the test fixtures (`tests/it/fixtures/controls/`) are
//! each checked once per test binary ([`shipped`], [`fixtures`]); `reliability.rs` replays every
//! counterexample of both runs.
//!
//! Coverage by kind: use-after-free s01, double-free fixture c01, refcount-underflow s05,
//! refcount-inc-from-zero s07, leak s02, deadlock s03, procfs-lie fixture c02. unpin-twice has no
//! scenario-file control: no shipped proposal and kernel reach it (the MR's uobject `object` is
//! swapped to 0 before `ib_dereg_mr_user`, so no path releases a umem twice, and the HW key is
//! always destroyed first). Only the Rust-driven control in `model/tests/it/negative.rs`
//! (`a_design_that_unpins_in_its_callback_unpins_twice`) produces it.

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

/// One negative control: `scenario` on `proposal@kernel` must fail with `kind`, reported with a
/// title containing `title` about an object whose name starts with `object`.
struct Control {
    scenario: &'static str,
    proposal: &'static str,
    kernel: &'static str,
    kind: FindingKind,
    title: &'static str,
    object: &'static str,
}

#[track_caller]
fn assert_control(r: &CheckReport, k: &Control) {
    let c = cell(r, k.scenario, k.proposal, k.kernel);
    assert!(c.listed, "the file lists the control: {}", describe(c));
    assert!(c.matches(), "{}", describe(c));
    match &c.verdict {
        Verdict::Fail(kinds) => assert!(kinds.contains(&k.kind), "{}", describe(c)),
        _ => panic!("not a failure: {}", describe(c)),
    }
    let (cx, f) = finding_of(c, k.kind)
        .unwrap_or_else(|| panic!("no {} counterexample: {}", k.kind, describe(c)));
    assert!(f.title.contains(k.title), "title of {f:#?}");
    let object = f.object.as_deref().unwrap_or("");
    assert!(object.starts_with(k.object), "object of {f:#?}");
    assert!(
        !cx.events.is_empty() && f.event <= cx.events.len(),
        "{f:#?}"
    );
    assert!(cx.threads.first().is_some_and(|t| t == "setup"), "{cx:?}");
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
        },
    );
}

#[test]
fn control_double_free_fixture_c01_rfc_v2_on_k53() {
    assert_control(
        fixtures(),
        &Control {
            scenario: "c01_readd_vs_drop_double_free",
            proposal: "rfc-v2",
            kernel: "k53",
            kind: FindingKind::DoubleFree,
            title: "BUG: KASAN: double-free in release_file_pin.kfree",
            object: "pin_record#",
        },
    );
    let c = cell(fixtures(), "c01_readd_vs_drop_double_free", "rfc-v2", "k53");
    let (_, f) = finding_of(c, FindingKind::DoubleFree).expect("checked above");
    assert!(
        f.details.iter().any(|d| d.starts_with("Freed by task")),
        "{f:#?}"
    );
}

#[test]
fn control_refcount_underflow_s05_on_k53_double_destroy() {
    for proposal in KNOWN_PROPOSALS {
        assert_control(
            shipped(),
            &Control {
                scenario: "s05_double_dereg",
                proposal,
                kernel: "k53-double-destroy",
                kind: FindingKind::RefcountUnderflow,
                title: "refcount_t: underflow",
                object: "uobject#",
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
                title: "refcount_t: addition on 0",
                object: "pin_record#",
            },
        );
    }
}

#[test]
fn control_leak_s02_counted_backptr_names_the_cycle() {
    assert_control(
        shipped(),
        &Control {
            scenario: "s02_close_all_with_live_mr",
            proposal: "counted-backptr",
            kernel: "k53",
            kind: FindingKind::Leak,
            title: "kmemleak",
            object: "ufile#",
        },
    );
    let c = cell(
        shipped(),
        "s02_close_all_with_live_mr",
        "counted-backptr",
        "k53",
    );
    let (_, f) = finding_of(c, FindingKind::Leak).expect("checked above");
    assert!(
        f.details.iter().any(|d| d.starts_with("reference cycle:")),
        "{f:#?}"
    );
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
                title: "possible recursive locking",
                object: "ucontext_lock",
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
                title: "/proc/p0/file_pins omits fd0 pinning dax1",
                object: "fd0",
            },
        );
    }
}

/// The table above covers every kind but unpin-twice (see the module doc); a new kind must get a
/// control here or a stated reason.
#[test]
fn every_finding_kind_but_unpin_twice_has_a_scenario_control() {
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
    assert_eq!(missing, vec![FindingKind::UnpinTwice]);
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
            assert_eq!(c.verdict, Verdict::Pass, "{}", describe(c));
        }
    }
}

#[test]
fn context_passes_every_shipped_scenario_wherever_it_is_not_listed() {
    let r = shipped();
    let mut on_fixed_kernels = 0;
    for c in r.cells.iter().filter(|c| c.proposal == "context") {
        if c.listed {
            // Only the pre-fix kernels break context (s03 sync-fput, s05, s06).
            assert!(!["k53", "k56"].contains(&c.kernel), "{}", describe(c));
            assert!(c.matches(), "{}", describe(c));
        } else {
            assert_eq!(c.verdict, Verdict::Pass, "{}", describe(c));
        }
        if ["k53", "k56"].contains(&c.kernel) {
            assert_eq!(c.verdict, Verdict::Pass, "{}", describe(c));
            on_fixed_kernels += 1;
        }
    }
    // Every shipped scenario runs on k53 and k56.
    assert_eq!(on_fixed_kernels, 2 * r.scenarios.len(), "{:?}", r.scenarios);
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
            preemptions: 1,
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
