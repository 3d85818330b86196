//! Mutation plans: what a passing verdict relies on. A plan, like a replay plan, is handed to
//! every execution of an exploration and changes the model at run time in one named place:
//!
//! - `lock:<step>@<lock>`: the lock acquisition at `step` does not happen (nor its release);
//! - `ref:<kind>.<counter>@<holder>`: the references `holder` takes on objects of `kind` (counted
//!   by `counter`) are not counted, nor are its puts: the holder keeps its pointer, the count is
//!   one short;
//! - `unless-zero:<step>`: the `_unless_zero` at `step` takes its reference even from zero.
//!
//! The points are not listed by hand: an exploration with point collection on records every lock
//! acquisition, holder reference and `_unless_zero` site an execution actually runs (see
//! [`Oracle::mutation_points`]), so new model code is covered as soon as a scenario reaches it.
//! The text form is part of replay tokens and contains no `/`, `,` or whitespace.

use std::fmt;

use super::{Holder, ObjId, Oracle};

/// Who a reference belongs to, without the instance: `file.private_data`, `task.lookup`, `fd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HolderLabel {
    /// A field of an object of a kind: `(kind, field)`.
    Obj(&'static str, &'static str),
    /// A task's transient reference, by what it is for.
    Task(&'static str),
    /// A user-visible root, by its kind (`fd`, `vma`, `mm`, `mm_count`, `skb`, `fs`).
    Root(&'static str),
}

impl fmt::Display for HolderLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HolderLabel::Obj(kind, field) => write!(f, "{kind}.{field}"),
            HolderLabel::Task(what) => write!(f, "task.{what}"),
            HolderLabel::Root(root) => write!(f, "{root}"),
        }
    }
}

/// One change to the model: remove a lock acquisition, a holder's references, or the zero check
/// of one `_unless_zero`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutation {
    /// Remove the acquisition of `lock` at `step`, and its release.
    Lock {
        /// The acquisition's step name.
        step: &'static str,
        /// The lock's name.
        lock: &'static str,
    },
    /// Remove `holder`'s references to objects of `kind` counted by `counter`: gets and puts.
    Ref {
        /// Kind of the counted object (`ufile`).
        kind: &'static str,
        /// The counter (`kref`, `f_count`).
        counter: &'static str,
        /// Whose references.
        holder: HolderLabel,
    },
    /// Let the `_unless_zero` at `step` take its reference from zero.
    UnlessZero {
        /// The step name.
        step: &'static str,
    },
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mutation::Lock { step, lock } => write!(f, "lock:{step}@{lock}"),
            Mutation::Ref {
                kind,
                counter,
                holder,
            } => write!(f, "ref:{kind}.{counter}@{holder}"),
            Mutation::UnlessZero { step } => write!(f, "unless-zero:{step}"),
        }
    }
}

/// A name read from text, made `'static` (tokens are parsed once per command).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

impl Mutation {
    /// What the mutation does, in one line.
    pub fn describe(&self) -> String {
        match self {
            Mutation::Lock { step, lock } => format!("without the {lock} acquisition at {step}"),
            Mutation::Ref {
                kind,
                counter,
                holder,
            } => format!("without {holder}'s reference ({kind} {counter})"),
            Mutation::UnlessZero { step } => format!("{step} succeeds on zero"),
        }
    }

    /// Parse the text form (`lock:uobj_destroy.down_read@hw_destroy_rwsem`, ...).
    pub fn parse(text: &str) -> Result<Mutation, String> {
        let bad = || {
            format!(
                "`{text}` is not a mutation (`lock:STEP@LOCK`, `ref:KIND.COUNTER@HOLDER`, \
                 `unless-zero:STEP`)"
            )
        };
        let (what, rest) = text.split_once(':').ok_or_else(bad)?;
        match what {
            "lock" => {
                let (step, lock) = rest.rsplit_once('@').ok_or_else(bad)?;
                if step.is_empty() || lock.is_empty() {
                    return Err(bad());
                }
                Ok(Mutation::Lock {
                    step: leak(step),
                    lock: leak(lock),
                })
            }
            "ref" => {
                let (counted, holder) = rest.split_once('@').ok_or_else(bad)?;
                let (kind, counter) = counted.split_once('.').ok_or_else(bad)?;
                let holder = match holder.split_once('.') {
                    Some(("task", what)) => HolderLabel::Task(leak(what)),
                    Some((k, field)) => HolderLabel::Obj(leak(k), leak(field)),
                    None if !holder.is_empty() => HolderLabel::Root(leak(holder)),
                    None => return Err(bad()),
                };
                Ok(Mutation::Ref {
                    kind: leak(kind),
                    counter: leak(counter),
                    holder,
                })
            }
            "unless-zero" if !rest.is_empty() => Ok(Mutation::UnlessZero { step: leak(rest) }),
            _ => Err(bad()),
        }
    }
}

