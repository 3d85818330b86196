//! The execution's happens-before order, as vector clocks: what the procfs truth ([`super::truth`])
//! judges a listing on, so that its verdict is a property of the execution's trace (its accesses
//! and the order of its dependent accesses), the same for every interleaving of that trace, and
//! not of the one interleaving the engine happened to run and log.
//!
//! The order is the one loom 0.7's DPOR explores one interleaving of: program order of each
//! thread (every logged step ticks its thread's own entry, whether it made an engine access or
//! not); a spawn orders the spawner's steps so far before every step of the new thread; the end
//! of the execution (the quiescence, run as thread 0 once every thread has returned) follows
//! every step of every thread, as does a `join` of the joined thread; and two accesses of one
//! engine object (an atomic, one word of a per-thread value, a lock, one lock of a per-thread
//! rw-semaphore, a thread's park token) are ordered as they took effect. Every pair of accesses of
//! one object counts as dependent, loads and shared locking included, as loom 0.7 treats them: a
//! load that saw a store is ordered after it, and so is a load that ran first and a store that
//! followed. A park and the unpark that ended it are accesses of the parked thread's token, so a
//! wake-up orders the waker's steps before the woken thread's return. Steps a thread logs while it
//! runs alone (the setup before its first spawn, the quiescence) make no engine access: the spawn
//! and end edges order them.
//!
//! The clocks are kept only in an execution that asks for them ([`Oracle::plan_order`]: the
//! scenario reads a pin listing, whose verdict needs them, or the checker asked
//! ([`Oracle::ask_order`]) to judge its `sometimes` goals on the order of steps). They are kept
//! per thread, per engine object and per logged step ([`StepOrder`], for the goals); a verdict's
//! points (a pin's commit, a read's first step, a lookup) are [`Mark`]s, the thread's clock taken
//! at that point. The updates run under the oracle's state lock right after the engine access
//! returned, where the access record ([`super::access`]) is written; they add no scheduling point
//! and no engine access.

use super::access::EngineObj;
use super::{Oracle, State};

/// Threads a clock has an entry for: the execution's main thread and loom's limit of spawned
/// threads (a scenario has at most `LOOM_THREADS_MAX - 1` threads besides the setup). An
/// execution with more threads (shuttle only) keeps no clocks; its marks compare by position.
pub const CLOCK_THREADS_MAX: usize = crate::sync::LOOM_THREADS_MAX;

/// A vector clock: for each thread, how many of its steps are known to precede.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock([u32; CLOCK_THREADS_MAX]);

impl Clock {
    #[inline]
    fn join(&mut self, other: &Clock) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = (*a).max(*b);
        }
    }
}

/// A point of the execution: right after a step of thread `tid` (and its engine access), with
/// that thread's clock there and the log position (`log.len()` then, for traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Log length at that point.
    pub pos: usize,
    /// The thread whose point it is.
    pub tid: usize,
    /// Its clock there; `None` in an execution that keeps no clocks.
    clock: Option<Clock>,
}

impl Mark {
    /// Whether this point happens before `later` or is the same point: every interleaving of
    /// the trace puts it first. Two points of one thread compare by program order; without
    /// clocks, by log position.
    pub fn before(&self, later: &Mark) -> bool {
        self.ordered(later, false)
    }

    /// Whether this point happens before `later` and is not the same point.
    pub fn precedes(&self, later: &Mark) -> bool {
        self.ordered(later, true)
    }

    fn ordered(&self, later: &Mark, strict: bool) -> bool {
        let by_position = match strict {
            true => self.pos < later.pos,
            false => self.pos <= later.pos,
        };
        match (&self.clock, &later.clock) {
            _ if self.tid == later.tid => by_position,
            // Points of two threads are never the same point.
            (Some(a), Some(b)) => a.0[self.tid] <= b.0[self.tid],
            _ => by_position,
        }
    }
}

/// The clocks of one execution.
#[derive(Default)]
pub(super) struct Order {
    /// Clocks are kept ([`Oracle::plan_order`]).
    on: bool,
    /// Each thread's clock, by dense id.
    threads: Vec<Clock>,
    /// Each engine object's clock: the clock of its last access, by creator and sequence.
    objects: Vec<Vec<Clock>>,
    /// Each thread's park token's clock, by the parked thread.
    parks: Vec<Clock>,
    /// A first step to mark, per thread (see [`Oracle::first_step_mark`]).
    first: Vec<Option<Watch>>,
    /// Each logged step's clock, by log position: its thread's clock when that thread logged
    /// its next step (the step's accesses included, whichever side of its tick they fall on;
    /// also the next step's accesses made before its tick, an over-statement [`StepOrder`]
    /// allows for). A thread's last step reads the thread's clock instead.
    steps: Vec<Clock>,
    /// Each thread's last logged step, by dense id.
    last: Vec<Option<usize>>,
}

