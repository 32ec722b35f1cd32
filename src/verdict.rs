//! Verdict: applies configuration (rule levels) and ignore comments to the findings, orders
//! them, and decides whether the change passes.

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::lint::Suppression;

#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Findings that remain, most severe first, then by file and line.
    pub findings: Vec<Finding>,
    /// How many findings inline ignore comments silenced.
    pub ignored: usize,
    /// Statements linted.
    pub statements: usize,
    pub files: usize,
}

impl Verdict {
    pub fn build(
        findings: Vec<Finding>,
        suppressions: &[Suppression],
        config: &Config,
        statements: usize,
        files: usize,
    ) -> Verdict {
        let mut ignored = 0;
        let mut kept: Vec<Finding> = findings
            .into_iter()
            .filter_map(|mut f| {
                f.severity = config.severity(f.rule)?;
                if suppressions.iter().any(|s| s.covers(&f)) {
                    ignored += 1;
                    return None;
                }
                Some(f)
            })
            .collect();
        kept.sort_by(|a, b| {
            (
                a.file.as_str(),
                a.start.line,
                a.start.column,
                std::cmp::Reverse(a.severity),
                a.rule,
            )
                .cmp(&(
                    b.file.as_str(),
                    b.start.line,
                    b.start.column,
                    std::cmp::Reverse(b.severity),
                    b.rule,
                ))
        });
        Verdict {
            findings: kept,
            ignored,
            statements,
            files,
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Destructive findings that need the override label.
    pub fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| f.blocking).count()
    }
}
