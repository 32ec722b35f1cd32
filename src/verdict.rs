//! Verdict: merges what the stages saw into the findings (a statement's trace, the error that a
//! static rule predicted, the schema diff), applies configuration (rule levels) and ignore
//! comments, orders the findings, and decides whether the change passes. The findings
//! themselves come from the rules (`lint`).

use crate::apply::StatementTrace;
use crate::config::Config;
use crate::diff::{self, Change};
use crate::finding::{Category, Evidence, Finding, Severity};
use crate::lint::{RuleId, Suppression};

#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Findings that remain, most severe first, then by file and line.
    pub findings: Vec<Finding>,
    /// How many findings inline ignore comments silenced.
    pub ignored: usize,
    /// Statements linted.
    pub statements: usize,
    pub files: usize,
    /// The label that approves destructive changes.
    pub override_label: String,
    /// The override label on the pull request, when a maintainer applied it: the destructive
    /// findings are approved and no longer fail the run.
    pub approved_by: Option<String>,
    /// Conditions already on the base branch that the change does not touch: said once in the
    /// summary, never findings (they fail nothing).
    pub notices: Vec<Notice>,
}

/// A condition already on the base branch that the change does not touch (a duplicate version
/// merged long ago, an `atlas.sum` out of date before it): what its rule would say, as a
/// notice on the summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    pub rule: RuleId,
    /// Where the rule would point (a file of the directory, or the directory's `atlas.sum`).
    pub file: String,
    pub message: String,
}

impl Notice {
    /// The notice as one line of plain text.
    pub fn text(&self) -> String {
        format!(
            "Already on the base branch, so not this change's doing ({}, {}): {}",
            self.rule, self.file, self.message
        )
    }
}

/// The notices for what the rules say of the issues already on the base branch (`findings`),
/// as configured: a rule turned off says nothing.
pub fn pre_existing_notices(findings: Vec<Finding>, config: &Config) -> Vec<Notice> {
    findings
        .into_iter()
        .filter(|f| config.severity(f.rule).is_some())
        .map(|f| Notice {
            rule: f.rule,
            file: f.file,
            message: f.message,
        })
        .collect()
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
            override_label: config.override_label.clone(),
            approved_by: None,
            notices: Vec::new(),
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// An error remains that is not a destructive change approved by the override label.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Error && !(f.blocking && self.approved_by.is_some()))
    }

    /// Destructive changes without the override label: the merge is blocked.
    pub fn blocked(&self) -> bool {
        self.blocking() > 0 && self.approved_by.is_none()
    }

    /// Destructive findings that need the override label.
    pub fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| f.blocking).count()
    }
}

/// Adds what each statement did when applied, as evidence, to the findings about that
/// statement (hygiene findings excepted: how a column is typed does not depend on locks).
pub fn merge_traces(findings: &mut [Finding], traces: &[StatementTrace]) {
    for trace in traces {
        let Some(evidence) = trace.evidence() else {
            continue;
        };
        for f in findings.iter_mut().filter(|f| trace.is_about(f)) {
            if f.category != Category::Hygiene && !f.evidence.contains(&evidence) {
                f.evidence.push(evidence.clone());
            }
        }
    }
}

/// Folds `migration-fails` findings into the static finding that predicted the same error at
/// the same statement (its rule's `predicts`), keeping what the failure adds (what was not
/// applied).
pub fn merge_failures(findings: &mut Vec<Finding>) {
    let mut merged = Vec::new();
    for (i, failure) in findings.iter().enumerate() {
        let (Some(span), Some(Evidence::Apply { sqlstate, .. })) = (
            failure
                .span
                .filter(|_| failure.rule == RuleId::MigrationFails),
            failure.evidence.first(),
        ) else {
            continue;
        };
        let predicted = findings.iter().position(|f| {
            f.file == failure.file
                && f.span
                    .is_some_and(|s| s.start >= span.start && s.start <= span.end)
                && f.rule.meta().predicts.contains(&sqlstate.as_str())
        });
        if let Some(target) = predicted {
            merged.push((i, target));
        }
    }
    for (failure, target) in merged.iter().rev() {
        let evidence = findings[*failure].evidence.clone();
        let consequence = evidence.iter().find_map(|e| match e {
            Evidence::Apply { consequence, .. } => consequence.clone(),
            _ => None,
        });
        let f = &mut findings[*target];
        if let Some(consequence) = consequence {
            f.message = format!("{}; when applied, {consequence}", f.message);
        }
        f.evidence.extend(evidence);
    }
    let drop: Vec<usize> = merged.iter().map(|(failure, _)| *failure).collect();
    let mut index = 0;
    findings.retain(|_| {
        let keep = !drop.contains(&index);
        index += 1;
        keep
    });
}

/// Adds the schema diff as evidence to the destructive finding about each removed table,
/// column or schema (matched by object). A removal that no finding is about is the
/// `destructive-change` rule's.
pub fn merge_schema_changes(findings: &mut [Finding], changes: &[Change]) {
    for change in diff::destructive_removals(changes) {
        let Some(subject) = change.subject() else {
            continue;
        };
        let evidence = Evidence::Diff {
            summary: format!("{} {} removed", change.kind.as_str(), change.name),
        };
        let covered = findings.iter_mut().find(|f| f.destroys(&subject));
        if let Some(f) = covered
            && !f.evidence.contains(&evidence)
        {
            f.evidence.push(evidence);
        }
    }
}
