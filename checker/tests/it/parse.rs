//! Scenario parsing: the happy path, one test per error class (exact line:column, message and
//! hint), the repository's scenarios, and a property test that no input panics the parser.

use std::path::{Path, PathBuf};

use pincheck::error::Error;
use pincheck::explore::Preemptions;
use pincheck::scenario::{self, Diagnostic, ExpectedVerdict, Goal, Scenario, ScenarioErrors};
use pincheck_model::oracle::FindingKind;
use pincheck_model::program::{Op, ProcfsKind, ThreadProgram};
use proptest::prelude::*;

/// The example of the format, with a third thread so that the `probe` observation is bound.
const VALID: &str = r#"format = 1
name = "s01_example"
summary = "Device removal races the last close of the uverbs fd while an MR is live."
sources = ["https://lore.kernel.org/r/20190813203858.GA12695@iweiny-DESK2.sc.intel.com"]
kernels = ["k53", "k56"]
preemptions = "unbounded"
exhaustive = true
processes = ["p0", "admin"]
devices = ["uverbs0"]
data_files = ["dax0"]
exit_at_quiescence = ["p0"]

setup = [
  { op = "open", process = "p0", device = "uverbs0", as = "fd0" },
  { op = "get_context", process = "p0", fd = "fd0" },
  { op = "reg_mr", process = "p0", fd = "fd0", file = "dax0", pages = 2, as = "mr0" },
]

[[threads]]
name = "unplug"
ops = [ { op = "remove_device", device = "uverbs0" } ]

[[threads]]
name = "close"
process = "p0"
ops = [ { op = "close", fd = "fd0" } ]

[[threads]]
name = "admin"
process = "admin"
ops = [
  { op = "procfs_read", target = "p0", kind = "fdinfo", fd = "fd0", as = "probe" },
  { op = "truncate", file = "dax0", as = "trunc" },
]

[expect]
never = ["use-after-free", "double-free", "refcount-underflow", "refcount-inc-from-zero", "unpin-twice", "deadlock", "procfs-lie", "warn", "null-ptr-deref", "ref-tracker"]
never_reason = "counted-backptr leaks by design (the S2 cycle) and is judged by its verdicts"
sometimes = [
  { between = "close:filp_close.fput", after = "unplug:destroy_ufile_hw.lock_ucontext", before = "unplug:ib_umem_release.unpin_user_pages" },
  { observe = "probe", equals = "fd3: dax0" },
  { observe = "probe", contains = "dax0" },
]
[expect.verdicts]
"rfc-v2@k53" = "fail(use-after-free)"
"counted-backptr@*" = "fail(leak)"
"context@k56" = "pass"
"#;

const PATH: &str = "scenarios/s01_example.toml";

fn parse(src: &str) -> Result<Scenario, ScenarioErrors> {
    scenario::parse_str(Path::new(PATH), src)
}

/// All errors of `src`, which must not parse.
fn errors(src: &str) -> Vec<Diagnostic> {
    match parse(src) {
        Ok(_) => panic!("parsed, expected errors:\n{src}"),
        Err(e) => {
            assert!(!e.errors.is_empty());
            e.errors
        }
    }
}

/// `VALID` with `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "fixture lacks {from:?}");
    VALID.replacen(from, to, 1)
}

/// The one error whose message contains `msg`, at `line:col`, with a hint containing `hint`.
#[track_caller]
fn assert_error(errs: &[Diagnostic], line: usize, col: usize, msg: &str, hint: Option<&str>) {
    let all = errs
        .iter()
        .map(|d| d.plain())
        .collect::<Vec<_>>()
        .join("\n");
    let d = errs
        .iter()
        .find(|d| d.message.contains(msg))
        .unwrap_or_else(|| panic!("no error with {msg:?} in:\n{all}"));
    assert_eq!(
        (d.line, d.column),
        (line, col),
        "position of {msg:?} in:\n{all}"
    );
    if let Some(h) = hint {
        let ok = d.hint.as_deref().is_some_and(|x| x.contains(h));
        assert!(
            ok,
            "hint of {msg:?} lacks {h:?}:
{all}"
        );
    }
}

/// The 1-based line of the first line of `VALID`-like `src` containing `needle`, and the column of
/// `needle` in it.
fn pos(src: &str, needle: &str) -> (usize, usize) {
    for (i, l) in src.lines().enumerate() {
        if let Some(c) = l.find(needle) {
            return (i + 1, l[..c].chars().count() + 1);
        }
    }
    panic!("{needle:?} not in source")
}

#[track_caller]
fn assert_at(src: &str, needle: &str, msg: &str, hint: Option<&str>) {
    let (line, col) = pos(src, needle);
    assert_error(&errors(src), line, col, msg, hint);
}

