//! `pincheck replay`: re-run one counterexample deterministically from its token, under a
//! shuttle scheduler that follows the token's runs, and report it as `check` did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Mutation, Oracle, ReplayPlan};
use pincheck_model::run::{execute_shared, Target};
use pincheck_model::sync::{run, Body, Limits, Mode};
use pincheck_model::KNOWN_PROPOSALS;

use crate::error::Error;
use crate::explore::{preemptions, Counterexample};
use crate::scenario::Scenario;
use crate::token::Token;

/// The folder `check`, `gate` and `replay` read when given no path.
pub const SCENARIOS_DEFAULT: &str = "scenarios";

/// What to replay.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// The token text.
    pub token: String,
    /// Where to find the scenario named by the token: folders (holding `<scenario>.toml`) or
    /// scenario files.
    pub scenarios: Vec<PathBuf>,
    /// Stop after the step with this index (0-based, as reports number steps) and snapshot the
    /// object graph there.
    pub until: Option<usize>,
}

/// A replayed execution.
#[derive(Clone, Debug)]
pub struct Replayed {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The decoded token.
    pub token: Token,
    /// The execution, as a counterexample (its findings may be empty).
    pub execution: Counterexample,
    /// Set when the scenario file changed since the token was made.
    pub hash_note: Option<String>,
    /// The object graph after step `until`.
    pub snapshot: Option<Vec<String>>,
}

/// The `--scenarios` argument a replay command needs for `s`: `None` when `s` is a file of the
/// default folder as seen from here (the printed line then stays short), else its absolute path,
/// which works from any folder.
pub fn scenario_arg(s: &Scenario) -> Option<PathBuf> {
    let file = std::fs::canonicalize(&s.path).unwrap_or_else(|_| s.path.clone());
    let default = std::fs::canonicalize(SCENARIOS_DEFAULT).ok();
    match (file.parent(), default) {
        (Some(dir), Some(d)) if dir == d => None,
        _ => Some(file),
    }
}

/// `pincheck replay [--scenarios FILE] 'TOKEN'`, quoted for a POSIX shell.
pub fn command(token: &str, scenario_file: Option<&Path>) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    match scenario_file {
        Some(f) => format!(
            "pincheck replay --scenarios {} {}",
            quote(&f.display().to_string()),
            quote(token)
        ),
        None => format!("pincheck replay {}", quote(token)),
    }
}

/// Find the scenario called `name`: `<folder>/<name>.toml` in each folder given, or a file given
/// whose stem is `name`. Only that file is read, so a broken neighbour does not stop a replay.
pub fn find_scenario(name: &str, paths: &[PathBuf]) -> Result<Arc<Scenario>, Error> {
    let mut searched = Vec::new();
    for p in paths {
        let candidate = if p.is_dir() {
            p.join(format!("{name}.toml"))
        } else {
            p.clone()
        };
        if candidate.is_file() && candidate.file_stem().is_some_and(|s| s == name) {
            return Ok(Arc::new(crate::scenario::load(&candidate)?));
        }
        searched.push(if p.exists() {
            format!("`{}`", p.display())
        } else {
            format!("`{}` (does not exist)", p.display())
        });
    }
    let here = std::env::current_dir()
        .map(|d| format!("; relative paths are read from {}", d.display()))
        .unwrap_or_default();
    Err(Error::Token(format!(
        "no scenario `{name}` (a file `{name}.toml`) in {}{here}; pass `--scenarios PATH` (the \
         scenario file or its folder) to look elsewhere",
        searched.join(", ")
    )))
}

/// Thread names of a scenario by id: `setup`, then its threads in order.
pub fn thread_names(s: &Scenario) -> Vec<String> {
    std::iter::once("setup".to_string())
        .chain(s.program.threads.iter().map(|t| t.name.clone()))
        .collect()
}

/// The token of a counterexample of `scenario` on `proposal@kernel`.
pub fn token_for(s: &Scenario, proposal: &str, kernel: &str, cx: &Counterexample) -> Token {
    Token::new(
        &s.name,
        proposal,
        kernel,
        &s.hash,
        &cx.threads,
        &ReplayPlan::from_events(&cx.events),
    )
}

