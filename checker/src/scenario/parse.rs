//! The walk over one scenario file: header, declarations, setup and threads (two passes: read
//! every op, then resolve names in program order), exit list, then `expect`.

use std::ops::Range;
use std::path::Path;

use pincheck_model::kernel::Variant;
use pincheck_model::program::{Program, ThreadProgram};
use toml::de::{DeTable, DeValue};

use super::diag::{did_you_mean, ScenarioErrors};
use super::kernels;
use super::names::{At, Names, Scope};
use super::ops::{is_name, read_op, DefaultProcess, Kind, RawOp};
use super::value::{get, key_span, Ctx, Value};
use super::*;
use crate::explore::{Preemptions, UNBOUNDED};

/// Every top-level key.
const TOP_KEYS: &[&str] = &[
    "format",
    "name",
    "summary",
    "sources",
    "kernels",
    "preemptions",
    "exhaustive",
    "faults",
    "processes",
    "devices",
    "data_files",
    "exit_at_quiescence",
    "setup",
    "threads",
    "expect",
];
/// Keys of one `[[threads]]` table.
const THREAD_KEYS: &[&str] = &["name", "process", "ops"];
/// Where a missing top-level key is reported.
const TOP: Range<usize> = 0..0;

/// The header fields.
#[derive(Default)]
struct Header {
    name: String,
    summary: String,
    sources: Vec<String>,
    kernels: Vec<String>,
    preemptions: Option<Preemptions>,
    exhaustive: bool,
    faults: usize,
}

/// One `[[threads]]` table as read.
struct RawThread {
    name: String,
    name_span: Range<usize>,
    process: Option<(String, Range<usize>)>,
    ops: Vec<Option<RawOp>>,
    op_lines: Vec<usize>,
    line: usize,
}

pub fn parse(path: &Path, source: &str) -> Result<Scenario, ScenarioErrors> {
    let mut ctx = Ctx::new(path, source);
    if source.len() > SCENARIO_BYTES_MAX {
        let msg = format!(
            "the file is {} bytes; a scenario is at most {SCENARIO_BYTES_MAX} bytes",
            source.len()
        );
        ctx.error(
            TOP,
            msg,
            Some("one race per file, one screen long: split it".into()),
        );
        return Err(finish(ctx));
    }
    let (doc, syntax) = DeTable::parse_recoverable(source);
    if !syntax.is_empty() {
        for e in syntax {
            ctx.error(
                e.span().unwrap_or(TOP),
                format!("TOML syntax: {}", e.message().trim_end()),
                None,
            );
        }
        return Err(finish(ctx));
    }
    let top = doc.get_ref();
    if !format(&mut ctx, top) {
        return Err(finish(ctx));
    }
    ctx.unknown_keys(top, TOP_KEYS, "the scenario");
    let header = header(&mut ctx, top);
    let mut names = Names::default();
    let processes = declare(&mut ctx, top, "processes", Kind::Process, &mut names);
    let (devices, devices_without_disassociate) = devices(&mut ctx, top, &mut names);
    let data_files = declare(&mut ctx, top, "data_files", Kind::DataFile, &mut names);
    let (setup, setup_lines) = read_setup(&mut ctx, top);
    let threads = read_threads(&mut ctx, top, &mut names);
    bind_and_resolve(&mut ctx, &mut names, &setup, &threads);
    no_thread_group_exits(&mut ctx, &threads);
    let exit_at_quiescence = exit_list(&mut ctx, top, &names);
    let (expect, verdict_lines, goal_lines, expect_line) = expect::read(
        &mut ctx,
        top,
        &names,
        &header.kernels,
        &threads_ops(&setup, &threads),
    );
    if !ctx.errors.is_empty() {
        return Err(finish(ctx));
    }
    let program = Program {
        processes,
        devices,
        devices_without_disassociate,
        data_files,
        setup: setup.iter().flatten().map(RawOp::to_op).collect(),
        threads: threads
            .iter()
            .map(|t| ThreadProgram {
                name: t.name.clone(),
                ops: t.ops.iter().flatten().map(RawOp::to_op).collect(),
            })
            .collect(),
        exit_at_quiescence,
    };
    let spans = Spans {
        threads: threads.iter().map(|t| t.line).collect(),
        setup_ops: setup_lines,
        thread_ops: threads.iter().map(|t| t.op_lines.clone()).collect(),
        verdicts: verdict_lines,
        sometimes: goal_lines,
        expect: expect_line,
    };
    Ok(Scenario {
        path: path.to_path_buf(),
        source: source.to_string(),
        hash: fnv1a_hex(source.as_bytes()),
        name: header.name,
        summary: header.summary,
        sources: header.sources,
        kernels: header.kernels,
        preemptions: header.preemptions,
        exhaustive: header.exhaustive,
        faults: header.faults,
        program,
        expect,
        spans,
    })
}

