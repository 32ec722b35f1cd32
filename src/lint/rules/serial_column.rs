use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags a `serial`/`bigserial` column (or an identity column) added to an existing table.
    ///
    /// ## Why it matters
    /// The column's default is `nextval(...)`, a volatile function: Postgres fills every existing
    /// row with its own value, rewriting the table under an ACCESS EXCLUSIVE lock.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE events ADD COLUMN seq bigserial;
    /// ```
    ///
    /// ## Use instead
    /// Add a nullable `bigint` column, create the sequence and set the default separately, and
    /// backfill existing rows in batches.
    pub struct SerialColumn {
        name: "serial-column",
        category: TableRewrite,
        severity: Error,
        aliases: [],
    }
}

impl Rule for SerialColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::AddColumn(column) = op else {
                continue;
            };
            let serial = column
                .data_type
                .as_ref()
                .is_some_and(|t| t.base.ends_with("serial"));
            if serial || column.identity {
                out.push(Hit::new(
                    format!(
                        "adds {table}.{} with a sequence default: every existing row \
                        gets its own value, rewriting the table under an ACCESS \
                        EXCLUSIVE lock",
                        column.name
                    ),
                    "Add a nullable bigint column, attach a sequence default \
                        separately, and backfill in batches.",
                ));
            }
        }
    }
}
