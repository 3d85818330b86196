//! The repository stands on its own: no document or comment sends a reader outside it, and every
//! section number (`§2.4`) written in the README, ARCHITECTURE.md, the scenario files, the docs and
//! the sources names a section of `docs/kernel.md`, the project's description of the modelled
//! kernel.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the checker crate sits in the workspace")
        .to_path_buf()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder").flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "rs" || e == "md" || e == "toml")
        {
            out.push(p);
        }
    }
}

/// The documents and sources a reader of the repository reads.
fn documents() -> Vec<PathBuf> {
    let root = workspace();
    let mut out = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for dir in [
        "docs",
        "scenarios",
        "model/src",
        "model/tests",
        "checker/src",
        "bench",
        "ci",
        "fuzz/corpus-kept",
    ] {
        walk(&root.join(dir), &mut out);
    }
    out
}

/// Section numbers of `docs/kernel.md`: `## 2. ...` gives `2`, `### 2.4 ...` gives `2.4`.
fn sections() -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace().join("docs/kernel.md")).expect("docs/kernel.md");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("### ").or_else(|| l.strip_prefix("## "))?;
            let number: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let number = number.trim_end_matches('.').to_string();
            (!number.is_empty()).then_some(number)
        })
        .collect()
}

#[test]
fn nothing_points_outside_the_repository() {
    for f in documents() {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            for banned in ["DOMAIN.md", "shared/", "DESIGN.md"] {
                assert!(
                    !line.contains(banned),
                    "{}:{}: `{banned}` is not in the repository: {line}",
                    f.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn every_section_number_names_a_section_of_docs_kernel_md() {
    let known = sections();
    assert!(known.contains("2.4") && known.contains("3.2") && known.contains("5.1"));
    let mut checked = 0;
    for f in documents() {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices('§') {
                let number: String = line[at + '§'.len_utf8()..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let number = number.trim_end_matches('.');
                if number.is_empty() {
                    continue;
                }
                checked += 1;
                assert!(
                    known.contains(number),
                    "{}:{}: §{number} is not a section of docs/kernel.md: {line}",
                    f.display(),
                    i + 1
                );
            }
        }
    }
    assert!(checked > 20, "the references were found ({checked})");
}