/// Errors in position order, duplicates removed.
fn finish(ctx: Ctx<'_>) -> ScenarioErrors {
    let mut errors = ctx.errors;
    errors.sort_by_key(|d| (d.span.start, d.span.end));
    errors.dedup();
    ScenarioErrors { errors }
}

/// `format = 1`; anything else stops the parse (another format cannot be read).
fn format(ctx: &mut Ctx<'_>, top: &DeTable<'_>) -> bool {
    let Some(v) = ctx.require(top, "format", TOP, "the scenario") else {
        return false;
    };
    let span = v.span();
    match ctx.integer(v, "`format`", i64::MIN, i64::MAX) {
        Some(FORMAT_VERSION) => true,
        Some(n) => {
            let hint = Some(format!("this pincheck reads format {FORMAT_VERSION}"));
            ctx.error(span, format!("unsupported scenario format {n}"), hint);
            false
        }
        None => false,
    }
}

fn header(ctx: &mut Ctx<'_>, top: &DeTable<'_>) -> Header {
    let mut h = Header::default();
    if let Some(v) = ctx.require(top, "name", TOP, "the scenario") {
        if let Some(name) = ctx.string(v, "`name`") {
            let stem = ctx
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name != stem {
                let hint = Some(format!(
                    "the name must equal the file stem: `name = \"{stem}\"` (or rename the file)"
                ));
                ctx.error(
                    v.span(),
                    format!("scenario name `{name}` does not match the file name `{stem}`"),
                    hint,
                );
            }
            h.name = name;
        }
    }
    if let Some(v) = ctx.require(top, "summary", TOP, "the scenario") {
        h.summary = non_empty(ctx, v, "`summary`").unwrap_or_default();
    }
    if let Some(v) = ctx.require(top, "sources", TOP, "the scenario") {
        let list = ctx.strings(v, "`sources`").unwrap_or_default();
        if list.is_empty() && ctx.array(v, "`sources`").is_some() {
            ctx.error(
                v.span(),
                "`sources` is empty",
                Some("link the mail, commit or code the race comes from".into()),
            );
        }
        h.sources = list.into_iter().map(|(s, _)| s).collect();
    }
    h.kernels = kernels(ctx, top);
    if let Some(v) = get(top, "faults") {
        let n = ctx
            .integer(v, "`faults`", 0, FAULTS_MAX as i64)
            .unwrap_or(0);
        h.faults = usize::try_from(n).unwrap_or(0);
    }
    if let Some(v) = get(top, "exhaustive") {
        h.exhaustive = ctx.boolean(v, "`exhaustive`").unwrap_or(false);
    }
    if let Some(v) = get(top, "preemptions") {
        h.preemptions = preemptions(ctx, v, h.exhaustive);
    }
    h
}

/// `preemptions = N` (0..=PREEMPTIONS_MAX) or `preemptions = "unbounded"`; a numeric bound
/// contradicts `exhaustive = true`, which searches without one.
fn preemptions(ctx: &mut Ctx<'_>, v: &Value<'_>, exhaustive: bool) -> Option<Preemptions> {
    let p = match v.get_ref() {
        DeValue::String(s) if s.as_ref() == UNBOUNDED => Preemptions::Unbounded,
        DeValue::String(s) => {
            ctx.error(
                v.span(),
                format!("`preemptions` must be an integer or \"{UNBOUNDED}\", found \"{s}\""),
                Some(format!(
                    "`preemptions = 4` searches bounds 0..=4 in turn; `preemptions = \"{UNBOUNDED}\"` has no bound"
                )),
            );
            return None;
        }
        _ => Preemptions::Bound(
            ctx.integer(v, "`preemptions`", 0, PREEMPTIONS_MAX as i64)
                .and_then(|n| usize::try_from(n).ok())?,
        ),
    };
    if exhaustive && p != Preemptions::Unbounded {
        ctx.error(
            v.span(),
            format!("`preemptions = {p}` contradicts `exhaustive = true`, which searches without a preemption bound"),
            Some("remove `preemptions` (an exhaustive scenario runs unbounded), or remove `exhaustive` to search up to this bound".into()),
        );
        return None;
    }
    Some(p)
}

