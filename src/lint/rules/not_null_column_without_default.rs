use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags a `NOT NULL` column without a `DEFAULT` added to an existing table.
    ///
    /// ## Why it matters
    /// If the table has any rows, the statement fails: the existing rows would have NULL in a
    /// NOT NULL column. It passes on an empty development database and fails in production.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD COLUMN country text NOT NULL;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE users ADD COLUMN country text NOT NULL DEFAULT 'unknown';
    /// ```
    /// or add it nullable, backfill, and then set NOT NULL (see `set-not-null-without-check`).
    pub struct NotNullColumnWithoutDefault {
        name: "not-null-column-without-default",
        category: DataDependent,
        severity: Error,
        aliases: ["adding-required-field", "MF103"],
    }
}

impl Rule for NotNullColumnWithoutDefault {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::AddColumn(c) = op else {
                continue;
            };
            let filled = c.default.is_some()
                || c.identity
                || c.generated_stored
                || c.data_type
                    .as_ref()
                    .is_some_and(|t| t.base.ends_with("serial"));
            if c.not_null && !filled {
                out.push(Hit::new(
                    format!(
                        "adds {table}.{} as NOT NULL without a default: it fails as soon \
                        as {table} has a row",
                        c.name
                    ),
                    "Give the column a DEFAULT, or add it nullable, backfill it, \
                        then set NOT NULL.",
                ));
            }
        }
    }
}