#[test]
fn happy_path_builds_the_program_and_expectations() {
    let s = parse(VALID).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "s01_example");
    assert_eq!(s.kernels, ["k53", "k56"]);
    assert_eq!(
        (s.preemptions, s.exhaustive),
        (Some(Preemptions::Unbounded), true)
    );
    // 64-bit FNV-1a of VALID's bytes, computed outside pincheck (Python, the FNV reference
    // offset basis and prime); recompute it when VALID changes.
    assert_eq!(s.hash, "99a761002a8c72db");
    let p = &s.program;
    assert_eq!(p.processes, ["p0", "admin"]);
    assert_eq!(
        (p.devices.as_slice(), p.data_files.as_slice()),
        (&["uverbs0".to_string()][..], &["dax0".to_string()][..])
    );
    assert_eq!(p.exit_at_quiescence, ["p0"]);
    let (p0, fd0) = (|| "p0".to_string(), || "fd0".to_string());
    assert_eq!(
        p.setup,
        [
            Op::Open {
                process: p0(),
                device: "uverbs0".into(),
                fd: fd0()
            },
            Op::GetContext {
                process: p0(),
                fd: fd0()
            },
            Op::RegMr {
                process: p0(),
                fd: fd0(),
                file: "dax0".into(),
                pages: 2,
                mr: "mr0".into()
            },
        ]
    );
    assert_eq!(
        p.threads,
        [
            ThreadProgram {
                name: "unplug".into(),
                ops: vec![Op::RemoveDevice {
                    device: "uverbs0".into()
                }]
            },
            ThreadProgram {
                name: "close".into(),
                ops: vec![Op::Close {
                    process: p0(),
                    fd: fd0()
                }]
            },
            ThreadProgram {
                name: "admin".into(),
                ops: vec![
                    Op::ProcfsRead {
                        process: "admin".into(),
                        target: p0(),
                        kind: ProcfsKind::Fdinfo,
                        fd: Some(fd0()),
                        label: "probe".into()
                    },
                    Op::Truncate {
                        process: "admin".into(),
                        file: "dax0".into(),
                        label: "trunc".into()
                    },
                ],
            },
        ]
    );
    use FindingKind::*;
    assert_eq!(
        s.expect.never,
        [
            UseAfterFree,
            DoubleFree,
            RefcountUnderflow,
            RefcountIncFromZero,
            UnpinTwice,
            Deadlock,
            ProcfsLie,
            Warn,
            NullDeref,
            RefTracker
        ]
    );
    assert_eq!(
        s.expect.never_reason.as_deref(),
        Some("counted-backptr leaks by design (the S2 cycle) and is judged by its verdicts")
    );
    let e = &s.expect;
    assert_eq!(
        e.verdict_for("rfc-v2", "k53"),
        Some(&ExpectedVerdict::Fail(vec![FindingKind::UseAfterFree]))
    );
    assert_eq!(e.verdict_for("rfc-v2", "k56"), None);
    assert_eq!(
        e.verdict_for("counted-backptr", "k56")
            .map(|v| v.to_string())
            .as_deref(),
        Some("fail(leak)")
    );
    assert_eq!(
        e.verdict_for("context", "k56"),
        Some(&ExpectedVerdict::Pass)
    );
    let step = |t: &str, s: &str| (t.to_string(), s.to_string());
    assert_eq!(
        e.sometimes,
        [
            Goal::Between {
                step: step("close", "filp_close.fput"),
                after: step("unplug", "destroy_ufile_hw.lock_ucontext"),
                before: step("unplug", "ib_umem_release.unpin_user_pages")
            },
            Goal::Observe {
                label: "probe".into(),
                equals: Some("fd3: dax0".into()),
                contains: None
            },
            Goal::Observe {
                label: "probe".into(),
                equals: None,
                contains: Some("dax0".into())
            },
        ]
    );
    assert_eq!(s.spans.threads, [19, 23, 28]);
    assert_eq!(s.spans.setup_ops, [14, 15, 16]);
    assert_eq!(s.spans.thread_ops, [vec![21], vec![26], vec![32, 33]]);
    assert_eq!(s.spans.op_line(Some(2), 1), Some(33));
    assert_eq!(s.spans.expect, 36);
    assert_eq!(s.spans.sometimes, [40, 41, 42]);
    assert_eq!(s.spans.verdicts, [45, 46, 47]);
}

#[test]
fn defaults_apply_when_optional_keys_are_absent() {
    let src = VALID
        .replace("kernels = [\"k53\", \"k56\"]\n", "")
        .replace("preemptions = \"unbounded\"\n", "")
        .replace("exhaustive = true\n", "")
        .replace("pages = 2, ", "");
    let s = parse(&src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.kernels, ["k53", "k56"]);
    assert_eq!((s.preemptions, s.exhaustive), (None, false));
    assert!(matches!(
        s.program.setup.get(2),
        Some(Op::RegMr { pages: 1, .. })
    ));
}

