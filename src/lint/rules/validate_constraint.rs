use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::AlterTableOp;

declare_rule! {
    /// ## What it does
    /// Notes `VALIDATE CONSTRAINT` on an existing table.
    ///
    /// ## Why it matters
    /// This is the safe second step after `NOT VALID`: it takes only a SHARE UPDATE EXCLUSIVE
    /// lock. But it still scans the table, and it fails if any existing row violates the
    /// constraint, so whether it succeeds depends on production data.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
    /// ```
    ///
    /// ## Use instead
    /// Keep it, in its own transaction; check for violating rows in production beforehand.
    pub struct ValidateConstraint {
        name: "validate-constraint",
        category: DataDependent,
        severity: Info,
        aliases: [],
    }
}

impl Rule for ValidateConstraint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            if let AlterTableOp::ValidateConstraint { name } = op {
                out.push(Hit::new(
                    format!(
                        "validates {name} on {table}: it scans the table and fails if \
                        any existing row violates it"
                    ),
                    "Check production for violating rows before deploying.",
                ));
            }
        }
    }
}
