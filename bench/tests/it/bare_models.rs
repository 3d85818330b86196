//! The bare models in `benches/bare/` against what `bare-models` writes from pincheck's current
//! execution of S1: like a snapshot, a model change that moves S1's engine objects or accesses
//! fails here until the models are written again.

use std::path::Path;

use pincheck_bench::bare::{generate_all, MODELS_DIR};

#[test]
fn checked_in_bare_models_are_what_the_generator_writes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(MODELS_DIR);
    let models = generate_all().expect("the generator transcribes S1");
    assert_eq!(models.len(), 2, "one model per overhead proposal");
    for m in models {
        let path = dir.join(&m.file);
        let checked_in =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            checked_in == m.source,
            "{} is stale: pincheck's S1 execution on {} now makes other engine objects or \
             accesses ({} objects, {} accesses, {} steps); run `cargo run -p pincheck-bench --bin \
             bare-models` and review the diff",
            path.display(),
            m.proposal,
            m.objects,
            m.accesses,
            m.steps
        );
        assert!(
            m.objects > 0 && m.accesses > 0,
            "{}: an empty model",
            m.file
        );
    }
}
