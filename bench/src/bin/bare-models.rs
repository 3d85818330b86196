//! `cargo run -p pincheck-bench --bin bare-models`: write the bare models of S1
//! (`bench/benches/bare/s1_*.rs`) from pincheck's execution of it. Prints what it wrote; exits
//! 1 when the generator refuses (and writes nothing).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(pincheck_bench::bare::MODELS_DIR);
    match pincheck_bench::bare::write_all(&dir) {
        Ok(models) => {
            for m in models {
                println!(
                    "{}: {} ({} engine objects, {} accesses, {} steps)",
                    dir.join(&m.file).display(),
                    m.proposal,
                    m.objects,
                    m.accesses,
                    m.steps
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bare-models: {e}");
            ExitCode::from(1)
        }
    }
}
