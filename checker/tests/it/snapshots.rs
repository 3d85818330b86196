//! Snapshot tests: one insta snapshot per scenario × proposal × kernel in the workspace's
//! `snapshots/` folder (`<scenario>@<proposal>@<kernel>.snap`), rendered by
//! `pincheck::snapshot::render` (verdicts, engine modes and bounds, executions, outcome set with
//! counts, the shortest counterexample of a failing verdict; no times, no paths).
//!
//! A change to a proposal, the model, a scenario or the checker that moves any of these fails this
//! test until reviewed:
//!
//! ```text
//! cargo insta test -p pincheck --test it -- snapshots   # or: cargo test -p pincheck --test it snapshots
//! cargo insta review                                    # accept or reject each .snap.new
//! cargo insta accept                                    # accept them all
//! INSTA_UPDATE=always cargo test -p pincheck --test it snapshots   # regenerate without cargo-insta
//! ```
//!
//! Under CI (`CI=true`) insta writes nothing and fails on any difference or missing snapshot. The
//! test checks every cell before failing, so one run leaves a `.snap.new` for each change, and it
//! fails on a snapshot file that no cell produces any more (a renamed or removed scenario).
//! [`snapshot_review_cannot_be_bypassed`] refuses the ways insta can be told to accept silently;
//! `.ci/run` pins `INSTA_UPDATE=no` and fails when a test run leaves a snapshot file behind.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the checker crate sits in the workspace")
        .to_path_buf()
}

#[test]
fn every_cell_matches_its_snapshot() {
    // The shipped matrix as every test of this binary shares it: all scenarios, proposals and
    // kernels, default settings (one exploration of the whole matrix per test run, not two).
    let report = crate::controls::shipped();
    assert!(!report.cells.is_empty());
    let mut failed = Vec::new();
    let mut names = BTreeSet::new();
    for c in &report.cells {
        let name = pincheck::snapshot::name(c);
        let text = pincheck::snapshot::render(c);
        names.insert(format!("{name}.snap"));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => "../../../snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("{} {}@{}", c.scenario.name, c.proposal, c.kernel),
            }, {
                insta::assert_snapshot!(name.as_str(), text);
            });
        }));
        if outcome.is_err() {
            failed.push(name);
        }
    }
    let orphans: Vec<String> = std::fs::read_dir(workspace().join("snapshots"))
        .expect("snapshots/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".snap") && !names.contains(f))
        .collect();
    assert!(
        failed.is_empty() && orphans.is_empty(),
        "{} snapshot(s) differ or are new: {}\n{} snapshot file(s) match no cell: {}\n\
         review with `cargo insta review` (or `cargo insta accept`); delete orphaned files",
        failed.len(),
        failed.join(", "),
        orphans.len(),
        orphans.join(", ")
    );
}

/// insta's switches that accept a changed snapshot without review: `INSTA_FORCE_PASS` (a failing
/// assertion passes), the legacy force-update variables, and a config file in the workspace
/// (`.config/insta.yaml`, `insta.yaml`, `.insta.yaml`, which can set `behavior.update` or
/// `force_pass`). Under CI (insta's rule: `CI` set and not `false`/`0`, or `TF_BUILD`), insta
/// must write nothing: `INSTA_UPDATE` unset, `auto` or `no`.
#[test]
fn snapshot_review_cannot_be_bypassed() {
    let set = |v: &str| std::env::var(v).ok().filter(|x| !x.is_empty() && x != "0");
    for v in [
        "INSTA_FORCE_PASS",
        "INSTA_FORCE_UPDATE",
        "INSTA_FORCE_UPDATE_SNAPSHOTS",
    ] {
        assert_eq!(set(v), None, "{v} would accept snapshots without review");
    }
    for f in [".config/insta.yaml", "insta.yaml", ".insta.yaml"] {
        let path = workspace().join(f);
        assert!(
            !path.exists(),
            "{} configures insta behind the tests",
            path.display()
        );
    }
    let ci = match std::env::var("CI").ok().as_deref() {
        Some("false" | "0" | "") => false,
        Some(_) => true,
        None => std::env::var("TF_BUILD").is_ok(),
    };
    if ci {
        let update = std::env::var("INSTA_UPDATE").unwrap_or_default();
        assert!(
            ["", "auto", "no"].contains(&update.as_str()),
            "INSTA_UPDATE={update} under CI would write snapshots; CI pins INSTA_UPDATE=no"
        );
    }
}
