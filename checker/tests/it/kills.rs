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

/// The kill a case expects: scenario, cell, mutation, then the finding's kind, the start of its
/// title, the object it names (for a leak: one of the unreferenced objects its details list) and
/// its step (`None`: found at quiescence, by no scenario operation).
struct Kill {
    scenario: &'static str,
    cell: &'static str,
    mutation: &'static str,
    kind: pincheck_model::oracle::FindingKind,
    title: &'static str,
    object: &'static str,
    step: Option<&'static str>,
}

/// s31-s35 were written for survivors of the kill analysis on the fd table, the mm and the lease
/// list (two threads of one process on one table, a fork racing the parent's munmap and close,
/// two struct files of one inode changing its lease list, a pin listing racing a close and an
/// exit, a command racing the close of its own fd): each kills what it was written for, with
/// the finding the kernel would show. Each is checked on the one cell explored under the one
/// mutation (a whole `pincheck why` analysis of a cell takes seconds to a minute).
#[test]
fn the_fd_table_mm_and_lease_races_kill_the_locks_they_were_written_for() {
    use pincheck_model::oracle::FindingKind::{
        Leak, RefTracker, RefcountIncFromZero, UseAfterFree,
    };
    let kills = [
        // The close's clear loses the dup's open_fds bit: exit never closes fd1, kmemleak.
        Kill {
            scenario: "s31_dup_vs_close_of_a_mapped_fd",
            cell: "context@k53",
            mutation: "lock:close_fd.file_lock@file_lock",
            kind: Leak,
            title: "kmemleak: ",
            object: "file#",
            step: None,
        },
        Kill {
            scenario: "s31_dup_vs_close_of_a_mapped_fd",
            cell: "bundle@k56",
            mutation: "ref:file.f_count@vma",
            kind: UseAfterFree,
            title: "BUG: KASAN: use-after-free in rdma_umap_close.vm_file",
            object: "file#",
            step: Some("rdma_umap_close.vm_file"),
        },
        Kill {
            scenario: "s33_fork_vs_close_and_munmap",
            cell: "rfc-v2@k53",
            mutation: "lock:dup_fd.file_lock@file_lock",
            kind: RefcountIncFromZero,
            title: "refcount_t: addition on 0; use-after-free (f_count of file#",
            object: "file#",
            step: Some("dup_fd.get_file"),
        },
        Kill {
            scenario: "s33_fork_vs_close_and_munmap",
            cell: "mm@k56",
            mutation: "lock:dup_mmap.mmap_sem@mmap_sem",
            kind: UseAfterFree,
            title: "BUG: KASAN: use-after-free in rdma_umap_open.opriv",
            object: "umap_priv#",
            step: Some("rdma_umap_open.opriv"),
        },
        Kill {
            scenario: "s32_lease_set_and_unlock_vs_close_of_another_lease",
            cell: "zombie-lease@k53",
            mutation: "lock:locks_remove_lease.lease_modify@flc_lock",
            kind: Leak,
            title: "ref_tracker: 1 leaked reference",
            object: "file_lock#",
            step: None,
        },
        Kill {
            scenario: "s34_file_pins_read_vs_close_and_exit",
            cell: "rfc-v2@k53",
            mutation: "lock:fp_start.iterate_fd@file_lock",
            kind: UseAfterFree,
            title: "BUG: KASAN: use-after-free in fp_start.file",
            object: "file#",
            step: Some("fp_start.file"),
        },
        Kill {
            scenario: "s34_file_pins_read_vs_close_and_exit",
            cell: "mm@k56",
            mutation: "unless-zero:fp_start.mmget_not_zero",
            kind: RefTracker,
            title: "ref_tracker: reference already released",
            object: "mm#",
            step: Some("__mmput.mmdrop"),
        },
        Kill {
            scenario: "s35_command_vs_close_of_its_fd",
            cell: "no-dax-pins@k56",
            mutation: "ref:file.f_count@task.fdget",
            kind: Leak,
            title: "ref_tracker: 1 leaked reference",
            object: "file#",
            step: None,
        },
    ];
    for k in kills {
        let findings = mutant_findings(k.scenario, k.cell, k.mutation);
        let named = |f: &pincheck_model::oracle::Finding| {
            f.object.as_deref().is_some_and(|o| o.starts_with(k.object))
                || (f.kind == Leak
                    && f.details
                        .iter()
                        .any(|d| d.contains(&format!("object {}", k.object))))
        };
        let at = |f: &pincheck_model::oracle::Finding| match k.step {
            Some(step) => f.at_step() == step,
            None => f.op.is_none(),
        };
        assert!(
            findings
                .iter()
                .any(|f| f.kind == k.kind && f.title.starts_with(k.title) && named(f) && at(f)),
            "{} {} {}: no {:?} `{}` naming {} at {:?}: {findings:#?}",
            k.scenario,
            k.cell,
            k.mutation,
            k.kind,
            k.title,
            k.object,
            k.step
        );
    }
}

/// Every finding of the counterexamples of one cell explored under one mutation (`PROPOSAL@KERNEL`).
fn mutant_findings(
    scenario: &str,
    cell: &str,
    mutation: &str,
) -> Vec<pincheck_model::oracle::Finding> {
    use pincheck::check::{check, CheckOptions};
    let (proposal, kernel) = cell.split_once('@').expect("PROPOSAL@KERNEL");
    let settings = Settings {
        mutation: Some(pincheck_model::oracle::Mutation::parse(mutation).expect("parses")),
        ..Settings::default()
    };
    let r = check(&CheckOptions {
        paths: vec![scenarios_dir().join(format!("{scenario}.toml"))],
        proposals: vec![proposal.into()],
        kernels: vec![kernel.into()],
        settings,
        jobs: 2,
        shard: None,
        progress: false,
        worker_exe: None,
    })
    .expect("the scenario loads");
    r.cells
        .iter()
        .flat_map(|c| c.explored.counterexamples.iter())
        .flat_map(|(_, cx)| cx.findings.iter().cloned())
        .collect()
}

/// The back-pointer-free designs list pins through each file's `f_op->show_fdinfo`, a read of
/// the struct file through the reference the walk took (`procfs.f_op`): without that reference,
/// s15's close puts the last one and the listing reads the freed file. (`pincheck why` finds it
/// too, in s11 and s15, at a minute a cell; this explores the one mutant.)
#[test]
fn a_pin_listing_without_its_file_reference_reads_a_freed_file() {
    let findings = mutant_findings(
        "s15_fd_reuse_vs_file_pins",
        "bundle@k53",
        "ref:file.f_count@task.procfs",
    );
    let found = findings
        .iter()
        .find(|f| {
            f.kind == pincheck_model::oracle::FindingKind::UseAfterFree
                && f.at_step() == "procfs.f_op"
        })
        .unwrap_or_else(|| panic!("no use-after-free in procfs.f_op: {findings:#?}"));
    assert_eq!(found.title, "BUG: KASAN: use-after-free in procfs.f_op");
    assert!(
        found
            .object
            .as_deref()
            .is_some_and(|o| o.starts_with("file#")),
        "{found:?}"
    );
}
