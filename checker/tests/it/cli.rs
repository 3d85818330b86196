//! The command line as users and CI scripts meet it, through the built binary: exit statuses,
//! what goes to stdout and stderr, files written or not, and `ci/gate.sh` around it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What one run of the binary gave.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

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

/// Run `pincheck args` in `dir` (CI unset, so no progress bar).
fn pincheck_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_pincheck"))
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .expect("the pincheck binary runs");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `pincheck args` from the workspace root.
fn pincheck(args: &[&str]) -> Run {
    pincheck_in(&workspace(), args)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// s01's scenario file with each `(from, to)` edit applied, written to `dir` under its own name
/// (a goal or expectation changed the way a user would). Every `from` must be in the file, so an
/// edit of the scenario that moves the text fails here instead of testing the unedited file.
fn s01_edited(dir: &Path, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(scenario(S01)).expect("s01 is readable");
    for (from, to) in edits {
        assert!(text.contains(from), "s01 no longer contains {from:?}");
        text = text.replace(from, to);
    }
    let path = dir.join(format!("{S01}.toml"));
    std::fs::write(&path, text).expect("write the edited s01");
    path
}

// ---- a gate that cannot pass on nothing ------------------------------------------------------

#[test]
fn an_empty_folder_is_an_input_error_for_check_and_gate_and_no_certificate_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = pincheck(&["check", s(&empty)]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("nothing to check"), "{}", r.stderr);
    assert!(
        r.stderr.contains(s(&empty)),
        "names the folder: {}",
        r.stderr
    );
    assert!(!r.stdout.contains("PASSED"));

    let cert = dir.path().join("cert.json");
    let r = pincheck(&["gate", s(&empty), "--certificate", s(&cert)]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("gate: PASSED"), "{}", r.stdout);
    assert!(
        !cert.exists(),
        "no certificate for a run that checked nothing"
    );
}

#[test]
fn an_empty_shard_is_an_input_error() {
    let r = pincheck(&[
        "check",
        "--proposal",
        "bundle",
        "--kernel",
        "k53",
        "--shard",
        "3/3",
        s(&scenario(S01)),
    ]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("shard 3/3"), "{}", r.stderr);
}

#[test]
fn a_missing_default_folder_says_where_it_looked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = pincheck_in(dir.path(), &["check"]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("`scenarios` does not exist"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("repository root"), "{}", r.stderr);
}

// ---- ci/gate.sh --------------------------------------------------------------------------------

/// A folder with a stand-in `cargo` that reports this test's binary as the one it built (as
/// `cargo build --message-format=json` does, wherever CARGO_TARGET_DIR put it), or fails.
fn fake_cargo(builds: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = env!("CARGO_BIN_EXE_pincheck");
    let script = if builds {
        format!(
            "#!/bin/sh\n\
             echo '{{\"reason\":\"compiler-artifact\",\"package_id\":\"pincheck 0.1.0\",\"target\":{{\"kind\":[\"lib\"],\"name\":\"pincheck\"}},\"executable\":null}}'\n\
             echo '{{\"reason\":\"compiler-artifact\",\"package_id\":\"pincheck 0.1.0\",\"target\":{{\"kind\":[\"bin\"],\"crate_types\":[\"bin\"],\"name\":\"pincheck\"}},\"executable\":\"{exe}\",\"fresh\":true}}'\n\
             echo '{{\"reason\":\"build-finished\",\"success\":true}}'\n"
        )
    } else {
        "#!/bin/sh\necho 'error: could not compile `pincheck`' >&2\nexit 101\n".to_string()
    };
    let path = dir.path().join("cargo");
    std::fs::write(&path, script).unwrap();
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&path, perm).unwrap();
    dir
}

