//! What CI consumes, validated: JUnit structure (roxmltree), SARIF 2.1.0 required fields and
//! locations (serde_json), shards that partition the matrix exactly, the gate's rules, its
//! certificate and baseline comparison, and `pincheck diff`.

use std::path::{Path, PathBuf};

use clap::Parser;
use pincheck::check::{check, matrix, run_cells, CheckOptions};
use pincheck::cli::{run, Args, Env, Output};
use pincheck::explore::Settings;
use pincheck_model::KNOWN_PROPOSALS;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the checker crate sits in the workspace")
        .to_path_buf()
}

fn scenario(name: &str) -> PathBuf {
    workspace().join("scenarios").join(format!("{name}.toml"))
}

const S01: &str = "s01_unplug_vs_last_close";

/// How many kernels the shipped scenario `name` runs on.
fn kernels_of(name: &str) -> usize {
    pincheck::scenario::load(&scenario(name))
        .expect("the shipped scenario loads")
        .kernels
        .len()
}

/// The CLI as `main` runs it (without printing).
fn cli(args: &[&str]) -> Output {
    let mut argv = vec!["pincheck"];
    argv.extend_from_slice(args);
    let args = Args::try_parse_from(argv).expect("arguments parse");
    let env = Env {
        stderr_is_terminal: false,
        cores: 2,
        exe: None,
    };
    run(args, env).expect("the command runs")
}

/// A copy of scenario `name` in a temp dir (same file name: the stem must equal `name`), with
/// `edit` applied to its text.
fn edited(name: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(scenario(name)).expect("scenario reads");
    let new = edit(&text);
    assert_ne!(new, text, "the edit changed nothing");
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, new).expect("write scenario");
    (dir, path)
}

/// 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in the scenario"))
        + 1
}

/// s01 claiming that `context` has the use-after-free on k53 (it does not).
fn s01_wrong_context_claim() -> (tempfile::TempDir, PathBuf) {
    edited(S01, |t| {
        t.replace(
            "[expect.verdicts]\n",
            "[expect.verdicts]\n\"context@k53\" = \"fail(use-after-free)\"\n",
        )
    })
}

/// s01 claiming that `rfc-v2` passes on k53 (it has the use-after-free).
fn s01_rfc_passes() -> (tempfile::TempDir, PathBuf) {
    edited(S01, |t| {
        t.replace(
            "\"rfc-v2@k53\" = \"fail(use-after-free, warn)\"",
            "\"rfc-v2@k53\" = \"pass\"",
        )
    })
}

#[test]
fn junit_has_a_case_per_cell_and_a_failure_exactly_where_verdicts_differ() {
    let (_dir, path) = s01_wrong_context_claim();
    let out = cli(&[
        "check",
        path.to_str().unwrap(),
        "--format",
        "junit",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.status, 1);
    let doc = roxmltree::Document::parse(&out.stdout).expect("JUnit is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "one suite per scenario");
    assert_eq!(suites[0].attribute("name"), Some(S01));
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // Every proposal on s01's kernels.
    let n = KNOWN_PROPOSALS.len() * kernels_of(S01);
    assert_eq!(cases.len(), n);
    assert_eq!(suites[0].attribute("tests"), Some(n.to_string().as_str()));
    assert_eq!(root.attribute("tests"), Some(n.to_string().as_str()));
    let failing: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap_or(""))
        .collect();
    assert_eq!(failing, vec!["context@k53"]);
    assert_eq!(suites[0].attribute("failures"), Some("1"));
    for c in &cases {
        assert_eq!(c.attribute("classname"), Some(S01));
        assert_eq!(
            c.children().filter(|n| n.has_tag_name("failure")).count(),
            usize::from(c.attribute("name") == Some("context@k53"))
        );
    }
    let failure = cases
        .iter()
        .flat_map(|c| c.children())
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .attribute("message")
        .unwrap_or("")
        .contains("verdict pass, expected fail(use-after-free)"));

    // The unedited scenario: as many cases, no failure.
    let out = cli(&[
        "check",
        scenario(S01).to_str().unwrap(),
        "--format",
        "junit",
    ]);
    assert_eq!(out.status, 0);
    let doc = roxmltree::Document::parse(&out.stdout).expect("JUnit is XML");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        KNOWN_PROPOSALS.len() * kernels_of(S01)
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
}

