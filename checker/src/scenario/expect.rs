//! `[expect]`: `never` finding kinds (with `never_reason` when they leave any kind out),
//! per-`proposal@kernel` verdicts (`pass` | `vacuous` | `bound-reached` | `fail(kind, ...)`) and
//! `sometimes` reachability goals.

use std::ops::Range;

use pincheck_model::oracle::FindingKind;
use pincheck_model::KNOWN_PROPOSALS;
use toml::de::DeTable;

use super::diag::did_you_mean;
use super::names::Names;
use super::value::{get, key_span, Ctx, Value};
use super::{Expect, ExpectedVerdict, Goal};

const EXPECT_KEYS: &[&str] = &["never", "never_reason", "sometimes", "verdicts"];
const GOAL_KEYS: &[&str] = &[
    "between", "after", "before", "observe", "equals", "contains",
];
const VERDICT_GRAMMAR: &str =
    "a verdict is `pass`, `vacuous`, `bound-reached` (or `bound`) or `fail(kind, ...)`";

/// Each scope (`setup`, then threads) with the keywords of its ops (`None`: unreadable op).
pub type Scopes = [(String, Vec<Option<&'static str>>)];

/// What `read` returns: the expectations, the lines of verdict keys and goals, the `[expect]` line.
pub type Read = (Expect, Vec<usize>, Vec<usize>, usize);

pub fn read(
    ctx: &mut Ctx<'_>,
    top: &DeTable<'_>,
    names: &Names,
    kernels: &[String],
    scopes: &Scopes,
) -> Read {
    let mut out: Read = (Expect::default(), Vec::new(), Vec::new(), 1);
    let Some(v) = ctx.require(top, "expect", 0..0, "the scenario") else {
        return out;
    };
    out.3 = ctx.line_of(key_span(top, "expect").unwrap_or_else(|| v.span()).start);
    let Some(table) = ctx.table(v, "`expect`") else {
        return out;
    };
    ctx.unknown_keys(table, EXPECT_KEYS, "`expect`");
    let at = v.span().start..v.span().start;
    (out.0.never, out.0.never_reason) = never_and_reason(ctx, table, at);
    if let Some(v) = get(table, "verdicts") {
        (out.0.verdicts, out.1) = verdicts(ctx, v, kernels);
    }
    if let Some(v) = get(table, "sometimes") {
        (out.0.sometimes, out.2) = sometimes(ctx, v, names, scopes);
    }
    out
}

/// Every name a finding kind may be written with: long or short (`use-after-free`, `uaf`).
fn kind_names() -> Vec<&'static str> {
    crate::vocabulary::kind_names()
}

/// `finding kinds are: use-after-free (uaf), ...`, with `any` when it is allowed.
fn kinds_hint(any_ok: bool) -> String {
    format!(
        "finding kinds (long or short name) are: {}{}",
        crate::vocabulary::kinds_both(),
        if any_ok { ", or `any`" } else { "" }
    )
}

/// A finding kind name (long or short), or an error at `span` with a suggestion.
fn kind(ctx: &mut Ctx<'_>, name: &str, span: Range<usize>, any_ok: bool) -> Option<FindingKind> {
    if let Some(k) = crate::vocabulary::kind(name) {
        return Some(k);
    }
    let mut known = kind_names();
    if any_ok {
        known.push("any");
    }
    let hint = did_you_mean(name, known.iter().copied())
        .map(|d| format!("{d} ({})", kinds_hint(any_ok)))
        .or_else(|| Some(kinds_hint(any_ok)));
    ctx.error(span, format!("unknown finding kind `{name}`"), hint);
    None
}

const NEVER_HINT: &str = "write `never = [\"any\"]` (no proposal outside `verdicts` may show any \
     finding), or list the kinds and say in `never_reason = \"...\"` why the others are allowed";

/// `never` (required) and `never_reason`, which must say why when `never` leaves a kind out and
/// must be absent when it leaves none out (so a reason never outlives what it explained).
fn never_and_reason(
    ctx: &mut Ctx<'_>,
    table: &DeTable<'_>,
    at: Range<usize>,
) -> (Vec<FindingKind>, Option<String>) {
    let reason = get(table, "never_reason").and_then(|v| {
        let text = ctx.string(v, "`never_reason`")?;
        if text.trim().is_empty() {
            ctx.error(
                v.span(),
                "`never_reason` is empty",
                Some(NEVER_HINT.to_string()),
            );
            return None;
        }
        Some((text, key_span(table, "never_reason").unwrap_or(v.span())))
    });
    let Some(v) = get(table, "never") else {
        let hint = Some(NEVER_HINT.to_string());
        ctx.error(at, "missing key `never` in `expect`", hint);
        return (Vec::new(), reason.map(|r| r.0));
    };
    let errors_before = ctx.errors.len();
    let kinds = never(ctx, v);
    if ctx.errors.len() > errors_before {
        return (kinds, reason.map(|r| r.0));
    }
    let left_out: Vec<&str> = FindingKind::ALL
        .iter()
        .filter(|k| !kinds.contains(k))
        .map(|k| k.name())
        .collect();
    match (&reason, left_out.is_empty()) {
        (None, false) => ctx.error(
            v.span(),
            format!(
                "`never` leaves out {} without a `never_reason`",
                left_out.join(", ")
            ),
            Some(NEVER_HINT.to_string()),
        ),
        (Some((_, span)), true) => ctx.error(
            span.clone(),
            "`never_reason` explains the kinds `never` leaves out, and it leaves out none",
            Some("remove `never_reason`".to_string()),
        ),
        _ => {}
    }
    (kinds, reason.map(|r| r.0))
}

fn never(ctx: &mut Ctx<'_>, v: &Value<'_>) -> Vec<FindingKind> {
    let mut out: Vec<FindingKind> = Vec::new();
    for (name, span) in ctx.strings(v, "`never`").unwrap_or_default() {
        if name == "any" {
            out = FindingKind::ALL.to_vec();
        } else if let Some(k) = kind(ctx, &name, span, true) {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

type Verdicts = (Vec<(String, String, ExpectedVerdict)>, Vec<usize>);

fn verdicts(ctx: &mut Ctx<'_>, v: &Value<'_>, kernels: &[String]) -> Verdicts {
    let mut out: Verdicts = (Vec::new(), Vec::new());
    let Some(table) = ctx.table(v, "`expect.verdicts`") else {
        return out;
    };
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (k, val) in entries {
        let key: &str = k.get_ref();
        let target = verdict_key(ctx, key, k.span(), kernels);
        let Some(text) = ctx.string(val, &format!("the verdict of `{key}`")) else {
            continue;
        };
        let verdict = match parse_verdict(&text) {
            Ok(verdict) => Some(verdict),
            Err(errs) => {
                for (sub, msg, hint) in errs {
                    let span = ctx.inner_span(&val.span(), &text, sub.start, sub.end - sub.start);
                    ctx.error(span, msg, hint);
                }
                None
            }
        };
        if let (Some((p, kn)), Some(verdict)) = (target, verdict) {
            out.0.push((p, kn, verdict));
            out.1.push(ctx.line_of(k.span().start));
        }
    }
    out
}

/// `proposal@kernel` with a known proposal and `*` or a kernel this scenario runs on.
fn verdict_key(
    ctx: &mut Ctx<'_>,
    key: &str,
    span: Range<usize>,
    kernels: &[String],
) -> Option<(String, String)> {
    let Some((p, k)) = key.split_once('@') else {
        let hint = Some(format!(
            "write `\"{key}@*\"` for every kernel, or `\"{key}@k53\"` for one"
        ));
        ctx.error(
            span,
            format!("verdict key `{key}` is not `proposal@kernel`"),
            hint,
        );
        return None;
    };
    let mut ok = true;
    if !KNOWN_PROPOSALS.contains(&p) {
        let hint = did_you_mean(p, KNOWN_PROPOSALS.iter().copied())
            .or_else(|| Some(format!("proposals are: {}", KNOWN_PROPOSALS.join(", "))));
        ctx.error(
            ctx.inner_span(&span, key, 0, p.len()),
            format!("unknown proposal `{p}`"),
            hint,
        );
        ok = false;
    }
    let kspan = ctx.inner_span(&span, key, p.len() + 1, k.len());
    let mut kernel = k.to_string();
    if k != "*" {
        match super::kernels::resolve(ctx, k, &kspan) {
            None => ok = false,
            Some(v) => {
                // A kernel this scenario runs on, however it is spelt there.
                let listed = kernels.iter().find(|x| {
                    pincheck_model::kernel::Variant::by_name(x)
                        .is_some_and(|x| super::kernels::same(&x, &v))
                });
                match listed {
                    Some(name) => kernel = name.clone(),
                    None => {
                        let hint =
                            Some(format!("add it to `kernels` (now {})", kernels.join(", ")));
                        ctx.error(
                            kspan,
                            format!("kernel `{k}` is not one this scenario runs on"),
                            hint,
                        );
                        ok = false;
                    }
                }
            }
        }
    }
    ok.then(|| (p.to_string(), kernel))
}

/// One error inside a verdict string: byte range in the string, message, hint.
type SubError = (Range<usize>, String, Option<String>);

/// Parse `pass` | `vacuous` | `bound-reached` | `fail(kind, kind...)`.
pub fn parse_verdict(text: &str) -> Result<ExpectedVerdict, Vec<SubError>> {
    let t = text.trim();
    let lead = text.len() - text.trim_start().len();
    match t {
        "pass" => return Ok(ExpectedVerdict::Pass),
        "vacuous" => return Ok(ExpectedVerdict::Vacuous),
        "bound-reached" | crate::vocabulary::BOUND_SHORT => {
            return Ok(ExpectedVerdict::BoundReached)
        }
        _ => {}
    }
    let whole = 0..text.len();
    let Some(inner) = t
        .strip_prefix("fail")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
    else {
        let hint = did_you_mean(
            t,
            ["pass", "vacuous", "bound-reached", "fail(use-after-free)"],
        )
        .or_else(|| Some(VERDICT_GRAMMAR.to_string()));
        return Err(vec![(whole, format!("malformed verdict `{t}`"), hint)]);
    };
    let inner_start = lead + (t.len() - inner.len() - 1);
    let mut kinds = Vec::new();
    let mut errs = Vec::new();
    let mut offset = inner_start;
    for part in inner.split(',') {
        let name = part.trim();
        let at = offset + (part.len() - part.trim_start().len());
        offset += part.len() + 1;
        match crate::vocabulary::kind(name) {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => errs.push((
                at..at + name.len(),
                format!("finding kind `{name}` is listed twice"),
                None,
            )),
            None if name.is_empty() => errs.push((
                whole.clone(),
                format!("malformed verdict `{t}`: an empty finding kind"),
                Some("write `fail(kind)` or `fail(kind, kind)`".to_string()),
            )),
            None => {
                let known = kind_names();
                let hint = did_you_mean(name, known.iter().copied())
                    .map(|d| format!("{d} ({})", kinds_hint(false)))
                    .or_else(|| Some(kinds_hint(false)));
                errs.push((
                    at..at + name.len(),
                    format!("unknown finding kind `{name}`"),
                    hint,
                ));
            }
        }
    }
    if errs.is_empty() {
        Ok(ExpectedVerdict::Fail(kinds))
    } else {
        Err(errs)
    }
}

fn sometimes(
    ctx: &mut Ctx<'_>,
    v: &Value<'_>,
    names: &Names,
    scopes: &Scopes,
) -> (Vec<Goal>, Vec<usize>) {
    let mut out = (Vec::new(), Vec::new());
    for item in ctx.array(v, "`sometimes`").unwrap_or_default() {
        if let Some(g) = goal(ctx, item, names, scopes) {
            out.0.push(g);
            out.1.push(ctx.line_of(item.span().start));
        }
    }
    out
}

fn goal(ctx: &mut Ctx<'_>, item: &Value<'_>, names: &Names, scopes: &Scopes) -> Option<Goal> {
    let table = ctx.table(item, "a `sometimes` goal")?;
    ctx.unknown_keys(table, GOAL_KEYS, "a `sometimes` goal");
    let has = |k: &str| get(table, k).is_some();
    let start = item.span().start..item.span().start;
    match (has("between"), has("observe")) {
        (true, false) => {
            let step = |ctx: &mut Ctx<'_>, key: &str| {
                let v = ctx.require(table, key, start.clone(), "a `between` goal")?;
                let s = ctx.string(v, &format!("`{key}`"))?;
                step_ref(ctx, &s, v.span(), names)
            };
            let (s, a, b) = (
                step(ctx, "between"),
                step(ctx, "after"),
                step(ctx, "before"),
            );
            for k in ["observe", "equals", "contains"]
                .into_iter()
                .filter(|k| has(k))
            {
                ctx.error(
                    key_span(table, k).unwrap_or(start.clone()),
                    format!("`{k}` does not belong in a `between` goal"),
                    None,
                );
            }
            Some(Goal::Between {
                step: s?,
                after: a?,
                before: b?,
            })
        }
        (false, true) => observe(ctx, table, names, scopes),
        (true, true) => {
            let hint = Some("write two goals: one `between`, one `observe`".to_string());
            ctx.error(
                key_span(table, "observe").unwrap_or(start),
                "a goal is either `between` or `observe`, not both",
                hint,
            );
            None
        }
        (false, false) => {
            let hint = Some("`{ between = \"t:f.a\", after = \"u:f.a\", before = \"u:f.b\" }` or `{ observe = \"label\", equals = \"...\" }`".to_string());
            ctx.error(item.span(), "a goal needs `between` or `observe`", hint);
            None
        }
    }
}

/// `thread:step`: a known thread, and a step `function` or `function.action`.
fn step_ref(
    ctx: &mut Ctx<'_>,
    s: &str,
    span: Range<usize>,
    names: &Names,
) -> Option<(String, String)> {
    let Some((t, step)) = s.split_once(':') else {
        let hint = Some("write `thread:function.action`, e.g. `close:filp_close.fput`".to_string());
        ctx.error(span, format!("step `{s}` does not name its thread"), hint);
        return None;
    };
    let mut ok = true;
    if !names.threads.iter().any(|n| n == t) {
        let hint = did_you_mean(t, names.threads.iter().map(String::as_str))
            .or_else(|| Some(format!("threads are: {}", names.threads.join(", "))));
        ctx.error(
            ctx.inner_span(&span, s, 0, t.len()),
            format!("unknown thread `{t}`"),
            hint,
        );
        ok = false;
    }
    let well_formed = !step.is_empty()
        && step.split('.').count() <= 2
        && step
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if !well_formed {
        let hint = Some(
            "step names are `function.action` (or a bare `function`), e.g. `filp_close.fput`"
                .to_string(),
        );
        ctx.error(
            ctx.inner_span(&span, s, t.len() + 1, step.len()),
            format!("malformed step name `{step}`"),
            hint,
        );
        ok = false;
    } else if !crate::catalogue::contains(step) {
        ctx.error(
            ctx.inner_span(&span, s, t.len() + 1, step.len()),
            format!("the model has no step `{step}`"),
            Some(unknown_step_hint(step)),
        );
        ok = false;
    }
    ok.then(|| (t.to_string(), step.to_string()))
}

/// What to write instead of a step the model's catalogue does not have.
fn unknown_step_hint(step: &str) -> String {
    let near = crate::catalogue::suggestions(step);
    let function = step.split('.').next().unwrap_or(step);
    let list = |v: &[&str]| {
        v.iter()
            .take(6)
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lister = "`pincheck steps FILE` lists the steps each thread executes";
    match near.first() {
        Some(first) if first.split('.').next() == Some(function) => format!(
            "did you mean `{first}`? the steps of `{function}` are {}; {lister}",
            list(&near)
        ),
        Some(first) => format!(
            "did you mean `{first}`? (nearest: {}); {lister}",
            list(&near)
        ),
        None => lister.to_string(),
    }
}

fn observe(ctx: &mut Ctx<'_>, table: &DeTable<'_>, names: &Names, scopes: &Scopes) -> Option<Goal> {
    let v = get(table, "observe")?;
    let label = ctx.string(v, "`observe`")?;
    let text =
        |ctx: &mut Ctx<'_>, k: &str| get(table, k).and_then(|v| ctx.string(v, &format!("`{k}`")));
    let (equals, contains) = (text(ctx, "equals"), text(ctx, "contains"));
    for k in ["after", "before"]
        .into_iter()
        .filter(|k| get(table, k).is_some())
    {
        ctx.error(
            key_span(table, k).unwrap_or(v.span()),
            format!("`{k}` does not belong in an `observe` goal"),
            None,
        );
    }
    if get(table, "equals").is_none() && get(table, "contains").is_none() {
        ctx.error(
            v.span(),
            "an `observe` goal needs `equals` or `contains`",
            None,
        );
        return None;
    }
    let ok = names.is(&label, super::ops::Kind::Label) || op_label(&label, scopes);
    if !ok {
        let labels = names.all(super::ops::Kind::Label);
        let hint = did_you_mean(&label, labels.iter().copied()).or_else(|| {
            Some(format!(
                "observations are labels bound by `procfs_read`/`truncate` (`as`) or `thread.index.op` for an op's errno{}",
                if labels.is_empty() { String::new() } else { format!("; labels: {}", labels.join(", ")) }
            ))
        });
        ctx.error(v.span(), format!("unknown observation `{label}`"), hint);
        return None;
    }
    Some(Goal::Observe {
        label,
        equals,
        contains,
    })
}

/// `scope.index.keyword` naming an existing op (the model observes an op's errno there).
fn op_label(label: &str, scopes: &Scopes) -> bool {
    let mut parts = label.splitn(3, '.');
    let (Some(scope), Some(index), Some(kw)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(i) = index.parse::<usize>() else {
        return false;
    };
    scopes
        .iter()
        .any(|(name, ops)| name == scope && ops.get(i).copied().flatten() == Some(kw))
}
