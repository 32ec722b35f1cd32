use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{AlterTableOp, ConstraintKind, ForeignKey};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key added to an existing table without `NOT VALID`.
    ///
    /// ## Why it matters
    /// Postgres checks every existing row while holding a SHARE ROW EXCLUSIVE lock on both the
    /// table and the referenced table: writes to both wait for a full scan of the table.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    /// ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
    /// ```
    /// `VALIDATE` takes a weaker lock that lets reads and writes continue; run it in a separate
    /// transaction (ideally a separate migration).
    pub struct ForeignKeyWithoutNotValid {
        name: "foreign-key-without-not-valid",
        category: BlockingLock,
        severity: Error,
        aliases: ["adding-foreign-key-constraint", "constraint-missing-not-valid"],
    }
}

impl Rule for ForeignKeyWithoutNotValid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            let AlterTableOp::AddConstraint {
                constraint,
                not_valid: false,
            } = op
            else {
                continue;
            };
            let ConstraintKind::ForeignKey(ForeignKey {
                table: references, ..
            }) = &constraint.kind
            else {
                continue;
            };
            let hit = Hit::new(
                format!(
                    "adds a foreign key on {table} and checks every existing row \
                    while holding SHARE ROW EXCLUSIVE on {table} and {references}: \
                    writes to both wait for the full scan"
                ),
                "Add it with NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.",
            );
            // Appending NOT VALID is only right when the statement adds nothing else.
            let fix =
                (ops.len() == 1).then(|| cx.replace_statement(format!("{} NOT VALID", cx.text())));
            out.push(hit.with_fix(fix));
        }
    }
}
