use super::existing_table_ops;
use crate::finding::SubjectKind;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Flags renaming a column of an existing table.
    ///
    /// ## Why it matters
    /// Running code that still uses the old column name fails on every query from the moment the
    /// migration commits until every instance runs the new release.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users RENAME COLUMN name TO full_name;
    /// ```
    ///
    /// ## Use instead
    /// Add the new column, write to both, backfill, move reads over, and drop the old column in a
    /// later change.
    pub struct RenameColumn {
        name: "rename-column",
        category: BackwardIncompatible,
        severity: Warning,
        aliases: ["renaming-column", "BC102", "backward_incompatible"],
    }
}

impl Rule for RenameColumn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            if let AlterTableOp::RenameColumn { from, to } = op {
                if cx
                    .state
                    .added_columns
                    .contains_key(&(table.key(), from.clone()))
                {
                    continue;
                }
                out.push(
                    Hit::new(
                        format!(
                            "renames {table}.{from} to {to}: running code that still uses \
                        {from} fails until every instance is redeployed"
                        ),
                        "Add the new column, write both, backfill, switch reads, and \
                        drop the old column later.",
                    )
                    .about(table.member(SubjectKind::Column, from)),
                );
            }
        }
    }
}
