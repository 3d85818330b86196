//! Fuzz target: any bytes, read as UTF-8 (lossy), given to the scenario parser. It must never
//! panic, and every error must carry a position from line 1, column 1 and render.
//!
//! Under `cargo fuzz` (nightly, `--cfg fuzzing`) libFuzzer drives it. Built with stable cargo
//! (`cargo build --manifest-path fuzz/Cargo.toml`) it is a plain binary that runs the same check on
//! each file or folder of files named on its command line (a corpus or crash artifacts), so a
//! crash found elsewhere reproduces without nightly. `.ci/run fuzz` replays `fuzz/corpus-kept/`
//! (past crashes and hostile inputs: add a crash artifact there once it is fixed), the scenario
//! files and the test fixtures with it.

#![cfg_attr(fuzzing, no_main)]

use std::path::Path;

fn check(data: &[u8]) {
    let src = String::from_utf8_lossy(data);
    if let Err(e) = pincheck::scenario::parse_str(Path::new("s_fuzz.toml"), &src) {
        for d in &e.errors {
            assert!(d.line >= 1 && d.column >= 1, "unpositioned error {d:?}");
        }
        let _ = e.render_pretty(&src);
        let _ = e.to_string();
    }
}

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));

#[cfg(not(fuzzing))]
fn main() {
    let mut files = 0usize;
    for arg in std::env::args_os().skip(1) {
        let path = Path::new(&arg);
        let entries: Vec<std::path::PathBuf> = if path.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(path)
                .expect("readable folder")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            v
        } else {
            vec![path.to_path_buf()]
        };
        for p in entries {
            check(&std::fs::read(&p).expect("readable file"));
            files += 1;
        }
    }
    // A replay of nothing proves nothing (a moved corpus folder must not pass CI).
    assert!(files > 0, "no input to replay: name corpus files or folders");
    println!("{files} input(s) parsed without a panic");
}
