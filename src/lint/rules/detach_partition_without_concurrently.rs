use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... DETACH PARTITION` without `CONCURRENTLY`.
    ///
    /// ## Why it matters
    /// A plain detach takes an ACCESS EXCLUSIVE lock on the partitioned parent: every query on
    /// any partition waits behind it, and it waits behind every running one.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE events DETACH PARTITION events_2023;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
    /// ```
    /// (Postgres 14 and later), outside a transaction.
    pub struct DetachPartitionWithoutConcurrently {
        name: "detach-partition-without-concurrently",
        category: BlockingLock,
        severity: Error,
        aliases: [],
    }
}

impl Rule for DetachPartitionWithoutConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            if let AlterTableOp::DetachPartition {
                partition,
                concurrently: false,
            } = op
            {
                let hit = Hit::new(
                    format!(
                        "detaches {partition} under an ACCESS EXCLUSIVE lock on {table}: \
                        all queries on the partitioned table wait"
                    ),
                    "Use DETACH PARTITION ... CONCURRENTLY (Postgres 14+), outside a transaction.",
                );
                let fix = (cx.settings.postgres_version >= 14)
                    .then(|| cx.replace_statement(format!("{} CONCURRENTLY", cx.text())));
                out.push(hit.with_fix(fix));
            }
        }
    }
}
