//! Kernel specs: a release plus (`+name`) or minus (`-name`) named patches, resolved into the
//! [`Variant`] the model's paths consult, and the short names kept for the specs scenarios used
//! before releases existed (`k53`, `k56`) and for the one hypothetical kernel (`sync-fput`).
//!
//! ```text
//! spec  := (short | release) { ("+" | "-") patch }
//! short := "k53" | "k56" | "sync-fput"
//! patch := a name of PATCHES, or a unique commit-id prefix of at least 7 hex digits
//! ```
//!
//! Adding a patch a kernel already contains, or one whose code the kernel lacks, is an error with
//! the reason; so is reverting one it does not contain, or one a contained patch depends on.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use super::patch::{self, Patch, PatchSet, PATCHES};
use super::release::{Release, RELEASES};

/// A kernel that never shipped, kept as a named spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hypothetical {
    /// v5.3 where close takes `ucontext_lock` blocking (as device removal does) and the final
    /// fput runs `__fput` inline (as before 4a9d4b024a31 "switch fput to task_work_add", 2012).
    /// It is the kernel Jason describes as the reason for v5.3's trylock (lore
    /// 20190819123841.GC5058@ziepe.ca): exit_mmap's fput re-enters close under the lock the
    /// unplug holds, a self-deadlock. No release combined the two; it stays to show why v5.3
    /// needed the trylock that opens the S1 window.
    SyncFput,
}

/// A resolved kernel: what the model's paths consult.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    /// The name as scenario files and reports use it: a short name, or the canonical spec.
    pub name: &'static str,
    /// The canonical full spec: `v5.3+f0abc761bbb9+0fb00941dc63+c85f4abe66be`.
    pub spec: &'static str,
    /// The release it starts from.
    pub release: Release,
    /// Every known patch it contains (the release's, plus added, minus reverted).
    pub patches: PatchSet,
    /// Set for a kernel that never shipped.
    pub hypothetical: Option<Hypothetical>,
}

/// The short names: what each stands for.
pub const SHORT_NAMES: &[(&str, &str)] = &[
    // The v5.3 of the scenarios written before releases were modelled: the close trylock, with
    // the 2020 uverbs fixes that apply to it.
    ("k53", "v5.3+f0abc761bbb9+0fb00941dc63+c85f4abe66be"),
    // Likewise for v5.6: close is a fence, and the 2020 fixes are in.
    (
        "k56",
        "v5.6+f0abc761bbb9+0fb00941dc63+39c011a53827+c85f4abe66be",
    ),
    ("sync-fput", "v5.3+f0abc761bbb9+0fb00941dc63+c85f4abe66be"),
];

/// The kernels to list in hints and the CLI's help.
pub const KNOWN_KERNELS: &[&str] = &["v5.3", "v5.6", "k53", "k56", "sync-fput"];

/// Why a spec does not resolve: a message, a hint, and the byte range of the spec it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    /// What is wrong.
    pub message: String,
    /// What to write instead, when there is something to say.
    pub hint: Option<String>,
    /// The part of the spec at fault.
    pub span: Range<usize>,
    /// For an unknown name: the name and the known names it may be a misspelling of (the caller
    /// turns them into a "did you mean" hint).
    pub unknown: Option<(String, Vec<&'static str>)>,
}

fn error(span: Range<usize>, message: String, hint: Option<String>) -> SpecError {
    SpecError {
        message,
        hint,
        span,
        unknown: None,
    }
}

/// Keep `s` for the life of the process: specs are few (those scenario files and the command
/// line name), and reports carry them as `&'static str`.
fn intern(s: &str) -> &'static str {
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(&t) = table.get(s) {
        return t;
    }
    let t: &'static str = Box::leak(s.to_string().into_boxed_str());
    table.insert(t);
    t
}

