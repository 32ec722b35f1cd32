use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::{Issue, IssueKind};

declare_rule! {
    /// ## What it does
    /// Flags a migration that exists on the base branch and was deleted.
    ///
    /// ## Why it matters
    /// Deployed databases keep what it did; new databases never get it. Some frameworks also
    /// refuse to run when an applied migration is missing.
    ///
    /// ## Example
    /// A pull request removes `0003_create_users.sql`.
    ///
    /// ## Use instead
    /// Keep the file; undo its effect with a new migration.
    pub struct MigrationDeleted {
        name: "migration-deleted",
        category: Integrity,
        severity: Error,
        aliases: [],
    }
}

impl Rule for MigrationDeleted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check_plan(&self, issue: &Issue, out: &mut Vec<Hit>) {
        if let IssueKind::Deleted { relative } = &issue.kind {
            out.push(Hit::new(
                format!(
                    "{relative} exists on the base branch and was deleted; databases \
                        that ran it keep its changes, new databases will not get them"
                ),
                "Restore the file; undo its changes with a new migration instead.",
            ));
        }
    }
}
