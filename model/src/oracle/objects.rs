//! The objects of the model heap as the oracle sees them: where each was allocated and freed, and
//! who holds a reference to it (a ref_tracker, as lib/ref_tracker.c does for net devices).

use super::{FindingKind, Oracle};
use crate::Name;

/// One allocation: an object's identity for its whole life, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjId(pub(crate) u32);

/// Who holds a reference to (or owns) an object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    /// A field of another object (`umem#0`, `vaddr_pin.f_owner`).
    Obj(ObjId, &'static str),
    /// A user-visible root that legitimately outlives the threads.
    Root(Root),
    /// A task's transient reference (a lookup, a syscall's fdget). None may remain at quiescence.
    Task(usize, &'static str),
}

/// The user-visible roots that legitimately outlive the threads, each with the process or data
/// file it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Root {
    /// An fd slot of a process: `p0.fd3`.
    Fd(Name, usize),
    /// A VMA of a process mapping the file: `p0.vma`.
    Vma(Name),
    /// A process's use of its mm (`mm_users`): `p0.mm`.
    Mm(Name),
    /// `mm_count` (mmgrab): `p0.mm_count`.
    MmCount(Name),
    /// An SCM_RIGHTS message in flight to a process: `skb->p1`.
    Skb(Name),
    /// The filesystem keeping a data file open: `fs:dax0`.
    Fs(Name),
}

impl std::fmt::Display for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Root::Fd(p, fd) => write!(f, "{p}.fd{fd}"),
            Root::Vma(p) => write!(f, "{p}.vma"),
            Root::Mm(p) => write!(f, "{p}.mm"),
            Root::MmCount(p) => write!(f, "{p}.mm_count"),
            Root::Skb(p) => write!(f, "skb->{p}"),
            Root::Fs(d) => write!(f, "fs:{d}"),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Site {
    pub(super) tid: usize,
    pub(super) step: &'static str,
}

pub(super) struct Meta {
    pub(super) kind: &'static str,
    pub(super) seq: u32,
    pub(super) alloc: Site,
    /// The scenario operation the allocating thread was running (`None`: before the first).
    pub(super) op: Option<usize>,
    /// What the object stands for in the scenario, when the model says (`dax0`, `p0`).
    pub(super) role: Option<Name>,
    pub(super) free: Option<Site>,
    pub(super) holders: Vec<(Holder, u32)>,
}

/// An allocation as reports name it: `kind#seq`, and what lets the checker name it by its role
/// in the scenario (`file#1 (uverbs0 fd0)`): the operation that allocated it, or a role the model
/// gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// `kind#seq`.
    pub name: String,
    /// The allocating thread.
    pub tid: usize,
    /// The scenario operation that thread was running (`None`: before its first one).
    pub op: Option<usize>,
    /// The role the model gave it, if any.
    pub role: Option<Name>,
}

#[derive(Default)]
pub(super) struct Objects {
    pub(super) meta: Vec<Meta>,
    /// Objects allocated so far, per kind (a handful of kinds: a linear scan beats hashing).
    seq: Vec<(&'static str, u32)>,
}

impl Objects {
    /// Empty the table for the next execution; the holder lists go to `spare`.
    pub(super) fn recycle(&mut self, spare: &mut Vec<Vec<(Holder, u32)>>) {
        for m in self.meta.drain(..) {
            if m.holders.capacity() > 0 {
                spare.push(m.holders);
            }
        }
        self.seq.clear();
    }

    pub(super) fn hold(&mut self, id: ObjId, holder: Holder) {
        let holders = &mut self.meta[id.0 as usize].holders;
        match holders.iter_mut().find(|(h, _)| *h == holder) {
            Some((_, n)) => *n += 1,
            None => holders.push((holder, 1)),
        }
    }

