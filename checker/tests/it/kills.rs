//! The mutation kill analysis: `pincheck why` over every passing cell of the shipped scenarios.
//! Each lock acquisition, holder reference and `_unless_zero` a cell runs is removed in turn and
//! the cell explored again; the surviving mutations (no scenario reaches a finding without them)
//! are the holes of the scenario set, or equivalent changes. The list is checked in
//! (`tests/it/mutation_survivors.txt`), so a new survivor shows up in review; README explains each.
//!
//! Every mutant is explored at loom preemption bound 2 at most (and PCT), even in the scenarios
//! the gate runs unbounded: a mutant kept alive by the bound is listed as a survivor, never
//! counted as killed, and one unbounded search per mutant would take hours. It takes ~20 minutes
//! on 2 cores, so it is ignored by default:
//!
//! ```text
//! cargo test -p pincheck --release --test it kills -- --ignored
//! PINCHECK_UPDATE_SURVIVORS=1 cargo test -p pincheck --release --test it kills -- --ignored  # rewrite the list
//! ```

use pincheck::explore::{Preemptions, Settings};
use pincheck::why::{kill_analysis, render_survivors};

use crate::controls::{manifest_dir, scenarios_dir};

#[test]
#[ignore = "minutes: cargo test -p pincheck --release --test it kills -- --ignored"]
fn the_surviving_mutations_are_the_reviewed_ones() {
    let settings = Settings {
        preemptions_max: Some(Preemptions::Bound(2)),
        ..Settings::default()
    };
    let k = kill_analysis(&[scenarios_dir()], &settings, 2).expect("scenarios load");
    assert!(k.cells > 50, "only {} passing cells analysed", k.cells);
    assert!(
        k.killed > 0,
        "no mutation was killed: the analysis does not run"
    );
    let text = render_survivors(&k);
    let path = manifest_dir().join("tests/it/mutation_survivors.txt");
    if std::env::var_os("PINCHECK_UPDATE_SURVIVORS").is_some() {
        std::fs::write(&path, &text).expect("write the survivors");
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == text,
        "the surviving mutations changed (PINCHECK_UPDATE_SURVIVORS=1 rewrites {}):\n{}",
        path.display(),
        text
    );
}

fn why_opts(scenario: &str, cell: &str) -> pincheck::why::WhyOptions {
    pincheck::why::WhyOptions {
        paths: vec![scenarios_dir()],
        scenario: scenario.into(),
        cell: cell.into(),
        settings: Settings::default(),
        jobs: 2,
    }
}

/// `pincheck why` on a passing cell: S5's double DEREG relies on uobj_destroy's usecnt WRITE lock
/// (without it both destroys run), and the token of that kill replays it, mutation included.
#[test]
fn why_names_the_usecnt_lock_a_double_dereg_relies_on_and_its_token_replays() {
    use pincheck::why::Outcome;
    let a = pincheck::why::why(&why_opts("s05_double_dereg", "context@k53")).expect("passes");
    assert!(a.relied.len() > 10, "{} points", a.relied.len());
    let usecnt = a
        .relied
        .iter()
        .find(|r| r.mutation.to_string() == "lock:uobj_destroy.usecnt_write@usecnt")
        .expect("the usecnt WRITE lock is a point of this cell");
    let Outcome::Killed { finding, token, .. } = &usecnt.outcome else {
        panic!("not killed: {:?}", usecnt.outcome);
    };
    assert!(
        token.contains("context@k53+lock:uobj_destroy.usecnt_write@usecnt/"),
        "{token}"
    );
    let r = pincheck::replay::replay(&pincheck::replay::ReplayOptions {
        token: token.clone(),
        scenarios: vec![scenarios_dir()],
        until: None,
    })
    .expect("the token replays");
    assert!(
        r.execution
            .findings
            .iter()
            .any(|f| f.signature() == finding.signature()),
        "{:?} not reproduced: {:?}",
        finding.signature(),
        r.execution.findings
    );
    let text = pincheck::why::render(&a);
    assert!(
        text.contains("relied on (removing it reaches a finding):"),
        "{text}"
    );
    assert!(
        text.contains("pincheck replay 'pc1/s05_double_dereg/context@k53+"),
        "{text}"
    );
}

#[test]
fn why_refuses_a_failing_cell() {
    let e = pincheck::why::why(&why_opts("s01_unplug_vs_last_close", "rfc-v2@k53"))
        .expect_err("rfc-v2@k53 fails s01");
    assert!(
        e.to_string()
            .contains("explains what a passing verdict relies on"),
        "{e}"
    );
}

/// A mutex whose acquisition is removed races its holders on copies (`model/src/sync/mutex.rs`):
/// in s43 the CREATE_ID's `list_add` and the DESTROY_ID's `list_del` on one file's `ctx_list`
/// each rely on `mut` (without it one write is lost and the exit's `ucma_close` finds a freed
/// context, or never finds the new one), while DESTROY_ID's first `mut` section only marks the
/// context destroying and writes nothing of the list: removing it must change nothing, as a
/// kernel reader without the lock writes nothing back.
#[test]
fn a_removed_lock_loses_the_writes_of_its_holders_not_the_reads() {
    use pincheck::why::Outcome;
    let a = pincheck::why::why(&why_opts(
        "s43_ucma_create_id_vs_destroy_id_then_exit",
        "context@v5.6",
    ))
    .expect("passes");
    let outcome = |m: &str| {
        &a.relied
            .iter()
            .find(|r| r.mutation.to_string() == m)
            .unwrap_or_else(|| panic!("{m} is not a point of this cell"))
            .outcome
    };
    for writer in [
        "lock:ucma_create_id.mut@ucma_file.mut",
        "lock:ucma_free_ctx.mut@ucma_file.mut",
    ] {
        assert!(
            matches!(outcome(writer), Outcome::Killed { .. }),
            "{writer}: {:?}",
            outcome(writer)
        );
    }
    let reader = "lock:ucma_destroy_id.file_mut@ucma_file.mut";
    assert!(
        matches!(outcome(reader), Outcome::Survived),
        "{reader}: {:?}",
        outcome(reader)
    );
}
