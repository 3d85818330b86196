//! The objects of the model heap as the oracle sees them: where each was allocated and freed, and
//! who holds a reference to it (a ref_tracker, as lib/ref_tracker.c does for net devices).

use super::Oracle;
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

impl Root {
    /// The kind of root, without the process or file it belongs to (`fd`, `vma`, `fs`).
    pub fn kind(&self) -> &'static str {
        match self {
            Root::Fd(..) => "fd",
            Root::Vma(_) => "vma",
            Root::Mm(_) => "mm",
            Root::MmCount(_) => "mm_count",
            Root::Skb(_) => "skb",
            Root::Fs(_) => "fs",
        }
    }
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
    /// Holders whose last reference was dropped, and where (ref_tracker's dead trackers): a
    /// second put by one of them is "reference already released", not a put by a stranger.
    pub(super) released: Vec<(Holder, Site)>,
}

/// Why the ref tracker refused a put or a move.
#[derive(Clone, Debug)]
pub(super) enum Untracked {
    /// The holder had a reference and dropped it already, at this site.
    AlreadyReleased(Site),
    /// The holder never had one.
    NotHeld,
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
    /// Emptied `released` lists of earlier executions, handed out again.
    spare_released: Vec<Vec<(Holder, Site)>>,
}

impl Objects {
    /// Empty the table for the next execution; the holder lists go to `spare`.
    pub(super) fn recycle(&mut self, spare: &mut Vec<Vec<(Holder, u32)>>) {
        for m in self.meta.drain(..) {
            if m.holders.capacity() > 0 {
                spare.push(m.holders);
            }
            if m.released.capacity() > 0 {
                let mut r = m.released;
                r.clear();
                self.spare_released.push(r);
            }
        }
        self.seq.clear();
    }

    pub(super) fn hold(&mut self, id: ObjId, holder: Holder) {
        let m = &mut self.meta[id.0 as usize];
        if !m.released.is_empty() {
            m.released.retain(|(h, _)| *h != holder);
        }
        match m.holders.iter_mut().find(|(h, _)| *h == holder) {
            Some((_, n)) => *n += 1,
            None => m.holders.push((holder, 1)),
        }
    }

    /// `holder` drops one reference to `id` at `site`.
    pub(super) fn unhold(
        &mut self,
        id: ObjId,
        holder: &Holder,
        site: impl FnOnce() -> Site,
    ) -> Result<(), Untracked> {
        let m = &mut self.meta[id.0 as usize];
        match m.holders.iter().position(|(h, _)| h == holder) {
            Some(i) => {
                m.holders[i].1 -= 1;
                if m.holders[i].1 == 0 {
                    let (h, _) = m.holders.remove(i);
                    if m.released.capacity() == 0 {
                        if let Some(v) = self.spare_released.pop() {
                            m.released = v;
                        }
                    }
                    m.released.push((h, site()));
                }
                Ok(())
            }
            None => match m.released.iter().find(|(h, _)| h == holder) {
                Some((_, s)) => Err(Untracked::AlreadyReleased(s.clone())),
                None => Err(Untracked::NotHeld),
            },
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

impl Oracle {
    pub(super) fn site(&self, st: &super::State) -> Site {
        let tid = self.running_tid(st, Self::running_key(self.engine));
        let step = st.threads[tid]
            .pending
            .map(|p| p.0)
            .or_else(|| st.log.iter().rev().find(|e| e.tid == tid).map(|e| e.step))
            .unwrap_or("start");
        Site { tid, step }
    }

    pub(super) fn site_text(st: &super::State, s: &Site) -> String {
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
            released: Vec::new(),
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
        let check = if double {
            &super::check::KASAN_DOUBLE_FREE
        } else {
            &super::check::KASAN_USE_AFTER_FREE
        };
        self.report(check, tid, title, Some(name), details);
    }

    /// `holder` now holds a reference to `id`.
    pub fn hold(&self, id: ObjId, holder: Holder) {
        self.st().objects.hold(id, holder);
    }

    /// `holder` dropped its reference to `id` (a pointer cleared: no count moved). A holder with
    /// no reference is a ref_tracker finding.
    pub fn unhold(&self, id: ObjId, holder: &Holder) {
        let r = {
            let mut st = self.st();
            let site = self.site(&st);
            st.objects.unhold(id, holder, || site)
        };
        if let Err(why) = r {
            self.report_untracked(id, holder, why, "put", None);
        }
    }

    /// The fd table of `process` is freed (`put_files_struct` -> `free_fdtable` after exit's
    /// `close_files`): a reference its slots still hold is held by nothing now. `close_files`
    /// puts every slot whose number `open_fds` marks, so what is left is a file installed under
    /// a number the bitmap lost (an allocation or a close that changed `open_fds` without
    /// `file_lock`): the kernel leaks it, and so does the model (kmemleak at quiescence), where
    /// the slot would otherwise stay a root of a process that no longer exists.
    pub fn fd_table_freed(&self, process: &str) {
        let mut st = self.st();
        let site = self.site(&st);
        let in_table = |h: &Holder| matches!(h, Holder::Root(Root::Fd(p, _)) if &**p == process);
        for m in st.objects.meta.iter_mut().filter(|m| m.free.is_none()) {
            while let Some(i) = m.holders.iter().position(|(h, _)| in_table(h)) {
                let (h, _) = m.holders.remove(i);
                m.released.push((h, site.clone()));
            }
        }
    }

    /// Move a reference from one holder to another (a kref handed over, not taken twice). A move
    /// from a holder that has none is a ref_tracker finding.
    pub fn rehold(&self, id: ObjId, from: &Holder, to: Holder) {
        let r = {
            let mut st = self.st();
            let site = self.site(&st);
            let r = st.objects.unhold(id, from, || site);
            st.objects.hold(id, to);
            r
        };
        if let Err(why) = r {
            self.report_untracked(id, from, why, "moved", None);
        }
    }

    /// ref_tracker's report of a put (or move) of `id` by `holder`, which had no reference.
    pub(super) fn report_untracked(
        &self,
        id: ObjId,
        holder: &Holder,
        why: Untracked,
        verb: &str,
        counter: Option<(&'static str, i64)>,
    ) {
        let (name, who, here, tid) = {
            let st = self.st();
            let m = &st.objects.meta[id.0 as usize];
            let here = self.site(&st);
            (
                format!("{}#{}", m.kind, m.seq),
                Self::holder_text(&st, holder),
                Self::site_text(&st, &here),
                here.tid,
            )
        };
        let count = counter
            .map(|(field, new)| format!(" ({field} now {new})"))
            .unwrap_or_default();
        let (check, title, mut details) = match &why {
            Untracked::AlreadyReleased(at) => {
                let freed = Self::site_text(&self.st(), at);
                (
                    &super::check::REF_ALREADY_RELEASED,
                    format!("ref_tracker: reference already released ({name} by {who})"),
                    vec![
                        format!("{who} {verb} its reference to {name} again{count}: task {here}"),
                        format!("freed in: task {freed}"),
                    ],
                )
            }
            Untracked::NotHeld if verb == "moved" => (
                &super::check::REF_MOVE_NOT_HELD,
                format!("ref_tracker: reference to {name} moved from {who}, which holds none"),
                vec![format!("moved by task {here}")],
            ),
            Untracked::NotHeld => (
                &super::check::REF_NOT_HELD,
                format!("ref_tracker: {name} put by {who}, which holds no reference"),
                vec![format!("put{count} by task {here}")],
            ),
        };
        details.push(format!("holders now: {}", self.holders_text(id).join(", ")));
        self.report(check, tid, title, Some(name), details);
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
}