    pub(super) fn unhold(&mut self, id: ObjId, holder: &Holder) -> bool {
        let holders = &mut self.meta[id.0 as usize].holders;
        match holders.iter().position(|(h, _)| h == holder) {
            Some(i) => {
                holders[i].1 -= 1;
                if holders[i].1 == 0 {
                    holders.remove(i);
                }
                true
            }
            None => false,
        }
    }

    fn next_seq(&mut self, kind: &'static str) -> u32 {
        match self.seq.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => {
                *n += 1;
                *n - 1
            }
            None => {
                self.seq.push((kind, 1));
                0
            }
        }
    }
}

/// A pin interval for the procfs truth: pages of `data` pinned by `umem` of `ufile`.
#[derive(Clone, Debug)]
pub(super) struct PinInterval {
    pub(super) umem: ObjId,
    pub(super) ufile: ObjId,
    pub(super) data: Name,
    /// Pages pinned (from here procfs may list it).
    pub(super) begin: usize,
    /// REG_MR committed (from here procfs must list it).
    pub(super) committed: Option<usize>,
    /// Destruction of the MR started (from here procfs need no longer list it).
    pub(super) release_start: Option<usize>,
    /// Pages unpinned (from here procfs must not list it).
    pub(super) end: Option<usize>,
}

impl Oracle {
    fn site(&self, st: &super::State) -> Site {
        let tid = self.running_tid(st, Self::running_key(self.engine));
        let step = st.threads[tid]
            .pending
            .map(|p| p.0)
            .or_else(|| st.log.iter().rev().find(|e| e.tid == tid).map(|e| e.step))
            .unwrap_or("start");
        Site { tid, step }
    }

    fn site_text(st: &super::State, s: &Site) -> String {
        format!("{} at {}", st.threads[s.tid].name, s.step)
    }

    /// A new object of `kind` allocated at the current step.
    pub fn obj_alloc(&self, kind: &'static str, step: &'static str) -> ObjId {
        let mut st = self.st();
        let alloc = Site {
            step,
            ..self.site(&st)
        };
        let seq = st.objects.next_seq(kind);
        let holders = st.spare.holders.pop().unwrap_or_default();
        let op = st.threads[alloc.tid].op;
        st.objects.meta.push(Meta {
            kind,
            seq,
            alloc,
            op,
            role: None,
            free: None,
            holders,
        });
        ObjId(st.objects.meta.len() as u32 - 1)
    }

    /// Say what `id` stands for in the scenario (`dax0`): reports name it so.
    pub fn obj_role(&self, id: ObjId, role: Name) {
        self.st().objects.meta[id.0 as usize].role = Some(role);
    }

    /// Every allocation of the execution, in order, with what names it by role.
    pub fn objects(&self) -> Vec<ObjectInfo> {
        let st = self.st();
        st.objects
            .meta
            .iter()
            .map(|m| ObjectInfo {
                name: format!("{}#{}", m.kind, m.seq),
                tid: m.alloc.tid,
                op: m.op,
                role: m.role.clone(),
            })
            .collect()
    }

    /// `kind#seq`.
    pub fn obj_name(&self, id: ObjId) -> String {
        let st = self.st();
        let m = &st.objects.meta[id.0 as usize];
        format!("{}#{}", m.kind, m.seq)
    }

    /// Whether the object is still allocated.
    pub fn obj_live(&self, id: ObjId) -> bool {
        self.st().objects.meta[id.0 as usize].free.is_none()
    }

    /// Record the free of `id` at the current step.
    pub(crate) fn obj_freed(&self, id: ObjId) {
        let mut st = self.st();
        let site = self.site(&st);
        st.objects.meta[id.0 as usize].free = Some(site);
    }

