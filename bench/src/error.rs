//! Why the bare-model generator refused to write a model (`pincheck_bench::Error`).

/// What went wrong transcribing pincheck's execution of S1 into a bare model, or writing it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The traced execution did not run to its end.
    #[error(
        "{proposal}: pincheck's S1 execution (PCT seed {seed}, one iteration) did not complete: \
         {reason}"
    )]
    Execution {
        proposal: &'static str,
        seed: u64,
        reason: String,
    },
    /// The setup thread made an engine access: the bare model's setup makes none besides its
    /// spawns (the facade makes none while a thread runs alone).
    #[error(
        "{proposal}: the setup made an engine access ({kind} of {object}, step {step}) outside \
         its spawns; hint: the facade must make no access while a thread runs alone"
    )]
    SetupAccess {
        proposal: &'static str,
        kind: &'static str,
        object: String,
        step: &'static str,
    },
    /// A thread's accesses do not follow its logged steps in order.
    #[error(
        "{proposal}: access #{index} of thread {thread} ({kind} in step {step}) follows none of \
         the thread's remaining logged steps; hint: the access record and the step log disagree"
    )]
    StepOrder {
        proposal: &'static str,
        thread: String,
        index: usize,
        kind: &'static str,
        step: &'static str,
    },
    /// Something the bare model cannot stand for (a park token, an object created by a scenario
    /// thread, an unlock of a lock the thread does not hold, ...).
    #[error(
        "{proposal}: thread {thread}, step {step}: {what}; the generator cannot transcribe it"
    )]
    Unsupported {
        proposal: &'static str,
        thread: String,
        step: &'static str,
        what: String,
    },
    /// Writing a model file failed.
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}