fn gate_sh(cargo: &Path, out: &Path, args: &[&str]) -> Run {
    let path = format!(
        "{}:{}",
        cargo.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .arg(workspace().join("ci/gate.sh"))
        .args(args)
        .env("PATH", path)
        .env("PINCHECK_OUT", out)
        .env_remove("CI")
        .output()
        .expect("bash runs");
    Run {
        status: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn gate_sh_runs_the_binary_cargo_built_and_prints_only_the_files_it_wrote() {
    let cargo = fake_cargo(true);
    let out = tempfile::tempdir().expect("temp dir");
    let cert = out.path().join("pincheck-certificate.json");
    let cell = ["--proposal", "bundle", "--kernel", "k53"];
    let mut args = cell.to_vec();
    let s01 = scenario(S01);
    args.push(s(&s01));
    let r = gate_sh(cargo.path(), out.path(), &args);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    for name in [
        "pincheck-certificate.json",
        "pincheck-junit.xml",
        "pincheck.sarif",
    ] {
        let p = out.path().join(name);
        assert!(p.exists(), "{name} written");
        assert!(r.stdout.contains(s(&p)), "{name} listed: {}", r.stdout);
    }

    // Nothing to check: exit 2, the old outputs are gone and no path is printed.
    let empty = out.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = gate_sh(cargo.path(), out.path(), &[s(&empty)]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        !cert.exists(),
        "an earlier certificate must not pass for this run's"
    );
    assert!(!r.stdout.contains("certificate:"), "{}", r.stdout);
    assert!(!r.stderr.contains("pincheck replay"), "{}", r.stderr);

    // A failing gate without a counterexample does not point at a replay line.
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = s01_edited(
        dir.path(),
        &[(
            "[expect.verdicts]\n",
            "[expect.verdicts]\n\"bundle@k53\" = \"fail(leak)\"\n",
        )],
    );
    let mut args = cell.to_vec();
    args.push(s(&wrong));
    let r = gate_sh(cargo.path(), out.path(), &args);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(cert.exists(), "a failed gate still certifies what it saw");
    assert!(!r.stderr.contains("replay"), "{}", r.stderr);
}

#[test]
fn gate_sh_exits_2_when_the_build_fails() {
    let cargo = fake_cargo(false);
    let out = tempfile::tempdir().expect("temp dir");
    let r = gate_sh(cargo.path(), out.path(), &[]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("the build failed"), "{}", r.stderr);
    assert!(!r.stdout.contains("certificate:"), "{}", r.stdout);
}

// ---- replay tokens in every machine format -----------------------------------------------------

const CELL_S01_RFC: [&str; 4] = ["--proposal", "rfc-v2", "--kernel", "k53"];

fn json_of(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}

/// The replay token of s01's use-after-free on rfc-v2@k53, from `check --format json`.
fn s01_token() -> String {
    let mut args = vec!["check", "--format", "json"];
    args.extend(CELL_S01_RFC);
    let s01 = scenario(S01);
    args.push(s(&s01));
    let r = pincheck(&args);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let v = json_of(&r);
    let f = &v[0]["findings"][0];
    assert_eq!(f["kind"], "use-after-free");
    let token = f["replay"]["token"].as_str().expect("a token").to_string();
    assert_eq!(
        f["replay"]["command"].as_str().unwrap(),
        format!("pincheck replay '{token}'"),
        "a scenario of the default folder needs no --scenarios"
    );
    token
}

#[test]
fn json_sarif_and_certificate_carry_each_findings_replay_token() {
    let token = s01_token();
    assert!(token.starts_with("pc1/s01_unplug_vs_last_close/rfc-v2@k53/"));

    // SARIF reports differing cells: claim rfc-v2 passes, so its finding is a result.
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = s01_edited(
        dir.path(),
        &[(
            "\"rfc-v2@k53\" = \"fail(use-after-free, warn)\"",
            "\"rfc-v2@k53\" = \"pass\"",
        )],
    );
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(CELL_S01_RFC);
    args.push(s(&wrong));
    let r = pincheck(&args);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let v = json_of(&r);
    let result = &v["runs"][0]["results"][0];
    let t = result["properties"]["replay"]
        .as_str()
        .expect("replay property");
    assert!(
        t.starts_with("pc1/s01_unplug_vs_last_close/rfc-v2@k53/"),
        "{t}"
    );
    let message = result["message"]["text"].as_str().unwrap();
    assert!(message.contains(&format!("'{t}'")), "{message}");
    // Outside the default folder, the command names the file.
    let canon = std::fs::canonicalize(&wrong).unwrap();
    assert!(
        message.contains(&format!("--scenarios '{}'", canon.display())),
        "{message}"
    );
    assert_eq!(
        result["properties"]["replays"][0]["replay"].as_str(),
        Some(t)
    );

    let cert = dir.path().join("cert.json");
    let mut args = vec!["gate", "--certificate", s(&cert)];
    args.extend(CELL_S01_RFC);
    let s01 = scenario(S01);
    args.push(s(&s01));
    let r = pincheck(&args);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&cert).unwrap()).unwrap();
    let f = &c["cells"][0]["findings"][0];
    assert_eq!(f["kind"], "use-after-free");
    assert_eq!(f["replay"].as_str(), Some(token.as_str()));
}

#[test]
fn diff_honours_format_json_and_refuses_junit() {
    let s01 = scenario(S01);
    let r = pincheck(&[
        "diff",
        "rfc-v2",
        "bundle",
        "--kernel",
        "k53",
        "--format",
        "json",
        s(&s01),
    ]);
    assert_eq!(r.status, 1, "a verdict changes: {}", r.stderr);
    let v = json_of(&r);
    assert_eq!(v["a"], "rfc-v2");
    let row = &v["rows"][0];
    assert_eq!(row["verdict_changed"], true);
    assert!(row["a"]["verdict"]
        .as_str()
        .unwrap()
        .starts_with("fail(use-after-free"));
    assert_eq!(row["b"]["verdict"], "pass");
    let gone = row["gone"].as_array().unwrap();
    assert!(gone
        .iter()
        .any(|o| o["outcome"].as_str().unwrap().starts_with("use-after-free")));
    assert!(
        gone[0]["executions"].is_object(),
        "counts per engine: {}",
        gone[0]
    );

    let r = pincheck(&["diff", "rfc-v2", "bundle", "--format", "junit", s(&s01)]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("--format text"), "{}", r.stderr);
}

#[test]
fn history_refuses_a_machine_format_it_does_not_write() {
    let r = pincheck(&["history", "--format", "json"]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("--format text"), "{}", r.stderr);
}

#[test]
fn a_cell_vacuous_as_expected_shows_its_details_only_when_asked() {
    // no-dax-pins refuses the pin S1 races on: vacuous, as the file lists it. Its notes say why
    // the goal's steps never ran; a plain check keeps them out of the way, --details shows them.
    let header = format!("== {S01} no-dax-pins@k53");
    let path = scenario(S01);
    let args = |details: bool| {
        let mut a = vec!["check", "--proposal", "no-dax-pins", "--kernel", "k53"];
        if details {
            a.push("--details");
        }
        a.push(s(&path));
        a
    };
    let plain = pincheck(&args(false));
    assert_eq!(plain.status, 0, "{}{}", plain.stdout, plain.stderr);
    assert!(
        plain.stdout.contains("1 cells: 1 as expected"),
        "{}",
        plain.stdout
    );
    assert!(!plain.stdout.contains(&header), "{}", plain.stdout);
    let detailed = pincheck(&args(true));
    assert_eq!(detailed.status, 0, "{}", detailed.stderr);
    assert!(detailed.stdout.contains(&header), "{}", detailed.stdout);
    assert!(
        detailed
            .stdout
            .contains("verdict vacuous, expected vacuous"),
        "{}",
        detailed.stdout
    );
    assert!(detailed.stdout.contains("never ran"), "{}", detailed.stdout);
}

// ---- replay from anywhere ----------------------------------------------------------------------

#[test]
fn a_printed_replay_line_works_from_another_folder_for_a_scenario_outside_the_default_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join(format!("{S01}.toml"));
    std::fs::copy(scenario(S01), &copy).unwrap();
    let mut args = vec!["check", "--details"];
    args.extend(CELL_S01_RFC);
    args.push(s(&copy));
    let r = pincheck(&args);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("pincheck replay "))
        .expect("a replay line");
    let canon = std::fs::canonicalize(&copy).unwrap();
    let file = format!("--scenarios '{}'", canon.display());
    assert!(line.contains(&file), "{line}");
    // Run it as a shell would, from an unrelated folder.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let o = Command::new("sh")
        .arg("-c")
        .arg(line.replacen("pincheck", env!("CARGO_BIN_EXE_pincheck"), 1))
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("BUG: KASAN: use-after-free"), "{out}");
}

