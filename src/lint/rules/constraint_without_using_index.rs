use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{AlterTableOp, ConstraintKind};

declare_rule! {
    /// ## What it does
    /// Flags `UNIQUE` or `PRIMARY KEY` constraints added to an existing table without
    /// `USING INDEX`.
    ///
    /// ## Why it matters
    /// Postgres builds the backing unique index while holding an ACCESS EXCLUSIVE lock: no reads
    /// or writes for as long as the build takes, which grows with the table's size.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    /// ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    /// ```
    pub struct ConstraintWithoutUsingIndex {
        name: "constraint-without-using-index",
        category: BlockingLock,
        severity: Error,
        aliases: ["disallowed-unique-constraint", "adding-serial-primary-key-field"],
    }
}

impl Rule for ConstraintWithoutUsingIndex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::AddConstraint { constraint, .. } = op else {
                continue;
            };
            let kind = match constraint.kind {
                ConstraintKind::PrimaryKey => "PRIMARY KEY",
                ConstraintKind::Unique => "UNIQUE",
                _ => continue,
            };
            let columns = constraint.columns.join(", ");
            let name = constraint
                .name
                .clone()
                .unwrap_or_else(|| format!("{}_{}_key", table.name, constraint.columns.join("_")));
            out.push(Hit::new(
                format!(
                    "adds a {kind} constraint on {table} ({columns}) and builds its \
                    index under an ACCESS EXCLUSIVE lock: no reads or writes until \
                    it is built"
                ),
                format!(
                    "Build the index first with `CREATE UNIQUE INDEX CONCURRENTLY \
                    {name} ON {table} ({columns})`, then `ADD CONSTRAINT {name} \
                    {kind} USING INDEX {name}`."
                ),
            ));
        }
    }
}