/// The canonical spelling of `patches` on `release`.
fn canonical(release: Release, patches: PatchSet) -> String {
    let base = release.patches();
    let mut s = release.name().to_string();
    for p in PATCHES.iter().map(|i| i.patch) {
        match (base.contains(p), patches.contains(p)) {
            (false, true) => s.push_str(&format!("+{}", p.info().name)),
            (true, false) => s.push_str(&format!("-{}", p.info().name)),
            _ => {}
        }
    }
    s
}

impl Variant {
    /// Resolve `spec` (a short name, or a release with patches).
    pub fn resolve(spec: &str) -> Result<Variant, SpecError> {
        if let Some(&(short, full)) = SHORT_NAMES.iter().find(|(s, _)| *s == spec) {
            let mut v = Variant::resolve(full).expect("the short names' specs resolve");
            v.name = intern(short);
            v.hypothetical = (short == "sync-fput").then_some(Hypothetical::SyncFput);
            return Ok(v);
        }
        let end = spec.find(['+', '-']).unwrap_or(spec.len());
        let rel_name = &spec[..end];
        let short = SHORT_NAMES.iter().find(|(s, _)| *s == rel_name);
        let base = match (Release::by_name(rel_name), short) {
            (Some(r), _) => Some((r, r.patches())),
            (None, Some((_, full))) => Variant::resolve(full).ok().map(|v| (v.release, v.patches)),
            (None, None) => None,
        };
        let Some((release, base)) = base else {
            let names = RELEASES
                .iter()
                .map(|r| r.name())
                .chain(SHORT_NAMES.iter().map(|(s, _)| *s));
            let hint = Some(format!(
                "a kernel is a release with `+patch` / `-patch`, or a short name: {}",
                KNOWN_KERNELS.join(", ")
            ));
            let what = if end == spec.len() {
                "kernel"
            } else {
                "release"
            };
            let mut e = error(0..end, format!("unknown {what} `{rel_name}`"), hint);
            e.unknown = Some((rel_name.to_string(), names.collect()));
            return Err(e);
        };
        let patches = apply_all(release, base, spec, end)?;
        let full = intern(&canonical(release, patches));
        Ok(Variant {
            name: full,
            spec: full,
            release,
            patches,
            hypothetical: None,
        })
    }

    /// The kernel `spec` names, if it resolves (see [`resolve`](Self::resolve) for the reason
    /// when it does not).
    pub fn by_name(spec: &str) -> Option<Variant> {
        Variant::resolve(spec).ok()
    }

    /// The full spelling of the kernel called `name` (see [`full_name`](Self::full_name)); `name`
    /// itself when it does not resolve.
    pub fn spelt_out(name: &str) -> String {
        Variant::by_name(name).map_or_else(|| name.to_string(), |v| v.full_name())
    }

    /// Whether the kernel contains `p`.
    pub fn has(&self, p: Patch) -> bool {
        self.patches.contains(p)
    }

    /// `name = spec` for a short name (`k53 = v5.3+f0abc761bbb9+0fb00941dc63+c85f4abe66be`), else the spec.
    pub fn full_name(&self) -> String {
        match self.hypothetical {
            Some(Hypothetical::SyncFput) => format!(
                "{} = {} with a blocking close and a synchronous final fput (hypothetical)",
                self.name, self.spec
            ),
            None if self.name != self.spec => format!("{} = {}", self.name, self.spec),
            None => self.spec.to_string(),
        }
    }

    /// v5.3's close: `uverbs_destroy_ufile_hw(CLOSE)` trylocks `ucontext_lock` and returns at once
    /// when a device removal holds it (false once the lock left the destroy path, and on the
    /// hypothetical kernel whose close blocks).
    pub fn close_trylock(&self) -> bool {
        !self.has(Patch::RemoveUcontextLock) && self.hypothetical.is_none()
    }

    /// Whether `uverbs_destroy_ufile_hw` takes `ucontext_lock` at all.
    pub fn destroy_takes_ucontext_lock(&self) -> bool {
        !self.has(Patch::RemoveUcontextLock)
    }

    /// Whether the final fput is deferred through task_work (every real kernel since 2012).
    pub fn fput_deferred(&self) -> bool {
        self.hypothetical != Some(Hypothetical::SyncFput)
    }
}