#[test]
fn a_missing_scenario_says_where_it_looked_and_how_to_point_elsewhere() {
    let token = s01_token();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let r = pincheck_in(elsewhere.path(), &["replay", &token]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("`scenarios` (does not exist)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--scenarios PATH"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("[\""),
        "no Debug-printed list: {}",
        r.stderr
    );
    // Pointing at the folder works from anywhere.
    let dir = workspace().join("scenarios");
    let r = pincheck_in(
        elsewhere.path(),
        &["replay", "--scenarios", s(&dir), &token],
    );
    assert_eq!(r.status, 1, "{}", r.stderr);
}

// ---- replay --until ----------------------------------------------------------------------------

/// `replay --format json` of the token, with more arguments.
fn replay_json(token: &str, more: &[&str]) -> (i32, Value) {
    let mut args = vec!["replay", token, "--format", "json"];
    args.extend_from_slice(more);
    let r = pincheck(&args);
    assert!(r.status == 0 || r.status == 1, "{}", r.stderr);
    (r.status, json_of(&r))
}

fn graph_line<'a>(v: &'a Value, object: &str) -> &'a str {
    v["graph"]
        .as_array()
        .expect("a graph")
        .iter()
        .filter_map(Value::as_str)
        .find(|l| l.starts_with(object))
        .unwrap_or_else(|| panic!("{object} in the graph: {v}"))
}