fn non_empty(ctx: &mut Ctx<'_>, v: &Value<'_>, what: &str) -> Option<String> {
    let s = ctx.string(v, what)?;
    if s.trim().is_empty() {
        ctx.error(v.span(), format!("{what} is empty"), None);
    }
    Some(s)
}

fn kernels(ctx: &mut Ctx<'_>, top: &DeTable<'_>) -> Vec<String> {
    let Some(v) = get(top, "kernels") else {
        return KERNELS_DEFAULT.iter().map(|s| s.to_string()).collect();
    };
    let list = ctx.strings(v, "`kernels`").unwrap_or_default();
    if list.is_empty() && ctx.array(v, "`kernels`").is_some() {
        ctx.error(
            v.span(),
            "`kernels` is empty",
            Some(format!("omit it to run on {}", KERNELS_DEFAULT.join(", "))),
        );
    }
    let mut out: Vec<Variant> = Vec::new();
    for (k, span) in list {
        let Some(variant) = kernels::resolve(ctx, &k, &span) else {
            continue;
        };
        if let Some(twin) = out.iter().find(|x| kernels::same(x, &variant)) {
            let msg = if twin.name == variant.name {
                format!("kernel `{k}` is listed twice")
            } else {
                format!("kernel `{k}` is `{}` again", twin.name)
            };
            ctx.error(span, msg, None);
        } else {
            out.push(variant);
        }
    }
    out.iter().map(|v| v.name.to_string()).collect()
}

/// A list of declared names (`processes`, `devices`, `data_files`); absent means empty.
fn declare(
    ctx: &mut Ctx<'_>,
    top: &DeTable<'_>,
    key: &str,
    kind: Kind,
    names: &mut Names,
) -> Vec<String> {
    let Some(v) = get(top, key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, span) in ctx.strings(v, &format!("`{key}`")).unwrap_or_default() {
        if !is_name(&name) {
            let hint = Some(
                "names are letters, digits, `_` and `-`, starting with a letter or `_`".to_string(),
            );
            ctx.error(
                span,
                format!("`{}` is not a valid name", name.escape_debug()),
                hint,
            );
            continue;
        }
        names.declare(ctx, &name, kind, span);
        out.push(name);
    }
    out
}

/// Keys of a device given as a table.
const DEVICE_KEYS: &[&str] = &["name", "disassociate_ucontext"];

/// `devices`: each a name (its driver implements `disassociate_ucontext`), or a table
/// `{ name = "uverbs0", disassociate_ucontext = false }`. Returns every device, and those
/// whose driver does not disassociate.
fn devices(ctx: &mut Ctx<'_>, top: &DeTable<'_>, names: &mut Names) -> (Vec<String>, Vec<String>) {
    let mut all = Vec::new();
    let mut without = Vec::new();
    let Some(v) = get(top, "devices") else {
        return (all, without);
    };
    let items = ctx.array(v, "`devices`").unwrap_or_default();
    for item in items {
        let (name, span, disassociate) = match item.get_ref() {
            DeValue::Table(t) => {
                ctx.unknown_keys(t, DEVICE_KEYS, "a device");
                let Some(n) = ctx.require(t, "name", item.span(), "a device") else {
                    continue;
                };
                let Some(name) = ctx.string(n, "`name` of a device") else {
                    continue;
                };
                let d = get(t, "disassociate_ucontext")
                    .and_then(|b| ctx.boolean(b, "`disassociate_ucontext`"))
                    .unwrap_or(true);
                (name, n.span(), d)
            }
            _ => {
                let Some(name) = ctx.string(item, "each element of `devices`") else {
                    continue;
                };
                (name, item.span(), true)
            }
        };
        if !is_name(&name) {
            let hint = Some(
                "names are letters, digits, `_` and `-`, starting with a letter or `_`".to_string(),
            );
            ctx.error(
                span,
                format!("`{}` is not a valid name", name.escape_debug()),
                hint,
            );
            continue;
        }
        names.declare(ctx, &name, Kind::Device, span);
        if !disassociate {
            without.push(name.clone());
        }
        all.push(name);
    }
    (all, without)
}

/// An `ops`/`setup` array: at most OPS_PER_THREAD_MAX, each read with `default` for `process`.
fn read_ops(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    what: &str,
    default: &DefaultProcess<'_>,
) -> (Vec<Option<RawOp>>, Vec<usize>) {
    let Some(items) = ctx.array(v, what) else {
        return (Vec::new(), Vec::new());
    };
    if let Some(extra) = items.get(OPS_PER_THREAD_MAX) {
        let msg = format!(
            "{what} has {} operations; at most {OPS_PER_THREAD_MAX} are allowed",
            items.len()
        );
        ctx.error(
            extra.span(),
            msg,
            Some("keep one race per scenario: move the rest to another file".into()),
        );
    }
    let ops = items
        .iter()
        .map(|item| read_op(ctx, item, default))
        .collect();
    let lines = items
        .iter()
        .map(|item| ctx.line_of(item.span().start))
        .collect();
    (ops, lines)
}

