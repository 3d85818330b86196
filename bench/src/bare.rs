//! The bare-model generator: runs S1's execution under PCT seed [`TRANSCRIBED_SEED`] with the
//! model's access record on, and writes it as a bare loom / shuttle model (`benches/bare/`).
//!
//! The access record (`pincheck_model::oracle::access`, what `pincheck redundancy` groups into
//! traces) gives every engine object the execution creates, in order, with its kind, and every
//! engine access with its kind, thread and step. The generated model creates the same objects in
//! the same order (all in the setup, before its spawns), runs each scenario thread as a
//! straight-line function of its accesses in program order (a comment names each one's step), on
//! the engine thread the model runs it on (`sync::engine_thread_of`: thread 1 on the execution's
//! main engine thread, the others spawned), and lists pincheck's log as `STEPS`. Before writing,
//! it checks what makes the bare model a transcription: the setup makes no engine access (the
//! facade makes none while a thread runs alone; its spawns are the model's too), each thread's
//! accesses follow its logged steps in order, and every access is one the bare model can make.
//!
//! What a bare access cannot say: every RMW is written `fetch_add(0)` (a store, swap,
//! fetch_add or compare-exchange is one RMW to both engines; only a failed compare-exchange,
//! which stores nothing under loom, costs loom a little less), a trylock that failed on a
//! rw-semaphore is a `try_write` (the record does not say which mode failed), and a trylock's
//! guard is an `Option`. The bare model takes one path whatever the interleaving, where pincheck's
//! follows the kernel's branches.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use pincheck_model::oracle::{Access, AccessKind, EngineObj, ObjectLabel, Oracle};
use pincheck_model::run::execute_shared;
use pincheck_model::sync::{engine_thread_of, run, Body, Limits, Step};

use crate::programs::{pct_mode, s01, target, PROPOSALS, TRANSCRIBED_SEED};
use crate::Error;

/// Where the bare models live, relative to the bench package.
pub const MODELS_DIR: &str = "benches/bare";

/// One generated bare model.
#[derive(Clone, Debug)]
pub struct Model {
    /// The proposal it transcribes.
    pub proposal: &'static str,
    /// Its file name in [`MODELS_DIR`].
    pub file: String,
    /// The engine objects it creates.
    pub objects: usize,
    /// The steps pincheck logged in the execution.
    pub steps: usize,
    /// The engine accesses its threads make.
    pub accesses: usize,
    /// The file's text.
    pub source: String,
}

/// What one traced execution recorded, as the model's oracle gave it.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Thread names by id (0 is the setup).
    pub threads: Vec<String>,
    /// Every engine object created, in creation order, with what it is.
    pub objects: Vec<(EngineObj, ObjectLabel)>,
    /// Every engine access and scheduling event, in the order they took effect.
    pub accesses: Vec<Access>,
    /// The step log: thread and step, in completion order.
    pub log: Vec<(usize, Step)>,
}

/// Run S1 on `proposal`@k53 once (PCT seed [`TRANSCRIBED_SEED`], one iteration) with the access
/// record on.
pub fn trace(proposal: &'static str) -> Result<Trace, Error> {
    let program = Arc::new(s01());
    let threads = program.threads.len();
    let sink: Arc<Mutex<Option<Trace>>> = Arc::default();
    let (p, s, target) = (Arc::clone(&program), Arc::clone(&sink), target(proposal));
    let body = Body::new(
        move |_: &Arc<Oracle>| execute_shared(&p, target),
        move |o: &Arc<Oracle>| {
            let t = Trace {
                threads: o.thread_names(),
                objects: o.engine_objects(),
                accesses: o.take_accesses(),
                log: o.with_log(|l| l.iter().map(|e| (e.tid, e.step)).collect()),
            };
            *s.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
        },
    );
    let limits = Limits {
        record_accesses: true,
        ..Limits::default()
    };
    let r = run(&pct_mode(TRANSCRIBED_SEED, 1), &limits, threads, body);
    let failed = |reason: String| Error::Execution {
        proposal,
        seed: TRANSCRIBED_SEED,
        reason,
    };
    if let Some(p) = r.model_panic {
        return Err(failed(format!("model panic: {p}")));
    }
    if let Some(c) = r.cut {
        return Err(failed(format!("cut: {c:?}")));
    }
    let t = sink.lock().unwrap_or_else(|e| e.into_inner()).take();
    t.ok_or_else(|| failed("no execution ended".into()))
}

