//! The lifetime oracle: everything the checker knows about an execution that the engines must not
//! see. It is std-only bookkeeping behind one std mutex, touched only from inside facade steps or
//! model code between steps, so it never adds a scheduling point and never blocks under loom or
//! shuttle (one model thread runs at a time there).
//!
//! It keeps the execution's event log (one entry per engine access, named by its step), the
//! threads, lockdep's view of who holds and waits for which lock (and the hung-task detector's of
//! who sleeps, [`hang`]), the objects of the model heap (allocated by, freed by, who holds a
//! reference: a ref_tracker), pins' visible lives and fd slots for the procfs truth ([`truth`], judged on the execution's happens-before order, [`order`]),
//! the blocks mapped for DMA and freed by the filesystem ([`dax`]), observations, and the
//! findings, each from a registered check ([`check`]). An execution may run under a mutation plan ([`mutation`]) and record the
//! mutation points it runs.

pub mod access;
pub mod check;
pub mod dax;
mod fault;
mod finding;
pub mod hang;
mod leak;
mod lockdep;
pub mod mutation;
mod objects;
pub mod order;
pub mod truth;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::sync::{Arc, Mutex};

use crate::exec_cell::{ExecCell, ExecGuard};

pub use access::{Access, AccessKind, EngineObj, ObjectLabel};
pub use check::Check;
pub use fault::FaultPoint;
pub use finding::{Finding, FindingKind};
pub use lockdep::{CompletionId, LockId, LockMode};
pub use mutation::{HolderLabel, Mutation};
pub use objects::{Holder, ObjId, ObjectInfo, Root};
pub use order::{Mark, StepOrder};
pub use truth::{Listed, Reading, Untrue};

use crate::sync::{Engine, Step};
use crate::Abort;

/// A model execution may take at most this many engine accesses; past it the execution is a
/// livelock finding (a retry loop that never makes progress), never a hung checker.
pub const STEPS_PER_EXECUTION_MAX: usize = 20_000;

/// One engine access of one model thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Dense thread number: 0 is the scenario's setup / quiescence thread, then in spawn order.
    pub tid: usize,
    /// The step's stable name.
    pub step: Step,
    /// The lock the step acts on, when it is a lock operation.
    pub lock: Option<&'static str>,
    /// Whether the thread had to wait (it was blocked before the access completed).
    pub waited: bool,
    /// Object states that changed at this step (`file#1 f_count 2->1`), for traces.
    pub notes: Vec<Note>,
}

/// One run of a replay plan: thread `tid` runs until it completes the `occurrence`-th (1-based,
/// counted from the start of the execution) execution of `step`; then the next segment's thread
/// runs. Anchoring runs on named steps, not on step counts, keeps a plan valid across model
/// changes that keep those step names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Thread.
    pub tid: usize,
    /// The step that ends the run.
    pub step: String,
    /// Which completion of that step by that thread ends it.
    pub occurrence: usize,
}

/// An object state change attached to a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// A counter moved: `file#1 f_count 2->1`.
    Count {
        /// Object kind (`file`).
        kind: &'static str,
        /// Its sequence number among objects of that kind.
        seq: u32,
        /// The counter (`f_count`, `kref`).
        field: &'static str,
        /// Before.
        old: i64,
        /// After.
        new: i64,
    },
    /// A load returned a value older than the last one stored (loom's weak memory).
    StaleRead {
        /// What the load returned.
        seen: i64,
        /// The value last stored.
        latest: i64,
    },
    /// Anything else (`trylock of ucontext_lock failed`).
    Text(String),
    /// The thread took the failing branch of a fault point (its `occurrence`-th reach of `step`).
    Fault {
        /// The point.
        step: Step,
        /// Which reach.
        occurrence: usize,
    },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Count {
                kind,
                seq,
                field,
                old,
                new,
            } => write!(f, "{kind}#{seq} {field} {old}->{new}"),
            Note::StaleRead { seen, latest } => {
                write!(
                    f,
                    "weak memory: read {seen}, an older value than the latest {latest}"
                )
            }
            Note::Text(t) => f.write_str(t),
            Note::Fault { step, occurrence } => {
                write!(f, "fault injected: {step} (reach {occurrence}) fails")
            }
        }
    }
}

/// Where a finding is reported: the thread, the index and name of its step, and the scenario
/// operation it was running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FindingSite {
    tid: usize,
    event: usize,
    step: Step,
    op: Option<usize>,
}

