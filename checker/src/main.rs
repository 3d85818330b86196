//! The `pincheck` binary: parse arguments, run, print, map to exit codes (0 every verdict as
//! expected, 1 some differ, 2 usage or input error). Everything else lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = pincheck::cli::Args::parse();
    let env = pincheck::cli::Env {
        stderr_is_terminal: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    match pincheck::cli::run(args, env) {
        Ok(out) => {
            print!("{}", out.stdout);
            ExitCode::from(out.status as u8)
        }
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(2)
        }
    }
}
