//! `--format sarif`: SARIF 2.1.0 (through serde-sarif's generated types), one result per cell
//! whose verdict differs from its expectation, located at the scenario line of the operation whose
//! step failed (or, for a negative control whose bug was not found, at its verdict line). A result
//! with a finding carries its replay token twice: as the `replay` property (with the shell command
//! as `replay_command`, and every finding of the cell under `replays`) and at the end of the
//! message, where a reviewer reading the code-scanning alert sees it.

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};

use crate::check::{CellReport, CheckReport};
use crate::explore::Counterexample;
use crate::verdict::Verdict;
use pincheck_model::oracle::Finding;

/// The rule ids: one per finding kind, plus the gate's own.
fn rules() -> Vec<ReportingDescriptor> {
    let mut rules: Vec<ReportingDescriptor> = pincheck_model::oracle::FindingKind::ALL
        .iter()
        .map(|k| {
            ReportingDescriptor::builder()
                .id(k.name().to_string())
                .short_description(
                    MultiformatMessageString::builder()
                        .text(format!("{k} reached by exploration"))
                        .build(),
                )
                .build()
        })
        .collect();
    for (id, text) in [
        (
            "expected-bug-not-found",
            "a negative control's known bug was not found",
        ),
        (
            "vacuous",
            "a sometimes goal was never reached: the race did not happen",
        ),
        ("bound-reached", "a search was cut by a bound"),
        ("model-panic", "the model itself panicked"),
    ] {
        rules.push(
            ReportingDescriptor::builder()
                .id(id.to_string())
                .short_description(
                    MultiformatMessageString::builder()
                        .text(text.to_string())
                        .build(),
                )
                .build(),
        );
    }
    rules
}

/// The scenario line a differing cell points at, and the rule it breaks.
pub fn location(c: &CellReport) -> (usize, String) {
    let s = &c.scenario;
    let verdict_line = s
        .expect
        .verdicts
        .iter()
        .position(|(p, k, _)| p == c.proposal && (k == c.kernel || k == "*"))
        .and_then(|i| s.spans.verdicts.get(i).copied());
    match &c.verdict {
        Verdict::Fail(kinds) => {
            // Each counterexample is kept for one finding (its signature): point at that one,
            // not at another finding the same execution reached first.
            let found = c
                .explored
                .counterexamples
                .iter()
                .filter_map(|(sig, cx)| cx.findings.iter().find(|f| &f.signature() == sig))
                .find(|f| kinds.contains(&f.kind));
            let line = found
                .and_then(|f| f.op)
                .and_then(|(tid, op)| s.spans.op_line(tid.checked_sub(1), op))
                .or(verdict_line)
                .unwrap_or(s.spans.expect);
            (
                line,
                found
                    .map(|f| f.kind.name().to_string())
                    .unwrap_or_else(|| "expected-bug-not-found".into()),
            )
        }
        Verdict::Pass => (
            verdict_line.unwrap_or(s.spans.expect),
            "expected-bug-not-found".into(),
        ),
        Verdict::Vacuous => {
            let i = c.explored.goals.iter().position(|g| !g).unwrap_or(0);
            (
                s.spans.sometimes.get(i).copied().unwrap_or(s.spans.expect),
                "vacuous".into(),
            )
        }
        Verdict::BoundReached => (s.spans.expect, "bound-reached".into()),
        Verdict::ModelPanic(_) => (s.spans.expect, "model-panic".into()),
    }
}

/// The counterexample and finding a result reports: the first finding of a kind the verdict
/// names (the one [`location`] points at), else the first finding.
fn reported(c: &CellReport) -> Option<(&Counterexample, &Finding)> {
    let kinds = match &c.verdict {
        Verdict::Fail(kinds) => kinds.as_slice(),
        _ => &[],
    };
    let all = || {
        c.explored
            .counterexamples
            .values()
            .flat_map(|cx| cx.findings.iter().map(move |f| (cx, f)))
    };
    all()
        .find(|(_, f)| kinds.contains(&f.kind))
        .or_else(|| all().next())
}

fn result(c: &CellReport) -> SarifResult {
    let (line, rule) = location(c);
    let mut text = format!(
        "{} on {}@{}: verdict {}, expected {}",
        c.scenario.name, c.proposal, c.kernel, c.verdict, c.expected
    );
    let file = crate::replay::scenario_arg(&c.scenario);
    let token = |cx: &Counterexample| {
        crate::replay::token_for(&c.scenario, c.proposal, c.kernel, cx).encode()
    };
    let mut properties = PropertyBag::default();
    if let Some((cx, f)) = reported(c) {
        let t = token(cx);
        let command = crate::replay::command(&t, file.as_deref());
        text.push_str(&format!(". {} ({}). Replay: {command}", f.title, f.at));
        let p = &mut properties.additional_properties;
        p.insert("replay".into(), json!(t));
        p.insert("replay_command".into(), json!(command));
        let all: Vec<_> = c
            .explored
            .counterexamples
            .iter()
            .map(|(sig, cx)| json!({ "finding": sig, "replay": token(cx) }))
            .collect();
        p.insert("replays".into(), json!(all));
    }
    SarifResult::builder()
        .rule_id(rule)
        .level(ResultLevel::Error)
        .message(Message::builder().text(text).build())
        .properties(properties)
        .locations(vec![Location::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(
                        ArtifactLocation::builder()
                            .uri(c.scenario.path.display().to_string())
                            .build(),
                    )
                    .region(Region::builder().start_line(line as i64).build())
                    .build(),
            )
            .build()])
        .build()
}

/// The SARIF log of a run.
pub fn render(report: &CheckReport) -> String {
    let results: Vec<SarifResult> = report
        .cells
        .iter()
        .filter(|c| !c.matches())
        .map(result)
        .collect();
    let tool = Tool::builder()
        .driver(
            ToolComponent::builder()
                .name("pincheck".to_string())
                .version(env!("CARGO_PKG_VERSION").to_string())
                .rules(rules())
                .build(),
        )
        .build();
    let sarif = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL.to_string())
        .runs(vec![Run::builder().tool(tool).results(results).build()])
        .build();
    serde_json::to_string_pretty(&sarif).unwrap_or_else(|_| "{}".into())
}
