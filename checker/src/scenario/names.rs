//! Scenario names and their scopes: declared processes, devices and data files are visible
//! everywhere; a name bound by `as` in setup is visible after its op and in every thread; one bound
//! in a thread only later in that thread.

use std::collections::BTreeMap;
use std::ops::Range;

use super::diag::did_you_mean;
use super::ops::{Arg, Kind, RawOp};
use super::value::Ctx;

/// Where an op runs: setup, or thread `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Setup,
    Thread(usize),
}

/// A program point: the scope and the op's index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    pub scope: Scope,
    pub op: usize,
}

/// Where a name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Declared,
    Bound(At),
}

#[derive(Clone, Debug)]
struct Entry {
    kind: Kind,
    origin: Origin,
    span: Range<usize>,
}

/// Every name of one scenario.
#[derive(Default)]
pub struct Names {
    entries: BTreeMap<String, Entry>,
    /// Thread names by index, for messages.
    pub threads: Vec<String>,
}

impl Names {
    /// Declare a process, device or data file; reports a duplicate.
    pub fn declare(&mut self, ctx: &mut Ctx<'_>, name: &str, kind: Kind, span: Range<usize>) {
        self.insert(
            ctx,
            name,
            Entry {
                kind,
                origin: Origin::Declared,
                span,
            },
        );
    }

    /// Record every `as` binding of `op` at `at`.
    pub fn bind(&mut self, ctx: &mut Ctx<'_>, op: &RawOp, at: At) {
        for a in &op.args {
            if let Arg::Bind(kind) = a.arg {
                self.insert(
                    ctx,
                    &a.text,
                    Entry {
                        kind,
                        origin: Origin::Bound(at),
                        span: a.span.clone(),
                    },
                );
            }
        }
    }

    fn insert(&mut self, ctx: &mut Ctx<'_>, name: &str, e: Entry) {
        if let Some(old) = self.entries.get(name) {
            let line = ctx.line_of(old.span.start);
            let what = match old.origin {
                Origin::Declared => "declared",
                Origin::Bound(_) => "bound",
            };
            let hint = Some(format!(
                "`{name}` is already {what} as {} at line {line}; pick another name",
                old.kind.a()
            ));
            ctx.error(e.span, format!("duplicate name `{name}`"), hint);
            return;
        }
        self.entries.insert(name.to_string(), e);
    }

    /// Whether `name` is a known name of `kind` (anywhere in the file).
    pub fn is(&self, name: &str, kind: Kind) -> bool {
        self.entries.get(name).is_some_and(|e| e.kind == kind)
    }

    /// Check every name `op` uses at `at`.
    pub fn resolve(&self, ctx: &mut Ctx<'_>, op: &RawOp, at: At) {
        for a in &op.args {
            if let (Arg::Use(kind), false) = (a.arg, a.defaulted) {
                self.check_use(ctx, &a.text, kind, at, a.span.clone());
            }
        }
    }

    /// Check one use of `name` as a `kind` at `at`; `true` when it is fine.
    pub fn check_use(
        &self,
        ctx: &mut Ctx<'_>,
        name: &str,
        kind: Kind,
        at: At,
        span: Range<usize>,
    ) -> bool {
        let noun = kind.noun();
        let Some(e) = self.entries.get(name) else {
            let visible = self.visible(kind, at);
            let hint = did_you_mean(name, visible.iter().copied())
                .or_else(|| Some(self.known_hint(kind, &visible)));
            ctx.error(span, format!("unknown {noun} `{name}`"), hint);
            return false;
        };
        if e.kind != kind {
            let line = ctx.line_of(e.span.start);
            let hint = Some(format!(
                "`{name}` is {} (line {line}); this argument needs {}",
                e.kind.a(),
                kind.a()
            ));
            ctx.error(span, format!("`{name}` is not {}", kind.a()), hint);
            return false;
        }
        let Origin::Bound(b) = e.origin else {
            return true;
        };
        if Names::sees(b, at) {
            return true;
        }
        let line = ctx.line_of(e.span.start);
        match (b.scope, at.scope) {
            (Scope::Thread(t), Scope::Thread(u)) if t != u => {
                let (bt, ut) = (self.thread_name(t), self.thread_name(u));
                let hint = format!(
                    "a name used in a thread must be bound in setup or earlier in the same thread; \
                     move the op binding it (line {line}) into setup or into thread `{ut}`"
                );
                ctx.error(
                    span,
                    format!(
                        "{noun} `{name}` is bound by thread `{bt}`, not visible in thread `{ut}`"
                    ),
                    Some(hint),
                );
            }
            (Scope::Thread(t), Scope::Setup) => {
                let hint = format!(
                    "setup runs before the threads; bind `{name}` in setup instead (line {line})"
                );
                ctx.error(
                    span,
                    format!(
                        "{noun} `{name}` is bound by thread `{}`, not visible in setup",
                        self.thread_name(t)
                    ),
                    Some(hint),
                );
            }
            _ => {
                let hint = format!(
                    "it is bound at line {line}, by a later operation; move that operation first"
                );
                ctx.error(
                    span,
                    format!("{noun} `{name}` is used before it is bound"),
                    Some(hint),
                );
            }
        }
        false
    }

    /// Whether a binding at `b` is visible at `at`.
    fn sees(b: At, at: At) -> bool {
        match (b.scope, at.scope) {
            (Scope::Setup, Scope::Thread(_)) => true,
            (x, y) if x == y => b.op < at.op,
            _ => false,
        }
    }

    /// Names of `kind` visible at `at`, sorted.
    fn visible(&self, kind: Kind, at: At) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(_, e)| e.kind == kind)
            .filter(|(_, e)| match e.origin {
                Origin::Declared => true,
                Origin::Bound(b) => Names::sees(b, at),
            })
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Every name of `kind` in the file.
    pub fn all(&self, kind: Kind) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(_, e)| e.kind == kind)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    fn known_hint(&self, kind: Kind, visible: &[&str]) -> String {
        let noun = kind.noun();
        let how = match kind {
            Kind::Process => "declare it in `processes` or bind it with `fork`",
            Kind::Device => "declare it in `devices`",
            Kind::DataFile => "declare it in `data_files`",
            Kind::Fd | Kind::Mr | Kind::Label | Kind::Mapping | Kind::CmId => {
                "bind it first with `as = ...`"
            }
        };
        if visible.is_empty() {
            format!("no {noun} is known here; {how}")
        } else {
            format!("known {noun}s here: {}; or {how}", visible.join(", "))
        }
    }

    fn thread_name(&self, t: usize) -> &str {
        self.threads.get(t).map_or("?", |s| s.as_str())
    }
}
