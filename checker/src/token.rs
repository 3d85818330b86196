//! Replay tokens: a counterexample's schedule written as named steps, plus what it ran against.
//!
//! `pc1/<scenario>/<proposal>@<kernel>[+<mutation>]/<scenario hash>/<thread>:<step>#<n>,...`: the
//! optional mutation (`pincheck why`) is the plan the schedule ran under; each run says
//! "this thread runs until it completes the n-th execution of this step". Thread names are the
//! scenario's (`setup` is the setup and quiescence thread). A run written `~<thread>:<point>#<n>`
//! (first in the list) is a fault point that fails: that thread's n-th reach of it. No spaces and no shell
//! metacharacters: a token pastes as one shell word, quoted or not. A model change that keeps the anchor steps' names keeps old tokens working.

use pincheck_model::oracle::{ReplayPlan, Segment};

use crate::error::Error;

/// Version tag.
pub const TOKEN_VERSION: &str = "pc1";

/// A decoded token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Scenario name.
    pub scenario: String,
    /// Proposal.
    pub proposal: String,
    /// Kernel.
    pub kernel: String,
    /// Hash of the scenario file the token was made from.
    pub hash: String,
    /// The mutation plan the schedule ran under (`pincheck why`), in its text form.
    pub mutation: Option<String>,
    /// Runs: thread name, anchor step, occurrence.
    pub runs: Vec<(String, String, usize)>,
    /// Fault points that fail: thread name, point, which reach.
    pub faults: Vec<(String, String, usize)>,
}

impl Token {
    /// The token of a schedule, given thread names by id.
    pub fn new(
        scenario: &str,
        proposal: &str,
        kernel: &str,
        hash: &str,
        threads: &[String],
        plan: &ReplayPlan,
    ) -> Token {
        let name = |tid: usize| {
            threads
                .get(tid)
                .cloned()
                .unwrap_or_else(|| format!("t{tid}"))
        };
        let runs = plan
            .segments
            .iter()
            .map(|s| (name(s.tid), s.step.clone(), s.occurrence))
            .collect();
        let faults = plan
            .faults
            .iter()
            .map(|f| (name(f.tid), f.step.clone(), f.occurrence))
            .collect();
        Token {
            scenario: scenario.into(),
            proposal: proposal.into(),
            kernel: kernel.into(),
            hash: hash.into(),
            mutation: None,
            runs,
            faults,
        }
    }

    /// The text form.
    pub fn encode(&self) -> String {
        let faults = self.faults.iter().map(|(t, s, n)| format!("~{t}:{s}#{n}"));
        let runs: Vec<String> = faults
            .chain(self.runs.iter().map(|(t, s, n)| format!("{t}:{s}#{n}")))
            .collect();
        let mutation = self
            .mutation
            .as_deref()
            .map(|m| format!("+{m}"))
            .unwrap_or_default();
        format!(
            "{TOKEN_VERSION}/{}/{}@{}{mutation}/{}/{}",
            self.scenario,
            self.proposal,
            self.kernel,
            self.hash,
            runs.join(",")
        )
    }

    /// Parse the text form.
    pub fn decode(text: &str) -> Result<Token, Error> {
        let bad = |why: &str| {
            Error::Token(format!("{why} (a token looks like `pc1/<scenario>/<proposal>@<kernel>/<hash>/<thread>:<step>#<n>,...`)"))
        };
        let text = text.trim();
        let parts: Vec<&str> = text.splitn(5, '/').collect();
        let [version, scenario, cell, hash, runs] = parts[..] else {
            return Err(bad("not a pincheck token"));
        };
        if version != TOKEN_VERSION {
            return Err(bad(&format!(
                "token version `{version}` is not `{TOKEN_VERSION}`"
            )));
        }
        let (proposal, kernel) = cell
            .split_once('@')
            .ok_or_else(|| bad("missing `proposal@kernel`"))?;
        let (kernel, mutation) = match kernel.split_once('+') {
            Some((k, m)) => (k, Some(m.to_string())),
            None => (kernel, None),
        };
        let mut out = Vec::new();
        let mut faults = Vec::new();
        for (i, r) in runs.split(',').enumerate() {
            let (r, fault) = match r.strip_prefix('~') {
                Some(rest) => (rest, true),
                None => (r, false),
            };
            let (thread, rest) = r
                .split_once(':')
                .ok_or_else(|| bad(&format!("run {} `{r}` has no `:`", i + 1)))?;
            let (step, n) = rest
                .rsplit_once('#')
                .ok_or_else(|| bad(&format!("run {} `{r}` has no `#n`", i + 1)))?;
            let n: usize = n
                .parse()
                .map_err(|_| bad(&format!("run {} `{r}`: `{n}` is not a number", i + 1)))?;
            if thread.is_empty() || step.is_empty() || n == 0 {
                return Err(bad(&format!("run {} `{r}` is incomplete", i + 1)));
            }
            let run = (thread.to_string(), step.to_string(), n);
            if fault {
                faults.push(run);
            } else {
                out.push(run);
            }
        }
        Ok(Token {
            scenario: scenario.into(),
            proposal: proposal.into(),
            kernel: kernel.into(),
            hash: hash.into(),
            mutation,
            runs: out,
            faults,
        })
    }

    /// The plan, given thread names by id; unknown thread names are an error.
    pub fn plan(&self, threads: &[String], until: Option<usize>) -> Result<ReplayPlan, Error> {
        let mut segments = Vec::new();
        for (i, (t, step, n)) in self.runs.iter().enumerate() {
            let tid = threads.iter().position(|x| x == t).ok_or_else(|| {
                Error::Token(format!(
                    "run {}: the scenario has no thread `{t}` (threads: {})",
                    i + 1,
                    threads.join(", ")
                ))
            })?;
            segments.push(Segment {
                tid,
                step: step.clone(),
                occurrence: *n,
            });
        }
        let mut faults = Vec::new();
        for (t, step, n) in &self.faults {
            let tid = threads.iter().position(|x| x == t).ok_or_else(|| {
                Error::Token(format!(
                    "fault `{t}:{step}`: the scenario has no thread `{t}` (threads: {})",
                    threads.join(", ")
                ))
            })?;
            faults.push(pincheck_model::oracle::FaultPoint {
                tid,
                step: step.clone(),
                occurrence: *n,
            });
        }
        Ok(ReplayPlan {
            segments,
            until,
            faults,
        })
    }
}