/// A thread's first step after a point, being marked.
#[derive(Clone, Copy, Debug)]
struct Watch {
    /// The thread's own entry once that step is logged.
    at: u32,
    /// The log position right after it.
    pos: usize,
    /// The point right after it, its accesses included: taken when the thread logs its next
    /// step.
    mark: Option<Mark>,
}

impl Order {
    pub(super) fn recycle(&mut self) {
        self.on = false;
        self.threads.clear();
        for o in &mut self.objects {
            o.clear();
        }
        self.parks.clear();
        self.first.clear();
        self.steps.clear();
        self.last.clear();
    }

    fn thread(&mut self, tid: usize) -> &mut Clock {
        if self.threads.len() <= tid {
            self.threads.resize(tid + 1, Clock::default());
        }
        &mut self.threads[tid]
    }

    /// Thread `tid` logs a step at index `pos`: tick its own entry.
    #[inline]
    pub(super) fn step(&mut self, tid: usize, pos: usize) {
        if !self.on {
            return;
        }
        let own = self.thread(tid).0[tid];
        self.step_clocks(tid, pos);
        self.threads[tid].0[tid] = own + 1;
        if let Some(Some(_)) = self.first.get(tid) {
            self.first_step_watched(tid, own, pos);
        }
    }

    /// Before `tid`'s tick for the step at `pos`: its previous step is over, with its clock.
    /// Steps logged before the clocks were on keep a zero clock ([`StepOrder`] takes them for
    /// steps that precede everything).
    fn step_clocks(&mut self, tid: usize, pos: usize) {
        if self.last.len() <= tid {
            self.last.resize(tid + 1, None);
        }
        if let Some(prev) = self.last[tid] {
            self.steps[prev] = self.threads[tid];
        }
        if self.steps.len() < pos {
            self.steps.resize(pos, Clock::default());
        }
        assert_eq!(
            self.steps.len(),
            pos,
            "step at log position {pos} of thread {tid}: the clocks hold {} steps",
            self.steps.len()
        );
        self.steps.push(self.threads[tid]);
        self.last[tid] = Some(pos);
    }

    /// Around `tid`'s tick from `own`, with a first step watched: the step that ended at `own`
    /// is over with every access it made (mark it), or the step at `pos` is the one watched.
    fn first_step_watched(&mut self, tid: usize, own: u32, pos: usize) {
        let clock = self.threads[tid].0;
        let Some(Some(w)) = self.first.get_mut(tid) else {
            return;
        };
        if w.mark.is_none() && w.at == own {
            let mut before = Clock(clock);
            before.0[tid] = own;
            w.mark = Some(Mark {
                pos: w.pos,
                tid,
                clock: Some(before),
            });
        } else if w.at == own + 1 {
            w.pos = pos + 1;
        }
    }

    /// Thread `tid`'s step just accessed `object`: ordered after the object's last access, and
    /// the object's next access after it.
    #[inline]
    pub(super) fn access(&mut self, tid: usize, object: EngineObj) {
        if !self.on || !object.tracked() {
            return;
        }
        let mut clock = *self.thread(tid);
        let slot = match object.creator() {
            Some(c) => {
                if self.objects.len() <= c {
                    self.objects.resize_with(c + 1, Vec::new);
                }
                let seq = object.seq();
                let of = &mut self.objects[c];
                if of.len() <= seq {
                    of.resize(seq + 1, Clock::default());
                }
                &mut of[seq]
            }
            None => {
                let t = object.seq();
                if self.parks.len() <= t {
                    self.parks.resize(t + 1, Clock::default());
                }
                &mut self.parks[t]
            }
        };
        clock.join(slot);
        *slot = clock;
        self.threads[tid] = clock;
    }

    /// Thread `child` is created by `parent`: it starts after everything `parent` did so far.
    /// Its start is an event of its own (entry 1), so that a point of it before its first step
    /// is not taken for one every thread has seen.
    pub(super) fn spawned(&mut self, parent: usize, child: usize) {
        if self.on {
            let mut clock = *self.thread(parent);
            clock.0[child] = 1;
            *self.thread(child) = clock;
        }
    }

    /// Thread `tid` continues after every step of `joined` (a join, the end of the execution).
    pub(super) fn joined(&mut self, tid: usize, joined: impl Iterator<Item = usize>) {
        if !self.on {
            return;
        }
        for j in joined {
            let clock = *self.thread(j);
            self.thread(tid).join(&clock);
        }
    }