    /// KASAN-style report for an access to `id` that found it freed (or its slot reused by
    /// `now`); `access` says what was done (`Read of f_owner->file_pins`).
    pub(crate) fn report_uaf(&self, id: ObjId, now: Option<ObjId>, access: &str, double: bool) {
        let (title, details, tid, name) = {
            let st = self.st();
            let m = &st.objects.meta[id.0 as usize];
            let here = self.site(&st);
            let name = format!("{}#{}", m.kind, m.seq);
            let what = if double {
                "double-free"
            } else {
                "use-after-free"
            };
            let title = format!("BUG: KASAN: {what} in {}", here.step);
            let mut details = vec![
                format!("{access} of {name} by task {}", Self::site_text(&st, &here)),
                format!("Allocated by task {}", Self::site_text(&st, &m.alloc)),
            ];
            match &m.free {
                Some(f) => details.push(format!("Freed by task {}", Self::site_text(&st, f))),
                None => details.push("Freed by: (not freed)".to_string()),
            }
            if let Some(n) = now {
                let m2 = &st.objects.meta[n.0 as usize];
                details.push(format!(
                    "The slot now holds {}#{} (slab reuse): the stale pointer aliases it",
                    m2.kind, m2.seq
                ));
            }
            (title, details, here.tid, name)
        };
        let kind = if double {
            FindingKind::DoubleFree
        } else {
            FindingKind::UseAfterFree
        };
        self.report(kind, tid, title, Some(name), details);
    }

    /// `holder` now holds a reference to `id`.
    pub fn hold(&self, id: ObjId, holder: Holder) {
        self.st().objects.hold(id, holder);
    }

    /// `holder` dropped its reference to `id`; returns false when it held none (a put by the
    /// wrong owner, which the count alone may not show).
    pub fn unhold(&self, id: ObjId, holder: &Holder) -> bool {
        self.st().objects.unhold(id, holder)
    }

    /// Move a reference from one holder to another (a kref handed over, not taken twice).
    pub fn rehold(&self, id: ObjId, from: &Holder, to: Holder) {
        self.unhold(id, from);
        self.hold(id, to);
    }

    /// The holders of `id`, for reports: `umem#0.vaddr_pin.f_owner`, `p0.fd3`.
    pub fn holders_text(&self, id: ObjId) -> Vec<String> {
        let st = self.st();
        st.objects.meta[id.0 as usize]
            .holders
            .iter()
            .map(|(h, n)| {
                let base = Self::holder_text(&st, h);
                if *n > 1 {
                    format!("{base} (x{n})")
                } else {
                    base
                }
            })
            .collect()
    }

    pub(super) fn holder_text(st: &super::State, h: &Holder) -> String {
        match h {
            Holder::Obj(o, field) => {
                let m = &st.objects.meta[o.0 as usize];
                format!("{}#{}.{field}", m.kind, m.seq)
            }
            Holder::Root(r) => r.to_string(),
            Holder::Task(t, what) => format!("task {} ({what})", st.threads[*t].name),
        }
    }

    /// Pages of `data` are now pinned by `umem` on behalf of `ufile` (procfs truth).
    pub fn pin_begin(&self, umem: ObjId, ufile: ObjId, data: &Name) {
        let mut st = self.st();
        let begin = st.log.len();
        st.pins.push(PinInterval {
            umem,
            ufile,
            data: Name::clone(data),
            begin,
            committed: None,
            release_start: None,
            end: None,
        });
    }

    /// The REG_MR that pinned `umem` committed: a user can now rely on the pin.
    pub fn pin_committed(&self, umem: ObjId) {
        let mut st = self.st();
        let now = st.log.len();
        for p in st
            .pins
            .iter_mut()
            .filter(|p| p.umem == umem && p.committed.is_none())
        {
            p.committed = Some(now);
        }
    }

    /// The MR owning `umem` started to be destroyed.
    pub fn pin_release_start(&self, umem: ObjId) {
        let mut st = self.st();
        let now = st.log.len();
        for p in st
            .pins
            .iter_mut()
            .filter(|p| p.umem == umem && p.release_start.is_none())
        {
            p.release_start = Some(now);
        }
    }

