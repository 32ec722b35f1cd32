use crate::lint::{FileContext, Hit, Rule, RuleMeta};

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
    // Checked at the end of the file, so an index created after the key still counts.
    fn check_file(&self, cx: &FileContext, out: &mut Vec<Hit>) {
        let state = cx.state;
        for (table, columns, span) in &state.foreign_keys {
            let indexed = state
                .indexed_columns
                .get(&table.key())
                .is_some_and(|indexes| {
                    indexes
                        .iter()
                        .any(|ix| ix.len() >= columns.len() && ix[..columns.len()] == columns[..])
                });
            if !indexed && !columns.is_empty() {
                out.push(Hit {
                    span: Some(*span),
                    ..Hit::new(
                        format!(
                            "foreign key {table} ({}) has no index on its columns in this \
                            change: deletes on the referenced table scan {table}",
                            columns.join(", ")
                        ),
                        format!(
                            "Add `CREATE INDEX CONCURRENTLY ON {table} ({})` unless one \
                            already exists.",
                            columns.join(", ")
                        ),
                    )
                });
            }
        }
    }
}
