//! `pincheck redundancy SCENARIO PROPOSAL@KERNEL`: where loom's search of one cell repeats
//! itself, for model authors.
//!
//! The cell's loom search runs once, at one preemption bound (that bound's search alone, not the
//! bounds below it that `check` runs first) or unbounded, with the model's access record on
//! (`pincheck_model::oracle::access`): every engine access with its object, kind, thread and step.
//! Each execution is reduced to its Mazurkiewicz trace: for every engine object, the order of
//! its accesses, where two accesses of different threads commute unless one of them writes
//! (an RMW, a lock or unlock, a park or unpark; loads, shared locking and failed trylocks only
//! read), and with the value each load returned (under loom a load may read an older value than
//! the last store: the same order, another execution). Two executions with the same trace are the
//! same interleaving up to swapping independent accesses: an exhaustive search needs one of them.
//! The report gives:
//!
//! - executions, distinct traces and their ratio (executions per trace: 1.0 is no redundancy);
//! - the engine objects two or more threads accessed, with the steps that did and how many
//!   distinct orders each object had over the search (an object with one order never decided
//!   anything; one with many is where the interleavings differ);
//! - what the duplicates differ in: for each execution whose trace an earlier execution already
//!   had, the first access (or scheduling event: a thread blocking, resuming, returning) where
//!   its record leaves the record of its trace's first execution. The two are the same trace, so
//!   the two events there are independent: the order loom tried again for nothing. Tallied by
//!   the pair of steps, and by [`Source`] (joins and returns, lock waits, park and wake,
//!   independent accesses), it names what the search spends its duplicates on.
//!
//! What the record does not see: scheduling points without an engine object (`cond_resched`
//! yields, thread spawns, a thread's termination in the engine after its last access, which is
//! what ends a join) and the engines' internal orders; duplicates that differ only there have the
//! same record as their trace's first execution (source [`Source::Unseen`]).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pincheck_model::oracle::{Access, AccessKind, EngineObj, ObjectLabel, Oracle};
use pincheck_model::run::{execute_shared, Target};
use pincheck_model::sync::{run, Body, Limits, Mode, Step};

use crate::error::Error;
use crate::explore::{cut_reason, Cell, Preemptions, Settings};

/// Duplicate sources listed in a report, at most (the rest are summed in one line).
pub const SOURCES_SHOWN_MAX: usize = 12;

/// Accesses kept to compare duplicates with (the first record of each trace), at most: about
/// 100 MB. A duplicate of a trace past it is counted as not compared.
pub const RECORDS_KEPT_MAX: usize = 3_000_000;

/// One access as the tallies key it: thread, step, kind.
type Use = (usize, Step, AccessKind);

/// A 128-bit key of a sequence (two independent 64-bit hashes): distinct traces are counted by
/// key, and a collision of two of them among a search's executions is negligible.
type Key = (u64, u64);

fn key_of(h: impl Fn(&mut DefaultHasher)) -> Key {
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    0u8.hash(&mut a);
    1u8.hash(&mut b);
    h(&mut a);
    h(&mut b);
    (a.finish(), b.finish())
}

/// What the search did to one engine object.
#[derive(Default)]
struct ObjectSeen {
    /// Every thread that accessed it, in any execution.
    threads: BTreeSet<usize>,
    /// Its accesses by thread, step and kind: how many over the search.
    uses: BTreeMap<Use, u64>,
    /// Distinct orders of its accesses, over the executions in which two threads accessed it.
    orders: HashSet<Key>,
    /// Executions in which two or more threads accessed it.
    shared_in: u64,
}

/// The traces of one search, execution by execution ([`Traces::add`]).
#[derive(Default)]
pub struct Traces {
    threads: Vec<String>,
    executions: u64,
    traces: HashSet<Key>,
    records: HashSet<Key>,
    objects: BTreeMap<EngineObj, ObjectSeen>,
    /// What each engine object is.
    labels: HashMap<EngineObj, ObjectLabel>,
    /// The record of each trace's first execution (while [`RECORDS_KEPT_MAX`] allows).
    first: HashMap<Key, Vec<Access>>,
    /// Accesses kept in `first`.
    kept: usize,
    /// Duplicates of a trace whose first record was not kept.
    uncompared: u64,
    previous_trace: Option<Key>,
    previous_record: Option<Key>,
    same_record_as_previous: u64,
    same_trace_as_previous: u64,
    /// Duplicates by where they first differ from their trace's first execution: (its access,
    /// this one's).
    sources: HashMap<(Option<Use>, Option<Use>), u64>,
}