fn read_setup(ctx: &mut Ctx<'_>, top: &DeTable<'_>) -> (Vec<Option<RawOp>>, Vec<usize>) {
    let Some(v) = get(top, "setup") else {
        return (Vec::new(), Vec::new());
    };
    read_ops(
        ctx,
        v,
        "`setup`",
        &DefaultProcess {
            name: None,
            place: "setup",
        },
    )
}

fn read_threads(ctx: &mut Ctx<'_>, top: &DeTable<'_>, names: &mut Names) -> Vec<RawThread> {
    let Some(v) = ctx.require(top, "threads", TOP, "the scenario") else {
        return Vec::new();
    };
    let Some(items) = ctx.array(v, "`threads`") else {
        return Vec::new();
    };
    let at = key_span(top, "threads").unwrap_or_else(|| v.span());
    if items.len() < THREADS_MIN {
        let hint = Some("a scenario is a race: add a `[[threads]]` table".to_string());
        ctx.error(
            at,
            format!(
                "{} thread(s); a scenario has {THREADS_MIN} to {THREADS_MAX} threads",
                items.len()
            ),
            hint,
        );
    }
    if let Some(extra) = items.get(THREADS_MAX) {
        let hint = Some(
            "loom's cost grows fast with threads: split the race into two scenarios".to_string(),
        );
        ctx.error(
            extra.span(),
            format!(
                "{} threads; a scenario has {THREADS_MIN} to {THREADS_MAX} threads",
                items.len()
            ),
            hint,
        );
    }
    let mut out: Vec<RawThread> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let t = read_thread(ctx, item, i);
        names.threads.push(t.name.clone());
        out.push(t);
    }
    out
}

fn read_thread(ctx: &mut Ctx<'_>, item: &Value<'_>, i: usize) -> RawThread {
    let line = ctx.line_of(item.span().start);
    let mut t = RawThread {
        name: format!("#{i}"),
        name_span: item.span(),
        process: None,
        ops: Vec::new(),
        op_lines: Vec::new(),
        line,
    };
    let Some(table) = ctx.table(item, "each element of `threads`") else {
        return t;
    };
    ctx.unknown_keys(table, THREAD_KEYS, "a thread");
    let head = item.span().start..item.span().start;
    if let Some(v) = ctx.require(table, "name", head.clone(), "a thread") {
        if let Some(name) = ctx.string(v, "`name` of a thread") {
            if !is_name(&name) || name == "setup" {
                let hint = Some(
                    "thread names are letters, digits, `_` and `-`; `setup` is reserved"
                        .to_string(),
                );
                ctx.error(
                    v.span(),
                    format!("`{}` is not a valid thread name", name.escape_debug()),
                    hint,
                );
            }
            t.name = name;
            t.name_span = v.span();
        }
    }
    if let Some(v) = get(table, "process") {
        t.process = ctx
            .string(v, "`process` of a thread")
            .map(|p| (p, v.span()));
    }
    let place = format!("thread `{}`", t.name);
    if let Some(v) = ctx.require(table, "ops", head, "a thread") {
        let default = DefaultProcess {
            name: t.process.as_ref(),
            place: &place,
        };
        (t.ops, t.op_lines) = read_ops(ctx, v, &format!("thread `{}`", t.name), &default);
        if t.ops.is_empty() && ctx.array(v, "`ops`").is_some() {
            ctx.error(
                v.span(),
                format!("thread `{}` has no operations", t.name),
                None,
            );
        }
    }
    t
}

/// Pass 2: record every binding, then check every use in program order.
fn bind_and_resolve(
    ctx: &mut Ctx<'_>,
    names: &mut Names,
    setup: &[Option<RawOp>],
    threads: &[RawThread],
) {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for t in threads {
        if let Some((_, line)) = seen.iter().find(|(n, _)| *n == t.name) {
            let hint = Some(format!(
                "thread `{}` is already defined at line {line}",
                t.name
            ));
            ctx.error(
                t.name_span.clone(),
                format!("duplicate thread name `{}`", t.name),
                hint,
            );
        }
        seen.push((&t.name, t.line));
    }
    let all = scoped(setup, threads);
    for (at, op) in &all {
        names.bind(ctx, op, *at);
    }
    for (at, op) in &all {
        names.resolve(ctx, op, *at);
    }
    for (i, t) in threads.iter().enumerate() {
        if let Some((p, span)) = &t.process {
            names.check_use(
                ctx,
                p,
                Kind::Process,
                At {
                    scope: Scope::Thread(i),
                    op: 0,
                },
                span.clone(),
            );
        }
    }
}

