use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER COLUMN ... SET NOT NULL` on an existing table when no validated
    /// `CHECK (column IS NOT NULL)` constraint exists for it earlier in the change.
    ///
    /// ## Why it matters
    /// Postgres scans the whole table to prove there are no NULLs while holding an ACCESS
    /// EXCLUSIVE lock. Since Postgres 12 it skips the scan when a valid CHECK constraint already
    /// proves it.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
    /// ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
    /// ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    /// ALTER TABLE users DROP CONSTRAINT users_email_not_null;
    /// ```
    pub struct SetNotNullWithoutCheck {
        name: "set-not-null-without-check",
        category: BlockingLock,
        severity: Error,
        aliases: ["adding-not-nullable-field", "MF104"],
    }
}

impl Rule for SetNotNullWithoutCheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::SetNotNull { column } = op else {
                continue;
            };
            let key = (table.key(), column.clone());
            if cx.state.added_columns.contains_key(&key) {
                continue;
            }
            if cx.state.not_null_checks.contains(&key) && cx.settings.postgres_version >= 12 {
                continue;
            }
            out.push(Hit::new(
                format!(
                    "SET NOT NULL on {table}.{column} scans the whole table for \
                    NULLs under an ACCESS EXCLUSIVE lock: no reads or writes until \
                    the scan ends, which grows with the table's size"
                ),
                format!(
                    "First add `CHECK ({column} IS NOT NULL) NOT VALID` and VALIDATE \
                    it in a separate transaction; SET NOT NULL then skips the scan \
                    (Postgres 12+)."
                ),
            ));
        }
    }
}