    /// The pins of `umem` are released.
    pub fn pin_end(&self, umem: ObjId) {
        let mut st = self.st();
        let end = st.log.len();
        for p in st
            .pins
            .iter_mut()
            .filter(|p| p.umem == umem && p.end.is_none())
        {
            p.end = Some(end);
        }
    }

    /// The current position in the log (to bracket a procfs read).
    pub fn now(&self) -> usize {
        self.st().log.len()
    }

    /// For `ufile` over the read `[from, to]`: the data files that must be listed (the REG_MR
    /// committed before the read began and its destruction had not started when it ended) and the
    /// ones that may be (pages pinned at some time during the read).
    pub fn pins_of(&self, ufile: ObjId, from: usize, to: usize) -> (Vec<String>, Vec<String>) {
        let st = self.st();
        let mut must = Vec::new();
        let mut may = Vec::new();
        for p in st.pins.iter().filter(|p| p.ufile == ufile) {
            if p.committed.is_some_and(|c| c <= from) && p.release_start.is_none_or(|r| r >= to) {
                must.push(p.data.to_string());
            }
            if p.begin <= to && p.end.is_none_or(|e| e >= from) {
                may.push(p.data.to_string());
            }
        }
        must.sort();
        must.dedup();
        may.sort();
        may.dedup();
        (must, may)
    }
}

/// An fd slot's history for the procfs truth: `fd` of `process` pointed at `file` (whose ufile is
/// `ufile`, for uverbs files) during `[begin, end)`.
#[derive(Clone, Debug)]
pub(super) struct FdInterval {
    pub(super) process: Name,
    pub(super) fd: usize,
    pub(super) ufile: Option<ObjId>,
    pub(super) begin: usize,
    pub(super) end: Option<usize>,
}

impl Oracle {
    /// `fd_install`: `fd` of `process` now points at a file of `ufile` (or a non-uverbs file).
    pub fn fd_install(&self, process: &Name, fd: usize, ufile: Option<ObjId>) {
        let mut st = self.st();
        let begin = st.log.len();
        st.fds.push(FdInterval {
            process: Name::clone(process),
            fd,
            ufile,
            begin,
            end: None,
        });
    }

    /// The slot `fd` of `process` was cleared.
    pub fn fd_remove(&self, process: &str, fd: usize) {
        let mut st = self.st();
        let end = st.log.len();
        for i in st
            .fds
            .iter_mut()
            .filter(|i| &*i.process == process && i.fd == fd && i.end.is_none())
        {
            i.end = Some(end);
        }
    }

    /// The procfs truth for `process` over `[from, to)`: per fd, the data files that must be
    /// listed (pinned throughout by the ufile the fd held throughout) and those that may be
    /// (pinned at some time by a ufile the fd held at some time).
    pub fn procfs_truth(
        &self,
        process: &str,
        from: usize,
        to: usize,
    ) -> Vec<(usize, Vec<String>, Vec<String>)> {
        let fds: Vec<FdInterval> = self
            .st()
            .fds
            .iter()
            .filter(|i| &*i.process == process)
            .cloned()
            .collect();
        let mut out: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
        for i in &fds {
            let end = i.end.unwrap_or(usize::MAX);
            let Some(ufile) = i.ufile else { continue };
            if !(i.begin <= to && end >= from) {
                continue;
            }
            let (throughout, sometime) = self.pins_of(ufile, from, to);
            let whole = i.begin <= from && end >= to;
            let entry = match out.iter_mut().find(|e| e.0 == i.fd) {
                Some(e) => e,
                None => {
                    out.push((i.fd, Vec::new(), Vec::new()));
                    out.last_mut().expect("just pushed")
                }
            };
            if whole {
                entry.1.extend(throughout);
            }
            entry.2.extend(sometime);
        }
        for e in &mut out {
            e.1.sort();
            e.1.dedup();
            e.2.sort();
            e.2.dedup();
        }
        out.sort_by_key(|e| e.0);
        out
    }
}
