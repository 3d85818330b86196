//! Scenario files (`scenarios/*.toml`, format 1): parsed into the model's [`Program`] plus the
//! expectations the gate checks, with every error positioned at file:line:column and a hint.
//!
//! Parsing never panics: the TOML is read into a spanned tree (`toml::de::DeTable`) and walked by
//! hand, each accessor reporting a wrong type or an unknown key and going on, so one run reports
//! every error it can. Names are resolved in program order: a name a thread uses must be bound
//! (`as = ...`) in setup or earlier in the same thread. See `scenarios/README.md` for the format.

mod diag;
mod expect;
pub mod kernels;
mod names;
mod ops;
mod parse;
mod value;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use pincheck_model::oracle::FindingKind;
use pincheck_model::program::Program;

use crate::error::Error;

pub use diag::{did_you_mean, nearest, Diagnostic, ScenarioErrors};
pub use ops::{OpSpec, OP_SPECS};

/// The only `format` this parser reads.
pub const FORMAT_VERSION: i64 = 1;
/// Largest scenario file, checked before parsing ("one screen per file").
pub const SCENARIO_BYTES_MAX: usize = 64 * 1024;
/// Fewest threads a scenario races.
pub const THREADS_MIN: usize = 2;
/// Most threads a scenario races (loom's cost grows fast with threads).
pub const THREADS_MAX: usize = 4;
/// Most operations in one thread or in setup.
pub const OPS_PER_THREAD_MAX: usize = 16;
/// Most fault points failing together that a scenario may ask for.
pub const FAULTS_MAX: usize = 2;
/// Largest per-scenario loom preemption bound.
pub const PREEMPTIONS_MAX: usize = 6;
/// Most pages one `reg_mr` pins.
pub const PAGES_MAX: u32 = 1024;
/// Kernels a scenario runs on when it names none.
pub const KERNELS_DEFAULT: &[&str] = &["k53", "k56"];

/// A parsed scenario file.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// Its text.
    pub source: String,
    /// Hex of the 64-bit FNV-1a hash of the source bytes (replay tokens carry it).
    pub hash: String,
    /// Equal to the file stem.
    pub name: String,
    pub summary: String,
    /// Links to the mail, commits or code the race comes from.
    pub sources: Vec<String>,
    /// Kernels to run: short names or canonical specs (`k53`, `v5.3+f0abc761bbb9`).
    pub kernels: Vec<String>,
    /// Loom preemption bound for this scenario, when it sets one (`preemptions = N` or
    /// `"unbounded"`).
    pub preemptions: Option<crate::explore::Preemptions>,
    /// loom searches this scenario without a preemption bound (in every command), and the gate
    /// requires that search to complete.
    pub exhaustive: bool,
    /// Fault points that may fail together in one execution (0: none explored).
    pub faults: usize,
    /// What the model runs.
    pub program: Program,
    pub expect: Expect,
    /// Source lines of the parts reports point at.
    pub spans: Spans,
}

/// What the scenario expects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// Finding kinds no proposal outside `verdicts` may show (`["any"]`: every kind).
    pub never: Vec<FindingKind>,
    /// Why `never` leaves kinds out (required when it does, refused when it does not).
    pub never_reason: Option<String>,
    /// `(proposal, kernel or "*", verdict)`, in file order.
    pub verdicts: Vec<(String, String, ExpectedVerdict)>,
    /// Reachability goals: one never reached makes the verdict vacuous.
    pub sometimes: Vec<Goal>,
}

impl Expect {
    /// The verdict listed for `proposal@kernel`; an exact kernel beats `*`.
    pub fn verdict_for(&self, proposal: &str, kernel: &str) -> Option<&ExpectedVerdict> {
        let find = |k: &str| {
            self.verdicts
                .iter()
                .find(|(p, kk, _)| p == proposal && kk == k)
                .map(|(_, _, v)| v)
        };
        find(kernel).or_else(|| find("*"))
    }
}

/// A verdict as written in `[expect.verdicts]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedVerdict {
    Pass,
    Vacuous,
    BoundReached,
    /// Findings of exactly these kinds (in file order, no duplicates).
    Fail(Vec<FindingKind>),
}

