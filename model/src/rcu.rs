//! RCU: read-side sections and `call_rcu` / `kfree_rcu`. A callback runs as soon as every reader
//! that was inside a read-side section when it was queued has left it: the earliest a grace period
//! can end, which is the most adversarial choice for a use-after-free hunt. Entering and leaving
//! are RMWs of the reader's own engine word, and queueing a callback is an RMW of every thread's
//! word ([`PerThread`]): the engines order each reader's sections against `call_rcu`, and readers
//! of different threads not against each other (RCU readers do not synchronize). Whether a reader
//! holds the callback back is decided right after `call_rcu` reached that reader's word.

use crate::kernel::Kernel;
use crate::sync::{PerThread, Step};

/// What a callback does: the subject's own free function (`file_free_rcu`, `kfree_rcu` of a
/// uobject) and its argument (an encoded handle), so the RCU domain names no object type.
#[derive(Clone, Copy, Debug)]
pub struct Deferred {
    free: fn(&Kernel, i64),
    arg: i64,
}

impl Deferred {
    /// Run `free(k, arg)` after a grace period.
    pub fn new(free: fn(&Kernel, i64), arg: i64) -> Deferred {
        Deferred { free, arg }
    }
}

/// The RCU domain of the model kernel.
pub struct Rcu {
    readers: PerThread,
    state: std::sync::Mutex<RcuState>,
}

#[derive(Default)]
struct RcuState {
    inside: Vec<usize>,
    pending: Vec<(Deferred, Vec<usize>)>,
}

impl Rcu {
    /// No reader, nothing pending.
    pub fn new() -> Rcu {
        Rcu {
            readers: PerThread::new(0),
            state: std::sync::Mutex::new(RcuState::default()),
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, RcuState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `rcu_read_lock()`.
    pub fn read_lock(&self, step: Step, tid: usize) {
        self.readers.check(step);
        self.st().inside.push(tid);
    }

    /// `rcu_read_unlock()`: runs the callbacks this reader was the last to hold back.
    pub fn read_unlock(&self, k: &Kernel, step: Step, tid: usize) {
        self.readers.check(step);
        let ready = {
            let mut st = self.st();
            if let Some(i) = st.inside.iter().position(|t| *t == tid) {
                st.inside.remove(i);
            }
            for (_, waiting) in st.pending.iter_mut() {
                waiting.retain(|t| *t != tid);
            }
            let (ready, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut st.pending)
                .into_iter()
                .partition(|(_, w)| w.is_empty());
            st.pending = rest;
            ready
        };
        for (d, _) in ready {
            run(k, d);
        }
    }

    /// `call_rcu`: frees now when no reader is inside, else after the current readers leave.
    pub fn call_rcu(&self, k: &Kernel, step: Step, what: Deferred) {
        let mut waiting = Vec::new();
        self.readers.change(step, 0, 0, |tid| {
            if self.st().inside.contains(&tid) {
                waiting.push(tid);
            }
        });
        // The setup thread only reads alone, never while call_rcu runs.
        if waiting.is_empty() {
            run(k, what);
        } else {
            self.st().pending.push((what, waiting));
        }
    }

    /// End every grace period (quiescence).
    pub fn barrier(&self, k: &Kernel) {
        let pending = std::mem::take(&mut self.st().pending);
        for (d, _) in pending {
            run(k, d);
        }
    }
}

impl Default for Rcu {
    fn default() -> Self {
        Self::new()
    }
}

fn run(k: &Kernel, what: Deferred) {
    (what.free)(k, what.arg)
}
