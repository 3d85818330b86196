//! The lock around std-side data of one execution (the oracle's state, the heap's slabs): a std
//! mutex under std threads; under loom and shuttle a borrow flag, checked on the OS thread that
//! runs the execution.
//!
//! loom and shuttle run every model thread of an execution as a coroutine of one OS thread, and
//! switch between them only inside engine accesses, which no holder of this lock spans (the
//! facade's rule: no std lock is held across an engine access): the data is never touched by two
//! threads at once, and a mutex's two locked instructions per visit (the oracle is visited several
//! times per logged step, a slab at every checked dereference) bought nothing but their cost. The
//! borrow flag keeps the mutex's rule that a visit does not nest in another (a nested visit would
//! deadlock the mutex; here it panics), and a visit from any other OS thread panics instead of
//! racing. No engine sees any of this: it is not an engine object and makes no engine access.

use std::cell::{Cell, UnsafeCell};
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

use crate::sync::Engine;

thread_local! {
    /// Its address names the calling OS thread among the live ones, for the price of a
    /// thread-local address (no `thread::current()`, which clones an `Arc`).
    static OS_THREAD_TAG: u8 = const { 0 };
}

fn os_thread_tag() -> usize {
    OS_THREAD_TAG.with(|t| t as *const u8 as usize)
}

/// Std-side data of one execution behind the lock its engine needs.
pub(crate) enum ExecCell<T> {
    /// Under std threads, which run in parallel.
    Shared(Mutex<T>),
    /// Under loom and shuttle: only the OS thread that created it may visit it.
    Owned {
        owner: usize,
        borrowed: Cell<bool>,
        value: UnsafeCell<T>,
    },
}

// SAFETY: `Owned` is reached only through `lock`, which panics unless it runs on the OS thread
// `owner` names (live threads have distinct thread-local addresses, so at most one live thread
// passes) and while no guard of it exists (the borrow flag, which only that thread touches);
// `get_mut` needs `&mut self`. `Shared` is a `Mutex`, which is `Sync` for `T: Send`.
unsafe impl<T: Send> Sync for ExecCell<T> {}

impl<T> ExecCell<T> {
    /// For an execution under `engine` (`None`: outside any execution, where the caller's
    /// threads may run in parallel): a mutex under std threads, else a borrow flag owned by the
    /// calling OS thread.
    pub(crate) fn new(value: T, engine: Option<Engine>) -> Self {
        if matches!(engine, None | Some(Engine::Std)) {
            ExecCell::Shared(Mutex::new(value))
        } else {
            ExecCell::Owned {
                owner: os_thread_tag(),
                borrowed: Cell::new(false),
                value: UnsafeCell::new(value),
            }
        }
    }

    /// Exclusive access until the guard drops. Under `Owned`, panics if called from another OS
    /// thread or while a guard exists (a model bug either way).
    #[inline]
    pub(crate) fn lock(&self) -> ExecGuard<'_, T> {
        match self {
            ExecCell::Shared(m) => {
                let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
                ExecGuard {
                    value: NonNull::from(&mut *g),
                    release: Release::Mutex(g),
                }
            }
            ExecCell::Owned {
                owner,
                borrowed,
                value,
            } => {
                assert!(
                    *owner == os_thread_tag(),
                    "an execution's oracle visited from an OS thread other than its engine's"
                );
                assert!(
                    !borrowed.replace(true),
                    "the oracle's state visited while a visit is under way"
                );
                ExecGuard {
                    value: NonNull::new(value.get()).expect("an UnsafeCell's pointer is not null"),
                    release: Release::Flag(borrowed),
                }
            }
        }
    }

    /// The data, with no lock: the caller owns the cell.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        match self {
            ExecCell::Shared(m) => m.get_mut().unwrap_or_else(|e| e.into_inner()),
            ExecCell::Owned { value, .. } => value.get_mut(),
        }
    }
}

/// What a [`ExecGuard`] gives back when it drops.
enum Release<'a, T> {
    /// The mutex guard (dropping it unlocks).
    #[allow(dead_code)] // Held for its `Drop`.
    Mutex(MutexGuard<'a, T>),
    /// The borrow flag to clear.
    Flag(&'a Cell<bool>),
}

/// Exclusive access to the data; see [`ExecCell::lock`].
pub(crate) struct ExecGuard<'a, T> {
    /// The data: inside the mutex `release` holds, or the cell whose flag it will clear.
    value: NonNull<T>,
    release: Release<'a, T>,
}

impl<T> Drop for ExecGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Release::Flag(borrowed) = self.release {
            borrowed.set(false);
        }
    }
}

impl<T> std::ops::Deref for ExecGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex or the borrow flag for as long as it lives.
        unsafe { self.value.as_ref() }
    }
}

impl<T> std::ops::DerefMut for ExecGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the only reference.
        unsafe { self.value.as_mut() }
    }
}
