//! The opt-in record of an execution's engine accesses: which engine object each access touched,
//! how, by which thread and under which step. It is what `pincheck redundancy` groups into
//! Mazurkiewicz traces to show where loom's search is redundant and which engine objects two
//! threads share.
//!
//! Off by default. When off, creating a facade object and making an access cost one branch each
//! on [`Oracle::records_accesses`]; nothing is allocated or locked. When on, the record is
//! std-side (the oracle's state), written right after the engine access returns and before the
//! thread makes its next one: under loom and shuttle no other model thread runs in between, so
//! the record's order is the order in which the accesses took effect. It adds no scheduling
//! point and no engine access.
//!
//! Object ids are stable across the executions of one exploration: an object is named by the
//! thread that created it and how many engine objects that thread had created before
//! (`t2#5`), which does not depend on how the threads interleave, where a global allocation
//! order or an address would.

use super::{Oracle, State};
use crate::sync::Step;

/// An engine object (an atomic, one word of a per-thread value, a lock, one lock of a per-thread
/// rw-semaphore, a thread's park token), named stably within an exploration (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EngineObj(u32);

/// Bits of an [`EngineObj`] that hold the creator's sequence number.
const SEQ_BITS: u32 = 24;
/// Creator byte of park tokens (`EngineObj::park_of`).
const CREATOR_PARK: u32 = 0xfe;

impl EngineObj {
    /// An object created while the record was off: its accesses are not recorded.
    pub const UNTRACKED: EngineObj = EngineObj(u32::MAX);

    /// The park token of thread `tid` (what `park` consumes and `unpark` gives).
    pub fn park_of(tid: usize) -> EngineObj {
        EngineObj((CREATOR_PARK << SEQ_BITS) | (tid as u32 & ((1 << SEQ_BITS) - 1)))
    }

    fn created(creator: usize, seq: u32) -> EngineObj {
        assert!(
            creator < CREATOR_PARK as usize && seq < (1 << SEQ_BITS),
            "engine object #{seq} of thread {creator}: past the record's id space"
        );
        EngineObj(((creator as u32) << SEQ_BITS) | seq)
    }

    /// Whether accesses to it are recorded.
    pub fn tracked(self) -> bool {
        self != Self::UNTRACKED
    }

    /// Its creator's sequence number (the parked thread, for a park token).
    pub(super) fn seq(self) -> usize {
        (self.0 & ((1 << SEQ_BITS) - 1)) as usize
    }

    /// The thread that created it, or `None` for a park token.
    pub fn creator(self) -> Option<usize> {
        let c = self.0 >> SEQ_BITS;
        (c < CREATOR_PARK).then_some(c as usize)
    }

    /// Its stable name given the execution's thread names: `setup#3` (the fourth engine object
    /// the setup thread created), `park(t1)`.
    pub fn name(self, threads: &[String]) -> String {
        let seq = self.0 & ((1 << SEQ_BITS) - 1);
        let thread = |t: usize| threads.get(t).cloned().unwrap_or_else(|| format!("t{t}"));
        match self.creator() {
            Some(c) => format!("{}#{seq}", thread(c)),
            None => format!("park({})", thread(seq as usize)),
        }
    }
}

/// What an engine object is, for reports: its facade type, the kernel name it was given (a
/// lock's, or the slab kind of a lifecycle word), and its index among the engine objects of one
/// facade object (a per-thread value's word, a per-thread rw-semaphore's lock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectLabel {
    /// `atomic`, `mutex`, `rwsem`, `lifecycle word`.
    pub kind: &'static str,
    /// The kernel name, or "" (atomics have none).
    pub name: &'static str,
    /// Which word or lock of its facade object (0 when it has one).
    pub index: usize,
}

impl std::fmt::Display for ObjectLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind)?;
        if !self.name.is_empty() {
            write!(f, " {}", self.name)?;
        }
        if self.kind != "atomic" && self.kind != "mutex" {
            write!(f, " [{}]", self.index)?;
        }
        Ok(())
    }
}