#[test]
fn until_shows_the_state_after_exactly_that_step_and_exits_by_the_prefix() {
    let token = s01_token();
    let (status, whole) = replay_json(&token, &[]);
    assert_eq!(status, 1);
    let steps = whole["steps"].as_array().unwrap();
    let free = steps
        .iter()
        .position(|e| e["thread"] == "close" && e["step"] == "file_free_rcu")
        .expect("close frees the file");
    let uaf = whole["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "use-after-free")
        .expect("the use-after-free")["step"]
        .as_u64()
        .unwrap() as usize;
    assert!(uaf > free);

    // Before the free's step: the file is live; after it: freed, at exactly that step.
    let (_, before) = replay_json(&token, &["--until", &(free - 1).to_string()]);
    let (_, at) = replay_json(&token, &["--until", &free.to_string()]);
    assert!(graph_line(&before, "file#0").contains("live"), "{before}");
    assert!(graph_line(&at, "file#0").contains("FREED"), "{at}");
    assert_eq!(
        at["steps"].as_array().unwrap().len(),
        free + 1,
        "steps 0..=N"
    );
    assert_eq!(at["until"], free);

    // The exit status says whether the shown prefix holds a finding: none before the first one's
    // step, that one from its step on; each finding appears from its own step.
    let kinds = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let first = whole["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["step"].as_u64().unwrap() as usize)
        .min()
        .unwrap();
    let (s1, v1) = replay_json(&token, &["--until", &(first - 1).to_string()]);
    let (s2, v2) = replay_json(&token, &["--until", &first.to_string()]);
    assert_eq!((s1, kinds(&v1).len()), (0, 0));
    assert_eq!(s2, 1);
    assert!(!kinds(&v2).is_empty());
    let (_, before) = replay_json(&token, &["--until", &(uaf - 1).to_string()]);
    let (s3, at) = replay_json(&token, &["--until", &uaf.to_string()]);
    assert!(!kinds(&before).contains(&"use-after-free".to_string()));
    assert!(kinds(&at).contains(&"use-after-free".to_string()));
    assert_eq!(s3, 1);

    // Step 0 exists; a step past the end is an input error.
    let (s0, v0) = replay_json(&token, &["--until", "0"]);
    assert_eq!((s0, v0["steps"].as_array().unwrap().len()), (0, 1));
    assert!(!v0["graph"].as_array().unwrap().is_empty());
    let r = pincheck(&["replay", &token, "--until", &steps.len().to_string()]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr
            .contains(&format!("numbered 0 to {}", steps.len() - 1)),
        "{}",
        r.stderr
    );
    // The last step: the state at the end.
    let (_, last) = replay_json(&token, &["--until", &(steps.len() - 1).to_string()]);
    assert!(graph_line(&last, "file#0").contains("FREED"));
}

#[test]
fn until_shows_the_object_graph_in_every_format() {
    let token = s01_token();
    let n = "77";
    for format in ["text", "mermaid", "svg", "html", "json"] {
        let r = pincheck(&["replay", &token, "--until", n, "--format", format]);
        assert!(r.status == 0 || r.status == 1, "{format}: {}", r.stderr);
        if format == "json" {
            let v = json_of(&r);
            assert_eq!(v["until"], 77);
            assert!(!v["graph"].as_array().unwrap().is_empty());
        } else {
            assert!(
                r.stdout.contains("object graph after step 77"),
                "{format} shows the graph: {}",
                r.stdout
            );
        }
        // Mermaid writes `#` as its entity code.
        let object = if format == "mermaid" {
            "file#35;1"
        } else {
            "file#1"
        };
        assert!(r.stdout.contains(object), "{format}");
        if format == "svg" {
            roxmltree::Document::parse(&r.stdout).expect("the SVG parses");
        }
    }
}

// ---- reports: unfolded, ended at a deadlock ------------------------------------------------------

/// The token of the first finding of `scenario` on `proposal@kernel`.
fn token_of(scenario_name: &str, proposal: &str, kernel: &str) -> String {
    let path = scenario(scenario_name);
    let r = pincheck(&[
        "check",
        "--format",
        "json",
        "--proposal",
        proposal,
        "--kernel",
        kernel,
        s(&path),
    ]);
    let v = json_of(&r);
    v[0]["findings"][0]["replay"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("a finding: {v}"))
        .to_string()
}

/// Step numbers at the start of the trace's lines.
fn step_numbers(report: &str) -> Vec<usize> {
    report
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn unfold_shows_every_step() {
    let token = s01_token();
    let folded = pincheck(&["replay", &token]);
    let whole = pincheck(&["replay", &token, "--unfold"]);
    assert_eq!(whole.status, 1);
    assert!(folded.stdout.contains("steps folded"));
    assert!(!whole.stdout.contains("folded"), "{}", whole.stdout);
    let (_, v) = replay_json(&token, &[]);
    let n = v["steps"].as_array().unwrap().len();
    assert_eq!(step_numbers(&whole.stdout), (0..n).collect::<Vec<_>>());
}

#[test]
fn a_deadlock_trace_ends_at_the_deadlock() {
    let token = token_of("s03_exit_with_mmap_vs_unplug", "rfc-v2", "sync-fput");
    let (_, v) = replay_json(&token, &[]);
    let at = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "deadlock")
        .expect("a deadlock")["step"]
        .as_u64()
        .unwrap() as usize;
    assert!(
        at + 1 < v["steps"].as_array().unwrap().len(),
        "the model unwinds after it"
    );
    for args in [vec!["replay", &token], vec!["replay", &token, "--unfold"]] {
        let r = pincheck(&args);
        let numbers = step_numbers(&r.stdout);
        assert_eq!(numbers.last(), Some(&at), "{}", r.stdout);
        assert!(
            r.stdout.contains("the trace ends at the deadlock"),
            "{}",
            r.stdout
        );
    }
}

// ---- step names: listed, and checked when a scenario is loaded ----------------------------------

#[test]
fn steps_lists_each_threads_steps_with_the_model_function_that_writes_them() {
    let s01 = scenario(S01);
    let r = pincheck(&["steps", "--format", "json", s(&s01)]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let v = json_of(&r);
    let threads = v[0]["threads"].as_array().unwrap();
    let names: Vec<&str> = threads
        .iter()
        .map(|t| t["thread"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["setup", "unplug", "close"]);
    let step = |thread: &str, step: &str| -> Option<Value> {
        let t = threads.iter().find(|t| t["thread"] == thread)?;
        t["steps"]
            .as_array()?
            .iter()
            .find(|x| x["step"] == step)
            .cloned()
    };
    // The goal of s01 names three steps; each is listed under its thread.
    let fput = step("close", "filp_close.fput").expect("close runs filp_close.fput");
    assert_eq!(fput["sites"][0]["function"], "close_fd");
    assert!(fput["sites"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("process.rs"));
    assert!(step("unplug", "destroy_ufile_hw.down_write").is_some());
    assert!(step("unplug", "ib_umem_release.unpin_user_pages").is_some());
    assert!(step("close", "destroy_ufile_hw.down_write").is_some());
    // Proposal- and kernel-specific steps say where they ran.
    let trylock = step("close", "destroy_ufile_hw.trylock_ucontext").expect("k53 trylock");
    let kernels = trylock["kernels"].as_array().unwrap();
    assert!(kernels.contains(&"k53".into()) && !kernels.contains(&"k56".into()));
    assert_eq!(trylock["locks"], serde_json::json!(["ucontext_lock"]));
    let f_owner = step("unplug", "remove_file_pin.f_owner").expect("RFC unpin");
    assert!(!f_owner["proposals"]
        .as_array()
        .unwrap()
        .contains(&"bundle".into()));

    let r = pincheck(&["steps", s(&s01)]);
    assert!(r.stdout.contains("thread close"));
    assert!(r.stdout.contains("filp_close.fput"));
    assert!(r.stdout.contains("only k53"), "{}", r.stdout);
}

#[test]
fn a_goal_naming_a_step_the_model_lacks_fails_at_load_with_a_real_suggestion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = s01_edited(
        dir.path(),
        &[("\"close:filp_close.fput\"", "\"close:filp_close.put\"")],
    );
    let r = pincheck(&["check", s(&path)]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.is_empty(),
        "refused before exploring: {}",
        r.stdout
    );
    assert!(
        r.stderr.contains("the model has no step `filp_close.put`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean `filp_close.fput`?"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pincheck steps"), "{}", r.stderr);
    // A function the model does not have still gets the nearest real names.
    let path = s01_edited(
        dir.path(),
        &[(
            "\"unplug:destroy_ufile_hw.down_write\"",
            "\"unplug:destroy_ufile.down_write\"",
        )],
    );
    let r = pincheck(&["check", s(&path)]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr
            .contains("did you mean `destroy_ufile_hw.down_write`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_real_step_its_thread_never_runs_is_a_note_naming_that_threads_steps() {
    let dir = tempfile::tempdir().expect("temp dir");
    // `close` never runs device removal's steps.
    let path = s01_edited(
        dir.path(),
        &[(
            "\"close:filp_close.fput\"",
            "\"close:free_hw_resources.kref_get\"",
        )],
    );
    let r = pincheck(&[
        "check",
        "--proposal",
        "bundle",
        "--kernel",
        "k56",
        "--details",
        s(&path),
    ]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(r.stdout.contains("vacuous"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("thread `close` never executed `free_hw_resources.kref_get`"),
        "{}",
        r.stdout
    );
}

// ---- one vocabulary, a matrix within 100 columns -------------------------------------------------

#[test]
fn short_kind_names_are_accepted_in_scenario_files_and_the_hint_gives_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = s01_edited(
        dir.path(),
        &[
            (
                "\"rfc-v2@k53\" = \"fail(use-after-free, warn)\"",
                "\"rfc-v2@k53\" = \"fail(uaf, warn)\"",
            ),
            (
                "never = [\"any\"]",
                "never = [\"uaf\", \"dlock\", \"leak\"]\nnever_reason = \"short names\"",
            ),
        ],
    );
    let r = pincheck(&["check", "--proposal", "rfc-v2", "--kernel", "k53", s(&path)]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("uaf"));

    let path = s01_edited(
        dir.path(),
        &[(
            "fail(use-after-free, warn)\"\n\"clear",
            "fail(uaff)\"\n\"clear",
        )],
    );
    let r = pincheck(&["check", s(&path)]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("did you mean `uaf`?"), "{}", r.stderr);
    assert!(r.stderr.contains("use-after-free (uaf)"), "{}", r.stderr);
}

#[test]
fn the_matrix_fits_100_columns_marks_pre_fix_kernels_and_counts_per_engine() {
    let r = pincheck(&[
        "check",
        s(&scenario("s05_double_dereg")),
        s(&scenario("s06_fd_uobject_lookup_put_vs_release")),
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    // The matrix and its legend; the details of cells with notes that follow keep their lines.
    for line in r.stdout.lines().take_while(|l| !l.starts_with("== ")) {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    // s05 on v5.6, a row of the history table: the kernel without c85f4abe66be. Not one text
    // for every proposal: no-dax-pins registers no MR on the DAX file, so there is nothing to
    // destroy twice (vacuous).
    let row = r
        .stdout
        .lines()
        .skip_while(|l| *l != "s05_double_dereg")
        .find(|l| l.trim_start().starts_with("v5.6 "))
        .expect("the pre-fix row");
    assert!(row.contains("v5.6 *"), "{row}");
    assert!(!row.contains("(every proposal)"), "{row}");
    // s06 on v5.6 (without f0abc761bbb9) needs no pin: every proposal warns, printed once.
    let row = r
        .stdout
        .lines()
        .skip_while(|l| *l != "s06_fd_uobject_lookup_put_vs_release")
        .find(|l| l.trim_start().starts_with("v5.6 "))
        .expect("the pre-fix row");
    assert!(row.contains("v5.6 *"), "{row}");
    assert!(row.contains("warn (every proposal)"), "{row}");
    assert!(
        r.stdout
            .contains("*v5.6 in s05_double_dereg: the kernel without c85f4abe66be"),
        "{}",
        r.stdout
    );
    assert!(!r
        .stdout
        .lines()
        .any(|l| l.trim_start().starts_with("k53 *")));
    assert!(
        r.stdout
            .contains("executions, per engine (never summed): loom "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("use-after-free (uaf)"));
}

#[test]
fn a_warning_about_a_goal_quotes_it() {
    // A goal `unplug` can never reach (it does not join). rfc-v2@k53 is expected to fail: its
    // finding comes without the goal's race, and the gate warns, quoting the goal. bundle@k56,
    // listed as `vacuous`, meets that expectation exactly and gets no warning.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = s01_edited(
        dir.path(),
        &[
            (
                "{ between = \"close:filp_close.fput\", after = \"unplug:destroy_ufile_hw.down_write\"",
                "{ between = \"close:filp_close.fput\", after = \"unplug:join\"",
            ),
            (
                "[expect.verdicts]\n",
                "[expect.verdicts]\n\"bundle@k56\" = \"vacuous\"\n",
            ),
        ],
    );
    let gate = |proposal: &str, kernel: &str| {
        pincheck(&[
            "gate",
            "--proposal",
            proposal,
            "--kernel",
            kernel,
            "--certificate",
            s(&dir.path().join("c.json")),
            s(&path),
        ])
    };
    let quoted = "sometimes goal #1 { between = \"close:filp_close.fput\", after = \"unplug:join\"";

    let r = gate("rfc-v2", "k53");
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains(&format!("warning[goal] {S01} rfc-v2@k53: {quoted}")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("(the expected finding may prevent it)"),
        "{}",
        r.stdout
    );

    let r = gate("bundle", "k56");
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("warning[goal]"), "{}", r.stdout);
    assert!(r.stdout.contains("0 warning(s)"), "{}", r.stdout);
}

// ---- objects named by role ---------------------------------------------------------------------

#[test]
fn reports_name_objects_by_their_role_in_the_scenario() {
    let token = s01_token();
    let (_, whole) = replay_json(&token, &[]);
    let uaf = whole["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "use-after-free")
        .expect("the use-after-free")["step"]
        .as_u64()
        .unwrap();
    let r = pincheck(&["replay", &token, "--until", &uaf.to_string()]);
    // The setup state, its wrapped continuation lines joined.
    let setup = r
        .stdout
        .lines()
        .skip_while(|l| !l.contains("state after setup:"))
        .take_while(|l| l.contains("state after setup:") || l.starts_with("        "))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(setup.contains("file#0 (uverbs0 fd0) f_count 1"), "{setup}");
    assert!(setup.contains("file#1 (dax0 dfd) f_count 2"), "{setup}");
    assert!(
        r.stdout
            .contains("Read of f_owner->file_pins of file#0 (uverbs0 fd0) by task unplug"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  file#0 (uverbs0 fd0): FREED by close"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  mm#0 (p0): live"), "{}", r.stdout);
    assert!(r.stdout.contains("  uobject#0 (mr0): live"), "{}", r.stdout);
    let (_, v) = replay_json(&token, &[]);
    assert_eq!(v["roles"]["file#0"], "uverbs0 fd0");
    assert_eq!(v["roles"]["file#1"], "dax0 dfd");
    assert_eq!(v["roles"]["file_lock#0"], "dfd lease");
}

// ---- set-up ------------------------------------------------------------------------------------

/// `cargo test --release` shares the release build's dependencies; the model's bookkeeping checks
/// (debug assertions in a debug build) stay on through its `self-checks` feature.
#[test]
fn the_suite_runs_the_model_with_its_self_checks() {
    // A build setting, read at run time: a test binary built without the feature fails here.
    let on = std::hint::black_box(pincheck_model::SELF_CHECKS);
    assert!(on, "the model's self-checks are off in this test build");
}
