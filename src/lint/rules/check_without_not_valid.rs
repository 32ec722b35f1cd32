use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{AlterTableOp, ConstraintKind};

declare_rule! {
    /// ## What it does
    /// Flags a CHECK constraint added to an existing table without `NOT VALID`.
    ///
    /// ## Why it matters
    /// Postgres scans the whole table to check existing rows while holding an ACCESS EXCLUSIVE
    /// lock: no reads or writes until the scan ends.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;
    /// ALTER TABLE orders VALIDATE CONSTRAINT total_positive;
    /// ```
    pub struct CheckWithoutNotValid {
        name: "check-without-not-valid",
        category: BlockingLock,
        severity: Error,
        aliases: ["constraint-missing-not-valid"],
    }
}

impl Rule for CheckWithoutNotValid {
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
            if !matches!(constraint.kind, ConstraintKind::Check { .. }) {
                continue;
            }
            let hit = Hit::new(
                format!(
                    "adds a CHECK constraint on {table} and scans every row under an \
                    ACCESS EXCLUSIVE lock: no reads or writes until the scan ends"
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