/// One object's accesses in one execution: (thread, that thread's access number on the object,
/// kind, step, the value a load returned), in the order they took effect.
type Sequence = Vec<(usize, u32, AccessKind, Step, i64)>;

/// The order of one object's accesses up to commuting reads: each run of reads between two
/// writes is sorted (a thread's own reads keep their order, by access number).
fn canonical_key(seq: &Sequence) -> Key {
    let mut canonical: Sequence = Vec::with_capacity(seq.len());
    let mut reads_from = 0;
    for (i, a) in seq.iter().enumerate() {
        if a.2.writes() {
            canonical[reads_from..].sort();
            canonical.push(*a);
            reads_from = i + 1;
        } else {
            canonical.push(*a);
        }
    }
    canonical[reads_from..].sort();
    key_of(|h| {
        for (tid, n, kind, step, value) in &canonical {
            (tid, n, kind, step, value).hash(h);
            // A write's position separates the read runs on either side of it.
            kind.writes().hash(h);
        }
    })
}

fn use_of(a: &Access) -> Use {
    (a.tid, a.step, a.kind)
}

/// What a duplicate's first difference from its trace's first execution involves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A thread's join or return (the setup thread waiting for the scenario threads).
    JoinOrReturn,
    /// A thread blocking on, or resuming from, a lock it waits for.
    LockWait,
    /// A park or a wake-up (`wait_for_completion`, `wait_var_event` and their wakers).
    ParkOrWake,
    /// Two accesses no order between which the trace records: of different objects, or reads.
    IndependentAccesses,
    /// Nothing the record sees: the records are identical (see the module doc).
    Unseen,
}

impl Source {
    /// The source of a difference between `a` and `b` (either may be the end of a record).
    fn of(a: Option<Use>, b: Option<Use>) -> Source {
        let sides = [a, b];
        let any = |f: &dyn Fn(&Use) -> bool| sides.iter().flatten().any(f);
        if a.is_none() && b.is_none() {
            Source::Unseen
        } else if any(&|u| u.2 == AccessKind::Exit || u.1 == "join") {
            Source::JoinOrReturn
        } else if any(&|u| matches!(u.2, AccessKind::Park | AccessKind::Unpark)) {
            Source::ParkOrWake
        } else if any(&|u| matches!(u.2, AccessKind::Block | AccessKind::Resume)) {
            // Blocks and resumes not of a join: lock waits and parks (a park's resume is
            // followed by its park access, which the branch before caught when it came first).
            if any(&|u| u.1.contains("wait") || u.1.contains("complete")) {
                Source::ParkOrWake
            } else {
                Source::LockWait
            }
        } else {
            Source::IndependentAccesses
        }
    }

    /// The word reports use.
    pub fn word(self) -> &'static str {
        match self {
            Source::JoinOrReturn => "join or return",
            Source::LockWait => "lock wait",
            Source::ParkOrWake => "park or wake",
            Source::IndependentAccesses => "independent accesses",
            Source::Unseen => "nothing the record sees",
        }
    }
}

impl Traces {
    /// Add one execution: its access record, its thread names and its engine objects' labels.
    pub fn add(
        &mut self,
        record: &[Access],
        threads: &[String],
        objects: &[(EngineObj, ObjectLabel)],
    ) {
        self.executions += 1;
        for (object, label) in objects {
            self.labels.entry(*object).or_insert(*label);
        }
        if threads.len() > self.threads.len() {
            self.threads = threads.to_vec();
        }
        let mut sequences: BTreeMap<EngineObj, Sequence> = BTreeMap::new();
        let mut numbers: HashMap<(EngineObj, usize), u32> = HashMap::new();
        for a in record.iter().filter(|a| a.kind.is_access()) {
            let n = numbers.entry((a.object, a.tid)).or_insert(0);
            sequences
                .entry(a.object)
                .or_default()
                .push((a.tid, *n, a.kind, a.step, a.value));
            *n += 1;
        }
        let mut per_object = Vec::with_capacity(sequences.len());
        for (object, seq) in &sequences {
            let key = canonical_key(seq);
            per_object.push((*object, key));
            let seen = self.objects.entry(*object).or_default();
            let mut threads = BTreeSet::new();
            for (tid, _, kind, step, _) in seq {
                threads.insert(*tid);
                *seen.uses.entry((*tid, *step, *kind)).or_insert(0) += 1;
            }
            if threads.len() > 1 {
                seen.orders.insert(key);
                seen.shared_in += 1;
            }
            seen.threads.extend(threads);
        }
        let trace = key_of(|h| per_object.hash(h));
        let whole = key_of(|h| record.hash(h));
        self.records.insert(whole);
        if self.previous_trace == Some(trace) {
            self.same_trace_as_previous += 1;
            if self.previous_record == Some(whole) {
                self.same_record_as_previous += 1;
            }
        }
        if self.traces.insert(trace) {
            if self.kept + record.len() <= RECORDS_KEPT_MAX {
                self.kept += record.len();
                self.first.insert(trace, record.to_vec());
            }
        } else {
            self.duplicate(trace, record);
        }
        self.previous_trace = Some(trace);
        self.previous_record = Some(whole);
    }

