//! Which engine and which execution's oracle the current OS thread is running.
//!
//! loom and shuttle run every model thread of an execution as a coroutine on the OS thread that
//! called them, so one std thread-local is right for all model threads of that execution; the std
//! engine sets it in each OS thread it spawns. The model thread id comes from the engine and is
//! mapped to the oracle's dense thread numbers by the oracle itself.

use std::cell::RefCell;
use std::sync::Arc;

use super::Engine;
use crate::oracle::Oracle;

thread_local! {
    static CURRENT: RefCell<Option<(Engine, Arc<Oracle>)>> = const { RefCell::new(None) };
}

/// Restores the previous context on drop.
pub struct Entered {
    previous: Option<(Engine, Arc<Oracle>)>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Make `oracle` (running under `engine`) the current execution of this OS thread.
pub(crate) fn enter(engine: Engine, oracle: Arc<Oracle>) -> Entered {
    let previous = CURRENT.with(|c| c.borrow_mut().replace((engine, oracle)));
    Entered { previous }
}

/// The current execution's engine and oracle. Panics outside an execution: that is a model bug.
pub(crate) fn current_oracle() -> (Engine, Arc<Oracle>) {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map(|(e, o)| (*e, Arc::clone(o)))
            .expect("sync facade used outside a pincheck execution")
    })
}

/// A key naming the running model thread, unique within one execution.
pub(crate) fn engine_thread_key(engine: Engine) -> u64 {
    use std::hash::{Hash, Hasher};
    match engine {
        Engine::Loom => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            loom::thread::current().id().hash(&mut h);
            h.finish()
        }
        Engine::Shuttle => usize::from(shuttle::current::me()) as u64,
        Engine::Std => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::thread::current().id().hash(&mut h);
            h.finish()
        }
    }
}

/// Run one engine access as the named step of the current model thread: the oracle records the
/// step as pending before the access (so a replaying scheduler can check it) and logs it after.
pub(crate) fn step<R>(step: super::Step, access: impl FnOnce() -> R) -> R {
    let (engine, oracle) = current_oracle();
    let tid = oracle.step_begin(engine, step, None);
    let r = access();
    oracle.step_end(tid);
    r
}
