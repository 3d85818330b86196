//! The procfs truth: what a pin listing may show and what it must show, from the steps of the
//! execution themselves, judged on the execution's happens-before order ([`super::order`]) so
//! that every interleaving of one trace gets the same verdict.
//!
//! Every truth event is recorded right after the engine access that is the event (the step that
//! publishes a pin record, the page pin, the commit of REG_MR, the start of its destroy, the
//! unpin, an fd slot written) as a [`Mark`]: the thread and its vector clock there. A read's
//! first step, each lookup and its last step are marks of the reader. A listing is judged once
//! the execution has ended ([`Oracle::readings`]): an event the interleaving logged after the
//! read may still be concurrent with it, and only the whole execution orders it.
//!
//! A listing is a lie when **some interleaving of its trace** makes it one. The trace has no
//! wall clock: an administrator can start the read after seeing another syscall return, which
//! puts two events the trace leaves concurrent in either order with the same reads, so every
//! interleaving of the trace is a run the kernel can have. The verdict is then the same for every
//! interleaving (loom's one per trace reaches every lie), and no lie that needs a real-time order
//! is lost. "Before" below is the happens-before order of the kernel's memory accesses (program
//! order, a lock taken after its release, an access of an atomic after the previous one, a
//! wake-up), and "can be before" means the other way round is not forced.
//!
//! A pin's visible life opens at the first step that makes it visible to any reader (the
//! proposal's record or callback, or the page pin, whichever comes first) and closes at the
//! pages' unpin, the last. A listed line `(fd, file, data)` is true when, in every interleaving,
//! a pin of `data` by the owner the looked-up file speaks for is visible between that lookup and
//! the end of the read: its visibility began before the read's last step and its unpin (if any)
//! came after the lookup. Each pin is judged alone (a line two pins justify together, each hidden
//! by some interleaving, is called a lie; a listing that prints a line from a record it read is
//! ordered after that record's publication and before its removal). Lines are judged against the
//! struct file found at the fd (its identity), so a reused fd number is not taken for the file
//! that had it before.
//!
//! A pin had to be listed at an fd when some interleaving puts its REG_MR's commit and the fd's
//! install before the read's first step and its destroy's beginning and the fd's emptying (each
//! if it happens) after the read's last step: each of those can be before the other, and no end
//! is before a beginning (which would close a cycle through the read). In kernel terms: a listing
//! may omit a pin whose REG_MR the read itself ran before (its own accesses order them), never
//! one whose REG_MR an administrator could have seen return before starting the read.
//!
//! A line attributed to the process itself, not to an fd (a design that keeps pins on the mm), is
//! true when, in every interleaving, some file the process held at an fd between the line's
//! lookup and the end of the read speaks for an owner with a pin of that data visible while the
//! fd held it, in that time; it also counts as showing that pin at every fd.
//!
//! The oracle names no kernel type here: pins, owners and files are object ids.

use super::{Check, FindingSite, Mark, ObjId, Oracle};
use crate::Name;

/// One pin as procfs may show it.
#[derive(Clone, Debug)]
pub(super) struct PinLife {
    pub(super) pin: ObjId,
    pub(super) owner: ObjId,
    pub(super) data: Name,
    /// First step that made it visible to a reader.
    pub(super) visible_from: Option<Mark>,
    /// REG_MR committed: from here a listing must show it.
    pub(super) committed: Option<Mark>,
    /// Its destroy began: from here a listing need no longer show it.
    pub(super) destroy_begun: Option<Mark>,
    /// Pages unpinned: the last step of its visible life.
    pub(super) visible_until: Option<Mark>,
}

/// An fd slot's history: `fd` of `process` held `file` from the step `begin` to the step `end`.
#[derive(Clone, Debug)]
pub(super) struct FdLife {
    pub(super) process: Name,
    pub(super) fd: usize,
    pub(super) file: ObjId,
    pub(super) begin: Mark,
    pub(super) end: Option<Mark>,
}

/// One listed line, as the reader produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The fd the line is attributed to; `None` for the process itself.
    pub fd: Option<usize>,
    /// The struct file the reader found at that fd.
    pub file: Option<ObjId>,
    /// The point right after the reader's lookup of that fd.
    pub looked_up: Mark,
    /// The data file printed.
    pub data: String,
}