/// Every op with its program point.
fn scoped<'a>(setup: &'a [Option<RawOp>], threads: &'a [RawThread]) -> Vec<(At, &'a RawOp)> {
    let mut out = Vec::new();
    for (i, op) in setup.iter().enumerate() {
        if let Some(op) = op {
            out.push((
                At {
                    scope: Scope::Setup,
                    op: i,
                },
                op,
            ));
        }
    }
    for (t, th) in threads.iter().enumerate() {
        for (i, op) in th.ops.iter().enumerate() {
            if let Some(op) = op {
                out.push((
                    At {
                        scope: Scope::Thread(t),
                        op: i,
                    },
                    op,
                ));
            }
        }
    }
    out
}

/// `exit_at_quiescence`: processes declared or bound by `fork` anywhere.
fn exit_list(ctx: &mut Ctx<'_>, top: &DeTable<'_>, names: &Names) -> Vec<String> {
    let Some(v) = get(top, "exit_at_quiescence") else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for (p, span) in ctx.strings(v, "`exit_at_quiescence`").unwrap_or_default() {
        if !names.is(&p, Kind::Process) {
            let known = names.all(Kind::Process);
            let hint = did_you_mean(&p, known.iter().copied())
                .or_else(|| Some(format!("processes are: {}", known.join(", "))));
            ctx.error(span, format!("unknown process `{p}`"), hint);
        } else if out.contains(&p) {
            ctx.error(span, format!("process `{p}` is listed twice"), None);
        } else {
            out.push(p);
        }
    }
    out
}

/// The process an op acts as (its `process` argument, given or taken from its thread), with the
/// span to point at.
fn acting_process(op: &RawOp) -> Option<(&str, Range<usize>)> {
    op.args
        .iter()
        .find(|a| a.name == "process")
        .map(|a| (a.text.as_str(), a.span.clone()))
}

/// The model has no thread groups: `exit` is the whole process's and closes its fd table and mm at
/// once, where the kernel's `exit_group` lets the group's other threads leave their syscalls and
/// closes a shared `files_struct` at its last user. A scenario thread acting as a process another
/// thread exits would race that exit in a way the kernel cannot (an fd it installs after the
/// exit's `close_files` would be reported leaked), so such a scenario is refused, not judged.
fn no_thread_group_exits(ctx: &mut Ctx<'_>, threads: &[RawThread]) {
    for (i, t) in threads.iter().enumerate() {
        for exit in t.ops.iter().flatten().filter(|o| o.spec.keyword == "exit") {
            let Some((p, _)) = acting_process(exit) else {
                continue;
            };
            for u in threads
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, u)| u)
            {
                let sibling = u.ops.iter().flatten().find_map(|o| {
                    acting_process(o)
                        .filter(|(q, _)| *q == p)
                        .map(|(_, span)| (o.spec.keyword, span))
                });
                if let Some((keyword, span)) = sibling {
                    let hint = format!(
                        "pincheck models no thread group: `exit` closes `{p}`'s fd table and mm at \
                         once, where the kernel waits for the group's other threads to leave their \
                         syscalls; give thread `{}` a process of its own, exit `{p}` in thread `{}` \
                         after its ops, or list `{p}` in `exit_at_quiescence`",
                        u.name, u.name
                    );
                    ctx.error(
                        span,
                        format!(
                            "thread `{}` acts as process `{p}` (`{keyword}`) while thread `{}` \
                             exits it",
                            u.name, t.name
                        ),
                        Some(hint),
                    );
                }
            }
        }
    }
}

/// Each scope's name (`setup`, then the threads) with its op keywords, for `thread.i.op` labels.
fn threads_ops(
    setup: &[Option<RawOp>],
    threads: &[RawThread],
) -> Vec<(String, Vec<Option<&'static str>>)> {
    let kws = |ops: &[Option<RawOp>]| {
        ops.iter()
            .map(|o| o.as_ref().map(|o| o.spec.keyword))
            .collect()
    };
    let mut out = vec![("setup".to_string(), kws(setup))];
    out.extend(threads.iter().map(|t| (t.name.clone(), kws(&t.ops))));
    out
}
