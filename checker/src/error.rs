//! The crate's one closed error enum. Input errors (scenario files, tokens, usage) map to exit
//! code 2 in the binary.

use std::path::PathBuf;

use crate::scenario::ScenarioErrors;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more scenario files are malformed (every error found, positioned).
    #[error("{0}")]
    Scenario(ScenarioErrors),
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A bad command line (unknown proposal, bad shard).
    #[error("{0}")]
    Usage(String),
    /// A replay token that does not parse or does not fit its scenario.
    #[error("{0}")]
    Token(String),
    /// The run would check nothing (an empty folder, an empty shard, no scenario at all): refused,
    /// so that a gate can never pass without checking anything.
    #[error("nothing to check: {0}")]
    NothingToCheck(String),
}

impl Error {
    /// The text the binary prints on stderr: scenario errors rustc-style with source lines and
    /// carets, others as `error: ...`.
    pub fn render(&self) -> String {
        match self {
            Error::Scenario(e) => {
                let n = e.errors.len();
                format!(
                    "{}error: {n} error{} in scenario files",
                    e.render_pretty_detached(),
                    if n == 1 { "" } else { "s" }
                )
            }
            Error::Io { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
                let here = std::env::current_dir()
                    .map(|d| format!(" (relative paths are read from {})", d.display()))
                    .unwrap_or_default();
                format!(
                    "error: {self}\n  hint: `{}` does not exist{here}; name the scenario files or \
                     folders to check, or run from the repository root",
                    path.display()
                )
            }
            other => format!("error: {other}"),
        }
    }
}