#[test]
fn verdict_display_is_the_grammar_text() {
    let v = ExpectedVerdict::Fail(vec![
        FindingKind::UseAfterFree,
        FindingKind::RefcountIncFromZero,
    ]);
    assert_eq!(
        v.to_string(),
        "fail(use-after-free, refcount-inc-from-zero)"
    );
    assert_eq!(ExpectedVerdict::BoundReached.to_string(), "bound-reached");
    assert_eq!(ExpectedVerdict::Vacuous.to_string(), "vacuous");
    let src = edit(
        "\"context@k56\" = \"pass\"",
        "\"context@*\" = \"vacuous\"\n\"context@k56\" = \"bound-reached\"",
    );
    let s = parse(&src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.expect.verdict_for("context", "k56"),
        Some(&ExpectedVerdict::BoundReached)
    );
    assert_eq!(
        s.expect.verdict_for("context", "k53"),
        Some(&ExpectedVerdict::Vacuous)
    );
}

#[test]
fn toml_syntax_error_has_the_toml_position() {
    let src = edit("name = \"unplug\"", "name = \"unplug");
    let (line, _) = pos(&src, "name = \"unplug");
    let errs = errors(&src);
    let d = errs
        .iter()
        .find(|d| d.message.starts_with("TOML syntax"))
        .expect("a syntax error");
    assert_eq!(d.line, line);
    assert!(d.column >= 8, "{d}");
}