/// The interleaving a replaying scheduler must follow.
#[derive(Clone, Debug, Default)]
pub struct ReplayPlan {
    /// The runs, in order.
    pub segments: Vec<Segment>,
    /// Take a snapshot of the object graph after the step with this index (0-based, as traces
    /// number steps), effects included: it is taken when the next step is logged
    /// (`pincheck replay --until`). After the last step the caller takes it with
    /// [`Oracle::graph`].
    pub until: Option<usize>,
    /// The fault points that fail in this execution.
    pub faults: Vec<FaultPoint>,
}

impl ReplayPlan {
    /// The plan that replays `events` exactly.
    pub fn from_events(events: &[Event]) -> ReplayPlan {
        let mut counts: HashMap<(usize, &str), usize> = HashMap::new();
        let mut segments: Vec<Segment> = Vec::new();
        let mut faults = Vec::new();
        for (i, e) in events.iter().enumerate() {
            for note in &e.notes {
                if let Note::Fault { step, occurrence } = note {
                    faults.push(FaultPoint {
                        tid: e.tid,
                        step: step.to_string(),
                        occurrence: *occurrence,
                    });
                }
            }
            let n = counts.entry((e.tid, e.step)).or_insert(0);
            *n += 1;
            let last_of_run = events.get(i + 1).is_none_or(|next| next.tid != e.tid);
            if last_of_run {
                segments.push(Segment {
                    tid: e.tid,
                    step: e.step.to_string(),
                    occurrence: *n,
                });
            }
        }
        ReplayPlan {
            segments,
            until: None,
            faults,
        }
    }
}

/// The first place where a replayed execution left its plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayDivergence {
    /// Index of the segment.
    pub segment: usize,
    /// What the plan said.
    pub expected: Segment,
    /// What happened instead: the thread that ran and the step it did.
    pub found: (usize, String),
}

struct ThreadInfo {
    name: String,
    /// The step under way: its name, its lock, and the log length when it began.
    pending: Option<(Step, Option<&'static str>, usize)>,
    /// The pending step had to wait for a lock or a thread (not merely preempted).
    blocked: bool,
    /// Index of the scenario operation the thread is running.
    op: Option<usize>,
    finished: bool,
}

/// The engine's keys of the running threads and their dense ids: at most a handful per execution,
/// looked up at every step, so a linear scan beats hashing.
#[derive(Default)]
struct ThreadKeys(Vec<(u64, usize)>);

impl ThreadKeys {
    #[inline]
    fn get(&self, key: &u64) -> Option<&usize> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    fn insert(&mut self, key: u64, tid: usize) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = tid,
            None => self.0.push((key, tid)),
        }
    }
}

/// Initial capacity of the event log: an S1 execution logs about 130 steps.
const LOG_CAPACITY_INITIAL: usize = 256;

#[derive(Default)]
struct State {
    threads: Vec<ThreadInfo>,
    keys: ThreadKeys,
    log: Vec<Event>,
    findings: Vec<Finding>,
    objects: objects::Objects,
    lockdep: lockdep::Lockdep,
    observations: BTreeMap<String, String>,
    aborted: Option<Abort>,
    replay: Option<Arc<ReplayPlan>>,
    replay_cursor: usize,
    replay_counts: HashMap<(usize, Step), usize>,
    divergence: Option<ReplayDivergence>,
    snapshot: Option<Vec<String>>,
    pins: Vec<truth::PinLife>,
    fds: Vec<truth::FdLife>,
    /// Listings read, judged at the end of the execution ([`truth`]).
    readings: Vec<truth::Reading>,
    /// Which owner's pins each file shows (procfs truth).
    speaks_for: Vec<(ObjId, ObjId)>,
    /// Mutation points this execution ran, when collecting.
    points: BTreeMap<Mutation, bool>,
    /// Blocks mapped for DMA, and blocks freed.
    dax: dax::Dax,
    /// Threads asleep in `wait_var_event`.
    sleeping: Vec<usize>,
    /// Waiting threads blocked in the engine (parked), and how to wake them.
    parked: Vec<hang::Parked>,
    faults: fault::Faults,
    /// The engine accesses, when the execution records them ([`access`]).
    record: access::Record,
    /// The happens-before order, when the execution keeps it ([`order`]).
    order: order::Order,
    /// Emptied buffers of earlier executions, handed out again (see [`State::recycle`]).
    spare: Spare,
}

