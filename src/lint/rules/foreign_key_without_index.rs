use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{Action, AlterTableOp, ConstraintKind, Name};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key whose referencing columns have no index created in the same change
    /// (or with the table).
    ///
    /// ## Why it matters
    /// Deleting or updating a referenced row makes Postgres look up referencing rows; without an
    /// index that is a sequential scan of the referencing table for every such row, and joins on
    /// the key are slow.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// ```
    pub struct ForeignKeyWithoutIndex {
        name: "foreign-key-without-index",
        category: Hygiene,
        severity: Info,
        aliases: [],
    }
}

impl Rule for ForeignKeyWithoutIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let mut keys: Vec<(&Name, Vec<String>)> = Vec::new();
        match cx.action() {
            Action::CreateTable { table, columns, constraints, .. } => {
                keys.extend(columns.iter().filter(|c| c.references.is_some()).map(|c| (table, vec![c.name.clone()])));
                keys.extend(constraints.iter().filter(|c| matches!(c.kind, ConstraintKind::ForeignKey { .. })).map(|c| (table, c.columns.clone())));
            }
            Action::AlterTable { table, ops } => {
                for op in ops {
                    match op {
                        AlterTableOp::AddConstraint { constraint, .. } if matches!(constraint.kind, ConstraintKind::ForeignKey { .. }) => {
                            keys.push((table, constraint.columns.clone()));
                        }
                        AlterTableOp::AddColumn(c) if c.references.is_some() => keys.push((table, vec![c.name.clone()])),
                        _ => {}
                    }
                }
            }
            _ => return,
        }
        for (table, columns) in keys {
            let indexed = cx.state.indexed_columns.get(&table.key()).is_some_and(|indexes| {
                indexes.iter().any(|ix| ix.len() >= columns.len() && ix[..columns.len()] == columns[..])
            });
            if !indexed && !columns.is_empty() {
                out.push(Hit::new(
                    format!("foreign key {table} ({}) has no index on its columns in this change: deletes on the referenced table scan {table}", columns.join(", ")),
                    format!("Add `CREATE INDEX CONCURRENTLY ON {table} ({})` unless one already exists.", columns.join(", ")),
                ));
            }
        }
    }
}
