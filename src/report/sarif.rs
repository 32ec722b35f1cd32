//! SARIF 2.1.0, as GitHub code scanning accepts it (`github/codeql-action/upload-sarif`).

use crate::finding::Severity;
use crate::lint::rules;
use crate::verdict::Verdict;
use serde_json::{Value, json};

pub fn render(verdict: &Verdict) -> String {
    let rule_list: Vec<Value> = rules::all()
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.name,
                "name": m.name,
                "shortDescription": { "text": m.summary() },
                "fullDescription": { "text": m.summary() },
                "help": { "text": m.documentation(), "markdown": m.documentation() },
                "defaultConfiguration": { "level": level(m.default_severity.unwrap_or(Severity::Info)) },
                "properties": { "tags": [m.category.as_str()] },
            })
        })
        .collect();
    let results: Vec<Value> = verdict
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": format!("{}\n\n{}", f.message, f.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file) },
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.column,
                            "endLine": f.end.line,
                            "endColumn": f.end.column.max(if f.end.line == f.start.line { f.start.column + 1 } else { 1 }),
                        }
                    }
                }],
                "partialFingerprints": { "drydock/v1": format!("{}:{}:{}", f.rule, f.file, f.message) },
            });
            // The registry lists the rules in RuleId order.
            result["ruleIndex"] = json!(f.rule as usize);
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "Drydock",
                "informationUri": "https://github.com/drydock-sql/drydock",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_list,
            }},
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).expect("sarif serializes") + "\n"
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI with forward slashes, as code scanning resolves it against the checkout.
fn uri(path: &str) -> String {
    path.trim_start_matches("./")
        .replace('\\', "/")
        .replace(' ', "%20")
}
