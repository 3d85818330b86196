//! procfs: `/proc/<pid>/fdinfo/<fd>` (`seq_show`: get_file under `file_lock`, show, fput — so
//! the reader may drop the last reference) and the pin listing (RFC 18/19's `file_pins`, or the
//! proposal's per-file handler walked over every fd as `proc_readfd` lists them, under RCU),
//! checked against the oracle's truth.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::{FindingKind, Holder, Listed, Mark, Oracle, Reading, Untrue};
use crate::task::Task;
use crate::vfs::file::{fput, get_file, File};
use crate::vfs::process::{__fget_files, Process, FDS_MAX};
use crate::KResult;

crate::declare_check!(
    /// I-PROCFS: a listed pin was pinned, through the file listed, at some time during the read.
    pub static PROCFS_LISTS_UNPINNED = ("procfs.lists_unpinned", FindingKind::ProcfsLie,
        "a listing shows a pin its file did not hold at any time during the read");
);
crate::declare_check!(
    /// I-PROCFS: a pin established before the read and not being destroyed is listed.
    pub static PROCFS_OMITS_PINNED = ("procfs.omits_pinned", FindingKind::ProcfsLie,
        "a listing omits a pin held for the whole read by a file at its fd");
);

/// One listed pin: the fd it is attributed to, the struct file the reader found there (and when),
/// and the data file printed. A pin attributed to the process itself (RFC 13/19's `mm_file_pin`,
/// listed as a bare path) has no fd and no file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinLine {
    /// The fd number printed; `None` for a pin of the process (its mm).
    pub fd: Option<usize>,
    /// The struct file the reader looked up at that fd.
    pub file: Option<Handle<File>>,
    /// The point right after that lookup.
    pub looked_up: Mark,
    /// The data file printed.
    pub data: String,
}

/// `seq_show` of fdinfo: the path and the proposal's `show_fdinfo` lines.
pub fn seq_show(k: &Kernel, cur: &Task, target: &Process, fd: usize) -> KResult<String> {
    let Some(f) = seq_show_get(k, cur, target, fd, "seq_show")? else {
        return Ok("ENOENT".into());
    };
    let file = k.files.get(f);
    let mut out = format!("fd{fd}: {}", file.path);
    for line in k.proposal.show_fdinfo(k, cur, f)? {
        out.push_str(&format!(" pin={line}"));
    }
    fput(
        k,
        cur,
        "seq_show.fput",
        f,
        &Holder::Task(cur.tid, "seq_show"),
    )?;
    Ok(out)
}

/// fs/proc/fd.c `seq_show`'s lookup (v5.3): under the target's `file_lock`, `fcheck_files` and
/// `get_file` (the slot's own reference keeps the count above zero while the lock is held, so
/// no `_unless_zero`). The reference is held by the task as `why`.
fn seq_show_get(
    k: &Kernel,
    cur: &Task,
    target: &Process,
    fd: usize,
    why: &'static str,
) -> KResult<Option<Handle<File>>> {
    let _file_lock = target.files.lock("seq_show.file_lock")?;
    let f = target.files.fcheck_files("seq_show.fcheck_files", fd);
    if let Some(f) = f {
        get_file(k, "seq_show.get_file", f, Holder::Task(cur.tid, why));
    }
    Ok(f)
}

/// The walk the back-pointer-free proposals use for their listing: every fd of the target as
/// `proc_readfd_common` walks them (`fcheck_files` under `rcu_read_lock`, no lock; the latest
/// value, see `FilesStruct::fcheck_files`), each file
/// taken with `get_file_rcu` as `__fget` takes it (what v5.6's `fget_task` does on another task's
/// table), its handler (`f_op->show_fdinfo`, a checked read of the file) called, then fput.
pub fn walk_fds_with_refs(
    k: &Kernel,
    cur: &Task,
    target: &Process,
    show: impl Fn(&Kernel, &Task, Handle<File>) -> KResult<Vec<String>>,
) -> KResult<Vec<PinLine>> {
    let (_, oracle) = crate::sync::current_oracle();
    let mut out = Vec::new();
    for fd in 0..FDS_MAX {
        let holder = Holder::Task(cur.tid, "procfs");
        let Some(f) = __fget_files(k, &target.files, fd, holder.clone())? else {
            continue;
        };
        let looked_up = oracle.mark();
        // The handler is the file's `f_op->show_fdinfo`: a read of the struct file, which only
        // the reference just taken keeps alive against a concurrent last close.
        k.files.deref("procfs.f_op", f, "Read of f_op");
        for data in show(k, cur, f)? {
            out.push(PinLine {
                fd: Some(fd),
                file: Some(f),
                looked_up,
                data,
            });
        }
        fput(k, cur, "procfs.fput", f, &holder)?;
    }
    Ok(out)
}

