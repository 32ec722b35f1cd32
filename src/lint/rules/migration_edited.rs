use crate::lint::{Hit, Rule, RuleMeta};
use crate::plan::formats::AppliedEdit;
use crate::plan::{Issue, IssueKind};

declare_rule! {
    /// ## What it does
    /// Flags a migration that exists on the base branch (`--base REF`) and was edited.
    ///
    /// ## Why it matters
    /// Databases that already ran the file will never run it again, so they never get the edit;
    /// new databases do. Production and fresh environments silently diverge.
    ///
    /// An edit that changes only what no database runs (a comment, whitespace, the down section)
    /// is not flagged where the tool keeps no checksum (golang-migrate, goose, dbmate, diesel,
    /// popx); where it does (Flyway, sqlx, Prisma) it is, because the tool then stops on every
    /// database that ran the file. Flyway's repeatable migrations (`R__`) are meant to be edited
    /// and are never flagged: Flyway runs them again when they change.
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
        let IssueKind::Edited {
            format,
            relative,
            runs_the_same,
        } = &issue.kind
        else {
            return;
        };
        match (format.applied_edit(), runs_the_same) {
            // Nothing any database runs changed, and the tool never looks at the file again.
            (AppliedEdit::Unchecked, true) => {}
            (AppliedEdit::Checked(consequence), true) => out.push(Hit::new(
                format!(
                    "{relative} already exists on the base branch and was edited: only its \
                        comments or whitespace changed, but {format} {consequence}"
                ),
                "Revert the edit; a note about the migration belongs in a new migration or \
                    elsewhere.",
            )),
            (AppliedEdit::Unknown, true) => out.push(Hit::new(
                format!(
                    "{relative} already exists on the base branch and was edited: only its \
                        comments or whitespace changed, which is harmless unless the tool that \
                        runs it records a checksum of each applied migration (Flyway, sqlx and \
                        Prisma do, and stop on a mismatch)"
                ),
                "Revert the edit, or name the directory's format in drydock.toml if its tool \
                    keeps no checksum (golang-migrate, goose, dbmate, diesel).",
            )),
            (applied_edit, false) => {
                let also = match applied_edit {
                    AppliedEdit::Checked(consequence) => format!("; and {format} {consequence}"),
                    AppliedEdit::Unchecked | AppliedEdit::Unknown => String::new(),
                };
                out.push(Hit::new(
                    format!(
                        "{relative} already exists on the base branch and was edited; \
                            databases that ran it will not run it again, so they will never \
                            see this change{also}"
                    ),
                    "Revert the edit and put the change in a new migration.",
                ));
            }
        }
    }
}
