use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{Issue, IssueKind};

declare_rule! {
    /// ## What it does
    /// Flags a migration that exists on the base branch (`--base REF`) and was edited.
    ///
    /// ## Why it matters
    /// Databases that already ran the file will never run it again, so they never get the edit;
    /// new databases do. Production and fresh environments silently diverge.
    ///
    /// ## Example
    /// A pull request changes `0007_add_orders.sql`, which is already merged.
    ///
    /// ## Use instead
    /// Revert the edit and write a new migration with the change.
    pub struct MigrationEdited {
        name: "migration-edited",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

impl Rule for MigrationEdited {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        if let IssueKind::Edited { relative } = &issue.kind {
            out.push(Hit::new(
                format!(
                    "{relative} already exists on the base branch and was edited; \
                        databases that ran it will not run it again, so they will never \
                        see this change"
                ),
                "Revert the edit and put the change in a new migration.",
            ));
        }
    }
}