/// Emptied buffers kept for the next execution: their capacity is what is reused. An exploration
/// runs thousands of short executions of one scenario; allocating every event's note list, every
/// object's holder list and every thread name afresh was a fifth of pincheck's cost per execution
/// over a bare engine model (see `bench/benches/FIGURES.md`).
#[derive(Default)]
struct Spare {
    notes: Vec<Vec<Note>>,
    holders: Vec<Vec<(Holder, u32)>>,
    names: Vec<String>,
}

thread_local! {
    /// The emptied state of the last execution that ended on this OS thread. loom and shuttle run
    /// all executions of an exploration on the thread that called them, so the next
    /// [`Oracle::new`] there takes it over.
    static SPARE_STATE: std::cell::RefCell<Option<State>> = const { std::cell::RefCell::new(None) };
}

impl State {
    /// Empty every table for the next execution, keeping the allocations. Destructures `State`
    /// whole, so a new field cannot be forgotten here.
    fn recycle(&mut self) {
        let State {
            threads,
            keys,
            log,
            findings,
            objects,
            lockdep,
            observations,
            aborted,
            replay,
            replay_cursor,
            replay_counts,
            divergence,
            snapshot,
            pins,
            fds,
            readings,
            speaks_for,
            points,
            dax,
            sleeping,
            parked,
            faults,
            record,
            order,
            spare,
        } = self;
        for t in threads.drain(..) {
            spare.names.push(t.name);
        }
        keys.0.clear();
        for e in log.drain(..) {
            if e.notes.capacity() > 0 {
                spare.notes.push(e.notes);
            }
        }
        findings.clear();
        objects.recycle(&mut spare.holders);
        lockdep.recycle();
        observations.clear();
        *aborted = None;
        *replay = None;
        *replay_cursor = 0;
        replay_counts.clear();
        *divergence = None;
        *snapshot = None;
        pins.clear();
        fds.clear();
        readings.clear();
        speaks_for.clear();
        points.clear();
        dax.recycle();
        sleeping.clear();
        parked.clear();
        faults.clear();
        record.recycle();
        order.recycle();
        for v in &mut spare.notes {
            v.clear();
        }
        for v in &mut spare.holders {
            v.clear();
        }
    }

    /// A thread name in a recycled buffer.
    fn name(&mut self, name: &str) -> String {
        let mut s = self.spare.names.pop().unwrap_or_default();
        s.clear();
        s.push_str(name);
        s
    }
}

/// The oracle of one execution.
pub struct Oracle {
    engine: Engine,
    /// Under loom and shuttle: the model thread that bound itself or ended a step last (see
    /// [`Oracle::running_key`]). Outside the state lock, so that a step that cannot block learns
    /// its thread without taking it.
    running: AtomicUsize,
    /// The mutation plan of this execution (see [`mutation`]), outside the state lock: lock,
    /// kref and `_unless_zero` sites consult it before their engine access.
    mutation: Option<Mutation>,
    /// Record the mutation points the execution runs.
    collect_points: bool,
    /// Record the engine accesses ([`access`]).
    record_accesses: bool,
    /// Keep the happens-before order ([`order`]), set by [`Oracle::plan_order`] before the
    /// kernel is built; outside the state lock, as the facade asks it when it creates an engine
    /// object.
    keep_order: std::sync::atomic::AtomicBool,
    /// The order was asked for although the execution reads no pin listing
    /// ([`Oracle::ask_order`]).
    order_asked: std::sync::atomic::AtomicBool,
    /// Model threads spawned whose body has not returned: none means the running thread (the
    /// setup, before its first spawn or after the last thread returned) runs alone.
    threads_running: AtomicUsize,
    /// Scenario threads the execution will spawn (sizes per-thread words, `sync::PerThread`).
    threads_planned: AtomicUsize,
    /// Threads parked in a wait (the length of `State::parked`), outside the state lock: a thread
    /// about to block or return asks the state only when someone is parked.
    parked_count: AtomicUsize,
    /// What runs once every model thread has returned (see [`Oracle::at_end`]), outside the
    /// state lock: it runs model code, which takes it.
    ending: Mutex<Ending>,
    /// A mutex under std threads, a borrow flag under loom and shuttle ([`crate::exec_cell`]).
    state: ExecCell<State>,
}