/// The engine type a facade object's engine object is, for the bare model.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prim {
    Atomic,
    Mutex,
    RwLock,
}

impl Prim {
    fn of(label: &ObjectLabel) -> Option<Prim> {
        match label.kind {
            "atomic" | "lifecycle word" | "published word" => Some(Prim::Atomic),
            "mutex" => Some(Prim::Mutex),
            "rwsem" => Some(Prim::RwLock),
            _ => None,
        }
    }
    fn ty(self) -> &'static str {
        match self {
            Prim::Atomic => "AtomicI64",
            Prim::Mutex => "Mutex<()>",
            Prim::RwLock => "RwLock<()>",
        }
    }
    fn constructor(self) -> &'static str {
        match self {
            Prim::Atomic => "AtomicI64::new(0)",
            Prim::Mutex => "Mutex::new(())",
            Prim::RwLock => "RwLock::new(())",
        }
    }
    fn prefix(self) -> char {
        match self {
            Prim::Atomic => 'a',
            Prim::Mutex => 'm',
            Prim::RwLock => 'r',
        }
    }
}

/// The execution's engine objects as the bare model names them.
struct Objects {
    /// In creation order: the object, its type, its variable, whether a thread accesses it.
    list: Vec<(EngineObj, Prim, String, bool, ObjectLabel)>,
}

impl Objects {
    fn new(proposal: &'static str, t: &Trace) -> Result<Objects, Error> {
        let mut list = Vec::new();
        for (i, (object, label)) in t.objects.iter().enumerate() {
            let unsupported = |what: String| Error::Unsupported {
                proposal,
                thread: object
                    .creator()
                    .map_or_else(|| "?".into(), |c| t.threads[c].clone()),
                step: "(creation)",
                what,
            };
            if object.creator() != Some(0) {
                return Err(unsupported(format!(
                    "engine object {} ({label}) is created by a scenario thread; the bare model \
                     creates every object in the setup",
                    object.name(&t.threads)
                )));
            }
            let prim = Prim::of(label)
                .ok_or_else(|| unsupported(format!("engine object of kind `{}`", label.kind)))?;
            let used = t.accesses.iter().any(|a| a.object == *object);
            list.push((*object, prim, format!("{}{i}", prim.prefix()), used, *label));
        }
        Ok(Objects { list })
    }

    fn get(&self, object: EngineObj) -> Option<(Prim, &str)> {
        self.list
            .iter()
            .find(|o| o.0 == object)
            .map(|o| (o.1, o.2.as_str()))
    }

    fn shared(&self) -> impl Iterator<Item = &(EngineObj, Prim, String, bool, ObjectLabel)> {
        self.list.iter().filter(|o| o.3)
    }
}

/// Check that the setup (thread 0) makes no engine access and that each thread's accesses
/// follow its logged steps in order.
fn check(proposal: &'static str, t: &Trace) -> Result<(), Error> {
    if let Some(a) = t.accesses.iter().find(|a| a.tid == 0 && a.kind.is_access()) {
        return Err(Error::SetupAccess {
            proposal,
            kind: a.kind.word(),
            object: a.object.name(&t.threads),
            step: a.step,
        });
    }
    for tid in 1..t.threads.len() {
        let logged: Vec<Step> = t.log.iter().filter(|e| e.0 == tid).map(|e| e.1).collect();
        let mut at = 0;
        let accesses = t
            .accesses
            .iter()
            .filter(|a| a.tid == tid && a.kind.is_access());
        for (index, a) in accesses.enumerate() {
            // Several accesses may belong to one step (a rw-semaphore's locks, per-thread words).
            match logged[at..].iter().position(|s| *s == a.step) {
                Some(i) => at += i,
                None => {
                    return Err(Error::StepOrder {
                        proposal,
                        thread: t.threads[tid].clone(),
                        index,
                        kind: a.kind.word(),
                        step: a.step,
                    })
                }
            }
        }
    }
    Ok(())
}

/// A Rust identifier for a thread's function.
fn ident(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t_{s}")
    } else {
        s
    }
}

/// Which imports the generated code needs.
#[derive(Default)]
struct Uses {
    acquire: bool,
    acq_rel: bool,
    thread: bool,
}

