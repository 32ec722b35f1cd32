use crate::lint::state::AddedColumn;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::expression::{self, Value};
use crate::sql::model::{Action, AlterTableOp, ConstraintKind};

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
        let (table, keys) = match cx.action() {
            Action::CreateIndex {
                table,
                unique: true,
                columns,
                ..
            } => (table, vec![(columns.clone(), None)]),
            Action::AlterTable { table, ops } => {
                let keys = ops
                    .iter()
                    .filter_map(|op| match op {
                        AlterTableOp::AddConstraint { constraint, .. }
                            if matches!(
                                constraint.kind,
                                ConstraintKind::Unique | ConstraintKind::PrimaryKey
                            ) =>
                        {
                            Some((constraint.columns.clone(), None))
                        }
                        AlterTableOp::AddColumn(column) if column.unique || column.primary_key => {
                            Some((vec![column.name.clone()], Some(column)))
                        }
                        _ => None,
                    })
                    .collect();
                (table, keys)
            }
            _ => return,
        };
        if !cx.is_existing_table(table) {
            return;
        }
        for (columns, inline) in keys {
            let old_rows = |c: &String| match inline {
                Some(column) => Some(AddedColumn {
                    default: column.default.as_ref().map(|d| d.text.clone()),
                    not_null: column.not_null,
                    ..AddedColumn::default()
                }),
                None => cx
                    .state
                    .added_columns
                    .get(&(table.key(), c.clone()))
                    .cloned(),
            };
            let added: Option<Vec<AddedColumn>> = columns.iter().map(old_rows).collect();
            let Some(added) = added else {
                out.push(Hit::new(
                    format!(
                        "makes ({}) unique on {table}, which already has data: one \
                        duplicate in production makes this fail there",
                        columns.join(", ")
                    ),
                    "Look for duplicates in production first and remove them in an earlier \
                    deploy.",
                ));
                continue;
            };
            // Columns this change added hold their default on every old row: NULL (which
            // never collides) or a value per row (`gen_random_uuid()`) keep the key unique.
            let held: Option<Vec<Value>> = added
                .iter()
                .map(|a| expression::constant(a.old_rows_hold()?))
                .collect();
            if held.is_none_or(|held| held.contains(&Value::Null)) {
                continue;
            }
            let defaults = columns
                .iter()
                .zip(&added)
                .map(|(c, a)| format!("{c} = {}", a.default.as_deref().unwrap_or("NULL")))
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