/// SARIF 2.1.0's required fields, and every result's location; returns the results.
fn sarif_results(text: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(text).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("sarif") && s.contains("2.1.0")));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "pincheck");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let results = run["results"].as_array().expect("results").clone();
    for r in &results {
        let rule = r["ruleId"].as_str().expect("ruleId");
        assert!(rules.contains(&rule), "rule {rule} is declared");
        assert!(!r["message"]["text"]
            .as_str()
            .expect("message.text")
            .is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].as_str().is_some());
        assert!(loc["region"]["startLine"].as_i64().expect("startLine") >= 1);
    }
    results
}

#[test]
fn sarif_points_a_missing_negative_result_at_its_verdict_line() {
    let (_dir, path) = s01_wrong_context_claim();
    let out = cli(&["check", path.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(out.status, 1);
    let results = sarif_results(&out.stdout);
    assert_eq!(results.len(), 1, "one differing cell");
    let r = &results[0];
    assert_eq!(r["ruleId"], "expected-bug-not-found");
    let loc = &r["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{S01}.toml")));
    let text = std::fs::read_to_string(&path).unwrap();
    let s = pincheck::scenario::load(&path).expect("scenario parses");
    let i = s
        .expect
        .verdicts
        .iter()
        .position(|(p, k, _)| p == "context" && k == "k53")
        .expect("the claim is listed");
    let line = s.spans.verdicts[i];
    assert_eq!(line, line_of(&text, "\"context@k53\""));
    assert_eq!(loc["region"]["startLine"].as_u64(), Some(line as u64));
}