/// What an access did to its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessKind {
    /// An atomic load.
    Read,
    /// An atomic read-modify-write (stores are exchanges in the facade, see `Atomic::store`).
    Rmw,
    /// A mutex, or a rw-semaphore's lock for write, taken.
    Lock,
    /// Released.
    Unlock,
    /// A rw-semaphore's lock taken for read.
    LockShared,
    /// Released for read.
    UnlockShared,
    /// A mutex, or a rw-semaphore's lock for write, taken by a trylock.
    TryLock,
    /// A rw-semaphore's lock taken for read by a trylock.
    TryLockShared,
    /// A trylock that found the lock held.
    TryLockFailed,
    /// A thread's return from `park`: it consumed its park token.
    Park,
    /// Another thread gave the park token (`unpark`).
    Unpark,
    /// Not an access: the thread is about to block (a join, a contended lock, a park). Recorded
    /// where the thread reached the blocking call, for the duplicate analysis.
    Block,
    /// Not an access: a thread that blocked runs again (its blocking step completes).
    Resume,
    /// Not an access: the thread's body returned and it made its last access (its termination
    /// in the engine, which ends a join, comes after and is not seen).
    Exit,
}

impl AccessKind {
    /// Whether this is an access of an engine object (else a scheduling event of a thread).
    pub fn is_access(self) -> bool {
        !matches!(
            self,
            AccessKind::Block | AccessKind::Resume | AccessKind::Exit
        )
    }

    /// Whether it changes its object: two accesses of one object by two threads conflict (their
    /// order matters) when at least one of them writes. Loads, shared locking and failed
    /// trylocks only read.
    pub fn writes(self) -> bool {
        matches!(
            self,
            AccessKind::Rmw
                | AccessKind::Lock
                | AccessKind::TryLock
                | AccessKind::Unlock
                | AccessKind::Park
                | AccessKind::Unpark
        )
    }

    /// The word reports use: `read`, `rmw`, `lock`, ...
    pub fn word(self) -> &'static str {
        match self {
            AccessKind::Read => "read",
            AccessKind::Rmw => "rmw",
            AccessKind::Lock => "lock",
            AccessKind::Unlock => "unlock",
            AccessKind::LockShared => "lock-shared",
            AccessKind::UnlockShared => "unlock-shared",
            AccessKind::TryLock => "trylock",
            AccessKind::TryLockShared => "trylock-shared",
            AccessKind::TryLockFailed => "trylock-failed",
            AccessKind::Park => "park",
            AccessKind::Unpark => "unpark",
            AccessKind::Block => "block",
            AccessKind::Resume => "resume",
            AccessKind::Exit => "exit",
        }
    }
}

/// One recorded access (or scheduling event, see [`AccessKind::is_access`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    /// Dense thread number, as in the event log.
    pub tid: usize,
    /// The object ([`EngineObj::UNTRACKED`] for scheduling events).
    pub object: EngineObj,
    /// What it did.
    pub kind: AccessKind,
    /// The step it belongs to.
    pub step: Step,
    /// For a load, the value it returned: under loom a load may return an older value than the
    /// last one stored (weak memory), a different execution with the same order of accesses.
    /// 0 for every other kind (an RMW reads the latest value, so its order decides it).
    pub value: i64,
}

/// The record of one execution, in the oracle's state.
/// A lock step's engine access, recorded when the step ends: the engine lock, what the access
/// was and the step (`None`: the step took no engine lock).
pub(crate) type LockAccess = Option<(EngineObj, AccessKind, Step)>;

#[derive(Default)]
pub(super) struct Record {
    pub(super) accesses: Vec<Access>,
    /// Engine objects each thread created so far (the next one's sequence number).
    created: Vec<u32>,
    /// What each engine object is.
    labels: Vec<(EngineObj, ObjectLabel)>,
}

impl Record {
    pub(super) fn recycle(&mut self) {
        self.accesses.clear();
        self.created.clear();
        self.labels.clear();
    }
}

impl State {
    /// Record a scheduling event of `tid` in its pending step when recording.
    #[inline]
    pub(super) fn record_event(&mut self, on: bool, tid: usize, kind: AccessKind) {
        if on {
            let step = self.threads[tid].pending.map(|p| p.0).unwrap_or("?");
            self.record_event_in(tid, kind, step);
        }
    }

    /// Record that `tid`'s body returned (the record is on). Its step is `exit`, a name only the
    /// record uses (no step of that name is logged, so it is not in the step catalogue).
    #[cold]
    #[inline(never)]
    pub(super) fn record_exit(&mut self, tid: usize) {
        self.record.accesses.push(Access {
            tid,
            object: EngineObj::UNTRACKED,
            kind: AccessKind::Exit,
            step: "exit",
            value: 0,
        });
    }