    /// Tally where a duplicate first differs from the first execution of its trace.
    fn duplicate(&mut self, trace: Key, record: &[Access]) {
        let Some(first) = self.first.get(&trace) else {
            self.uncompared += 1;
            return;
        };
        let branch = first
            .iter()
            .zip(record)
            .position(|(a, b)| a != b)
            .unwrap_or(first.len().min(record.len()));
        let before = first.get(branch).map(use_of);
        let now = record.get(branch).map(use_of);
        *self.sources.entry((before, now)).or_insert(0) += 1;
    }

    /// Executions added.
    pub fn executions(&self) -> u64 {
        self.executions
    }

    /// Distinct Mazurkiewicz traces among them.
    pub fn traces(&self) -> usize {
        self.traces.len()
    }

    fn name_use(&self, u: &Option<Use>) -> String {
        match u {
            None => "(end of the execution)".to_string(),
            Some((tid, step, kind)) => {
                format!("{} {step} ({})", self.thread(*tid), kind.word())
            }
        }
    }

    fn thread(&self, tid: usize) -> String {
        self.threads
            .get(tid)
            .cloned()
            .unwrap_or_else(|| format!("t{tid}"))
    }

    /// The engine objects two or more threads accessed, most orders first.
    pub fn shared_objects(&self) -> Vec<SharedObject> {
        let mut out: Vec<SharedObject> = self
            .objects
            .iter()
            .filter(|(_, seen)| seen.shared_in > 0)
            .map(|(object, seen)| SharedObject {
                object: object.name(&self.threads),
                what: match self.labels.get(object) {
                    Some(label) => label.to_string(),
                    None if object.creator().is_none() => "park token".to_string(),
                    None => "?".to_string(),
                },
                threads: seen.threads.iter().map(|t| self.thread(*t)).collect(),
                orders: seen.orders.len(),
                shared_in: seen.shared_in,
                accesses: seen
                    .uses
                    .iter()
                    .map(|((tid, step, kind), n)| StepUse {
                        thread: self.thread(*tid),
                        step: step.to_string(),
                        kind: kind.word(),
                        count: *n,
                    })
                    .collect(),
            })
            .collect();
        out.sort_by(|a, b| b.orders.cmp(&a.orders).then(a.object.cmp(&b.object)));
        out
    }

    /// Where the duplicates first differ from their trace's first execution, most first.
    pub fn duplicate_sources(&self) -> Vec<DuplicateSource> {
        let mut out: Vec<DuplicateSource> = self
            .sources
            .iter()
            .map(|((before, now), n)| DuplicateSource {
                source: Source::of(*before, *now),
                first: self.name_use(before),
                duplicate: self.name_use(now),
                duplicates: *n,
            })
            .collect();
        out.sort_by(|a, b| {
            b.duplicates
                .cmp(&a.duplicates)
                .then_with(|| (&a.first, &a.duplicate).cmp(&(&b.first, &b.duplicate)))
        });
        out
    }

