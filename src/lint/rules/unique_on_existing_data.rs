use crate::lint::state::{AddedColumn, Filled};
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::expression;
use crate::sql::model::{Action, AlterTableOp, ConstraintKind};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Flags a unique index or UNIQUE/PRIMARY KEY constraint on columns of an existing table
    /// that were there before, and one on columns this change added with the same default
    /// for every row (`ADD COLUMN code text DEFAULT 'x' UNIQUE`: every old row holds `'x'`).
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
        let (table, keys, added_here) = match cx.action() {
            Action::CreateIndex {
                partial,
                table,
                unique: true,
                columns,
                ..
            } => (
                table,
                vec![(columns.clone(), false, *partial)],
                HashMap::new(),
            ),
            Action::AlterTable { table, ops } => {
                let mut keys = Vec::new();
                // Columns added by this statement, before the constraint or with it.
                let mut added_here = HashMap::new();
                for op in ops {
                    match op {
                        AlterTableOp::AddConstraint { constraint, .. }
                            if matches!(
                                constraint.kind,
                                ConstraintKind::Unique | ConstraintKind::PrimaryKey
                            ) =>
                        {
                            keys.push((constraint.columns.clone(), false, false));
                        }
                        AlterTableOp::AddColumn(column) => {
                            added_here.insert(column.name.clone(), AddedColumn::of(column));
                            if column.unique || column.primary_key {
                                keys.push((
                                    vec![column.name.clone()],
                                    column.nulls_not_distinct,
                                    false,
                                ));
                            }
                        }
                        _ => {}
                    }
                }
                (table, keys, added_here)
            }
            _ => return,
        };
        if !cx.is_existing_table(table) {
            return;
        }
        for (columns, nulls_collide, partial) in keys {
            let old_rows = |c: &String| {
                added_here.get(c).cloned().or_else(|| {
                    cx.state
                        .added_columns
                        .get(&(table.key(), c.clone()))
                        .cloned()
                })
            };
            let added: Option<Vec<AddedColumn>> = columns.iter().map(old_rows).collect();
            let generic = Hit::new(
                format!(
                    "makes ({}) unique on {table}, which already has data: one \
                    duplicate in production makes this fail there",
                    columns.join(", ")
                ),
                "Look for duplicates in production first and remove them in an earlier \
                deploy.",
            );
            let Some(added) = added else {
                out.push(generic);
                continue;
            };
            // Columns this change added: an UPDATE since leaves old rows Drydock cannot see.
            if added.iter().any(|a| a.updated) {
                out.push(generic);
                continue;
            }
            // Each old row holds the default: NULL never collides (unless NULLS NOT DISTINCT),
            // nor does a value per row (`gen_random_uuid()`, a sequence); a constant or `now()`
            // is the same on every row.
            // A partial index holds only the rows its WHERE selects, which the defaults may
            // not be (`WHERE is_default` over `DEFAULT false`): not decided here.
            let distinct = partial
                || added.iter().any(|a| {
                    a.filled != Filled::Default
                        || (a.default_is_null() && !nulls_collide)
                        || a.default
                            .as_deref()
                            .is_some_and(|d| expression::same_on_every_row(d) != Some(true))
                });
            if distinct {
                continue;
            }
            let defaults = columns
                .iter()
                .zip(&added)
                .map(|(c, a)| format!("{c} = {}", a.default_sql()))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Hit::new(
                format!(
                    "makes ({}) unique on {table}: every row already there holds the same \
                    default of the column this change added ({defaults}), so the statement \
                    fails if {table} has more than one row",
                    columns.join(", ")
                ),
                "Add the column without a default (NULLs never collide) or with one that \
                differs per row (`gen_random_uuid()`), fill it, then make it unique.",
            ));
        }
    }
}
