//! Kernels as they shipped: kernel specs in scenario files and on the command line (positioned
//! errors with the reason a patch does not apply), and the history table: every row fails
//! without its fix with the reported symptom and passes with it, in the shipped matrix, and
//! README's copy of the table is the one `pincheck history` renders.

use std::path::Path;

use pincheck::error::Error;
use pincheck::scenario::{self, ExpectedVerdict};
use pincheck_model::kernel::{Variant, HISTORY};

use crate::controls::{manifest_dir, shipped};

const HEAD: &str = r#"format = 1
name = "s99_kernels"
summary = "A kernel spec test."
sources = ["https://lore.kernel.org/r/20200423060122.6182-1-leon@kernel.org"]
"#;

const BODY: &str = r#"processes = ["p0"]
devices = ["uverbs0"]
data_files = ["dax0"]
setup = [{ op = "open", process = "p0", device = "uverbs0", as = "fd0" }]
[[threads]]
name = "a"
process = "p0"
ops = [{ op = "close", fd = "fd0" }]
[[threads]]
name = "b"
ops = [{ op = "remove_device", device = "uverbs0" }]
[expect]
never = ["any"]
"#;

fn parse(kernels: &str, verdicts: &str) -> Result<scenario::Scenario, scenario::ScenarioErrors> {
    let src = format!("{HEAD}kernels = [{kernels}]\n{BODY}[expect.verdicts]\n{verdicts}\n");
    scenario::parse_str(Path::new("scenarios/s99_kernels.toml"), &src)
}

/// The one error of `kernels`, as `(line, column, message, hint)`.
fn error_of(kernels: &str) -> (usize, usize, String, Option<String>) {
    let errs = parse(kernels, "")
        .expect_err("the spec must not resolve")
        .errors;
    assert_eq!(errs.len(), 1, "{errs:?}");
    let d = &errs[0];
    (d.line, d.column, d.message.clone(), d.hint.clone())
}

