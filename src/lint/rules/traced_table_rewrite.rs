use crate::finding::{Category, Finding, Subject};
use crate::lint::{Hit, Rule, RuleId, RuleMeta, TraceContext};

declare_rule! {
    /// ## What it does
    /// Reported by `drydock check` when a statement rewrote an existing table (its storage,
    /// `pg_class.relfilenode`, changed) and no static rule had flagged the statement: typically
    /// a DO block, a function call or a statement form the static rules do not recognise.
    ///
    /// ## Why it matters
    /// A rewrite copies the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock:
    /// no reads or writes for as long as the copy takes, which grows with the table's size.
    ///
    /// ## Example
    /// ```sql
    /// DO $$ BEGIN
    ///   EXECUTE 'ALTER TABLE orders ALTER COLUMN id TYPE bigint';
    /// END $$;
    /// ```
    ///
    /// ## Use instead
    /// Make the change without a rewrite: add a new column, backfill it in batches, and switch
    /// over; or schedule the rewrite in a maintenance window.
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN id_new bigint;
    /// -- backfill in batches, then swap in a later migration
    /// ```
    pub struct TracedTableRewrite {
        name: "traced-table-rewrite",
        category: TableRewrite,
        severity: Error,
        aliases: [],
    }
}

impl Rule for TracedTableRewrite {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_trace(&self, cx: &TraceContext, out: &mut Vec<Hit>) {
        let trace = cx.trace;
        let (Some(evidence), Some(first)) = (trace.evidence(), trace.effects.rewritten.first())
        else {
            return;
        };
        let explained = cx
            .findings
            .iter()
            .any(|f| trace.is_about(f) && says_it_rewrites(f));
        if explained {
            return;
        }
        out.push(
            Hit::new(
                format!(
                    "this statement rewrote {} when applied: the table is copied \
                        under an ACCESS EXCLUSIVE lock, blocking all reads and writes \
                        for as long as the copy takes, which grows with its size",
                    trace.effects.rewritten.join(", ")
                ),
                "Make the change without a rewrite (add a column, backfill in \
                    batches, switch over), or schedule it in a maintenance window.",
            )
            .about(Subject::relation(first))
            .with_evidence(vec![evidence]),
        );
    }
}

/// Whether a static finding already says the statement rewrites (or empties) a table.
fn says_it_rewrites(f: &Finding) -> bool {
    matches!(f.category, Category::TableRewrite | Category::Destructive)
        || f.rule == RuleId::VacuumFullOrCluster
}
