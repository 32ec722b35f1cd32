//! GitHub workflow annotations (`::error file=...,line=...::message`), most severe first.
//! GitHub shows at most 10 of each type per step, so order matters.

use crate::finding::Severity;
use crate::verdict::Verdict;

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (file, title), which also may not contain `:` or `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(verdict: &Verdict) -> String {
    let mut findings: Vec<_> = verdict.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse((f.severity, f.blocking)));
    let mut out = String::new();
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{command} file={},line={},endLine={},col={},title={}::{}\n",
            escape_property(&f.file),
            f.start.line,
            f.end.line,
            f.start.column,
            escape_property(&format!("drydock {}", f.rule)),
            escape_data(&format!("{}\n{}", f.message, f.help)),
        ));
    }
    // Conditions already on the base branch: once, on the run, not on a line of the change.
    for notice in &verdict.notices {
        out.push_str(&format!(
            "::notice title=Drydock::{}\n",
            escape_data(&notice.text())
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_escape_separators_and_newlines() {
        assert_eq!(escape_property("a,b:c%\nd"), "a%2Cb%3Ac%25%0Ad");
        assert_eq!(escape_data("50%: a\nb"), "50%25: a%0Ab");
    }
}
