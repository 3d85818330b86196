//! `pincheck replay`: re-run one counterexample deterministically from its token, under a
//! shuttle scheduler that follows the token's runs, and report it as `check` did.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pincheck_model::kernel::Variant;
use pincheck_model::oracle::{Mutation, Oracle, ReplayPlan};
use pincheck_model::run::{execute_shared, Target};
use pincheck_model::sync::{run, Limits, Mode};
use pincheck_model::KNOWN_PROPOSALS;

use crate::check::load_all;
use crate::error::Error;
use crate::explore::{preemptions, Counterexample};
use crate::scenario::Scenario;
use crate::token::Token;

/// What to replay.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// The token text.
    pub token: String,
    /// Where to find the scenario named by the token.
    pub scenarios: Vec<PathBuf>,
    /// Snapshot the object graph after this many steps.
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
    /// The object graph after `until` steps.
    pub snapshot: Option<Vec<String>>,
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
    let scenarios = load_all(&opts.scenarios)?;
    let scenario = scenarios
        .iter()
        .find(|s| s.name == token.scenario)
        .cloned()
        .ok_or_else(|| {
            Error::Token(format!(
                "no scenario `{}` under {:?}",
                token.scenario, opts.scenarios
            ))
        })?;
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
    let body = Arc::new(move |o: &Arc<Oracle>| {
        execute_shared(&program, Target { variant, proposal });
        let events = o.log();
        let problem = divergence(o, &plan2, &o.thread_names());
        let cx = Counterexample {
            engine: "replay",
            preemptions: preemptions(&events),
            threads: o.thread_names(),
            events,
            findings: o.findings(),
            observations: o.observations(),
        };
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some((cx, problem, o.snapshot()));
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