#[test]
fn syntax_error_fixture_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/bad/syntax.toml");
    match scenario::load(&path) {
        Err(Error::Scenario(e)) => {
            let d = e.errors.first().expect("an error");
            assert_eq!((d.line, d.column), (3, 11), "{e}");
            assert!(d.message.starts_with("TOML syntax"), "{e}");
            assert!(
                e.to_string()
                    .contains("bad/syntax.toml:3:11: error: TOML syntax"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_format() {
    assert_at(
        &edit("format = 1", "format = 2"),
        "2",
        "unsupported scenario format 2",
        Some("format 1"),
    );
    assert_at(
        &edit("format = 1", "format = \"1\""),
        "\"1\"",
        "`format` must be an integer, found a string",
        None,
    );
}

#[test]
fn missing_and_unknown_top_level_keys() {
    let errs = errors(&VALID.replace(
        "summary = \"Device removal races the last close of the uverbs fd while an MR is live.\"\n",
        "",
    ));
    assert_error(&errs, 1, 1, "missing key `summary`", None);
    assert_at(
        &edit("devices =", "device ="),
        "device =",
        "unknown key `device` in the scenario",
        Some("did you mean `devices`?"),
    );
}

#[test]
fn wrong_type() {
    assert_error(
        &errors(&edit("exhaustive = true", "exhaustive = 1")),
        7,
        14,
        "`exhaustive` must be a boolean",
        None,
    );
    let src = edit("preemptions = \"unbounded\"", "preemptions = 9");
    assert_error(
        &errors(&src),
        6,
        15,
        "`preemptions` must be between 0 and 6, found 9",
        None,
    );
    let src = edit("preemptions = \"unbounded\"", "preemptions = \"forever\"");
    assert_error(
        &errors(&src),
        6,
        15,
        "`preemptions` must be an integer or \"unbounded\", found \"forever\"",
        Some("`preemptions = \"unbounded\"` has no bound"),
    );
}

/// `exhaustive = true` means a search without a preemption bound: a numeric bound beside it is
/// refused where it is written, and without `exhaustive` the number is the scenario's bound.
#[test]
fn an_exhaustive_scenario_has_no_preemption_bound() {
    let src = edit("preemptions = \"unbounded\"", "preemptions = 4");
    assert_error(
        &errors(&src),
        6,
        15,
        "`preemptions = 4` contradicts `exhaustive = true`, which searches without a preemption bound",
        Some("remove `preemptions`"),
    );
    let src = src.replace("exhaustive = true\n", "");
    let s = parse(&src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (s.preemptions, s.exhaustive),
        (Some(Preemptions::Bound(4)), false)
    );
    let src = VALID.replace("preemptions = \"unbounded\"\n", "");
    let s = parse(&src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.preemptions, s.exhaustive), (None, true));
}

#[test]
fn name_must_equal_the_file_stem() {
    let src = edit("name = \"s01_example\"", "name = \"s01_other\"");
    assert_at(
        &src,
        "\"s01_other\"",
        "scenario name `s01_other` does not match the file name `s01_example`",
        Some("name = \"s01_example\""),
    );
}

#[test]
fn too_few_threads() {
    let src = edit("[[threads]]\nname = \"close\"\nprocess = \"p0\"\nops = [ { op = \"close\", fd = \"fd0\" } ]\n\n", "")
        .replace("[[threads]]\nname = \"admin\"", "[admin]\nname = \"admin\"");
    let errs = errors(&src);
    assert_error(
        &errs,
        19,
        3,
        "1 thread(s); a scenario has 2 to 4 threads",
        Some("add a `[[threads]]`"),
    );
}

#[test]
fn too_many_threads() {
    let extra = "[[threads]]\nname = \"t4\"\nprocess = \"p0\"\nops = [ { op = \"mmap\", fd = \"fd0\" } ]\n\n\
                 [[threads]]\nname = \"t5\"\nprocess = \"p0\"\nops = [ { op = \"mmap\", fd = \"fd0\" } ]\n\n[expect]";
    let src = edit("[expect]", extra);
    let (line, _) = pos(&src, "name = \"t5\"");
    assert_error(
        &errors(&src),
        line - 1,
        1,
        "5 threads; a scenario has 2 to 4 threads",
        Some("split"),
    );
}

#[test]
fn too_many_ops_in_a_thread() {
    let many = vec!["{ op = \"mmap\", fd = \"fd0\" }"; 17].join(",\n  ");
    let src = edit(
        "ops = [ { op = \"close\", fd = \"fd0\" } ]",
        &format!("ops = [\n  {many},\n]"),
    );
    let errs = errors(&src);
    let (line, _) = pos(&src, "name = \"close\"");
    // The 17th op: `ops = [` is two lines below the name, then one op per line.
    assert_error(
        &errs,
        line + 2 + 17,
        3,
        "thread `close` has 17 operations; at most 16 are allowed",
        None,
    );
}

#[test]
fn file_too_big() {
    let src = format!("{VALID}\n#{}\n", "x".repeat(scenario::SCENARIO_BYTES_MAX));
    let errs = errors(&src);
    assert_eq!(errs.len(), 1, "checked before parsing");
    assert_error(
        &errs,
        1,
        1,
        "a scenario is at most 65536 bytes",
        Some("split"),
    );
}

#[test]
fn file_too_big_through_load() {
    let dir = std::env::temp_dir().join(format!("pincheck-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s99_big.toml");
    std::fs::write(&path, "#".repeat(scenario::SCENARIO_BYTES_MAX + 10)).unwrap();
    match scenario::load(&path) {
        Err(Error::Scenario(e)) => {
            assert!(e.errors[0].message.contains("at most 65536 bytes"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_op_suggests_the_nearest() {
    let src = edit("{ op = \"reg_mr\"", "{ op = \"reg_mrr\"");
    assert_at(
        &src,
        "\"reg_mrr\"",
        "unknown operation `reg_mrr`",
        Some("did you mean `reg_mr`?"),
    );
}

#[test]
fn unknown_op_fixture_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/bad/unknown_op.toml");
    match scenario::load(&path) {
        Err(Error::Scenario(e)) => {
            let d = e
                .errors
                .iter()
                .find(|d| d.message.contains("unknown operation"))
                .expect("the error");
            assert_eq!((d.line, d.column), (16, 15), "{e}");
            assert_eq!(d.hint.as_deref(), Some("did you mean `dereg_mr`?"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_argument() {
    let src = edit(
        "fd = \"fd0\", file = \"dax0\"",
        "fd = \"fd0\", flie = \"dax0\"",
    );
    let errs = errors(&src);
    assert_at(
        &src,
        "flie",
        "unknown argument `flie` for `reg_mr`",
        Some("did you mean `file`?"),
    );
    let (line, col) = pos(&src, "\"reg_mr\"");
    assert_error(
        &errs,
        line,
        col,
        "`reg_mr` is missing argument `file`",
        None,
    );
}

#[test]
fn missing_argument() {
    let src = edit("{ op = \"close\", fd = \"fd0\" }", "{ op = \"close\" }");
    assert_at(
        &src,
        "\"close\" }",
        "`close` is missing argument `fd`",
        None,
    );
    let src = edit(
        "{ op = \"get_context\", process = \"p0\", fd = \"fd0\" }",
        "{ op = \"get_context\", fd = \"fd0\" }",
    );
    assert_at(
        &src,
        "\"get_context\"",
        "`get_context` is missing argument `process`",
        Some("setup has no default `process`"),
    );
    let src = edit("kind = \"fdinfo\", fd = \"fd0\", ", "kind = \"fdinfo\", ");
    assert_at(
        &src,
        "\"fdinfo\"",
        "`procfs_read` of kind `fdinfo` is missing argument `fd`",
        None,
    );
}

/// `open` names a uverbs device or a data file: exactly one of them.
#[test]
fn open_takes_a_device_or_a_file() {
    let src = edit(
        "{ op = \"open\", process = \"p0\", device = \"uverbs0\", as = \"fd0\" }",
        "{ op = \"open\", process = \"p0\", as = \"fd0\" }",
    );
    assert_at(
        &src,
        "\"open\"",
        "`open` is missing argument `device` or `file`",
        Some("a data file (`file = \"dax0\"`)"),
    );
    let src = edit(
        "device = \"uverbs0\", as = \"fd0\"",
        "device = \"uverbs0\", file = \"dax0\", as = \"fd0\"",
    );
    assert_at(
        &src,
        "\"dax0\", as",
        "`open` takes `device` or `file`, not both",
        Some("remove one of them"),
    );
    // A data file, leased and unleased, builds the model's operations.
    let src = edit(
        "  { op = \"get_context\", process = \"p0\", fd = \"fd0\" },\n",
        "  { op = \"get_context\", process = \"p0\", fd = \"fd0\" },\n  \
         { op = \"open\", process = \"p0\", file = \"dax0\", as = \"dfd\" },\n  \
         { op = \"set_lease\", process = \"p0\", fd = \"dfd\" },\n  \
         { op = \"unlock_lease\", process = \"p0\", fd = \"dfd\" },\n",
    );
    let s = parse(&src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.program.setup[2..5],
        [
            Op::OpenData {
                process: "p0".into(),
                file: "dax0".into(),
                fd: "dfd".into()
            },
            Op::SetLease {
                process: "p0".into(),
                fd: "dfd".into()
            },
            Op::UnlockLease {
                process: "p0".into(),
                fd: "dfd".into()
            },
        ]
    );
}

#[test]
fn unknown_process_suggests_the_nearest() {
    let src = edit(
        "process = \"p0\"\nops = [ { op = \"close\"",
        "process = \"p1\"\nops = [ { op = \"close\"",
    );
    assert_at(
        &src,
        "\"p1\"",
        "unknown process `p1`",
        Some("did you mean `p0`?"),
    );
    let src = edit("target = \"p0\"", "target = \"admn\"");
    assert_at(
        &src,
        "\"admn\"",
        "unknown process `admn`",
        Some("did you mean `admin`?"),
    );
}

#[test]
fn unknown_device_and_data_file() {
    assert_at(
        &edit("device = \"uverbs0\" }", "device = \"uverb0\" }"),
        "\"uverb0\"",
        "unknown device `uverb0`",
        Some("did you mean `uverbs0`?"),
    );
    assert_at(
        &edit(
            "file = \"dax0\", as = \"trunc\"",
            "file = \"dax1\", as = \"trunc\"",
        ),
        "\"dax1\"",
        "unknown data file `dax1`",
        Some("did you mean `dax0`?"),
    );
}

#[test]
fn unknown_fd_and_mr() {
    assert_at(
        &edit(
            "{ op = \"close\", fd = \"fd0\" }",
            "{ op = \"close\", fd = \"fdO\" }",
        ),
        "\"fdO\"",
        "unknown fd `fdO`",
        Some("did you mean `fd0`?"),
    );
    let src = edit(
        "{ op = \"close\", fd = \"fd0\" }",
        "{ op = \"close\", fd = \"mr0\" }",
    );
    assert_error(
        &errors(&src),
        26,
        30,
        "`mr0` is not an fd",
        Some("`mr0` is an MR"),
    );
}

#[test]
fn fd_used_before_it_is_bound() {
    let src = edit(
        "  { op = \"get_context\", process = \"p0\", fd = \"fd0\" },\n",
        "  { op = \"get_context\", process = \"p0\", fd = \"fd1\" },\n  { op = \"dup\", process = \"p0\", fd = \"fd0\", as = \"fd1\" },\n",
    );
    assert_at(
        &src,
        "\"fd1\" }",
        "fd `fd1` is used before it is bound",
        Some("bound at line 16"),
    );
}

#[test]
fn fd_bound_in_another_thread() {
    let src = edit(
        "ops = [ { op = \"close\", fd = \"fd0\" } ]",
        "ops = [ { op = \"dup\", fd = \"fd0\", as = \"fd1\" } ]",
    )
    .replace(
        "{ op = \"truncate\", file = \"dax0\", as = \"trunc\" }",
        "{ op = \"close\", fd = \"fd1\" }",
    );
    assert_error(
        &errors(&src),
        33,
        24,
        "fd `fd1` is bound by thread `close`, not visible in thread `admin`",
        Some("must be bound in setup or earlier in the same thread"),
    );
}

#[test]
fn duplicate_binding() {
    let src = edit(
        "{ op = \"close\", fd = \"fd0\" }",
        "{ op = \"dup\", fd = \"fd0\", as = \"mr0\" }",
    );
    assert_error(
        &errors(&src),
        26,
        40,
        "duplicate name `mr0`",
        Some("already bound as an MR at line 16"),
    );
    let src = edit(
        "processes = [\"p0\", \"admin\"]",
        "processes = [\"p0\", \"admin\", \"p0\"]",
    );
    let (line, _) = pos(&src, "processes");
    assert_error(
        &errors(&src),
        line,
        29,
        "duplicate name `p0`",
        Some("already declared as a process"),
    );
}

#[test]
fn duplicate_thread_name() {
    let src = edit("name = \"admin\"", "name = \"close\"");
    assert_error(
        &errors(&src),
        29,
        8,
        "duplicate thread name `close`",
        Some("already defined at line 23"),
    );
}

#[test]
fn unknown_proposal_in_verdicts_suggests_the_nearest() {
    let src = edit("\"context@k56\"", "\"contxt@k56\"");
    assert_at(
        &src,
        "contxt",
        "unknown proposal `contxt`",
        Some("did you mean `context`?"),
    );
}

#[test]
fn unknown_kernel() {
    let src = edit("\"rfc-v2@k53\"", "\"rfc-v2@k35\"");
    assert_at(
        &src,
        "k35",
        "unknown kernel `k35`",
        Some("did you mean `k53`?"),
    );
    let src = edit(
        "kernels = [\"k53\", \"k56\"]",
        "kernels = [\"k53\", \"k5.6\"]",
    );
    assert_at(
        &src,
        "\"k5.6\"",
        "unknown kernel `k5.6`",
        Some("did you mean `v5.6`?"),
    );
    let src = edit("\"context@k56\"", "\"context@sync-fput\"");
    assert_at(
        &src,
        "sync-fput",
        "kernel `sync-fput` is not one this scenario runs on",
        Some("add it to `kernels`"),
    );
}

#[test]
fn bad_verdict_grammar() {
    let src = edit("\"fail(leak)\"", "\"fails(leak)\"");
    assert_at(
        &src,
        "fails(leak)",
        "malformed verdict `fails(leak)`",
        Some("fail(kind, ...)"),
    );
    let src = edit("\"fail(leak)\"", "\"fail(leak\"");
    assert_at(&src, "fail(leak", "malformed verdict", None);
    let src = edit("\"fail(leak)\"", "\"fail()\"");
    assert_at(&src, "fail()", "an empty finding kind", None);
    let src = edit("\"context@k56\" = \"pass\"", "context = \"pass\"");
    assert_at(
        &src,
        "context =",
        "verdict key `context` is not `proposal@kernel`",
        Some("context@*"),
    );
}

#[test]
fn unknown_finding_kind() {
    let src = edit("\"fail(use-after-free)\"", "\"fail(leak, use-after-fre)\"");
    assert_at(
        &src,
        "use-after-fre)",
        "unknown finding kind `use-after-fre`",
        Some("did you mean `use-after-free`?"),
    );
    let src = edit("\"unpin-twice\"", "\"unpin_twice\"");
    assert_at(
        &src,
        "\"unpin_twice\"",
        "unknown finding kind `unpin_twice`",
        Some("did you mean `unpin-twice`?"),
    );
}

/// The published 64-bit FNV-1a test vectors (Fowler, Noll, Vo: the reference test suite).
#[test]
fn scenario_hashes_are_fnv1a_64() {
    assert_eq!(scenario::fnv1a_hex(b""), "cbf29ce484222325");
    assert_eq!(scenario::fnv1a_hex(b"a"), "af63dc4c8601ec8c");
    assert_eq!(scenario::fnv1a_hex(b"foobar"), "85944171f73967e8");
}

#[test]
fn a_scenario_must_declare_never() {
    let src = edit(
        "never = [\"use-after-free\", \"double-free\", \"refcount-underflow\", \"refcount-inc-from-zero\", \"unpin-twice\", \"deadlock\", \"procfs-lie\", \"warn\", \"null-ptr-deref\", \"ref-tracker\"]\n",
        "",
    );
    let src = src.replacen("never_reason = ", "# never_reason = ", 1);
    let (line, _) = pos(&src, "[expect]");
    assert_error(
        &errors(&src),
        line,
        1,
        "missing key `never` in `expect`",
        Some("write `never = [\"any\"]`"),
    );
}

#[test]
fn never_leaving_kinds_out_must_say_why() {
    let src = edit("never_reason = ", "# never_reason = ");
    // VALID lists ten kinds; every other kind is left out, leak first.
    let listed = parse(VALID).expect("VALID parses").expect.never;
    let left_out: Vec<&str> = FindingKind::ALL
        .iter()
        .filter(|k| !listed.contains(k))
        .map(|k| k.name())
        .collect();
    assert_eq!(left_out.first(), Some(&"leak"));
    assert_at(
        &src,
        "[\"use-after-free\", \"double",
        &format!(
            "`never` leaves out {} without a `never_reason`",
            left_out.join(", ")
        ),
        Some("`never_reason = \"...\"`"),
    );
    let src = edit(
        "never_reason = \"counted-backptr",
        "never_reason = \"  \"\n# \"",
    );
    assert_at(
        &src,
        "\"  \"",
        "`never_reason` is empty",
        Some("never_reason"),
    );
    // Every kind, by name or by "any": a reason would explain nothing.
    for never in ["[\"any\"]", "[\"any\", \"leak\"]"] {
        let src = edit("[\"use-after-free\", \"double-free\", \"refcount-underflow\", \"refcount-inc-from-zero\", \"unpin-twice\", \"deadlock\", \"procfs-lie\", \"warn\", \"null-ptr-deref\", \"ref-tracker\"]", never);
        assert_at(
            &src,
            "never_reason",
            "`never_reason` explains the kinds `never` leaves out, and it leaves out none",
            Some("remove `never_reason`"),
        );
        let ok = src.replacen("never_reason = ", "# never_reason = ", 1);
        let s = parse(&ok).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.expect.never, FindingKind::ALL);
        assert_eq!(s.expect.never_reason, None);
    }
}

#[test]
fn unknown_thread_in_a_sometimes_goal() {
    let src = edit(
        "between = \"close:filp_close.fput\"",
        "between = \"clsoe:filp_close.fput\"",
    );
    assert_at(
        &src,
        "clsoe",
        "unknown thread `clsoe`",
        Some("did you mean `close`?"),
    );
    let src = edit(
        "between = \"close:filp_close.fput\"",
        "between = \"close:\"",
    );
    // Points just after the colon, where the step name should be.
    assert_error(
        &errors(&src),
        40,
        22,
        "malformed step name ``",
        Some("function.action"),
    );
}

#[test]
fn unknown_observation_label() {
    let src = edit("observe = \"probe\", equals", "observe = \"prob\", equals");
    assert_at(
        &src,
        "\"prob\"",
        "unknown observation `prob`",
        Some("did you mean `probe`?"),
    );
    // `thread.index.op` names an op's errno.
    let ok = edit(
        "observe = \"probe\", equals",
        "observe = \"admin.1.truncate\", equals",
    );
    parse(&ok).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn collects_every_error_in_position_order() {
    let src = edit("{ op = \"reg_mr\"", "{ op = \"reg_mrr\"")
        .replace("\"contxt@k56\"", "x")
        .replace("\"context@k56\"", "\"contxt@k56\"");
    let errs = errors(&src);
    assert!(errs.len() >= 2, "{errs:?}");
    assert!(errs
        .windows(2)
        .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)));
    // mr0 was bound by the unreadable op: no cascade elsewhere.
    assert!(errs.iter().any(|d| d.message.contains("unknown operation")));
    assert!(errs.iter().any(|d| d.message.contains("unknown proposal")));
}

#[test]
fn plain_and_pretty_renderings() {
    let src = edit("{ op = \"reg_mr\"", "{ op = \"reg_mrr\"");
    let e = parse(&src).unwrap_err();
    let d = e
        .errors
        .iter()
        .find(|d| d.message.contains("unknown operation"))
        .expect("the error");
    assert_eq!(d.plain(), "scenarios/s01_example.toml:16:10: error: unknown operation `reg_mrr`; hint: did you mean `reg_mr`?");
    let pretty = d.render_pretty(Some(&src));
    assert!(
        pretty.contains("error: unknown operation `reg_mrr`"),
        "{pretty}"
    );
    assert!(
        pretty.contains("--> scenarios/s01_example.toml:16:10"),
        "{pretty}"
    );
    assert!(pretty.contains("16 |   { op = \"reg_mrr\""), "{pretty}");
    assert!(pretty.contains("^^^^^^^^^"), "{pretty}");
    assert!(pretty.contains("help: did you mean `reg_mr`?"), "{pretty}");
    assert_eq!(
        d.render_pretty(None),
        pretty,
        "the kept line renders the same"
    );
    assert!(e
        .render_pretty(&src)
        .contains("help: did you mean `reg_mr`?"));
    assert!(Error::Scenario(e).render().contains("^^^"));
}

#[test]
fn discover_lists_toml_files_sorted_and_rejects_missing_paths() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/bad");
    let files = scenario::discover(std::slice::from_ref(&dir)).unwrap();
    assert!(files.windows(2).all(|w| w[0] < w[1]));
    assert!(files
        .iter()
        .all(|f| f.extension().is_some_and(|e| e == "toml")));
    assert!(files.contains(&dir.join("syntax.toml")));
    assert!(matches!(
        scenario::discover(&[dir.join("nope")]),
        Err(Error::Io { .. })
    ));
}

#[test]
fn every_repository_scenario_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let files = scenario::discover(&[dir]).unwrap();
    assert!(!files.is_empty());
    for f in files {
        if let Err(e) = scenario::load(&f) {
            match e {
                Error::Scenario(e) => panic!(
                    "{}",
                    e.render_pretty(&std::fs::read_to_string(&f).unwrap_or_default())
                ),
                e => panic!("{e}"),
            }
        }
    }
}

/// Scenario files none of whose cells is ever judged `pass`, so a `sometimes` goal would protect
/// nothing, with the reason.
const NO_GOAL_NEEDED: &[(&str, &str)] = &[(
    "b01_four_threads_six_preemptions",
    "a budget fixture: run only under a one-second budget, where it must end bound-reached",
)];

/// Every shipped scenario and test fixture forbids every finding kind outside its verdicts
/// (`never = ["any"]`, which also covers kinds added later) or says why not in `never_reason`,
/// and has a `sometimes` goal, so that its passing cells are not passes of a race that never
/// happened.
#[test]
fn every_shipped_scenario_and_fixture_says_never_any_or_why_not_and_has_a_goal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("../scenarios"),
        root.join("tests/it/fixtures/controls"),
        root.join("tests/it/fixtures/budget"),
    ];
    let files = scenario::discover(&dirs).unwrap();
    assert!(files.len() >= 14, "{files:?}");
    let mut exempt_seen = Vec::new();
    for f in &files {
        let s = scenario::load(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let table: toml::Table = toml::from_str(&s.source).expect("TOML");
        let never = &table["expect"]["never"];
        let any = never
            .as_array()
            .is_some_and(|a| a.len() == 1 && a[0].as_str() == Some("any"));
        assert!(
            any || s.expect.never_reason.is_some(),
            "{}: `never = {never}` without `never_reason`",
            f.display()
        );
        match NO_GOAL_NEEDED.iter().find(|(n, _)| *n == s.name) {
            Some(_) => {
                assert!(
                    s.expect.sometimes.is_empty(),
                    "{}: drop it from NO_GOAL_NEEDED",
                    s.name
                );
                assert!(
                    s.expect
                        .verdicts
                        .iter()
                        .all(|(_, _, v)| *v == ExpectedVerdict::BoundReached),
                    "{}: a cell expected to pass needs a goal",
                    s.name
                );
                exempt_seen.push(s.name.clone());
            }
            None => assert!(
                !s.expect.sometimes.is_empty(),
                "{}: no `sometimes` goal, so its passing cells prove nothing",
                f.display()
            ),
        }
    }
    assert_eq!(exempt_seen.len(), NO_GOAL_NEEDED.len(), "{exempt_seen:?}");
}

/// The fuzz target's kept corpus (`fuzz/corpus-kept/`: past crashes and hostile inputs), replayed
/// here too so that `cargo test` covers it without building the fuzz crate (`.ci/run fuzz` does).
#[test]
fn the_kept_fuzz_corpus_never_panics_the_parser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus-kept");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("fuzz/corpus-kept").flatten() {
        let bytes = std::fs::read(e.path()).expect("readable");
        check_no_panic(&String::from_utf8_lossy(&bytes));
        n += 1;
    }
    assert!(n >= 5, "only {n} kept inputs");
}

#[test]
fn readme_documents_every_operation() {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/README.md"),
    )
    .unwrap();
    for spec in scenario::OP_SPECS {
        assert!(
            readme.contains(&format!("| `{}` |", spec.keyword)),
            "scenarios/README.md lacks `{}`",
            spec.keyword
        );
    }
}

/// Every error of any input has a position (line and column from 1) and renders.
fn check_no_panic(src: &str) {
    if let Err(e) = scenario::parse_str(&PathBuf::from("s01_example.toml"), src) {
        for d in &e.errors {
            assert!(d.line >= 1 && d.column >= 1, "{d:?}");
        }
        let _ = e.render_pretty(src);
        let _ = e.to_string();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_no_panic(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn single_character_mutations_never_panic(at in 0usize..VALID.len(), c in any::<char>(), op in 0u8..3) {
        let mut s: Vec<char> = VALID.chars().collect();
        let i = at.min(s.len().saturating_sub(1));
        match op {
            0 => s[i] = c,
            1 => s.insert(i, c),
            _ => { s.remove(i); }
        }
        let s: String = s.into_iter().collect();
        check_no_panic(&s);
    }

    #[test]
    fn printable_mutations_never_panic(at in 0usize..VALID.len(), c in "[ -~\n]", op in 0u8..3) {
        let mut s: Vec<char> = VALID.chars().collect();
        let i = at.min(s.len().saturating_sub(1));
        let c = c.chars().next().unwrap_or(' ');
        match op {
            0 => s[i] = c,
            1 => s.insert(i, c),
            _ => { s.remove(i); }
        }
        let s: String = s.into_iter().collect();
        check_no_panic(&s);
    }
}

/// A thread acting as a process another thread exits is refused: the model has no thread groups
/// (its `exit` closes the fd table at once; the kernel waits for the group's other threads), so
/// the race would be judged on a kernel that cannot run it. The error points at the sibling's
/// acting process: its op's `process`, or its thread's when the op takes the thread's.
#[test]
fn a_thread_acting_as_a_process_another_thread_exits_is_refused() {
    let exit_in_unplug = edit(
        r#"ops = [ { op = "remove_device", device = "uverbs0" } ]"#,
        r#"ops = [ { op = "exit", process = "p0" } ]"#,
    );
    let msg = "thread `close` acts as process `p0` (`close`) while thread `unplug` exits it";
    // The close takes its thread's process: the error is at the thread's `process = "p0"`.
    let (close_line, _) = pos(&exit_in_unplug, "name = \"close\"");
    assert_error(
        &errors(&exit_in_unplug),
        close_line + 1,
        11,
        msg,
        Some("list `p0` in `exit_at_quiescence`"),
    );
    let explicit = exit_in_unplug.replacen(
        r#"ops = [ { op = "close", fd = "fd0" } ]"#,
        r#"ops = [ { op = "close", process = "p0", fd = "fd0" } ]"#,
        1,
    );
    let errs = errors(&explicit);
    let (line, _) = pos(&explicit, r#"{ op = "close", process = "p0""#);
    let (_, col) = pos(&explicit, r#""p0", fd = "fd0""#);
    assert_error(&errs, line, col, msg, Some("a process of its own"));
    // Another process's thread may run beside the exit (admin reads p0's procfs as itself).
    assert_eq!(errs.len(), 1, "{errs:?}");
}