/// Apply the `+name` / `-name` list of `spec` after byte `start` to `base` (patches of `release`).
fn apply_all(
    release: Release,
    base: PatchSet,
    spec: &str,
    start: usize,
) -> Result<PatchSet, SpecError> {
    let mut set = base;
    let mut seen: Vec<Patch> = Vec::new();
    let mut at = start;
    while at < spec.len() {
        let sign = &spec[at..at + 1];
        let rest = &spec[at + 1..];
        let len = rest.find(['+', '-']).unwrap_or(rest.len());
        let name = &rest[..len];
        let span = at..at + 1 + len;
        let Some(info) = patch::find(name) else {
            return Err(unknown_patch(name, span));
        };
        if seen.contains(&info.patch) {
            let msg = format!("patch `{}` is named twice", info.name);
            return Err(error(span, msg, None));
        }
        seen.push(info.patch);
        set = if sign == "+" {
            add(release, set, info.patch, span)?
        } else {
            revert(release, set, info.patch, span)?
        };
        at += 1 + len;
    }
    Ok(set)
}

fn unknown_patch(name: &str, span: Range<usize>) -> SpecError {
    if name.is_empty() {
        let hint = Some("write a patch name after `+` or `-`".to_string());
        return error(span, "a patch name is missing".to_string(), hint);
    }
    if let Some(&(_, p)) = patch::RENAMED.iter().find(|(old, _)| *old == name) {
        let now = p.info().name;
        let msg = format!("patch `{name}` is now named by its upstream commit id, `{now}`");
        return error(span, msg, Some(format!("write `{now}`")));
    }
    let names: Vec<&'static str> = PATCHES.iter().map(|p| p.name).collect();
    let hint = Some(format!("patches are: {}", names.join(", ")));
    let mut e = error(span, format!("unknown patch `{name}`"), hint);
    e.unknown = Some((name.to_string(), names));
    e
}

fn add(
    release: Release,
    set: PatchSet,
    p: Patch,
    span: Range<usize>,
) -> Result<PatchSet, SpecError> {
    let info = p.info();
    if set.contains(p) {
        let why = if release.patches().contains(p) {
            format!(
                "{} already contains it (it landed in {})",
                release.name(),
                info.landed
            )
        } else {
            "the spec already adds it".to_string()
        };
        let msg = format!(
            "patch {} (\"{}\") does not apply: {why}",
            info.name, info.subject
        );
        return Err(error(span, msg, Some(format!("remove `+{}`", info.name))));
    }
    if let Some(missing) = info.requires.iter().find(|r| !set.contains(**r)) {
        let m = missing.info();
        let msg = format!(
            "patch {} (\"{}\") does not apply to {}: it changes code added by {} (\"{}\", {}), which {} lacks",
            info.name, info.subject, release.name(), m.name, m.subject, m.landed, release.name()
        );
        return Err(error(span, msg, None));
    }
    Ok(set.with(p))
}

fn revert(
    release: Release,
    set: PatchSet,
    p: Patch,
    span: Range<usize>,
) -> Result<PatchSet, SpecError> {
    let info = p.info();
    if !set.contains(p) {
        let msg = format!(
            "{} does not contain patch {} (\"{}\", {}): nothing to revert",
            release.name(),
            info.name,
            info.subject,
            info.landed
        );
        let hint = Some(format!("to add it, write `+{}`", info.name));
        return Err(error(span, msg, hint));
    }
    let dependent = set
        .iter()
        .find(|q| q.info().requires.contains(&p))
        .map(|q| q.info());
    if let Some(d) = dependent {
        let msg = format!(
            "patch {} cannot be reverted: {} (\"{}\") in this kernel depends on it",
            info.name, d.name, d.subject
        );
        let hint = if release.patches().contains(d.patch) {
            format!("revert `-{}` first", d.name)
        } else {
            format!("remove `+{}`", d.name)
        };
        return Err(error(span, msg, Some(hint)));
    }
    Ok(set.without(p))
}
