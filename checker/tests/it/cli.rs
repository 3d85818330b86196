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
fn a_kernel_filter_matching_no_scenario_is_an_input_error_naming_it() {
    let r = pincheck(&["check", "--kernel", "sync-fput", s(&scenario(S01))]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("--kernel sync-fput"), "{}", r.stderr);
    assert!(
        r.stderr.contains("k53, k56"),
        "lists what they run on: {}",
        r.stderr
    );
    // One filter that matches is not enough: every filter must select something.
    let r = pincheck(&[
        "gate",
        "--kernel",
        "k53",
        "--kernel",
        "sync-fput",
        "--proposal",
        "bundle",
        s(&scenario(S01)),
        "--certificate",
        "/nonexistent/never-written.json",
    ]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("--kernel sync-fput"), "{}", r.stderr);
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
    let wrong = dir.path().join(format!("{S01}.toml"));
    let text = std::fs::read_to_string(&s01).unwrap();
    std::fs::write(
        &wrong,
        text.replace(
            "[expect.verdicts]\n",
            "[expect.verdicts]\n\"bundle@k53\" = \"fail(leak)\"\n",
        ),
    )
    .unwrap();
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
