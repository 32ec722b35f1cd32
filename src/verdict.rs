//! Verdict: merges traced evidence into the findings, applies configuration (rule levels) and ignore comments to the findings, orders
//! them, and decides whether the change passes.

use crate::apply::StatementTrace;
use crate::config::Config;
use crate::diff::{Change, ObjectKind};
use crate::finding::{Category, Evidence, Finding, FindingLocation, Severity};
use crate::lint::{self, Hit, Suppression, rules};

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

/// Folds what the apply stage saw into the findings: trace evidence onto the findings about the
/// same statement, and findings for hazards the static rules missed (a DO block that rewrites a
/// table, a lock taken with no lock_timeout). One hazard, one finding.
pub fn merge_traces(findings: &mut Vec<Finding>, traces: &[StatementTrace]) {
    for trace in traces {
        let Some(summary) = trace.effects.summary() else {
            continue;
        };
        let evidence = Evidence::Trace {
            summary: summary.clone(),
            locks: trace.effects.locks.clone(),
            rewritten: trace.effects.rewritten.clone(),
            duration_ms: trace.duration.as_millis() as u64,
        };
        let about_statement = |f: &Finding| {
            f.file == trace.file
                && f.span
                    .is_some_and(|s| s.start >= trace.span.start && s.start <= trace.span.end)
        };
        let mut raised = Vec::new();
        let fx = &trace.effects;
        if !fx.rewritten.is_empty()
            && !findings
                .iter()
                .any(|f| about_statement(f) && covers_rewrite(f))
        {
            raised.push(traced_finding(
                "traced-table-rewrite",
                trace,
                format!(
                    "this statement rewrote {} when applied: the table is copied under an ACCESS EXCLUSIVE lock, blocking all reads and writes for as long as the copy takes, which grows with its size",
                    fx.rewritten.join(", ")
                ),
                "Make the change without a rewrite (add a column, backfill in batches, switch over), or schedule it in a maintenance window.",
            ));
        }
        let same_rule_in_file = |rule: &str| {
            findings
                .iter()
                .any(|f| f.file == trace.file && f.rule == rule)
        };
        if let Some(lock) = fx.blocking_lock()
            && !trace.lock_timeout_set
            && !same_rule_in_file("missing-lock-timeout")
        {
            raised.push(traced_finding(
                "missing-lock-timeout",
                trace,
                format!(
                    "this statement took {} on {} with no lock_timeout set: if another session holds a conflicting lock it waits, and {} queue behind it",
                    lock.mode.name(),
                    lock.relation,
                    lock.mode.blocks()
                ),
                "Set a lock timeout first (`SET lock_timeout = '5s';`) so the migration fails fast instead of stalling traffic, and retry it.",
            ));
        }
        // Holding a lock matters when the work done under it grows with the data: a rewrite.
        let heavy = !fx.rewritten.is_empty() || !fx.rebuilt_indexes.is_empty();
        if heavy
            && !fx.ran_under_exclusive.is_empty()
            && !findings
                .iter()
                .any(|f| about_statement(f) && f.rule == "statements-while-locked")
        {
            raised.push(traced_finding(
                "statements-while-locked",
                trace,
                format!(
                    "this statement rewrote {} while ACCESS EXCLUSIVE on {} was held from earlier in the transaction: reads and writes on it stay blocked until the rewrite and the transaction finish",
                    fx.rewritten.iter().chain(&fx.rebuilt_indexes).cloned().collect::<Vec<_>>().join(", "),
                    fx.ran_under_exclusive.join(", ")
                ),
                "Commit right after the locking statement; do the rewrite in a separate transaction or migration.",
            ));
        }
        for f in findings.iter_mut().filter(|f| about_statement(f)) {
            if f.category != Category::Hygiene && !f.evidence.contains(&evidence) {
                f.evidence.push(evidence.clone());
            }
        }
        for mut f in raised {
            f.evidence = vec![evidence.clone()];
            findings.push(f);
        }
    }
}

/// Whether a static finding already says the statement rewrites (or empties) a table.
fn covers_rewrite(f: &Finding) -> bool {
    matches!(f.category, Category::TableRewrite | Category::Destructive)
        || f.rule == "vacuum-full-or-cluster"
}

fn traced_finding(rule: &str, trace: &StatementTrace, message: String, help: &str) -> Finding {
    let meta = rules::by_name(rule).expect("registered").meta();
    lint::finding(
        meta,
        FindingLocation {
            file: trace.file.clone(),
            span: Some(trace.span),
            start: trace.start,
            end: trace.end,
        },
        Hit::new(message, help),
    )
}