/// One thread's function body: its accesses, one line each.
fn thread_body(
    proposal: &'static str,
    t: &Trace,
    objects: &Objects,
    tid: usize,
    uses: &mut Uses,
) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    let mut held: Vec<(EngineObj, String)> = Vec::new();
    let mut guards = 0;
    let thread = &t.threads[tid];
    for a in t
        .accesses
        .iter()
        .filter(|a| a.tid == tid && a.kind.is_access())
    {
        let unsupported = |what: String| Error::Unsupported {
            proposal,
            thread: thread.clone(),
            step: a.step,
            what,
        };
        let (prim, var) = objects.get(a.object).ok_or_else(|| {
            unsupported(format!(
                "{} of {}",
                a.kind.word(),
                a.object.name(&t.threads)
            ))
        })?;
        let mut guard = |call: &str, held: &mut Vec<(EngineObj, String)>| {
            let g = format!("g{guards}");
            guards += 1;
            held.push((a.object, g.clone()));
            format!("let {g} = w.{var}.{call};")
        };
        let code = match (a.kind, prim) {
            (AccessKind::Read, Prim::Atomic) => {
                uses.acquire = true;
                format!("let _ = w.{var}.load(Acquire);")
            }
            (AccessKind::Rmw, Prim::Atomic) => {
                uses.acq_rel = true;
                format!("w.{var}.fetch_add(0, AcqRel);")
            }
            (AccessKind::Lock, Prim::Mutex) => guard("lock().unwrap()", &mut held),
            (AccessKind::Lock, Prim::RwLock) => guard("write().unwrap()", &mut held),
            (AccessKind::LockShared, Prim::RwLock) => guard("read().unwrap()", &mut held),
            (AccessKind::TryLock, Prim::Mutex) => guard("try_lock().ok()", &mut held),
            (AccessKind::TryLock, Prim::RwLock) => guard("try_write().ok()", &mut held),
            (AccessKind::TryLockShared, Prim::RwLock) => guard("try_read().ok()", &mut held),
            (AccessKind::TryLockFailed, Prim::Mutex) => format!("let _ = w.{var}.try_lock();"),
            (AccessKind::TryLockFailed, Prim::RwLock) => format!("let _ = w.{var}.try_write();"),
            (AccessKind::Unlock | AccessKind::UnlockShared, Prim::Mutex | Prim::RwLock) => {
                let i = held.iter().rposition(|h| h.0 == a.object).ok_or_else(|| {
                    unsupported(format!(
                        "{} of {var}, which it does not hold",
                        a.kind.word()
                    ))
                })?;
                format!("drop({});", held.remove(i).1)
            }
            (kind, _) => {
                return Err(unsupported(format!(
                    "{} of {var} ({})",
                    kind.word(),
                    prim.ty()
                )))
            }
        };
        lines.push(format!("{code} // {}", a.step));
    }
    if let Some((_, g)) = held.first() {
        return Err(Error::Unsupported {
            proposal,
            thread: thread.clone(),
            step: "exit",
            what: format!("returns holding the lock of guard {g}"),
        });
    }
    Ok(lines)
}

/// Transcribe pincheck's S1 execution on `proposal` (one of [`PROPOSALS`]) into a bare model.
pub fn generate(proposal: &'static str) -> Result<Model, Error> {
    transcribe(proposal, &trace(proposal)?)
}

/// Write the bare model of a traced execution, after the checks (see the module doc).
pub fn transcribe(proposal: &'static str, t: &Trace) -> Result<Model, Error> {
    check(proposal, t)?;
    let objects = Objects::new(proposal, t)?;
    let mut uses = Uses::default();
    let mut bodies = Vec::new();
    for tid in 1..t.threads.len() {
        bodies.push(thread_body(proposal, t, &objects, tid, &mut uses)?);
    }
    uses.thread = (1..t.threads.len()).any(|tid| engine_thread_of(tid) > 0);
    let source = render(proposal, t, &objects, &bodies, &uses);
    Ok(Model {
        proposal,
        file: format!("s1_{}.rs", ident(proposal)),
        objects: objects.list.len(),
        steps: t.log.len(),
        accesses: bodies.iter().map(Vec::len).sum(),
        source,
    })
}

/// Every proposal's bare model, in [`PROPOSALS`] order.
pub fn generate_all() -> Result<Vec<Model>, Error> {
    PROPOSALS.iter().map(|(p, _)| generate(p)).collect()
}

