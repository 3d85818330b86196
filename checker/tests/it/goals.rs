//! `sometimes` goals on the order of steps (`between`) are judged on the execution's trace, not on
//! the one interleaving the engine ran: loom explores each trace once, so a window that some
//! interleaving of an explored trace opens is reached, and a window that no interleaving of any
//! trace opens never is (the happens-before order must not lose an edge).

use std::path::PathBuf;

use pincheck::check::{check, CheckOptions};
use pincheck::explore::{EngineChoice, Preemptions, Settings};

use crate::controls::scenarios_dir;

/// The goals reached by loom alone, unbounded, on one cell of `path` (its search must complete).
fn loom_goals(path: PathBuf, proposal: &str, kernel: &str) -> Vec<bool> {
    let opts = CheckOptions {
        paths: vec![path],
        proposals: vec![proposal.into()],
        kernels: vec![kernel.into()],
        settings: Settings {
            engine: EngineChoice::Loom,
            preemptions: Preemptions::Unbounded,
            ..Settings::default()
        },
        jobs: 1,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    let report = check(&opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.cells.len(), 1);
    let cell = &report.cells[0];
    assert!(
        cell.explored.runs.iter().all(|r| r.cut.is_none()),
        "{proposal}@{kernel}: the unbounded search must complete"
    );
    cell.explored.goals.clone()
}

/// `scenario`'s source with its `sometimes` list replaced by `goals`, written to a temporary file.
fn with_goals(scenario: &str, goals: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let src = std::fs::read_to_string(scenarios_dir().join(scenario)).unwrap();
    let start = src
        .find("sometimes = [")
        .expect("the scenario has sometimes goals");
    let end = start + src[start..].find("\n]\n").expect("a closed list") + 3;
    let list: String = goals.iter().map(|g| format!("  {g},\n")).collect();
    let src = format!("{}sometimes = [\n{list}]\n{}", &src[..start], &src[end..]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(scenario);
    std::fs::write(&path, src).unwrap();
    (dir, path)
}

#[test]
fn a_window_loom_runs_in_the_other_order_is_reached_on_the_trace() {
    // s30 under zombie-lease: the lease goes away between GUP's lease check and its pin. The
    // lease's removal and the pin touch nothing in common, so loom runs one order of them in
    // each trace, and that order put the pin first: judged on the log, loom alone never reached
    // the goal (PCT did), although its search covers every trace.
    let path = scenarios_dir().join("s30_reg_mr_vs_unlock_and_truncate.toml");
    assert_eq!(loom_goals(path, "zombie-lease", "k53"), vec![true]);
}

#[test]
fn a_window_no_interleaving_opens_is_never_reached() {
    // s16: a file operation never overlaps ->release of its own file (the command's fdget holds
    // a reference, so the close's fput is not the last while the command runs). The second and
    // third goals name steps both threads execute, in an order every trace forbids: the close's
    // release inside the command's reference (f_count orders them), and the release's
    // destroy_ufile_hw, under hw_destroy_rwsem for writing, inside the command's read side.
    let (_dir, path) = with_goals(
        "s16_dereg_vs_close_of_its_fd.toml",
        &[
            r#"{ between = "close:filp_close.fput", after = "dereg:fget.get_file_rcu", before = "dereg:fdput" }"#,
            r#"{ between = "close:__fput", after = "dereg:fget.get_file_rcu", before = "dereg:fdput" }"#,
            r#"{ between = "close:destroy_ufile_hw.ufile", after = "dereg:uobj_destroy.down_read", before = "dereg:up_read" }"#,
        ],
    );
    assert_eq!(loom_goals(path, "context", "k53"), vec![true, false, false]);
}