/// Replay a token.
pub fn replay(opts: &ReplayOptions) -> Result<Replayed, Error> {
    let token = Token::decode(&opts.token)?;
    let scenario = find_scenario(&token.scenario, &opts.scenarios)?;
    let variant = Variant::by_name(&token.kernel)
        .ok_or_else(|| Error::Token(format!("unknown kernel `{}`", token.kernel)))?;
    let proposal = KNOWN_PROPOSALS
        .iter()
        .copied()
        .find(|p| *p == token.proposal)
        .ok_or_else(|| Error::Token(format!("unknown proposal `{}`", token.proposal)))?;
    let hash_note = (scenario.hash != token.hash).then(|| {
        format!(
            "{} changed since this token was made (hash {} then, {} now)",
            scenario.path.display(),
            token.hash,
            scenario.hash
        )
    });
    let names = thread_names(&scenario);
    let plan = token.plan(&names, opts.until)?;
    let mutation = match &token.mutation {
        Some(m) => Some(Mutation::parse(m).map_err(Error::Token)?),
        None => None,
    };
    let (execution, problem, snapshot) = run_plan(&scenario, proposal, variant, mutation, plan)?;
    if let Some(p) = problem {
        return Err(Error::Token(p));
    }
    if let Some(n) = opts.until {
        let steps = execution.events.len();
        if n >= steps {
            return Err(Error::Usage(format!(
                "--until {n}: this execution has {steps} steps, numbered 0 to {}",
                steps.saturating_sub(1)
            )));
        }
    }
    Ok(Replayed {
        scenario,
        token,
        execution,
        hash_note,
        snapshot,
    })
}

/// One planned execution: what ran, why it left the plan (if it did), and the object graph at
/// `ReplayPlan::until`.
pub type PlannedRun = (Counterexample, Option<String>, Option<Vec<String>>);

/// Run `scenario` on `proposal@variant` once under a scheduler following `plan`.
pub fn run_plan(
    scenario: &Scenario,
    proposal: &'static str,
    variant: Variant,
    mutation: Option<Mutation>,
    plan: ReplayPlan,
) -> Result<PlannedRun, Error> {
    let plan = Arc::new(plan);
    let result: Arc<Mutex<Option<PlannedRun>>> = Arc::default();
    let (program, slot, plan2) = (
        Arc::new(scenario.program.clone()),
        Arc::clone(&result),
        Arc::clone(&plan),
    );
    let start = {
        let program = Arc::clone(&program);
        move |_: &Arc<Oracle>| execute_shared(&program, Target { variant, proposal })
    };
    let body = Body::new(start, move |o: &Arc<Oracle>| {
        let events = o.log();
        let problem = divergence(o, &plan2, &o.thread_names());
        let cx = Counterexample {
            engine: "replay",
            preemptions: preemptions(&events),
            threads: o.thread_names(),
            events,
            findings: o.findings(),
            observations: o.observations(),
            roles: crate::explore::roles(&program, &o.objects()),
        };
        // After the last step no next step takes the snapshot: the state at the end is the one.
        let snapshot = o
            .snapshot()
            .or_else(|| plan2.until.is_some().then(|| o.graph()));
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some((cx, problem, snapshot));
    });
    let threads = scenario.program.threads.len();
    let limits = Limits {
        mutation,
        ..Limits::default()
    };
    let r = run(&Mode::Replay { plan }, &limits, threads, body);
    if let Some(p) = r.model_panic {
        return Err(Error::Token(format!(
            "the model panicked during replay: {p}"
        )));
    }
    let taken = result.lock().unwrap_or_else(|e| e.into_inner()).take();
    taken.ok_or_else(|| Error::Token("the replay did not run".into()))
}

fn divergence(o: &Oracle, plan: &ReplayPlan, names: &[String]) -> Option<String> {
    let name = |t: usize| names.get(t).cloned().unwrap_or_else(|| format!("t{t}"));
    if let Some(d) = o.replay_divergence() {
        let e = &d.expected;
        return Some(format!(
            "the model no longer follows this token at run {} (`{}:{}#{}`): `{}` could not run \
             (blocked or finished) and `{}` ran `{}` instead; the step `{}` may have been renamed or moved",
            d.segment + 1,
            name(e.tid),
            e.step,
            e.occurrence,
            name(e.tid),
            name(d.found.0),
            d.found.1,
            e.step
        ));
    }
    if !o.replay_complete() {
        let done: BTreeMap<(usize, &str), usize> = o.with_log(|log| {
            let mut m = BTreeMap::new();
            for e in log {
                *m.entry((e.tid, e.step)).or_insert(0) += 1;
            }
            m
        });
        let missing = plan.segments.iter().enumerate().find(|(_, s)| {
            done.get(&(s.tid, s.step.as_str())).copied().unwrap_or(0) < s.occurrence
        });
        if let Some((i, s)) = missing {
            return Some(format!(
                "run {} of the token never happened: `{}` never completed step `{}` #{} (it no longer \
                 exists under that name, or is no longer reached)",
                i + 1,
                name(s.tid),
                s.step,
                s.occurrence
            ));
        }
    }
    None
}