    /// Duplicates by source, most first.
    fn by_source(sources: &[DuplicateSource]) -> Vec<(Source, u64)> {
        let mut sums: BTreeMap<Source, u64> = BTreeMap::new();
        for s in sources {
            *sums.entry(s.source).or_insert(0) += s.duplicates;
        }
        let mut out: Vec<(Source, u64)> = sums.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// One engine object two or more threads accessed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SharedObject {
    /// Its stable name: the thread that created it and its number among that thread's engine
    /// objects (`setup#12`), or `park(t1)` for a thread's park token.
    pub object: String,
    /// What it is: `mutex ctx_idr`, `lifecycle word ucma_context [2]` (thread 2's word),
    /// `rwsem hw_destroy_rwsem [1]`, `atomic`, `park token`.
    pub what: String,
    /// Every thread that accessed it.
    pub threads: Vec<String>,
    /// Distinct orders of its accesses (reads between two writes commuting), over the executions
    /// in which two threads accessed it.
    pub orders: usize,
    /// Executions in which two or more threads accessed it.
    pub shared_in: u64,
    /// Its accesses by thread, step and kind, summed over the search.
    pub accesses: Vec<StepUse>,
}

/// How often one thread's step accessed an object in one way.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StepUse {
    /// The thread.
    pub thread: String,
    /// The step.
    pub step: String,
    /// `read`, `rmw`, `lock`, ...
    pub kind: &'static str,
    /// Accesses over the search.
    pub count: u64,
}

/// Where duplicates first differ from their trace's first execution.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DuplicateSource {
    /// What the difference involves.
    pub source: Source,
    /// The first execution's access (or event) at the first difference (`setup join (block)`).
    pub first: String,
    /// The duplicate's access there.
    pub duplicate: String,
    /// Duplicates that differ there first.
    pub duplicates: u64,
}

/// The redundancy of one cell's loom search.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Proposal.
    pub proposal: &'static str,
    /// Kernel.
    pub kernel: &'static str,
    /// The search, exactly: `loom preemption bound 3 (that bound's search alone), complete`.
    pub search: String,
    /// The search covered its bound (not cut, no model panic).
    pub complete: bool,
    /// Executions.
    pub executions: u64,
    /// Distinct Mazurkiewicz traces.
    pub traces: usize,
    /// Executions per trace.
    pub ratio: f64,
    /// Distinct access records (the whole record, scheduling events included).
    pub records: usize,
    /// Executions with the same trace as the one before them.
    pub same_trace_as_previous: u64,
    /// Executions whose whole record equals the one before them (same trace, and the same
    /// blocking, resuming and returning too: they differ only in what the record does not see).
    pub same_record_as_previous: u64,
    /// Engine objects two or more threads accessed, most orders first.
    pub shared_objects: Vec<SharedObject>,
    /// Duplicates by what their first difference involves, most first.
    pub duplicates_by_source: Vec<(Source, u64)>,
    /// Duplicates whose trace's first record was not kept ([`RECORDS_KEPT_MAX`]): not compared.
    pub duplicates_not_compared: u64,
    /// Where the duplicates first differ from their trace's first execution, most first.
    pub duplicate_sources: Vec<DuplicateSource>,
    /// Wall time of the search.
    pub elapsed_ms: u128,
}

/// What `redundancy` analyses.
#[derive(Clone, Debug)]
pub struct RedundancyOptions {
    /// Where the scenario is.
    pub paths: Vec<PathBuf>,
    /// The scenario's name, or its file.
    pub scenario: String,
    /// `proposal@kernel`.
    pub cell: String,
    /// loom's search: one bound, or unbounded.
    pub preemptions: Preemptions,
    /// Time budget of the search: past it the search is cut, and the report says so.
    pub time: Duration,
}

/// `pincheck redundancy`: the cell's loom search with the access record on.
pub fn redundancy(opts: &RedundancyOptions) -> Result<Report, Error> {
    let cell = crate::why::cell_named(&opts.paths, &opts.scenario, &opts.cell)?;
    Ok(analyse(&cell, opts.preemptions, opts.time))
}

