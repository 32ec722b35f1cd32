use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, ObjectKind};

declare_rule! {
    /// ## What it does
    /// Flags `DROP INDEX` without `CONCURRENTLY`.
    ///
    /// ## Why it matters
    /// A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself
    /// is quick, but it first waits behind every running query on the table, and every new query
    /// queues behind it: a long report query turns into an outage.
    ///
    /// ## Example
    /// ```sql
    /// DROP INDEX orders_status_idx;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
    /// ```
    /// outside a transaction.
    pub struct DropIndexWithoutConcurrently {
        name: "drop-index-without-concurrently",
        category: BlockingLock,
        severity: Error,
        aliases: ["require-concurrent-index-deletion", "PG102", "concurrent_index"],
    }
}

impl Rule for DropIndexWithoutConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Action::Drop {
            kind: ObjectKind::Index,
            names,
            concurrently: false,
            ..
        } = cx.action()
        else {
            return;
        };
        if names
            .iter()
            .all(|n| cx.state.created_indexes.contains(&n.key()))
        {
            return;
        }
        let list = names
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let hit = Hit::new(
            format!(
                "drops index {list} under an ACCESS EXCLUSIVE lock on its table: \
                it waits for running queries, and all reads and writes queue \
                behind it"
            ),
            "Use DROP INDEX CONCURRENTLY, outside a transaction.",
        );
        out.push(hit.with_fix(cx.insert_after_word("index", "CONCURRENTLY")));
    }
}
