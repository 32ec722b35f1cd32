use crate::lint::{Context, Hit, Rule, RuleMeta};
use crate::sql::model::Action;

declare_rule! {
    /// ## What it does
    /// Flags `VACUUM FULL` and `CLUSTER`.
    ///
    /// ## Why it matters
    /// Both rewrite the whole table under an ACCESS EXCLUSIVE lock: no reads or writes until
    /// the rewrite ends, and they need disk space for a second copy of the table.
    ///
    /// ## Example
    /// ```sql
    /// VACUUM FULL orders;
    /// ```
    ///
    /// ## Use instead
    /// Plain `VACUUM` (which does not block), or an online tool such as `pg_repack` run outside
    /// the migration.
    pub struct VacuumFullOrCluster {
        name: "vacuum-full-or-cluster",
        category: BlockingLock,
        severity: Error,
        aliases: [],
    }
}

impl Rule for VacuumFullOrCluster {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context, out: &mut Vec<Hit>) {
        let what = match cx.action() {
            Action::Vacuum { full: true, .. } => "VACUUM FULL",
            Action::Cluster { .. } => "CLUSTER",
            _ => return,
        };
        out.push(Hit::new(
            format!(
                "{what} rewrites the table under an ACCESS EXCLUSIVE lock: no \
                reads or writes until it finishes, and it needs room for a full \
                copy"
            ),
            "Use plain VACUUM, or pg_repack outside the migration.",
        ));
    }
}
