//! Bare models of S1 (device removal vs last close) written against loom's and shuttle's own
//! primitives: no oracle, no facade, no model heap. They are the baseline of the overhead ratio.
//!
//! Each proposal's model is a macro (`s1_rfc_v2!`, `s1_context!`) so that one source is compiled
//! once per engine, with `AtomicI64`, `Mutex`, `RwLock` and `thread` bound to that engine's types.
//! The shared state lives in a `std::sync::Arc`, as pincheck's kernel does (only the primitives
//! are engine-visible). Orderings are pincheck's: Acquire loads and AcqRel RMWs (a store is an
//! exchange, as the facade makes it).

#[macro_use]
mod s1_rfc_v2;
#[macro_use]
mod s1_context;

/// The bare models under loom.
pub mod loom_engine {
    pub use loom::sync::atomic::AtomicI64;
    pub use loom::sync::{Mutex, RwLock};
    pub use loom::thread;

    s1_rfc_v2!();
    s1_context!();
}

/// The bare models under shuttle.
pub mod shuttle_engine {
    pub use shuttle::sync::atomic::AtomicI64;
    pub use shuttle::sync::{Mutex, RwLock};
    pub use shuttle::thread;

    s1_rfc_v2!();
    s1_context!();
}
