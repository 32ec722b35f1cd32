use super::existing_table_ops;
use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::{AlterTableOp, ConstraintKind};

declare_rule! {
    /// ## What it does
    /// Flags an exclusion constraint added to an existing table.
    ///
    /// ## Why it matters
    /// Exclusion constraints cannot be added `NOT VALID` or `USING INDEX`: Postgres builds the
    /// index and checks every row under an ACCESS EXCLUSIVE lock, blocking all reads and writes
    /// for the whole build.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
    /// ```
    ///
    /// ## Use instead
    /// Add it while the table is small or in a maintenance window; or enforce the rule with a
    /// trigger backed by an index built `CONCURRENTLY`.
    pub struct ExclusionConstraint {
        name: "exclusion-constraint",
        category: BlockingLock,
        severity: Warning,
        aliases: [],
    }
}

impl Rule for ExclusionConstraint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let Some((table, ops)) = existing_table_ops(cx) else {
            return;
        };
        for op in ops {
            if let AlterTableOp::AddConstraint { constraint, .. } = op
                && constraint.kind == ConstraintKind::Exclusion
            {
                out.push(Hit::new(
                    format!(
                        "adds an exclusion constraint on {table}: its index is built and \
                            every row checked under an ACCESS EXCLUSIVE lock, blocking all \
                            reads and writes"
                    ),
                    "Add it in a maintenance window, or while the table is small.",
                ));
            }
        }
    }
}