/// Run `cell`'s loom search at `preemptions` (that search alone) within `time`, and report its
/// redundancy.
pub fn analyse(cell: &Cell, preemptions: Preemptions, time: Duration) -> Report {
    let traces = Arc::new(Mutex::new(Traces::default()));
    let program = Arc::new(cell.scenario.program.clone());
    let target = Target {
        variant: cell.kernel,
        proposal: cell.proposal,
    };
    let sink = Arc::clone(&traces);
    let start = move |_: &Arc<Oracle>| execute_shared(&program, target);
    let body = Body::new(start, move |oracle: &Arc<Oracle>| {
        let record = oracle.take_accesses();
        let threads = oracle.thread_names();
        let objects = oracle.engine_objects();
        sink.lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(&record, &threads, &objects);
    });
    let limits = Limits {
        time,
        record_accesses: true,
        ..Limits::default()
    };
    let bound = match preemptions {
        Preemptions::Bound(n) => Some(n),
        Preemptions::Unbounded => None,
    };
    let threads = cell.scenario.program.threads.len();
    let r = run(
        &Mode::Loom {
            preemption_bound: bound,
        },
        &limits,
        threads,
        body,
    );
    let t = traces.lock().unwrap_or_else(|e| e.into_inner());
    let sources = t.duplicate_sources();
    let what = match preemptions {
        Preemptions::Bound(n) => format!("loom preemption bound {n} (that bound's search alone)"),
        Preemptions::Unbounded => "loom unbounded".to_string(),
    };
    let settings = Settings {
        time_per_engine: time,
        ..Settings::default()
    };
    let search = match (&r.cut, &r.model_panic) {
        (Some(cut), _) => format!(
            "{what}, cut after {} executions ({}): the figures cover those executions only",
            r.executions,
            cut_reason(cut, &settings)
        ),
        (None, Some(p)) => format!("{what}, stopped by a model panic: {p}"),
        (None, None) => format!("{what}, complete"),
    };
    Report {
        scenario: cell.scenario.name.clone(),
        proposal: cell.proposal,
        kernel: cell.kernel.name,
        search,
        complete: r.cut.is_none() && r.model_panic.is_none(),
        executions: t.executions,
        traces: t.traces(),
        ratio: t.executions as f64 / t.traces().max(1) as f64,
        records: t.records.len(),
        same_trace_as_previous: t.same_trace_as_previous,
        same_record_as_previous: t.same_record_as_previous,
        shared_objects: t.shared_objects(),
        duplicates_by_source: Traces::by_source(&sources),
        duplicates_not_compared: t.uncompared,
        duplicate_sources: sources,
        elapsed_ms: r.elapsed.as_millis(),
    }
}

/// The report as text.
pub fn render(r: &Report) -> String {
    let mut out = format!(
        "{} {}@{}: {}\n\n",
        r.scenario, r.proposal, r.kernel, r.search
    );
    let rows = [
        ("executions", r.executions.to_string()),
        ("distinct traces", r.traces.to_string()),
        ("executions per trace", format!("{:.1}", r.ratio)),
        ("distinct access records", r.records.to_string()),
        (
            "same trace as the execution before",
            r.same_trace_as_previous.to_string(),
        ),
        (
            "same access record as the execution before",
            r.same_record_as_previous.to_string(),
        ),
    ];
    for (label, value) in rows {
        out.push_str(&format!("  {label:<50} {value:>9}\n"));
    }
    out.push_str(
        "\nEngine objects two or more threads accessed (orders: distinct orders of its accesses,\n\
         reads between two writes commuting; shared in: executions where two threads accessed it)\n",
    );
    for o in &r.shared_objects {
        out.push_str(&format!(
            "  {} ({})  orders {}  shared in {}  threads {}\n",
            o.object,
            o.what,
            o.orders,
            o.shared_in,
            o.threads.join(", ")
        ));
        for u in &o.accesses {
            out.push_str(&format!(
                "      {} {} ({}) x{}\n",
                u.thread, u.step, u.kind, u.count
            ));
        }
    }
    out.push_str(&format!(
        "\nWhat the {} duplicates (executions of a trace an earlier one had) first differ in from\n\
         their trace's first execution\n",
        r.executions - r.traces as u64
    ));
    for (source, n) in &r.duplicates_by_source {
        out.push_str(&format!("  {n:>9}  {}\n", source.word()));
    }
    if r.duplicates_not_compared > 0 {
        out.push_str(&format!(
            "  {:>9}  not compared (their trace's first record was not kept)\n",
            r.duplicates_not_compared
        ));
    }
    out.push_str("\n  by step (first execution -> duplicate):\n");
    for s in r.duplicate_sources.iter().take(SOURCES_SHOWN_MAX) {
        out.push_str(&format!(
            "  {:>9}  {}  ->  {}\n",
            s.duplicates, s.first, s.duplicate
        ));
    }
    let rest: u64 = r
        .duplicate_sources
        .iter()
        .skip(SOURCES_SHOWN_MAX)
        .map(|s| s.duplicates)
        .sum();
    if rest > 0 {
        out.push_str(&format!("  {rest:>9}  (elsewhere)\n"));
    }
    out
}

/// The report as JSON.
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serializes")
}