/// Read the pin listing of `target`; [`judge_file_pins`] judges it once the execution has ended.
pub fn read_file_pins(k: &Kernel, cur: &Task, target: &Process) -> KResult<String> {
    let (_, oracle) = crate::sync::current_oracle();
    oracle.first_step_watch();
    let start = oracle.mark();
    let mut lines = k.proposal.file_pins(k, cur, target)?;
    let first = oracle.first_step_mark(&start);
    lines.sort_by(|a, b| (a.fd, &a.data).cmp(&(b.fd, &b.data)));
    lines.dedup_by(|a, b| a.fd == b.fd && a.data == b.data);
    let printed = render(&lines);
    let listed: Vec<Listed> = lines
        .iter()
        .map(|l| Listed {
            fd: l.fd,
            file: l.file.map(|f| f.obj()),
            looked_up: l.looked_up,
            data: l.data.clone(),
        })
        .collect();
    oracle.procfs_read(&target.name, first, listed, printed.clone());
    Ok(printed)
}

/// Judge every pin listing the execution read, once it has ended, against the truth of its
/// steps (see the oracle's `truth` module), in the execution's happens-before order: a line is a
/// lie when no interleaving of the execution's trace has a pin of the looked-up file's owner
/// visible between the lookup and the end of the read (released before the lookup, made after
/// the read, or attributed to the wrong file); a pin whose REG_MR returned before the read began
/// and whose destroy began only after the read ended, of a file at its fd from before the read
/// to after it, and not listed there, is a lie of omission. A listing may omit a pin whose REG_MR
/// returned concurrently with the read, and list one destroyed concurrently with it.
pub fn judge_file_pins(oracle: &Oracle) {
    for reading in oracle.readings() {
        for untrue in oracle.procfs_judge(&reading) {
            report_untrue(oracle, &reading, untrue);
        }
    }
}

fn report_untrue(oracle: &Oracle, reading: &Reading, untrue: Untrue) {
    let (target, printed) = (reading.process.as_str(), reading.printed.as_str());
    let (check, title, object, truth) = match untrue {
        Untrue::Listed { line } => {
            let at = at_text(line.fd);
            let truth = match line.file {
                Some(file) => format!(
                    "truth: {}, found at {at} by the reader, pinned {} at no time from that \
                     lookup to the end of the read",
                    oracle.obj_name(file),
                    line.data
                ),
                None => format!(
                    "truth: no file {target} held during the read pinned {} at any time then",
                    line.data
                ),
            };
            (
                &PROCFS_LISTS_UNPINNED,
                format!(
                    "procfs lie: /proc/{target}/file_pins lists {at} pinning {}",
                    line.data
                ),
                at,
                truth,
            )
        }
        Untrue::Omitted { fd, data } => (
            &PROCFS_OMITS_PINNED,
            format!("procfs lie: /proc/{target}/file_pins omits fd{fd} pinning {data}"),
            format!("fd{fd}"),
            format!(
                "truth: the file at fd{fd} throughout the read pinned {data} by a REG_MR \
                 committed before the read, whose destroy began only after it ended"
            ),
        ),
    };
    oracle.report_reading(
        check,
        reading,
        title,
        Some(object),
        vec![format!("printed: {printed}"), truth],
    );
}

/// How a line's attribution prints: `fd3`, or `mm` for a pin of the process.
fn at_text(fd: Option<usize>) -> String {
    fd.map_or_else(|| "mm".to_string(), |fd| format!("fd{fd}"))
}

/// `fd3: dax0, fd4: dax1` (`mm: dax0` for a pin of the process), or `-` when empty.
pub fn render(lines: &[PinLine]) -> String {
    if lines.is_empty() {
        return "-".into();
    }
    lines
        .iter()
        .map(|l| format!("{}: {}", at_text(l.fd), l.data))
        .collect::<Vec<_>>()
        .join(", ")
}
