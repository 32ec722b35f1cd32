//! JSON: for `drydock lint` an array of findings, one object each; for `drydock check` an object
//! with the findings and what applying the migrations showed.

use super::ApplyReport;
use crate::apply::StatementTrace;
use crate::finding::{Finding, Severity};
use crate::verdict::Verdict;
use serde_json::{Value, json};

pub fn finding_value(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "category": f.category.as_str(),
        "severity": f.severity.as_str(),
        "blocking": f.blocking,
        "file": f.file,
        "line": f.start.line,
        "column": f.start.column,
        "end_line": f.end.line,
        "end_column": f.end.column,
        "message": f.message,
        "help": f.help,
        "fix": f.fix.as_ref().map(|fix| json!({ "replacement": fix.replacement })),
        "evidence": f.evidence,
    })
}

pub fn render(verdict: &Verdict) -> String {
    let findings: Vec<Value> = verdict.findings.iter().map(finding_value).collect();
    serde_json::to_string_pretty(&findings).expect("findings serialize") + "\n"
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
            })
        })
        .collect();
    let value = json!({
        "findings": verdict.findings.iter().map(finding_value).collect::<Vec<_>>(),
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