/// Generate every bare model and write it into `dir` (the package's [`MODELS_DIR`]).
pub fn write_all(dir: &Path) -> Result<Vec<Model>, Error> {
    let models = generate_all()?;
    for m in &models {
        let path = dir.join(&m.file);
        std::fs::write(&path, &m.source).map_err(|source| Error::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(models)
}

/// Indentation of the code inside `macro_rules! { () => { pub mod m { ... } } }`.
const INDENT: &str = "            ";

fn render(
    proposal: &'static str,
    t: &Trace,
    objects: &Objects,
    bodies: &[Vec<String>],
    uses: &Uses,
) -> String {
    let module = ident(proposal);
    let mut s = String::new();
    header(&mut s, proposal, t, objects, bodies);
    let _ = writeln!(
        s,
        "\n/// The S1 race on {proposal}@k53, one function per thread."
    );
    let _ = writeln!(
        s,
        "macro_rules! s1_{module} {{\n    () => {{\n        pub mod {module} {{"
    );
    imports(&mut s, objects, uses);
    consts(&mut s, t, objects);
    world(&mut s, objects);
    for (i, body) in bodies.iter().enumerate() {
        let w = if body.is_empty() { "_w" } else { "w" };
        let name = ident(&t.threads[i + 1]);
        let _ = writeln!(s, "\n{INDENT}fn {name}({w}: &World) {{");
        for line in body {
            let _ = writeln!(s, "{INDENT}    {line}");
        }
        let _ = writeln!(s, "{INDENT}}}");
    }
    execution(&mut s, t, objects, false);
    execution(&mut s, t, objects, true);
    s.push_str("        }\n    };\n}\n");
    s
}

/// Lines of at most [`WIDTH_MAX`] columns, each `prefix` and words of `text`.
fn wrap(s: &mut String, prefix: &str, text: &str) {
    let mut line = String::from(prefix);
    for word in text.split_whitespace() {
        if line.len() > prefix.len() && line.len() + 1 + word.len() > WIDTH_MAX {
            let _ = writeln!(s, "{}", line.trim_end());
            line = String::from(prefix);
        }
        if line.len() > prefix.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(s, "{}", line.trim_end());
}

/// The generated files' line width (the repository's).
const WIDTH_MAX: usize = 100;

fn header(s: &mut String, proposal: &str, t: &Trace, objects: &Objects, bodies: &[Vec<String>]) {
    let per_thread: Vec<String> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| format!("{} {}", t.threads[i + 1], b.len()))
        .collect();
    let first = format!(
        "Bare S1 model of {proposal}@k53, generated: do not edit; `cargo run -p pincheck-bench \
         --bin bare-models` writes it again (the bench package's test fails while it differs from \
         what that writes)."
    );
    let second = format!(
        "The engine objects and accesses of pincheck's S1 execution under PCT seed \
         {TRANSCRIBED_SEED} (one iteration), from the model's access record, with no oracle, no \
         facade and no model heap: {} engine objects created by the setup in pincheck's order, {} \
         accesses ({}) in each thread's program order, a comment naming each one's step; the \
         setup makes none (pincheck's facade makes none while a thread runs alone). Thread 1 runs \
         on the execution's main engine thread after the setup spawns the others, as pincheck's \
         `sync::run_threads` runs it, and nothing is joined in the engine. Every RMW is a \
         `fetch_add(0)`, a trylock's guard an `Option` (see `pincheck_bench::bare` for what a \
         bare access cannot say). Instantiated for loom and for shuttle by `bare/mod.rs`.",
        objects.list.len(),
        bodies.iter().map(Vec::len).sum::<usize>(),
        per_thread.join(", "),
    );
    wrap(s, "//! ", &first);
    s.push_str("//!\n");
    wrap(s, "//! ", &second);
}

fn imports(s: &mut String, objects: &Objects, uses: &Uses) {
    let mut engine: Vec<&str> = Vec::new();
    if uses.thread {
        engine.push("thread");
    }
    for (prim, name) in [
        (Prim::Atomic, "AtomicI64"),
        (Prim::Mutex, "Mutex"),
        (Prim::RwLock, "RwLock"),
    ] {
        if objects.list.iter().any(|o| o.1 == prim) {
            engine.push(name);
        }
    }
    let _ = writeln!(s, "{INDENT}use super::{{{}}};", engine.join(", "));
    let orderings: Vec<&str> = [(uses.acq_rel, "AcqRel"), (uses.acquire, "Acquire")]
        .into_iter()
        .filter_map(|(u, n)| u.then_some(n))
        .collect();
    match orderings.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(s, "{INDENT}use std::sync::atomic::Ordering::{one};");
        }
        many => {
            let _ = writeln!(
                s,
                "{INDENT}use std::sync::atomic::Ordering::{{{}}};",
                many.join(", ")
            );
        }
    }
    let _ = writeln!(s, "{INDENT}use std::sync::Arc;");
}