/// Work deferred to the end of an execution: run once, as thread 0, after the main thread
/// returned and every thread it spawned returned.
pub(crate) type AtEnd = Box<dyn FnOnce(&Arc<Oracle>) + Send>;

/// The end of an execution: who has returned, and what then runs.
#[derive(Default)]
struct Ending {
    /// The execution's main thread (thread 0, the setup) returned from the body.
    main_returned: bool,
    /// The deferred work was taken: the execution is over.
    ended: bool,
    /// The deferred work, in the order it was deferred.
    then: Vec<AtEnd>,
}

impl Drop for Oracle {
    /// Hand the emptied state to this OS thread's next execution.
    fn drop(&mut self) {
        let mut state = std::mem::take(self.state.get_mut());
        state.recycle();
        // During thread teardown the slot may be gone already: the state is then simply freed.
        let _ = SPARE_STATE.try_with(|s| *s.borrow_mut() = Some(state));
    }
}

impl Oracle {
    /// A fresh oracle; thread 0 (`setup`) is the one that runs the execution's body.
    pub fn new(engine: Engine, replay: Option<Arc<ReplayPlan>>) -> Oracle {
        Self::with_plans(engine, replay, None, false, false)
    }

    /// A fresh oracle that runs the model under `mutation` and, with `collect_points`, records
    /// the mutation points the execution runs; with `record_accesses`, its engine accesses
    /// ([`access`]).
    pub fn with_plans(
        engine: Engine,
        replay: Option<Arc<ReplayPlan>>,
        mutation: Option<Mutation>,
        collect_points: bool,
        record_accesses: bool,
    ) -> Oracle {
        let spare = SPARE_STATE
            .try_with(|s| s.borrow_mut().take())
            .ok()
            .flatten();
        let mut state = spare.unwrap_or_else(|| State {
            log: Vec::with_capacity(LOG_CAPACITY_INITIAL),
            ..State::default()
        });
        let name = state.name("setup");
        state.threads.push(ThreadInfo {
            name,
            pending: None,
            blocked: false,
            op: None,
            finished: false,
        });
        state.replay = replay;
        Oracle {
            engine,
            running: AtomicUsize::new(0),
            mutation,
            collect_points,
            record_accesses,
            keep_order: std::sync::atomic::AtomicBool::new(false),
            order_asked: std::sync::atomic::AtomicBool::new(false),
            threads_running: AtomicUsize::new(0),
            threads_planned: AtomicUsize::new(crate::sync::LOOM_THREADS_MAX - 1),
            parked_count: AtomicUsize::new(0),
            ending: Mutex::new(Ending::default()),
            state: ExecCell::new(state, Some(engine)),
        }
    }

