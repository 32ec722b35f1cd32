use crate::lint::{Context, Hit, Rule, RuleId, RuleMeta, TraceContext};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags statements that do real work (index builds, data changes, constraint checks)
    /// after an earlier statement in the same transaction took an ACCESS EXCLUSIVE lock on an
    /// existing table.
    ///
    /// ## Why it matters
    /// Locks are held until the transaction ends. The table stays unreadable and unwritable for
    /// as long as everything after the locking statement takes, not just the instant the
    /// locking statement needs.
    ///
    /// ## Example
    /// ```sql
    /// BEGIN;
    /// ALTER TABLE orders ADD COLUMN archived boolean;
    /// UPDATE orders SET archived = false WHERE created_at < now() - interval '1 year';
    /// COMMIT;
    /// ```
    ///
    /// ## Use instead
    /// Commit right after the locking statement, and do the slow work in its own transaction
    /// or migration.
    pub struct StatementsWhileLocked {
        name: "statements-while-locked",
        category: BlockingLock,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for StatementsWhileLocked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some(locked) = &cx.state.access_exclusive_held else {
            return;
        };
        if !cx.in_transaction() {
            return;
        }
        // Work on a table created in this change is instant: it is empty.
        let slow = match cx.action() {
            Action::CreateIndex { table, .. }
            | Action::Update { table, .. }
            | Action::Delete { table, .. } => cx.is_existing_table(table),
            Action::Other { verb, .. } => verb.starts_with("INSERT") || verb.starts_with("DO"),
            Action::AlterTable { ops, .. } => ops.iter().any(|op| {
                use crate::sql::model::AlterTableOp::*;
                matches!(op, ValidateConstraint { .. } | SetNotNull { .. })
                    || matches!(
                        op,
                        AddConstraint {
                            not_valid: false,
                            ..
                        }
                    )
            }),
            _ => false,
        };
        if slow {
            out.push(Hit::new(
                format!(
                    "runs while this transaction still holds ACCESS EXCLUSIVE on \
                    {locked}: reads and writes on {locked} stay blocked until it \
                    and everything after it finish"
                ),
                "Commit right after the locking statement; do this work in a \
                    separate transaction or migration.",
            ));
        }
    }
    /// What the trace shows: a rewrite (work that grows with the data) while an earlier
    /// statement's ACCESS EXCLUSIVE lock is still held.
    fn check_trace(&self, cx: &TraceContext, out: &mut Vec<Hit>) {
        let trace = cx.trace;
        let fx = &trace.effects;
        let Some(evidence) = trace.evidence() else {
            return;
        };
        let heavy = !fx.rewritten.is_empty() || !fx.rebuilt_indexes.is_empty();
        let reported = cx
            .findings
            .iter()
            .any(|f| trace.is_about(f) && f.rule == RuleId::StatementsWhileLocked);
        if !heavy || fx.ran_under_exclusive.is_empty() || reported {
            return;
        }
        out.push(
            Hit::new(
                format!(
                    "this statement rewrote {} while ACCESS EXCLUSIVE on {} was held \
                        from earlier in the transaction: reads and writes on it stay \
                        blocked until the rewrite and the transaction finish",
                    fx.rewritten
                        .iter()
                        .chain(&fx.rebuilt_indexes)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    fx.ran_under_exclusive.join(", ")
                ),
                "Commit right after the locking statement; do the rewrite in a \
                    separate transaction or migration.",
            )
            .with_evidence(vec![evidence]),
        );
    }
}
