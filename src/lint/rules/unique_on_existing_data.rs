use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, AlterTableOp, ConstraintKind};

declare_rule! {
    /// ## What it does
    /// Flags a unique index or UNIQUE/PRIMARY KEY constraint on columns of an existing table
    /// (columns this change did not add).
    ///
    /// ## Why it matters
    /// Whether it succeeds depends on the data: one duplicate in production makes the migration
    /// fail there, though it passed on every test database. With `CONCURRENTLY`, the failure
    /// leaves an INVALID index behind that still slows down writes.
    ///
    /// ## Example
    /// ```sql
    /// CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    /// ```
    ///
    /// ## Use instead
    /// Check for duplicates first (`SELECT email, count(*) FROM users GROUP BY 1 HAVING
    /// count(*) > 1`) and clean them up in an earlier deploy; then add the index.
    pub struct UniqueOnExistingData {
        name: "unique-on-existing-data",
        category: DataDependent,
        severity: Warning,
        aliases: ["MF101", "MF102"],
    }
}

impl Rule for UniqueOnExistingData {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let (table, columns) = match cx.action() {
            Action::CreateIndex {
                table,
                unique: true,
                columns,
                ..
            } => (table, columns.clone()),
            Action::AlterTable { table, ops } => {
                let Some(columns) = ops.iter().find_map(|op| match op {
                    AlterTableOp::AddConstraint { constraint, .. }
                        if matches!(
                            constraint.kind,
                            ConstraintKind::Unique | ConstraintKind::PrimaryKey
                        ) =>
                    {
                        Some(constraint.columns.clone())
                    }
                    _ => None,
                }) else {
                    return;
                };
                (table, columns)
            }
            _ => return,
        };
        if !cx.is_existing_table(table)
            || columns
                .iter()
                .all(|c| cx.state.added_columns.contains(&(table.key(), c.clone())))
        {
            return;
        }
        out.push(Hit::new(
            format!(
                "makes ({}) unique on {table}, which already has data: one \
                duplicate in production makes this fail there",
                columns.join(", ")
            ),
            "Look for duplicates in production first and remove them in an earlier deploy.",
        ));
    }
}
