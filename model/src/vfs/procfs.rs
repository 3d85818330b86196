//! procfs: `/proc/<pid>/fdinfo/<fd>` (`seq_show`: get_file under `file_lock`, show, fput — so
//! the reader may drop the last reference) and the pin listing (RFC 18/19's `file_pins`, or the
//! proposal's per-file handler walked over every fd), checked against the oracle's truth.

use crate::heap::Handle;
use crate::kernel::Kernel;
use crate::oracle::{FindingKind, Holder};
use crate::task::Task;
use crate::vfs::file::{fput, File};
use crate::vfs::process::{fget, Process, FDS_MAX};
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

/// One listed pin: the fd it is attributed to and the data file printed.
pub type PinLine = (usize, String);

/// `seq_show` of fdinfo: the path and the proposal's `show_fdinfo` lines.
pub fn seq_show(k: &Kernel, cur: &Task, target: &Process, fd: usize) -> KResult<String> {
    let Some(f) = fget(k, cur, target, fd, "seq_show")? else {
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

/// The fdinfo-style walk the back-pointer-free proposals use for their listing: for every fd,
/// a counted reference under `file_lock`, the file's handler, fput.
pub fn walk_fds_with_refs(
    k: &Kernel,
    cur: &Task,
    target: &Process,
    show: impl Fn(&Kernel, &Task, Handle<File>) -> KResult<Vec<String>>,
) -> KResult<Vec<PinLine>> {
    let used: Vec<usize> = {
        let table = target.files.lock("proc_readfd.file_lock")?;
        (0..FDS_MAX).filter(|&fd| table[fd].is_some()).collect()
    };
    let mut out = Vec::new();
    for fd in used {
        let Some(f) = fget(k, cur, target, fd, "procfs")? else {
            continue;
        };
        for data in show(k, cur, f)? {
            out.push((fd, data));
        }
        fput(k, cur, "procfs.fput", f, &Holder::Task(cur.tid, "procfs"))?;
    }
    Ok(out)
}

/// Read the pin listing of `target` and check it against the truth over the read's duration:
/// a listed pin no file at that fd held at any time during the read is a lie (released before
/// the read began, or attributed to the wrong file); a pin held throughout by a file that stayed at
/// its fd throughout, and not listed, is a lie of omission.
pub fn read_file_pins(k: &Kernel, cur: &Task, target: &Process) -> KResult<String> {
    let (_, oracle) = crate::sync::current_oracle();
    k.truth_tick("truth.read_start");
    let from = oracle.now();
    let mut lines = k.proposal.file_pins(k, cur, target)?;
    k.truth_tick("truth.read_end");
    let to = oracle.now();
    lines.sort();
    lines.dedup();
    let truth = oracle.procfs_truth(&target.name, from, to);
    let printed = render(&lines);
    for (fd, data) in &lines {
        let may = truth
            .iter()
            .find(|t| t.0 == *fd)
            .map(|t| t.2.clone())
            .unwrap_or_default();
        if !may.contains(data) {
            oracle.report(
                &PROCFS_LISTS_UNPINNED,
                cur.tid,
                format!(
                    "procfs lie: /proc/{}/file_pins lists fd{fd} pinning {data}",
                    target.name
                ),
                Some(format!("fd{fd}")),
                vec![
                    format!("printed: {printed}"),
                    format!("truth: no file at fd{fd} pinned {data} at any time during the read"),
                ],
            );
        }
    }
    for (fd, must, _) in &truth {
        for data in must {
            if !lines.contains(&(*fd, data.clone())) {
                oracle.report(
                    &PROCFS_OMITS_PINNED,
                    cur.tid,
                    format!(
                        "procfs lie: /proc/{}/file_pins omits fd{fd} pinning {data}",
                        target.name
                    ),
                    Some(format!("fd{fd}")),
                    vec![
                        format!("printed: {printed}"),
                        format!("truth: fd{fd} pinned {data} for the whole read"),
                    ],
                );
            }
        }
    }
    Ok(printed)
}

/// `fd3: dax0, fd4: dax1`, or `-` when empty.
pub fn render(lines: &[PinLine]) -> String {
    if lines.is_empty() {
        return "-".into();
    }
    lines
        .iter()
        .map(|(fd, d)| format!("fd{fd}: {d}"))
        .collect::<Vec<_>>()
        .join(", ")
}
