//! A counterexample as JSON (`pincheck replay --format json`), for scripts: every step (thread,
//! name, lock, notes), the findings with the step they happened at, the observations, the objects'
//! roles in the scenario, the replay token and command, and with `--until N` the object graph
//! after step N.

use serde_json::{json, Value};

use super::{replay_command, thread_name, RenderContext};
use crate::explore::Counterexample;

/// The JSON document of `cx`; `note` says why the token may not fit any more (scenario changed).
pub fn json(cx: &Counterexample, ctx: &RenderContext, note: Option<&str>) -> String {
    let steps: Vec<Value> = cx
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({
                "index": i,
                "thread": thread_name(cx, e.tid),
                "step": e.step,
                "lock": e.lock,
                "waited": e.waited,
                "notes": e.notes.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let findings: Vec<Value> = cx
        .findings
        .iter()
        .map(|f| {
            json!({
                "kind": f.kind.name(),
                "signature": f.signature(),
                "title": f.title,
                "object": f.object,
                "at": f.at,
                "step": f.event,
                "details": f.details,
            })
        })
        .collect();
    let doc = json!({
        "scenario": ctx.scenario,
        "proposal": ctx.proposal,
        "kernel": ctx.kernel,
        "engine": cx.engine,
        "preemptions": cx.preemptions,
        "token": ctx.token,
        "replay_command": replay_command(ctx),
        "threads": cx.threads,
        "steps": steps,
        "findings": findings,
        "observations": cx.observations,
        "roles": cx.roles,
        "until": ctx.graph.map(|(n, _)| n),
        "graph": ctx.graph.map(|(_, lines)| lines),
        "note": note,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