    /// Record a scheduling event of `tid` in `step` (the record is on). Out of line, as every
    /// path of the record: the facade's paths, with the record off, keep their size and inlining.
    #[cold]
    #[inline(never)]
    pub(super) fn record_event_in(&mut self, tid: usize, kind: AccessKind, step: Step) {
        self.record.accesses.push(Access {
            tid,
            object: EngineObj::UNTRACKED,
            kind,
            step,
            value: 0,
        });
    }
}

impl Oracle {
    /// Whether this execution records its engine accesses.
    #[inline]
    pub fn records_accesses(&self) -> bool {
        self.record_accesses
    }

    /// Whether this execution follows its engine accesses: it records them, or it keeps its
    /// happens-before order ([`super::order`]), which they make.
    #[inline]
    pub(crate) fn tracks_accesses(&self) -> bool {
        self.record_accesses || self.keep_order.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A new engine object's id ([`EngineObj::UNTRACKED`] when accesses are not tracked, see
    /// [`tracks_accesses`](Self::tracks_accesses)). Called by the facade when it creates an
    /// engine primitive; makes no engine access.
    #[inline]
    pub(crate) fn engine_object(&self, label: ObjectLabel) -> EngineObj {
        if !self.tracks_accesses() {
            return EngineObj::UNTRACKED;
        }
        self.new_engine_object(label)
    }

    #[cold]
    #[inline(never)]
    fn new_engine_object(&self, label: ObjectLabel) -> EngineObj {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let tid = self.running_tid(&st, key);
        let created = &mut st.record.created;
        if created.len() <= tid {
            created.resize(tid + 1, 0);
        }
        created[tid] += 1;
        let object = EngineObj::created(tid, created[tid] - 1);
        if self.record_accesses {
            st.record.labels.push((object, label));
        }
        object
    }

    /// Record that `tid`'s step `step` made an access of `kind` to `object`, which has just
    /// returned, and order it in the execution's happens-before order when that is kept. Nothing
    /// when the object is untracked, as every object created while accesses are not tracked is;
    /// a park token is always tracked: its callers check
    /// [`tracks_accesses`](Self::tracks_accesses).
    #[inline]
    pub(crate) fn record(&self, tid: usize, object: EngineObj, kind: AccessKind, step: Step) {
        self.record_load(tid, object, (kind, 0), step);
    }

    /// [`record`](Self::record) with the value a load returned (`(AccessKind::Read, value)`).
    #[inline]
    pub(crate) fn record_load(
        &self,
        tid: usize,
        object: EngineObj,
        kind: (AccessKind, i64),
        step: Step,
    ) {
        // Every object is untracked when the record is off: one comparison decides.
        if object.tracked() {
            self.push_access(tid, object, kind, step);
        }
    }

    /// [`record`](Self::record) of a lock step's engine access, in the visit of the state that
    /// ends the step (one visit, not two, when the happens-before order is kept).
    #[inline]
    pub(super) fn record_in(&self, st: &mut State, tid: usize, access: LockAccess) {
        if let Some((object, kind, step)) = access {
            if object.tracked() {
                self.accessed_in(st, tid, object, (kind, 0), step);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn push_access(&self, tid: usize, object: EngineObj, kind: (AccessKind, i64), step: Step) {
        let mut st = self.st();
        self.accessed_in(&mut st, tid, object, kind, step);
    }

    /// Log `step` for `tid`, whose access of `kind` to `object` has just returned, and record
    /// the access: [`step_done`](Self::step_done) and [`record_load`](Self::record_load) under
    /// one lock of the state.
    #[inline]
    pub(crate) fn step_done_accessed(
        &self,
        tid: usize,
        step: Step,
        object: EngineObj,
        kind: (AccessKind, i64),
    ) {
        let mut st = self.st();
        self.log_step(&mut st, tid, step, None, false);
        if object.tracked() {
            self.accessed_in(&mut st, tid, object, kind, step);
        }
    }

    #[cold]
    #[inline(never)]
    fn accessed_in(
        &self,
        st: &mut State,
        tid: usize,
        object: EngineObj,
        (kind, value): (AccessKind, i64),
        step: Step,
    ) {
        st.order.access(tid, object);
        if self.record_accesses {
            st.record.accesses.push(Access {
                tid,
                object,
                kind,
                step,
                value,
            });
        }
    }

    /// The execution's record so far, taken (empty when the record is off).
    pub fn take_accesses(&self) -> Vec<Access> {
        std::mem::take(&mut self.st().record.accesses)
    }

    /// What each engine object created so far is (empty when the record is off).
    pub fn engine_objects(&self) -> Vec<(EngineObj, ObjectLabel)> {
        self.st().record.labels.clone()
    }
}