impl fmt::Display for ExpectedVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVerdict::Pass => f.write_str("pass"),
            ExpectedVerdict::Vacuous => f.write_str("vacuous"),
            ExpectedVerdict::BoundReached => f.write_str("bound-reached"),
            ExpectedVerdict::Fail(kinds) => {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                write!(f, "fail({})", names.join(", "))
            }
        }
    }
}

/// A `sometimes` goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Step `step` runs after `after` and before `before`; each is `(thread, step name)`.
    Between {
        step: (String, String),
        after: (String, String),
        before: (String, String),
    },
    /// The observation `label` (a procfs read, a truncate, or `thread.i.op` for an op's errno)
    /// equals and/or contains the given text.
    Observe {
        label: String,
        equals: Option<String>,
        contains: Option<String>,
    },
}

impl fmt::Display for Goal {
    /// The goal as the scenario file writes it: `{ between = "close:filp_close.fput", ... }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = |(t, s): &(String, String)| format!("\"{t}:{s}\"");
        match self {
            Goal::Between {
                step: s,
                after,
                before,
            } => write!(
                f,
                "{{ between = {}, after = {}, before = {} }}",
                step(s),
                step(after),
                step(before)
            ),
            Goal::Observe {
                label,
                equals,
                contains,
            } => {
                write!(f, "{{ observe = {label:?}")?;
                if let Some(e) = equals {
                    write!(f, ", equals = {e:?}")?;
                }
                if let Some(c) = contains {
                    write!(f, ", contains = {c:?}")?;
                }
                f.write_str(" }")
            }
        }
    }
}

/// 1-based source lines of the parts of a scenario that reports point at (SARIF results).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spans {
    /// Each `[[threads]]` table, by thread index.
    pub threads: Vec<usize>,
    /// Each setup operation.
    pub setup_ops: Vec<usize>,
    /// Each thread operation, by thread index then op index.
    pub thread_ops: Vec<Vec<usize>>,
    /// Each verdict key, parallel to `Expect::verdicts`.
    pub verdicts: Vec<usize>,
    /// Each goal, parallel to `Expect::sometimes`.
    pub sometimes: Vec<usize>,
    /// The `[expect]` table (or 1 when absent).
    pub expect: usize,
}

impl Spans {
    /// The line of op `op` of thread `thread` (`None`: setup).
    pub fn op_line(&self, thread: Option<usize>, op: usize) -> Option<usize> {
        match thread {
            None => self.setup_ops.get(op).copied(),
            Some(t) => self.thread_ops.get(t)?.get(op).copied(),
        }
    }
}

/// Parse `source` as the scenario file at `path` (the stem must equal `name`), collecting every
/// error it can find.
pub fn parse_str(path: &Path, source: &str) -> Result<Scenario, ScenarioErrors> {
    parse::parse(path, source)
}

/// Read and parse one scenario file.
pub fn load(path: &Path) -> Result<Scenario, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit: enough to know the file is too big, without reading it all.
    file.take(SCENARIO_BYTES_MAX as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    match String::from_utf8(bytes) {
        Ok(source) => parse_str(path, &source).map_err(Error::Scenario),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or(&[])).into_owned();
            let d = Diagnostic::new(
                path,
                &prefix,
                valid..valid,
                "the file is not UTF-8 text",
                None,
            );
            Err(Error::Scenario(ScenarioErrors { errors: vec![d] }))
        }
    }
}

/// The scenario files under `paths`: files as given, folders' `*.toml` (not recursive), each
/// folder's sorted by name. A missing path is an error, and so is a folder without a scenario
/// file (it would check nothing).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let io = |source| Error::Io {
            path: p.clone(),
            source,
        };
        let meta = std::fs::metadata(p).map_err(io)?;
        if !meta.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut found = Vec::new();
        for entry in std::fs::read_dir(p).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(Error::NothingToCheck(format!(
                "the folder `{}` holds no scenario file (*.toml)",
                p.display()
            )));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// 64-bit FNV-1a of `bytes`, as 16 hex digits.
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let h = bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    format!("{h:016x}")
}
