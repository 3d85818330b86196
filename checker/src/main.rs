//! The `pincheck` binary: parse arguments, run, print, map to exit codes (0 every verdict as
//! expected, 1 some differ, 2 usage or input error). Everything else lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = pincheck::cli::Args::parse();
    if let Some(pincheck::cli::Command::Worker { settings }) = &args.command {
        // A worker process of `--jobs N`: its stdin and stdout are the protocol.
        let (stdin, stdout) = (std::io::stdin(), std::io::stdout());
        return match pincheck::workers::worker_main(settings, stdin.lock(), stdout.lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{}", e.render());
                ExitCode::from(2)
            }
        };
    }
    let env = pincheck::cli::Env {
        stderr_is_terminal: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        exe: std::env::current_exe().ok(),
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
