//! JSON: for `drydock lint` an array of findings, one object each; for `drydock check` an object
//! with the findings and what applying the migrations showed.

use super::ApplyReport;
use crate::apply::StatementTrace;
use crate::finding::{Evidence, Finding, Severity};
use crate::verdict::Verdict;
use serde::Serialize;
use serde_json::{Value, json};

/// A finding as JSON consumers see it; borrowed, and serialized straight to text (no
/// intermediate tree: lint output can hold tens of thousands of findings).
#[derive(Serialize)]
pub struct FindingJson<'a> {
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    blocking: bool,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: &'a str,
    fix: Option<FixJson<'a>>,
    evidence: &'a [Evidence],
}

#[derive(Serialize)]
struct FixJson<'a> {
    replacement: &'a str,
}

impl<'a> From<&'a Finding> for FindingJson<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingJson {
            rule: f.rule.name(),
            category: f.category.as_str(),
            severity: f.severity.as_str(),
            blocking: f.blocking,
            file: &f.file,
            line: f.start.line,
            column: f.start.column,
            end_line: f.end.line,
            end_column: f.end.column,
            message: &f.message,
            help: &f.help,
            fix: f.fix.as_ref().map(|fix| FixJson {
                replacement: &fix.replacement,
            }),
            evidence: &f.evidence,
        }
    }
}

fn findings_json(verdict: &Verdict) -> Vec<FindingJson<'_>> {
    verdict.findings.iter().map(FindingJson::from).collect()
}

pub fn render(verdict: &Verdict) -> String {
    serde_json::to_string_pretty(&findings_json(verdict)).expect("findings serialize") + "\n"
}

/// `drydock check`: an object with the findings, a summary, and what applying the migrations
/// showed (each file's outcome, each statement's trace).
pub fn render_check(verdict: &Verdict, apply: &ApplyReport) -> String {
    let directories: Vec<Value> = apply
        .directories
        .iter()
        .map(|d| {
            json!({
                "path": d.path,
                "format": d.format,
                "files": d.files,
                "statements": d.traces.iter().map(trace_value).collect::<Vec<_>>(),
                "base_unbuilt": d.base_unbuilt,
            })
        })
        .collect();
    let schema_changes: Vec<Value> = apply
        .directories
        .iter()
        .flat_map(|d| {
            d.schema_changes.iter().map(|c| {
                let mut v = serde_json::to_value(c).expect("changes serialize");
                v["directory"] = json!(d.path);
                v
            })
        })
        .collect();
    let value = json!({
        "findings": findings_json(verdict),
        // Conditions already on the base branch: not findings, they fail nothing.
        "notices": verdict.notices,
        "schema_changes": schema_changes,
        "summary": {
            "errors": verdict.count(Severity::Error),
            "warnings": verdict.count(Severity::Warning),
            "infos": verdict.count(Severity::Info),
            "blocking": verdict.blocking(),
            "ignored": verdict.ignored,
            "files": verdict.files,
            "statements": verdict.statements,
        },
        "postgres": (!apply.postgres.is_empty()).then_some(&apply.postgres),
        // A migration already on the base branch failed: the change was not applied, and its
        // findings are the static ones only.
        "base_unbuilt": apply.base_unbuilt().next().is_some(),
        "directories": directories,
    });
    serde_json::to_string_pretty(&value).expect("report serializes") + "\n"
}

fn trace_value(t: &StatementTrace) -> Value {
    json!({
        "file": t.file,
        "line": t.start.line,
        "column": t.start.column,
        "end_line": t.end.line,
        "duration_ms": (t.duration.as_secs_f64() * 1e6).round() / 1e3,
        "locks": t.effects.locks,
        "rewritten": t.effects.rewritten,
        "rebuilt_indexes": t.effects.rebuilt_indexes,
        "ran_under_exclusive": t.effects.ran_under_exclusive,
        "lock_timeout_set": t.lock_timeout_set,
        "locks_traced": t.locks_traced,
    })
}