#[test]
fn sarif_points_an_unexpected_finding_at_the_operation_whose_step_failed() {
    let (_dir, path) = s01_rfc_passes();
    let out = cli(&["check", path.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(out.status, 1);
    let results = sarif_results(&out.stdout);
    assert_eq!(results.len(), 1, "one differing cell");
    let r = &results[0];
    assert_eq!(r["ruleId"], "use-after-free");
    let text = std::fs::read_to_string(&path).unwrap();
    let s = pincheck::scenario::load(&path).expect("scenario parses");
    // The unplug thread (thread 0) has one op, `remove_device`: its step hit the freed file.
    let line = s.spans.op_line(Some(0), 0).expect("op line");
    assert_eq!(line, line_of(&text, "{ op = \"remove_device\""));
    let got = r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64();
    assert_eq!(got, Some(line as u64));
}

/// A cell's JSON without its times.
fn timeless(mut v: Value) -> Value {
    for r in v["runs"].as_array_mut().into_iter().flatten() {
        r.as_object_mut().unwrap().remove("elapsed_ms");
    }
    v
}

#[test]
fn three_shards_give_exactly_the_cells_of_one_run() {
    let mut opts = CheckOptions {
        paths: [
            "s01_unplug_vs_last_close",
            "s02_close_all_with_live_mr",
            "s05_double_dereg",
        ]
        .iter()
        .map(|n| scenario(n))
        .collect(),
        proposals: Vec::new(),
        kernels: Vec::new(),
        settings: Settings {
            iterations: 200,
            ..Settings::default()
        },
        jobs: 2,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    let scenarios = pincheck::check::load_all(&opts.paths).unwrap();
    let key = |c: &pincheck::check::CellReport| {
        (
            c.scenario.name.clone(),
            c.proposal.to_string(),
            c.kernel.to_string(),
        )
    };
    let render = |cells: Vec<pincheck::check::CellReport>| {
        let mut v: Vec<_> = cells
            .iter()
            .map(|c| (key(c), timeless(pincheck::report::json::cell(c))))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let all = matrix(&scenarios, &opts).unwrap();
    let whole = render(run_cells(&all, &opts.settings, 2, false));
    let kernels: usize = [
        "s01_unplug_vs_last_close",
        "s02_close_all_with_live_mr",
        "s05_double_dereg",
    ]
    .iter()
    .map(|n| kernels_of(n))
    .sum();
    assert_eq!(
        whole.len(),
        KNOWN_PROPOSALS.len() * kernels,
        "3 scenarios, each on its kernels, every proposal"
    );
    let mut parts = Vec::new();
    for i in 1..=3 {
        opts.shard = Some((i, 3));
        let cells = matrix(&scenarios, &opts).unwrap();
        assert!(!cells.is_empty(), "shard {i}/3 is not empty");
        parts.extend(render(run_cells(&cells, &opts.settings, 2, false)));
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let keys: Vec<_> = parts.iter().map(|p| p.0.clone()).collect();
    let mut dedup = keys.clone();
    dedup.dedup();
    assert_eq!(keys, dedup, "no cell in two shards");
    assert_eq!(parts, whole);
}

fn options(paths: Vec<PathBuf>) -> CheckOptions {
    CheckOptions {
        paths,
        proposals: Vec::new(),
        kernels: Vec::new(),
        settings: Settings::default(),
        jobs: 2,
        shard: None,
        progress: false,
        worker_exe: None,
    }
}

#[test]
fn gate_certifies_and_flags_silent_execution_count_changes() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.json");
    let s01 = scenario(S01).to_str().unwrap().to_string();
    let cert_s = cert.to_str().unwrap().to_string();
    let out = cli(&["gate", &s01, "--certificate", &cert_s]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(out.stdout.contains("gate: PASSED"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&cert).unwrap()).unwrap();
    assert_eq!(v["format"], 1);
    assert_eq!(v["passed"], true);
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), KNOWN_PROPOSALS.len() * kernels_of(S01));
    for c in cells {
        for k in ["scenario", "proposal", "kernel", "verdict", "scenario_hash"] {
            assert!(c[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
        }
        assert_eq!(c["model_hash"].as_str().unwrap().len(), 16);
        assert_eq!(c["model_hash"], pincheck::gate::MODEL_HASH);
        assert_eq!(c["seed"], 0);
        let engines = c["engines"].as_array().unwrap();
        assert_eq!(engines.len(), 2);
        assert_eq!(engines[0]["engine"], "loom");
        // s01 is `exhaustive = true`: loom searches it without a preemption bound, and says so.
        assert_eq!(engines[0]["bound"]["preemptions"], "unbounded");
        let mode = engines[0]["mode"].as_str().unwrap();
        assert!(mode.starts_with("unbounded, complete"), "{mode}");
        assert_eq!(engines[0]["complete"], true);
        assert_eq!(engines[1]["engine"], "pct");
        assert_eq!(engines[1]["bound"]["iterations"], 1000);
        assert!(engines[0]["executions"].as_u64().unwrap() > 0);
    }

    // The same run against its own certificate: nothing moved.
    let out = cli(&[
        "gate",
        &s01,
        "--certificate",
        &cert_s,
        "--baseline",
        &cert_s,
    ]);
    assert_eq!(out.status, 0);
    let compared = format!("{} cells compared", KNOWN_PROPOSALS.len() * kernels_of(S01));
    assert!(out.stdout.contains(&compared), "{}", out.stdout);
    assert!(!out.stdout.contains("warning[executions]"));

    // A baseline in which one cell explored other counts with the same verdict.
    let mut b = v.clone();
    b["cells"][0]["engines"][0]["executions"] = 5.into();
    let baseline = dir.path().join("baseline.json");
    std::fs::write(&baseline, serde_json::to_string(&b).unwrap()).unwrap();
    let base_s = baseline.to_str().unwrap().to_string();
    let out = cli(&[
        "gate",
        &s01,
        "--certificate",
        &cert_s,
        "--baseline",
        &base_s,
    ]);
    assert_eq!(out.status, 0, "a warning only");
    assert!(out
        .stdout
        .contains("warning[executions] s01_unplug_vs_last_close rfc-v2@k53"));
    assert!(out.stdout.contains("loom 5 -> "));
    let out = cli(&[
        "gate",
        &s01,
        "--certificate",
        &cert_s,
        "--baseline",
        &base_s,
        "--strict",
    ]);
    assert_eq!(out.status, 1, "--strict makes it an error");
    assert!(out.stdout.contains("error[executions]"));
    assert!(out.stdout.contains("gate: FAILED"));
}

/// 64-bit FNV-1a, written here from its definition (offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3), not taken from the crate.
fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The model hash a certificate carries is the hash of the model source in this checkout,
/// recomputed here: every file of `model/src` sorted by its `/`-separated relative path, each
/// fed as path, NUL, bytes, NUL (so a rename changes it too).
#[test]
fn the_certified_model_hash_is_that_of_the_model_source() {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    // The published FNV-1a 64 vectors first: the helper is right.
    assert_eq!(fnv1a(OFFSET, b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a(OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    let root = workspace().join("model/src");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, p)
        })
        .collect();
    named.sort();
    assert!(named.len() > 20, "{named:?}");
    let mut h = OFFSET;
    for (rel, path) in &named {
        h = fnv1a(h, rel.as_bytes());
        h = fnv1a(h, &[0]);
        h = fnv1a(h, &std::fs::read(path).unwrap());
        h = fnv1a(h, &[0]);
    }
    assert_eq!(format!("{h:016x}"), pincheck::gate::MODEL_HASH);
}

#[test]
fn gate_fails_a_wrong_verdict_a_cut_search_and_an_exhaustive_scenario_without_loom() {
    let (_dir, path) = s01_wrong_context_claim();
    let r = check(&options(vec![path])).unwrap();
    let g = pincheck::gate::evaluate(&r, &Settings::default(), None, false);
    assert!(!g.passed());
    assert_eq!(g.errors.len(), 1);
    assert_eq!(g.errors[0].rule, "verdict");
    assert!(g.errors[0].cell.ends_with("context@k53"));

    // exhaustive = true (as s01 says), but only shuttle runs.
    let s01_text = std::fs::read_to_string(scenario(S01)).expect("s01 reads");
    assert!(
        s01_text.contains("exhaustive = true"),
        "s01 is marked exhaustive"
    );
    let (_dir, path) = edited(S01, |t| format!("{t}# a copy\n"));
    let mut opts = options(vec![path]);
    opts.settings.engine = pincheck::explore::EngineChoice::Pct;
    opts.proposals = vec!["context".into()];
    let r = check(&opts).unwrap();
    assert!(r.all_match());
    let g = pincheck::gate::evaluate(&r, &opts.settings, None, false);
    assert_eq!(g.errors.len(), kernels_of(S01), "{:?}", g.errors);
    assert!(g.errors.iter().all(|p| p.rule == "exhaustive"));

    // No time at all: every search is cut, and a cut search certifies nothing.
    let mut opts = options(vec![scenario(S01)]);
    opts.proposals = vec!["context".into()];
    opts.kernels = vec!["k56".into()];
    opts.settings.time_per_engine = std::time::Duration::ZERO;
    let r = check(&opts).unwrap();
    let g = pincheck::gate::evaluate(&r, &opts.settings, None, false);
    assert!(r.cells[0].explored.runs.iter().all(|x| x.cut.is_some()));
    assert_eq!(
        g.errors.iter().filter(|p| p.rule == "bound").count(),
        2,
        "{:?}",
        g.errors
    );
}

#[test]
fn diff_lists_outcomes_gone_and_new_and_exits_1_on_a_verdict_change() {
    let s01 = scenario(S01).to_str().unwrap().to_string();
    let out = cli(&["diff", "rfc-v2", "context", &s01]);
    assert_eq!(out.status, 1);
    assert!(out
        .stdout
        .contains("== s01_unplug_vs_last_close k53  VERDICT CHANGED"));
    let uaf = out
        .stdout
        .lines()
        .find(|l| l.contains("use-after-free(file at remove_file_pin.f_owner)"))
        .expect("the use-after-free outcome is listed");
    let (left, right) = uaf.split_once(" | ").expect("two columns");
    assert!(left.contains("use-after-free"), "gone: left column");
    assert!(right.trim().is_empty());
    assert!(!out.stdout.contains("== s01_unplug_vs_last_close k56"));

    let opts = options(vec![scenario(S01)]);
    let (rows, _) = pincheck::diff::diff(&opts, "bundle", "context").unwrap();
    assert_eq!(rows.len(), kernels_of(S01));
    assert!(rows.iter().all(|r| !r.verdict_changed()));
    let out = cli(&["diff", "bundle", "context", &s01]);
    assert_eq!(out.status, 0);
}

/// `--jobs N` from the binary runs worker processes; their cells are the ones worker threads give,
/// counterexamples included.
#[test]
fn worker_processes_give_the_results_of_worker_threads() {
    let opts = CheckOptions {
        paths: ["s01_unplug_vs_last_close", "s05_double_dereg"]
            .iter()
            .map(|n| scenario(n))
            .collect(),
        proposals: vec!["rfc-v2".into(), "context".into()],
        kernels: Vec::new(),
        settings: Settings {
            iterations: 200,
            ..Settings::default()
        },
        jobs: 2,
        shard: None,
        progress: false,
        worker_exe: None,
    };
    let scenarios = pincheck::check::load_all(&opts.paths).unwrap();
    let cells = matrix(&scenarios, &opts).unwrap();
    let json = |cells: Vec<pincheck::check::CellReport>| -> Vec<_> {
        cells
            .iter()
            .map(|c| timeless(pincheck::report::json::cell(c)))
            .collect()
    };
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_pincheck"));
    let threads = pincheck::check::run_cells_on(&cells, &opts.settings, 2, false, None);
    let processes = pincheck::check::run_cells_on(&cells, &opts.settings, 2, false, Some(exe));
    let texts = |cells: &[pincheck::check::CellReport]| -> Vec<String> {
        cells
            .iter()
            .flat_map(|c| {
                c.explored.counterexamples.values().map(|cx| {
                    let ctx = pincheck::render::RenderContext {
                        scenario: "s",
                        proposal: c.proposal,
                        kernel: c.kernel,
                        token: None,
                        scenario_file: None,
                        graph: None,
                        unfold: false,
                    };
                    pincheck::render::text(cx, &ctx)
                })
            })
            .collect()
    };
    assert_eq!(
        cells.len(),
        2 * (kernels_of("s01_unplug_vs_last_close") + kernels_of("s05_double_dereg"))
    );
    assert_eq!(texts(&threads), texts(&processes));
    assert_eq!(json(threads), json(processes));
}

/// With a dozen proposals (as designs get added) the matrix still fits 100 columns: proposals are
/// headed by codes with a legend, and printed in blocks when even those do not fit.
#[test]
fn a_matrix_of_many_proposals_stays_within_100_columns() {
    let mut opts = options(vec![scenario(S01)]);
    opts.proposals = vec!["rfc-v2".into()];
    let mut r = check(&opts).expect("s01 runs");
    let names = [
        "rfc-v2",
        "counted-backptr",
        "clear-on-close",
        "bundle",
        "context",
        "mm-owned-pins",
        "global-lease-table",
        "close-fence",
        "lease-holder-d0",
        "zombie-lease",
        "per-mr-lease-reference",
        "scm-rights-blocked",
    ];
    let template = r.cells.clone();
    r.cells = names
        .iter()
        .flat_map(|n| {
            let n: &'static str = Box::leak(n.to_string().into_boxed_str());
            template.iter().cloned().map(move |mut c| {
                c.proposal = n;
                c
            })
        })
        .collect();
    let text = pincheck::report::matrix::render(&r, false, false);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}\n{text}");
    }
    let legend = text
        .lines()
        .skip_while(|l| !l.starts_with("proposals: "))
        .take_while(|l| l.starts_with("proposals: ") || l.starts_with("  "))
        .collect::<Vec<_>>()
        .join(" ");
    for n in names.iter().filter(|n| n.len() > 7) {
        assert!(legend.contains(n), "{n} in the legend: {legend}");
    }
    assert!(legend.contains("cb counted-backptr"), "{legend}");
    // Cells too wide for one block of codes: the matrix is printed in blocks, each with its rows.
    let every = pincheck::verdict::Verdict::Fail(pincheck_model::oracle::FindingKind::ALL.to_vec());
    for c in &mut r.cells {
        c.verdict = every.clone();
        c.expected = every.clone();
    }
    let text = pincheck::report::matrix::render(&r, false, false);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}\n{text}");
    }
    let blocks = text.matches("scenario / kernel").count();
    assert!(blocks > 1, "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| *l == "s01_unplug_vs_last_close")
            .count(),
        blocks
    );
    for n in names {
        let shown = text.contains(n) || legend.contains(n);
        assert!(shown, "{n}");
    }
}

/// The workflow runs the tests through `.ci/run` (so it runs the same command as a local
/// `.ci/run`), and that command is every test of the workspace, with no name filter that could
/// match nothing; both pin `INSTA_UPDATE=no`; the fuzz target is built and replays its corpus.
#[test]
fn ci_runs_every_test_and_the_fuzz_replay_the_same_way_as_ci_run() {
    let run = std::fs::read_to_string(workspace().join(".ci/run")).expect(".ci/run");
    let workflow =
        std::fs::read_to_string(workspace().join("ci/github-workflow.yml")).expect("workflow");
    let commands = |text: &str, what: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && l.contains(what))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        commands(&run, "cargo test"),
        ["cargo test --workspace --release --locked"],
        "the only test command of .ci/run"
    );
    assert!(
        run.contains("\nexport INSTA_UPDATE=no\n"),
        ".ci/run pins INSTA_UPDATE=no"
    );
    assert!(
        commands(&workflow, "cargo test").is_empty(),
        "the workflow runs tests through .ci/run only: {:?}",
        commands(&workflow, "cargo test")
    );
    assert!(
        workflow.contains("INSTA_UPDATE: \"no\""),
        "the workflow pins INSTA_UPDATE=no"
    );
    for step in ["tests", "fuzz"] {
        assert_eq!(
            commands(&workflow, &format!(".ci/run {step}")),
            [format!("run: bash .ci/run {step}")],
            "the workflow runs `.ci/run {step}`"
        );
    }
    let fuzz = commands(&run, "fuzz/target/debug/scenario");
    assert_eq!(fuzz.len(), 1, "{fuzz:?}");
    assert!(
        fuzz[0].contains("fuzz/corpus-kept") && fuzz[0].contains("scenarios"),
        "{fuzz:?}"
    );
}

