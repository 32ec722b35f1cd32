use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags a `GENERATED ALWAYS AS (...) STORED` column added to an existing table.
    ///
    /// ## Why it matters
    /// Postgres computes the value for every existing row, rewriting the whole table under an
    /// ACCESS EXCLUSIVE lock.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;
    /// ```
    ///
    /// ## Use instead
    /// Add a plain column, fill it with a trigger for new rows and a batched backfill for old
    /// ones; or compute the value in a view or in the query.
    pub struct StoredGeneratedColumn {
        name: "stored-generated-column",
        category: TableRewrite,
        severity: Error,
        aliases: ["adding-field-with-default"],
    }
}

impl Rule for StoredGeneratedColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            if let AlterTableOp::AddColumn(column) = op
                && column.generated_stored
            {
                out.push(Hit::new(
                    format!(
                        "adds the stored generated column {table}.{}: every row is \
                            rewritten under an ACCESS EXCLUSIVE lock",
                        column.name
                    ),
                    "Add a plain column and fill it with a trigger plus a batched \
                            backfill, or compute it in a view.",
                ));
            }
        }
    }
}