impl Oracle {
    /// The mutation this execution runs under, if any.
    #[inline]
    pub fn mutation(&self) -> Option<Mutation> {
        self.mutation
    }

    /// The mutation points this execution ran (collected only when the exploration asked), each
    /// with whether a scenario thread ran it (`false`: only the sequential setup or quiescence).
    pub fn mutation_points(&self) -> Vec<(Mutation, bool)> {
        self.st().points.iter().map(|(m, c)| (*m, *c)).collect()
    }

    /// Record a point, when collecting.
    pub(crate) fn point(&self, m: impl FnOnce() -> Mutation) {
        if self.collect_points {
            let m = m();
            let concurrent = self.current_tid() != 0;
            *self.st().points.entry(m).or_insert(false) |= concurrent;
        }
    }

    /// Whether the lock acquisition at `step` of `lock` is removed (and record it as a point).
    pub(crate) fn lock_removed(&self, step: &'static str, lock: &'static str) -> bool {
        self.point(|| Mutation::Lock { step, lock });
        matches!(self.mutation, Some(Mutation::Lock { step: s, lock: l }) if s == step && l == lock)
    }

    /// The label of `holder` (its object's kind for a field of an object).
    pub(crate) fn holder_label(&self, holder: &Holder) -> HolderLabel {
        match holder {
            Holder::Obj(o, field) => {
                let st = self.st();
                HolderLabel::Obj(st.objects.meta[o.0 as usize].kind, field)
            }
            Holder::Task(_, what) => HolderLabel::Task(what),
            Holder::Root(r) => HolderLabel::Root(r.kind()),
        }
    }

    /// Whether `holder`'s reference on `obj` (counted by `counter`) is removed (and record the
    /// point). Cheap when no reference mutation runs and no points are collected.
    pub(crate) fn ref_removed(&self, obj: ObjId, counter: &'static str, holder: &Holder) -> bool {
        let mutated = matches!(self.mutation, Some(Mutation::Ref { .. }));
        if !mutated && !self.collect_points {
            return false;
        }
        let kind = self.st().objects.meta[obj.0 as usize].kind;
        let label = self.holder_label(holder);
        let m = Mutation::Ref {
            kind,
            counter,
            holder: label,
        };
        self.point(|| m);
        mutated && self.mutation == Some(m)
    }

    /// Whether the `_unless_zero` at `step` succeeds on zero (and record the point).
    pub(crate) fn unless_zero_removed(&self, step: &'static str) -> bool {
        self.point(|| Mutation::UnlessZero { step });
        matches!(self.mutation, Some(Mutation::UnlessZero { step: s }) if s == step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        for m in [
            Mutation::Lock {
                step: "uobj_destroy.down_read",
                lock: "hw_destroy_rwsem",
            },
            Mutation::Ref {
                kind: "ufile",
                counter: "kref",
                holder: HolderLabel::Obj("file", "private_data"),
            },
            Mutation::Ref {
                kind: "uobject",
                counter: "kref",
                holder: HolderLabel::Task("lookup"),
            },
            Mutation::Ref {
                kind: "file",
                counter: "f_count",
                holder: HolderLabel::Root("fd"),
            },
            Mutation::UnlessZero {
                step: "lookup_get.kref_get_unless_zero",
            },
        ] {
            assert_eq!(Mutation::parse(&m.to_string()), Ok(m));
        }
        assert!(Mutation::parse("lock:x").is_err());
        assert!(Mutation::parse("nope:x").is_err());
    }
}