    #[inline]
    fn st(&self) -> ExecGuard<'_, State> {
        self.state.lock()
    }

    /// The engine this execution runs under.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    // ---- threads and steps -------------------------------------------------------------------

    /// Register a thread about to be spawned; returns its dense id.
    pub(crate) fn thread_create(&self, name: &str) -> usize {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let parent = self.running_tid(&st, key);
        let name = st.name(name);
        st.threads.push(ThreadInfo {
            name,
            pending: None,
            blocked: false,
            op: None,
            finished: false,
        });
        let tid = st.threads.len() - 1;
        st.order.spawned(parent, tid);
        tid
    }

    /// The running thread `tid` joined thread `joined`: it follows all its steps.
    pub(crate) fn thread_joined(&self, tid: usize, joined: usize) {
        self.st().order.joined(tid, std::iter::once(joined));
    }

    /// Map the engine's id of the running thread to `tid`.
    pub(crate) fn thread_bind(&self, key: u64, tid: usize) {
        let mut st = self.st();
        st.keys.insert(key, tid);
        self.running.store(tid, Relaxed);
    }

    /// What identifies the running thread, computed before taking the state lock: `None` under
    /// loom and shuttle, where one model thread runs at a time and switches only inside engine
    /// accesses, which the facade brackets (`step_begin`/`step_end`, `step_tid`/`step_done`); the running thread is then
    /// the one that last bound itself ([`thread_bind`](Self::thread_bind), at its start) or ended a
    /// step, and asking the engine (a thread-local lookup and a hash per step) is not needed.
    /// Under std threads run in parallel: the engine's key of the calling OS thread.
    #[inline]
    fn running_key(engine: Engine) -> Option<u64> {
        (engine == Engine::Std).then(|| crate::sync::engine_key(engine))
    }

    /// The dense id of the running thread, from what [`running_key`](Self::running_key) gave.
    #[inline]
    fn running_tid(&self, st: &State, key: Option<u64>) -> usize {
        let tid = match key {
            Some(key) => st.keys.get(&key).copied().unwrap_or(0),
            None => self.running.load(Relaxed),
        };
        if crate::SELF_CHECKS {
            assert_eq!(
                tid,
                st.keys
                    .get(&crate::sync::engine_key(self.engine))
                    .copied()
                    .unwrap_or(0),
                "the running thread switched outside an engine access"
            );
        }
        tid
    }

    /// The execution will spawn `threads` scenario threads (call before building the kernel).
    pub fn plan_threads(&self, threads: usize) {
        self.threads_planned.store(threads, Relaxed);
    }

    /// Scenario threads the execution will spawn.
    pub(crate) fn threads_planned(&self) -> usize {
        self.threads_planned.load(Relaxed)
    }

    /// A model thread is being spawned (before the engine spawns it).
    pub(crate) fn thread_started(&self) {
        self.threads_running.fetch_add(1, AcqRel);
    }

    /// A spawned model thread's body returned: it makes no more accesses.
    pub(crate) fn thread_returned(&self) {
        if self.record_accesses {
            self.record_return();
        }
        self.threads_running.fetch_sub(1, AcqRel);
    }

    /// Defer `f` to the end of the execution (see [`AtEnd`]); deferred work runs in order.
    pub(crate) fn at_end(&self, f: AtEnd) {
        let mut e = self.ending.lock().unwrap_or_else(|e| e.into_inner());
        assert!(
            !e.ended,
            "work deferred to the end of an execution that has ended"
        );
        e.then.push(f);
    }

    /// The execution's main thread returned from the body.
    pub(crate) fn main_returned(&self) {
        let mut e = self.ending.lock().unwrap_or_else(|e| e.into_inner());
        assert!(!e.main_returned, "the main thread returned twice");
        e.main_returned = true;
    }

    /// The deferred work, once and only once: when the main thread and every thread spawned
    /// have returned. The caller runs it.
    pub(crate) fn take_ending(&self) -> Option<Vec<AtEnd>> {
        let mut e = self.ending.lock().unwrap_or_else(|e| e.into_inner());
        if e.ended || !e.main_returned || !self.alone() {
            return None;
        }
        e.ended = true;
        // What runs now, as thread 0, follows every step of every thread.
        let mut st = self.st();
        let threads = st.threads.len();
        st.order.joined(0, 1..threads);
        drop(st);
        Some(std::mem::take(&mut e.then))
    }

    /// Record the running thread's return in the access record (out of line: the record is off
    /// in every exploration but `pincheck redundancy`'s).
    #[cold]
    #[inline(never)]
    fn record_return(&self) {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let tid = self.running_tid(&st, key);
        st.record_exit(tid);
    }

    /// The running thread runs alone: no spawned thread is still running, so nothing can race
    /// with what it does now (the setup before its first spawn, or after every thread returned).
    #[inline]
    pub(crate) fn alone(&self) -> bool {
        self.threads_running.load(Acquire) == 0
    }

    /// Mark the running thread finished (for preemption counting).
    pub fn thread_finish(&self, tid: usize) {
        self.st().threads[tid].finished = true;
    }

    /// The dense id of the running model thread.
    pub fn current_tid(&self) -> usize {
        let key = Self::running_key(self.engine);
        self.running_tid(&self.st(), key)
    }

    /// Names of the threads, by id.
    pub fn thread_names(&self) -> Vec<String> {
        self.st().threads.iter().map(|t| t.name.clone()).collect()
    }

    /// Called by the facade before an engine access that may block (a lock, a join) or whose
    /// step findings may name while it is under way; returns the running thread's id.
    pub(crate) fn step_begin(&self, engine: Engine, step: Step, lock: Option<LockId>) -> usize {
        let key = Self::running_key(engine);
        let mut st = self.st();
        self.begin(&mut st, key, step, lock)
    }

    fn begin(&self, st: &mut State, key: Option<u64>, step: Step, lock: Option<LockId>) -> usize {
        let tid = self.running_tid(st, key);
        let lock_name = lock.map(|l| st.lockdep.name(l));
        let len = st.log.len();
        st.threads[tid].pending = Some((step, lock_name, len));
        tid
    }

    /// Called by the facade after the engine access of [`step_begin`](Self::step_begin)
    /// completed: logs the step, in completion order, and checks it against the replay plan when
    /// there is one.
    pub(crate) fn step_end(&self, tid: usize) {
        let mut st = self.st();
        self.end(&mut st, tid);
    }

    #[inline]
    fn end(&self, st: &mut State, tid: usize) {
        let (step, lock, began) = st.threads[tid]
            .pending
            .take()
            .expect("step_end without begin");
        // Waited: blocked on a lock or a join while others ran (a preemption is not a wait).
        let blocked = std::mem::take(&mut st.threads[tid].blocked);
        if blocked && self.record_accesses {
            st.record_event_in(tid, AccessKind::Resume, step);
        }
        let waited = blocked && st.log.len() != began;
        self.log_step(st, tid, step, lock, waited);
    }

    /// Before an engine access that never blocks (an atomic, a yield): the running thread's id.
    /// Under loom and shuttle nothing is recorded and no lock is taken: no model code of this
    /// thread runs until the access returns, so no finding can name the step while it is under
    /// way. [`step_done`](Self::step_done) logs it.
    #[inline]
    pub(crate) fn step_tid(&self, engine: Engine) -> usize {
        match Self::running_key(engine) {
            None if !crate::SELF_CHECKS => self.running.load(Relaxed),
            // Under std, or with self-checks, where `running_tid` checks `running` against the
            // engine's own idea of the running thread.
            key => self.running_tid(&self.st(), key),
        }
    }

    /// After the access of [`step_tid`](Self::step_tid): log `step` for `tid`.
    pub(crate) fn step_done(&self, tid: usize, step: Step) {
        let mut st = self.st();
        self.log_step(&mut st, tid, step, None, false);
    }

    fn log_step(
        &self,
        st: &mut State,
        tid: usize,
        step: Step,
        lock: Option<&'static str>,
        waited: bool,
    ) {
        self.running.store(tid, Relaxed);
        // Everything step `until` did (its notes, frees, findings) happened before the step that
        // follows it completes: the snapshot is taken here, before that next step is logged.
        if st.replay.as_ref().and_then(|p| p.until).map(|u| u + 1) == Some(st.log.len()) {
            st.snapshot = Some(Self::graph_of(st));
        }
        let pos = st.log.len();
        st.order.step(tid, pos);
        let event = Event {
            tid,
            step,
            lock,
            waited,
            notes: Vec::new(),
        };
        // With room checked first, `push` cannot grow: the event is written in place instead of
        // built on the stack and copied (a store-forwarding stall worth ~4% of an execution).
        if st.log.len() < st.log.capacity() {
            st.log.push(event);
        } else {
            log_grow(&mut st.log, event);
        }
        if let Some(plan) = &st.replay {
            let plan = Arc::clone(plan);
            self.replay_advance(st, &plan, tid, step);
        }
    }

    fn replay_advance(&self, st: &mut State, plan: &ReplayPlan, tid: usize, step: Step) {
        let n = {
            let n = st.replay_counts.entry((tid, step)).or_insert(0);
            *n += 1;
            *n
        };
        if let Some(seg) = plan.segments.get(st.replay_cursor) {
            if seg.tid != tid {
                if st.divergence.is_none() {
                    st.divergence = Some(ReplayDivergence {
                        segment: st.replay_cursor,
                        expected: seg.clone(),
                        found: (tid, step.to_string()),
                    });
                }
            } else if seg.step == step && seg.occurrence == n {
                st.replay_cursor += 1;
            }
        }
    }

    /// The object graph now: every object with its state and holders, and the locks held.
    pub fn graph(&self) -> Vec<String> {
        Self::graph_of(&self.st())
    }

    fn graph_of(st: &State) -> Vec<String> {
        let mut out = Vec::new();
        for m in &st.objects.meta {
            let state = match &m.free {
                None => "live".to_string(),
                Some(f) => format!("FREED by {} at {}", st.threads[f.tid].name, f.step),
            };
            let holders: Vec<String> = m
                .holders
                .iter()
                .map(|(h, n)| {
                    let t = Self::holder_text(st, h);
                    if *n > 1 {
                        format!("{t} (x{n})")
                    } else {
                        t
                    }
                })
                .collect();
            let held = if holders.is_empty() {
                "nothing".to_string()
            } else {
                holders.join(", ")
            };
            out.push(format!("{}#{}: {state}; held by {held}", m.kind, m.seq));
        }
        for (tid, t) in st.threads.iter().enumerate() {
            let locks = st.lockdep.held_by(tid);
            if !locks.is_empty() {
                out.push(format!("locks held by {}: {}", t.name, locks.join(", ")));
            }
        }
        out
    }

    /// The snapshot taken at `ReplayPlan::until`, if the execution got that far.
    pub fn snapshot(&self) -> Option<Vec<String>> {
        self.st().snapshot.clone()
    }

    /// The thread a replay plan wants to run next, if a plan is set and not exhausted.
    pub fn replay_next(&self) -> Option<usize> {
        let st = self.st();
        let plan = st.replay.as_ref()?;
        plan.segments.get(st.replay_cursor).map(|s| s.tid)
    }

    /// Whether a replay followed its whole plan.
    pub fn replay_complete(&self) -> bool {
        let st = self.st();
        st.replay
            .as_ref()
            .is_some_and(|p| st.replay_cursor >= p.segments.len())
    }

    /// The running thread starts scenario operation `index` (`None`: no operation, quiescence).
    pub fn set_op(&self, tid: usize, index: Option<usize>) {
        self.st().threads[tid].op = index;
    }

    /// The running step of `tid` is about to block (a contended lock, a join).
    pub(crate) fn mark_blocked(&self, tid: usize) {
        let mut st = self.st();
        st.threads[tid].blocked = true;
        st.record_event(self.record_accesses, tid, AccessKind::Block);
    }

    /// The step the thread is about to run (for a replaying scheduler's checks).
    pub fn pending_step(&self, tid: usize) -> Option<Step> {
        self.st()
            .threads
            .get(tid)
            .and_then(|t| t.pending.map(|p| p.0))
    }

    /// Where a replay left its plan, if it did.
    pub fn replay_divergence(&self) -> Option<ReplayDivergence> {
        self.st().divergence.clone()
    }

    /// Abort the execution if it ran past [`STEPS_PER_EXECUTION_MAX`].
    pub fn check_progress(&self, step: Step) -> Result<(), Abort> {
        let len = self.st().log.len();
        if len > STEPS_PER_EXECUTION_MAX {
            let tid = self.current_tid();
            self.report(
                &check::LIVELOCK,
                tid,
                format!("livelock: no progress after {STEPS_PER_EXECUTION_MAX} steps"),
                None,
                vec![format!("last step: {step}")],
            );
            self.abort(Abort::Livelock);
            return Err(Abort::Livelock);
        }
        Ok(())
    }

    /// Add a note (an object state change) to the running thread's current step.
    pub fn note(&self, note: Note) {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let tid = self.running_tid(&st, key);
        Self::push_note(&mut st, tid, note);
    }

    /// Attach `note` to the last step of `tid`.
    fn push_note(st: &mut State, tid: usize, note: Note) {
        let State { log, spare, .. } = st;
        if let Some(ev) = log.iter_mut().rev().find(|e| e.tid == tid) {
            if ev.notes.capacity() == 0 {
                if let Some(v) = spare.notes.pop() {
                    ev.notes = v;
                }
            }
            ev.notes.push(note);
        }
    }

    /// Note a count change of `obj` (no allocation: formatted only when a trace is rendered).
    pub fn note_count(&self, obj: ObjId, field: &'static str, old: i64, new: i64) {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        self.count_moved(&mut st, key, obj, field, old, new);
    }

    /// A reference count of `obj` moved at the running thread's last step, taken by `holder`
    /// (`Ok`) or dropped by it (`Err`): the note and the ref tracker in one visit of the state
    /// (this is every `kref_get` / `kref_put`). A put by a holder without a reference is a
    /// ref_tracker finding.
    pub(crate) fn kref_moved(
        &self,
        obj: ObjId,
        field: &'static str,
        old: i64,
        new: i64,
        holder: Result<Holder, &Holder>,
    ) {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        self.count_moved(&mut st, key, obj, field, old, new);
        match holder {
            Ok(h) => st.objects.hold(obj, h),
            Err(h) => {
                let site = self.site(&st);
                let r = st.objects.unhold(obj, h, || site);
                drop(st);
                if let Err(why) = r {
                    self.report_untracked(obj, h, why, "put", Some((field, new)));
                }
            }
        }
    }

    fn count_moved(
        &self,
        st: &mut State,
        key: Option<u64>,
        obj: ObjId,
        field: &'static str,
        old: i64,
        new: i64,
    ) {
        let tid = self.running_tid(st, key);
        let m = &st.objects.meta[obj.0 as usize];
        let note = Note::Count {
            kind: m.kind,
            seq: m.seq,
            field,
            old,
            new,
        };
        Self::push_note(st, tid, note);
    }

    /// The event log so far.
    pub fn log(&self) -> Vec<Event> {
        self.st().log.clone()
    }

    /// Look at the event log without copying it.
    pub fn with_log<R>(&self, f: impl FnOnce(&[Event]) -> R) -> R {
        f(&self.st().log)
    }

    // ---- findings ----------------------------------------------------------------------------

    /// Record a finding of `check` at the running thread's current step.
    pub fn report(
        &self,
        check: &'static Check,
        tid: usize,
        title: String,
        object: Option<String>,
        details: Vec<String>,
    ) {
        let mut st = self.st();
        let site = Self::finding_site(&st, tid);
        Self::push_finding(&mut st, check, site, title, object, details);
    }

    /// Where a finding of `tid` would be reported now: its step under way, else its last step.
    fn finding_site(st: &State, tid: usize) -> FindingSite {
        let (event, step) = match st.threads[tid].pending {
            Some((step, _, _)) => (st.log.len(), step),
            None => {
                let event = st.log.iter().rposition(|e| e.tid == tid).unwrap_or(0);
                (event, st.log.get(event).map(|e| e.step).unwrap_or("start"))
            }
        };
        FindingSite {
            tid,
            event,
            step,
            op: st.threads[tid].op,
        }
    }

    /// Record a finding of `check` at `site`, taken earlier with `finding_site` (a verdict that
    /// needs the whole execution is reported at its end, at the step it is about).
    fn push_finding(
        st: &mut State,
        check: &'static Check,
        site: FindingSite,
        title: String,
        object: Option<String>,
        details: Vec<String>,
    ) {
        if st.aborted.is_some() {
            return;
        }
        let f = Finding {
            kind: check.kind,
            check: check.id,
            title,
            object,
            at: format!("{} {}", st.threads[site.tid].name, site.step),
            event: site.event,
            op: site.op.map(|i| (site.tid, i)),
            details,
        };
        if !st.findings.contains(&f) {
            st.findings.push(f);
        }
    }

    /// A `WARN_ON(condition)` of the modelled kernel fired in `function` (of source `file`) on
    /// the running thread, reported as the kernel prints it: `WARNING: at <file> <function>`,
    /// with the condition and what made it true.
    pub fn warn(
        &self,
        check: &'static Check,
        file: &str,
        function: &str,
        condition: &str,
        object: Option<String>,
        details: Vec<String>,
    ) {
        let tid = self.current_tid();
        self.report(
            check,
            tid,
            format!("WARNING: at {file} {function}: {condition}"),
            object,
            details,
        );
    }

    /// Stop recording findings: the execution is no longer meaningful past this point.
    pub fn abort(&self, why: Abort) {
        let mut st = self.st();
        st.aborted.get_or_insert(why);
    }

    /// Why the execution was aborted, if it was.
    pub fn aborted(&self) -> Option<Abort> {
        self.st().aborted
    }

    /// The findings so far.
    pub fn findings(&self) -> Vec<Finding> {
        self.st().findings.clone()
    }

    // ---- observations ------------------------------------------------------------------------

    /// Record what a scenario operation observed (`t1.procfs_read`, its output).
    pub fn observe(&self, key: String, value: String) {
        self.st().observations.insert(key, value);
    }

    /// The observations of this execution.
    pub fn observations(&self) -> BTreeMap<String, String> {
        self.st().observations.clone()
    }
}

/// The event log's slow path: grow, then append.
#[cold]
#[inline(never)]
fn log_grow(log: &mut Vec<Event>, event: Event) {
    log.reserve(LOG_CAPACITY_INITIAL);
    log.push(event);
}
