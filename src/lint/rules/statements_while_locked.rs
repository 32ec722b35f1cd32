use crate::lint::work::slow_work;
use crate::lint::{Context, Hit, Rule, RuleId, RuleMeta, TraceContext};

declare_rule! {
    /// ## What it does
    /// Flags statements that do slow work on a table that existed before the change (a scan, a
    /// rewrite, an index build, a data change) after an earlier statement in the same
    /// transaction took an ACCESS EXCLUSIVE lock on an existing table. Catalog-only steps
    /// (`ADD CONSTRAINT ... USING INDEX`, a `NOT VALID` constraint, a rename) and work on tables
    /// the change creates are instant, and not flagged.
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
        // Only work that grows with an existing table's data keeps the lock long: a
        // catalog-only step (a `USING INDEX` constraint, a rename) or work on a table the
        // change creates is instant.
        let Some((work, table)) = slow_work(cx) else {
            return;
        };
        out.push(Hit::new(
            format!(
                "{} {table} while this transaction still holds ACCESS EXCLUSIVE \
                    on {locked}: reads and writes on {locked} stay blocked until it \
                    and everything after it finish",
                work.describe()
            ),
            "Commit right after the locking statement; do this work in a \
                    separate transaction or migration.",
        ));
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
        let mut work = Vec::new();
        if !fx.rewritten.is_empty() {
            work.push(format!("rewrote {}", fx.rewritten.join(", ")));
        }
        if !fx.rebuilt_indexes.is_empty() {
            work.push(format!("rebuilt {}", fx.rebuilt_indexes.join(", ")));
        }
        out.push(
            Hit::new(
                format!(
                    "this statement {} while ACCESS EXCLUSIVE on {} was held from \
                        earlier in the transaction: reads and writes on it stay blocked \
                        until that work and the transaction finish",
                    work.join(" and "),
                    fx.ran_under_exclusive.join(", ")
                ),
                "Commit right after the locking statement; do this work in a \
                    separate transaction or migration.",
            )
            .with_evidence(vec![evidence]),
        );
    }
}