/// The fuzz crate has its own lock file (it is its own workspace, for `cargo fuzz`), which goes
/// stale when the checker or the model gains a dependency: `.ci/run fuzz` then fails on
/// `--locked`. Caught here first: the fuzz lock lists the same dependencies of `pincheck` and
/// `pincheck-model` as the workspace lock, and every package both locks hold at the same version.
#[test]
fn the_fuzz_lock_file_follows_the_workspace_lock_file() {
    let lock = |path: &str| -> Vec<toml::Value> {
        let text = std::fs::read_to_string(workspace().join(path)).expect("lock file");
        let v: toml::Table = toml::from_str(&text).expect("TOML");
        v["package"].as_array().expect("packages").clone()
    };
    let (root, fuzz) = (lock("Cargo.lock"), lock("fuzz/Cargo.lock"));
    let find = |pkgs: &[toml::Value], name: &str| -> Vec<toml::Value> {
        pkgs.iter()
            .filter(|p| p["name"].as_str() == Some(name))
            .cloned()
            .collect()
    };
    let refresh =
        "refresh it: cargo build --manifest-path fuzz/Cargo.toml (then commit fuzz/Cargo.lock)";
    // Dev-dependencies are in the workspace lock only (a crate that is also a normal dependency,
    // such as the model with its test-only features, is in both).
    let dev = |manifest: &str| -> Vec<String> {
        let text = std::fs::read_to_string(workspace().join(manifest)).expect("manifest");
        let v: toml::Table = toml::from_str(&text).expect("TOML");
        let keys = |section: &str| -> Vec<String> {
            v.get(section)
                .and_then(|d| d.as_table())
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default()
        };
        let normal = keys("dependencies");
        keys("dev-dependencies")
            .into_iter()
            .filter(|d| !normal.contains(d))
            .collect()
    };
    let deps = |p: &toml::Value| -> Vec<String> {
        p.get("dependencies")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str())
            .map(str::to_string)
            .collect()
    };
    for (krate, manifest) in [
        ("pincheck", "checker/Cargo.toml"),
        ("pincheck-model", "model/Cargo.toml"),
    ] {
        let (r, f) = (find(&root, krate), find(&fuzz, krate));
        assert_eq!(r.len(), 1, "{krate} in Cargo.lock");
        assert_eq!(f.len(), 1, "{krate} in fuzz/Cargo.lock; {refresh}");
        let dev = dev(manifest);
        let want: Vec<String> = deps(&r[0])
            .into_iter()
            .filter(|d| !dev.iter().any(|x| d.split(' ').next() == Some(x.as_str())))
            .collect();
        assert_eq!(
            deps(&f[0]),
            want,
            "the dependencies of {krate} differ between the lock files; {refresh}"
        );
    }
    for p in &fuzz {
        let name = p["name"].as_str().expect("name");
        let versions: Vec<&str> = root
            .iter()
            .filter(|r| r["name"].as_str() == Some(name))
            .filter_map(|r| r["version"].as_str())
            .collect();
        let v = p["version"].as_str().expect("version");
        assert!(
            versions.is_empty() || versions.contains(&v),
            "{name} {v} in fuzz/Cargo.lock, {versions:?} in Cargo.lock; {refresh}"
        );
    }
}