#[test]
fn a_patch_that_does_not_apply_is_an_error_at_the_patch_with_the_reason() {
    // `kernels = ["v5.3+39c011a53827"]`: the patch starts at column 17.
    let (line, col, msg, _) = error_of(r#""v5.3+39c011a53827""#);
    assert_eq!((line, col), (5, 17));
    assert!(msg.contains("does not apply to v5.3"), "{msg}");
    assert!(msg.contains("c043ff2cfb7f"), "{msg}");
    let (_, _, msg, hint) = error_of(r#""v5.3+7452a3c745a2""#);
    assert!(msg.contains("v5.3 already contains it"), "{msg}");
    assert_eq!(hint.as_deref(), Some("remove `+7452a3c745a2`"));
    let (_, _, msg, hint) = error_of(r#""v5.3-f0abc761bbb9""#);
    assert!(msg.contains("nothing to revert"), "{msg}");
    assert_eq!(hint.as_deref(), Some("to add it, write `+f0abc761bbb9`"));
    let (_, _, msg, _) = error_of(r#""v5.6+39c011a53827-c043ff2cfb7f""#);
    assert!(msg.contains("39c011a53827"), "{msg}");
    assert!(msg.contains("depends on it"), "{msg}");
}

#[test]
fn a_patch_renamed_to_its_commit_id_is_refused_with_the_new_name() {
    let (_, col, msg, hint) = error_of(r#""v5.3-ucma_close_uaf""#);
    assert_eq!(
        (col, msg.as_str()),
        (
            17,
            "patch `ucma_close_uaf` is now named by its upstream commit id, `ed65a4dc2208`"
        )
    );
    assert_eq!(hint.as_deref(), Some("write `ed65a4dc2208`"));
}

#[test]
fn a_misspelt_release_or_patch_gets_a_did_you_mean() {
    let (line, col, msg, hint) = error_of(r#""v5.4+f0abc761bbb9""#);
    assert_eq!((line, col, msg.as_str()), (5, 13, "unknown release `v5.4`"));
    assert_eq!(hint.as_deref(), Some("did you mean `v5.3`?"));
    let (_, col, msg, hint) = error_of(r#""v5.3+f0abc761bbb8""#);
    assert_eq!((col, msg.as_str()), (17, "unknown patch `f0abc761bbb8`"));
    assert_eq!(hint.as_deref(), Some("did you mean `f0abc761bbb9`?"));
    let (_, _, msg, _) = error_of(r#""v5.3+f0abc761bbb9+f0abc761bbb9""#);
    assert!(msg.contains("named twice"), "{msg}");
}

#[test]
fn a_short_name_and_its_spec_are_one_kernel() {
    let s = parse(
        r#""k53", "v5.3""#,
        r#""context@v5.3+f0abc761bbb9+0fb00941dc63+c85f4abe66be" = "pass""#,
    )
    .expect("parses");
    // The key names k53 by its full spec and is stored under the scenario's own spelling.
    assert_eq!(s.expect.verdicts[0].1, "k53");
    assert_eq!(
        s.expect.verdict_for("context", "k53"),
        Some(&ExpectedVerdict::Pass)
    );
    let errs = parse(
        r#""k53", "v5.3+c85f4abe66be+0fb00941dc63+f0abc761bbb9""#,
        "",
    )
    .expect_err("the same kernel twice")
    .errors;
    assert!(errs[0].message.contains("is `k53` again"), "{:?}", errs[0]);
    let v = Variant::resolve("k53").expect("k53");
    assert_eq!(
        v.full_name(),
        "k53 = v5.3+f0abc761bbb9+0fb00941dc63+c85f4abe66be"
    );
    let hypothetical = Variant::resolve("sync-fput").expect("sync-fput");
    assert!(hypothetical.full_name().contains("(hypothetical)"));
}

#[test]
fn an_unknown_kernel_on_the_command_line_is_a_usage_error() {
    let opts = pincheck::check::CheckOptions {
        paths: vec![manifest_dir().join("../scenarios/s05_double_dereg.toml")],
        proposals: Vec::new(),
        kernels: vec!["v5.3+39c011a53827".into()],
        settings: pincheck::explore::Settings::default(),
        jobs: 1,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    match pincheck::check::check(&opts) {
        Err(Error::Usage(m)) => assert!(m.contains("does not apply to v5.3"), "{m}"),
        other => panic!(
            "expected a usage error, got {:?}",
            other.map(|r| r.cells.len())
        ),
    }
}

#[test]
fn every_history_row_fails_without_its_fix_and_passes_with_it() {
    let rows = pincheck::history::from_report(shipped()).expect("every row's cells are shipped");
    assert_eq!(rows.len(), HISTORY.len());
    for r in &rows {
        assert!(
            r.holds(),
            "{}: without {} on {}, with {} on {}",
            r.row.scenario,
            r.without.verdict,
            r.row.without,
            r.with.verdict,
            r.row.with
        );
        // The scenario file says so too: `pincheck check` gates the same verdicts.
        assert!(
            r.without.listed && r.without.matches(),
            "{}",
            r.row.scenario
        );
        assert!(r.with.matches(), "{}", r.row.scenario);
    }
}

#[test]
fn readme_carries_the_current_history_table() {
    let rows = pincheck::history::from_report(shipped()).expect("every row's cells are shipped");
    let table = pincheck::history::render(&rows);
    let readme = std::fs::read_to_string(manifest_dir().join("../README.md")).expect("README.md");
    let (begin, end) = ("<!-- history:begin -->\n", "<!-- history:end -->");
    let start = readme.find(begin).expect("README has the history markers") + begin.len();
    let stop = readme[start..]
        .find(end)
        .expect("README has the end marker")
        + start;
    assert_eq!(
        &readme[start..stop],
        table,
        "README's history table is stale: replace it with `pincheck history`'s output"
    );
}
