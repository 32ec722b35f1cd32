use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags `CREATE INDEX` without `CONCURRENTLY` on a table that existed before this change.
    ///
    /// ## Why it matters
    /// A plain `CREATE INDEX` holds a SHARE lock on the table for the whole build: every INSERT,
    /// UPDATE and DELETE waits until the index is built, which takes time proportional to the
    /// table's size (minutes on tens of millions of rows).
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// ```
    /// It cannot run inside a transaction: put it in a migration of its own that your framework
    /// runs without one. If it fails, drop the INVALID index it leaves and retry.
    pub struct CreateIndexWithoutConcurrently {
        name: "create-index-without-concurrently",
        category: BlockingLock,
        severity: Error,
        aliases: ["require-concurrent-index-creation", "PG101", "concurrent_index"],
    }
}

impl Rule for CreateIndexWithoutConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Action::CreateIndex {
            table,
            concurrently: false,
            ..
        } = cx.action()
            && cx.is_existing_table(table)
        {
            let hit = Hit::new(
                format!(
                    "builds an index on {table} under a SHARE lock: all writes to \
                        the table wait until the build finishes, which grows with the \
                        table's size"
                ),
                "Use CREATE INDEX CONCURRENTLY, in a migration that runs outside \
                        a transaction.",
            );
            out.push(hit.with_fix(cx.insert_after_word("index", "CONCURRENTLY")));
        }
    }
}