/// `/// ` at the generated items' indentation.
fn doc(s: &mut String, text: &str) {
    wrap(s, &format!("{INDENT}/// "), text);
}

fn consts(s: &mut String, t: &Trace, objects: &Objects) {
    let dead = "#[allow(dead_code)] // read through one instantiation only";
    s.push('\n');
    doc(
        s,
        "Engine objects pincheck's execution creates (all by the setup).",
    );
    let _ = writeln!(s, "{INDENT}{dead}");
    let _ = writeln!(
        s,
        "{INDENT}pub const OBJECTS: usize = {};\n",
        objects.list.len()
    );
    doc(
        s,
        "pincheck's log of the execution, thread and step, in the order the steps completed.",
    );
    let _ = writeln!(s, "{INDENT}{dead}");
    let _ = writeln!(s, "{INDENT}pub const STEPS: &[(&str, &str)] = &[");
    for (tid, step) in &t.log {
        let _ = writeln!(s, "{INDENT}    ({:?}, {:?}),", t.threads[*tid], step);
    }
    let _ = writeln!(s, "{INDENT}];");
}

fn world(s: &mut String, objects: &Objects) {
    s.push('\n');
    doc(
        s,
        "The objects the threads access (the others stay local to the execution).",
    );
    let _ = writeln!(s, "{INDENT}struct World {{");
    for (_, prim, var, _, _) in objects.shared() {
        let _ = writeln!(s, "{INDENT}    {var}: {},", prim.ty());
    }
    let _ = writeln!(s, "{INDENT}}}");
}

/// `execution()`, or with `idle` `idle()`: the same objects and threads with no access.
fn execution(s: &mut String, t: &Trace, objects: &Objects, idle: bool) {
    s.push('\n');
    if idle {
        doc(
            s,
            "The same objects and threads with no access: what an execution costs the engine \
             besides the race (the `split` section subtracts it).",
        );
        let _ = writeln!(
            s,
            "{INDENT}#[allow(dead_code)] // run through the shuttle instantiation only"
        );
        let _ = writeln!(s, "{INDENT}pub fn idle() {{");
    } else {
        doc(
            s,
            "One execution: the setup creates the objects, spawns the threads pincheck spawns and \
             runs thread 1 itself; the engine runs the others to their end.",
        );
        let _ = writeln!(s, "{INDENT}pub fn execution() {{");
    }
    for (_, prim, var, used, label) in &objects.list {
        let u = if *used { "" } else { "_" };
        let comment = if idle {
            String::new()
        } else {
            format!(" // {label}")
        };
        let _ = writeln!(
            s,
            "{INDENT}    let {u}{var} = {};{comment}",
            prim.constructor()
        );
    }
    let _ = writeln!(s, "{INDENT}    let w = Arc::new(World {{");
    for (_, _, var, _, _) in objects.shared() {
        let _ = writeln!(s, "{INDENT}        {var},");
    }
    let _ = writeln!(s, "{INDENT}    }});");
    let threads = 1..t.threads.len();
    let mut handles = Vec::new();
    for tid in threads.clone().filter(|tid| engine_thread_of(*tid) > 0) {
        let run = if idle {
            "drop(w)".to_string()
        } else {
            format!("{}(&w)", ident(&t.threads[tid]))
        };
        let _ = write!(
            s,
            "{INDENT}    let h{tid} = {{\n\
             {INDENT}        let w = Arc::clone(&w);\n\
             {INDENT}        thread::spawn(move || {run})\n\
             {INDENT}    }};\n"
        );
        handles.push(tid);
    }
    if idle {
        let _ = writeln!(s, "{INDENT}    drop(w);");
    } else {
        for tid in threads.filter(|tid| engine_thread_of(*tid) == 0) {
            let _ = writeln!(s, "{INDENT}    {}(&w);", ident(&t.threads[tid]));
        }
    }
    for tid in handles {
        let _ = writeln!(s, "{INDENT}    drop(h{tid});");
    }
    let _ = writeln!(s, "{INDENT}}}");
}
