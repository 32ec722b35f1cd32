//! JSON: an array of findings, one object each.

use crate::finding::Finding;
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