/// A listing as read, kept until the end of the execution: its verdict depends on what the other
/// threads did concurrently with it, which includes steps logged after the read.
#[derive(Clone, Debug)]
pub struct Reading {
    /// The process whose pins were listed.
    pub process: String,
    /// The reader's thread.
    pub reader: usize,
    /// The point right after the read's first step.
    pub first: Mark,
    /// The point right after its last step.
    pub last: Mark,
    /// The lines, as listed.
    pub lines: Vec<Listed>,
    /// The listing as printed, for reports.
    pub printed: String,
    /// Where its findings are reported: the read's last step.
    site: FindingSite,
}

/// What is wrong with a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Untrue {
    /// A listed line no pin justifies.
    Listed {
        /// The line.
        line: Listed,
    },
    /// A pin the listing had to show at `fd` and did not.
    Omitted {
        /// The fd that held the pin's file throughout the read.
        fd: usize,
        /// The data file.
        data: String,
    },
}

impl Oracle {
    /// Position right after the running thread's last step.
    pub fn now(&self) -> usize {
        self.st().log.len()
    }

    /// The position of the first step thread `tid` logged at or after `start` (the first step of
    /// a read that began when the log had `start` events), or `start` when it logged none.
    pub(super) fn first_step_of(st: &super::State, tid: usize, start: usize) -> usize {
        st.log
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, e)| e.tid == tid)
            .map_or(start, |(i, _)| i)
    }

    /// `file` shows the pins of `owner` (a uverbs file its ufile's, a child fd its ufile's).
    pub fn truth_speaks_for(&self, file: ObjId, owner: ObjId) {
        self.st().speaks_for.push((file, owner));
    }

    /// A pin of `data` by `owner` is being set up (not yet visible).
    pub fn pin_new(&self, pin: ObjId, owner: ObjId, data: &Name) {
        self.st().pins.push(PinLife {
            pin,
            owner,
            data: Name::clone(data),
            visible_from: None,
            committed: None,
            destroy_begun: None,
            visible_until: None,
        });
    }

    /// The point right after the running thread's last step (the step that is the event).
    fn mark_running(&self, st: &mut super::State) -> Mark {
        let key = Self::running_key(self.engine);
        let tid = self.running_tid(st, key);
        Self::mark_of(st, tid)
    }

    fn pin_mut(st: &mut super::State, pin: ObjId) -> Option<&mut PinLife> {
        st.pins.iter_mut().rev().find(|p| p.pin == pin)
    }

    /// The step just taken made `pin` visible to a reader (a record published, pages pinned).
    pub fn pin_visible(&self, pin: ObjId) {
        let mut st = self.st();
        let now = self.mark_running(&mut st);
        if let Some(p) = Self::pin_mut(&mut st, pin) {
            p.visible_from.get_or_insert(now);
        }
    }

    /// The step just taken committed the REG_MR that made `pin`.
    pub fn pin_committed(&self, pin: ObjId) {
        let mut st = self.st();
        let now = self.mark_running(&mut st);
        if let Some(p) = Self::pin_mut(&mut st, pin) {
            p.committed.get_or_insert(now);
        }
    }

    /// The step just taken began the destroy of the MR that owns `pin`.
    pub fn pin_destroy_begun(&self, pin: ObjId) {
        let mut st = self.st();
        let now = self.mark_running(&mut st);
        if let Some(p) = Self::pin_mut(&mut st, pin) {
            p.destroy_begun.get_or_insert(now);
        }
    }

    /// The step just taken unpinned the pages of `pin`: its visible life ends.
    pub fn pin_unpinned(&self, pin: ObjId) {
        let mut st = self.st();
        let now = self.mark_running(&mut st);
        if let Some(p) = Self::pin_mut(&mut st, pin) {
            p.visible_until.get_or_insert(now);
        }
    }

    /// The step just taken installed `file` in slot `fd` of `process`.
    pub fn fd_install(&self, process: &Name, fd: usize, file: ObjId) {
        let mut st = self.st();
        let begin = self.mark_running(&mut st);
        st.fds.push(FdLife {
            process: Name::clone(process),
            fd,
            file,
            begin,
            end: None,
        });
    }

    /// The step just taken cleared slot `fd` of `process`.
    pub fn fd_remove(&self, process: &str, fd: usize) {
        let mut st = self.st();
        let end = self.mark_running(&mut st);
        for i in st
            .fds
            .iter_mut()
            .filter(|i| &*i.process == process && i.fd == fd && i.end.is_none())
        {
            i.end = Some(end);
        }
    }

    /// The running thread has just read a listing of `process`'s pins from `first` (the point
    /// right after the read's first step) to now (right after its last): keep it for
    /// [`readings`](Self::readings) to judge once the execution has ended.
    pub fn procfs_read(&self, process: &str, first: Mark, lines: Vec<Listed>, printed: String) {
        let key = Self::running_key(self.engine);
        let mut st = self.st();
        let reader = self.running_tid(&st, key);
        let last = Self::mark_of(&mut st, reader);
        let site = Self::finding_site(&st, reader);
        st.readings.push(Reading {
            process: process.to_string(),
            reader,
            first,
            last,
            lines,
            printed,
            site,
        });
    }

    /// The listings read in this execution, taken (call once the execution has ended: every
    /// step is then logged, and every event is ordered against the reads).
    pub fn readings(&self) -> Vec<Reading> {
        std::mem::take(&mut self.st().readings)
    }

    /// Report a finding of `check` about `reading` at the read's last step.
    pub fn report_reading(
        &self,
        check: &'static Check,
        reading: &Reading,
        title: String,
        object: Option<String>,
        details: Vec<String>,
    ) {
        let mut st = self.st();
        Self::push_finding(&mut st, check, reading.site, title, object, details);
    }

    /// Judge a listing, once the execution has ended: the lines no pin justifies, then the pins
    /// it had to show and did not. The judgement uses only the execution's happens-before order
    /// (see the module doc), so every interleaving of one trace gets the same one.
    pub fn procfs_judge(&self, reading: &Reading) -> Vec<Untrue> {
        let Reading {
            process,
            first,
            last,
            lines,
            ..
        } = reading;
        let process = process.as_str();
        let st = self.st();
        let owner_of = |file: ObjId| {
            st.speaks_for
                .iter()
                .rev()
                .find(|(f, _)| *f == file)
                .map(|(_, o)| *o)
        };
        // In every interleaving of the trace, a pin of `data` by `owner` is visible at some time
        // from `since` to the end of the read: it became visible before the read's last step and
        // its pages were unpinned (if ever) after `since`. Each pin is judged alone.
        let surely_visible = |p: &PinLife, since: &Mark| {
            p.visible_from.is_some_and(|v| v.before(last))
                && p.visible_until.is_none_or(|u| since.before(&u))
        };
        let mut out = Vec::new();
        for line in lines.iter() {
            let since = &line.looked_up;
            let pins_of = |owner: ObjId| {
                st.pins
                    .iter()
                    .filter(move |p| p.owner == owner && *p.data == *line.data)
            };
            let justified = match line.file {
                Some(file) => {
                    owner_of(file).is_some_and(|o| pins_of(o).any(|p| surely_visible(p, since)))
                }
                // The process held, in every interleaving, a file of the pin's owner at an fd
                // while the pin was visible, between the line's lookup and the read's end.
                None => st.fds.iter().any(|i| {
                    *i.process == *process
                        && i.begin.before(last)
                        && i.end.is_none_or(|e| since.before(&e))
                        && owner_of(i.file).is_some_and(|o| {
                            pins_of(o).any(|p| {
                                surely_visible(p, since)
                                    && p.visible_from
                                        .is_some_and(|v| i.end.is_none_or(|e| v.before(&e)))
                                    && p.visible_until.is_none_or(|u| i.begin.before(&u))
                            })
                        })
                }),
            };
            if !justified {
                out.push(Untrue::Listed { line: line.clone() });
            }
        }
        // Some interleaving of the trace has the slot holding its file throughout the read and
        // the pin committed before the read's first step and not destroyed until after its last:
        // each of those "a before b" is possible (b does not happen before a), and no end (the
        // slot emptied, the destroy begun) happens before a beginning (the slot filled, the
        // commit), which would close a cycle through the read (a slot's own end always follows
        // its beginning).
        let possibly = |a: &Mark, b: &Mark| !b.precedes(a);
        for slot in st.fds.iter().filter(|i| {
            &*i.process == process
                && possibly(&i.begin, first)
                && i.end.is_none_or(|e| possibly(last, &e))
        }) {
            let Some(owner) = owner_of(slot.file) else {
                continue;
            };
            for p in st.pins.iter().filter(|p| p.owner == owner) {
                let must = p.committed.is_some_and(|c| {
                    possibly(&c, first)
                        && slot.end.is_none_or(|e| !e.before(&c))
                        && p.destroy_begun.is_none_or(|d| {
                            possibly(last, &d) && !d.before(&c) && !d.before(&slot.begin)
                        })
                });
                let shown = lines
                    .iter()
                    .any(|l| l.fd.is_none_or(|fd| fd == slot.fd) && *l.data == *p.data);
                let omission = Untrue::Omitted {
                    fd: slot.fd,
                    data: p.data.to_string(),
                };
                if must && !shown && !out.contains(&omission) {
                    out.push(omission);
                }
            }
        }
        out
    }
}
