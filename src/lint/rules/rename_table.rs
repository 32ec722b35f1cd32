use super::existing_table_ops;
use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags renaming an existing table (`ALTER TABLE ... RENAME TO`).
    ///
    /// ## Why it matters
    /// Application instances still running the previous release fail on every query that uses
    /// the old name from the moment the migration commits until they are replaced.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers RENAME TO accounts;
    /// ```
    ///
    /// ## Use instead
    /// Create the new table (or an updatable view with the new name), move code over in a
    /// deploy, then drop the old name in a later change.
    pub struct RenameTable {
        name: "rename-table",
        category: BackwardIncompatible,
        severity: Warning,
        aliases: ["renaming-table", "BC101", "backward_incompatible"],
    }
}

impl Rule for RenameTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        if let Some((table, ops)) = existing_table_ops(cx) {
            for op in ops {
                if let AlterTableOp::RenameTable { to } = op {
                    out.push(
                        Hit::new(
                            format!(
                                "renames {table} to {to}: running code that still uses {table} \
                            fails until every instance is redeployed"
                            ),
                            format!(
                                "Keep the old name working during the deploy (e.g. `CREATE VIEW \
                            {table} AS SELECT * FROM {to}`), and drop it in a later change."
                            ),
                        )
                        .about(table.subject(SubjectKind::Table)),
                    );
                }
            }
        }
    }
}
