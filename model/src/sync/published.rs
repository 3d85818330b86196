//! A published pointer (`rcu_assign_pointer` / `smp_store_release` + `smp_load_acquire`).
//!
//! Under the std engine it is an `arc_swap::ArcSwapOption`, the natural type for a read-mostly
//! pointer that readers load without a lock. Neither loom nor shuttle can see inside arc-swap, so
//! under them it is an engine atomic holding an index into an append-only table of the values ever
//! published: the load and the store are then the engine-visible accesses.

use std::sync::Arc;

use super::{context, Atomic, Engine, Step};

enum Inner<T> {
    Engine {
        cell: Atomic,
        table: std::sync::Mutex<Vec<Arc<T>>>,
    },
    Std(arc_swap::ArcSwapOption<T>),
}

/// A pointer written by one thread and loaded without a lock by others.
pub struct Published<T> {
    inner: Inner<T>,
}

impl<T> Published<T> {
    /// An empty (NULL) pointer. Creating one is not a step.
    pub fn new() -> Published<T> {
        let (engine, _) = context::current_oracle();
        let inner = match engine {
            Engine::Std => Inner::Std(arc_swap::ArcSwapOption::empty()),
            Engine::Loom | Engine::Shuttle => Inner::Engine {
                cell: Atomic::new(0),
                table: std::sync::Mutex::new(Vec::new()),
            },
        };
        Published { inner }
    }

    /// Publish `value` (or NULL).
    pub fn store(&self, step: Step, value: Option<Arc<T>>) {
        match &self.inner {
            Inner::Std(a) => context::step(step, || a.store(value)),
            Inner::Engine { cell, table } => {
                let index = match value {
                    None => 0,
                    Some(v) => {
                        let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
                        t.push(v);
                        t.len() as i64
                    }
                };
                cell.store(step, index);
            }
        }
    }

    /// Load the published value.
    pub fn load(&self, step: Step) -> Option<Arc<T>> {
        match &self.inner {
            Inner::Std(a) => context::step(step, || a.load_full()),
            Inner::Engine { cell, table } => {
                let index = cell.load(step);
                self.at(table, index)
            }
        }
    }

    /// The value last stored, for reports. Not a step.
    pub fn peek(&self) -> Option<Arc<T>> {
        match &self.inner {
            Inner::Std(a) => a.load_full(),
            Inner::Engine { cell, table } => self.at(table, cell.peek()),
        }
    }

    fn at(&self, table: &std::sync::Mutex<Vec<Arc<T>>>, index: i64) -> Option<Arc<T>> {
        if index == 0 {
            return None;
        }
        let t = table.lock().unwrap_or_else(|e| e.into_inner());
        Some(Arc::clone(&t[index as usize - 1]))
    }
}

impl<T> Default for Published<T> {
    fn default() -> Self {
        Self::new()
    }
}