    /// The point right after `tid`'s last step.
    fn mark(&mut self, tid: usize, pos: usize) -> Mark {
        let clock = self.on.then(|| *self.thread(tid));
        Mark { pos, tid, clock }
    }
}

impl Oracle {
    /// Keep the execution's happens-before order (call before building the kernel: objects
    /// created before are not ordered). Off when the execution has more threads than a clock
    /// holds: marks then compare by log position.
    pub fn plan_order(&self, on: bool) {
        let asked = self.order_asked.load(std::sync::atomic::Ordering::Relaxed);
        let on = (on || asked) && self.threads_planned() < CLOCK_THREADS_MAX;
        self.keep_order
            .store(on, std::sync::atomic::Ordering::Relaxed);
        self.st().order.on = on;
    }

    /// The point right after the running thread's last step.
    pub fn mark(&self) -> Mark {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let tid = self.running_tid(&st, key);
        Self::mark_of(&mut st, tid)
    }

    pub(super) fn mark_of(st: &mut State, tid: usize) -> Mark {
        let pos = st.log.len();
        st.order.mark(tid, pos)
    }

    /// Start watching for the running thread's next step: [`Oracle::first_step_mark`] gives the
    /// point right after it (its engine accesses included).
    pub fn first_step_watch(&self) {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let tid = self.running_tid(&st, key);
        let pos = st.log.len();
        let order = &mut st.order;
        if !order.on {
            return;
        }
        let own = order.thread(tid).0[tid] + 1;
        if order.first.len() <= tid {
            order.first.resize(tid + 1, None);
        }
        order.first[tid] = Some(Watch {
            at: own,
            pos,
            mark: None,
        });
    }

    /// The point right after the running thread's first step since [`Oracle::first_step_watch`]
    /// (its last step so far when that is the only one; the point of the watch when it made
    /// none). Without clocks, the position of that first step in the log.
    pub fn first_step_mark(&self, start: &Mark) -> Mark {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let tid = self.running_tid(&st, key);
        if !st.order.on {
            let pos = Self::first_step_of(&st, tid, start.pos);
            return Mark { pos, ..*start };
        }
        let taken = st.order.first.get_mut(tid).and_then(Option::take);
        match taken.and_then(|w| w.mark) {
            Some(mark) => mark,
            None => Self::mark_of(&mut st, tid),
        }
    }
}

/// The happens-before order of one execution's logged steps, for judgments that must hold for
/// the execution's trace rather than the one interleaving the engine ran (the `sometimes` goals
/// of the checker): loom explores each trace once, not each interleaving of it.
///
/// A step's accesses are recorded after the step is logged and before its thread logs the next
/// (the facade's discipline: `sync::context`'s `acquire`, `release` and `accessed`, `park`,
/// `unpark`, `PerThread`), so an access carries its step's own entry, and a step's clock, taken
/// when its thread logs the next step, includes every access it made.
/// [`surely_before`](Self::surely_before) is then the trace's order between two steps; steps
/// logged before the clocks were kept count as preceding every other step (an interleaving it
/// allows is always one of the trace's).
pub struct StepOrder<'a> {
    order: &'a Order,
    log: &'a [super::Event],
}

impl StepOrder<'_> {
    /// Whether every interleaving of the trace puts logged step `i` before logged step `j`
    /// (when the clocks cannot tell, yes). A step does not precede itself.
    pub fn surely_before(&self, i: usize, j: usize) -> bool {
        let (ti, tj) = (self.log[i].tid, self.log[j].tid);
        if ti == tj {
            return i < j;
        }
        self.clock_of(j).0[ti] >= self.clock_of(i).0[ti]
    }

    fn clock_of(&self, i: usize) -> Clock {
        let tid = self.log[i].tid;
        match self.order.last.get(tid) {
            Some(Some(last)) if *last == i => self.order.threads[tid],
            _ => self.order.steps.get(i).copied().unwrap_or_default(),
        }
    }
}

impl Oracle {
    /// Ask for the happens-before order in this execution although it reads no pin listing
    /// (call before the program runs: [`plan_order`](Self::plan_order) then keeps it).
    pub fn ask_order(&self) {
        self.order_asked
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The execution's log, with its steps' happens-before order when the execution kept
    /// clocks (`None`: compare by log position).
    pub fn with_log_order<R>(
        &self,
        f: impl FnOnce(&[super::Event], Option<StepOrder<'_>>) -> R,
    ) -> R {
        let st = self.st();
        let order = st.order.on.then(|| StepOrder {
            order: &st.order,
            log: &st.log,
        });
        f(&st.log, order)
    }
}
