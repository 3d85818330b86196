//! The bare models in `benches/bare/` against what `bare-models` writes from pincheck's current
//! execution of S1: like a snapshot, a model change that moves S1's engine objects or accesses
//! fails here until the models are written again. And the generator's checks: a record it
//! cannot transcribe faithfully is refused, for the reason the error names.

use std::path::Path;

use pincheck_bench::bare::{generate_all, trace, transcribe, Trace, MODELS_DIR};
use pincheck_bench::Error;
use pincheck_model::oracle::{Access, AccessKind, EngineObj};

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

// ---- the generator's refusals: a tampered record of the real execution ----------------------

/// The context model's record, and the positions of thread 1's accesses in it.
fn context_trace() -> (Trace, Vec<usize>) {
    let t = trace("context").expect("S1 runs to its end");
    let ours: Vec<usize> = (0..t.accesses.len())
        .filter(|&i| t.accesses[i].tid == 1 && t.accesses[i].kind.is_access())
        .collect();
    assert!(ours.len() > 2, "thread 1 makes accesses");
    (t, ours)
}

#[test]
fn an_access_by_the_setup_is_refused() {
    let (mut t, ours) = context_trace();
    let a = Access {
        tid: 0,
        step: "test.setup_access",
        ..t.accesses[ours[0]]
    };
    t.accesses.insert(ours[0], a);
    match transcribe("context", &t) {
        Err(Error::SetupAccess { step, .. }) => assert_eq!(step, "test.setup_access"),
        other => panic!("expected SetupAccess, got {other:?}"),
    }
}

#[test]
fn an_access_before_its_step_is_refused() {
    let (mut t, ours) = context_trace();
    // Thread 1's last access whose step the thread logs once, moved before its first access: the
    // access that was first then follows none of the thread's remaining steps.
    let logged_once = |step| t.log.iter().filter(|e| **e == (1, step)).count() == 1;
    let last = *ours
        .iter()
        .rev()
        .find(|&&i| logged_once(t.accesses[i].step))
        .expect("some step of thread 1 is logged once");
    let moved = t.accesses.remove(last);
    t.accesses.insert(ours[0], moved);
    match transcribe("context", &t) {
        Err(Error::StepOrder { thread, index, .. }) => {
            assert_eq!(thread, t.threads[1]);
            assert_eq!(
                index, 1,
                "the thread's first access, now second, is out of order"
            );
        }
        other => panic!("expected StepOrder, got {other:?}"),
    }
}

#[test]
fn a_park_token_and_an_unlock_of_a_lock_not_held_are_refused() {
    let (t, ours) = context_trace();
    // In the step of thread 1's first access, so that the step order holds.
    let mut parked = t.clone();
    parked.accesses.insert(
        ours[0],
        Access {
            tid: 1,
            object: EngineObj::park_of(1),
            kind: AccessKind::Park,
            step: t.accesses[ours[0]].step,
            value: 0,
        },
    );
    match transcribe("context", &parked) {
        Err(Error::Unsupported { what, .. }) => assert!(what.starts_with("park of"), "{what}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let mut unlocked = t.clone();
    let unlock = *ours
        .iter()
        .find(|&&i| t.accesses[i].kind == AccessKind::Unlock)
        .expect("thread 1 unlocks something");
    unlocked.accesses.insert(unlock + 1, t.accesses[unlock]);
    match transcribe("context", &unlocked) {
        Err(Error::Unsupported { what, .. }) => {
            assert!(what.contains("does not hold"), "{what}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}