/// Static rules that predict a Postgres error, by SQLSTATE: when the statement fails with it,
/// the static finding gets the error as evidence instead of a second finding.
const PREDICTED_ERRORS: &[(&str, &str)] = &[
    ("25001", "concurrently-in-transaction"),
    ("55P04", "enum-value-used-in-transaction"),
    ("42601", "syntax-error"),
];

/// Folds `migration-fails` findings into the static finding that predicted the same error at
/// the same statement, keeping what the failure adds (what was not applied).
pub fn merge_failures(findings: &mut Vec<Finding>) {
    let mut merged = Vec::new();
    for (i, failure) in findings.iter().enumerate() {
        let (Some(span), Some(Evidence::Apply { sqlstate, .. })) = (
            failure.span.filter(|_| failure.rule == "migration-fails"),
            failure.evidence.first(),
        ) else {
            continue;
        };
        let predicted = findings.iter().position(|f| {
            f.file == failure.file
                && f.span
                    .is_some_and(|s| s.start >= span.start && s.start <= span.end)
                && PREDICTED_ERRORS.contains(&(sqlstate.as_str(), f.rule))
        });
        if let Some(target) = predicted {
            merged.push((i, target));
        }
    }
    for (failure, target) in merged.iter().rev() {
        let consequence = findings[*failure]
            .message
            .split_once("; ")
            .map(|(_, rest)| rest.to_string());
        let evidence = findings[*failure].evidence.clone();
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

/// A destructive change the schema diff shows (a table, column or schema gone) blocks the merge
/// even when no statement was flagged for it (a DROP inside a DO block or a function). When a
/// static finding already names the object, it gets the diff as evidence instead. `file` is
/// where an unattributed finding points: the first migration under review.
/// A removal with no static finding is attributed to the statement that took ACCESS EXCLUSIVE
/// on its table (the DO block that dropped it), else to `file`.
pub fn merge_schema_changes(
    findings: &mut Vec<Finding>,
    changes: &[Change],
    traces: &[StatementTrace],
    file: &str,
) {
    let removed_tables: Vec<&str> = changes
        .iter()
        .filter(|c| c.destructive && c.kind == ObjectKind::Table)
        .map(|c| c.name.as_str())
        .collect();
    for change in changes.iter().filter(|c| c.destructive) {
        // A dropped table's columns go with it: one finding, for the table.
        if change.kind == ObjectKind::Column
            && change
                .name
                .rsplit_once('.')
                .is_some_and(|(table, _)| removed_tables.contains(&table))
        {
            continue;
        }
        let summary = format!("{} {} removed", change.kind.as_str(), change.name);
        let evidence = Evidence::Diff {
            summary: summary.clone(),
        };
        // "public.orders.total" is named "orders.total" (or "public.orders.total") statically.
        let bare = match change.kind {
            ObjectKind::Column => change
                .name
                .split_once('.')
                .map_or(change.name.as_str(), |(_, rest)| rest),
            _ => change.name.rsplit('.').next().unwrap_or(&change.name),
        };
        let covered = findings
            .iter_mut()
            .find(|f| f.category == Category::Destructive && names(&f.message, bare));
        match covered {
            Some(f) => f.evidence.push(evidence),
            None => {
                let meta = rules::by_name("destructive-change")
                    .expect("registered")
                    .meta();
                let table = match change.kind {
                    ObjectKind::Column => change.name.rsplit_once('.').map(|(t, _)| t),
                    _ => Some(change.name.as_str()),
                };
                let location = traces
                    .iter()
                    .find(|t| {
                        t.effects.locks.iter().any(|l| {
                            Some(l.relation.as_str()) == table
                                && l.mode == crate::sql::model::LockMode::AccessExclusive
                        })
                    })
                    .map_or_else(
                        || Finding::for_file(file),
                        |t| FindingLocation {
                            file: t.file.clone(),
                            span: Some(t.span),
                            start: t.start,
                            end: t.end,
                        },
                    );
                let mut f = lint::finding(
                    meta,
                    location,
                    Hit::new(
                        format!(
                            "applying the migrations removed {} {}, though no statement was recognised as dropping it (a DROP inside a DO block or a function?): its data is deleted for good",
                            change.kind.as_str(),
                            change.name
                        ),
                        "Make the drop explicit in the migration, after every use of it is gone from the code, and have a maintainer approve it with the override label.",
                    ),
                );
                f.evidence = vec![evidence];
                findings.push(f);
            }
        }
    }
}

/// Whether `message` names the object `bare` as a word (not as part of a longer name).
fn names(message: &str, bare: &str) -> bool {
    message.match_indices(bare).any(|(i, _)| {
        let before = message[..i].chars().next_back();
        let after = message[i + bare.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        boundary(before) && boundary(after) && before != Some('.')
    })
}
